#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_virtualenv_info
short_description: A virtualenv's Python version and installed packages, in one read
version_added: 0.1.0
description:
  - Runs the virtualenv's Python once and returns its version and the distributions installed in
    it (name and version), which the rudderstack.profiles.profiles_cli role compares with its pins
    before deciding whether pip has to run.
  - Never fails for a virtualenv that does not exist or does not run; it returns RV(exists) and
    RV(error) so the caller can say which of its options to change.
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
  path:
    description: The virtualenv (its Python is C(<path>/bin/python)).
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Read the analyst's virtualenv
  rudderstack.profiles.profiles_virtualenv_info:
    path: /home/ana/.pyenv/versions/profiles
  become: true
  become_user: ana
  register: venv
"""

RETURN = r"""
python:
  description: The virtualenv's interpreter.
  returned: always
  type: str
  sample: /home/ana/.pyenv/versions/profiles/bin/python
exists:
  description: Whether that interpreter exists.
  returned: always
  type: bool
python_version:
  description: Its version (C(platform.python_version())); empty when it does not run.
  returned: always
  type: str
  sample: 3.11.7
packages:
  description: Installed distributions, name to version; null when they cannot be listed.
  returned: always
  type: dict
  sample: {profiles-rudderstack: 0.26.4, PyYAML: 6.0.2}
base_python:
  description: The interpreter the virtualenv was made from (C(sys.base_prefix)); empty when unknown.
  returned: always
  type: str
  sample: /home/ana/.pyenv/versions/3.11.2/bin/python3.11
error:
  description: Why the Python did not run or answer; empty when it did.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import virtualenv


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type="path", required=True)),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, **virtualenv.read_virtualenv(module.params["path"]))


if __name__ == "__main__":
    main()
