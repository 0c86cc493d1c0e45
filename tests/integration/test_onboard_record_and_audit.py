"""playbooks/onboard.yml and playbooks/audit.yml on this host, against the real PostgreSQL and the
real pb: the onboard record each run leaves, the summary it publishes with set_stats, and the
fleet report the audit writes, before and after a deliberate drift (the siteconfig's schema edited
by hand, a grant revoked in the warehouse). The audit runs once without and once with --check and
must change nothing on the host or in the warehouse (the home and the project as file trees, the
warehouse's privileges from the catalog).

This host is the admin host and the one workstation, laid out by tests/helpers/local_onboard.py
(a throwaway home, stand-ins for the pyenv root and the virtualenv: nothing is built or
downloaded)."""
import json
import os
import shutil
import stat

import jsonschema
import pytest
import yaml

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_PRIVATE_TMP
from devtools import report_schema, seed_sample_events
from tests.helpers.local_onboard import CONNECTION, PRINCIPAL, REPO, SCHEMA, make_site, playbook, python_version

PB_BIN = os.environ.get("PB_BIN")
UV_VERSION = yaml.safe_load(open(os.path.join(REPO, "roles", "profiles_cli", "defaults", "main.yml")))["profiles_cli_uv_version"]
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")


@pytest.fixture(scope="module")
def site(pg, tmp_path_factory):
    return make_site(pg, tmp_path_factory.mktemp("audit"), PB_BIN)


def failures(out):
    return [(t["task"]["name"], h.get("msg")) for p in out["plays"] for t in p["tasks"]
            for h in t["hosts"].values() if h.get("failed") and not h.get("ignore_errors")]


