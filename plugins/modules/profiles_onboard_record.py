#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_onboard_record
short_description: Leave the onboard record in the analyst's home
version_added: 0.1.0
description:
  - Writes the small JSON record an onboard run leaves on each workstation (default
    C(~/.local/state/rudderstack-profiles/onboard.json), mode 0600, directories 0700, no secrets) with the
    collection version, analyst, Python, pb and the C(profiles-*) packages in the virtualenv, the
    virtualenv, connection and target names, project path and its C(schema_version), the stages run,
    the stage reached, the time of the last success and the last failure's stage, task and message.
  - Reads the virtualenv (its Python version and packages) and the project's C(pb_project.yaml)
    itself; what it is not given keeps the previous record's value.
  - Run as the analyst (the file is theirs). The profiles_onboard_record role runs it at the end of
    C(rudderstack.profiles.onboard) playbook, and on failure from its rescue.
  - Reports C(changed) only when the record says something new; the run times alone do not count,
    so a converged workstation reruns with nothing changed.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    description: Returns the record it would write and writes nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  path:
    description: The record file.
    type: path
    default: ~/.local/state/rudderstack-profiles/onboard.json
  status:
    description: How the run ended.
    type: str
    choices: [success, failed]
    required: true
  stage:
    description: On failure, the stage that failed. On success, empty means the last stage the run
      was asked for (from O(run_tags) and O(skip_tags)).
    type: str
    default: ""
  run_tags:
    description: The run's C(--tags) (C(ansible_run_tags)); the stages it runs are recorded.
    type: list
    elements: str
    default: [all]
  skip_tags:
    description: The run's C(--skip-tags) (C(ansible_skip_tags)).
    type: list
    elements: str
    default: []
  failed_task:
    description: On failure, the name of the task that failed.
    type: str
    default: ""
  failure_message:
    description: On failure, the task's message (cut to 1000 characters). Never pass a secret.
    type: str
    default: ""
  host:
    description: The inventory name of the workstation.
    type: str
    default: ""
  analyst:
    description: The analyst's account.
    type: str
    default: ""
  collection_version:
    description: Version of rudderstack.profiles that ran.
    type: str
    default: ""
  pb_version:
    description: What C(pb version) reported in this run (empty keeps the previous value).
    type: str
    default: ""
  native_schema_version:
    description: pb's native project schema version.
    type: int
  virtualenv:
    description: The virtualenv pb is installed in; its Python version and packages are read from it.
    type: path
  connection:
    description: The siteconfig connection the project uses.
    type: str
    default: ""
  target:
    description: The connection's target.
    type: str
    default: ""
  project_path:
    description: The Profiles project; its C(schema_version) is read from C(pb_project.yaml).
    type: path
"""

EXAMPLES = r"""
- name: Record a successful run
  rudderstack.profiles.profiles_onboard_record:
    status: success
    run_tags: "{{ ansible_run_tags }}"
    skip_tags: "{{ ansible_skip_tags }}"
    analyst: ana
    virtualenv: /home/ana/.pyenv/versions/profiles
    connection: profiles
    target: dev
    project_path: /home/ana/profiles-project
  become: true
  become_user: ana
"""

RETURN = r"""
path:
  description: The record file.
  returned: always
  type: str
record:
  description: The record as written (or as it would be, in check mode).
  returned: always
  type: dict
summary:
  description: Status, stage, analyst, pb and Python versions, connection, last success and last failure.
  returned: always
  type: dict
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import write_atomic
from ansible_collections.rudderstack.profiles.plugins.module_utils.report import record as onboard_record
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.virtualenv import read_virtualenv


def _make_dirs(path):
    """Create the missing directories above ``path``, 0700 (the analyst's own state)."""
    missing = []
    folder = os.path.dirname(path)
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for folder in reversed(missing):
        os.mkdir(folder, 0o700)
        os.chmod(folder, 0o700)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="~/.local/state/rudderstack-profiles/onboard.json"),
            status=dict(type="str", required=True, choices=["success", "failed"]),
            stage=dict(type="str", default=""),
            run_tags=dict(type="list", elements="str", default=["all"]),
            skip_tags=dict(type="list", elements="str", default=[]),
            failed_task=dict(type="str", default=""),
            failure_message=dict(type="str", default=""),
            host=dict(type="str", default=""),
            analyst=dict(type="str", default=""),
            collection_version=dict(type="str", default=""),
            pb_version=dict(type="str", default=""),
            native_schema_version=dict(type="int"),
            virtualenv=dict(type="path"),
            connection=dict(type="str", default=""),
            target=dict(type="str", default=""),
            project_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["stage"] and p["stage"] not in onboard_record.STAGES + ("start",):
        module.fail_json(msg="stage %s is not a stage of onboard.yml; accepted: start, %s"
                         % (p["stage"], ", ".join(onboard_record.STAGES)))
    stages = onboard_record.selected_stages(p["run_tags"], p["skip_tags"])
    facts = dict((k, p[k]) for k in ("host", "analyst", "collection_version", "pb_version", "native_schema_version",
                                     "virtualenv", "connection", "target", "project_path"))
    facts["stages"] = stages
    if p["virtualenv"]:
        venv = read_virtualenv(p["virtualenv"], run=module.run_command)
        facts["python_version"] = venv["python_version"]
        facts["packages"] = onboard_record.profiles_packages(venv["packages"])
    if p["project_path"]:
        facts["project_schema_version"] = onboard_record.project_schema_version(p["project_path"])
    stage = p["stage"] or (stages[-1] if stages else "")
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    previous = onboard_record.read_record(p["path"])
    new = onboard_record.merge(previous, facts, p["status"], stage, now, p["failed_task"], p["failure_message"])
    changed = onboard_record.changed(previous, new)
    if changed and not module.check_mode:
        try:
            _make_dirs(p["path"])
            write_atomic(p["path"], onboard_record.dumps(new), mode=0o600, move_file=module.atomic_move)
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot write the onboard record at path %s: %s" % (p["path"], exc))
    elif not module.check_mode and os.path.isfile(p["path"]):
        # Nothing new to say; keep the run times current without reporting a change.
        write_atomic(p["path"], onboard_record.dumps(new), mode=0o600, move_file=module.atomic_move)
    result = dict(changed=changed, path=p["path"], record=new, summary=onboard_record.summary(new))
    if module._diff:
        result["diff"] = {"before": onboard_record.dumps(previous) if previous else "",
                          "after": onboard_record.dumps(new), "before_header": p["path"], "after_header": p["path"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
