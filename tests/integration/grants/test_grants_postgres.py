"""profiles_grants on a real PostgreSQL server, run through the real ansible-playbook.
Every behaviour is checked in the catalog (and the server's statement log), not only `changed`."""
import subprocess

import psycopg2
import pytest

from tests.helpers.grants import login_args, privileges, unique
from tests.helpers.pyenv import real_python

PASSWORD = "S3cret-pw%s;'x"
TABLE_ALL = ["DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"]


def setup_inputs(db, schema="website_eventstream", tables=("tracks", "identifies", "Pages")):
    db["run"]('CREATE SCHEMA "%s"' % schema)
    for t in tables:
        db["run"]('CREATE TABLE "%s"."%s" (id int)' % (schema, t))


def grants_args(db, principal, **extra):
    args = login_args(db, warehouse="postgres", principal=principal, principal_password=PASSWORD,
                      output_schema={"name": "rs_profiles"},
                      input_schemas=[{"name": "website_eventstream"}])
    args.update(extra)
    return args


def expected(db, principal_owner="postgres"):
    d = db["dbname"]
    want = {"CONNECT ON DATABASE %s" % d, "TEMPORARY ON DATABASE %s" % d,
            "USAGE ON SCHEMA rs_profiles", "CREATE ON SCHEMA rs_profiles",
            "USAGE ON SCHEMA website_eventstream",
            'SELECT ON TABLE website_eventstream.tracks', 'SELECT ON TABLE website_eventstream.identifies',
            'SELECT ON TABLE website_eventstream."Pages"',
            "SELECT ON FUTURE TABLES OF %s IN SCHEMA website_eventstream" % principal_owner}
    want |= set("%s ON FUTURE TABLES OF %s IN SCHEMA rs_profiles" % (p, principal_owner) for p in TABLE_ALL)
    return want


def test_first_run_grants_rerun_sends_no_writes(ansible, db, statement_log):
    setup_inputs(db)
    principal = unique("rsa")
    first = ansible.module("profiles_grants", grants_args(db, principal))
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert privileges(db, principal) == expected(db)
    assert first["read_round_trips"] == 1
    assert all(PASSWORD not in q for q in first["queries"])
    assert first["queries"][0] == 'CREATE ROLE "%s" WITH LOGIN PASSWORD \'********\'' % principal

    # The principal really works: logs in with the password, reads inputs, writes its schema.
    conn = psycopg2.connect(host=db["host"], port=db["port"], dbname=db["dbname"], user=principal,
                            password=PASSWORD)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute('SELECT count(*) FROM website_eventstream."Pages"')
    cur.execute("CREATE TABLE rs_profiles.out (id int)")
    conn.close()
    # A table created later by the admin is covered by the default privileges.
    db["run"]("CREATE TABLE website_eventstream.later (id int)")
    assert "SELECT ON TABLE website_eventstream.later" in privileges(db, principal)

    statement_log.mark()
    second = ansible.module("profiles_grants", grants_args(db, principal), diff=True)
    assert second["changed"] is False, second
    assert second["queries"] == [] and second["plan"]["to_grant"] == []
    assert second["read_round_trips"] == 1
    assert statement_log.writes() == []
    assert len([s for s in statement_log.statements() if "aclexplode" in s]) == 1
    assert second["diff"]["before"] == second["diff"]["after"]


def test_check_mode_writes_nothing(ansible, db, statement_log):
    setup_inputs(db)
    principal = unique("rsa")
    statement_log.mark()
    result = ansible.module("profiles_grants", grants_args(db, principal), check=True, diff=True)
    assert result["changed"] is True, result
    assert 'CREATE SCHEMA "rs_profiles"' in result["queries"]
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "website_eventstream" TO "%s"' % principal in result["queries"]
    assert statement_log.writes() == []
    assert db["run"]("SELECT count(*) FROM pg_roles WHERE rolname = %s", (principal,)) == [(0,)]
    assert db["run"]("SELECT count(*) FROM pg_namespace WHERE nspname = 'rs_profiles'") == [(0,)]
    assert "absent" in result["diff"]["before"] and PASSWORD not in str(result)


