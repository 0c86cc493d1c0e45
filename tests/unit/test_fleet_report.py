"""The fleet report generator (plugins/module_utils/report): statuses and drift from audit input,
the JSON against its shipped schema, the HTML's rows and that it names no external asset, the
JUnit XML's cases and failures, and that no secret reaches any of them."""
import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from ansible_collections.rudderstack.profiles.plugins.module_utils.report import fleet, schema
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.html import render_html
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.junit import render_junit
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.writer import write_report

from devtools import report_schema
from tests.helpers import fleet_records

NOW = "2026-12-06T12:00:00+00:00"


@pytest.fixture(scope="module")
def report():
    workstations, principals = fleet_records.fleet(20, principals=3)
    return fleet.build_report(workstations, principals, NOW, collection_version="0.1.0", pb_pin="0.26.4")


def by_host(report):
    return dict((r["host"], r) for r in report["workstations"])


def test_each_kind_of_workstation_gets_its_status_and_drift(report):
    rows = by_host(report)
    kinds = dict(("laptop-%04d.example.com" % i, fleet_records.KINDS[i % 10]) for i in range(20))
    want = {"ok": "ok", "pb_old": "drifted", "schema": "drifted", "failed": "failed",
            "not_onboarded": "not_onboarded", "unreachable": "unreachable", "lint": "drifted", "shell": "drifted"}
    assert dict((h, r["status"]) for h, r in rows.items()) == dict((h, want[k]) for h, k in kinds.items())
    checks = dict((h, [d["check"] for d in r["drift"]]) for h, r in rows.items())
    assert checks["laptop-0003.example.com"] == ["pb"]                    # 0.25.10 against pin 0.26.4
    assert checks["laptop-0004.example.com"] == ["siteconfig"]            # schema edited by hand
    assert rows["laptop-0004.example.com"]["drift"][0]["actual"] == "hand_edited"
    assert checks["laptop-0008.example.com"] == ["project"]
    assert checks["laptop-0009.example.com"] == ["shell_init"]
    assert checks["laptop-0000.example.com"] == []
    assert report["summary"]["workstation_status"] == {
        "unreachable": 2, "not_onboarded": 2, "failed": 2, "drifted": 8, "ok": 6}
    assert report["summary"]["pb_versions"] == {"0.26.4": 16, "0.25.10": 2, "none": 2}
    # Worst first.
    assert [r["status"] for r in report["workstations"]][:2] == ["unreachable", "unreachable"]


def test_principals_missing_and_unexpected_grants(report):
    rows = dict((r["name"], r) for r in report["principals"])
    assert rows["pb_0000"]["status"] == "ok"
    assert rows["pb_0001"]["status"] == "drifted" and rows["pb_0001"]["missing"] == ['SELECT ON TABLE "website_eventstream"."tracks"']
    assert rows["pb_0002"]["unexpected"] == ['INSERT ON TABLE "website_eventstream"."tracks"']
    failed = fleet.assess_principal({"name": "x", "result": {"failed": True, "msg": "connection refused"}})
    assert failed["status"] == "failed" and failed["error"] == "connection refused"


def test_a_workstation_without_the_expected_connection_or_siteconfig_drifts():
    live = fleet_records.live("ana")
    live["siteconfig"]["connections"] = {"other": live["siteconfig"]["connections"]["fleet_pg"]}
    drift = fleet.workstation_drift(live, fleet_records.expected("ana"), None)
    assert [d["message"] for d in drift] == ["connection fleet_pg is missing"]
    live["siteconfig"] = {"path": "/h/.pb/siteconfig.yaml", "exists": False}
    assert fleet.workstation_drift(live, fleet_records.expected("ana"), None)[0]["message"] == "no siteconfig at /h/.pb/siteconfig.yaml"
    live = fleet_records.live("ana")
    live["pb"] = {"version": "", "error": "No such file"}
    assert fleet.workstation_drift(live, fleet_records.expected("ana"), None)[0]["message"] == "pb does not run: No such file"


