"""Hostile names against the real server: every generated name is either stored and granted on
exactly, or rejected with a message naming the option, and nothing else in the cluster changes.
Calls module_utils directly (same code path as the module, without one ansible-playbook per
example)."""
import psycopg2
import pytest
from psycopg2 import sql
from hypothesis import HealthCheck, given, settings, strategies as st

from grants_helpers import login_args

NAMES = st.one_of(
    st.sampled_from(['a"b', "x; DROP TABLE victim; --", "MiXeD Case", "with space", "ünïcødé 表",
                     "'quoted'", "%s%(x)s", "a\x00b", "é" * 32, "pg_catalog", "\\", ")", "x" * 63]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
)


OUTCOMES = []


def _grants():
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model as grants, registry
    return grants, registry


def _snapshot(conn):
    cur = conn.cursor()
    cur.execute("SELECT (SELECT array_agg(rolname ORDER BY rolname) FROM pg_roles),"
                " (SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace),"
                " (SELECT array_agg(relname ORDER BY relname) FROM pg_class WHERE relkind = 'r'"
                "   AND relnamespace <> 'pg_catalog'::regnamespace)")
    return cur.fetchone()


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(schema=NAMES, table=NAMES, principal=NAMES)
def test_generated_names_are_granted_exactly_or_rejected(db, schema, table, principal):
    grants, registry = _grants()
    conn = db["conn"]
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS public.victim (id int)")
    created = False
    if "\x00" not in schema + table and len(schema.encode()) <= 63 and len(table.encode()) <= 63:
        try:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            cur.execute(sql.SQL("CREATE TABLE {}.{} (id int)").format(sql.Identifier(schema), sql.Identifier(table)))
            created = True
        except psycopg2.Error:
            conn.rollback() if not conn.autocommit else None
    before = _snapshot(conn)
    params = login_args(db, warehouse="postgres", principal=principal, principal_password="pw'; --",
                        input_schemas=[{"name": schema, "tables": [table]}], database_privileges=[],
                        sslmode="prefer")
    try:
        adapter = registry.adapter_for(params)
        adapter.connect()
        try:
            result = grants.run(adapter, params, False)
        finally:
            adapter.close()
    except grants.GrantsError as exc:
        OUTCOMES.append("rejected")
        message = str(exc)
        assert any(option in message for option in ("principal", "input_schemas[0]")), message
        after = _snapshot(conn)
        assert after == before, "a rejected run changed the cluster"
    else:
        OUTCOMES.append("granted")
        assert created, "granted on a schema that could not be created"
        cur.execute("SELECT has_table_privilege(%s, %s, 'SELECT'), has_schema_privilege(%s, %s, 'USAGE')",
                    (principal, sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table)).as_string(conn),
                     principal, schema))
        assert cur.fetchone() == (True, True)
        roles_before, schemas_before, tables_before = before
        roles_after, schemas_after, tables_after = _snapshot(conn)
        assert set(roles_after) - set(roles_before) <= {principal}
        assert (schemas_after, tables_after) == (schemas_before, tables_before)
        assert "victim" in tables_after
        assert result["queries"] == [] or result["changed"]
    finally:
        if created:
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(principal))) if _role_exists(cur, principal) else None
        if _role_exists(cur, principal):
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(principal)))


def _role_exists(cur, name):
    if "\x00" in name:
        return False
    cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (name,))
    return cur.fetchone()[0] == 1 and name not in ("postgres",) and not name.startswith("pg_")


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1))
def test_quote_ident_matches_psycopg2_identifier(db, name):
    grants = _grants()[0]
    assert grants.quote_ident(name) == sql.Identifier(name).as_string(db["conn"])


def test_both_outcomes_were_exercised():
    """Runs after the property test (file order): it must have both granted and rejected."""
    if not OUTCOMES:
        pytest.skip("the property test did not run in this session")
    assert {"granted", "rejected"} <= set(OUTCOMES), OUTCOMES
