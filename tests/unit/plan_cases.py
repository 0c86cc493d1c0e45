"""Golden cases of profiles_grants: module options and a warehouse's current state -> the plan,
the statements and the diff, for the five warehouses, computed offline (no server, no API).

Each case is the options profiles_grants receives (``params``) and a function building the
model.Current that the warehouse's adapter's read_current would return (and the state
read_current keeps on the adapter itself: PostgreSQL's server version, Snowflake's views and
privileges unknown to ALL). ``compute`` runs the flow of model.run without reading or writing.

tests/unit/fixtures/plans/golden_plans.json holds what the code produced when it was recorded;
tests/unit/test_plans_unchanged.py compares. Re-record only when a plan change is intended:

    python -m tests.unit.plan_cases --record
"""
import copy
import json
import os
import sys
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "fixtures", "plans", "golden_plans.json")

from devtools.collection_path import make_importable  # noqa: E402  (as tests/conftest.py does)

make_importable()

# ---- collection code: every import of it is here (a move of plugins/module_utils/grants/ edits only this block)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (  # noqa: E402
    Current, Grant, build_desired, diff_result, plan_grants, plan_result)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.postgres import PostgresAdapter  # noqa: E402
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.redshift import RedshiftAdapter  # noqa: E402
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.snowflake import SnowflakeAdapter  # noqa: E402
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.bigquery import BigQueryAdapter  # noqa: E402
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.databricks import DatabricksAdapter  # noqa: E402


def check_objects(desired, current, adapter):
    """model.check_objects when the cases were recorded; the adapter's hook (its default in adapter.py) since."""
    adapter.check_objects(desired, current)


# ---- end of the collection imports

G = Grant
Case = namedtuple("Case", "id params current")   # current(adapter) -> Current


# -- offline adapters: what connect() would have set, and no method that needs a connection ------
class OfflinePostgres(PostgresAdapter):
    def password_verifier(self, desired):
        # libpq computes the SCRAM verifier only with a connection: a stand-in marks its place.
        return "SCRAM-SHA-256$verifier-of:" + desired.principal


class OfflineSnowflake(SnowflakeAdapter):
    def __init__(self, params=None):
        SnowflakeAdapter.__init__(self, params=params)
        self.login_role, self.database = "SECURITYADMIN", "RUDDER_DB"


class OfflineBigQuery(BigQueryAdapter):
    def __init__(self, params=None):
        BigQueryAdapter.__init__(self, params=params)
        self.project, self.login = "my-gcp-project", "admin-sa@my-gcp-project.iam.gserviceaccount.com"


class OfflineDatabricks(DatabricksAdapter):
    def __init__(self, params=None):
        DatabricksAdapter.__init__(self, params=params)
        self.login_user = "admin@example.com"


ADAPTERS = {"postgres": OfflinePostgres, "redshift": RedshiftAdapter, "snowflake": OfflineSnowflake,
            "bigquery": OfflineBigQuery, "databricks": OfflineDatabricks}
WAREHOUSES = tuple(ADAPTERS)


# -- current state, per warehouse, in the shapes read_current produces ----------------------------
def sql_current(adapter, login="admin", exists=True, schemas=None, tables=None, grants=(), roles=(),
                languages=(), can_login=None, server_version=0, password_matches=None):
    """PostgreSQL / Redshift: schemas name -> owner, tables schema -> {table: owner} (every
    schema read has an entry), grants only while the principal exists."""
    current = Current(login, "analytics", principal_exists=exists, server_version=server_version)
    if server_version:
        adapter._server_version = server_version   # PostgresAdapter.read_current keeps it (ALL per version)
    current.principal_can_login = can_login
    current.password_matches = password_matches
    current.schemas = dict(schemas or {})
    current.tables = dict((name, dict((tables or {}).get(name, {}))) for name in current.schemas)
    current.roles, current.languages = set(roles), set(languages)
    current.grants = set(grants) if exists else set()
    return current


SF_ROLE, SF_USER = "PROFILES_ROLE", "PROFILES_TEST_USER"


