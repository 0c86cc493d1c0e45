#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_user_info
short_description: The analyst's account, home and whether to become them
version_added: 0.1.0
description:
  - Looks an account up in the passwd database the same way on every OS (Linux NSS, macOS Open
    Directory, which gives the real home rather than C(/Users/NAME)), and says whether work for that
    account must use C(become), that is whether it differs from the user the module runs as.
  - The pyenv role uses it for O(user) and O(home) (C(pyenv_user), C(pyenv_user_home)), the
    profiles_cli role when it is not given a home. Roles that only need to know whether to become
    the analyst use the P(rudderstack.profiles.needs_become#filter)
    filter, the same rule without a round trip.
  - Never fails for an account that does not exist; it returns O(user) with RV(exists=false) so the
    caller can say which of its options to change.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  user:
    description: Account name. Empty means the user the module runs as.
    type: str
    default: ""
  home:
    description: Home to report instead of the one in the passwd database. Empty means looked up.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Look up the analyst
  rudderstack.profiles.profiles_user_info:
    user: analyst
  register: account

- name: Write into the analyst's home as the analyst
  ansible.builtin.file:
    path: "{{ account.home }}/.pb"
    state: directory
    mode: "0700"
  become: "{{ account.become }}"
  become_user: "{{ account.user }}"
"""

RETURN = r"""
user:
  description: The account name (O(user), or the user the module runs as).
  returned: always
  type: str
  sample: analyst
exists:
  description: Whether the account is in the passwd database.
  returned: always
  type: bool
home:
  description: O(home) if given, else the account's home; empty when the account does not exist.
  returned: always
  type: str
  sample: /home/analyst
uid:
  description: The account's numeric user id; null when it does not exist.
  returned: always
  type: int
gid:
  description: The account's primary group id; null when it does not exist.
  returned: always
  type: int
group:
  description: The account's primary group name.
  returned: always
  type: str
shell:
  description: The account's login shell.
  returned: always
  type: str
  sample: /bin/bash
current_user:
  description: The user the module ran as.
  returned: always
  type: str
  sample: root
become:
  description: Whether work for the account needs C(become) (O(user) given and not the current user).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import accounts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            user=dict(type="str", default=""),
            home=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, **accounts.lookup_account(module.params["user"], module.params["home"]))


if __name__ == "__main__":
    main()
