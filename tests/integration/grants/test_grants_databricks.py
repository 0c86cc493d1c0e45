"""profiles_grants on Databricks Unity Catalog, run through the real ansible-playbook; the module
uses the real databricks-sdk, which talks HTTP to databricks_model (a MODEL of the workspace REST
API on 127.0.0.1, not Databricks). Every behaviour is checked in the model's state and in the
requests it received, not only in `changed`."""
import json
import os
import socket
import time

import pytest
import yaml
from urllib.parse import urlsplit

from tests.models.databricks import StandIn, Workspace

ADMIN = "admin@example.com"
PRINCIPAL = "rudderstack@example.com"
OTHER = "analyst@example.com"


@pytest.fixture
def workspace():
    model = Workspace(admin=ADMIN, page_size=2)
    server = StandIn(model)
    model.url = server.url
    model.admin_token = model.add_token(ADMIN)
    model.users.update({PRINCIPAL, OTHER, "u1@example.com", "u2@example.com", "u3@example.com"})
    model.add_catalog("main")
    model.add_schema("main.website_eventstream")
    for table in ("tracks", "identifies", "pages"):
        model.add_table("main.website_eventstream." + table)
    # Grants by others, on every securable the module touches: they must survive every run.
    model.grant("catalog", "main", OTHER, "USE_CATALOG", "BROWSE")
    model.grant("catalog", "main", "data-engineers", "ALL_PRIVILEGES")
    for user in ("u1@example.com", "u2@example.com", "u3@example.com", OTHER):
        # Four more principals on the input schema: with two assignments a page, its permissions
        # come back on three pages, and the principal's own grants on the last one.
        model.grant("schema", "main.website_eventstream", user, "USE_SCHEMA", "SELECT")
    yield model
    server.stop()


def snapshot(model):
    return dict((k, dict((p, set(v)) for p, v in grants.items())) for k, grants in model.grants.items())


def others(model):
    """Every grant held by principals other than PRINCIPAL."""
    result = {}
    for key, grants in snapshot(model).items():
        kept = dict((p, v) for p, v in grants.items() if p != PRINCIPAL and v)
        if kept:
            result[key] = kept
    return result


def args(model, **extra):
    values = dict(warehouse="databricks", login_host=model.url, access_token=model.admin_token,
                  catalog="main", connect_timeout=5, principal=PRINCIPAL,
                  output_schema={"name": "rs_profiles"}, input_schemas=[{"name": "website_eventstream"}])
    values.update(extra)
    return values


def pages_read(model, full_name):
    return [r[2] for r in model.requests
            if r[0] == "GET" and r[1] == "/api/2.1/unity-catalog/permissions/schema/" + full_name]


