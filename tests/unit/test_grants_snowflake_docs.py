"""The Snowflake adapter's SHOW parsers on the example output printed by Snowflake's own
documentation (fixtures/snowflake/docs_*.txt, each naming its page; see README.md there), and the
stand-in model's SHOW columns checked against the same tables."""
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import snowflake as sf
from test_grants_snowflake_parsers import FakeConn  # answers each statement with a table

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "snowflake")
G = model.Grant


def load_docs(name):
    """A docs_*.txt fixture -> {statement: (columns, rows)}, the rows as the connector returns them:
    tuples of text in column order, a SQL NULL (printed NULL) as None. Separator lines and the pages'
    elided "..." rows are dropped; tables with or without outer | borders are read alike."""
    tables, statement = {}, None
    with open(os.path.join(FIXTURES, name + ".txt"), encoding="utf-8") as f:
        for line in f.read().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("SHOW "):
                statement = line.rstrip(";")
                tables[statement] = None
                continue
            text = line.strip()
            if set(text) <= set("+-| "):
                continue
            text = text[1:] if text.startswith("|") else text
            text = text[:-1] if text.endswith("|") else text
            cells = [c.strip() for c in text.split("|")]
            if tables[statement] is None:
                tables[statement] = (cells, [])
                continue
            columns, rows = tables[statement]
            assert len(cells) == len(columns), (name, line)
            if all(c in ("...", "") for c in cells):
                continue
            rows.append(tuple(None if c == "NULL" else c for c in cells))
    return tables


def docs_rows(name, statement):
    """The documented rows of ``statement`` keyed by column name, by the adapter's own reader."""
    columns, rows = load_docs(name)[statement]
    return sf.rows_by_name([(c,) for c in columns], rows)


def adapter(answers=(), database="MYTESTDB"):
    a = sf.SnowflakeAdapter(params={}, conn=FakeConn(list(answers)))
    a.login_role, a.database = "SECURITYADMIN", database
    return a


def test_loader_reads_the_documented_tables():
    to_role = load_docs("docs_show_grants_to_role")
    assert sorted(to_role) == ["SHOW GRANTS TO ROLE analyst", "SHOW GRANTS TO ROLE public"]
    columns, rows = to_role["SHOW GRANTS TO ROLE analyst"]
    assert columns == ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name",
                       "grant_option", "granted_by"]
    assert rows == [("Wed, 17 Dec 2014 18:19:37 -0800", "CREATE WAREHOUSE", "ACCOUNT", "DEMOENV", "ROLE", "ANALYST",
                     "false", "SYSADMIN")]
    public = docs_rows("docs_show_grants_to_role", "SHOW GRANTS TO ROLE public")
    assert len(public) == 9 and {r["grantee_name"] for r in public} == {"PUBLIC"}
    assert public[0]["name"] == "ALERT_VIEWER" and public[-1]["name"] == "SPCS_REGISTRY_VIEWER"
    assert public[0]["granted_by"] == ""       # granted by the SYSTEM role
    on = load_docs("docs_show_grants_on")
    assert on["SHOW GRANTS ON DATABASE sales"][0][7:] == ["granted_by_role_type", "granted_by"]
    assert on["SHOW GRANTS ON TABLE my_interactive_tbl"][0][7:] == ["granted_by", "granted_by_role_type"]
    roles = docs_rows("docs_show_roles", "SHOW ROLES")       # a table without outer borders
    assert [r["name"] for r in roles] == ["ACCOUNTADMIN", "ANALYST", "PUBLIC", "SECURITYADMIN", "SYSADMIN"]
    assert roles[1]["owner"] == "SECURITYADMIN" and roles[1]["comment"] == "Data analyst"
    history = docs_rows("docs_show_schemas", "SHOW SCHEMAS HISTORY")
    assert [(r["name"], r["dropped_on"], r["owner_role_type"]) for r in history] == [
        ("INFORMATION_SCHEMA", None, ""), ("PUBLIC", None, "ROLE"), ("MYSCHEMA", "Fri, 13 May 2016 17:25:32 -0700", "ROLE")]


