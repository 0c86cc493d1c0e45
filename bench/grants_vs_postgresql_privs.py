"""Benchmark: the same grants applied by community.postgresql (postgresql_user, postgresql_schema,
postgresql_privs) and by rudderstack.profiles.profiles_grants on the same PostgreSQL server, for
10, 100 and 1000 input tables, first run and rerun.

Prints wall time of each ansible-playbook run, the time ratio (ours / anchor), and the statements
the server received (log_statement=all, counted in the server log), split into reads and writes.
Run by hand from the repository root (not in CI):  .venv/bin/python -m bench.grants_vs_postgresql_privs
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import psycopg2
import yaml

from devtools import local_postgres

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BIN = os.path.dirname(sys.executable)
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10 100 1000").split()]
WRITE = re.compile(r"^\s*(GRANT|REVOKE|CREATE|ALTER|DROP)\b", re.I)
READ = re.compile(r"^\s*(SELECT|WITH|SHOW)\b", re.I)


def server_log_entries(path, offset):
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        text = f.read()
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    return [e.split("LOG:  statement: ", 1)[1].strip() for e in entries if "LOG:  statement: " in e]


def playbook(tasks, workdir, collections):
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks,
             "vars": {"ansible_python_interpreter": sys.executable}}]
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as f:
        yaml.safe_dump(play, f, sort_keys=False)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    start = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path],
                          env=env, cwd=workdir, capture_output=True, text=True, timeout=1800, check=False)
    elapsed = time.monotonic() - start
    report = json.loads(proc.stdout)
    results = [t["hosts"]["localhost"] for t in report["plays"][0]["tasks"]]
    failed = [r for r in results if r.get("failed")]
    if failed:
        raise SystemExit("task failed: %s" % failed[0].get("msg"))
    return elapsed, sum(1 for r in results if r.get("changed"))


def anchor_tasks(login, principal, db):
    common = dict(login, db=db)
    privs = "community.postgresql.postgresql_privs"
    return [
        {"community.postgresql.postgresql_user": dict(common, name=principal, password="Bench-pw1")},
        {"community.postgresql.postgresql_schema": dict(common, name="rs_profiles")},
        {privs: dict(common, type="database", objs=db, privs="CONNECT,TEMPORARY", roles=principal)},
        {privs: dict(common, type="schema", objs="rs_profiles", privs="USAGE,CREATE", roles=principal)},
        {privs: dict(common, type="table", schema="rs_profiles", objs="ALL_IN_SCHEMA", privs="ALL",
                     roles=principal)},
        {privs: dict(common, type="default_privs", schema="rs_profiles", objs="TABLES", privs="ALL",
                     roles=principal)},
        {privs: dict(common, type="schema", objs="website_eventstream", privs="USAGE", roles=principal)},
        {privs: dict(common, type="table", schema="website_eventstream", objs="ALL_IN_SCHEMA", privs="SELECT",
                     roles=principal)},
        {privs: dict(common, type="default_privs", schema="website_eventstream", objs="TABLES", privs="SELECT",
                     roles=principal)},
    ]


def ours_tasks(login, principal, db):
    args = {"warehouse": "postgres", "login_host": login["login_host"], "login_port": login["port"],
            "login_user": login["login_user"], "login_password": login["login_password"], "login_db": db,
            "principal": principal, "principal_password": "Bench-pw1",
            "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "website_eventstream"}]}
    return [{"rudderstack.profiles.profiles_grants": args}]


def count(statements):
    writes = [s for s in statements if WRITE.match(s)]
    reads = [s for s in statements if READ.match(s)]
    return {"total": len(statements), "reads": len(reads), "writes": len(writes)}


def main():
    datadir = tempfile.mkdtemp(prefix="bench-pg-")
    workdir = tempfile.mkdtemp(prefix="bench-work-")
    collections = tempfile.mkdtemp(prefix="bench-coll-")
    os.makedirs(os.path.join(collections, "ansible_collections", "rudderstack"))
    os.symlink(REPO, os.path.join(collections, "ansible_collections", "rudderstack", "profiles"))
    info = local_postgres.start(datadir)
    log_path = os.path.join(datadir, "server.log")
    try:
        admin = psycopg2.connect(host=info["host"], port=info["port"], user="postgres", password=info["password"],
                                 dbname="postgres")
        admin.autocommit = True
        admin.cursor().execute("ALTER SYSTEM SET log_statement = 'all'")
        admin.cursor().execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        login = {"login_host": info["host"], "port": info["port"], "login_user": "postgres",
                 "login_password": info["password"]}
        rows = []
        for n in SIZES:
            for tool, make in (("anchor", anchor_tasks), ("ours", ours_tasks)):
                db = "bench_%s_%d" % (tool, n)
                admin.cursor().execute('CREATE DATABASE "%s"' % db)
                conn = psycopg2.connect(host=info["host"], port=info["port"], user="postgres",
                                        password=info["password"], dbname=db)
                conn.autocommit = True
                conn.cursor().execute("CREATE SCHEMA website_eventstream; " + "".join(
                    "CREATE TABLE website_eventstream.t%d (id int);" % i for i in range(n)))
                conn.close()
                principal = "rs_%s_%d" % (tool, n)
                for run in ("first", "rerun"):
                    offset = os.path.getsize(log_path)
                    elapsed, changed = playbook(make(login, principal, db), workdir, collections)
                    stats = count(server_log_entries(log_path, offset))
                    rows.append(dict(tables=n, tool=tool, run=run, seconds=round(elapsed, 2), changed=changed, **stats))
                    print(json.dumps(rows[-1]), flush=True)
        print()
        print("| tables | run | anchor s | ours s | ratio ours/anchor | anchor stmts (reads/writes) "
              "| ours stmts (reads/writes) |")
        print("|---:|---|---:|---:|---:|---|---|")
        for n in SIZES:
            for run in ("first", "rerun"):
                a = [r for r in rows if (r["tables"], r["tool"], r["run"]) == (n, "anchor", run)][0]
                o = [r for r in rows if (r["tables"], r["tool"], r["run"]) == (n, "ours", run)][0]
                print("| %d | %s | %.2f | %.2f | %.2f | %d (%d/%d) | %d (%d/%d) |" % (
                    n, run, a["seconds"], o["seconds"], o["seconds"] / a["seconds"], a["total"], a["reads"],
                    a["writes"], o["total"], o["reads"], o["writes"]))
    finally:
        local_postgres.stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(collections, ignore_errors=True)


if __name__ == "__main__":
    main()
