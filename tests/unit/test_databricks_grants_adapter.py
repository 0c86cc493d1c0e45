"""The Databricks adapter's pure parts: REST shapes (fixtures from Databricks' REST reference, see
fixtures/databricks/README.md), privilege spellings, names, desired state, plans, auth choice."""
import json
import os
import sys

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import databricks
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.databricks import DatabricksAdapter
from tests.models import databricks as databricks_model
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, build_desired, plan_grants)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "databricks")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def adapter(**params):
    values = {"catalog": "main", "login_host": "adb-1.azuredatabricks.net",
              "access_token": "dapi-x"}
    values.update(params)
    return DatabricksAdapter(params=values)


def desired_for(a, **params):
    values = {"principal": "rudderstack@example.com", "output_schema": {"name": "rs_profiles"},
              "input_schemas": [{"name": "website_eventstream"}]}
    values.update(params)
    return build_desired(values, a)


def test_held_privileges_reads_every_page_of_the_reference_shape():
    pages = [fixture("permissions_get_page1.json"), fixture("permissions_get_page2.json")]
    assert databricks.held_privileges(pages, "rudderstack@example.com") == {
        "USE SCHEMA", "SELECT", "EXTERNAL USE SCHEMA"}
    assert databricks.held_privileges(pages, "data-engineers") == {"ALL PRIVILEGES", "MANAGE"}
    assert databricks.held_privileges(pages, "6c1a4a3e-8d6f-4b7a-9f0e-2b1c3d4e5f60") == {"ALL PRIVILEGES"}
    assert databricks.held_privileges([{}], "x") == set()
    assert databricks.held_privileges(pages, "RudderStack@Example.com") == set()
    assert databricks.held_privileges(pages, "RudderStack@Example.com", ignore_case=True) == {
        "USE SCHEMA", "SELECT", "EXTERNAL USE SCHEMA"}


def test_permissions_change_has_the_reference_body():
    body = databricks.permissions_change("rudderstack@example.com", {"USE SCHEMA", "SELECT"}, {"MODIFY"})
    assert body == fixture("permissions_update_request.json")
    assert databricks.permissions_change("p", {"ALL PRIVILEGES"}, set()) == {
        "changes": [{"principal": "p", "add": ["ALL_PRIVILEGES"]}]}


@pytest.mark.parametrize("name", databricks.CATALOG_PRIVILEGES + databricks.SCHEMA_PRIVILEGES + ("ALL PRIVILEGES",))
def test_spellings_round_trip_and_match_the_sdk_enum(name):
    rest = databricks.rest_privilege(name)
    assert databricks.sql_privilege(rest) == name
    from databricks.sdk.service.catalog import Privilege
    assert Privilege(rest).value == rest


def test_privileges_in_either_spelling_and_usage_means_use_schema():
    a = adapter()
    d = desired_for(a, input_schemas=[{"name": "website_eventstream", "schema_privileges": ["use_schema"]},
                                      {"name": "other"}],
                    output_schema={"name": "rs_profiles", "privileges": ["ALL_PRIVILEGES"]})
    assert d.schema_privileges == {"rs_profiles": {"ALL"}, "website_eventstream": {"USE SCHEMA", "SELECT"},
                                   "other": {"USE SCHEMA", "SELECT"}}
    assert d.object_privileges == {("catalog", ("main",)): {"USE CATALOG"}}
    assert d.table_rules == [] and d.default_privileges == {} and not d.database_privileges
    with pytest.raises(GrantsError, match=r"output_schema.privileges: unknown privilege 'USE CATALOG'"):
        desired_for(a, output_schema={"name": "rs_profiles", "privileges": ["USE CATALOG"]})
    assert desired_for(a, database_privileges=[]).object_privileges == {}


