"""The warehouse-neutral model and planner, and the PostgreSQL renderer, without a server."""
import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model as grants
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import Grant
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.postgres import PostgresAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.registry import ADAPTERS


class OfflinePostgres(PostgresAdapter):
    """No server here: libpq's SCRAM verifier needs a connection, so a stand-in value marks
    where the verifier goes (the integration tests check the real one on the server)."""

    def password_verifier(self, desired):
        return "SCRAM-SHA-256$verifier-of:" + desired.principal


PG = OfflinePostgres()


def current(tables=(), owner="admin", **grants_by_kind):
    cur = grants.Current("admin", "wh", principal_exists=True, server_version=150000)
    cur.schemas = {"ev": "admin", "out": owner}
    cur.tables = {"ev": {t: "admin" for t in tables}, "out": {}}
    cur.grants = set(grants_by_kind.get("held", ()))
    return cur


def desired(**params):
    base = dict(principal="p", input_schemas=[{"name": "ev"}], database_privileges=[], languages=[])
    base.update(params)
    return grants.build_desired(base, PG)


def plan(d, c):
    return grants.plan_grants(d, c, PG)


def texts(statements):
    return [s.text for s in statements]


def test_registry_names_the_supported_warehouses():
    assert {"postgres", "redshift", "snowflake", "bigquery", "databricks"} <= set(ADAPTERS)


def test_all_tables_are_granted_with_one_statement_per_schema():
    c = current(tables=["t%d" % i for i in range(500)])
    d = desired()
    p = plan(d, c)
    assert len(p.to_grant) == 500 + 1 + 1  # tables, USAGE, default privilege
    assert texts(PG.render(p, d, c)) == [
        'GRANT USAGE ON SCHEMA "ev" TO "p"',
        'GRANT SELECT ON ALL TABLES IN SCHEMA "ev" TO "p"',
        'ALTER DEFAULT PRIVILEGES FOR USER "admin" IN SCHEMA "ev" GRANT SELECT ON TABLES TO "p"']


def test_listed_tables_are_named_and_only_missing_ones_granted():
    c = current(tables=["a", "b", "c"], held=[Grant("table", ("ev", "a"), "SELECT")])
    d = desired(input_schemas=[{"name": "ev", "tables": ["a", "b"], "privileges": ["select", "insert"]}])
    p = plan(d, c)
    assert texts(PG.render(p, d, c)) == [
        'GRANT USAGE ON SCHEMA "ev" TO "p"',
        'GRANT INSERT ON TABLE "ev"."a" TO "p"',
        'GRANT INSERT, SELECT ON TABLE "ev"."b" TO "p"']


def test_converged_state_plans_nothing():
    c = current(tables=["a"], held=[Grant("schema", ("ev",), "USAGE"), Grant("table", ("ev", "a"), "SELECT"),
                                    Grant("default", ("admin", "ev"), "SELECT")])
    p = plan(desired(), c)
    assert not p.changed and len(p.unchanged) == 3


def test_append_never_revokes_exclusive_revokes_extras_absent_revokes_managed():
    held = [Grant("schema", ("ev",), "USAGE"), Grant("schema", ("ev",), "CREATE"),
            Grant("table", ("ev", "a"), "SELECT"), Grant("table", ("ev", "a"), "DELETE"),
            Grant("default", ("admin", "ev"), "SELECT")]
    assert plan(desired(), current(["a"], held=held)).to_revoke == []
    p = plan(desired(mode="exclusive"), current(["a"], held=held))
    assert [PG.describe(g) for g in p.to_revoke] == ['CREATE ON SCHEMA "ev"', 'DELETE ON TABLE "ev"."a"']
    assert texts(PG.render(p, desired(mode="exclusive"), current(["a"], held=held))) == [
        'REVOKE CREATE ON SCHEMA "ev" FROM "p"', 'REVOKE DELETE ON TABLE "ev"."a" FROM "p"']
    p = plan(desired(state="absent"), current(["a"], held=held))
    assert [PG.describe(g) for g in p.to_revoke] == [
        'USAGE ON SCHEMA "ev"', 'SELECT ON TABLE "ev"."a"', 'SELECT ON FUTURE TABLES OF "admin" IN SCHEMA "ev"']
    assert not p.create_principal and not p.create_schemas


def test_objects_the_principal_owns_are_neither_granted_nor_revoked():
    c = current(tables=["a"], held=[Grant("schema", ("out",), "USAGE")], owner="p")
    c.tables["ev"]["mine"] = "p"
    c.grants.add(Grant("table", ("ev", "mine"), "TRUNCATE"))
    d = desired(mode="exclusive", output_schema={"name": "out"})
    p = plan(d, c)
    assert not any(g.target in (("out",), ("ev", "mine")) for g in p.to_grant + p.to_revoke)