def test_first_run_grants_rerun_sends_no_patch(ansible, workspace):
    before_others = others(workspace)
    first = ansible.module("profiles_grants", args(workspace), diff=True)
    assert not first.get("failed"), first
    assert first["changed"] is True
    assert "main.rs_profiles" in workspace.schemas
    assert workspace.schemas["main.rs_profiles"]["owner"] == ADMIN
    assert workspace.privileges("catalog", "main", PRINCIPAL) == {"USE_CATALOG"}
    assert workspace.privileges("schema", "main.rs_profiles", PRINCIPAL) == {"ALL_PRIVILEGES"}
    assert workspace.privileges("schema", "main.website_eventstream", PRINCIPAL) == {"USE_SCHEMA", "SELECT"}
    assert others(workspace) == before_others
    # Permissions on securables that exist first (an unknown principal fails there, before
    # anything is created), then the new schema and its permissions.
    assert first["queries"] == [
        'PATCH /api/2.1/unity-catalog/permissions/catalog/main '
        '{"changes": [{"add": ["USE_CATALOG"], "principal": "rudderstack@example.com"}]}',
        'PATCH /api/2.1/unity-catalog/permissions/schema/main.website_eventstream '
        '{"changes": [{"add": ["SELECT", "USE_SCHEMA"], "principal": "rudderstack@example.com"}]}',
        'POST /api/2.1/unity-catalog/schemas {"catalog_name": "main", "name": "rs_profiles"}',
        'PATCH /api/2.1/unity-catalog/permissions/schema/main.rs_profiles '
        '{"changes": [{"add": ["ALL_PRIVILEGES"], "principal": "rudderstack@example.com"}]}',
    ]
    # The calls the model received are the queries, in that order, with those bodies.
    sent = [(r[0], r[1], r[3]) for r in workspace.writes()]
    assert [(m, p) for m, p, b in sent] == [tuple(q.split(" ", 2)[:2]) for q in first["queries"]]
    assert sent[0][2] == {"changes": [{"principal": PRINCIPAL, "add": ["USE_CATALOG"]}]}
    assert first["plan"]["to_grant"] == [
        "USE CATALOG ON CATALOG main", "ALL PRIVILEGES ON SCHEMA main.rs_profiles",
        "SELECT ON SCHEMA main.website_eventstream", "USE SCHEMA ON SCHEMA main.website_eventstream"]
    assert "ALL PRIVILEGES ON SCHEMA main.rs_profiles" in first["diff"]["after"]
    # Pagination: the input schema's four assignments came on two pages, following next_page_token.
    assert pages_read(workspace, "main.website_eventstream") == [
        {"max_results": "0"}, {"max_results": "0", "page_token": "2"}]

    workspace.clear_requests()
    second = ansible.module("profiles_grants", args(workspace), diff=True)
    assert second["changed"] is False, second
    assert second["queries"] == [] and second["plan"]["to_grant"] == []
    assert workspace.writes() == []
    assert second["diff"]["before"] == second["diff"]["after"]
    # Now five assignments, the principal's on the last of three pages: read, nothing re-added.
    assert pages_read(workspace, "main.website_eventstream") == [
        {"max_results": "0"}, {"max_results": "0", "page_token": "2"}, {"max_results": "0", "page_token": "4"}]
    assert second["read_round_trips"] == len([r for r in workspace.requests if r[1].startswith("/api/")])
    assert others(workspace) == before_others
    text = json.dumps([first, second])
    assert workspace.admin_token not in text


def test_check_mode_sends_no_write_and_plans_the_calls(ansible, workspace):
    before = snapshot(workspace)
    result = ansible.module("profiles_grants", args(workspace), check=True, diff=True)
    assert result["changed"] is True, result
    assert workspace.writes() == []
    assert snapshot(workspace) == before and "main.rs_profiles" not in workspace.schemas
    assert result["queries"][2].startswith("POST /api/2.1/unity-catalog/schemas ")
    assert len(result["queries"]) == 4
    assert "USE SCHEMA ON SCHEMA main.website_eventstream" in result["diff"]["after"]


def test_exclusive_removes_only_the_principals_extras_and_all_privileges_converges(ansible, workspace):
    workspace.add_schema("main.rs_profiles")
    # ALL_PRIVILEGES plus MANAGE and EXTERNAL_USE_SCHEMA, which ALL does not include: append keeps
    # them and adds nothing; exclusive removes them (they are not desired) and an extra MODIFY.
    workspace.grant("schema", "main.rs_profiles", PRINCIPAL, "ALL_PRIVILEGES", "MANAGE", "EXTERNAL_USE_SCHEMA")
    workspace.grant("schema", "main.website_eventstream", PRINCIPAL, "USE_SCHEMA", "SELECT", "MODIFY")
    workspace.grant("catalog", "main", PRINCIPAL, "USE_CATALOG")
    workspace.grant("schema", "main.rs_profiles", OTHER, "MANAGE")
    workspace.add_schema("main.elsewhere")
    workspace.grant("schema", "main.elsewhere", PRINCIPAL, "SELECT")   # not managed by the task
    before_others = others(workspace)

    append = ansible.module("profiles_grants", args(workspace))
    assert append["changed"] is False, append
    assert workspace.writes() == []

    exclusive = ansible.module("profiles_grants", args(workspace, mode="exclusive"))
    assert exclusive["changed"] is True, exclusive
    assert sorted(exclusive["plan"]["to_revoke"]) == [
        "EXTERNAL USE SCHEMA ON SCHEMA main.rs_profiles", "MANAGE ON SCHEMA main.rs_profiles",
        "MODIFY ON SCHEMA main.website_eventstream"]
    assert workspace.privileges("schema", "main.rs_profiles", PRINCIPAL) == {"ALL_PRIVILEGES"}
    assert workspace.privileges("schema", "main.website_eventstream", PRINCIPAL) == {"USE_SCHEMA", "SELECT"}
    assert workspace.privileges("schema", "main.elsewhere", PRINCIPAL) == {"SELECT"}
    assert others(workspace) == before_others
    assert [r[3] for r in workspace.writes()] == [
        {"changes": [{"principal": PRINCIPAL, "remove": ["EXTERNAL_USE_SCHEMA", "MANAGE"]}]},
        {"changes": [{"principal": PRINCIPAL, "remove": ["MODIFY"]}]}]

    workspace.clear_requests()
    again = ansible.module("profiles_grants", args(workspace, mode="exclusive"))
    assert again["changed"] is False and workspace.writes() == []

    absent = ansible.module("profiles_grants", args(workspace, state="absent"))
    assert absent["changed"] is True, absent
    for securable in (("catalog", "main"), ("schema", "main.rs_profiles"), ("schema", "main.website_eventstream")):
        assert workspace.privileges(*securable, principal=PRINCIPAL) == set()
    assert workspace.privileges("schema", "main.elsewhere", PRINCIPAL) == {"SELECT"}
    assert "main.rs_profiles" in workspace.schemas
    assert others(workspace) == before_others