def test_names_fold_to_lower_case_and_three_level_names_are_refused():
    a = adapter()
    assert a.validate_identifier("RS_Profiles", "output_schema.name") == "rs_profiles"
    assert a.validate_identifier("First.Last@Example.com", "principal") == "First.Last@Example.com"
    for bad, word in (("main.rs", "three-level"), ("a b", "' '"), ("a/b", "'/'"), ("a\x01", "control")):
        with pytest.raises(GrantsError, match="output_schema.name") as err:
            a.validate_identifier(bad, "output_schema.name")
        assert word in str(err.value)
    with pytest.raises(GrantsError, match="^catalog: 'main.x' is not a valid Unity Catalog name"):
        adapter(catalog="main.x").catalog_name()


def test_all_privileges_never_adds_manage_and_exclusive_removes_only_extras():
    a = adapter()
    d = desired_for(a)
    current = Current("admin@example.com", "main", principal_exists=True)
    current.schemas = {"rs_profiles": "admin@example.com", "website_eventstream": "admin@example.com"}
    current.grants = {Grant("catalog", ("main",), "USE CATALOG"),
                      Grant("schema", ("rs_profiles",), "ALL PRIVILEGES"),
                      Grant("schema", ("rs_profiles",), "MANAGE"),
                      Grant("schema", ("rs_profiles",), "EXTERNAL USE SCHEMA"),
                      Grant("schema", ("website_eventstream",), "USE SCHEMA"),
                      Grant("schema", ("website_eventstream",), "SELECT"),
                      Grant("schema", ("elsewhere",), "SELECT")}
    plan = plan_grants(d, current, a)
    assert not plan.changed and a.render(plan, d, current) == []
    d = desired_for(a, mode="exclusive")
    plan = plan_grants(d, current, a)
    assert [a.describe(g) for g in plan.to_revoke] == [
        "EXTERNAL USE SCHEMA ON SCHEMA main.rs_profiles", "MANAGE ON SCHEMA main.rs_profiles"]
    statements = a.render(plan, d, current)
    assert [s.text for s in statements] == [
        'PATCH /api/2.1/unity-catalog/permissions/schema/main.rs_profiles {"changes": [{"principal": '
        '"rudderstack@example.com", "remove": ["EXTERNAL_USE_SCHEMA", "MANAGE"]}]}']
    assert statements[0].template == ("PATCH", "/api/2.1/unity-catalog/permissions/schema/main.rs_profiles")


def test_first_plan_patches_existing_securables_then_creates_the_schema():
    """Unity Catalog has no transactions and refuses an unknown principal only at a PATCH: the
    PATCHes on securables that exist go first, so such a run fails before creating anything."""
    a = adapter()
    d = desired_for(a, input_schemas=[{"name": "website_eventstream", "tables": ["tracks"]}],
                    output_schema={"name": "rs_profiles", "owned_by_principal": True})
    current = Current("admin@example.com", "main", principal_exists=True)
    current.schemas = {"website_eventstream": "admin@example.com"}
    current.tables = {"website_eventstream": {"tracks": "admin@example.com"}}
    plan = plan_grants(d, current, a)
    texts = [s.text.split(" {")[0] for s in a.render(plan, d, current)]
    assert texts == ["PATCH /api/2.1/unity-catalog/permissions/catalog/main",
                     "PATCH /api/2.1/unity-catalog/permissions/schema/main.website_eventstream",
                     "PATCH /api/2.1/unity-catalog/permissions/table/main.website_eventstream.tracks",
                     "POST /api/2.1/unity-catalog/schemas",
                     "PATCH /api/2.1/unity-catalog/schemas/main.rs_profiles"]
    # Not owned: the new schema's own permissions follow its creation.
    d = desired_for(a, input_schemas=[{"name": "website_eventstream"}], output_schema={"name": "rs_profiles"})
    current = Current("admin@example.com", "main", principal_exists=True)
    current.schemas = {"website_eventstream": "admin@example.com"}
    current.tables = {"website_eventstream": {"tracks": "admin@example.com"}}
    plan = plan_grants(d, current, a)
    texts = [s.text.split(" {")[0] for s in a.render(plan, d, current)]
    assert texts.index("POST /api/2.1/unity-catalog/schemas") == 2
    assert texts[3] == "PATCH /api/2.1/unity-catalog/permissions/schema/main.rs_profiles"


