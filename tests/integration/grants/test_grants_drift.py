"""Drift repaired with schema-wide statements on a real PostgreSQL server (postgres and redshift
dialects; the redshift one through the test harness's stand-in svv_* views): SELECT revoked on
150 of 200 input tables is given back by ONE ``GRANT SELECT ON ALL TABLES IN SCHEMA``, checked
in the catalog. The same for Snowflake is in test_grants_snowflake.py; the counts for 3, 300 and
3000 tables are bench/grants_drift_repair.py's. The flow runs in-process (the module's own
code, registry.adapter_for + model.run): the ansible wrapper is not what is measured here."""
import pytest

from devtools.collection_path import make_importable
from tests.helpers.grants import privileges, unique

make_importable()
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry  # noqa: E402

TABLES, DRIFTED = 200, 150


def run(params):
    adapter = registry.adapter_for(params)
    adapter.connect()
    try:
        return model.run(adapter, model.build_desired(dict(params), adapter), False)
    finally:
        adapter.close()


@pytest.mark.parametrize("warehouse", ["postgres", "redshift"])
def test_partial_drift_is_one_schema_wide_grant(request, warehouse):
    db = request.getfixturevalue("db" if warehouse == "postgres" else "redshift_db")
    db["run"]("CREATE SCHEMA website_eventstream; " + "".join(
        "CREATE TABLE website_eventstream.t%d (id int);" % i for i in range(TABLES)))
    principal = unique("drift")
    params = {"warehouse": warehouse, "login_host": db["host"], "login_port": db["port"],
              "login_user": db["user"], "login_password": db["password"], "login_db": db["dbname"],
              "connect_timeout": 5, "principal": principal, "principal_password": "Drift-pw1",
              "output_schema": {"name": "rs_profiles", "table_privileges": ["SELECT", "INSERT"]},
              "input_schemas": [{"name": "website_eventstream"}]}
    assert run(params)["changed"] is True
    held = privileges(db, principal)
    db["run"]("".join('REVOKE SELECT ON website_eventstream.t%d FROM "%s";' % (i, principal)
                      for i in range(DRIFTED)))
    assert "SELECT ON TABLE website_eventstream.t0" not in privileges(db, principal)

    repair = run(params)
    assert repair["changed"] is True
    assert repair["queries"] == ['GRANT SELECT ON ALL TABLES IN SCHEMA "website_eventstream" TO "%s"' % principal]
    assert len(repair["plan"]["to_grant"]) == DRIFTED
    assert privileges(db, principal) == held
    assert run(params)["changed"] is False


def test_listed_tables_are_still_named_one_by_one(db):
    """Only a rule over ALL tables may be repaired schema-wide: one naming tables grants those."""
    db["run"]("CREATE SCHEMA ev; CREATE TABLE ev.a (id int); CREATE TABLE ev.b (id int); CREATE TABLE ev.c (id int)")
    principal = unique("listed")
    params = {"warehouse": "postgres", "login_host": db["host"], "login_port": db["port"],
              "login_user": db["user"], "login_password": db["password"], "login_db": db["dbname"],
              "connect_timeout": 5, "principal": principal, "principal_password": "Drift-pw1",
              "input_schemas": [{"name": "ev", "tables": ["a", "b"]}]}
    first = run(params)
    assert 'GRANT SELECT ON TABLE "ev"."a", "ev"."b" TO "%s"' % principal in first["queries"]
    assert "SELECT ON TABLE ev.c" not in privileges(db, principal)
