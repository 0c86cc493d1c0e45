"""Hostile names against the real server: every generated name (Unicode, quotes, backslashes,
reserved words, names at and past PostgreSQL's 63-byte limit) is either stored, granted on and
read back exactly, or rejected with a message naming the option, and nothing else in the cluster
changes. The server's statement log proves that no statement ever carried a user value outside a
quoted identifier or a bound literal. Calls module_utils directly (same code path as the module,
without one ansible-playbook per example)."""
import psycopg2
import pytest
from psycopg2 import sql
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.helpers.grants import login_args, statement_logging, unquoted_statements
from tests.helpers.safety_totals import TOTALS

RESERVED = ["select", "SELECT", "user", "table", "grant", "all", "ALL", "default", "order", "group", "null",
            "true", "current_user", "session_user", "none", "public", "Public", "pg_catalog", "pg_x"]
QUOTES_AND_BACKSLASHES = ['a"b', '""', '"', "'quoted'", "'", "it's", "\\", "a\\b", "\\x00", "back\\\\slash",
                          "x; DROP TABLE victim; --", "%s%(x)s", ")", "$1", "$$", "a.b", "*"]
UNICODE = ["MiXeD Case", "with space", " padded ", "ünïcødé 表", "שלום", "e\u0301", "a\u200db", "😀",
           "line\nbreak", "tab\there", "a\x00b"]
# PostgreSQL keeps 63 bytes of a name: exactly 63 bytes is stored, 64 would be truncated silently.
LIMITS = ["x" * 63, "x" * 64, "é" * 31 + "x", "é" * 32, "表" * 21, "表" * 21 + "x", "😀" * 15 + "abc",
          "😀" * 16]

NAMES = st.one_of(
    st.sampled_from(RESERVED + QUOTES_AND_BACKSLASHES + UNICODE + LIMITS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x80, blacklist_categories=("Cs",)), min_size=15, max_size=33),
)


def _grants():
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model as grants, registry
    return grants, registry


@pytest.fixture(scope="module")
def app_log(pg):
    with statement_logging(pg) as log:
        yield log


def _snapshot(conn):
    cur = conn.cursor()
    cur.execute("SELECT (SELECT array_agg(rolname ORDER BY rolname) FROM pg_roles),"
                " (SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace),"
                " (SELECT array_agg(relname ORDER BY relname) FROM pg_class WHERE relkind = 'r'"
                "   AND relnamespace <> 'pg_catalog'::regnamespace)")
    return cur.fetchone()


def _run(params):
    grants, registry = _grants()
    adapter = registry.adapter_for(params)
    adapter.connect()
    try:
        return grants.run(adapter, grants.build_desired(params, adapter), False)
    finally:
        adapter.close()


def test_generated_names_are_granted_exactly_or_rejected(db, app_log):
    """The property over generated names; then, in the same test, that it exercised both
    outcomes (a generator whose names were all rejected, or all granted, would prove little)."""
    outcomes = []

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(schema=NAMES, table=NAMES, principal=NAMES, out=NAMES)
    def check(schema, table, principal, out):
        outcomes.append(_granted_exactly_or_rejected(db, app_log, schema, table, principal, out))

    check()
    assert {"granted", "rejected"} <= set(outcomes), outcomes


def _granted_exactly_or_rejected(db, app_log, schema, table, principal, out):
    """One example: returns "granted" or "rejected" (asserting what each means)."""
    grants, registry = _grants()
    outcome = None
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
                        input_schemas=[{"name": schema, "tables": [table]}], output_schema={"name": out},
                        database_privileges=[], sslmode="prefer")
    mark = app_log.mark()
    made_out = False
    TOTALS.identifiers += 1
    try:
        result = _run(params)
        made_out = out in result["plan"]["create_schemas"]
    except grants.GrantsError as exc:
        outcome = "rejected"
        message = str(exc)
        assert any(option in message for option in ("principal", "input_schemas[0]", "output_schema")), message
        after = _snapshot(conn)
        assert after == before, "a rejected run changed the cluster"
    else:
        outcome = "granted"
        assert created, "granted on a schema that could not be created"
        # Round trip: the catalog holds exactly the names given ...
        cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (principal,))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (out,))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT has_table_privilege(%s, %s, 'SELECT'), has_schema_privilege(%s, %s, 'USAGE'),"
                    " has_schema_privilege(%s, %s, 'CREATE')",
                    (principal, sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table)).as_string(conn),
                     principal, schema, principal, out))
        assert cur.fetchone() == (True, True, True)
        roles_before, schemas_before, tables_before = before
        roles_after, schemas_after, tables_after = _snapshot(conn)
        assert set(roles_after) - set(roles_before) <= {principal}
        assert set(schemas_after) - set(schemas_before) <= {out} and tables_after == tables_before
        assert "victim" in tables_after
        assert result["queries"] == [] or result["changed"]
        # ... and reading them back finds everything in place: a second run has nothing to do.
        again = _run(params)
        assert again["changed"] is False and again["queries"] == [], again["queries"]
        TOTALS.identifiers_granted += 1
    finally:
        statements = app_log.statements(since=mark)
        if outcome == "granted":
            assert any(s.startswith("GRANT") for s in statements), "the log shows none of the run's statements"
        bare = unquoted_statements(statements)
        TOTALS.unquoted.extend(bare)
        assert bare == [], "statements with an unquoted user value: %r" % bare
        if made_out:
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(out)))
        if created:
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(principal))) if _role_exists(cur, principal) else None
        if _role_exists(cur, principal):
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(principal)))
    return outcome


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


def test_the_log_check_sees_an_unquoted_name():
    """The check above can fail: a statement with a bare name is not a known shape."""
    assert unquoted_statements(['GRANT USAGE ON SCHEMA "s" TO victim']) == [
        'GRANT USAGE ON SCHEMA "s" TO victim']
    assert unquoted_statements(['GRANT USAGE ON SCHEMA "s" TO "a""b"', "COMMIT"]) == []