def sf_current(adapter, role_exists=True, user=None, principal_type="user", warehouses=("RUDDER_WH",),
               schemas=None, tables=None, views=(), role_users=(), grants=(), owned=(), unknown_held=None):
    """Snowflake: objects owned by the managed role are owned by the principal (read_current's
    _owner); OWNERSHIP rows become ``owners``; grants and users of the role only when it exists."""
    current = Current("SECURITYADMIN", "RUDDER_DB")
    current.extra["role_exists"] = role_exists
    if principal_type == "user":
        current.principal_exists = user is not None
        current.extra["user"] = user
    else:
        current.principal_exists = role_exists
    current.extra["warehouses"] = set(warehouses)
    current.schemas = dict(schemas or {})
    current.tables = dict((name, dict((tables or {}).get(name, {}))) for name in current.schemas)
    adapter.views.update(views)
    if role_exists:
        if principal_type == "user":
            current.extra["role_users"] = set(role_users)
        current.grants = set(grants)
        for kind, target in owned:
            current.owners[(kind, target)] = SF_USER if principal_type == "user" else SF_ROLE
        adapter.unknown_held.update(unknown_held or {})
    return current


def bq_current(adapter, datasets=(), grants=()):
    """BigQuery: the principal always "exists" (never created); datasets have no owner."""
    current = Current(adapter.login, adapter.project, principal_exists=True)
    for name in datasets:
        current.schemas[name] = None
        current.tables[name] = {}
    current.grants = set(grants)
    return current


def db_current(adapter, catalog_owner="admin@example.com", schemas=None, tables=None, grants=()):
    """Databricks: the catalog's owner, schemas name -> owner, tables only of schemas whose
    tables are listed in the options."""
    current = Current("admin@example.com", "main", principal_exists=True)
    current.owners[("catalog", ("main",))] = catalog_owner
    current.schemas = dict(schemas or {})
    current.tables = dict((name, dict((tables or {}).get(name, {}))) for name in current.schemas)
    current.grants = set(grants)
    return current


# -- the cases ------------------------------------------------------------------------------------
EV, ODD = "events", 'odd "name" 100%'
PG_TABLES = {EV: {"tracks": "admin", "identifies": "admin"}, "web": {"pages": "admin"}}

