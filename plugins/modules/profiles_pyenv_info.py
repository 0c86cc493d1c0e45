#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_pyenv_info
short_description: What a pyenv root holds, in one read
version_added: 0.1.0
description:
  - Reads in one pass what the rudderstack.profiles.pyenv role needs to decide what to do (whether
    pyenv and its pyenv-virtualenv plugin are there (and pyenv's version), the Python versions
    installed, a requested version resolved (a prefix such as C(3.11) to the newest installed
    match, else the newest release this pyenv can build), whether pyenv knows it, whether that
    Python's standard modules import (ssl, sqlite3, ctypes, bz2, lzma, zlib, readline), and the
    Python version of a named virtualenv).
  - C(pyenv install --list) runs only when the requested version is not installed, so on a
    converged host this is one quick module run.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    details: Only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  root:
    description: The pyenv root (C(PYENV_ROOT)).
    type: path
    required: true
  python_version:
    description: Python version wanted, exact (C(3.11.2)) or a major.minor prefix (C(3.11)).
    type: str
    required: true
  virtualenv:
    description: Name of a virtualenv (C(<root>/versions/<name>)) whose Python to report; empty for none.
    type: str
    default: ""
  pyenv_bin:
    description: The pyenv executable; default C(<root>/bin/pyenv) (Homebrew's pyenv lives elsewhere).
    type: path
"""

EXAMPLES = r"""
- name: Read the analyst's pyenv
  rudderstack.profiles.profiles_pyenv_info:
    root: /home/ana/.pyenv
    python_version: "3.11"
    virtualenv: profiles
  become: true
  become_user: ana
  register: pyenv_state
"""

RETURN = r"""
pyenv:
  description: C(bin), C(exists), C(git) (a git checkout), C(plugin) (pyenv-virtualenv), C(version).
  returned: always
  type: dict
  sample: {bin: /home/ana/.pyenv/bin/pyenv, exists: true, git: true, plugin: true, version: 2.6.30}
installed:
  description: Python versions built into the root (virtualenv links left out).
  returned: always
  type: list
  elements: str
python_version:
  description: The exact version the request resolves to; empty when a prefix cannot be resolved.
  returned: always
  type: str
python_known:
  description: Whether that version is installed or pyenv can build it; null when pyenv is not there.
  returned: always
  type: bool
known_example:
  description: The newest CPython release this pyenv can build (for messages), when it was listed.
  returned: always
  type: str
python:
  description: C(path), C(exists), C(stdlib_ok) (null when not installed) and C(stdlib_error).
  returned: always
  type: dict
virtualenv:
  description: C(name), C(path), C(exists) and C(python_version) of the virtualenv.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import pyenv as pyenv_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            python_version=dict(type="str", required=True),
            virtualenv=dict(type="str", default=""),
            pyenv_bin=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    module.exit_json(changed=False, **pyenv_state.read_state(
        params["root"], params["python_version"], params["virtualenv"], params["pyenv_bin"] or ""))


if __name__ == "__main__":
    main()