def test_oauth_m2m_and_service_principal_by_display_name(ansible, workspace):
    admin_sp = workspace.add_service_principal("grants-admin", secret="m2m-secret-value")
    target = workspace.add_service_principal("rudderstack-profiles")
    m2m = args(workspace, client_id=admin_sp, client_secret="m2m-secret-value",
               principal="rudderstack-profiles", principal_type="service_principal",
               output_schema={"name": "rs_profiles", "owned_by_principal": True})
    del m2m["access_token"]
    first = ansible.module("profiles_grants", m2m)
    assert not first.get("failed"), first
    paths = [(r[0], r[1]) for r in workspace.requests]
    assert ("GET", "/oidc/.well-known/oauth-authorization-server") in paths
    assert ("POST", "/oidc/v1/token") in paths
    token_request = [r for r in workspace.requests if r[1] == "/oidc/v1/token"][0]
    assert "grant_type=client_credentials" in token_request[3]
    # Granted to the application id, which is how the API names service principals.
    assert workspace.privileges("schema", "main.website_eventstream", target) == {"USE_SCHEMA", "SELECT"}
    assert workspace.privileges("catalog", "main", target) == {"USE_CATALOG"}
    # owned_by_principal: the new schema is given to the principal, whose ownership carries every
    # privilege on it, so no grant is sent there (and none is revoked from an owner, ever).
    assert workspace.schemas["main.rs_profiles"]["owner"] == target
    assert workspace.privileges("schema", "main.rs_profiles", target) == set()
    assert "ALL PRIVILEGES ON SCHEMA main.rs_profiles" in first["plan"]["unchanged"]
    assert [(r[0], r[1], r[3]) for r in workspace.writes()][-2:] == [
        ("POST", "/api/2.1/unity-catalog/schemas", {"catalog_name": "main", "name": "rs_profiles"}),
        ("PATCH", "/api/2.1/unity-catalog/schemas/main.rs_profiles", {"owner": target})]
    lookups = [r for r in workspace.requests if r[1] == "/api/2.0/preview/scim/v2/ServicePrincipals"]
    assert lookups and lookups[0][2]["filter"] == 'displayName eq "rudderstack-profiles"'
    assert "m2m-secret-value" not in json.dumps(first)

    # Named by application id this time: same principal, nothing to do, no lookup.
    workspace.clear_requests()
    by_id = dict(m2m, principal=target.upper())
    second = ansible.module("profiles_grants", by_id)
    assert second["changed"] is False, second
    assert workspace.writes() == []
    # One existence check by application id (databricks_principal_lookup), no display-name search.
    lookups = [r[2]["filter"] for r in workspace.requests if r[1] == "/api/2.0/preview/scim/v2/ServicePrincipals"]
    assert lookups == ['applicationId eq "%s"' % target.lower()], lookups

    wrong = ansible.module("profiles_grants", dict(m2m, client_secret="not-it"))
    assert wrong.get("failed") and "not-it" not in json.dumps(wrong)


