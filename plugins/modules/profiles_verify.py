#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_verify
short_description: Prove a Profiles setup with pb validate access, pb compile and pb run
version_added: 0.1.0
description:
  - Runs the checks the RudderStack Profiles guide ends its setup with, in its order, as the user
    the task runs as, with that user's siteconfig and project, the real C(pb) and a timeout on
    each call.
  - C(validate_access) (C(pb validate access)) only reads; C(compile) writes the project's output
    folder and C(run) builds tables in the warehouse, so they run only when asked for.
  - pb always runs with C(SF_DISABLE_MINICORE=true) and C(SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true)
    in a private temporary working directory (pb's C(logs/pb.log) is not left behind).
  - On PostgreSQL C(pb validate access) checks little (a principal with CONNECT alone passes); add
    C(run) to prove the grants.
author:
  - rudderstack.profiles contributors (@rudderlabs)
requirements:
  - the C(pb) CLI (pip package C(profiles-rudderstack)) on the host that runs the module
attributes:
  check_mode:
    support: partial
    details: C(validate_access) runs (it only reads); C(compile) and C(run) are reported, not run.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  project_path:
    description: The Profiles project folder (C(pb -p)).
    type: path
    required: true
  siteconfig_path:
    description: The siteconfig pb reads (C(pb -c)).
    type: path
    default: ~/.pb/siteconfig.yaml
  target:
    description: Target of the project's connection to use (C(pb -t)); default is the siteconfig's.
    type: str
  checks:
    description: Checks to run; they always run in the order validate_access, compile, run.
    type: list
    elements: str
    choices: [validate_access, compile, run]
    default: [validate_access]
  pb_path:
    description: The pb executable. Default is O(virtualenv)C(/bin/pb), else C(pb) on E(PATH).
    type: path
  virtualenv:
    description: Virtualenv with C(profiles-rudderstack) installed; its C(bin/pb) is used.
    type: path
  timeout:
    description:
      - Seconds each pb call may take before it is killed. Unreachable warehouses make pb retry
        for minutes (Snowflake about 3, BigQuery without end).
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Prove that the analyst's connection reaches the warehouse with the right privileges
  rudderstack.profiles.profiles_verify:
    project_path: ~/profiles-project
    virtualenv: ~/.pyenv/versions/profiles
  become: true
  become_user: ana

- name: Build the project once, as the guide's last step
  rudderstack.profiles.profiles_verify:
    project_path: ~/profiles-project
    virtualenv: ~/.pyenv/versions/profiles
    checks: [validate_access, compile, run]
    timeout: 900
"""

RETURN = r"""
checks:
  description: One entry per check, in the order run, with the pb command, its exit code and duration.
  returned: always
  type: list
  elements: dict
  sample: [{check: validate_access, cmd: [/venv/bin/pb, validate, access, -p, /p, -c, /s.yaml], rc: 0, duration: 0.7}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import verify


def main():
    module = AnsibleModule(
        argument_spec=dict(
            project_path=dict(type="path", required=True),
            siteconfig_path=dict(type="path", default="~/.pb/siteconfig.yaml"),
            target=dict(type="str"),
            checks=dict(type="list", elements="str", choices=verify.ORDER, default=["validate_access"]),
            pb_path=dict(type="path"),
            virtualenv=dict(type="path"),
            timeout=dict(type="int", default=300),
        ),
        mutually_exclusive=[("pb_path", "virtualenv")],
        supports_check_mode=True,
    )
    params = module.params
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %d" % params["timeout"])
    try:
        pb = pb_cli.find_pb(params["pb_path"], params["virtualenv"])
    except pb_cli.PbNotFound as exc:
        module.fail_json(msg=str(exc))
    try:
        result = verify.verify(pb, params["project_path"], params["siteconfig_path"], params["checks"],
                               target=params["target"], timeout=params["timeout"],
                               check_mode=module.check_mode)
    except verify.VerifyError as exc:
        module.fail_json(msg=exc.message, checks=exc.results)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
