"""A pb upgrade rolled through a fleet of two analysts, the way docs/pb-upgrades.md says to roll
it: the real playbooks/onboard.yml, the real pb, a real PostgreSQL, two real accounts.

Two analysts (made with useradd: the tests run as root) on this host, each an inventory host of
`profiles_workstations` reached by become (su), each with a virtualenv of the system Python in
their home, their own siteconfig, PostgreSQL login and output schema:

1. onboarded (stages cli, connection, project) with the oldest supported pb
   (versions.PB_OLDEST_TESTED), installed by the role with uv;
2. the analysts edit their projects; one project is as an older pb minor left it
   (schema_version 98, python_requirements profiles-rudderstack==0.25.*: the next minor bump);
3. the pin moves to the role's default (`--tags cli,project,verify`): pb and pycorelib upgraded
   together, `pip check` clean, every project migrated to what the new pb writes and its
   python_requirements moved, the analysts' edits kept byte for byte, and the verify stage runs
   `pb validate access` as each analyst (become); then `pb compile` through each analyst's own
   login (su - analyst, the role's pb wrapper, their siteconfig);
4. the next run changes nothing; a pin moved back down is refused on every workstation.

The toolchain stage (pyenv, CPython) is skipped, as the upgrade docs say; users are removed
afterwards."""
import json
import os
import pwd
import subprocess
import sys

import pytest
import yaml

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import versions
from devtools import seed_sample_events
from devtools.role_defaults import role_default

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PIN = role_default("profiles_cli", "profiles_cli_rudderstack_version")
OLDEST = versions.PB_OLDEST_TESTED
MINOR = ".".join(PIN.split(".")[:2])
SYSTEM_PYTHON = "/usr/bin/python3"
PROJECT_TASK = "Lay down the Profiles project with pb and apply its settings"
VERIFY_TASK = "Prove the setup with pb (validate_access)"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON),
                                reason="needs root (useradd, su) and the system Python")