def test_exclusive_revokes_only_extras_never_ownership(ansible, db):
    setup_inputs(db)
    db["run"]("CREATE SCHEMA other; CREATE TABLE other.t (id int)")
    principal = unique("rsa")
    assert not ansible.module("profiles_grants", grants_args(db, principal)).get("failed")
    db["run"]('GRANT INSERT, UPDATE ON website_eventstream.tracks TO "{0}";'
              'GRANT CREATE ON SCHEMA website_eventstream TO "{0}";'
              'GRANT SELECT ON other.t TO "{0}";'
              'CREATE TABLE website_eventstream.mine (id int); ALTER TABLE website_eventstream.mine OWNER TO "{0}"'
              .format(principal))
    before = privileges(db, principal)

    append = ansible.module("profiles_grants", grants_args(db, principal))
    assert append["changed"] is False and privileges(db, principal) == before

    result = ansible.module("profiles_grants", grants_args(db, principal, mode="exclusive"))
    assert result["changed"] is True, result
    assert sorted(result["plan"]["to_revoke"]) == sorted([
        'CREATE ON SCHEMA "website_eventstream"', 'INSERT ON TABLE "website_eventstream"."tracks"',
        'UPDATE ON TABLE "website_eventstream"."tracks"'])
    after = privileges(db, principal)
    assert after == expected(db) | {"SELECT ON TABLE other.t"}
    # Ownership untouched: the principal still owns and can use its table.
    assert db["run"]("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'mine'") == [(principal,)]
    assert db["run"]("SELECT has_table_privilege(%s, 'website_eventstream.mine', 'INSERT')", (principal,)) == [(True,)]
    again = ansible.module("profiles_grants", grants_args(db, principal, mode="exclusive"))
    assert again["changed"] is False and again["queries"] == []


def test_state_absent_revokes_what_it_manages(ansible, db):
    setup_inputs(db)
    principal = unique("rsa")
    db["run"]("CREATE SCHEMA other; CREATE TABLE other.t (id int)")
    assert not ansible.module("profiles_grants", grants_args(db, principal)).get("failed")
    db["run"]('GRANT SELECT ON other.t TO "%s"' % principal)
    result = ansible.module("profiles_grants", grants_args(db, principal, state="absent"))
    assert result["changed"] is True, result
    assert privileges(db, principal) == {"SELECT ON TABLE other.t"}
    assert db["run"]("SELECT count(*) FROM pg_roles WHERE rolname = %s", (principal,)) == [(1,)]
    assert ansible.module("profiles_grants", grants_args(db, principal, state="absent"))["changed"] is False


def test_failure_rolls_back_every_statement(ansible, db):
    """A non-superuser admin can create the role and schema, but one input table belongs to
    someone else: its GRANT fails, and nothing of the run (role, schema, grants) remains."""
    setup_inputs(db)
    admin, principal = unique("admin"), unique("rsa")
    db["run"]('CREATE ROLE "{0}" LOGIN CREATEROLE PASSWORD \'adminpw\';'
              'GRANT CREATE ON DATABASE "{1}" TO "{0}";'
              'ALTER SCHEMA website_eventstream OWNER TO "{0}";'
              'ALTER TABLE website_eventstream.tracks OWNER TO "{0}";'
              'ALTER TABLE website_eventstream.identifies OWNER TO "{0}"'.format(admin, db["dbname"]))
    # website_eventstream."Pages" stays owned by postgres: the admin may not grant on it.
    args = grants_args(db, principal, login_user=admin, login_password="adminpw", database_privileges=[])
    result = ansible.module("profiles_grants", args)
    assert result.get("failed"), result
    assert "rolled back" in result["msg"] and "Pages" in result["msg"]
    assert PASSWORD not in result["msg"]
    assert db["run"]("SELECT count(*) FROM pg_roles WHERE rolname = %s", (principal,)) == [(0,)]
    assert db["run"]("SELECT count(*) FROM pg_namespace WHERE nspname = 'rs_profiles'") == [(0,)]
    assert db["run"]("SELECT count(*) FROM pg_default_acl") == [(0,)]


def test_password_only_on_create_unless_always(ansible, db):
    setup_inputs(db)
    principal = unique("rsa")
    assert not ansible.module("profiles_grants", grants_args(db, principal)).get("failed")
    other = grants_args(db, principal, principal_password="another-Pw1")
    assert ansible.module("profiles_grants", other)["changed"] is False
    psycopg2.connect(host=db["host"], port=db["port"], dbname=db["dbname"], user=principal,
                     password=PASSWORD).close()
    result = ansible.module("profiles_grants", dict(other, update_password="always"))
    assert result["changed"] is True and result["queries"] == [
        'ALTER ROLE "%s" WITH PASSWORD \'********\'' % principal]
    psycopg2.connect(host=db["host"], port=db["port"], dbname=db["dbname"], user=principal,
                     password="another-Pw1").close()
    # The principal logs in with that password now: a rerun sets nothing (vault rotation is
    # idempotent), check mode included.
    again = ansible.module("profiles_grants", dict(other, update_password="always"))
    assert again["changed"] is False and again["queries"] == [], again
    rotated = dict(other, update_password="always", principal_password="third-Pw2")
    planned = ansible.module("profiles_grants", rotated, check=True)
    assert planned["changed"] is True and planned["plan"]["set_password"] is True
    psycopg2.connect(host=db["host"], port=db["port"], dbname=db["dbname"], user=principal,
                     password="another-Pw1").close()  # check mode changed nothing


