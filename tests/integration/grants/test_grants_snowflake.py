"""profiles_grants on warehouse snowflake, through the real ansible-playbook and the real
snowflake-connector-python, against tests/models/snowflake.py (a MODEL of Snowflake, not
Snowflake). Every behaviour is checked in the model's state and its statement log."""
import time

import pytest
import yaml

from tests.models.snowflake import SnowflakeModel

PASSWORD = "S3cret'pw%\\x"
ENV = {"SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"}

GUIDE = {  # the setup guide's grants, as the model stores them
    "USAGE ON DATABASE RUDDER_DB",
    "USAGE ON WAREHOUSE RUDDER_WAREHOUSE",
    "USAGE ON SCHEMA RUDDER_DB.EVENTSSCHEMA",
    "SELECT ON TABLE RUDDER_DB.EVENTSSCHEMA.TRACKS",
    "SELECT ON TABLE RUDDER_DB.EVENTSSCHEMA.IDENTIFIES",
    "SELECT ON VIEW RUDDER_DB.EVENTSSCHEMA.Pages",
    "SELECT ON FUTURE TABLES IN SCHEMA RUDDER_DB.EVENTSSCHEMA",
    "SELECT ON FUTURE VIEWS IN SCHEMA RUDDER_DB.EVENTSSCHEMA",
}


@pytest.fixture
def sf():
    model = SnowflakeModel().start()
    model.add_admin()
    model.databases["RUDDER_DB"] = {"owner": "SYSADMIN", "schemas": {}}
    model.warehouses["RUDDER_WAREHOUSE"] = "SYSADMIN"
    session = {"role": "SYSADMIN", "database": "RUDDER_DB", "schema": None, "warehouse": None, "user": "ADMIN"}
    for sql in ["CREATE SCHEMA RUDDER_DB.EVENTSSCHEMA", "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.TRACKS (id int)",
                "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.IDENTIFIES (id int)",
                'CREATE VIEW RUDDER_DB.EVENTSSCHEMA."Pages" AS SELECT 1']:
        model.execute(session, sql)
    # The default snowflake_admin_role, SECURITYADMIN, may create the output schema only once
    # granted CREATE SCHEMA on the database (what docs/snowflake.md tells the fleet owner to do).
    model.grants[("SECURITYADMIN", "DATABASE", ("RUDDER_DB",), "CREATE SCHEMA")] = "SYSADMIN"
    model.session = session
    model.writes_seen = 0
    yield model
    model.stop()