@pytest.fixture
def analysts(pg):
    """Two accounts, each with a virtualenv of the system Python, a PostgreSQL login that reads the
    sample events and owns its output schema. Removed afterwards."""
    seed_sample_events.seed(pg)
    suffix = str(os.getpid())[-5:]
    made = []
    try:
        for stem in ("ana", "ben"):
            name = "pbu%s%s" % (stem, suffix)
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
            entry = pwd.getpwnam(name)
            made.append(entry)
            # The virtualenv where the pyenv role puts it (the toolchain stage is not run here).
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", _venv(entry)], check=True,
                           user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], cwd=entry.pw_dir,
                           env={"HOME": entry.pw_dir, "PATH": "/usr/bin:/bin"})
        with seed_sample_events.cursor(pg, seed_sample_events.DBNAME) as cur:
            for entry in made:
                cur.execute("CREATE ROLE %s LOGIN PASSWORD 'pw-%s'" % (entry.pw_name, entry.pw_name))
                cur.execute("GRANT USAGE ON SCHEMA website_eventstream TO %s" % entry.pw_name)
                cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA website_eventstream TO %s" % entry.pw_name)
                cur.execute("CREATE SCHEMA %s_out AUTHORIZATION %s" % (entry.pw_name, entry.pw_name))
        yield made
    finally:
        with seed_sample_events.cursor(pg, seed_sample_events.DBNAME) as cur:
            for entry in made:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (entry.pw_name,))
                if cur.fetchone():
                    cur.execute("DROP OWNED BY %s CASCADE" % entry.pw_name)
                    cur.execute("DROP ROLE %s" % entry.pw_name)
        for entry in made:
            subprocess.run(["userdel", "--remove", entry.pw_name], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _venv(entry):
    return os.path.join(entry.pw_dir, ".pyenv", "versions", "profiles")


def _inventory(path, pg, analysts):
    """One host per analyst (pyenv_user): the pyenv role's read-only steps, which every run does
    (tagged always), find the account, the home and the virtualenv and publish pyenv_facts, from
    which the other roles take the analyst, the virtualenv and the record's path."""
    hosts = dict(("ws_" + e.pw_name, {
        "ansible_connection": "local", "ansible_python_interpreter": SYSTEM_PYTHON, "ansible_become_method": "su",
        "pyenv_user": e.pw_name,
        "profiles_connection_settings": {
            "host": pg["host"], "port": pg["port"], "dbname": seed_sample_events.DBNAME,
            "user": e.pw_name, "password": "pw-" + e.pw_name, "schema": e.pw_name + "_out"}}) for e in analysts)
    python = subprocess.run([SYSTEM_PYTHON, "-c", "import platform; print(platform.python_version())"],
                            capture_output=True, text=True, check=True).stdout.strip()
    common = {"pyenv_python_version": python, "profiles_connection_name": "team_pg", "profiles_cli_shell_init": False,
              "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                                "rsTracks": "website_eventstream.tracks"}}
    with open(path, "w") as f:
        yaml.safe_dump({"all": {"children": {"profiles_workstations": {"hosts": hosts, "vars": common}}}}, f)


def _onboard(collections_path, inventory, tags, **extra):
    """playbooks/onboard.yml on the two workstations; returns (rc, report of the json callback)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_RETRY_FILES_ENABLED="false", ANSIBLE_NOCOLOR="1", PATH=BIN + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, "--limit", "profiles_workstations",
                           "--tags", tags, "-e", json.dumps(extra), os.path.join(REPO, "playbooks", "onboard.yml")],
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("no JSON (rc %d):\n%s\n%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))


def _results(report, task_suffix):
    """host -> result of the workstation play's task whose name ends with ``task_suffix``."""
    for task in report["plays"][-1]["tasks"]:
        if task["task"]["name"].endswith(task_suffix):
            return task["hosts"]
    raise AssertionError("no task %r ran" % task_suffix)


def _failures(report):
    return dict((host, [t["task"]["name"] + ": " + str(r.get("msg"))[:3000] for t in play["tasks"]
                        for h, r in t["hosts"].items() if h == host and r.get("failed") and not r.get("ignore_errors")])
                for play in report["plays"] for host in report["stats"] if report["stats"][host]["failures"])


def _changed(report):
    """host -> names of the tasks that reported a change."""
    return dict((host, [t["task"]["name"] for play in report["plays"] for t in play["tasks"]
                        if t["hosts"].get(host, {}).get("changed")]) for host in report["stats"])


def _freeze(entry):
    out = subprocess.run([os.path.join(_venv(entry), "bin", "python"), "-m", "pip", "freeze"],
                         capture_output=True, text=True, check=True).stdout.lower().replace("_", "-")
    return dict(line.split("==", 1) for line in out.splitlines() if "==" in line)


def _files(root):
    """The project's files and their bytes, without what `pb compile` writes (output/)."""
    found = dict((os.path.relpath(os.path.join(d, n), root), open(os.path.join(d, n), "rb").read())
                 for d, dirs, names in os.walk(root) for n in names)
    return dict((rel, data) for rel, data in found.items() if not rel.startswith("output" + os.sep))


def test_pin_moved_from_the_oldest_supported_pb_on_two_analysts(collections_path, pg, analysts, tmp_path):
    ana, ben = analysts
    inventory = str(tmp_path / "inventory.yml")
    _inventory(inventory, pg, analysts)

    # 1. Onboarded with the oldest supported pb.
    rc, report = _onboard(collections_path, inventory, "cli,connection,project", profiles_cli_rudderstack_version=OLDEST)
    assert rc == 0, _failures(report)
    for entry in analysts:
        packages = _freeze(entry)
        assert packages["profiles-rudderstack"] == OLDEST
        assert packages["profiles-pycorelib"].startswith(".".join(OLDEST.split(".")[:2]) + "."), packages
        assert os.stat(os.path.join(_venv(entry), "bin", "pb")).st_uid == entry.pw_uid
    projects = dict((e.pw_name, os.path.join(e.pw_dir, "profiles-project")) for e in analysts)
    laid = dict((name, open(os.path.join(p, "pb_project.yaml")).read()) for name, p in projects.items())
    schema_laid = yaml.safe_load(laid[ana.pw_name])["schema_version"]

    # 2. The analysts' own edits; ben's project is as the previous pb minor left it.
    ana_file = os.path.join(projects[ana.pw_name], "models", "profiles.yaml")
    with open(ana_file, "a") as f:
        f.write("# ana's note: keep the lifespan feature\n")
    ben_file = os.path.join(projects[ben.pw_name], "pb_project.yaml")
    old = laid[ben.pw_name]
    old = old.replace("schema_version: %d" % schema_laid, "schema_version: 98")
    old = old.replace("- profiles-rudderstack==%s.*" % MINOR, "- profiles-rudderstack==0.25.*  # ben: as pb 0.25 wrote it")
    assert "0.25.*" in old and "schema_version: 98" in old, laid[ben.pw_name]
    old += "# ben's note at the end\n"
    with open(ben_file, "w") as f:
        f.write(old)
    before = dict((name, _files(p)) for name, p in projects.items())

    # 3. The pin moves to the default: cli, project and verify, the verify stage as each analyst.
    upgrade = {"profiles_verify_checks": ["validate_access"]}
    rc, report = _onboard(collections_path, inventory, "cli,project,verify", **upgrade)
    assert rc == 0, _failures(report)
    for entry in analysts:
        packages = _freeze(entry)
        assert packages["profiles-rudderstack"] == PIN, packages
        assert packages["profiles-pycorelib"].startswith(MINOR + "."), packages
        check = subprocess.run([os.path.join(_venv(entry), "bin", "python"), "-m", "pip", "check"],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout
    project = _results(report, PROJECT_TASK)
    ana_res, ben_res = project["ws_" + ana.pw_name], project["ws_" + ben.pw_name]
    # ana's project as the oldest supported pb laid it: already what the pinned pb writes.
    assert schema_laid == 99 and ana_res["settings"]["schema_version"] == 99
    assert ana_res["migrated"] is None and ana_res["python_requirement"] is None
    assert _files(projects[ana.pw_name]) == before[ana.pw_name]
    # ben's: migrated 98 -> 99 and the one python_requirements line moved, nothing else.
    assert ben_res["changed"] and ben_res["migrated"] == {"from": 98, "to": 99}
    assert ben_res["python_requirement"] == {"from": "profiles-rudderstack==0.25.*",
                                             "to": "profiles-rudderstack==%s.*" % MINOR}
    assert ben_res["files"] == ["pb_project.yaml"]
    after = _files(projects[ben.pw_name])
    assert after["pb_project.yaml"].decode() == old.replace("schema_version: 98", "schema_version: 99").replace(
        "profiles-rudderstack==0.25.*  #", "profiles-rudderstack==%s.*  #" % MINOR)
    assert dict((k, v) for k, v in after.items() if k != "pb_project.yaml") == dict(
        (k, v) for k, v in before[ben.pw_name].items() if k != "pb_project.yaml")
    # The verify stage ran `pb validate access` as each analyst (become), with their siteconfig.
    for entry in analysts:
        checks = _results(report, VERIFY_TASK)["ws_" + entry.pw_name]["checks"]
        assert [(c["check"], c["rc"]) for c in checks] == [("validate_access", 0)], checks
        assert checks[0]["cmd"][0] == os.path.join(_venv(entry), "bin", "pb")
        assert os.path.join(entry.pw_dir, ".pb", "siteconfig.yaml") in checks[0]["cmd"]
    # `pb compile` through each analyst's own login (su -): the role's pb wrapper, their siteconfig,
    # their PostgreSQL login; what it writes is theirs.
    for entry in analysts:
        proc = subprocess.run(["su", "-", entry.pw_name, "-c", "cd ~/profiles-project && ~/.local/bin/pb version"
                               " && ~/.local/bin/pb compile -c ~/.pb/siteconfig.yaml"],
                              capture_output=True, text=True, timeout=300, check=False,
                              env={"PATH": "/usr/bin:/bin", "TERM": "dumb"})
        assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
        assert "Current version of pb: v" + PIN in proc.stdout
        output = os.path.join(projects[entry.pw_name], "output")
        assert os.path.isdir(output) and os.stat(output).st_uid == entry.pw_uid

    # Each analyst's onboard record (in their home) says what the workstation now runs.
    for entry in analysts:
        with open(os.path.join(entry.pw_dir, ".local", "state", "rudderstack-profiles", "onboard.json")) as f:
            record = json.load(f)
        assert (record["analyst"], record["pb_version"], record["project_schema_version"], record["status"]) == (
            entry.pw_name, PIN, 99, "success"), record
        assert record["packages"]["profiles-rudderstack"] == PIN, record["packages"]

    # 4. Converged: the next run changes nothing; a pin moved back down is refused everywhere.
    rc, report = _onboard(collections_path, inventory, "cli,project,verify", **upgrade)
    assert rc == 0, _failures(report)
    assert _changed(report) == {"ws_" + ana.pw_name: [], "ws_" + ben.pw_name: []}
    assert [s["changed"] for s in report["stats"].values()] == [0, 0]
    rc, report = _onboard(collections_path, inventory, "cli", profiles_cli_rudderstack_version=OLDEST)
    assert rc != 0
    failures = _failures(report)
    assert sorted(failures) == sorted("ws_" + e.pw_name for e in analysts)
    for host, msgs in failures.items():
        assert any("has pb %s, newer than profiles_cli_rudderstack_version %s" % (PIN, OLDEST) in m
                   and "profiles_cli_allow_downgrade" in m for m in msgs), msgs
    for entry in analysts:
        assert _freeze(entry)["profiles-rudderstack"] == PIN