@pytest.mark.parametrize("change, needle", [
    ({"warehouse": "oracle"}, "warehouse"),
    ({"input_schemas": [{"name": "nope"}]}, 'input_schemas[0].name: schema "nope" does not exist'),
    ({"output_schema": {"name": "nope", "create": False}}, 'output_schema.name: schema "nope" does not exist'),
    ({"input_schemas": [{"name": "website_eventstream", "tables": ["missing"]}]}, '"missing" does not exist'),
    ({"principal": "a\x00b"}, "principal: 'a\\x00b' contains a NUL"),
    ({"output_schema": {"name": "x" * 64}}, "output_schema.name: 'xxxx"),
    ({"input_schemas": [{"name": "website_eventstream", "privileges": ["SELECT; DROP TABLE x"]}]},
     "unknown privilege"),
    ({"login_port": 1, "connect_timeout": 2}, "warehouse at 127.0.0.2:1 database"),
])
def test_bad_input_fails_fast_with_clear_message(ansible, db, change, needle):
    setup_inputs(db)
    principal = unique("rsa")
    args = grants_args(db, principal)
    args.update(change)
    result = ansible.module("profiles_grants", args)
    assert result.get("failed"), result
    assert needle in result["msg"], result["msg"]
    assert db["run"]("SELECT count(*) FROM pg_roles WHERE rolname = %s", (principal,)) == [(0,)]


def test_connection_from_libpq_environment_variables(ansible, db):
    setup_inputs(db)
    principal = unique("rsa")
    env = {"PGHOST": db["host"], "PGPORT": str(db["port"]), "PGUSER": db["user"], "PGPASSWORD": db["password"],
           "PGDATABASE": db["dbname"], "PGCONNECT_TIMEOUT": "5"}
    result = ansible.module("profiles_grants", {"warehouse": "postgres", "principal": principal,
                                                "input_schemas": [{"name": "website_eventstream"}]},
                            extra_env=env)
    assert result["changed"] is True and not result.get("failed"), result
    assert "USAGE ON SCHEMA website_eventstream" in privileges(db, principal)


def test_missing_psycopg2_is_reported_with_the_pip_package(ansible, db, tmp_path):
    """A Python without psycopg2 (a fresh virtualenv: whether the machine's system Python has
    psycopg2 does not matter): the module says what to install."""
    python = str(tmp_path / "bare" / "bin" / "python")
    subprocess.run([real_python(), "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    proc = subprocess.run([python, "-c", "import psycopg2"], capture_output=True, check=False)
    assert proc.returncode != 0, "a fresh virtualenv imports psycopg2"
    task = {"name": "under test", "rudderstack.profiles.profiles_grants": grants_args(db, unique("rsa")),
            "ignore_errors": True}
    result = ansible.playbook([task], extra_vars={"ansible_python_interpreter": python})[0]
    assert result.get("failed") and "psycopg2-binary" in result["msg"], result


def test_connection_options_once_through_the_warehouse_group(ansible, db):
    setup_inputs(db)
    principal = unique("rsa")
    connection = login_args(db, warehouse="postgres")
    task = {"name": "under test", "module_defaults": {"group/rudderstack.profiles.warehouse": connection},
            "rudderstack.profiles.profiles_grants": {"principal": principal,
                                                     "input_schemas": [{"name": "website_eventstream"}]}}
    result = ansible.playbook([task])[0]
    assert result["changed"] is True and not result.get("failed"), result
    assert "SELECT ON TABLE website_eventstream.tracks" in privileges(db, principal)


def test_existing_role_without_login_gets_login(ansible, db):
    setup_inputs(db)
    principal = unique("rsa")
    db["run"]('CREATE ROLE "%s" NOLOGIN' % principal)
    result = ansible.module("profiles_grants", grants_args(db, principal))
    assert result["plan"]["set_login"] is True and result["plan"]["create_principal"] is False
    assert 'ALTER ROLE "%s" WITH LOGIN' % principal in result["queries"]
    assert db["run"]("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (principal,)) == [(True,)]
    assert ansible.module("profiles_grants", grants_args(db, principal))["changed"] is False
