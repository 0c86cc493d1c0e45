#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_fleet_report
short_description: Write the fleet report (JSON, HTML, JUnit XML) from what an audit collected
version_added: 0.1.0
description:
  - Judges each workstation and each warehouse principal against what onboarding would make of
    them and writes C(fleet-report.json) (a versioned JSON Schema,
    C(docs/schemas/fleet-report-1.schema.json)), C(fleet-report.html) (one self-contained page with a
    summary, a sortable and filterable table of workstations with details per host, and the
    principals) and C(fleet-report.xml) (JUnit XML, a test case per workstation and per principal).
  - Meant to run once on the controller at the end of the C(rudderstack.profiles.audit) playbook,
    which collects its input; see the collection's C(docs/fleet.md), The fleet report.
  - The report holds no secrets; siteconfig outputs are reduced to keys that are not secrets.
author:
  - rudderstack.profiles contributors (@rudderlabs)
attributes:
  check_mode:
    support: full
    description: Renders the report and returns its summary without writing. The audit playbook
      runs this task with C(check_mode=false), so C(--check) audits still leave a report.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  dest:
    description: Directory the report files are written into (created).
    type: path
    required: true
  workstations:
    description:
      - One entry per workstation, as the audit playbook collects them. Keys C(host) (required),
        C(error) (the audit could not read the host), C(record) (the onboard record, or null),
        C(live) (what P(rudderstack.profiles.profiles_workstation_audit#module) returned) and
        C(expected) (C(pb_pin), C(connection), C(target), C(settings), C(project_path)).
    type: list
    elements: dict
    default: []
  hosts:
    description:
      - The workstations the report covers, in order. A host without an entry in O(workstations)
        is reported as unreachable. Empty means the hosts of O(workstations).
    type: list
    elements: str
    default: []
  principals:
    description:
      - One entry per warehouse principal. Keys C(name) (required), C(warehouse) and C(result),
        the result of P(rudderstack.profiles.profiles_grants#module) run in check mode with
        O(rudderstack.profiles.profiles_grants#module:mode=exclusive).
    type: list
    elements: dict
    default: []
  grants:
    description:
      - Instead of O(principals), what the audit kept of the warehouse_grants role run in check
        mode - C(results) (its registered loop results), C(principals) (the names in loop order),
        C(warehouse), and C(error) when the role failed before its loop.
    type: dict
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [json, html, junit]
    default: [json, html, junit]
  title:
    description: Title of the HTML page and of the JUnit test suites.
    type: str
    default: Fleet report
  collection_version:
    description: Version of the collection that ran the audit, shown in the report.
    type: str
    default: ""
  pb_pin:
    description: The pb version pin the fleet should be on, shown in the report's header.
    type: str
    default: ""
  mode:
    description: Permissions of the report files.
    type: raw
    default: "0644"
"""

EXAMPLES = r"""
- name: Write the fleet report on the controller
  rudderstack.profiles.profiles_fleet_report:
    dest: "{{ playbook_dir }}/reports"
    workstations: "{{ audit_workstations }}"
    principals: "{{ audit_principals }}"
  delegate_to: localhost
  run_once: true
  check_mode: false
"""

RETURN = r"""
paths:
  description: The files written (or that would be), by format.
  returned: always
  type: dict
  sample: {"json": "/srv/reports/fleet-report.json", "html": "/srv/reports/fleet-report.html",
           "junit": "/srv/reports/fleet-report.xml"}
summary:
  description: The report's summary (counts by status, pb and Python versions, drift checks).
  returned: always
  type: dict
not_ok:
  description: Workstations and principals whose status is not C(ok), with their status.
  returned: always
  type: dict
  sample: {"workstations": {"laptop-ana": "drifted"}, "principals": {}}
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import (
    build_report, principal_entries, workstation_entries)
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.writer import write_report


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            workstations=dict(type="list", elements="dict", default=[]),
            hosts=dict(type="list", elements="str", default=[]),
            principals=dict(type="list", elements="dict", default=[]),
            grants=dict(type="dict"),
            formats=dict(type="list", elements="str", choices=["json", "html", "junit"],
                         default=["json", "html", "junit"]),
            title=dict(type="str", default="Fleet report"),
            collection_version=dict(type="str", default=""),
            pb_pin=dict(type="str", default=""),
            mode=dict(type="raw", default="0644"),
        ),
        mutually_exclusive=[("principals", "grants")],
        supports_check_mode=True,
    )
    params = module.params
    params["workstations"] = workstation_entries(params["hosts"], params["workstations"])
    if params["grants"] is not None:
        params["principals"] = principal_entries(params["grants"])
    for key, items, required in (("workstations", params["workstations"], "host"),
                                 ("principals", params["principals"], "name")):
        for index, item in enumerate(items):
            if not item.get(required):
                module.fail_json(msg="%s[%d] has no %s; each entry needs one" % (key, index, required))
    try:
        mode = int(str(params["mode"]), 8)
    except ValueError:
        module.fail_json(msg="mode must be octal permissions such as 0644, got %r" % params["mode"])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    report = build_report(params["workstations"], params["principals"], now,
                          collection_version=params["collection_version"], pb_pin=params["pb_pin"],
                          title=params["title"])
    try:
        paths = write_report(report, params["dest"], params["formats"], mode=mode, move_file=module.atomic_move,
                             check_mode=module.check_mode)
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot write the report into dest %s: %s" % (params["dest"], exc))
    not_ok = {"workstations": dict((r["host"], r["status"]) for r in report["workstations"] if r["status"] != "ok"),
              "principals": dict((r["name"], r["status"]) for r in report["principals"] if r["status"] != "ok")}
    module.exit_json(changed=not module.check_mode, paths=paths, summary=report["summary"], not_ok=not_ok)


if __name__ == "__main__":
    main()