def tree(*paths):
    """Every file and directory under ``paths``: path -> (mode, size, mtime) (links: their target).
    pb's private TMPDIR (~/.cache/rudderstack-pb/tmp, its scratch space, as /tmp would be) is left
    out: every pb command, `pb version` included, writes and removes files there."""
    out = {}
    for top in paths:
        for folder, dirs, files in os.walk(str(top)):
            for name in dirs + files:
                path = os.path.join(folder, name)
                if (os.sep + PB_PRIVATE_TMP) in path + os.sep:
                    continue
                st = os.lstat(path)
                out[path] = os.readlink(path) if stat.S_ISLNK(st.st_mode) else (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


CATALOG = """
SELECT 'table', grantee, table_schema || '.' || table_name, privilege_type
  FROM information_schema.role_table_grants WHERE grantee = %(p)s
UNION ALL
SELECT 'schema', a.grantee::regrole::text, n.nspname, a.privilege_type
  FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee::regrole::text = %(p)s
UNION ALL
SELECT 'default', d.defaclrole::regrole::text, coalesce(d.defaclnamespace::regnamespace::text, ''), d.defaclacl::text
  FROM pg_default_acl d
UNION ALL
SELECT 'role', rolname, rolcanlogin::text, coalesce(rolpassword, '') FROM pg_authid WHERE rolname = %(p)s
ORDER BY 1, 2, 3, 4
"""


def catalog(pg_connect):
    cur = pg_connect(dbname=seed_sample_events.DBNAME).cursor()
    cur.execute(CATALOG, {"p": PRINCIPAL})
    return cur.fetchall()


def report(site):
    with open(str(site["report"] / "fleet-report.json")) as f:
        data = json.load(f)
    with open(report_schema.PATH) as f:
        jsonschema.validate(data, json.load(f), cls=jsonschema.Draft202012Validator)
    return data


def test_onboard_record_then_audit_before_and_after_drift(site, collections_path, pg_connect):
    # Onboard: the record, the analyst's own, 0600, no secret; the summary in the custom stats.
    rc, out = playbook(site, collections_path, "onboard.yml")
    assert rc == 0 and not failures(out), failures(out)
    st = os.stat(str(site["record"]))
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid()
    assert stat.S_IMODE(os.stat(str(site["record"].parent)).st_mode) == 0o700
    text = site["record"].read_text()
    assert "pw-audit-1" not in text
    record = json.loads(text)
    assert record["status"] == "success" and record["stage"] == "verify" and record["last_failure"] is None
    assert record["stages"] == ["toolchain", "cli", "connection", "project", "verify"]
    assert record["pb_version"] == "0.26.4" and record["packages"]["profiles-rudderstack"] == "0.26.4"
    assert record["python_version"] == python_version() and record["virtualenv"] == site["venv"]
    assert (record["connection"], record["target"], record["project_schema_version"]) == (CONNECTION, "dev", 99)
    assert record["collection_version"] == yaml.safe_load(open(os.path.join(REPO, "galaxy.yml")))["version"]
    stats = out["global_custom_stats"]["profiles_onboard"]["localhost"]
    assert stats["status"] == "success" and stats["pb_version"] == "0.26.4" and stats["last_success"] == record["last_success"]

    # Audit a converged workstation: everything ok; nothing changed anywhere.
    home_before, catalog_before = tree(site["home"], site["root"]), catalog(pg_connect)
    rc, out = playbook(site, collections_path, "audit.yml")
    assert rc == 0 and not failures(out), failures(out)
    data = report(site)
    [ws] = data["workstations"]
    assert ws["status"] == "ok", ws["drift"]
    assert (ws["pb_version"], ws["pb_pin"], ws["output_schema"], ws["project_schema_version"]) == ("0.26.4", "0.26.4", SCHEMA, 99)
    [principal] = data["principals"]
    assert principal["name"] == PRINCIPAL and principal["status"] == "ok" and principal["unchanged"] > 5
    assert tree(site["home"], site["root"]) == home_before and catalog(pg_connect) == catalog_before

    # The pin moved (a release behind, downgrades allowed), audited without --check, with the
    # pinned uv in its place as after an install with uv: the roles run under `check_mode: true`
    # while ansible_check_mode stays false, and uv must only plan (--dry-run), not install 0.26.3.
    uv_dir = site["home"] / ".local" / "share" / "rudderstack-profiles" / "uv" / UV_VERSION / "bin"
    uv_dir.mkdir(parents=True)
    os.symlink(shutil.which("uv"), str(uv_dir / "uv"))
    open(os.path.join(site["venv"], ".lock"), "w").close()  # uv's, left by its first install there
    home_before = tree(site["home"], site["root"])
    rc, out = playbook(site, collections_path, "audit.yml", "-e", "profiles_cli_rudderstack_version=0.26.3",
                       "-e", "profiles_cli_allow_downgrade=true")
    assert rc == 0 and not failures(out), failures(out)
    [uv_run] = [h for p in out["plays"] for t in p["tasks"] for h in t["hosts"].values()
                if "Install the packages with uv, made ready first" in t["task"]["name"]]
    assert "--dry-run" in uv_run["cmd"] and "Would install" in uv_run["stderr"], uv_run
    [ws] = report(site)["workstations"]
    assert [d["message"] for d in ws["drift"]] == [
        "pb 0.26.4 does not match the pin 0.26.3", "onboard.yml would change 1 task(s): pb packages"], ws["drift"]
    assert tree(site["home"], site["root"]) == home_before

    # Drift: the schema edited by hand in the siteconfig, a grant revoked in the warehouse, and a
    # grant nobody asked for.
    config = yaml.safe_load(open(site["siteconfig"]))
    config["connections"][CONNECTION]["outputs"]["dev"]["schema"] = "hand_edited"
    with open(site["siteconfig"], "w") as f:
        yaml.safe_dump(config, f)
    cur = pg_connect(dbname=seed_sample_events.DBNAME).cursor()
    cur.execute('REVOKE SELECT ON website_eventstream.tracks FROM "%s"' % PRINCIPAL)
    cur.execute('GRANT INSERT ON website_eventstream.identifies TO "%s"' % PRINCIPAL)
    home_before, catalog_before = tree(site["home"], site["root"]), catalog(pg_connect)
    # Under --check this time (the run above was without): the same report, nothing written.
    rc, out = playbook(site, collections_path, "audit.yml", "--check")
    assert rc == 0 and not failures(out), failures(out)
    data = report(site)
    [ws], [principal] = data["workstations"], data["principals"]
    assert ws["status"] == "drifted"
    assert [d["message"] for d in ws["drift"]] == [
        "%s.schema is hand_edited, not %s" % (CONNECTION, SCHEMA),
        "onboard.yml would change 1 task(s): siteconfig"], ws["drift"]
    assert principal["status"] == "drifted"
    assert principal["missing"] == ['SELECT ON TABLE "website_eventstream"."tracks"']
    assert principal["unexpected"] == ['INSERT ON TABLE "website_eventstream"."identifies"']
    assert tree(site["home"], site["root"]) == home_before and catalog(pg_connect) == catalog_before
    html = (site["report"] / "fleet-report.html").read_text()
    assert "hand_edited" in html and "pw-audit-1" not in html
    junit = (site["report"] / "fleet-report.xml").read_text()
    assert 'name="localhost"' in junit and junit.count("<failure") == 2

    # A failing run: the record keeps the last success and says where it stopped.
    last_success = record["last_success"]
    rc, out = playbook(site, collections_path, "onboard.yml", "--tags", "connection",
                       "-e", "profiles_connection_warehouse=nosuchwarehouse")
    assert rc != 0
    record = json.loads(site["record"].read_text())
    assert record["status"] == "failed" and record["last_success"] == last_success
    assert record["last_failure"]["stage"] == "connection" and record["stage"] == "connection"
    assert "nosuchwarehouse" in record["last_failure"]["message"], record["last_failure"]
    stats = out["global_custom_stats"]["profiles_onboard"]["localhost"]
    assert stats["status"] == "failed" and stats["last_failure"]["stage"] == "connection"
