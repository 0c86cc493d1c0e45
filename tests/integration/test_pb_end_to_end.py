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
