#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_python_relocate
short_description: Move an unpacked pyenv Python to the prefix it now lives at
version_added: 0.1.0
description:
  - For a CPython that was built under one prefix (another analyst's C(~/.pyenv/versions/3.11.2))
    and unpacked under another, rewrites the build prefix to the new one in the text files that
    name it, the shebangs of C(bin/) scripts (pip, pydoc, idle, 2to3), sysconfig's build-time
    variables, C(python-config) and pkg-config files. The rudderstack.profiles.pyenv role uses it
    for builds shared between workstations (C(pyenv_python_share_dir)).
  - The interpreter itself needs no change when built without C(--enable-shared) (it finds its
    standard library relative to its executable). A shared-library build is refused, because its
    executable loads libpython from the old prefix by an absolute rpath.
  - Binary files are not touched. The build prefix, read from the Python's own sysconfig data, is
    the one to replace; once rewritten, a second run finds nothing to do.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    details: Returns the files that would be rewritten, writes nothing.
  diff_mode:
    support: full
    details: The old and the new prefix, and the files rewritten.
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  path:
    description: The Python's installation prefix as it is now, C(<pyenv root>/versions/<version>).
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Unpack ana's build of Python 3.11.2 into cy's pyenv
  ansible.builtin.unarchive:
    src: /srv/pythons/python-3.11.2-Linux-Debian-12-x86_64-1a2b3c4d.tar.gz
    dest: /home/cy/.pyenv/versions
  become: true
  become_user: cy

- name: Make it cy's
  rudderstack.profiles.profiles_python_relocate:
    path: /home/cy/.pyenv/versions/3.11.2
  become: true
  become_user: cy
"""

RETURN = r"""
old_prefix:
  description: The prefix the Python was built for (before the move, or as found).
  returned: always
  type: str
  sample: /home/ana/.pyenv/versions/3.11.2
prefix:
  description: The prefix it lives at now (O(path), absolute).
  returned: always
  type: str
  sample: /home/cy/.pyenv/versions/3.11.2
files:
  description: Files (relative to O(path)) rewritten, or that would be in check mode.
  returned: always
  type: list
  elements: str
  sample: [bin/pip3, bin/pydoc3.11, lib/python3.11/_sysconfigdata__linux_x86_64-linux-gnu.py]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import python_relocate


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type="path", required=True)),
        supports_check_mode=True,
    )
    prefix = os.path.abspath(module.params["path"])
    if not os.path.isdir(prefix):
        module.fail_json(msg="path: %s is not a directory (the unpacked Python's prefix)" % prefix)
    try:
        old, files = python_relocate.plan(prefix)
        if files and not module.check_mode:
            python_relocate.apply(prefix, old, files, move_file=module.atomic_move)
    except (python_relocate.RelocateError, OSError, SyntaxError, ValueError) as exc:
        module.fail_json(msg="path: %s" % exc, prefix=prefix)
    result = dict(changed=bool(files), old_prefix=old, prefix=prefix, files=files)
    if module._diff and files:
        result["diff"] = dict(before="prefix: %s\n" % old, after="prefix: %s\n" % prefix,
                              before_header=prefix, after_header=prefix)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
