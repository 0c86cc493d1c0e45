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
short_description: What a pyenv root holds, in one read, and the pyenv role's plan
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
  - Returns the rudderstack.profiles.pyenv role's C(plan) too, which its tasks follow (how pyenv is
    installed and whether the Python is built, shared or left as it is).
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
    description: The pyenv executable; default C(<root>/bin/pyenv), or Homebrew's with O(homebrew).
    type: path
  homebrew:
    description:
      - Where the root has no pyenv (and O(pyenv_bin) is not given), look for Homebrew's (C(brew --prefix --installed pyenv)) and
        read with that one (macOS).
    type: bool
    default: false
  update:
    description: The plan moves an existing git checkout of pyenv and its plugin to their refs (the role's C(pyenv_update)).
    type: bool
    default: false
  build_dependencies:
    description: The plan installs the OS build dependencies while pyenv or the Python is missing.
    type: bool
    default: true
  share:
    description: Shared Python builds are on (the role's C(pyenv_python_share_dir) is set).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the analyst's pyenv
  rudderstack.profiles.profiles_pyenv_info:
    root: /home/ana/.pyenv
    python_version: "3.11"
    virtualenv: profiles
    homebrew: "{{ ansible_facts['os_family'] == 'Darwin' }}"
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
homebrew_prefix:
  description: Homebrew's pyenv prefix when that is the pyenv read (the root has none), else empty.
  returned: always
  type: str
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
plan:
  description:
    - What the rudderstack.profiles.pyenv role does on this host.
    - C(install) is C(existing) (a pyenv at the root), C(homebrew) or C(git) (to clone);
      C(install_kind) the published name (C(git) or C(homebrew)).
    - C(clone_pyenv), C(clone_plugin), C(brew_plugin) and C(packages) say which install steps run.
    - C(python_version) is the exact version (the request while pyenv is not installed yet);
      C(python) is C(nothing) (installed), C(build), or C(share) (missing, with shared builds on;
      the role has the first workstation of each kind build and store it and the others unpack it).
    - C(virtualenv) says whether the virtualenv is created.
  returned: always
  type: dict
  sample: {install: existing, install_kind: git, clone_pyenv: false, clone_plugin: false, brew_plugin: false,
           packages: false, python_version: 3.11.2, python: nothing, virtualenv: false}
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
            homebrew=dict(type="bool", default=False),
            update=dict(type="bool", default=False),
            build_dependencies=dict(type="bool", default=True),
            share=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    state = pyenv_state.read(params["root"], params["python_version"], params["virtualenv"], params["homebrew"],
                             params["pyenv_bin"] or "")
    state["plan"] = pyenv_state.plan(state, params["python_version"], params["update"],
                                     params["build_dependencies"], params["share"])
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
