# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The fleet report as JUnit XML for CI dashboards: a test suite of workstations and one of
principals, one test case each. A workstation that is not onboarded, whose last run failed, that
drifted or that the audit could not read is a failure; so is a principal whose grants drifted or
could not be read. The failure's text is the drift, one line per finding."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import principal_findings


def _case(suite, classname, name, failed, kind, lines, details):
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})
    if failed:
        failure = ET.SubElement(case, "failure", {"type": kind, "message": (lines[0] if lines else kind)[:500]})
        failure.text = "\n".join(lines)
    if details:
        ET.SubElement(case, "system-out").text = details
    return failed


def render_junit(report):
    """The JUnit XML text of ``report`` (fleet.build_report)."""
    root = ET.Element("testsuites", {"name": report.get("title") or "fleet report"})
    total = failures = 0
    suite = ET.SubElement(root, "testsuite", {"name": "workstations", "timestamp": report["generated_at"]})
    count = fails = 0
    for row in report["workstations"]:
        lines = ["%s: %s" % (d["check"], d["message"]) for d in row["drift"]]
        if row["status"] == "unreachable":
            lines.insert(0, "audit could not read the host: %s" % row["error"])
        elif row["status"] == "not_onboarded":
            lines.insert(0, "not onboarded (no successful onboard run recorded)")
        elif row["status"] == "failed":
            failure = row.get("last_failure") or {}
            lines.insert(0, "last onboard run failed at stage %s: %s" % (failure.get("stage"), failure.get("message")))
        details = "analyst=%s pb=%s pin=%s python=%s connection=%s/%s schema=%s last_success=%s" % (
            row["analyst"], row["pb_version"], row["pb_pin"], row["python_version"], row["connection"],
            row["target"], row["output_schema"], row["last_success"])
        count += 1
        fails += _case(suite, "fleet.workstations", row["host"], row["status"] != "ok", row["status"], lines, details)
    suite.set("tests", str(count))
    suite.set("failures", str(fails))
    total, failures = total + count, failures + fails

    suite = ET.SubElement(root, "testsuite", {"name": "principals", "timestamp": report["generated_at"]})
    count = fails = 0
    for row in report["principals"]:
        lines = [row["error"]] if row["status"] == "failed" else principal_findings(row)
        count += 1
        fails += _case(suite, "fleet.principals", row["name"], row["status"] != "ok", row["status"], lines,
                       "warehouse=%s unchanged=%s" % (row["warehouse"], row["unchanged"]))
    suite.set("tests", str(count))
    suite.set("failures", str(fails))
    root.set("tests", str(total + count))
    root.set("failures", str(failures + fails))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
