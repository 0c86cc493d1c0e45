"""playbooks/onboard.yml and playbooks/audit.yml on this host, against the real PostgreSQL and the
real pb: the onboard record each run leaves, the summary it publishes with set_stats, and the
fleet report the audit writes, before and after a deliberate drift (the siteconfig's schema edited
by hand, a grant revoked in the warehouse). The audit runs once without and once with --check and
must change nothing on the host or in the warehouse (the home and the project as file trees, the
warehouse's privileges from the catalog).

This host is the admin host and the one workstation; the analyst is the user running the tests,
with a throwaway home. Stand-ins, so that nothing is built or downloaded: the pyenv root
(tests/helpers/pyenv.py: the machine's pyenv code, a "3.11.x" that is the real interpreter) and
the virtualenv in it, a real venv of that interpreter whose bin/pb is the real pb (PB_BIN) and
whose site-packages path file adds PB_BIN's venv (profiles-rudderstack's metadata) and the tools'
venv (PyYAML for the modules), so no pip runs."""
import json
import os
import stat
import subprocess
import sys
import sysconfig
import time

import jsonschema
import pytest
import yaml

from devtools import report_schema, seed_sample_events
from tests.helpers.pyenv import make_pyenv_root, real_python

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PB_BIN = os.environ.get("PB_BIN")
BIN = os.path.dirname(sys.executable)
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
PRINCIPAL, SCHEMA, CONNECTION = "audit_pb", "audit_out", "audit_pg"


def python_version():
    return subprocess.run([real_python(), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def site(pg, tmp_path_factory):
    seed_sample_events.seed(pg)
    tmp = tmp_path_factory.mktemp("audit")
    home = tmp / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# the analyst's own\n")
    version = python_version()
    root = make_pyenv_root(str(tmp / "pyenv"), [version])
    venv = os.path.join(root, "versions", "profiles")
    subprocess.run([real_python(), "-m", "venv", "--without-pip", venv], check=True)
    os.symlink(PB_BIN, os.path.join(venv, "bin", "pb"))
    purelib = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    pb_site = subprocess.run([os.path.join(os.path.dirname(PB_BIN), "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(purelib, "standin.pth"), "w") as f:
        f.write("%s\n%s\n" % (pb_site, sysconfig.get_paths()["purelib"]))
    siteconfig = str(home / ".pb" / "siteconfig.yaml")
    workstation = {
        "pyenv_root": root, "pyenv_user_home": str(home), "pyenv_python_version": version,
        "pyenv_virtualenv_name": "profiles", "pyenv_install_build_dependencies": False,
        "profiles_cli_pycorelib": False,
        "profiles_connection_name": CONNECTION, "profiles_connection_siteconfig_path": siteconfig,
        "profiles_connection_settings": {"host": pg["host"], "port": pg["port"], "dbname": seed_sample_events.DBNAME,
                                         "user": PRINCIPAL, "password": "pw-audit-1", "schema": SCHEMA},
        "profiles_project_path": str(home / "profiles-project"), "profiles_project_siteconfig_path": siteconfig,
        "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                          "rsTracks": "website_eventstream.tracks"},
        "profiles_verify_siteconfig_path": siteconfig,
    }
    admin = {
        "warehouse_grants_warehouse": "postgres", "warehouse_grants_login_host": pg["host"],
        "warehouse_grants_login_port": pg["port"], "warehouse_grants_login_user": pg["user"],
        "warehouse_grants_login_password": pg["password"], "warehouse_grants_login_db": seed_sample_events.DBNAME,
        "warehouse_grants_principal": PRINCIPAL, "warehouse_grants_principal_password": "pw-audit-1",
        "warehouse_grants_output_schema": SCHEMA,
        "warehouse_grants_input_schemas": [{"name": "website_eventstream"}, {"name": "public", "tables": []}],
    }
    inventory = {"all": {
        "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "children": {"profiles_admin": {"hosts": {"localhost": None}, "vars": admin},
                     "profiles_workstations": {"hosts": {"localhost": None}, "vars": workstation}}}}
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    return {"tmp": tmp, "home": home, "root": root, "venv": venv, "siteconfig": siteconfig,
            "record": home / ".local" / "state" / "rudderstack-profiles" / "onboard.json",
            "report": tmp / "report"}


def playbook(site, collections_path, name, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_SHOW_CUSTOM_STATS="true", ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="false", PATH=BIN + os.pathsep + os.environ["PATH"])
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", str(site["tmp"] / "inventory.yml"),
            os.path.join(REPO, "playbooks", name), "-e", "profiles_audit_report_dir=%s" % site["report"]] + list(args)
    start = time.time()
    proc = subprocess.run(argv, env=env, cwd=str(site["tmp"]), capture_output=True, text=True, timeout=600, check=False)
    print("%s %s: %.1f s" % (name, " ".join(args), time.time() - start))
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("no JSON (rc %d):\n%s\n%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-3000:]))


def failures(out):
    return [(t["task"]["name"], h.get("msg")) for p in out["plays"] for t in p["tasks"]
            for h in t["hosts"].values() if h.get("failed") and not h.get("ignore_errors")]


def tree(*paths):
    """Every file and directory under ``paths``: path -> (mode, size, mtime) (links: their target)."""
    out = {}
    for top in paths:
        for folder, dirs, files in os.walk(str(top)):
            for name in dirs + files:
                path = os.path.join(folder, name)
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