POSTGRES = [
    Case("postgres-fresh-user-output-and-input-schemas",
         {"warehouse": "postgres", "principal": "pb_user", "principal_password": "pw-postgres",
          "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": EV}, "web"]},
         lambda a: sql_current(a, exists=False, schemas={EV: "admin", "web": "admin"}, tables=PG_TABLES,
                               server_version=150000)),
    Case("postgres-all-tables-partial-grants-future-owners",
         {"warehouse": "postgres", "principal": "pb_user",
          "input_schemas": [{"name": EV, "privileges": ["select", "UPDATE"], "schema_privileges": ["usage"]}],
          "output_schema": {"name": "rs_profiles", "create": False},
          "future_tables_owners": ["loader", "etl"]},
         lambda a: sql_current(
             a, can_login=True, server_version=150000, roles=["loader", "etl"],
             schemas={EV: "admin", "rs_profiles": "pb_user"},
             tables={EV: {"tracks": "admin", "identifies": "admin"}, "rs_profiles": {"out1": "pb_user"}},
             grants=[G("database", ("analytics",), "CONNECT"), G("schema", (EV,), "USAGE"),
                     G("table", (EV, "tracks"), "SELECT"), G("table", (EV, "identifies"), "SELECT"),
                     G("table", (EV, "identifies"), "UPDATE"), G("default", ("loader", EV), "SELECT")])),
    Case("postgres-listed-tables-odd-names",
         {"warehouse": "postgres", "principal": "pb_user", "database_privileges": ["connect"], "languages": [],
          "input_schemas": [{"name": EV, "tables": ["tracks", ODD], "privileges": ["select", "insert"]},
                            {"name": "web", "tables": [], "schema_privileges": ["USAGE", "CREATE"]}]},
         lambda a: sql_current(
             a, can_login=True, server_version=150000, schemas={EV: "admin", "web": "admin"},
             tables={EV: {"tracks": "admin", ODD: "admin", "identifies": "admin"}, "web": {"pages": "admin"}},
             grants=[G("database", ("analytics",), "CONNECT"), G("table", (EV, "tracks"), "SELECT")])),
    Case("postgres-exclusive-revokes-extras",
         {"warehouse": "postgres", "principal": "pb_user", "mode": "exclusive",
          "output_schema": {"name": "rs_profiles"}, "input_schemas": [EV]},
         lambda a: sql_current(
             a, can_login=True, server_version=150000, schemas={EV: "admin", "rs_profiles": "admin"},
             tables={EV: {"tracks": "admin", "identifies": "admin", "mine": "pb_user"}, "rs_profiles": {"out1": "admin"}},
             grants=[G("database", ("analytics",), "CONNECT"), G("database", ("analytics",), "CREATE"),
                     G("schema", (EV,), "USAGE"), G("schema", (EV,), "CREATE"),
                     G("schema", ("rs_profiles",), "USAGE"),
                     G("table", (EV, "tracks"), "SELECT"), G("table", (EV, "tracks"), "DELETE"),
                     G("table", (EV, "identifies"), "SELECT"), G("table", (EV, "mine"), "TRUNCATE"),
                     G("table", ("rs_profiles", "out1"), "SELECT"), G("table", ("rs_profiles", "out1"), "INSERT"),
                     G("default", ("admin", EV), "SELECT"), G("default", ("admin", EV), "INSERT")])),
    Case("postgres-role-state-absent",
         {"warehouse": "postgres", "principal": "pb_role", "principal_type": "role", "state": "absent",
          "output_schema": {"name": "rs_profiles"}, "input_schemas": [EV]},
         lambda a: sql_current(
             a, server_version=150000, schemas={EV: "admin", "rs_profiles": "admin"},
             tables={EV: {"tracks": "admin", "mine": "pb_role"}},
             grants=[G("database", ("analytics",), "CONNECT"), G("schema", (EV,), "USAGE"),
                     G("schema", (EV,), "CREATE"), G("schema", ("rs_profiles",), "USAGE"),
                     G("table", (EV, "tracks"), "SELECT"), G("table", (EV, "mine"), "SELECT"),
                     G("default", ("admin", EV), "SELECT")])),
    Case("postgres17-set-login-password-languages-owned-schema",
         {"warehouse": "postgres", "principal": "pb_user", "principal_password": "new-pw",
          "update_password": "always", "languages": ["plpgsql", "plpython3u"],
          "output_schema": {"name": "rs_profiles", "owned_by_principal": True}, "input_schemas": [EV]},
         lambda a: sql_current(
             a, can_login=False, password_matches=False, server_version=170002,
             schemas={EV: "admin"}, tables={EV: {"tracks": "admin"}}, languages=["plpgsql", "plpython3u"],
             grants=[G("language", ("plpgsql",), "USAGE"), G("schema", (EV,), "USAGE")])),
]

RS_TABLES = {"public": {"orders": "admin", "users": "admin"}, "test_schema1": {"events": "u1"}}