def test_grant_rows_map_to_grants_on_what_the_adapter_manages():
    # SHOW GRANTS ON prints the columns SHOW GRANTS TO ROLE prints (plus granted_by_role_type).
    a = adapter(database="REALESTATE")
    rows = docs_rows("docs_show_grants_on", "SHOW GRANTS ON DATABASE sales")
    assert [a.grant_from_row(r) for r in rows] == [
        G("database", ("REALESTATE",), "OWNERSHIP"), G("database", ("REALESTATE",), "USAGE")]
    # A table kind the adapter does not manage, in the managed database: never read, so never revoked.
    a.database = "MYDB"
    rows = docs_rows("docs_show_grants_on", "SHOW GRANTS ON TABLE my_interactive_tbl")
    assert [a.grant_from_row(r) for r in rows] == [None, None, None]
    # Account-level privileges and database roles granted to a role are not object grants.
    for statement in ("SHOW GRANTS TO ROLE analyst", "SHOW GRANTS TO ROLE public"):
        assert {a.grant_from_row(r) for r in docs_rows("docs_show_grants_to_role", statement)} == {None}


def test_future_grant_rows_read_grant_on_and_grant_to():
    rows = docs_rows("docs_show_future_grants_in_schema", "SHOW FUTURE GRANTS IN SCHEMA sales.public")
    a = adapter(database="SALES")
    a.role = "ROLE1"
    assert [a.future_grant_from_row("PUBLIC", r) for r in rows] == [G("future", ("PUBLIC", "TABLE"), "INSERT"),
                                                                    G("future", ("PUBLIC", "TABLE"), "SELECT")]
    a.role = "ANALYST"      # another role's future grants are not the managed role's
    assert [a.future_grant_from_row("PUBLIC", r) for r in rows] == [None, None]


def grants_to_role(*grants, **kw):
    """SHOW GRANTS TO ROLE output in the documented columns: (privilege, granted_on, name) rows."""
    columns = load_docs("docs_show_grants_to_role")["SHOW GRANTS TO ROLE analyst"][0]
    role = kw.get("role", "SECURITYADMIN")
    return columns, [("Wed, 17 Dec 2014 18:19:37 -0800", p, on, name, "ROLE", role, "false", "SYSADMIN")
                     for p, on, name in grants]


def test_may_the_login_role_create_a_schema_follows_the_role_hierarchy():
    # SECURITYADMIN holds USERADMIN (printed as USAGE on it) and nothing on the database.
    a = adapter([('SHOW GRANTS TO ROLE "SECURITYADMIN"', grants_to_role(("USAGE", "ROLE", "USERADMIN"))),
                 ('SHOW GRANTS TO ROLE "USERADMIN"', grants_to_role(("CREATE USER", "ACCOUNT", "X"), role="USERADMIN"))])
    assert a.login_role_can_create_schema() is False
    assert a.conn.sent == ['SHOW GRANTS TO ROLE "SECURITYADMIN"', 'SHOW GRANTS TO ROLE "USERADMIN"']
    # ACCOUNTADMIN holds SYSADMIN, which owns the database.
    a = adapter([('SHOW GRANTS TO ROLE "ACCOUNTADMIN"', grants_to_role(
                  ("USAGE", "ROLE", "SECURITYADMIN"), ("USAGE", "ROLE", "SYSADMIN"), role="ACCOUNTADMIN")),
                 ('SHOW GRANTS TO ROLE "SECURITYADMIN"', grants_to_role(("USAGE", "ROLE", "USERADMIN"))),
                 ('SHOW GRANTS TO ROLE "SYSADMIN"', grants_to_role(("OWNERSHIP", "DATABASE", "MYTESTDB"), role="SYSADMIN"))])
    a.login_role = "ACCOUNTADMIN"
    assert a.login_role_can_create_schema() is True
    # CREATE SCHEMA on another database does not count; CREATE SCHEMA on this one does.
    a = adapter([('SHOW GRANTS TO ROLE "SECURITYADMIN"', grants_to_role(("CREATE SCHEMA", "DATABASE", "OTHER")))])
    assert a.login_role_can_create_schema() is False
    a = adapter([('SHOW GRANTS TO ROLE "SECURITYADMIN"', grants_to_role(("CREATE SCHEMA", "DATABASE", "MYTESTDB")))])
    assert a.login_role_can_create_schema() is True
    # A hierarchy deeper than the adapter follows: unknown (Snowflake decides).
    chain = [('SHOW GRANTS TO ROLE "%s"' % ("SECURITYADMIN" if i == 0 else "R%d" % i),
              grants_to_role(("USAGE", "ROLE", "R%d" % (i + 1)))) for i in range(sf.MAX_ROLES_FOLLOWED + 1)]
    assert adapter(chain).login_role_can_create_schema() is None