def test_new_schema_owned_by_principal_needs_no_grants():
    c = current()
    del c.schemas["out"]
    d = desired(output_schema={"name": "out", "owned_by_principal": True}, input_schemas=[])
    p = plan(d, c)
    statements = texts(PG.render(p, d, c))
    assert statements[0] == 'CREATE SCHEMA "out" AUTHORIZATION "p"'
    assert not any("ON SCHEMA" in s for s in statements)
    assert statements[1].startswith('ALTER DEFAULT PRIVILEGES FOR USER "admin" IN SCHEMA "out" GRANT DELETE, '
                                    'INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLES')


def test_all_expands_per_server_version():
    assert "MAINTAIN" not in PG.all_privileges("table")
    pg17 = PostgresAdapter()
    pg17._server_version = 170002
    assert "MAINTAIN" in pg17.all_privileges("table")


def test_passwords_are_parameters_and_masked():
    d = desired(principal_password="it's 100%")
    d_exists = plan(d, current())
    assert not d_exists.create_principal
    c = current()
    c.principal_exists = False
    statement = PG.render(plan(d, c), d, c)[0]
    assert statement.text == "CREATE ROLE \"p\" WITH LOGIN PASSWORD '********'"
    # The statement carries the verifier, never the cleartext.
    assert statement.template == 'CREATE ROLE "p" WITH LOGIN PASSWORD %s'
    assert statement.params == ("SCRAM-SHA-256$verifier-of:p",)
    weird = desired(principal="50%_off", principal_password="x", update_password="always")
    assert PG.set_password(weird).template == 'ALTER ROLE "50%%_off" WITH PASSWORD %s'
    assert PG.set_password(weird).params == ("SCRAM-SHA-256$verifier-of:50%_off",)
    diff = grants.diff_result(d, plan(d, c), False, PG.describe, PG.KIND_ORDER)
    assert "it's" not in str(diff) and "absent" in diff["before"]


def test_statements_without_parameters_keep_percent_signs():
    c = current(tables=["100%"])
    d = desired(input_schemas=[{"name": "ev", "tables": ["100%"]}])
    statement = PG.render(plan(d, c), d, c)[-1]
    assert statement.template == 'GRANT SELECT ON TABLE "ev"."100%" TO "p"' and statement.params is None


@pytest.mark.parametrize("params, message", [
    ({"principal": "x" * 64}, "principal: 'xxx"),
    ({"principal": ""}, "principal: a name must not be empty"),
    ({"input_schemas": [{"name": "ev", "tables": ["a\x00"]}]}, "input_schemas[0].tables[0]"),
    ({"input_schemas": [{"name": "ev", "privileges": ["SELECT, DROP"]}]}, "input_schemas[0].privileges: unknown"),
    ({"input_schemas": [{"name": "ev", "tables": ["a"], "future_tables": True}]}, "future_tables: applies only"),
    ({"database_privileges": ["USAGE"]}, "database_privileges: unknown privilege 'USAGE'; accepted: ALL, CONNECT"),
    ({"principal_type": "role", "principal_password": "x"}, "principal_password: only"),
    ({"principal": "pg_monitor"}, "principal: 'pg_monitor' is reserved"),
    ({"principal": "PUBLIC"}, "principal: 'PUBLIC' is reserved"),
    ({"output_schema": {"name": "pg_temp"}}, "output_schema.name: schema names starting with pg_"),
])
def test_bad_options_name_the_option(params, message):
    with pytest.raises(grants.GrantsError) as err:
        desired(**params)
    assert message in str(err.value)


def test_missing_objects_fail_before_any_write():
    c = current(tables=["a"])
    with pytest.raises(grants.GrantsError, match=r'input_schemas\[1\].name: schema "nope" does not exist'):
        PG.check_objects(desired(input_schemas=[{"name": "ev"}, {"name": "nope"}]), c)
    with pytest.raises(grants.GrantsError, match=r'table "ev"."b" does not exist'):
        PG.check_objects(desired(input_schemas=[{"name": "ev", "tables": ["b"]}]), c)
    with pytest.raises(grants.GrantsError, match="future_tables_owners"):
        PG.check_objects(desired(future_tables_owners=["loader"]), c)


def test_empty_privilege_lists_mean_none():
    d = desired(input_schemas=[{"name": "ev", "privileges": [], "schema_privileges": []}])
    assert d.schema_privileges == {"ev": set()} and d.table_rules == [] and d.default_privileges == {}
    c = current(tables=["a"])
    assert plan(d, c).to_grant == []