def args(sf, **extra):
    result = {"warehouse": "snowflake", "account": "testaccount", "login_host": "127.0.0.1",
              "login_port": sf.port, "snowflake_protocol": "http", "login_user": "admin",
              "login_password": "admin-pw", "login_db": "rudder_db", "connect_timeout": 5,
              "principal": "profiles_test_user", "principal_password": PASSWORD,
              "role": "profiles_role", "snowflake_warehouse": "rudder_warehouse",
              "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "eventsschema"}]}
    result.update(extra)
    return result


def expected_output():
    return {"%s ON SCHEMA RUDDER_DB.RS_PROFILES" % p for p in SnowflakeModel_ALL_SCHEMA} | {
        "%s ON FUTURE TABLES IN SCHEMA RUDDER_DB.RS_PROFILES" % p
        for p in ("DELETE", "INSERT", "REFERENCES", "SELECT", "TRUNCATE", "UPDATE")} | {
        "%s ON FUTURE VIEWS IN SCHEMA RUDDER_DB.RS_PROFILES" % p for p in ("REFERENCES", "SELECT")}


# GRANT ALL PRIVILEGES ON SCHEMA in the model gives every schema privilege it has, including
# two the adapter does not know (privileges Snowflake added later).
from tests.models.snowflake import ALL as _MODEL_ALL
SnowflakeModel_ALL_SCHEMA = _MODEL_ALL["SCHEMA"]


def run(ansible, sf, check=False, diff=False, **extra):
    return ansible.module("profiles_grants", args(sf, **extra), check=check, diff=diff, extra_env=ENV)


def test_guide_first_run_then_rerun_sends_no_writes(ansible, sf):
    first = run(ansible, sf)
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert sf.privileges_of("PROFILES_ROLE") == GUIDE | expected_output()
    user = sf.users["PROFILES_TEST_USER"]
    assert user["password"] == PASSWORD and user["default_role"] == "PROFILES_ROLE"
    assert ("PROFILES_ROLE", "USER", "PROFILES_TEST_USER") in sf.role_grants
    assert "RS_PROFILES" in sf.databases["RUDDER_DB"]["schemas"]
    queries = first["queries"]
    assert queries[0] == 'CREATE ROLE IF NOT EXISTS "PROFILES_ROLE"'
    assert queries[1] == ('CREATE USER IF NOT EXISTS "PROFILES_TEST_USER" PASSWORD = \'********\' '
                          'DEFAULT_ROLE = "PROFILES_ROLE"')
    assert 'GRANT ALL PRIVILEGES ON SCHEMA "RUDDER_DB"."RS_PROFILES" TO ROLE "PROFILES_ROLE"' in queries
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE "PROFILES_ROLE"' in queries
    assert 'GRANT SELECT ON ALL VIEWS IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE "PROFILES_ROLE"' in queries
    # future grants before the grants on existing objects; the role granted to the user last
    assert queries.index('GRANT SELECT ON FUTURE TABLES IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE '
                         '"PROFILES_ROLE"') < queries.index(
        'GRANT SELECT ON ALL TABLES IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE "PROFILES_ROLE"')
    assert queries[-1] == 'GRANT ROLE "PROFILES_ROLE" TO USER "PROFILES_TEST_USER"'
    assert all(PASSWORD not in q for q in queries) and PASSWORD not in str(first)
    assert len(sf.writes()) == len(queries)

    # The loader adds a table later: the future grant covers it.
    sf.execute(sf.session, "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.LATER (id int)")
    assert "SELECT ON TABLE RUDDER_DB.EVENTSSCHEMA.LATER" in sf.privileges_of("PROFILES_ROLE")

    mark = len(sf.statements)
    second = run(ansible, sf, diff=True)
    assert second["changed"] is False, second
    assert second["queries"] == [] and second["plan"]["to_grant"] == [] and second["plan"]["actions"] == []
    assert [s for s in sf.statements[mark:] if not s.upper().startswith(("SHOW", "SELECT"))] == []
    shows = sf.statements[mark:]
    assert second["read_round_trips"] == len(shows)
    assert second["diff"]["before"] == second["diff"]["after"]

    # Round trips do not grow with the number of tables.
    for i in range(30):
        sf.execute(sf.session, "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.T%d (id int)" % i)
    third = run(ansible, sf)
    assert third["changed"] is False and third["read_round_trips"] == second["read_round_trips"]


def test_partial_drift_is_repaired_schema_wide(ansible, sf):
    """SELECT revoked on 150 of 200 tables (and on the view): one GRANT per kind for the whole
    schema, not one per table (bench/grants_drift_repair.py counts 3 to 3000 tables)."""
    for i in range(197):
        sf.execute(sf.session, "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.T%d (id int)" % i)
    assert not run(ansible, sf).get("failed")
    held = sf.privileges_of("PROFILES_ROLE")
    for i in range(150):
        del sf.grants[("PROFILES_ROLE", "TABLE", ("RUDDER_DB", "EVENTSSCHEMA", "T%d" % i), "SELECT")]
    del sf.grants[("PROFILES_ROLE", "VIEW", ("RUDDER_DB", "EVENTSSCHEMA", "Pages"), "SELECT")]
    repair = run(ansible, sf)
    assert repair["changed"] is True and len(repair["plan"]["to_grant"]) == 151, repair
    assert repair["queries"] == [
        'GRANT SELECT ON ALL TABLES IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE "PROFILES_ROLE"',
        'GRANT SELECT ON ALL VIEWS IN SCHEMA "RUDDER_DB"."EVENTSSCHEMA" TO ROLE "PROFILES_ROLE"']
    assert sf.privileges_of("PROFILES_ROLE") == held
    assert run(ansible, sf)["changed"] is False


def test_admin_role_that_cannot_create_the_schema_is_refused_before_any_write(ansible, sf):
    del sf.grants[("SECURITYADMIN", "DATABASE", ("RUDDER_DB",), "CREATE SCHEMA")]
    # One playbook: check mode, then a real run (each refused; ignore_errors carries on).
    task = {"rudderstack.profiles.profiles_grants": args(sf), "ignore_errors": True}
    results = ansible.playbook([dict(task, name="check", check_mode=True), dict(task, name="run")], extra_env=ENV)
    for refused in results:
        assert refused.get("failed"), refused
        assert refused["msg"].startswith(
            'output_schema.name: schema "RUDDER_DB"."RS_PROFILES" does not exist and the role "SECURITYADMIN"'), refused
        assert "Set snowflake_admin_role" in refused["msg"] and "Nothing was changed" in refused["msg"]
    assert sf.writes() == []
    # ACCOUNTADMIN inherits SYSADMIN, the database's owner (SHOW GRANTS TO ROLE, followed).
    done = run(ansible, sf, snowflake_admin_role="ACCOUNTADMIN")
    assert not done.get("failed") and done["changed"] is True, done
    assert sf.databases["RUDDER_DB"]["schemas"]["RS_PROFILES"]["owner"] == "ACCOUNTADMIN"
    # The schema exists now: SECURITYADMIN needs no CREATE SCHEMA to keep it granted.
    assert run(ansible, sf)["changed"] is False


def test_check_mode_writes_nothing(ansible, sf):
    result = run(ansible, sf, check=True, diff=True)
    assert result["changed"] is True, result
    assert 'CREATE SCHEMA IF NOT EXISTS "RUDDER_DB"."RS_PROFILES"' in result["queries"]
    assert sf.writes() == []
    assert "PROFILES_ROLE" not in sf.roles and "PROFILES_TEST_USER" not in sf.users
    assert "absent" in result["diff"]["before"] and PASSWORD not in str(result)


def test_exclusive_revokes_only_extras_never_ownership(ansible, sf):
    assert not run(ansible, sf).get("failed")
    s = sf.session
    sf.execute(s, "CREATE SCHEMA RUDDER_DB.OTHER")
    sf.execute(s, "CREATE TABLE RUDDER_DB.OTHER.T (id int)")
    for sql in ["GRANT INSERT, UPDATE ON TABLE RUDDER_DB.EVENTSSCHEMA.TRACKS TO ROLE PROFILES_ROLE",
                "GRANT ALL PRIVILEGES ON TABLE RUDDER_DB.EVENTSSCHEMA.IDENTIFIES TO ROLE PROFILES_ROLE",
                "GRANT CREATE TABLE ON SCHEMA RUDDER_DB.EVENTSSCHEMA TO ROLE PROFILES_ROLE",
                "GRANT OPERATE ON WAREHOUSE RUDDER_WAREHOUSE TO ROLE PROFILES_ROLE",
                "GRANT SELECT ON TABLE RUDDER_DB.OTHER.T TO ROLE PROFILES_ROLE"]:
        sf.execute(s, sql)
    # a table the role owns in the input schema
    s2 = dict(s, role="PROFILES_ROLE")
    sf.grants[("PROFILES_ROLE", "SCHEMA", ("RUDDER_DB", "EVENTSSCHEMA"), "CREATE TABLE")] = "SYSADMIN"
    sf.execute(s2, "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.MINE (id int)")
    before = sf.privileges_of("PROFILES_ROLE")

    append = run(ansible, sf)
    assert append["changed"] is False and sf.privileges_of("PROFILES_ROLE") == before

    result = run(ansible, sf, mode="exclusive")
    assert result["changed"] is True, result
    assert sorted(result["plan"]["to_revoke"]) == sorted([
        'CREATE TABLE ON SCHEMA "RUDDER_DB"."EVENTSSCHEMA"',
        'DELETE ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'EVOLVE SCHEMA ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'INSERT ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'INSERT ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."TRACKS"',
        'OPERATE ON WAREHOUSE "RUDDER_WAREHOUSE"',
        'REFERENCES ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'TRUNCATE ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'UPDATE ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."IDENTIFIES"',
        'UPDATE ON TABLE "RUDDER_DB"."EVENTSSCHEMA"."TRACKS"'])
    after = sf.privileges_of("PROFILES_ROLE")
    assert "SELECT ON TABLE RUDDER_DB.OTHER.T" in after  # not a named object: untouched
    assert after - {"SELECT ON TABLE RUDDER_DB.OTHER.T"} == GUIDE | expected_output() | {
        "SELECT ON TABLE RUDDER_DB.EVENTSSCHEMA.MINE"} - {"CREATE TABLE ON SCHEMA RUDDER_DB.EVENTSSCHEMA"}
    assert ("PROFILES_ROLE", "TABLE", ("RUDDER_DB", "EVENTSSCHEMA", "MINE"), "OWNERSHIP") in sf.grants
    assert not any("OWNERSHIP" in q for q in result["queries"])
    again = run(ansible, sf, mode="exclusive")
    assert again["changed"] is False and again["queries"] == [], again


# The first run sends 14 statements: role, user, schema, 8 grants, future before existing, and
# the role granted to the user last. Fail right after the user exists, among the grants, and last.
@pytest.mark.parametrize("fail_at", [3, 9, 14])
def test_failure_midway_converges_on_next_run(ansible, sf, fail_at):
    sf.fail_on_write = fail_at
    failed = run(ansible, sf)
    assert failed.get("failed"), failed
    assert len(sf.writes()) == fail_at
    assert "statement %d of" % fail_at in failed["msg"] and "SQL execution internal error" in failed["msg"]
    # What was applied stays (no transaction): listed, in the message too, and the task changed.
    assert failed["changed"] is True, failed
    assert len(failed["applied"]) == fail_at - 1 and failed["unknown"] == []
    assert [a.split(" PASSWORD")[0] for a in failed["applied"]] == [w.split(" PASSWORD")[0] for w in sf.writes()[:fail_at - 1]]
    assert len(failed["not_applied"]) == 15 - fail_at and failed["not_applied"][0] in failed["msg"]
    assert "%d of the 14 planned writes were applied before the failure and stay" % (fail_at - 1) in failed["msg"]
    assert failed["applied"][0] in failed["msg"] and "rerunning completes the rest" in failed["msg"]
    # Until the last statement the user never holds the role.
    assert ("PROFILES_ROLE", "USER", "PROFILES_TEST_USER") not in sf.role_grants
    sf.fail_on_write = None
    second = run(ansible, sf)
    assert not second.get("failed") and second["changed"] is True, second
    assert sf.privileges_of("PROFILES_ROLE") == GUIDE | expected_output()
    assert ("PROFILES_ROLE", "USER", "PROFILES_TEST_USER") in sf.role_grants
    assert sf.users["PROFILES_TEST_USER"]["default_role"] == "PROFILES_ROLE"
    third = run(ansible, sf)
    assert third["changed"] is False, third


def _key_pair(tmp_path, passphrase=None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
           else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    path = tmp_path / ("key%s.p8" % ("-enc" if passphrase else ""))
    path.write_text(pem)
    return pem, str(path), public


AUTH_CASES = ["password", "key_file", "key_content_encrypted", "key_file_encrypted", "oauth"]


@pytest.mark.parametrize("auth", AUTH_CASES)
def test_every_auth_variant_connects(ansible, sf, tmp_path, auth):
    base = {"login_password": None}
    if auth == "password":
        base = {}
    elif auth.startswith("key"):
        passphrase = "k3y pass" if "encrypted" in auth else None
        pem, path, public = _key_pair(tmp_path, passphrase)
        sf.users["ADMIN"]["rsa_public_key"] = public
        base["private_key" if "content" in auth else "private_key_path"] = \
            pem if "content" in auth else path
        if passphrase:
            base["private_key_passphrase"] = passphrase
    else:
        sf.oauth_tokens["oauth-access-token-1"] = "ADMIN"
        base["snowflake_oauth_token"] = "oauth-access-token-1"
    base = dict((k, v) for k, v in base.items() if v is not None)
    a = args(sf, **base)
    if auth != "password":
        del a["login_password"]
    result = ansible.module("profiles_grants", a, extra_env=ENV)
    assert not result.get("failed"), result
    assert result["changed"] is True
    authenticator = {"password": "SNOWFLAKE", "oauth": "OAUTH"}.get(auth, "SNOWFLAKE_JWT")
    assert sf.logins[-1] == ("ADMIN", authenticator, "SECURITYADMIN")
    assert "oauth-access-token-1" not in str(result)


def test_wrong_key_is_refused_by_the_model(ansible, sf, tmp_path):
    pem, path, public = _key_pair(tmp_path)
    other_pem, other_path, other_public = _key_pair(tmp_path, "x")
    sf.users["ADMIN"]["rsa_public_key"] = other_public
    a = args(sf, private_key_path=path)
    del a["login_password"]
    result = ansible.module("profiles_grants", a, extra_env=ENV)
    assert result.get("failed") and "JWT token is invalid" in result["msg"], result
    assert "(account, login_host, login_user;" in result["msg"]


def _bad(sf, **extra):
    a = args(sf, **extra)
    for k in [k for k, v in extra.items() if v is None]:
        del a[k]
    return a


def test_bad_input_fails_naming_the_option(ansible, sf, tmp_path):
    bad = tmp_path / "bad.p8"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    pem, path, public = _key_pair(tmp_path, "right")
    no_pw = {"login_password": None}
    cases = [  # (options, what the message starts with)
        ({"principal": "profiles user"},
         "principal: 'profiles user' is not a valid unquoted Snowflake identifier"),
        ({"input_schemas": [{"name": "events-schema"}]},
         "input_schemas[0].name: 'events-schema' is not a valid unquoted Snowflake identifier"),
        ({"input_schemas": [{"name": "eventsschema", "privileges": ["SELEKT"]}]},
         "input_schemas[0].privileges: unknown privilege 'SELEKT'"),
        ({"snowflake_warehouse_privileges": ["FLY"]}, "snowflake_warehouse_privileges: unknown privilege 'FLY'"),
        (dict(no_pw, private_key_path=str(bad)), "private_key_path: not a PEM private key"),
        (dict(no_pw, private_key_path=path, private_key_passphrase="not-the-one"),
         "private_key_passphrase: wrong passphrase"),
        (dict(no_pw, private_key_path=path), "private_key_path: the private key is encrypted"),
        ({"role": None}, "role is required"),
        ({"snowflake_warehouse": "nope"}, 'snowflake_warehouse: warehouse "NOPE" does not exist'),
        ({"input_schemas": [{"name": "missing"}]}, 'input_schemas[0].name: schema "MISSING" does not exist'),
        ({"login_password": "wrong-pw"}, "cannot connect to Snowflake account testaccount"),
    ]
    # One playbook, one task per case (each fails on its own; ignore_errors carries on).
    tasks = [{"name": "case %d" % i, "rudderstack.profiles.profiles_grants": _bad(sf, **options),
              "ignore_errors": True} for i, (options, dummy) in enumerate(cases)]
    results = ansible.playbook(tasks, extra_env=ENV)
    assert len(results) == len(cases)
    for (options, start), result in zip(cases, results):
        assert result.get("failed"), (options, result)
        assert result["msg"].startswith(start), (options, result["msg"])
    assert "Incorrect username or password" in results[-1]["msg"] and "wrong-pw" not in results[-1]["msg"]
    assert '\'"events-schema"\'' in results[1]["msg"]   # says how to quote it
    assert sf.writes() == []


def test_unreachable_account_fails_within_the_timeout(ansible, sf):
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    start = time.time()
    result = ansible.module("profiles_grants", args(sf, login_port=port, connect_timeout=3), extra_env=ENV)
    elapsed = time.time() - start
    assert result.get("failed"), result
    # Said as such at once (the connector alone reported "login timed out" after its whole
    # login_timeout); the in-process timing is in tests/integration/safety/test_faults.py.
    assert result["msg"] == ("cannot connect to Snowflake account testaccount: connection refused by 127.0.0.1:%d "
                             "(127.0.0.1): nothing listens on that port; check login_host and login_port (or "
                             "account)" % port), result["msg"]
    assert elapsed < 30, elapsed


def test_quoted_names_keep_their_case_views_reported_as_view(ansible, sf):
    sf.views_as_view = True  # the 2026_06 behaviour change
    first = run(ansible, sf, principal='"Profiles User"', role='"profiles_role"',
                output_schema={"name": '"rs_Profiles"'})
    assert not first.get("failed"), first
    assert "Profiles User" in sf.users and "profiles_role" in sf.roles
    assert "rs_Profiles" in sf.databases["RUDDER_DB"]["schemas"]
    assert "SELECT ON VIEW RUDDER_DB.EVENTSSCHEMA.Pages" in sf.privileges_of("profiles_role")
    again = run(ansible, sf, principal='"Profiles User"', role='"profiles_role"',
                output_schema={"name": '"rs_Profiles"'})
    assert again["changed"] is False, again


def test_update_password_always_and_role_principal(ansible, sf):
    assert not run(ansible, sf).get("failed")
    same = run(ansible, sf, principal_password="another")
    assert same["changed"] is False and sf.users["PROFILES_TEST_USER"]["password"] == PASSWORD
    always = run(ansible, sf, principal_password="another", update_password="always")
    assert always["changed"] is True and sf.users["PROFILES_TEST_USER"]["password"] == "another"
    assert always["queries"] == ['ALTER USER "PROFILES_TEST_USER" SET PASSWORD = \'********\'']
    role_args = args(sf, principal="shared_reader", principal_type="role")
    for name in ("output_schema", "principal_password", "role"):
        del role_args[name]
    role_only = ansible.module("profiles_grants", role_args, extra_env=ENV)
    assert not role_only.get("failed"), role_only
    assert role_only["queries"][0] == 'CREATE ROLE IF NOT EXISTS "SHARED_READER"'
    assert "SELECT ON FUTURE TABLES IN SCHEMA RUDDER_DB.EVENTSSCHEMA" in sf.privileges_of("SHARED_READER")


def test_state_absent_revokes_what_it_manages(ansible, sf):
    assert not run(ansible, sf).get("failed")
    result = run(ansible, sf, state="absent")
    assert result["changed"] is True, result
    assert sf.privileges_of("PROFILES_ROLE") == set()
    assert "PROFILES_TEST_USER" in sf.users and "PROFILES_ROLE" in sf.roles
    assert run(ansible, sf, state="absent")["changed"] is False


def test_grants_and_siteconfig_make_a_working_connection(ansible, sf, tmp_path):
    """profiles_grants, then profiles_siteconfig with the same names: the siteconfig's
    connection logs in (real connector, to the model) as the user, with the role, the warehouse
    and the database and schema the grants opened."""
    siteconfig = tmp_path / "siteconfig.yaml"
    names = {"user": "profiles_test_user", "role": "profiles_role", "warehouse": "rudder_warehouse",
             "schema": "rs_profiles"}
    tasks = [
        {"name": "grants", "rudderstack.profiles.profiles_grants": args(sf)},
        {"name": "siteconfig", "rudderstack.profiles.profiles_siteconfig": {
            "path": str(siteconfig), "connection": "snowflake_prod", "target": "dev", "warehouse": "snowflake",
            "account": "testaccount", "snowflake_warehouse": names["warehouse"].upper(), "dbname": "RUDDER_DB",
            "role": names["role"].upper(), "user": names["user"].upper(), "password": PASSWORD,
            "schema": names["schema"].upper()}},
    ]
    results = ansible.playbook(tasks, extra_env=ENV)
    assert all(not r.get("failed") for r in results), results
    out = yaml.safe_load(siteconfig.read_text())["connections"]["snowflake_prod"]["outputs"]["dev"]
    import snowflake.connector
    conn = snowflake.connector.connect(
        account=out["account"], user=out["user"], password=out["password"], role=out["role"],
        warehouse=out["warehouse"], database=out["dbname"], schema=out["schema"], host="127.0.0.1",
        port=sf.port, protocol="http", login_timeout=5, enable_server_session_keep_alive_auto_detection=False)
    try:
        cur = conn.cursor()
        cur.execute("SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_DATABASE(), CURRENT_SCHEMA()")
        assert cur.fetchall() == [("PROFILES_TEST_USER", "PROFILES_ROLE", "RUDDER_WAREHOUSE", "RUDDER_DB",
                                   "RS_PROFILES")]
    finally:
        conn.close()


# -- key-pair service users (the default) -------------------------------------------------------
def key_args(sf, key_path, **extra):
    a = args(sf, principal_private_key_path=str(key_path), principal_private_key_passphrase="vault pass",
             **extra)
    del a["principal_password"]
    return a


def siteconfig_task(sf, siteconfig, key_path):
    return {"name": "siteconfig", "rudderstack.profiles.profiles_siteconfig": {
        "path": str(siteconfig), "connection": "sf_keys", "target": "dev", "warehouse": "snowflake",
        "account": "testaccount", "snowflake_warehouse": "RUDDER_WAREHOUSE", "dbname": "RUDDER_DB",
        "role": "PROFILES_ROLE", "user": "PROFILES_TEST_USER", "schema": "RS_PROFILES",
        "private_key_path": str(key_path), "private_key_passphrase": "vault pass"}}


def login_with(sf, private_pem, passphrase="vault pass"):
    """The real connector signs in to the model with a private key as pb's siteconfig holds it;
    returns the user, or the error message."""
    import snowflake.connector
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private_pem.encode(), password=passphrase.encode())
    try:
        conn = snowflake.connector.connect(
            account="testaccount", user="PROFILES_TEST_USER", private_key=key, role="PROFILES_ROLE",
            warehouse="RUDDER_WAREHOUSE", database="RUDDER_DB", host="127.0.0.1", port=sf.port, protocol="http",
            login_timeout=5, enable_server_session_keep_alive_auto_detection=False)
    except snowflake.connector.Error as exc:
        return str(exc)
    try:
        cur = conn.cursor()
        cur.execute("SELECT CURRENT_USER()")
        return cur.fetchall()[0][0]
    finally:
        conn.close()


def pb_loads(siteconfig, tmp_path, connection="sf_keys"):
    """The real pb loads the siteconfig (pb cannot reach the model: `pb show models`, which reads
    the siteconfig and the project offline, as tests/integration/test_siteconfig_module.py does)."""
    import os
    import subprocess
    from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV
    pb = os.environ.get("PB_BIN")
    if not pb or not os.path.exists(pb):
        pytest.skip("PB_BIN is not set to the pb executable (tests/run-all.sh sets it)")
    tmp_path.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(tmp_path), **PB_ENV)
    project = tmp_path / "proj"
    if not project.exists():
        init = subprocess.run([pb, "init", "pb-project", "-o", str(project), "-n", connection, "-c", str(siteconfig)],
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert init.returncode == 0, init.stdout + init.stderr
    proc = subprocess.run([pb, "show", "models", "-c", str(siteconfig)], cwd=str(project), env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_key_pair_service_user_and_rotation_without_downtime(ansible, sf, tmp_path):
    """The default: a TYPE = SERVICE user with RSA_PUBLIC_KEY, its key generated on the
    controller (0600, encrypted with the vault's passphrase), pb's siteconfig holding it. Then a
    rotation: the new key into RSA_PUBLIC_KEY_2 while the old one still works, the siteconfig
    switched to it, the old slot cleared on the next run. At each step the real connector signs
    in with the siteconfig's key and the real pb loads the siteconfig."""
    import stat
    keys = tmp_path / "keys"
    first_key, second_key = keys / "pb-1.p8", keys / "pb-2.p8"
    siteconfig = tmp_path / "siteconfig.yaml"

    def step(key_path):
        results = ansible.playbook([{"name": "grants", "rudderstack.profiles.profiles_grants": key_args(sf, key_path)},
                                    siteconfig_task(sf, siteconfig, key_path)], extra_env=ENV)
        assert all(not r.get("failed") for r in results), results
        site = yaml.safe_load(siteconfig.read_text())["connections"]["sf_keys"]["outputs"]["dev"]
        assert site["useKeyPairAuth"] is True and "password" not in site
        assert site["privateKey"] == key_path.read_text()
        rc, out = pb_loads(siteconfig, tmp_path)
        assert rc == 0, out
        return results[0], site["privateKey"]

    created, key1 = step(first_key)
    assert created["changed"] is True and not created.get("warnings"), created
    assert stat.S_IMODE(first_key.stat().st_mode) == 0o600 and stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert key1.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    user = sf.users["PROFILES_TEST_USER"]
    assert user["type"] == "SERVICE" and user["password"] is None and user["rsa_public_key_2"] is None
    body = created["principal_key"]["public_key"]
    assert user["rsa_public_key"] == body and created["principal_key"]["generated"] is True
    assert created["queries"][1] == ('CREATE USER IF NOT EXISTS "PROFILES_TEST_USER" TYPE = SERVICE '
                                     "RSA_PUBLIC_KEY = '%s' DEFAULT_ROLE = \"PROFILES_ROLE\"" % body)
    assert "ENCRYPTED PRIVATE KEY" not in str(created)        # only the public half is shown
    assert login_with(sf, key1) == "PROFILES_TEST_USER"

    again, dummy = step(first_key)
    assert again["changed"] is False and again["queries"] == [], again
    assert again["principal_key"]["generated"] is False

    # Rotation: a new key file. The new key goes into the free slot; the old key still signs in.
    rotated, key2 = step(second_key)
    assert rotated["changed"] is True
    assert rotated["queries"] == ["ALTER USER \"PROFILES_TEST_USER\" SET RSA_PUBLIC_KEY_2 = '%s'"
                                  % rotated["principal_key"]["public_key"]], rotated
    assert key2 != key1
    assert login_with(sf, key1) == "PROFILES_TEST_USER"    # analysts not switched yet keep working
    assert login_with(sf, key2) == "PROFILES_TEST_USER"

    # The next run clears the old slot: the old key is refused, the new one signs in.
    cleared, dummy = step(second_key)
    assert cleared["queries"] == ['ALTER USER "PROFILES_TEST_USER" UNSET RSA_PUBLIC_KEY'], cleared
    assert sf.users["PROFILES_TEST_USER"]["rsa_public_key"] is None
    assert "JWT token is invalid" in login_with(sf, key1)
    assert login_with(sf, key2) == "PROFILES_TEST_USER"
    settled = ansible.module("profiles_grants", key_args(sf, second_key), extra_env=ENV)
    assert settled["changed"] is False, settled
    assert [s for s in sf.statements if s.startswith("DESC USER")]   # slots read with DESC USER


def test_password_user_migrates_to_key_pair_and_legacy_password_warns(ansible, sf, tmp_path):
    legacy = run(ansible, sf)
    assert not legacy.get("failed")
    assert any("snowflake_principal_auth password" in w for w in legacy.get("warnings", [])), legacy
    assert sf.users["PROFILES_TEST_USER"]["password"] == PASSWORD
    # (key_pair with a password given is refused naming the option: test_grants_snowflake_keys.py)
    migrated = ansible.module("profiles_grants", key_args(sf, tmp_path / "k.p8"), extra_env=ENV)
    assert not migrated.get("failed") and not migrated.get("warnings"), migrated
    assert migrated["queries"][1:] == ['ALTER USER "PROFILES_TEST_USER" UNSET PASSWORD',
                                       'ALTER USER "PROFILES_TEST_USER" SET TYPE = SERVICE']
    user = sf.users["PROFILES_TEST_USER"]
    assert (user["type"], user["password"]) == ("SERVICE", None) and user["rsa_public_key"]
    assert login_with(sf, (tmp_path / "k.p8").read_text()) == "PROFILES_TEST_USER"
    # A SERVICE user cannot sign in with the old password any more (the model, as Snowflake).
    import snowflake.connector
    with pytest.raises(snowflake.connector.Error):
        snowflake.connector.connect(account="testaccount", user="PROFILES_TEST_USER", password=PASSWORD,
                                    host="127.0.0.1", port=sf.port, protocol="http", login_timeout=5)
    # Check mode with a key file that does not exist yet: planned, never written.
    planned = ansible.module("profiles_grants", key_args(sf, tmp_path / "new" / "k.p8", principal="another_user"),
                             check=True, extra_env=ENV)
    assert planned["changed"] is True and 'CREATE USER IF NOT EXISTS "ANOTHER_USER" TYPE = SERVICE' in planned["queries"][0]
    assert not (tmp_path / "new").exists() and "ANOTHER_USER" not in sf.users


def pb_keypair_siteconfig(connection, target, values, private_key, passphrase, path, home):
    """What `pb init connection` writes for a Snowflake key pair: the recorded file
    tests/unit/fixtures/pb-siteconfig/03_snowflake_keypair_encrypted.yaml with this test's answers
    in place of the recording's (the layout, key order and key block are pb's)."""
    import os
    import re
    fixture = os.path.join(os.path.dirname(__file__), "..", "..", "unit", "fixtures", "pb-siteconfig",
                           "03_snowflake_keypair_encrypted.yaml")
    with open(fixture) as handle:
        text = handle.read()
    key_block = "".join(" " * 20 + line + "\n" for line in private_key.rstrip("\n").split("\n"))
    text = re.sub(r"(privateKey: \|\n)(?: {20}.*\n)+", lambda m: m.group(1) + key_block, text)
    for old, new in [("    sfkpe:\n        target: prod\n", "    %s:\n        target: %s\n" % (connection, target)),
                     ("            prod:\n", "            %s:\n" % target),
                     ("account: acct-kp", "account: " + values["account"]), ("dbname: DB", "dbname: " + values["dbname"]),
                     ("outputSchema: OUT_SCH", "outputSchema: " + values["schema"]),
                     ("privateKeyPassphrase: keypass", "privateKeyPassphrase: " + passphrase),
                     ("role: ROLE_KP", "role: " + values["role"]), ("schema: SCH", "schema: " + values["schema"]),
                     ("user: USR", "user: " + values["user"]), ("warehouse: WH", "warehouse: " + values["warehouse"]),
                     ("cache_dir: /home/analyst/.pb/WhtCache", "cache_dir: %s/.pb/WhtCache" % home),
                     ("filepath: /home/analyst/.pb/siteconfig.yaml", "filepath: " + path)]:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_onboard_roles_give_each_analyst_a_key_of_their_own(ansible, sf, tmp_path):
    """warehouse_grants then profiles_connection, as onboard.yml runs them, for two analysts
    with principals of their own (profiles_warehouse_principal): each gets a key-pair service
    user and a key generated on the controller, and each siteconfig holds that analyst's key,
    byte for byte what `pb init connection` writes for a key pair, which pb loads and with which
    the connector signs in as that analyst."""
    import os
    import sys
    home = os.path.expanduser("~")
    analysts = [{"name": "pb_ana", "private_key_path": str(tmp_path / "keys" / "pb_ana.p8"),
                 "private_key_passphrase": "ana vault pass", "output_schema": "rs_ana"},
                {"name": "pb_ben", "private_key_path": str(tmp_path / "keys" / "pb_ben.p8"),
                 "private_key_passphrase": "ben vault pass", "output_schema": "rs_ben"}]
    grants = {"name": "grants", "ansible.builtin.include_role": {"name": "rudderstack.profiles.warehouse_grants"},
              "vars": {"warehouse_grants_warehouse": "snowflake", "warehouse_grants_account": "testaccount",
                       "warehouse_grants_login_host": "127.0.0.1", "warehouse_grants_login_port": sf.port,
                       "warehouse_grants_snowflake_protocol": "http", "warehouse_grants_login_user": "admin",
                       "warehouse_grants_login_password": "admin-pw", "warehouse_grants_login_db": "rudder_db",
                       "warehouse_grants_role": "profiles_role", "warehouse_grants_snowflake_warehouse": "rudder_warehouse",
                       "warehouse_grants_principal": "", "warehouse_grants_analyst_principals": analysts,
                       "warehouse_grants_input_schemas": [{"name": "eventsschema"}]}}
    shared = {"account": "testaccount", "snowflake_warehouse": "RUDDER_WAREHOUSE", "dbname": "RUDDER_DB",
              "role": "PROFILES_ROLE", "user": "rudderstack_admin", "password": "shared-legacy-pw"}
    tasks = [grants] + [
        {"name": "connection " + a["name"], "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_connection"},
         "vars": {"profiles_connection_python": sys.executable, "profiles_connection_name": "sf_prod",
                  # What the profiles_cli role found in this Python (onboard.yml): PyYAML is there,
                  # so the role skips its pip run.
                  "profiles_cli_facts": {"venv_python": sys.executable, "packages": {"PyYAML": yaml.__version__}},
                  "profiles_connection_warehouse": "snowflake", "profiles_connection_settings": shared,
                  "profiles_connection_principal": dict(a, name=a["name"].upper(), output_schema=a["output_schema"].upper()),
                  "profiles_connection_siteconfig_path": str(tmp_path / ("site-%s.yaml" % a["name"]))}}
        for a in analysts]
    ansible.playbook(tasks, gather_facts=True, extra_env=ENV)
    assert ansible.last_stats["failures"] == 0, ansible.last_task_names
    keys = set()
    for a in analysts:
        user = sf.users[a["name"].upper()]
        assert user["type"] == "SERVICE" and user["password"] is None
        path = str(tmp_path / ("site-%s.yaml" % a["name"]))
        with open(a["private_key_path"]) as handle:
            private = handle.read()
        keys.add(private)
        values = dict(shared, user=a["name"].upper(), schema=a["output_schema"].upper(), warehouse="RUDDER_WAREHOUSE")
        with open(path) as handle:
            assert handle.read() == pb_keypair_siteconfig("sf_prod", "dev", values, private,
                                                          a["private_key_passphrase"], path, home)
        from cryptography.hazmat.primitives import serialization
        import snowflake.connector
        key = serialization.load_pem_private_key(private.encode(), password=a["private_key_passphrase"].encode())
        conn = snowflake.connector.connect(account="testaccount", user=a["name"].upper(), private_key=key,
                                           host="127.0.0.1", port=sf.port, protocol="http", login_timeout=5,
                                           enable_server_session_keep_alive_auto_detection=False)
        cur = conn.cursor()
        cur.execute("SELECT CURRENT_USER(), CURRENT_ROLE()")
        assert cur.fetchall() == [(a["name"].upper(), "PROFILES_ROLE")]
        conn.close()
        rc, out = pb_loads(path, tmp_path / a["name"], "sf_prod")
        assert rc == 0, out
    assert len(keys) == 2                          # a key of their own each
    ansible.playbook(tasks, gather_facts=True, extra_env=ENV)
    assert ansible.last_stats["failures"] == 0 and ansible.last_stats["changed"] == 0, ansible.last_task_names
