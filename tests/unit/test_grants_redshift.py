"""The Redshift adapter on recorded Redshift output (AWS documentation sample rows, see
fixtures/redshift/*.txt for the source of each) served by a fake connection."""
import hashlib
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model as grants
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import redshift as rs

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "redshift")


def load_fixture(name):
    """Parse psql's aligned output into a list of dicts (header row names the columns)."""
    with open(os.path.join(FIXTURES, name + ".txt"), encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip() and not line.startswith("-- ")]
    header = [c.strip() for c in lines[0].split("|")]
    assert set(lines[1]) <= set("-+ "), "second line must be the separator"
    return [dict(zip(header, [c.strip() for c in line.split("|")])) for line in lines[2:]]


class FakeRedshift:
    """Answers the adapter's catalog queries from recorded svv_* rows plus a tiny catalog.
    The WHERE clauses of each query are applied in Python, column by column."""

    def __init__(self, users=("admin", "reguser", "u1", "u2"), roles=("role1",), schemas=None, tables=None,
                 languages=("plpythonu", "exfunc")):
        names = ("svv_schema_privileges", "svv_relation_privileges", "svv_language_privileges",
                 "svv_default_privileges")
        self.views = {v: load_fixture(v) for v in names}
        self.views["svv_database_privileges"] = []
        self.users, self.roles, self.languages = set(users), set(roles), set(languages)
        self.schemas = schemas or {"public": "admin", "test_schema1": "admin"}
        self.tables = tables or {("public", "orders"): "admin"}
        self.sent = []

    def cursor(self):
        return FakeCursor(self)

    def rollback(self):
        pass

    def answer(self, sql, p):
        self.sent.append(sql)
        who = (p.get("principal"), p.get("identity_type"))

        def mine(row, name="identity_name", kind="identity_type"):
            return (row[name], row[kind]) == who

        if sql == rs.Q_CONTEXT:
            return [("admin", "dev", int(p["principal"] in self.users))]
        if sql == rs.Q_ROLE_EXISTS:
            return [(int(p["principal"] in self.roles),)]
        if sql == rs.Q_OWNERS:
            return [(u,) for u in p["owners"] if u in self.users]
        if sql == rs.Q_SCHEMAS:
            return [(s, o) for s, o in self.schemas.items() if s in p["schemas"]]
        if sql == rs.Q_TABLES:
            return [(s, t, o) for (s, t), o in self.tables.items() if s in p["schemas"]]
        if sql == rs.Q_LANGUAGES:
            return [(name,) for name in self.languages if name in p["languages"]]
        if sql == rs.Q_DATABASE_PRIVS:
            return []
        if sql == rs.Q_SCHEMA_PRIVS:
            return [(r["namespace_name"], r["privilege_type"]) for r in self.views["svv_schema_privileges"]
                    if mine(r) and r.get("privilege_scope", "SCHEMA") == "SCHEMA"
                    and r["namespace_name"] in p["schemas"]]
        if sql == rs.Q_RELATION_PRIVS:
            return [(r["namespace_name"], r["relation_name"], r["privilege_type"])
                    for r in self.views["svv_relation_privileges"] if mine(r) and r["namespace_name"] in p["schemas"]]
        if sql == rs.Q_DEFAULT_PRIVS:
            return [(r["owner_name"], r["schema_name"], r["privilege_type"])
                    for r in self.views["svv_default_privileges"]
                    if mine(r, "grantee_name", "grantee_type") and r["object_type"] == "RELATION"
                    and r["schema_name"] in p["schemas"]]
        if sql == rs.Q_LANGUAGE_PRIVS:
            return [(r["language_name"], r["privilege_type"]) for r in self.views["svv_language_privileges"]
                    if mine(r) and r["language_name"] in p["languages"]]
        raise AssertionError("unexpected query: %s" % sql)


class FakeCursor:
    def __init__(self, conn):
        self.conn, self.rows = conn, []

    def execute(self, sql, params=None):
        self.rows = self.conn.answer(sql, params or {})

    def fetchall(self):
        return self.rows

    def close(self):
        pass


def read(principal, principal_type="user", **options):
    params = dict(principal=principal, principal_type=principal_type, **options)
    adapter = rs.RedshiftAdapter(FakeRedshift())
    desired = grants.build_desired(params, adapter)
    return adapter, desired, adapter.read_current(desired)


def test_fixtures_parse_with_the_documented_columns():
    rows = load_fixture("svv_default_privileges")
    assert list(rows[0]) == ["schema_name", "object_type", "owner_id", "owner_name", "owner_type",
                             "privilege_type", "grantee_id", "grantee_name", "grantee_type", "admin_option"]
    assert [r["privilege_type"] for r in rows] == ["UPDATE", "SELECT"]


def test_user_privileges_from_recorded_views():
    schemas = [{"name": "test_schema1", "tables": []}, {"name": "public", "tables": ["orders"]}]
    current = read("reguser", input_schemas=schemas, languages=["plpythonu", "exfunc"])[2]
    assert current.principal_exists
    assert current.grants == {
        grants.Grant("schema", ("test_schema1",), "USAGE"),
        grants.Grant("table", ("public", "orders"), "SELECT"),
        grants.Grant("language", ("plpythonu",), "USAGE"),
        grants.Grant("language", ("exfunc",), "USAGE"),
    }