REDSHIFT = [
    Case("redshift-fresh-user-setup-guide",
         {"warehouse": "redshift", "principal": "rudderstack_admin", "principal_password": "pw'%s",
          "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "public"}]},
         lambda a: sql_current(a, exists=False, schemas={"public": "admin"}, tables=RS_TABLES,
                               languages=["plpythonu"])),
    Case("redshift-role-all-tables-partial-future-owners",
         {"warehouse": "redshift", "principal": "profiles_role", "principal_type": "role",
          "database_privileges": ["temp"], "future_tables_owners": ["u1", "etl"],
          "input_schemas": [{"name": "public", "privileges": ["SELECT", "UPDATE"]}, {"name": "test_schema1"}]},
         lambda a: sql_current(
             a, schemas={"public": "admin", "test_schema1": "u1"}, tables=RS_TABLES, roles=["u1", "etl"],
             languages=["plpythonu"],
             grants=[G("schema", ("public",), "USAGE"), G("table", ("public", "orders"), "SELECT"),
                     G("default", ("u1", "public"), "SELECT"), G("default", ("u1", "public"), "UPDATE"),
                     G("language", ("plpythonu",), "USAGE")])),
    Case("redshift-listed-tables-user-without-password",
         {"warehouse": "redshift", "principal": "pb_reader", "languages": [],
          "database_privileges": ["create", "temporary"],
          "input_schemas": [{"name": "public", "tables": ["orders", "users"]}]},
         lambda a: sql_current(a, exists=False, schemas={"public": "admin"}, tables=RS_TABLES)),
    Case("redshift-exclusive-password-always-owned-output",
         {"warehouse": "redshift", "principal": "pb_user", "principal_password": "new-pw",
          "update_password": "always", "mode": "exclusive",
          "output_schema": {"name": "rs_profiles", "owned_by_principal": True}, "input_schemas": ["public"]},
         lambda a: sql_current(
             a, password_matches=None, schemas={"public": "admin", "rs_profiles": "pb_user"},
             tables={"public": {"orders": "admin"}, "rs_profiles": {"out1": "pb_user"}}, languages=["plpythonu"],
             grants=[G("schema", ("public",), "USAGE"), G("schema", ("public",), "ALTER"),
                     G("table", ("public", "orders"), "SELECT"), G("table", ("public", "orders"), "DROP"),
                     G("default", ("admin", "public"), "SELECT"), G("default", ("u1", "public"), "UPDATE"),
                     G("language", ("plpythonu",), "USAGE")])),
    Case("redshift-user-state-absent",
         {"warehouse": "redshift", "principal": "pb_user", "state": "absent",
          "output_schema": {"name": "rs_profiles"}, "input_schemas": ["public"]},
         lambda a: sql_current(
             a, schemas={"public": "admin", "rs_profiles": "admin"}, tables=RS_TABLES, languages=["plpythonu"],
             grants=[G("schema", ("public",), "USAGE"), G("schema", ("rs_profiles",), "CREATE"),
                     G("table", ("public", "orders"), "SELECT"), G("table", ("public", "orders"), "INSERT"),
                     G("default", ("admin", "public"), "SELECT"), G("language", ("plpythonu",), "USAGE")])),
]

SF_EV = "EVENTSSCHEMA"
SF_TABLES = {SF_EV: {"TRACKS": "SYSADMIN", "IDENTIFIES": "SYSADMIN", "Pages": "SYSADMIN"}}
SF_VIEWS = [(SF_EV, "Pages")]
SF_BASE = {"warehouse": "snowflake", "principal": "profiles_test_user", "snowflake_role": "profiles_role"}

SNOWFLAKE = [
    Case("snowflake-fresh-user-role-warehouse",
         dict(SF_BASE, principal_password="pw-snowflake", snowflake_warehouse="rudder_wh",
              output_schema={"name": "rs_profiles"}, input_schemas=[{"name": "eventsschema"}]),
         lambda a: sf_current(a, role_exists=False, schemas={SF_EV: "SYSADMIN"}, tables=SF_TABLES, views=SF_VIEWS)),
    Case("snowflake-existing-user-partial-all-privileges",
         dict(SF_BASE, database_privileges=["ALL"], snowflake_warehouse="rudder_wh",
              snowflake_warehouse_privileges=["ALL"], output_schema={"name": "rs_profiles", "create": False},
              input_schemas=["eventsschema"]),
         lambda a: sf_current(
             a, user={"name": SF_USER, "default_role": "PUBLIC"}, role_users=[],
             schemas={SF_EV: "SYSADMIN", "RS_PROFILES": "SECURITYADMIN"}, tables=SF_TABLES, views=SF_VIEWS,
             grants=[G("database", ("RUDDER_DB",), "USAGE"), G("schema", ("RS_PROFILES",), "USAGE"),
                     G("schema", ("RS_PROFILES",), "CREATE TABLE"), G("schema", ("RS_PROFILES",), "CREATE STREAMLIT"),
                     G("schema", (SF_EV,), "USAGE"), G("table", (SF_EV, "TRACKS"), "SELECT"),
                     G("future", (SF_EV, "TABLE"), "SELECT")],
             unknown_held={("schema", ("RS_PROFILES",)): {"CREATE STREAMLIT"}})),
    Case("snowflake-role-listed-tables-and-view-new-owned-schema",
         {"warehouse": "snowflake", "principal": "profiles_role", "principal_type": "role", "database_privileges": [],
          "output_schema": {"name": "rs_profiles", "owned_by_principal": True},
          "input_schemas": [{"name": "eventsschema", "tables": ["tracks", '"Pages"'],
                             "privileges": ["SELECT", "REFERENCES", "INSERT"]}]},
         lambda a: sf_current(a, principal_type="role", schemas={SF_EV: "SYSADMIN"}, tables=SF_TABLES,
                              views=SF_VIEWS, grants=[G("table", (SF_EV, "TRACKS"), "SELECT")])),
    Case("snowflake-exclusive-revokes-owned-table-kept",
         dict(SF_BASE, mode="exclusive", snowflake_warehouse="rudder_wh", input_schemas=["eventsschema"]),
         lambda a: sf_current(
             a, user={"name": SF_USER, "default_role": SF_ROLE}, role_users=[SF_USER],
             schemas={SF_EV: "SYSADMIN"}, views=SF_VIEWS,
             tables={SF_EV: dict(SF_TABLES[SF_EV], MINE=SF_USER)}, owned=[("table", (SF_EV, "MINE"))],
             grants=[G("warehouse", ("RUDDER_WH",), "USAGE"), G("warehouse", ("RUDDER_WH",), "MONITOR"),
                     G("database", ("RUDDER_DB",), "USAGE"), G("database", ("RUDDER_DB",), "MODIFY"),
                     G("schema", (SF_EV,), "USAGE"), G("schema", (SF_EV,), "CREATE TABLE"),
                     G("table", (SF_EV, "TRACKS"), "SELECT"), G("table", (SF_EV, "TRACKS"), "INSERT"),
                     G("table", (SF_EV, "IDENTIFIES"), "SELECT"), G("table", (SF_EV, "Pages"), "SELECT"),
                     G("table", (SF_EV, "MINE"), "SELECT"), G("future", (SF_EV, "TABLE"), "SELECT"),
                     G("future", (SF_EV, "TABLE"), "INSERT"), G("future", (SF_EV, "VIEW"), "SELECT")])),
    Case("snowflake-user-state-absent",
         dict(SF_BASE, state="absent", snowflake_warehouse="rudder_wh", output_schema={"name": "rs_profiles"},
              input_schemas=["eventsschema"]),
         lambda a: sf_current(
             a, user={"name": SF_USER, "default_role": SF_ROLE}, role_users=[SF_USER],
             schemas={SF_EV: "SYSADMIN", "RS_PROFILES": "SECURITYADMIN"}, tables=SF_TABLES, views=SF_VIEWS,
             grants=[G("warehouse", ("RUDDER_WH",), "USAGE"), G("database", ("RUDDER_DB",), "USAGE"),
                     G("schema", ("RS_PROFILES",), "USAGE"), G("schema", ("RS_PROFILES",), "CREATE STREAMLIT"),
                     G("schema", (SF_EV,), "USAGE"), G("table", (SF_EV, "TRACKS"), "SELECT"),
                     G("table", (SF_EV, "Pages"), "SELECT"), G("future", (SF_EV, "VIEW"), "SELECT")],
             unknown_held={("schema", ("RS_PROFILES",)): {"CREATE STREAMLIT"}})),
    Case("snowflake-resume-schema-ownership",
         dict(SF_BASE, output_schema={"name": "rs_profiles", "owned_by_principal": True}),
         lambda a: sf_current(
             a, user={"name": SF_USER, "default_role": SF_ROLE}, role_users=[SF_USER],
             schemas={"RS_PROFILES": "SECURITYADMIN"}, grants=[G("database", ("RUDDER_DB",), "USAGE")])),
]

SA = "pb-sa@my-gcp-project.iam.gserviceaccount.com"
BQ_IN, BQ_OUT = "website_eventstream", "rs_profiles"
BQ_BASE = {"warehouse": "bigquery", "principal": SA, "output_schema": {"name": BQ_OUT}, "input_schemas": [BQ_IN]}

BIGQUERY = [
    Case("bigquery-fresh-setup-guide",
         dict(BQ_BASE, principal="serviceAccount:PB-SA@my-gcp-project.iam.gserviceaccount.com",
              bigquery_location="EU", input_schemas=[{"name": BQ_IN}]),
         lambda a: bq_current(a, datasets=[BQ_IN])),
    Case("bigquery-partial-legacy-roles-cross-project",
         dict(BQ_BASE, database_privileges=["roles/bigquery.jobUser", "ROLES/BIGQUERY.READSESSIONUSER"],
              output_schema={"name": BQ_OUT, "create": False, "privileges": ["WRITER", "roles/bigquery.dataOwner"]},
              input_schemas=[BQ_IN, {"name": "other-project.shared", "privileges": ["READER"]}]),
         lambda a: bq_current(
             a, datasets=[BQ_IN, BQ_OUT, "other-project.shared"],
             grants=[G("database", ("my-gcp-project",), "roles/bigquery.jobUser"),
                     G("schema", (BQ_IN,), "roles/bigquery.dataViewer"),
                     G("schema", (BQ_OUT,), "roles/bigquery.dataEditor")])),
    Case("bigquery-exclusive-revokes",
         dict(BQ_BASE, mode="exclusive"),
         lambda a: bq_current(
             a, datasets=[BQ_IN],
             grants=[G("schema", (BQ_IN,), "roles/bigquery.dataViewer"),
                     G("schema", (BQ_IN,), "roles/bigquery.dataOwner"),
                     G("database", ("my-gcp-project",), "roles/bigquery.admin")])),
    Case("bigquery-project-scope-exclusive",
         dict(BQ_BASE, bigquery_role_scope="project", mode="exclusive"),
         lambda a: bq_current(
             a, datasets=[BQ_IN, BQ_OUT],
             grants=[G("database", ("my-gcp-project",), "roles/bigquery.jobUser"),
                     G("schema", (BQ_IN,), "roles/bigquery.dataViewer")])),
    Case("bigquery-state-absent-custom-project-role",
         dict(BQ_BASE, state="absent",
              database_privileges=["roles/bigquery.jobUser", "projects/my-gcp-project/roles/pbRunner"]),
         lambda a: bq_current(
             a, datasets=[BQ_IN, BQ_OUT],
             grants=[G("database", ("my-gcp-project",), "roles/bigquery.jobUser"),
                     G("database", ("my-gcp-project",), "projects/my-gcp-project/roles/pbRunner"),
                     G("database", ("my-gcp-project",), "roles/bigquery.admin"),
                     G("schema", (BQ_OUT,), "roles/bigquery.dataEditor"),
                     G("schema", (BQ_IN,), "roles/bigquery.dataViewer")])),
]

DB_IN, DB_OUT, DB_ADMIN = "website_eventstream", "rs_profiles", "admin@example.com"
DB_BASE = {"warehouse": "databricks", "databricks_host": "adb-1.azuredatabricks.net", "databricks_token": "dapi-x",
           "databricks_catalog": "main", "principal": "rudderstack@example.com"}
DB_SP = "6c1a4a3e-8d6f-4b7a-9f0e-2b1c3d4e5f60"

DATABRICKS = [
    Case("databricks-fresh-user-setup-guide",
         dict(DB_BASE, output_schema={"name": DB_OUT}, input_schemas=[{"name": DB_IN}]),
         lambda a: db_current(a, schemas={DB_IN: DB_ADMIN})),
    Case("databricks-service-principal-listed-tables-owned-output",
         dict(DB_BASE, principal=DB_SP, principal_type="service_principal",
              output_schema={"name": "RS_Profiles", "owned_by_principal": True},
              input_schemas=[{"name": DB_IN, "tables": ["tracks", "pages"], "privileges": ["select", "MODIFY"]}]),
         lambda a: db_current(
             a, schemas={DB_IN: DB_ADMIN}, tables={DB_IN: {"tracks": DB_ADMIN, "pages": DB_ADMIN, "users": DB_ADMIN}},
             grants=[G("catalog", ("main",), "USE CATALOG"), G("schema", (DB_IN,), "USE SCHEMA"),
                     G("table", (DB_IN, "tracks"), "SELECT")])),
    Case("databricks-exclusive-catalog-privileges",
         dict(DB_BASE, mode="exclusive", database_privileges=["USE CATALOG", "browse"],
              output_schema={"name": DB_OUT}, input_schemas=[DB_IN]),
         lambda a: db_current(
             a, schemas={DB_IN: DB_ADMIN, DB_OUT: DB_ADMIN},
             grants=[G("catalog", ("main",), "USE CATALOG"), G("catalog", ("main",), "CREATE SCHEMA"),
                     G("schema", (DB_OUT,), "ALL PRIVILEGES"), G("schema", (DB_OUT,), "MANAGE"),
                     G("schema", (DB_IN,), "USE SCHEMA"), G("schema", (DB_IN,), "SELECT"),
                     G("schema", (DB_IN,), "MODIFY")])),
    Case("databricks-group-state-absent",
         dict(DB_BASE, principal="data-engineers", principal_type="group", state="absent",
              output_schema={"name": DB_OUT}, input_schemas=[DB_IN]),
         lambda a: db_current(
             a, schemas={DB_IN: DB_ADMIN, DB_OUT: DB_ADMIN},
             grants=[G("catalog", ("main",), "USE CATALOG"), G("schema", (DB_OUT,), "ALL PRIVILEGES"),
                     G("schema", (DB_OUT,), "MANAGE"), G("schema", (DB_IN,), "SELECT")])),
    Case("databricks-catalog-owner-all-privileges-rest-spelling",
         dict(DB_BASE, database_privileges=["ALL_PRIVILEGES"], output_schema={"name": DB_OUT, "create": False},
              input_schemas=[{"name": DB_IN, "schema_privileges": ["use_schema", "EXECUTE"], "privileges": ["SELECT"]}]),
         lambda a: db_current(
             a, catalog_owner="rudderstack@example.com", schemas={DB_IN: DB_ADMIN, DB_OUT: DB_ADMIN},
             grants=[G("schema", (DB_IN,), "USE SCHEMA"), G("schema", (DB_OUT,), "CREATE TABLE")])),
]

CASES = POSTGRES + REDSHIFT + SNOWFLAKE + BIGQUERY + DATABRICKS


# -- computing and recording ----------------------------------------------------------------------
def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def compute(case):
    """What model.run returns for the case (plan, statements, diff) plus the statements'
    parameters, as plain JSON data."""
    params = copy.deepcopy(case.params)
    adapter = ADAPTERS[params["warehouse"]](params=params)
    desired = build_desired(params, adapter)
    current = case.current(adapter)
    check_objects(desired, current, adapter)
    principal_existed = current.principal_exists
    plan = plan_grants(desired, current, adapter)
    statements = adapter.render(plan, desired, current)
    result = {
        "warehouse": params["warehouse"],
        "params": case.params,
        "plan": plan_result(plan, adapter.describe),
        "statements": [s.text for s in statements],
        "statement_params": [_jsonable(s.params) for s in statements],
        "diff": diff_result(desired, plan, principal_existed, adapter.describe, adapter.KIND_ORDER),
    }
    return json.loads(json.dumps(result))   # tuples as lists: what the JSON file reads back


def dumps(data):
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def record(path=GOLDEN):
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps({"cases": dict((case.id, compute(case)) for case in CASES)}))
    return path


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python -m tests.unit.plan_cases --record   (re-records %s)" % os.path.relpath(GOLDEN))
    print("recorded %d cases in %s" % (len(CASES), record()))
