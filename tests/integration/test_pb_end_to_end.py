"""End to end with the real pb against a real PostgreSQL: a connection written by
profiles_siteconfig, a project laid down by profiles_project pointing at seeded tables, then
`pb validate access`, `pb compile` and `pb run`, and the id-stitcher's tables and rows checked
in the catalog."""
import os
import subprocess
import time

import pytest
import yaml
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV
from devtools.seed_sample_events import IDENTIFIES, TRACKS

PB_BIN = os.environ.get("PB_BIN")
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb, e.g. .venv-pb/bin/pb)")

DBNAME = "profiles_e2e"
INPUT_SCHEMA = "events"
OUTPUT_SCHEMA = "profiles_out"
CONNECTION = "local_pg"


# The sample events of the local onboarding run (devtools/seed_sample_events.py): two anonymous ids
# linked to user u1 (one by an identify, one by a later identify), an email of u1, a lone anonymous
# visitor and a second user with one anonymous id.
EXPECTED_CLUSTERS = [
    {("user_id", "u1"), ("anonymous_id", "a1"), ("anonymous_id", "a2"), ("email", "u1@example.com")},
    {("anonymous_id", "a3")},
    {("user_id", "u2"), ("anonymous_id", "a4")},
]


@pytest.fixture
def warehouse(pg, pg_connect):
    admin = pg_connect()
    cur = admin.cursor()
    cur.execute("DROP DATABASE IF EXISTS %s" % DBNAME)
    cur.execute("CREATE DATABASE %s" % DBNAME)
    conn = pg_connect(dbname=DBNAME)
    cur = conn.cursor()
    cur.execute("CREATE SCHEMA %s" % INPUT_SCHEMA)
    # pb does not create its output schema (compile hangs without it): the grants role does.
    cur.execute("CREATE SCHEMA %s" % OUTPUT_SCHEMA)
    cur.execute("CREATE TABLE events.identifies (user_id text, anonymous_id text, email text, "
                "timestamp timestamp)")
    cur.execute("CREATE TABLE events.tracks (user_id text, anonymous_id text, timestamp timestamp, "
                "event text)")
    cur.executemany("INSERT INTO events.identifies VALUES (%s, %s, %s, %s)", IDENTIFIES)
    cur.executemany("INSERT INTO events.tracks VALUES (%s, %s, %s, %s)", TRACKS)
    yield conn


