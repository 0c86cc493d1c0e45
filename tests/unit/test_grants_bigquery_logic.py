"""The BigQuery adapter's pure logic on Google's documented shapes (fixtures/bigquery/SOURCES.md):
role normalisation, member matching, policy and access-list edits, desired state and plans."""
import copy
import json
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import bigquery as bq
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, build_desired, plan_grants)

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "bigquery")
SA = "pb-sa@my-gcp-project.iam.gserviceaccount.com"


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def adapter(**params):
    a = bq.BigQueryAdapter(params=params)
    a.project = "my-gcp-project"
    return a


def desired_for(a, **params):
    base = {"principal": SA, "output_schema": {"name": "rs_profiles"},
            "input_schemas": [{"name": "website_eventstream"}]}
    base.update(params)
    return build_desired(base, a)


# -- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, role", [
    ("WRITER", "roles/bigquery.dataEditor"), ("reader", "roles/bigquery.dataViewer"),
    ("OWNER", "roles/bigquery.dataOwner"), ("roles/bigquery.dataeditor", "roles/bigquery.dataEditor"),
    ("ALL", "roles/bigquery.dataEditor"), ("USAGE", "roles/bigquery.dataViewer"),
    ("select", "roles/bigquery.dataViewer"), (" roles/bigquery.dataViewer ", "roles/bigquery.dataViewer")])
def test_dataset_roles_normalise_to_iam_names(given, role):
    assert bq.canonical_dataset_role(given, "opt") == role


def test_unknown_roles_name_the_option_and_the_accepted_values():
    with pytest.raises(GrantsError, match=r"^output_schema.privileges: unknown dataset role 'roles/bigquery.admin'; "
                                          r"accepted: roles/bigquery.dataEditor, roles/bigquery.dataOwner"):
        bq.canonical_dataset_role("roles/bigquery.admin", "output_schema.privileges")
    with pytest.raises(GrantsError, match="unknown project role 'roles/owner'.*roles/bigquery.jobUser"):
        bq.canonical_project_role("roles/owner", "database_privileges")
    assert bq.canonical_project_role("ROLES/BIGQUERY.JOBUSER", "x") == "roles/bigquery.jobUser"
    assert bq.canonical_project_role("projects/p-1/roles/pbRunner", "x") == "projects/p-1/roles/pbRunner"


def test_legacy_roles_read_back_as_iam_names():
    assert bq.dataset_role("WRITER") == "roles/bigquery.dataEditor"
    assert bq.dataset_role("roles/bigquery.metadataViewer") == "roles/bigquery.metadataViewer"


# -- dataset access ------------------------------------------------------------------------------
def test_principal_found_under_user_by_email_and_iam_member():
    access = load("dataset_example.json")["access"]
    assert bq.principal_dataset_roles(access, SA) == {"roles/bigquery.dataEditor", "roles/bigquery.dataViewer"}
    assert bq.principal_dataset_roles(access, SA.upper()) == {"roles/bigquery.dataEditor",
                                                              "roles/bigquery.dataViewer"}
    assert bq.principal_dataset_roles(access, "someone@else.com") == set()


def test_edit_access_touches_only_the_principals_entries():
    access = load("dataset_example.json")["access"]
    before = copy.deepcopy(access)
    others = [e for e in access if not bq.entry_is_principal(e, SA)]
    result = bq.edit_access(access, SA, add=["roles/bigquery.dataOwner", "roles/bigquery.dataEditor"],
                            remove=["roles/bigquery.dataViewer"])
    assert access == before   # input not mutated
    assert [e for e in result if not bq.entry_is_principal(e, SA)] == others   # same entries, same order
    assert [e for e in result if bq.entry_is_principal(e, SA)] == [
        {"role": "WRITER", "userByEmail": SA},                  # held already (legacy form): not duplicated
        {"role": "roles/bigquery.dataOwner", "userByEmail": SA}]
    assert bq.edit_access(result, SA, [], ["roles/bigquery.dataOwner", "roles/bigquery.dataEditor"]) == others


# -- IAM policy ----------------------------------------------------------------------------------
CONDITION = {"title": "until 2027", "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"}


