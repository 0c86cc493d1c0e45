"""Synthetic audit input for the fleet report (unit tests, the browser test and
bench/fleet_report.py): workstations in every status and principals with and without drift, shaped
as playbooks/audit.yml collects them (plugins/module_utils/report/fleet.py describes the shape)."""

PIN = "0.26.4"


def record(host, analyst, status="success", stage="verify", pb="0.26.4"):
    failure = None
    if status == "failed":
        failure = {"time": "2026-12-05T09:00:00+00:00", "stage": stage, "task": "Run pb version",
                   "message": "pb version failed (rc 2)"}
    return {"format": 1, "host": host, "analyst": analyst, "collection_version": "0.1.0",
            "python_version": "3.11.7", "pb_version": pb,
            "packages": {"profiles-rudderstack": pb, "profiles-pycorelib": "0.26.0"},
            "virtualenv": "/home/%s/.pyenv/versions/profiles" % analyst,
            "connection": "fleet_pg", "target": "dev", "project_path": "/home/%s/profiles-project" % analyst,
            "project_schema_version": 99, "stage": stage, "status": status,
            "last_run": "2026-12-05T09:00:00+00:00",
            "last_success": "2026-12-04T08:00:00+00:00" if status == "success" or stage != "toolchain" else None,
            "last_failure": failure}


def live(analyst, pb="0.26.4", schema=None, lint_rc=0, shell=True):
    return {
        "analyst": analyst, "python_version": "3.11.7", "virtualenv": "/home/%s/.pyenv/versions/profiles" % analyst,
        "pb": {"path": "/home/%s/.pyenv/versions/profiles/bin/pb" % analyst, "version": pb,
               "native_schema_version": 99 if pb.startswith("0.26") else 98, "error": ""},
        "packages": {"profiles-rudderstack": pb},
        "siteconfig": {"path": "/home/%s/.pb/siteconfig.yaml" % analyst, "exists": True, "error": "",
                       "connections": {"fleet_pg": {"target": "dev", "outputs": {"dev": {
                           "type": "postgres", "host": "127.0.0.2", "port": 5432, "dbname": "warehouse",
                           "user": "pb_" + analyst, "schema": schema or "rs_" + analyst}}}}},
        "project": {"path": "/home/%s/profiles-project" % analyst, "exists": True, "schema_version": 99,
                    "connection": "fleet_pg", "lint_rc": lint_rc,
                    "lint_message": "" if lint_rc == 0 else "model reference not found"},
        "shell_init": {"files": {"/home/%s/.bashrc" % analyst: shell}},
    }


def expected(analyst):
    return {"pb_pin": PIN, "connection": "fleet_pg", "target": "dev",
            "settings": {"host": "127.0.0.2", "port": 5432, "dbname": "warehouse", "user": "pb_" + analyst,
                         "password": "never-in-a-report", "schema": "rs_" + analyst},
            "project_path": "/home/%s/profiles-project" % analyst}


KINDS = ("ok", "ok", "ok", "pb_old", "schema", "failed", "not_onboarded", "unreachable", "lint", "shell")


def workstation(i):
    """The i-th synthetic workstation; its kind cycles through KINDS."""
    kind = KINDS[i % len(KINDS)]
    analyst = "analyst%04d" % i
    host = "laptop-%04d.example.com" % i
    item = {"host": host, "record": record(host, analyst), "live": live(analyst), "expected": expected(analyst)}
    if kind == "pb_old":
        item["live"] = live(analyst, pb="0.25.10")
    elif kind == "schema":
        item["live"] = live(analyst, schema="hand_edited")
    elif kind == "failed":
        item["record"] = record(host, analyst, status="failed", stage="cli")
    elif kind == "not_onboarded":
        item["record"] = None
    elif kind == "unreachable":
        item = {"host": host, "error": "Failed to connect to the host via ssh", "expected": expected(analyst)}
    elif kind == "lint":
        item["live"] = live(analyst, lint_rc=5)
    elif kind == "shell":
        item["live"] = live(analyst, shell=False)
    return item


def principal(i):
    plan = {"create_principal": False, "set_login": False, "set_password": False, "create_schemas": [],
            "to_grant": [], "to_revoke": [], "unchanged": ["USAGE ON SCHEMA \"rs_%d\"" % i], "actions": []}
    if i % 3 == 1:
        plan["to_grant"] = ['SELECT ON TABLE "website_eventstream"."tracks"']
    if i % 3 == 2:
        plan["to_revoke"] = ['INSERT ON TABLE "website_eventstream"."tracks"']
    return {"name": "pb_%04d" % i, "warehouse": "postgres", "result": {"changed": i % 3 != 0, "plan": plan}}


def fleet(n, principals=None):
    """(workstations, principals) for a fleet of ``n`` workstations (and n // 10 + 3 principals)."""
    count = n // 10 + 3 if principals is None else principals
    return [workstation(i) for i in range(n)], [principal(i) for i in range(count)]