def test_role_rows_are_kept_apart_from_user_rows():
    schemas = [{"name": "public", "tables": ["orders"]}, {"name": "test_schema1", "tables": []}]
    adapter, desired, current = read("role1", "role", input_schemas=schemas, languages=["plpythonu", "exfunc"])
    assert grants.Grant("language", ("plpythonu",), "USAGE") not in current.grants  # only reguser has it
    plan = grants.plan_grants(desired, current, adapter)
    assert [adapter.describe(g) for g in plan.to_grant] == ['USAGE ON SCHEMA "public"', 'USAGE ON LANGUAGE "plpythonu"']
    statements = [s.text for s in adapter.render(plan, desired, current)]
    assert statements == ['GRANT USAGE ON SCHEMA "public" TO ROLE "role1"',
                          'GRANT USAGE ON LANGUAGE "plpythonu" TO ROLE "role1"']


def test_default_privileges_from_recorded_view_converge():
    adapter, desired, current = read("u2", input_schemas=[{"name": "public", "privileges": ["SELECT", "UPDATE"]}],
                                     future_tables_owners=["u1"], languages=[])
    assert {grants.Grant("default", ("u1", "public"), "UPDATE"),
            grants.Grant("default", ("u1", "public"), "SELECT")} <= current.grants
    plan = grants.plan_grants(desired, current, adapter)
    assert not any(g.kind == "default" for g in plan.to_grant)
    desired.mode = "exclusive"
    desired.default_privileges["public"] = {"SELECT"}
    plan = grants.plan_grants(desired, current, adapter)
    assert [s.text for s in adapter.render(plan, desired, current) if "DEFAULT" in s.text] == [
        'ALTER DEFAULT PRIVILEGES FOR USER "u1" IN SCHEMA "public" REVOKE UPDATE ON TABLES FROM "u2"']


def test_new_user_from_the_setup_guide():
    adapter = rs.RedshiftAdapter(FakeRedshift())
    params = dict(principal="rudderstack_admin", principal_password="pw'%s", output_schema={"name": "rs_profiles"},
                  input_schemas=[{"name": "public"}])
    result = grants.run(adapter, grants.build_desired(params, adapter), check_mode=True)
    assert result["queries"] == [
        "CREATE USER \"rudderstack_admin\" PASSWORD '********'",
        'CREATE SCHEMA "rs_profiles"',
        'GRANT USAGE ON SCHEMA "public" TO "rudderstack_admin"',
        'GRANT CREATE, USAGE ON SCHEMA "rs_profiles" TO "rudderstack_admin"',
        'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "rudderstack_admin"',
        'ALTER DEFAULT PRIVILEGES FOR USER "admin" IN SCHEMA "public" GRANT SELECT ON TABLES TO "rudderstack_admin"',
        'ALTER DEFAULT PRIVILEGES FOR USER "admin" IN SCHEMA "rs_profiles" GRANT DELETE, DROP, INSERT, REFERENCES,'
        ' SELECT, UPDATE ON TABLES TO "rudderstack_admin"',
        'GRANT USAGE ON LANGUAGE "plpythonu" TO "rudderstack_admin"',
    ]
    # A principal that does not exist has no grants to read: 4 queries (context, schemas, tables,
    # languages), not 9.
    assert result["read_round_trips"] == 4
    statement = adapter.create_principal(grants.build_desired(params, adapter))
    # Redshift's documented MD5 hash string ('md5' + md5(password + user name)), never the cleartext.
    assert statement.template == 'CREATE USER "rudderstack_admin" PASSWORD %s'
    assert statement.params == ("md5" + hashlib.md5(b"pw'%srudderstack_admin").hexdigest(),)


def test_reads_are_a_fixed_number_of_queries_whatever_the_table_count():
    counts = []
    for n in (10, 1000):
        fake = FakeRedshift(tables={("public", "t%d" % i): "admin" for i in range(n)})
        adapter = rs.RedshiftAdapter(fake)
        grants.run(adapter, grants.build_desired(dict(principal="reguser", input_schemas=[{"name": "public"}]), adapter),
                   check_mode=True)
        counts.append(adapter.read_round_trips)
    assert counts[0] == counts[1] == 9


def test_queries_use_only_what_redshift_has():
    queries = [v for k, v in vars(rs).items() if k.startswith("Q_")]
    assert len(queries) == 11
    for q in queries:
        for banned in ("aclexplode", "pg_roles", "regrole", "pg_authid", "::", "ANY("):
            assert banned not in q, (banned, q)


@pytest.mark.parametrize("option, value, message", [
    ("principal", "RudderStack", "folds names to lower case"),
    ("principal", "x" * 128, "at most 127 bytes"),
    ("principal", "a\x00", "NUL"),
])
def test_names_redshift_cannot_store_are_rejected(option, value, message):
    with pytest.raises(grants.GrantsError) as err:
        grants.build_desired({option: value}, rs.RedshiftAdapter())
    assert message in str(err.value) and str(err.value).startswith(option)


def test_127_byte_names_are_accepted():
    assert grants.build_desired({"principal": "é" * 63 + "x"}, rs.RedshiftAdapter()).principal == "é" * 63 + "x"


def test_principal_statements_per_type():
    adapter = rs.RedshiftAdapter()
    user = grants.build_desired({"principal": "u"}, adapter)
    assert adapter.create_principal(user).text == 'CREATE USER "u" PASSWORD DISABLE'
    role = grants.build_desired({"principal": "r", "principal_type": "role"}, adapter)
    assert adapter.create_principal(role).text == 'CREATE ROLE "r"' and adapter.grantee(role) == 'ROLE "r"'
    pw = grants.build_desired({"principal": "u", "principal_password": "p%w"}, adapter)
    statement = adapter.set_password(pw)
    assert (statement.text, statement.template, statement.params) == (
        "ALTER USER \"u\" PASSWORD '********'", 'ALTER USER "u" PASSWORD %s',
        ("md5" + hashlib.md5("p%wu".encode()).hexdigest(),))
