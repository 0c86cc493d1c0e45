"""profiles_grants on Snowflake: round trips and writes for 3, 300 and 3000 input tables, first
run and rerun, against tests/models/snowflake.py (a MODEL of Snowflake, over HTTP with the real
snowflake-connector-python). Prints the counts and the ratio of rerun round trips at N tables to
those at 3 tables (1.00 means independent of the number of tables). Times are the model's, not
Snowflake's: only the counts carry over.

    .venv/bin/python -m bench.grants_snowflake_round_trips
"""
import os
import time

from devtools.collection_path import make_importable
from tests.models.snowflake import SnowflakeModel

make_importable()
os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "3 300 3000").split()]


def model_with(tables):
    m = SnowflakeModel().start()
    m.add_admin()
    m.databases["RUDDER_DB"] = {"owner": "SYSADMIN", "schemas": {}}
    m.warehouses["RUDDER_WAREHOUSE"] = "SYSADMIN"
    session = {"role": "SYSADMIN", "database": "RUDDER_DB", "schema": None, "warehouse": None, "user": "ADMIN"}
    m.execute(session, "CREATE SCHEMA RUDDER_DB.EVENTSSCHEMA")
    m.execute(session, "GRANT CREATE SCHEMA ON DATABASE RUDDER_DB TO ROLE SECURITYADMIN")
    for i in range(tables):
        m.execute(session, "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.T%d (id int)" % i)
    return m


def params(m):
    return {"warehouse": "snowflake", "account": "testaccount", "login_host": "127.0.0.1",
            "login_port": m.port, "snowflake_protocol": "http", "login_user": "ADMIN", "login_password": "admin-pw",
            "login_db": "RUDDER_DB", "connect_timeout": 10, "principal": "PROFILES_TEST_USER",
            "principal_password": "pw", "role": "PROFILES_ROLE", "snowflake_warehouse": "RUDDER_WAREHOUSE",
            "output_schema": {"name": "RS_PROFILES"}, "input_schemas": [{"name": "EVENTSSCHEMA"}],
            "mode": "append", "state": "present"}


def main():
    print("| tables | run | read round trips | writes | seconds |")
    print("|---:|---|---:|---:|---:|")
    base = None
    for n in SIZES:
        m = model_with(n)
        for run in ("first", "rerun"):
            adapter = registry.adapter_for(params(m))
            adapter.connect()
            start = time.time()
            result = model.run(adapter, model.build_desired(params(m), adapter), False)
            adapter.close()
            row = (n, run, result["read_round_trips"], len(result["queries"]), time.time() - start)
            print("| %d | %s | %d | %d | %.2f |" % row)
            if run == "rerun":
                base = base or result["read_round_trips"]
                ratio = result["read_round_trips"] / float(base)
        print("| %d | rerun round trips / at %d tables | %.2f | | |" % (n, SIZES[0], ratio))
        m.stop()


if __name__ == "__main__":
    main()
