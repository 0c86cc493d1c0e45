"""The redshift adapter's own queries and statements against a real server: PostgreSQL with
stand-in svv_* views (a MODEL of Redshift's catalog, see conftest.REDSHIFT_MODEL) and the
plpythonu stand-in. PostgreSQL has no DROP privilege on tables, so these runs list the table
privileges Redshift and PostgreSQL share instead of ALL."""
from tests.helpers.grants import login_args, privileges, unique

SHARED_TABLE_PRIVS = ["SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES"]


def rs_args(db, principal, **extra):
    args = login_args(db, warehouse="redshift", principal=principal, principal_password="Rs-Passw0rd",
                      output_schema={"name": "rs_profiles", "table_privileges": SHARED_TABLE_PRIVS},
                      input_schemas=[{"name": "website_eventstream"}])
    args.update(extra)
    return args


def make_inputs(db, count):
    db["run"]("CREATE SCHEMA IF NOT EXISTS website_eventstream")
    for i in range(count):
        db["run"]("CREATE TABLE IF NOT EXISTS website_eventstream.t%d (id int)" % i)


def test_redshift_grants_converge_with_constant_reads(ansible, redshift_db, statement_log):
    db = redshift_db
    make_inputs(db, 3)
    principal = unique("rsa")
    first = ansible.module("profiles_grants", rs_args(db, principal))
    assert not first.get("failed"), first
    assert first["queries"][:2] == ['CREATE USER "%s" PASSWORD \'********\'' % principal,
                                    'CREATE SCHEMA "rs_profiles"']
    assert 'GRANT USAGE ON LANGUAGE "plpythonu" TO "%s"' % principal in first["queries"]
    held = privileges(db, principal)
    assert {"USAGE ON LANGUAGE plpythonu", "USAGE ON SCHEMA website_eventstream", "CREATE ON SCHEMA rs_profiles",
            "USAGE ON SCHEMA rs_profiles", "SELECT ON TABLE website_eventstream.t2",
            "SELECT ON FUTURE TABLES OF postgres IN SCHEMA website_eventstream",
            "REFERENCES ON FUTURE TABLES OF postgres IN SCHEMA rs_profiles"} <= held
    assert not any("DATABASE" in h for h in held)  # no database grants by default on Redshift

    statement_log.mark()
    second = ansible.module("profiles_grants", rs_args(db, principal))
    assert second["changed"] is False and second["queries"] == [], second
    assert statement_log.writes() == []
    reads_small = second["read_round_trips"]
    sent = statement_log.statements()
    assert not any("aclexplode" in s or "pg_roles" in s or "regrole" in s for s in sent)
    assert sum("svv_" in s for s in sent) == 5

    # 60 tables, some created before the default privileges were set up: still the same reads.
    db["run"]("ALTER DEFAULT PRIVILEGES IN SCHEMA website_eventstream REVOKE SELECT ON TABLES FROM \"%s\"" % principal)
    make_inputs(db, 60)
    third = ansible.module("profiles_grants", rs_args(db, principal))
    assert third["changed"] is True
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "website_eventstream" TO "%s"' % principal in third["queries"]
    assert third["read_round_trips"] == reads_small
    assert "SELECT ON TABLE website_eventstream.t59" in privileges(db, principal)


def test_redshift_exclusive_revokes_extras(ansible, redshift_db):
    db = redshift_db
    make_inputs(db, 2)
    principal = unique("rsa")
    assert not ansible.module("profiles_grants", rs_args(db, principal)).get("failed")
    db["run"]('GRANT INSERT ON website_eventstream.t1 TO "{0}"; GRANT CREATE ON SCHEMA website_eventstream TO "{0}"'
              .format(principal))
    result = ansible.module("profiles_grants", rs_args(db, principal, mode="exclusive"))
    assert sorted(result["plan"]["to_revoke"]) == ['CREATE ON SCHEMA "website_eventstream"',
                                                   'INSERT ON TABLE "website_eventstream"."t1"']
    held = privileges(db, principal)
    assert "INSERT ON TABLE website_eventstream.t1" not in held and "SELECT ON TABLE website_eventstream.t1" in held


def test_redshift_rejects_upper_case_names(ansible, redshift_db):
    result = ansible.module("profiles_grants", rs_args(redshift_db, "RudderStack_Admin"))
    assert result.get("failed") and "folds names to lower case" in result["msg"]
    assert "'rudderstack_admin'" in result["msg"]