def test_listed_tables_get_select_each(ansible, workspace):
    tables = args(workspace, input_schemas=[{"name": "website_eventstream", "tables": ["tracks", "Pages"]}])
    result = ansible.module("profiles_grants", tables)
    assert not result.get("failed"), result
    assert workspace.privileges("table", "main.website_eventstream.tracks", PRINCIPAL) == {"SELECT"}
    assert workspace.privileges("table", "main.website_eventstream.pages", PRINCIPAL) == {"SELECT"}
    assert workspace.privileges("table", "main.website_eventstream.identifies", PRINCIPAL) == set()
    assert workspace.privileges("schema", "main.website_eventstream", PRINCIPAL) == {"USE_SCHEMA"}
    # The table listing (two a page) was followed to its end.
    listings = [r[2].get("page_token") for r in workspace.requests if r[1] == "/api/2.1/unity-catalog/tables"]
    assert listings == [None, "2"]
    workspace.clear_requests()
    assert ansible.module("profiles_grants", tables)["changed"] is False and workspace.writes() == []
    missing = ansible.module("profiles_grants", args(
        workspace, input_schemas=[{"name": "website_eventstream", "tables": ["nope"]}]))
    assert missing.get("failed") and "input_schemas[0].tables" in missing["msg"] and "nope" in missing["msg"]


BAD_INPUT = [
    ({"catalog": "nope"}, ["catalog", "nope", "does not exist"]),
    ({"catalog": None, "databricks_catalog": "nope"}, ["catalog", "nope", "does not exist"]),   # former name
    ({"catalog": "main.default"}, ["catalog", "three-level"]),
    ({"input_schemas": [{"name": "main.website_eventstream"}]}, ["input_schemas[0].name", "three-level"]),
    ({"input_schemas": [{"name": "website_eventstream", "tables": ["main.website_eventstream.tracks"]}]},
     ["input_schemas[0].tables[0]", "three-level"]),
    ({"input_schemas": [{"name": "website_eventstream", "privileges": ["SELEKT"]}]},
     ["input_schemas[0].privileges", "SELEKT", "MODIFY"]),
    ({"output_schema": {"name": "rs_profiles", "privileges": ["USE CATALOG"]}},
     ["output_schema.privileges", "USE CATALOG"]),
    ({"input_schemas": [{"name": "missing_input"}]}, ["input_schemas[0].name", "main.missing_input"]),
    ({"principal": "nobody-sp", "principal_type": "service_principal"}, ["principal", "nobody-sp"]),
    # Identities the workspace does not know: refused after one SCIM lookup, before any write.
    ({"principal": "nobody@example.com"}, ["principal: no user 'nobody@example.com' in this workspace",
                                           "SCIM Users", "databricks_principal_lookup: false"]),
    ({"principal": "no-such-group", "principal_type": "group"}, ["no group 'no-such-group'", "SCIM Groups"]),
    ({"principal": "0b3f0c7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f", "principal_type": "service_principal"},
     ["no service principal '0b3f0c7e-1d2a-4c5b-9e8f-7a6b5c4d3e2f'", "applicationId"]),
    ({"languages": ["plpythonu"]}, ["languages", "databricks"]),
    ({"login_port": 5432}, ["login_port (postgres, redshift, snowflake only)"]),
    ({"access_token": None}, ["access_token", "client_id"]),
    ({"access_token": "dapi-wrong-token"}, ["login_host", "Invalid access token"]),
]