def test_refused_before_writing_when_the_schema_cannot_be_created():
    a = adapter([(q, rows) if not q.startswith('SHOW GRANTS TO ROLE "SECURITYADMIN"')
                 else (q, grants_to_role(("USAGE", "ROLE", "USERADMIN"))) for q, rows in answers("ANALYST")]
                + [('SHOW GRANTS TO ROLE "USERADMIN"', None)])
    desired = model.build_desired(dict(PARAMS, role="analyst"), a)
    current = a.read_current(desired)
    with pytest.raises(model.GrantsError) as err:
        a.check_objects(desired, current)
    assert str(err.value).startswith('output_schema.name: schema "MYTESTDB"."RS_PROFILES" does not exist and '
                                     'the role "SECURITYADMIN" that the statements run as (snowflake_admin_role)')


def answers(role):
    quoted = '"%s"' % role
    return [
        ("SHOW ROLES LIKE '%s'" % role, load_docs("docs_show_roles")["SHOW ROLES"]),
        ("SHOW USERS LIKE 'JOESM'", None),          # the documentation prints no SHOW USERS output
        ('SHOW SCHEMAS IN DATABASE "MYTESTDB"', load_docs("docs_show_schemas")["SHOW SCHEMAS"]),
        # RS_PROFILES is missing: may the login role create it? (it owns the database)
        ('SHOW GRANTS TO ROLE "SECURITYADMIN"', grants_to_role(("OWNERSHIP", "DATABASE", "MYTESTDB"))),
        ('SHOW OBJECTS IN SCHEMA "MYTESTDB"."PUBLIC"', None),
        ("SHOW GRANTS OF ROLE " + quoted, load_docs("docs_show_grants_of_role")["SHOW GRANTS OF ROLE analyst"]),
        ("SHOW GRANTS TO ROLE " + quoted, load_docs("docs_show_grants_to_role")["SHOW GRANTS TO ROLE analyst"]),
        ('SHOW FUTURE GRANTS IN SCHEMA "MYTESTDB"."PUBLIC"',
         load_docs("docs_show_future_grants_in_schema")["SHOW FUTURE GRANTS IN SCHEMA sales.public"]),
    ]


