"""profiles_grants repairing drift: SELECT revoked on every table of an input schema of 3, 300
and 3000 tables, then one run. Prints, per warehouse and size, the statements the repair wrote
and its time, and the ratio of statements at N tables to those at the first size (1.00: the
repair does not grow with the number of drifted tables).

- postgres: a real PostgreSQL 15 (devtools/local_postgres, a throwaway cluster);
- redshift: the redshift adapter against the same server with the test harness's stand-in
  svv_* views (tests/helpers/grants.py REDSHIFT_MODEL), as tests/integration/grants does;
- snowflake: tests/models/snowflake.py, a MODEL of Snowflake over HTTP with the real
  snowflake-connector-python (only the counts carry over; the times are the model's).

    .venv/bin/python -m bench.grants_drift_repair           # BENCH_SIZES="3 300" for fewer
"""
import os
import shutil
import tempfile
import time

import psycopg2

from devtools import local_postgres
from devtools.collection_path import make_importable
from tests.helpers.grants import REDSHIFT_MODEL
from bench.grants_snowflake_round_trips import model_with

make_importable()
os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "3 300 3000").split()]


def run_once(params):
    adapter = registry.adapter_for(params)
    adapter.connect()
    try:
        start = time.time()
        result = model.run(adapter, model.build_desired(params, adapter), False)
        return result, time.time() - start
    finally:
        adapter.close()


def sql_warehouse(info, warehouse, n):
    """A database with ``n`` input tables; returns (params, revoke_all) for ``warehouse``."""
    db = "drift_%s_%d" % (warehouse, n)
    admin = psycopg2.connect(host=info["host"], port=info["port"], user="postgres", password=info["password"],
                             dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute('CREATE DATABASE "%s"' % db)
    admin.close()
    conn = psycopg2.connect(host=info["host"], port=info["port"], user="postgres", password=info["password"],
                            dbname=db)
    conn.autocommit = True
    cur = conn.cursor()
    if warehouse == "redshift":
        cur.execute(REDSHIFT_MODEL)
        cur.execute('ALTER DATABASE "%s" SET search_path = "$user", public, redshift_model' % db)
    cur.execute("CREATE SCHEMA website_eventstream; " + "".join(
        "CREATE TABLE website_eventstream.t%d (id int);" % i for i in range(n)))
    principal = "drift_%s_%d" % (warehouse, n)
    params = {"warehouse": warehouse, "login_host": info["host"], "login_port": info["port"],
              "login_user": "postgres", "login_password": info["password"], "login_db": db, "connect_timeout": 10,
              "principal": principal, "principal_password": "Drift-pw1",
              "output_schema": {"name": "rs_profiles", "table_privileges": ["SELECT", "INSERT"]},
              "input_schemas": [{"name": "website_eventstream"}], "mode": "append", "state": "present"}

    def drift():
        cur.execute("".join('REVOKE SELECT ON website_eventstream.t%d FROM "%s";' % (i, principal)
                            for i in range(n)))
    return params, drift, conn


def snowflake(n):
    m = model_with(n)
    params = {"warehouse": "snowflake", "account": "testaccount", "login_host": "127.0.0.1",
              "login_port": m.port, "snowflake_protocol": "http", "login_user": "ADMIN",
              "login_password": "admin-pw", "login_db": "RUDDER_DB", "connect_timeout": 10,
              "principal": "PROFILES_TEST_USER", "principal_password": "pw", "role": "PROFILES_ROLE",
              "snowflake_warehouse": "RUDDER_WAREHOUSE", "output_schema": {"name": "RS_PROFILES"},
              "input_schemas": [{"name": "EVENTSSCHEMA"}], "mode": "append", "state": "present"}

    def drift():
        for i in range(n):
            m.grants.pop(("PROFILES_ROLE", "TABLE", ("RUDDER_DB", "EVENTSSCHEMA", "T%d" % i), "SELECT"), None)
    return params, drift, m


def measure(warehouse, make):
    rows = []
    for n in SIZES:
        params, drift, handle = make(n)
        try:
            first, dummy = run_once(params)
            assert not first.get("failed")
            drift()
            repair, seconds = run_once(params)
            again, dummy = run_once(params)
            per_table = [q for q in repair["queries"] if " ON TABLE " in q]
            rows.append((warehouse, n, len(repair["queries"]), len(per_table), seconds, again["changed"]))
        finally:
            (handle.stop if hasattr(handle, "stop") else handle.close)()
    return rows


def main():
    datadir = tempfile.mkdtemp(prefix="bench-drift-")
    info = local_postgres.start(datadir)
    try:
        rows = []
        for warehouse in ("postgres", "redshift"):
            rows += measure(warehouse, lambda n, w=warehouse: sql_warehouse(info, w, n))
        rows += measure("snowflake", snowflake)
    finally:
        local_postgres.stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)
    print("| drifted tables | warehouse | repair statements | of them per table | seconds | "
          "statements / at %d | rerun changed |" % SIZES[0])
    print("|---:|---|---:|---:|---:|---:|---|")
    base = dict((w, s) for w, n, s, dummy, dummy2, dummy3 in rows if n == SIZES[0])
    for warehouse, n, statements, per_table, seconds, changed in sorted(rows, key=lambda r: r[1]):
        print("| %d | %s | %d | %d | %.2f | %.2f | %s |" % (
            n, warehouse, statements, per_table, seconds, statements / float(base[warehouse]), changed))


if __name__ == "__main__":
    main()