def pb(args, workdir, timeout=180):
    env = dict(os.environ, **PB_ENV)
    start = time.time()
    proc = subprocess.run([PB_BIN] + args, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    elapsed = time.time() - start
    assert proc.returncode == 0, "pb %s: rc %d\n%s\n%s" % (
        " ".join(args), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc, elapsed


def test_project_runs_end_to_end_on_postgres(warehouse, pg, ansible, tmp_path):
    site = str(tmp_path / "home" / ".pb" / "siteconfig.yaml")
    res = ansible.module("profiles_siteconfig", {
        "path": site, "connection": CONNECTION, "warehouse": "postgres", "host": pg["host"],
        "port": pg["port"], "dbname": DBNAME, "user": pg["user"], "password": pg["password"],
        "schema": OUTPUT_SCHEMA,
    })
    assert res["changed"] and not res.get("failed"), res.get("msg")
    proj = tmp_path / "analytics"
    start = time.time()
    res = ansible.module("profiles_project", {
        "path": str(proj), "connection": CONNECTION, "siteconfig_path": site, "pb_path": PB_BIN,
        "name": "e2e_analytics", "lint": True,
        "input_tables": {"rsIdentifies": "events.identifies", "rsTracks": "events.tracks"},
    })
    module_time = time.time() - start
    assert not res.get("failed"), res.get("msg")
    assert res["created"] and res["changed"]
    with open(str(proj / "models" / "inputs.yaml")) as f:
        tables = [i["app_defaults"]["table"] for i in yaml.safe_load(f)["inputs"]]
    assert tables == ["events.identifies", "events.tracks"]

    workdir = str(tmp_path / "pbwork")
    os.makedirs(workdir)
    common = ["-p", str(proj), "-c", site]
    timings = {"module via ansible-playbook": module_time}
    timings.update(("pb " + " ".join(c["cmd"][1:3]), c["duration"]) for c in res["commands"])
    for name in ("validate access", "compile", "run"):
        _proc, timings[name] = pb(name.split() + common, workdir)
    print("\ntimings: " + ", ".join("%s %.2f s" % kv for kv in timings.items()))

    cur = warehouse.cursor()
    cur.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s",
                (OUTPUT_SCHEMA,))
    objects = dict(cur.fetchall())
    assert objects.get("user_id_stitcher") == "VIEW", sorted(objects)
    assert objects.get("user_feature_view") == "VIEW", sorted(objects)
    edges = [t for t, kind in objects.items() if t.startswith("material_user_id_stitcher_")
             and t.endswith("_i_edges") and kind == "BASE TABLE"]
    assert len(edges) == 1, sorted(objects)

    cur.execute("SELECT user_main_id, other_id_type, other_id FROM profiles_out.user_id_stitcher")
    clusters = {}
    for main_id, id_type, other_id in cur.fetchall():
        clusters.setdefault(main_id, set()).add((id_type, other_id))
    assert sorted(map(sorted, clusters.values())) == sorted(map(sorted, EXPECTED_CLUSTERS))
    u1_main = [m for m, ids in clusters.items() if ("user_id", "u1") in ids][0]

    # the sample's entity vars computed per main id: u1 was active on two days (as a1, then a2)
    cur.execute("SELECT days_active, user_lifespan FROM profiles_out.user_feature_view "
                "WHERE user_main_id = %s", (u1_main,))
    assert cur.fetchall() == [(2, 1)]
    cur.execute("SELECT count(*) FROM profiles_out.user_feature_view")
    assert cur.fetchone()[0] == 3


def test_project_of_an_older_pb_minor_is_migrated_and_validates(warehouse, pg, ansible, tmp_path):
    """A fleet's pb moved a minor (simulated: a project as pb 0.25 left it, schema_version 98 and
    python_requirements profiles-rudderstack==0.25.*, which the installed pb refuses with exit 50).
    profiles_project with migrate moves that one line, migrates the schema, and the real pb then
    validates and compiles against PostgreSQL; the analyst's own edits stay byte for byte, and the
    next run changes nothing."""
    site = str(tmp_path / "home" / ".pb" / "siteconfig.yaml")
    res = ansible.module("profiles_siteconfig", {
        "path": site, "connection": CONNECTION, "warehouse": "postgres", "host": pg["host"],
        "port": pg["port"], "dbname": DBNAME, "user": pg["user"], "password": pg["password"],
        "schema": OUTPUT_SCHEMA})
    assert not res.get("failed"), res.get("msg")
    proj = tmp_path / "analytics"
    args = {"path": str(proj), "connection": CONNECTION, "siteconfig_path": site, "pb_path": PB_BIN,
            "input_tables": {"rsIdentifies": "events.identifies", "rsTracks": "events.tracks"}}
    assert not ansible.module("profiles_project", args).get("failed")
    minor = ".".join(pb(["version"], str(tmp_path))[0].stdout.split("Current version of pb: v")[1].split(".")[:2])
    project_file = proj / "pb_project.yaml"
    text = project_file.read_text()
    assert "schema_version: 99" in text and "- profiles-rudderstack==%s.*" % minor in text
    old = (text.replace("schema_version: 99", "schema_version: 98")
           .replace("- profiles-rudderstack==%s.*" % minor, "- profiles-rudderstack==0.25.*  # as pb 0.25 wrote it"))
    old += "# the analyst's note at the end\n"
    project_file.write_text(old)
    (proj / "models" / "profiles.yaml").write_text((proj / "models" / "profiles.yaml").read_text()
                                                   + "# my own note, kept\n")
    before = dict((p.relative_to(proj).as_posix(), p.read_bytes()) for p in proj.rglob("*") if p.is_file())
    workdir = str(tmp_path / "pbwork")
    os.makedirs(workdir)
    common = ["-p", str(proj), "-c", site]
    refused = subprocess.run([PB_BIN, "validate", "access"] + common, cwd=workdir, env=dict(os.environ, **PB_ENV),
                             capture_output=True, text=True, timeout=180, check=False)
    assert refused.returncode != 0   # the simulated older project is refused by today's pb

    res = ansible.module("profiles_project", dict(args, migrate=True, lint=True))
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] and res["migrated"] == {"from": 98, "to": 99}
    assert res["python_requirement"] == {"from": "profiles-rudderstack==0.25.*",
                                         "to": "profiles-rudderstack==%s.*" % minor}
    assert res["settings"]["schema_version"] == 99
    # pb's migration re-emits the files it reads (comments moved, blank lines dropped: it touched
    # models/*.yaml too); the module keeps the analyst's layout where only values changed, so
    # pb_project.yaml is the old text with two values moved and nothing else differs.
    assert project_file.read_text() == old.replace("schema_version: 98", "schema_version: 99").replace(
        "profiles-rudderstack==0.25.*  #", "profiles-rudderstack==%s.*  #" % minor)
    after = dict((p.relative_to(proj).as_posix(), p.read_bytes()) for p in proj.rglob("*") if p.is_file())
    untouched = [rel for rel in before if rel not in res["files"]]
    assert res["files"] == ["pb_project.yaml"], res["files"]
    assert all(after[rel] == before[rel] for rel in untouched)
    for name in ("validate access", "compile"):
        pb(name.split() + common, workdir)
    again = ansible.module("profiles_project", dict(args, migrate=True, lint=True))
    assert again["changed"] is False and not again.get("failed") and again["python_requirement"] is None