def test_a_plan_that_failed_is_drift_beside_what_was_read():
    live = fleet_records.live("cy", pb="0.25.10")
    live["plan"] = {"changed": 1, "tasks": ["pb packages"], "error": "Run pb: unknown flag: --dump-bundles"}
    drift = fleet.workstation_drift(live, fleet_records.expected("cy"), None)
    assert [(d["check"], d["actual"]) for d in drift] == [
        ("pb", "0.25.10"), ("plan", "Run pb: unknown flag: --dump-bundles"), ("plan", 1)]
    assert drift[1]["message"] == "onboard.yml's plan failed: Run pb: unknown flag: --dump-bundles"


def test_a_specifier_pin_is_read_as_pip_reads_it():
    live = fleet_records.live("ana", pb="0.26.5")
    expected = dict(fleet_records.expected("ana"), pb_pin="~=0.26.4")
    assert fleet.workstation_drift(live, expected, None) == []
    expected["pb_pin"] = "0.26.4"
    assert [d["check"] for d in fleet.workstation_drift(live, expected, None)] == ["pb"]


def test_the_json_validates_against_the_shipped_schema(report):
    with open(report_schema.PATH) as f:
        shipped = json.load(f)
    assert shipped == schema.SCHEMA, "stale: run python -m devtools.report_schema"
    jsonschema.Draft202012Validator.check_schema(shipped)
    jsonschema.validate(json.loads(json.dumps(report)), shipped, cls=jsonschema.Draft202012Validator)
    broken = json.loads(json.dumps(report))
    broken["workstations"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, shipped, cls=jsonschema.Draft202012Validator)


def test_no_secret_reaches_any_output(report):
    workstations, principals = fleet_records.fleet(10)
    for item in workstations:
        if item.get("live"):
            item["live"]["siteconfig"]["connections"]["fleet_pg"]["outputs"]["dev"]["password"] = "never-in-a-report"
    built = fleet.build_report(workstations, principals, NOW)
    for text in (json.dumps(built), render_html(built), render_junit(built)):
        assert "never-in-a-report" not in text
    assert fleet.public_settings({"schema": "s", "password": "p", "privateKey": "k", "user": "u",
                                  "tunnel_info": {"x": 1}}) == {"schema": "s", "user": "u"}


def test_the_html_is_self_contained_and_has_a_row_and_details_per_host(report):
    text = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert len(re.findall(r'<tr class="host ', text)) == 20
    assert len(re.findall(r'<tr class="details" hidden>', text)) == 20
    assert 'data-host="laptop-0003.example.com" data-status="drifted"' in text
    assert "pb 0.25.10 does not match the pin 0.26.4" in text
    assert '<td class="bad" data-sort="00000000.00000025.00000010">0.25.10</td>' in text
    assert text.count('<tr class="principal"') == 3


def test_the_html_escapes_what_hosts_report():
    item = fleet_records.workstation(0)
    item["host"] = "<script>alert(1)</script>"
    text = render_html(fleet.build_report([item], [], NOW))
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_junit_has_a_case_per_workstation_and_principal_and_fails_the_bad_ones(report):
    root = ET.fromstring(render_junit(report))
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert suites["workstations"].get("tests") == "20" and suites["workstations"].get("failures") == "14"
    assert suites["principals"].get("tests") == "3" and suites["principals"].get("failures") == "2"
    cases = dict((c.get("name"), c) for c in suites["workstations"].findall("testcase"))
    assert cases["laptop-0000.example.com"].find("failure") is None
    failure = cases["laptop-0006.example.com"].find("failure")
    assert failure.get("type") == "not_onboarded"
    assert "last onboard run failed at stage cli" in cases["laptop-0005.example.com"].find("failure").text
    assert root.get("tests") == "23" and root.get("failures") == "16"


def test_write_report_writes_three_files_and_nothing_in_check_mode(report, tmp_path):
    paths = write_report(report, str(tmp_path / "check"), check_mode=True)
    assert not (tmp_path / "check").exists() and sorted(paths) == ["html", "json", "junit"]
    paths = write_report(report, str(tmp_path / "out"))
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["fleet-report.html", "fleet-report.json", "fleet-report.xml"]
    with open(paths["json"]) as f:
        assert json.load(f)["schema_version"] == schema.SCHEMA_VERSION
