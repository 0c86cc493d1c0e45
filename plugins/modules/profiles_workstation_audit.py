#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_workstation_audit
short_description: Read a workstation's Profiles setup as it is now, changing nothing
version_added: 0.1.0
description:
  - Reads, in one run, what the fleet report needs from a workstation - the onboard record
    (P(rudderstack.profiles.profiles_onboard_record#module)), C(pb version), the virtualenv's
    Python and C(profiles-*) packages, the siteconfig's connections and targets (only keys that are
    not secrets, such as C(type), C(host), C(user), C(schema)), the project's C(schema_version) and
    whether C(pb show models) accepts it offline, and whether the shell startup files hold the
    collection's blocks.
  - Changes nothing on the host. pb writes into the project and into its working directory and
    home, so it runs on a copy of the project's definition in a temporary directory (its HOME and
    working directory too) that is removed afterwards.
  - Used by the C(rudderstack.profiles.audit) playbook; the result feeds
    P(rudderstack.profiles.profiles_fleet_report#module).
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  record_path:
    description: The onboard record.
    type: path
    default: ~/.local/state/rudderstack-profiles/onboard.json
  virtualenv:
    description: The virtualenv holding pb (C(bin/pb)); empty reads no pb.
    type: path
  siteconfig_path:
    description: The analyst's siteconfig.
    type: path
    default: ~/.pb/siteconfig.yaml
  project_path:
    description: The Profiles project; empty reads no project.
    type: path
  home:
    description: The analyst's home; the paths of O(shell_blocks) are relative to it.
    type: path
    default: "~"
  shell_blocks:
    description:
      - The collection's shell init blocks to look for, by name (C(pyenv), C(pb)), each with
        C(files) (as the roles take them - C(pyenv_shell_init_files), C(profiles_cli_shell_init_files))
        and C(skip_if) (a regular expression; a file that matches sets the tool up by itself, as the
        pyenv role's C(pyenv_shell_init_skip_if)). Files of shells that are not installed, and that
        do not exist, are not checked.
    type: dict
    default: {}
  timeout:
    description: Seconds each pb call may take.
    type: int
    default: 120
"""

EXAMPLES = r"""
- name: Read the workstation
  rudderstack.profiles.profiles_workstation_audit:
    virtualenv: /home/ana/.pyenv/versions/profiles
    project_path: /home/ana/profiles-project
    home: /home/ana
    shell_blocks:
      pb:
        files: [.bashrc, .zshrc]
  become: true
  become_user: ana
  register: audit
"""

RETURN = r"""
record:
  description: The onboard record (null when there is none, empty when unreadable).
  returned: always
  type: dict
live:
  description:
    - What the workstation holds now - C(virtualenv), C(python_version), C(packages), C(pb)
      (C(version), C(native_schema_version), C(error)), C(siteconfig) (C(exists), C(connections)
      with their targets and the outputs' keys that are not secrets), C(project) (C(exists),
      C(schema_version), C(connection), C(lint_rc), C(lint_message)) and C(shell_init.files)
      (C(PATH (BLOCK)) to whether the block is there).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.report.audit import audit_workstation, shell_files


def main():
    module = AnsibleModule(
        argument_spec=dict(
            record_path=dict(type="path", default="~/.local/state/rudderstack-profiles/onboard.json"),
            virtualenv=dict(type="path"),
            siteconfig_path=dict(type="path", default="~/.pb/siteconfig.yaml"),
            project_path=dict(type="path"),
            home=dict(type="path", default="~"),
            shell_blocks=dict(type="dict", default={}),
            timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %d" % p["timeout"])
    for name, block in p["shell_blocks"].items():
        if name not in ("pyenv", "pb") or not isinstance(block, dict):
            module.fail_json(msg="shell_blocks: %s is not a block of this collection; accepted: pyenv, pb, each "
                                 "a dict with files and skip_if" % name)
    result = audit_workstation(p["record_path"], p["virtualenv"] or "", p["siteconfig_path"], p["project_path"] or "",
                               shell_files(p["home"], p["shell_blocks"]), timeout=p["timeout"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