def test_conditional_access_entries_are_neither_held_nor_edited():
    """An access entry with an IAM condition (datasets.get with accessPolicyVersion=3) is a
    narrower grant someone made on purpose: it does not count as the role held, and no edit
    removes or changes it, the principal's own included."""
    mine = {"role": "READER", "userByEmail": SA, "condition": dict(CONDITION)}
    theirs = {"role": "roles/bigquery.dataEditor", "iamMember": "group:eng@example.com", "condition": dict(CONDITION)}
    access = [mine, theirs, {"role": "OWNER", "specialGroup": "projectOwners"}]
    assert bq.principal_dataset_roles(access, SA) == set()
    edited = bq.edit_access(copy.deepcopy(access), SA, ["roles/bigquery.dataViewer"], ["roles/bigquery.dataViewer"])
    assert edited[:3] == access and edited[3] == {"role": "roles/bigquery.dataViewer", "userByEmail": SA}
    assert json.dumps(edited[:3]) == json.dumps(access)   # byte for byte, key order included
    removed = bq.edit_access(edited, SA, [], ["roles/bigquery.dataViewer"])
    assert removed == access


def test_a_dataset_read_in_the_legacy_conditional_form_is_refused():
    bq.check_no_withcond([{"role": "READER", "userByEmail": SA, "condition": CONDITION}], "datasets.get d")
    with pytest.raises(GrantsError) as err:
        bq.check_no_withcond([{"role": "READER_withcond_1a2b3c", "userByEmail": SA}], "datasets.get d")
    assert "datasets.get d" in str(err.value) and "READER_withcond_1a2b3c" in str(err.value)


def test_the_library_still_lacks_the_access_policy_version_parameter():
    """The adapter sends accessPolicyVersion=3 through Client._call_api because the library's
    get_dataset/update_dataset cannot (bigquery.py says why). When this fails, the library has
    learnt it: use its methods instead."""
    import inspect
    from google.cloud import bigquery
    assert hasattr(bigquery.Dataset, "access_policy_version")   # a body field only
    for method in (bigquery.Client.get_dataset, bigquery.Client.update_dataset, bigquery.Client.create_dataset):
        assert not set(inspect.signature(method).parameters) & {"access_policy_version", "accessPolicyVersion"}
    assert callable(bigquery.Client._call_api)


def test_policy_roles_skip_conditional_bindings():
    bindings = load("policy_example.json")["bindings"]
    app = "my-project-id@appspot.gserviceaccount.com"
    assert bq.principal_project_roles(bindings, app) == {"roles/resourcemanager.organizationAdmin"}
    assert bq.principal_project_roles(bindings, "eve@example.com") == set()   # user:, and conditional


def test_edit_bindings_keeps_everything_else_exactly():
    policy = load("policy_example.json")
    conditional = dict(policy["bindings"][1], members=policy["bindings"][1]["members"] + ["serviceAccount:" + SA])
    bindings = [policy["bindings"][0], conditional]
    added = bq.edit_bindings(bindings, SA, add=["roles/bigquery.jobUser", "roles/resourcemanager.organizationAdmin"],
                             remove=[])
    assert added[1] == conditional    # untouched, condition and all
    assert added[0]["members"] == policy["bindings"][0]["members"] + ["serviceAccount:" + SA]
    assert added[2] == {"role": "roles/bigquery.jobUser", "members": ["serviceAccount:" + SA]}
    removed = bq.edit_bindings(added, SA, add=[], remove=["roles/bigquery.jobUser",
                                                          "roles/resourcemanager.organizationViewer"])
    assert removed == [added[0], conditional]   # emptied binding dropped; conditional one never edited
    assert bq.edit_bindings(bindings, SA, add=[], remove=[]) == bindings


# -- credentials ---------------------------------------------------------------------------------
def test_malformed_keys_fail_without_echoing_them():
    secret = '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv'
    with pytest.raises(GrantsError) as err:
        bq.parse_key(secret, "credentials")
    assert "MIIEv" not in str(err.value) and "not a JSON key" in str(err.value)
    with pytest.raises(GrantsError, match="lacks private_key, token_uri"):
        bq.parse_key({"type": "service_account", "client_email": SA}, "credentials")
    with pytest.raises(GrantsError, match='with a "type"'):
        bq.parse_key("[1, 2]", "credentials")
    assert bq.parse_key('{"type": "authorized_user"}', "x") == {"type": "authorized_user"}