def test_percent_and_quotes_in_every_name_position():
    name = 'a%s"b%'
    c = current(tables=[name])
    c.schemas[name] = "admin"
    c.tables[name] = {name: "admin"}
    c.principal_exists = False
    d = grants.build_desired(dict(principal=name, principal_password="x", database_privileges=["CONNECT"],
                                  input_schemas=[{"name": name, "tables": [name]}, {"name": "ev"}],
                                  future_tables_owners=[name], languages=[]), PG)
    quoted = '"a%s""b%"'
    assert texts(PG.render(plan(d, c), d, c)) == [
        "CREATE ROLE %s WITH LOGIN PASSWORD '********'" % quoted,
        'GRANT CONNECT ON DATABASE "wh" TO %s' % quoted,
        'GRANT USAGE ON SCHEMA %s TO %s' % (quoted, quoted),
        'GRANT USAGE ON SCHEMA "ev" TO %s' % quoted,
        'GRANT SELECT ON ALL TABLES IN SCHEMA "ev" TO %s' % quoted,
        'GRANT SELECT ON TABLE %s.%s TO %s' % (quoted, quoted, quoted),
    ]  # no default privileges: the only future-table owner is the principal itself


@pytest.mark.parametrize("matches, update, expected", [
    (True, "always", False),    # the password already works: nothing to set (rerun after rotation)
    (False, "always", True),    # refused: rotate it
    (None, "always", True),     # the warehouse cannot tell: set it every run
    (False, "on_create", False),
])
def test_password_is_set_only_when_it_does_not_already_work(matches, update, expected):
    c = current()
    c.password_matches = matches
    d = desired(principal_password="new-Pw", update_password=update)
    assert plan(d, c).set_password is expected


class _ProbingAdapter(PostgresAdapter):
    """The flow of model.run without a server: read_current is canned, the probe is recorded."""

    def __init__(self, answer):
        PostgresAdapter.__init__(self)
        self.answer, self.probed = answer, []

    def read_current(self, desired):
        return current()

    def password_matches(self, desired):
        self.probed.append(desired.password)
        return self.answer

    def password_verifier(self, desired):
        return "SCRAM-SHA-256$4096:c2FsdA==$stored:server"  # libpq computes it only with a connection

    def discard(self):
        pass


def test_run_probes_the_password_only_when_it_may_be_set():
    adapter = _ProbingAdapter(True)
    base = dict(principal="p", input_schemas=[], database_privileges=[], languages=[])

    def run(**params):
        return grants.run(adapter, grants.build_desired(dict(base, **params), adapter), check_mode=True)
    assert run(principal_password="pw")["plan"]["set_password"] is False
    assert adapter.probed == []   # on_create: never probed
    result = run(principal_password="pw", update_password="always")
    assert adapter.probed == ["pw"] and result["plan"]["set_password"] is False and result["queries"] == []
    adapter.answer = False
    result = run(principal_password="pw2", update_password="always")
    assert result["queries"] == ['ALTER ROLE "p" WITH PASSWORD \'********\'']


def test_only_a_refused_password_counts_as_a_mismatch():
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.libpq import password_refused
    assert password_refused('connection to server at "127.0.0.2", port 5432 failed: FATAL:  '
                            'password authentication failed for user "pb_ana"')
    assert not password_refused('FATAL:  permission denied for database "analytics"')
    assert not password_refused('FATAL:  no pg_hba.conf entry for host "10.0.0.5", user "pb_ana"')
    assert not password_refused("timeout expired")


def test_execute_builds_the_desired_state_once(monkeypatch):
    """registry.execute validates the options into a Desired once, before connecting, and
    model.run plans from that same Desired."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    built = []

    def build_desired(params, adapter):
        built.append(grants.build_desired(params, adapter))
        return built[-1]

    class Offline(_ProbingAdapter):
        def __init__(self, params=None):
            _ProbingAdapter.__init__(self, True)
            self.params = params

        def connect(self):
            assert len(built) == 1   # every option checked before anything is sent

        def read_current(self, desired):
            assert desired is built[0]
            return current()

    monkeypatch.setattr(registry, "build_desired", build_desired)
    monkeypatch.setattr(registry, "ADAPTERS", {"postgres": Offline})
    result = registry.execute({"warehouse": "postgres", "principal": "p", "input_schemas": [{"name": "ev"}],
                               "database_privileges": [], "languages": []}, check_mode=True)
    assert len(built) == 1 and result["queries"] == [
        'GRANT USAGE ON SCHEMA "ev" TO "p"',
        'ALTER DEFAULT PRIVILEGES FOR USER "admin" IN SCHEMA "ev" GRANT SELECT ON TABLES TO "p"']


def test_the_adapters_defaults_live_in_the_adapter():
    """model.py is the warehouse-neutral data and planner: the hooks' defaults are Adapter's
    methods, which call nothing back in model.py."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import adapter
    for name in ("validate_identifier", "normalise_privileges", "describe", "check_objects", "future_targets",
                 "PRIVILEGE_ALIASES", "KIND_ORDER"):
        assert not hasattr(grants, name), name
        assert hasattr(adapter.Adapter, name) or hasattr(adapter, name), name