PARAMS = {"principal": "joesm", "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "public"}]}


def test_read_current_from_documented_output():
    a = adapter(answers("ANALYST"))
    desired = model.build_desired(dict(PARAMS, role="analyst"), a)
    current = a.read_current(desired)
    assert current.extra["role_exists"] is True       # ANALYST, one of five roles listed
    assert current.principal_exists is False and current.extra["user"] is None
    # PUBLIC (owned by role PUBLIC) exists; RS_PROFILES does not; INFORMATION_SCHEMA is not managed
    assert current.schemas == {"PUBLIC": "PUBLIC"} and current.tables == {"PUBLIC": {}}
    assert current.extra["role_users"] == {"JOESM"}   # the user, not the roles ANALYST_US and DBA
    # CREATE WAREHOUSE ON ACCOUNT is not an object grant; the future grants go to ROLE1
    assert current.grants == set() and current.owners == {}
    assert a.read_round_trips == 8 and a.conn.sent[-1].startswith("SHOW FUTURE GRANTS")


@pytest.mark.parametrize("role", ["ROLE1", "ANALYS"])
def test_a_role_is_found_by_its_exact_name(role):
    a = adapter(answers(role))
    desired = model.build_desired(dict(PARAMS, role=role), a)
    current = a.read_current(desired)
    assert current.extra["role_exists"] is False
    # Nothing of the missing role is read (only the login role's grants, for the missing schema).
    assert not any((s.startswith("SHOW GRANTS") and "SECURITYADMIN" not in s) or s.startswith("SHOW FUTURE")
                   for s in a.conn.sent)


def load_model():
    from tests.models import snowflake
    return snowflake


def test_the_model_prints_the_documented_columns_and_values():
    m = load_model().SnowflakeModel()
    m.add_admin("ADMIN")
    session = {"user": "ADMIN", "role": "SECURITYADMIN", "database": None, "schema": None, "warehouse": None}
    for sql in ("CREATE DATABASE MYTESTDB", "CREATE ROLE ANALYST", "CREATE ROLE DBA", "CREATE USER JOESM",
                "GRANT ROLE ANALYST TO USER JOESM", "GRANT ROLE ANALYST TO ROLE DBA",
                "GRANT SELECT ON FUTURE TABLES IN SCHEMA MYTESTDB.PUBLIC TO ROLE ANALYST",
                "GRANT USAGE ON DATABASE MYTESTDB TO ROLE ANALYST"):
        m.execute(session, sql)
    session.update(database="MYTESTDB", schema="PUBLIC")

    def show(sql):
        columns, rows = m.execute(session, sql)
        return columns, sf.rows_by_name([(c,) for c in columns], rows)

    for sql, name, statement in [
            ('SHOW GRANTS TO ROLE "ANALYST"', "docs_show_grants_to_role", "SHOW GRANTS TO ROLE analyst"),
            ('SHOW GRANTS OF ROLE "ANALYST"', "docs_show_grants_of_role", "SHOW GRANTS OF ROLE analyst"),
            ('SHOW FUTURE GRANTS IN SCHEMA "MYTESTDB"."PUBLIC"', "docs_show_future_grants_in_schema",
             "SHOW FUTURE GRANTS IN SCHEMA sales.public"),
            ("SHOW ROLES", "docs_show_roles", "SHOW ROLES"),
            ('SHOW SCHEMAS IN DATABASE "MYTESTDB"', "docs_show_schemas", "SHOW SCHEMAS")]:
        assert show(sql)[0] == load_docs(name)[statement][0], sql
    documented = {r["name"]: r for r in docs_rows("docs_show_schemas", "SHOW SCHEMAS")}
    schemas = {r["name"]: r for r in show('SHOW SCHEMAS IN DATABASE "MYTESTDB"')[1]}
    assert sorted(schemas) == ["INFORMATION_SCHEMA", "PUBLIC"]
    for column in ("owner", "comment", "is_current", "object_visibility"):
        assert schemas["INFORMATION_SCHEMA"][column] == documented["INFORMATION_SCHEMA"][column], column
    assert schemas["PUBLIC"]["is_current"] == documented["PUBLIC"]["is_current"] == "Y"
    roles = {r["name"]: r for r in show("SHOW ROLES")[1]}
    assert roles["SYSADMIN"]["owner"] == roles["PUBLIC"]["owner"] == ""        # system-defined roles
    assert roles["ANALYST"]["owner"] == "SECURITYADMIN"
    assert (roles["ANALYST"]["assigned_to_users"], roles["ANALYST"]["granted_to_roles"]) == ("1", "1")
    of_role = show('SHOW GRANTS OF ROLE "ANALYST"')[1]
    assert sorted((r["granted_to"], r["grantee_name"]) for r in of_role) == [("ROLE", "DBA"), ("USER", "JOESM")]
    owned = [r for r in show('SHOW GRANTS TO ROLE "SECURITYADMIN"')[1] if r["privilege"] == "OWNERSHIP"]
    assert owned and {r["grant_option"] for r in owned} == {"true"}    # as SHOW GRANTS ON prints OWNERSHIP
    future = show('SHOW FUTURE GRANTS IN SCHEMA "MYTESTDB"."PUBLIC"')[1]
    assert [(r["privilege"], r["grant_on"], r["name"], r["grant_to"], r["grantee_name"]) for r in future] == [
        ("SELECT", "TABLE", "MYTESTDB.PUBLIC.<TABLE>", "ROLE", "ANALYST")]
    # and what the model prints parses as the documented rows do
    a = adapter(database="MYTESTDB")
    a.role = "ANALYST"
    assert [a.future_grant_from_row("PUBLIC", r) for r in future] == [G("future", ("PUBLIC", "TABLE"), "SELECT")]
    assert [a.grant_from_row(r) for r in show('SHOW GRANTS TO ROLE "ANALYST"')[1]] == [
        G("database", ("MYTESTDB",), "USAGE")]