def test_account_level_identity_needs_the_lookup_turned_off(workspace):
    """Unity Catalog grants to account-level identities that the workspace's SCIM API does not
    list: with the lookup on they are refused before any write (naming the option), with
    databricks_principal_lookup false they are granted."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
    workspace.account_only.add("account-analysts")
    params = args(workspace, principal="account-analysts", principal_type="group")
    with pytest.raises(GrantsError) as err:
        registry.execute(params, False)
    assert "databricks_principal_lookup: false" in str(err.value) and workspace.writes() == []
    result = registry.execute(dict(params, databricks_principal_lookup=False), False)
    assert result["changed"] and workspace.privileges("catalog", "main", "account-analysts") == {"USE_CATALOG"}


def test_bad_input_fails_before_any_write_naming_the_option(ansible, workspace):
    tasks = []
    for index, (extra, dummy) in enumerate(BAD_INPUT):
        params = dict((k, v) for k, v in args(workspace, **extra).items() if v is not None)
        tasks.append({"name": "bad %d" % index, "rudderstack.profiles.profiles_grants": params,
                      "ignore_errors": True})
    results = ansible.playbook(tasks, extra_env={"DATABRICKS_TOKEN": ""})
    assert len(results) == len(BAD_INPUT)
    for result, (extra, words) in zip(results, BAD_INPUT):
        assert result.get("failed"), (extra, result)
        for word in words:
            assert word in result["msg"], (extra, result["msg"])
    assert workspace.writes() == []
    text = json.dumps(results)
    assert workspace.admin_token not in text and "dapi-wrong-token" not in text


def test_unreachable_host_times_out_naming_host_and_timeout(ansible):
    # A listening socket that never answers: the SDK's HTTP timeout and retry budget apply.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    host = "http://127.0.0.1:%d" % silent.getsockname()[1]
    started = time.monotonic()
    result = ansible.module("profiles_grants", dict(
        warehouse="databricks", login_host=host, access_token="dapi-secret-token",
        catalog="main", connect_timeout=1, principal=PRINCIPAL))
    elapsed = time.monotonic() - started
    silent.close()
    assert result.get("failed"), result
    assert host in result["msg"] and "connect_timeout 1s" in result["msg"], result["msg"]
    assert "dapi-secret-token" not in json.dumps(result)
    assert elapsed < 30, elapsed


def test_siteconfig_for_the_same_principal_matches(ansible, workspace, tmp_path):
    """The admin grants with profiles_grants; the analyst's siteconfig, written by
    profiles_siteconfig for the same principal, names the same host, catalog and schema and the
    principal's own credentials (its OAuth client), and those credentials work on the grants."""
    principal_sp = workspace.add_service_principal("rudderstack-profiles", secret="pb-secret")
    home = tmp_path / "home"
    home.mkdir()
    url = urlsplit(workspace.url)
    results = ansible.playbook([
        {"name": "grants", "rudderstack.profiles.profiles_grants": args(
            workspace, principal="rudderstack-profiles", principal_type="service_principal")},
        {"name": "siteconfig", "rudderstack.profiles.profiles_siteconfig": dict(
            connection="dbconn", warehouse="databricks", host=url.hostname, port=url.port,
            http_endpoint="/sql/1.0/warehouses/abc123", catalog="main", user=principal_sp,
            client_id=principal_sp, client_secret="pb-secret", schema="rs_profiles")},
    ], extra_env={"HOME": str(home)})
    assert all(not r.get("failed") for r in results), results
    with open(os.path.join(str(home), ".pb", "siteconfig.yaml")) as handle:
        output = yaml.safe_load(handle)["connections"]["dbconn"]["outputs"]["dev"]
    assert output["type"] == "databricks"
    assert (output["host"], output["port"]) == (url.hostname, url.port)
    assert output["catalog"] == "main"
    assert output["schema"] == output["outputSchema"] == "rs_profiles"
    assert "main." + output["schema"] in workspace.schemas
    assert output["client_id"] == output["user"] == principal_sp
    assert workspace.privileges("schema", "main." + output["schema"], output["client_id"]) == {"ALL_PRIVILEGES"}
    assert workspace.privileges("catalog", output["catalog"], output["client_id"]) == {"USE_CATALOG"}
    # The principal's credentials from the siteconfig authenticate (OAuth M2M through the SDK).
    from databricks.sdk import WorkspaceClient
    client = WorkspaceClient(host="http://%s:%s" % (output["host"], output["port"]), auth_type="oauth-m2m",
                             client_id=output["client_id"], client_secret=output["client_secret"])
    assert client.current_user.me().user_name == principal_sp