# -- names ---------------------------------------------------------------------------------------
def test_identifiers():
    a = adapter()
    assert a.validate_identifier("serviceAccount:PB-SA@p.iam.gserviceaccount.com", "principal") == \
        "pb-sa@p.iam.gserviceaccount.com"
    assert a.validate_identifier("other-project.events_2", "input_schemas[0].name") == "other-project.events_2"
    assert a.dataset_ref("other-project.events_2") == ("other-project", "events_2")
    assert a.dataset_ref("events") == ("my-gcp-project", "events")
    for bad in ("rs-profiles", "", "a b", "x" * 1025):
        with pytest.raises(GrantsError, match="output_schema.name: .* not a valid BigQuery dataset ID"):
            a.validate_identifier(bad, "output_schema.name")
    with pytest.raises(GrantsError, match="not a valid project ID"):
        a.validate_identifier("Bad_Project.events", "input_schemas[0].name")
    with pytest.raises(GrantsError, match="not a service-account e-mail"):
        a.validate_identifier("rudderstack_admin", "principal")


# -- desired state and plan ----------------------------------------------------------------------
def test_defaults_are_the_setup_guides_roles():
    a = adapter()
    d = desired_for(a)
    assert d.database_privileges == {"roles/bigquery.jobUser"}
    assert d.schema_privileges == {"rs_profiles": {"roles/bigquery.dataEditor"},
                                   "website_eventstream": {"roles/bigquery.dataViewer"}}
    assert d.table_rules == [] and d.default_privileges == {} and d.languages == []
    assert d.principal_type == "service_account" and d.extra["location"] == "US"


def test_project_scope_moves_dataset_roles_to_the_project():
    d = desired_for(adapter(), bigquery_role_scope="project")
    assert d.database_privileges == {"roles/bigquery.jobUser", "roles/bigquery.dataEditor",
                                     "roles/bigquery.dataViewer"}
    assert d.schema_privileges == {"rs_profiles": set(), "website_eventstream": set()}


def test_unsupported_options_are_refused():
    with pytest.raises(GrantsError, match=r"^future_tables_owners\[0\]: not supported on warehouse bigquery"):
        desired_for(adapter(), future_tables_owners=["loader"])
    with pytest.raises(GrantsError, match=r"^languages\[0\]: not supported on warehouse bigquery"):
        desired_for(adapter(), languages=["plpythonu"])
    # Ignored (a dataset has no owner); the warehouse_grants role sets it for every warehouse.
    d = desired_for(adapter(), output_schema={"name": "rs_profiles", "owned_by_principal": True})
    assert d.schema_privileges["rs_profiles"] == {"roles/bigquery.dataEditor"}
    assert d.create_schemas == [("rs_profiles", False)]   # else the planner takes it as owned: no grant
    with pytest.raises(GrantsError, match="^principal_password: "):
        desired_for(adapter(), principal_password="x")


def test_plan_and_calls_from_current_state():
    a = adapter()
    d = desired_for(a, mode="exclusive")
    current = Current(a.login, "my-gcp-project", principal_exists=True)
    current.schemas["website_eventstream"] = None
    current.grants = {Grant("schema", ("website_eventstream",), "roles/bigquery.dataViewer"),
                      Grant("schema", ("website_eventstream",), "roles/bigquery.dataOwner"),
                      Grant("database", ("my-gcp-project",), "roles/bigquery.admin")}
    plan = plan_grants(d, current, a)
    assert plan.create_schemas == [("rs_profiles", False)]
    assert [a.describe(g) for g in plan.to_grant] == [
        "roles/bigquery.jobUser ON PROJECT my-gcp-project",
        "roles/bigquery.dataEditor ON DATASET my-gcp-project.rs_profiles"]
    assert [a.describe(g) for g in plan.to_revoke] == [
        "roles/bigquery.admin ON PROJECT my-gcp-project",
        "roles/bigquery.dataOwner ON DATASET my-gcp-project.website_eventstream"]
    d.extra["location"] = "EU"
    texts = [s.text for s in a.render(plan, d, current)]
    # The policy first (it refuses a service account that does not exist), then existing
    # datasets, then the new one.
    assert texts == [
        "projects.setIamPolicy projects/my-gcp-project (policy version 3, with its etag): add "
        "roles/bigquery.jobUser serviceAccount:%s; remove roles/bigquery.admin serviceAccount:%s" % (SA, SA),
        "datasets.patch projects/my-gcp-project/datasets/website_eventstream (access, If-Match etag): remove "
        "roles/bigquery.dataOwner userByEmail:%s" % SA,
        "datasets.insert projects/my-gcp-project/datasets/rs_profiles (location EU)",
        "datasets.patch projects/my-gcp-project/datasets/rs_profiles (access, If-Match etag): add "
        "roles/bigquery.dataEditor userByEmail:%s" % SA]