def test_auth_choice_and_errors(monkeypatch):
    for var in ("DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_HOST"):
        monkeypatch.delenv(var, raising=False)
    kind, kwargs = adapter(connect_timeout=7).auth()
    assert kind == "pat" and kwargs["token"] == "dapi-x" and kwargs["host"] == "https://adb-1.azuredatabricks.net"
    assert kwargs["http_timeout_seconds"] == kwargs["retry_timeout_seconds"] == 7
    kind, kwargs = adapter(access_token=None, client_id="cid", client_secret="s").auth()
    assert kind == "oauth-m2m" and kwargs["client_id"] == "cid" and "token" not in kwargs
    with pytest.raises(GrantsError, match="mutually exclusive"):
        adapter(client_id="cid", client_secret="s").auth()
    with pytest.raises(GrantsError, match="client_secret is required"):
        adapter(access_token=None, client_id="cid").auth()
    with pytest.raises(GrantsError, match="needs credentials"):
        adapter(access_token=None).auth()
    # An explicit option wins over another method's environment variable.
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-env")
    kind, dummy = adapter(access_token=None, client_id="cid", client_secret="s").auth()
    assert kind == "oauth-m2m"
    monkeypatch.setenv("DATABRICKS_HOST", "http://127.0.0.1:9/")
    assert adapter(login_host=None).auth()[1]["host"] == "http://127.0.0.1:9"


@pytest.mark.parametrize("name, call", [
    ("permissions_get_page1.json", ("GET", "/api/2.1/unity-catalog/permissions/schema/main.s", {"max_results": "0"})),
    ("catalog_get.json", ("GET", "/api/2.1/unity-catalog/catalogs/main", {})),
    ("schema_get.json", ("GET", "/api/2.1/unity-catalog/schemas/main.s", {})),
    ("tables_list.json", ("GET", "/api/2.1/unity-catalog/tables",
                          {"catalog_name": "main", "schema_name": "s", "max_results": "0"})),
    ("scim_service_principals_list.json", ("GET", "/api/2.0/preview/scim/v2/ServicePrincipals",
                                           {"filter": 'displayName eq "sp"'})),
    ("scim_me.json", ("GET", "/api/2.0/preview/scim/v2/Me", {})),
    ("oidc_discovery.json", ("GET", "/oidc/.well-known/oauth-authorization-server", {})),
])
def test_the_stand_in_answers_in_the_reference_shapes(name, call):
    model = databricks_model.Workspace(page_size=1)
    token = model.add_token("admin@example.com")
    model.add_catalog("main")
    model.add_schema("main.s")
    model.add_table("main.s.t1")
    model.add_table("main.s.t2")
    model.add_service_principal("sp")
    model.grant("schema", "main.s", "a@example.com", "SELECT")
    model.grant("schema", "main.s", "b@example.com", "SELECT")
    method, path, query = call
    answer = model.handle(method, path, query, None, {"Authorization": "Bearer " + token}, "http://h")
    reference = fixture(name)
    assert set(answer) == set(reference), name
    for key in ("privilege_assignments", "tables", "Resources"):
        if key in reference:
            assert set(answer[key][0]) <= set(reference[key][0]) | {"active"}, name


def test_sdk_is_imported_only_when_used_and_its_absence_is_reported(monkeypatch):
    monkeypatch.setattr(databricks, "_SDK", {})
    monkeypatch.setitem(sys.modules, "databricks.sdk", None)   # as if not installed
    assert "databricks.sdk" in DatabricksAdapter.client_import_error()
    assert warehouses.get(DatabricksAdapter.NAME).packages == ["databricks-sdk"]
    monkeypatch.setattr(databricks, "_SDK", {})
    monkeypatch.delitem(sys.modules, "databricks.sdk")
    assert DatabricksAdapter.client_import_error() is None
