# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The pyenv role's shell-init blocks (documentation in pyenv_shell_init.yml and
pyenv_shell_blocks.yml). The text is plugins/module_utils/workstation/shell_init.py's."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import shell_init


def pyenv_shell_init(files, root, pyenv="pyenv"):
    try:
        return shell_init.pyenv_entries(files or [], root, pyenv)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("pyenv_shell_init_files: each item needs path and shell (%s)" % exc)


def pyenv_shell_blocks(root, pyenv="pyenv"):
    return shell_init.pyenv_blocks(root, pyenv)


class FilterModule(object):
    def filters(self):
        return {"pyenv_shell_init": pyenv_shell_init, "pyenv_shell_blocks": pyenv_shell_blocks}
