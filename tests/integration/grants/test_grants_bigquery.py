"""profiles_grants on BigQuery, through the real ansible-playbook and the real google-cloud-bigquery,
google-cloud-resource-manager and google-auth clients, against bigquery_model.py (a MODEL of the
BigQuery, Resource Manager and OAuth REST APIs on loopback). Every behaviour is checked in the
model's state and its request log, not only in `changed`."""
import copy
import json
import os
import socket
import time

import pytest
import yaml

from tests.models.bigquery import GoogleCloudModel, make_service_account_key

PROJECT = "acme-analytics"
ADMIN = "grants-admin@acme-analytics.iam.gserviceaccount.com"
PB_SA = "rudderstack@acme-analytics.iam.gserviceaccount.com"
OTHER_SA = "loader@acme-analytics.iam.gserviceaccount.com"
# Condition fields in the order Google's JSON gives them (google.type.Expr's field numbers:
# expression, title, description), as a byte-for-byte comparison of what was read needs.
CONDITIONAL = {"role": "roles/bigquery.jobUser", "members": ["serviceAccount:" + PB_SA, "user:eve@example.com"],
               "condition": {"expression": "request.time < timestamp('2020-10-01T00:00:00.000Z')",
                             "title": "expirable access", "description": "Does not grant access after Sep 2020"}}
SEED_BINDINGS = [
    {"role": "roles/owner", "members": ["user:mike@example.com", "serviceAccount:" + ADMIN]},
    {"role": "roles/bigquery.jobUser", "members": ["serviceAccount:" + OTHER_SA]},
    CONDITIONAL,
]
INPUT_ACCESS = [
    {"role": "OWNER", "specialGroup": "projectOwners"},
    {"role": "WRITER", "userByEmail": OTHER_SA},
    {"view": {"projectId": PROJECT, "datasetId": "reporting", "tableId": "daily"}},
    {"role": "READER", "iamMember": "group:analysts@example.com"},
]


@pytest.fixture
def gcloud(tmp_path):
    model = GoogleCloudModel().serve()
    admin_key = make_service_account_key(ADMIN, PROJECT, model.url + "/token")
    pb_key = make_service_account_key(PB_SA, PROJECT, model.url + "/token")
    model.add_service_account(admin_key, admin=True)
    model.add_service_account(pb_key)
    model.add_service_account(make_service_account_key(OTHER_SA, PROJECT, model.url + "/token"))
    model.add_project(PROJECT, copy.deepcopy(SEED_BINDINGS))
    model.add_dataset(PROJECT, "website_eventstream", copy.deepcopy(INPUT_ACCESS))
    keyfile = tmp_path / "admin-key.json"
    keyfile.write_text(json.dumps(admin_key))
    pbfile = tmp_path / "rudderstack-key.json"
    pbfile.write_text(json.dumps(pb_key))
    model.admin_key, model.pb_key = admin_key, pb_key
    model.keyfile, model.pbfile = str(keyfile), str(pbfile)
    yield model
    model.stop()


def args(model, **extra):
    result = {"warehouse": "bigquery", "project_id": PROJECT,
              "credentials_path": model.keyfile,
              "bigquery_api_endpoint": model.url, "bigquery_resource_manager_endpoint": model.url,
              "connect_timeout": 5, "principal": PB_SA,
              "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "website_eventstream"}],
              "bigquery_location": "EU"}
    result.update(extra)
    return result


def entries_of(model, dataset, email):
    return [e for e in model.dataset_view(PROJECT, dataset)["access"]
            if e.get("userByEmail") == email or e.get("iamMember") == "serviceAccount:" + email]


def others(model, dataset, email=PB_SA):
    return [e for e in model.dataset_view(PROJECT, dataset)["access"] if e not in entries_of(model, dataset, email)]


def no_secret(result, model):
    text = json.dumps(result)
    key_body = model.admin_key["private_key"].splitlines()[1]
    return key_body not in text and model.admin_key["private_key_id"] not in text


def test_first_run_grants_rerun_sends_no_write(ansible, gcloud):
    first = ansible.module("profiles_grants", args(gcloud), diff=True)
    assert not first.get("failed"), first
    assert first["changed"] is True
    # The policy first (it refuses a service account that does not exist, before anything is
    # written), then the datasets that exist, then the new dataset and its access.
    assert first["queries"] == [
        "projects.setIamPolicy projects/%s (policy version 3, with its etag): add roles/bigquery.jobUser "
        "serviceAccount:%s" % (PROJECT, PB_SA),
        "datasets.patch projects/%s/datasets/website_eventstream (access, If-Match etag): add "
        "roles/bigquery.dataViewer userByEmail:%s" % (PROJECT, PB_SA),
        "datasets.insert projects/%s/datasets/rs_profiles (location EU)" % PROJECT,
        "datasets.patch projects/%s/datasets/rs_profiles (access, If-Match etag): add "
        "roles/bigquery.dataEditor userByEmail:%s" % (PROJECT, PB_SA),
    ]
    assert first["plan"]["create_schemas"] == ["rs_profiles"]
    assert "roles/bigquery.jobUser ON PROJECT %s" % PROJECT in first["plan"]["to_grant"]
    assert "roles/bigquery.dataEditor ON DATASET %s.rs_profiles" % PROJECT in first["diff"]["after"]
    assert no_secret(first, gcloud)

    # Real state: the project binding, nothing else of the policy changed.
    policy = gcloud.policies[PROJECT]
    assert policy["bindings"][:3] == [SEED_BINDINGS[0], {"role": "roles/bigquery.jobUser", "members": [
        "serviceAccount:" + OTHER_SA, "serviceAccount:" + PB_SA]}, CONDITIONAL]
    assert len(policy["bindings"]) == 3
    # The policy was read as version 3 and written as version 3 with the etag read.
    reads = [r for r in gcloud.requests if r["path"].endswith(":getIamPolicy")]
    assert reads[0]["body"] == {"options": {"requestedPolicyVersion": 3}}
    sets = [r for r in gcloud.requests if r["path"].endswith(":setIamPolicy")]
    assert len(sets) == 1 and sets[0]["body"]["policy"]["version"] == 3 and sets[0]["body"]["policy"]["etag"]
    # The output dataset exists in EU with BigQuery's default entries plus the principal as WRITER.
    out = gcloud.dataset_view(PROJECT, "rs_profiles")
    assert out["location"] == "EU"
    assert entries_of(gcloud, "rs_profiles", PB_SA) == [{"role": "WRITER", "userByEmail": PB_SA}]
    assert {"role": "OWNER", "userByEmail": ADMIN} in out["access"]
    # The input dataset: READER added, every other entry (view, group, other writer) kept.
    assert entries_of(gcloud, "website_eventstream", PB_SA) == [{"role": "READER", "userByEmail": PB_SA}]
    assert others(gcloud, "website_eventstream") == INPUT_ACCESS
    patches = [r for r in gcloud.requests if r["method"] == "PATCH"]
    assert all(r["if_match"] for r in patches)

    mark = len(gcloud.requests)
    second = ansible.module("profiles_grants", args(gcloud), diff=True)
    assert second["changed"] is False, second
    assert second["queries"] == [] and second["plan"]["to_grant"] == []
    assert gcloud.writes(mark) == []
    assert second["read_round_trips"] == 3   # one policy read, one read per dataset
    assert second["diff"]["before"] == second["diff"]["after"]
    assert sorted(second["plan"]["unchanged"]) == sorted([
        "roles/bigquery.jobUser ON PROJECT %s" % PROJECT,
        "roles/bigquery.dataEditor ON DATASET %s.rs_profiles" % PROJECT,
        "roles/bigquery.dataViewer ON DATASET %s.website_eventstream" % PROJECT])


def test_check_mode_reads_only(ansible, gcloud):
    # Application default credentials: GOOGLE_APPLICATION_CREDENTIALS, project from the key.
    task = args(gcloud)
    del task["credentials_path"], task["project_id"]
    result = ansible.module("profiles_grants", task, check=True, diff=True,
                            extra_env={"GOOGLE_APPLICATION_CREDENTIALS": gcloud.keyfile})
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert len(result["queries"]) == 4 and result["queries"][2].startswith("datasets.insert")
    assert gcloud.writes() == []
    assert ("acme-analytics", "rs_profiles") not in gcloud.datasets
    assert gcloud.policies[PROJECT]["bindings"] == SEED_BINDINGS
    assert "roles/bigquery.jobUser ON PROJECT %s" % PROJECT not in result["diff"]["before"]
    assert "roles/bigquery.jobUser ON PROJECT %s" % PROJECT in result["diff"]["after"]


def test_concurrent_changes_are_retried_and_kept(ansible, gcloud):
    def other_policy_writer(model):
        model.policies[PROJECT]["bindings"].append(
            {"role": "roles/bigquery.dataViewer", "members": ["group:auditors@example.com"]})
        model.touch_policy(PROJECT)

    def other_dataset_writer(model):
        model.datasets[(PROJECT, "website_eventstream")]["access"].append(
            {"role": "roles/bigquery.dataViewer", "groupByEmail": "auditors@example.com"})
        model.touch_dataset(PROJECT, "website_eventstream")

    gcloud.inject_concurrent_change("policy:" + PROJECT, other_policy_writer)
    gcloud.inject_concurrent_change("dataset:%s.website_eventstream" % PROJECT, other_dataset_writer)
    result = ansible.module("profiles_grants", args(gcloud))
    assert not result.get("failed"), result
    # queries: the calls made, the refused writes, re-reads and repeated writes included.
    assert [q.split(" (")[0] for q in result["queries"]] == [
        "projects.setIamPolicy projects/%s" % PROJECT,
        "projects.getIamPolicy projects/%s" % PROJECT,
        "projects.setIamPolicy projects/%s" % PROJECT,
        "datasets.patch projects/%s/datasets/website_eventstream" % PROJECT,
        "datasets.get projects/%s/datasets/website_eventstream" % PROJECT,
        "datasets.patch projects/%s/datasets/website_eventstream" % PROJECT,
        "datasets.insert projects/%s/datasets/rs_profiles" % PROJECT,
        "datasets.patch projects/%s/datasets/rs_profiles" % PROJECT]
    sets = [r["status"] for r in gcloud.requests if r["path"].endswith(":setIamPolicy")]
    assert sets == [409, 200]
    patches = [r["status"] for r in gcloud.requests
               if r["method"] == "PATCH" and r["path"].endswith("/website_eventstream")]
    assert patches == [412, 200]
    bindings = gcloud.policies[PROJECT]["bindings"]
    assert {"role": "roles/bigquery.dataViewer", "members": ["group:auditors@example.com"]} in bindings
    assert "serviceAccount:" + PB_SA in bindings[1]["members"] and CONDITIONAL in bindings
    access = gcloud.dataset_view(PROJECT, "website_eventstream")["access"]
    assert {"role": "READER", "groupByEmail": "auditors@example.com"} in access
    assert {"role": "READER", "userByEmail": PB_SA} in access
    assert others(gcloud, "website_eventstream") == INPUT_ACCESS + [
        {"role": "READER", "groupByEmail": "auditors@example.com"}]


def test_exclusive_removes_only_the_principals_extras(ansible, gcloud):
    gcloud.datasets[(PROJECT, "website_eventstream")]["access"] += [
        {"role": "roles/bigquery.dataOwner", "iamMember": "serviceAccount:" + PB_SA},
        {"role": "READER", "userByEmail": PB_SA}]
    gcloud.policies[PROJECT]["bindings"] += [
        {"role": "roles/bigquery.admin", "members": ["serviceAccount:" + PB_SA, "user:mike@example.com"]},
        {"role": "roles/bigquery.dataOwner", "members": ["serviceAccount:" + PB_SA]},
        {"role": "roles/editor", "members": ["serviceAccount:" + PB_SA]}]
    before_policy = copy.deepcopy(gcloud.policies[PROJECT]["bindings"])
    # The key as a no_log value read with lookup('file'): JSON text, so Ansible masks only that
    # text and not, say, the project ID inside the queries.
    task = args(gcloud, mode="exclusive", credentials="{{ lookup('file', '%s') }}" % gcloud.keyfile,
                credentials_path=None)
    result, again = ansible.playbook([{"name": "exclusive", "rudderstack.profiles.profiles_grants": task},
                                      {"name": "rerun", "rudderstack.profiles.profiles_grants": task}])
    assert not result.get("failed"), result
    assert "********" not in json.dumps(result["queries"]) and no_secret(result, gcloud)
    assert sorted(result["plan"]["to_revoke"]) == [
        "roles/bigquery.admin ON PROJECT %s" % PROJECT,
        "roles/bigquery.dataOwner ON DATASET %s.website_eventstream" % PROJECT,
        "roles/bigquery.dataOwner ON PROJECT %s" % PROJECT]
    # Only the principal's extra entry went; its READER stayed; other members untouched.
    assert entries_of(gcloud, "website_eventstream", PB_SA) == [{"role": "READER", "userByEmail": PB_SA}]
    assert others(gcloud, "website_eventstream") == INPUT_ACCESS
    bindings = gcloud.policies[PROJECT]["bindings"]
    assert {"role": "roles/bigquery.admin", "members": ["user:mike@example.com"]} in bindings
    assert not any(b["role"] == "roles/bigquery.dataOwner" for b in bindings)   # emptied: dropped
    assert {"role": "roles/editor", "members": ["serviceAccount:" + PB_SA]} in bindings  # not BigQuery's
    assert CONDITIONAL in bindings and before_policy[0] in bindings
    assert again["changed"] is False, again
    assert len(gcloud.writes()) == 4   # the first run: insert, setIamPolicy, two patches; the rerun none


def test_a_service_account_that_does_not_exist_fails_before_any_write(ansible, gcloud):
    """Nothing the adapter's APIs offer says whether a service account exists before a write
    (docs/bigquery.md); setIamPolicy, sent first, refuses one that does not exist and changes
    nothing: the run fails naming the option, with nothing written or applied."""
    ghost = "ghost@%s.iam.gserviceaccount.com" % PROJECT
    before = copy.deepcopy((gcloud.datasets, gcloud.policies))
    failed = ansible.module("profiles_grants", args(gcloud, principal=ghost))
    assert failed.get("failed") and failed["changed"] is False and failed["applied"] == [], failed
    assert failed["msg"].startswith("principal: the service account %s does not exist" % ghost), failed["msg"]
    assert "check principal" in failed["msg"] and len(failed["not_applied"]) == 4
    assert [w["path"] for w in gcloud.writes()] == ["/v3/projects/%s:setIamPolicy" % PROJECT]   # refused
    assert (gcloud.datasets, gcloud.policies) == before


DATASET_CONDITION = {"expression": "resource.name.startsWith(\"projects/%s/datasets/website_eventstream/tables/"
                                   "tracks\")" % PROJECT,
                     "title": "tracks only", "description": "analysts read the tracks table"}
CONDITIONAL_ENTRIES = [
    {"role": "roles/bigquery.dataViewer", "iamMember": "group:analysts@example.com", "condition": DATASET_CONDITION},
    {"role": "roles/bigquery.dataEditor", "userByEmail": PB_SA, "condition": DATASET_CONDITION},
]


def test_conditional_entries_and_bindings_survive_byte_for_byte(gcloud):
    """A dataset holding IAM-condition access entries (someone else's, and one of the
    principal's own) is read and patched with accessPolicyVersion=3: it is updated, not refused,
    and the conditional entries and the conditional project binding come back byte for byte
    after an append run, its rerun and an exclusive run. The principal's conditional entry is
    not counted as its role and never removed. In-process (module_utils, the real clients): the
    module's plumbing is the other tests' subject."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    stored = gcloud.datasets[(PROJECT, "website_eventstream")]
    stored["access"] += copy.deepcopy(CONDITIONAL_ENTRIES)
    stored["access"].append({"role": "OWNER", "userByEmail": PB_SA})   # an extra only exclusive removes

    def conditional_state():   # as datasets.get (version 3) and getIamPolicy return them
        entries = [e for e in gcloud.dataset_view(PROJECT, "website_eventstream")["access"] if "condition" in e]
        bindings = [b for b in gcloud.policies[PROJECT]["bindings"] if "condition" in b]
        return json.dumps(entries), json.dumps(bindings)
    before = conditional_state()
    assert len(json.loads(before[0])) == 2 and before[1] == json.dumps([CONDITIONAL])
    mine = json.loads(before[0])[1:]
    mark = len(gcloud.requests)
    append = registry.execute(args(gcloud), False)
    assert append["changed"] is True, append
    assert conditional_state() == before
    assert entries_of(gcloud, "website_eventstream", PB_SA) == mine + [
        {"role": "OWNER", "userByEmail": PB_SA}, {"role": "READER", "userByEmail": PB_SA}]
    dataset_calls = [r for r in gcloud.requests[mark:] if "/datasets" in r["path"]]
    assert dataset_calls and all(r["query"].get("accessPolicyVersion") == ["3"] for r in dataset_calls
                                 if r["method"] in ("GET", "PATCH")), dataset_calls
    again = registry.execute(args(gcloud), False)
    assert again["changed"] is False and again["queries"] == [], again
    exclusive = registry.execute(args(gcloud, mode="exclusive"), False)
    assert exclusive["plan"]["to_revoke"] == [
        "roles/bigquery.dataOwner ON DATASET %s.website_eventstream" % PROJECT], exclusive
    assert conditional_state() == before
    assert entries_of(gcloud, "website_eventstream", PB_SA) == mine + [{"role": "READER", "userByEmail": PB_SA}]


def test_model_hides_conditions_and_refuses_patches_without_version_3(gcloud):
    """The documented failure the adapter avoids, in the model: datasets.get without
    accessPolicyVersion=3 shows conditional entries as <role>_withcond_<hash>, and a patch of
    such a dataset without it is rejected, whatever it writes."""
    from tests.models.bigquery import ApiError
    gcloud.datasets[(PROJECT, "website_eventstream")]["access"] += copy.deepcopy(CONDITIONAL_ENTRIES)
    legacy = gcloud.get_dataset(ADMIN, PROJECT, "website_eventstream", version=0)["access"]
    shown = [e for e in legacy if "_withcond_" in e.get("role", "")]
    assert len(shown) == 2 and not any("condition" in e for e in legacy)
    assert shown[0]["role"].startswith("roles/bigquery.dataViewer_withcond_")
    full = gcloud.get_dataset(ADMIN, PROJECT, "website_eventstream", version=3)["access"]
    assert [e["condition"] for e in full if "condition" in e] == [DATASET_CONDITION] * 2
    for access in (legacy, full):
        with pytest.raises(ApiError) as err:
            gcloud.patch_dataset(ADMIN, PROJECT, "website_eventstream", {"access": access}, None, version=1)
        assert err.value.code == 400
    with pytest.raises(ApiError):   # a withcond role cannot be written back, even with version 3
        gcloud.patch_dataset(ADMIN, PROJECT, "website_eventstream", {"access": legacy}, None, version=3)
    gcloud.patch_dataset(ADMIN, PROJECT, "website_eventstream", {"access": full}, None, version=3)


def test_absent_revokes_what_present_granted(ansible, gcloud):
    present, absent = ansible.playbook([   # one ansible-playbook run, two tasks
        {"name": "present", "rudderstack.profiles.profiles_grants": args(gcloud)},
        {"name": "absent", "rudderstack.profiles.profiles_grants": args(gcloud, state="absent")}])
    assert present["changed"] is True and absent["changed"] is True, (present, absent)
    assert sorted(absent["plan"]["to_revoke"]) == sorted(present["plan"]["to_grant"])
    assert entries_of(gcloud, "rs_profiles", PB_SA) == []
    assert entries_of(gcloud, "website_eventstream", PB_SA) == []
    assert others(gcloud, "website_eventstream") == INPUT_ACCESS
    assert gcloud.policies[PROJECT]["bindings"] == SEED_BINDINGS
    assert ("acme-analytics", "rs_profiles") in gcloud.datasets   # datasets stay


def test_project_scope_binds_dataset_roles_on_the_project(ansible, gcloud):
    task = {"rudderstack.profiles.profiles_grants": args(gcloud, bigquery_role_scope="project")}
    first, second = ansible.playbook([dict(task, name="first"), dict(task, name="rerun")])
    assert first["changed"] is True and second["changed"] is False, (first, second)
    roles = set(b["role"] for b in gcloud.policies[PROJECT]["bindings"]
                if "serviceAccount:" + PB_SA in b["members"] and "condition" not in b)
    assert roles == {"roles/bigquery.jobUser", "roles/bigquery.dataEditor", "roles/bigquery.dataViewer"}
    assert entries_of(gcloud, "rs_profiles", PB_SA) == []
    assert entries_of(gcloud, "website_eventstream", PB_SA) == []
    # The rerun wrote nothing: the only writes are the first run's insert and one policy write.
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in gcloud.writes()] == [
        ("POST", "%s:setIamPolicy" % PROJECT), ("POST", "datasets")]


BAD_INPUT = [   # (options, message): checked in process, before any write
    (dict(credentials=json.dumps({"type": "service_account", "client_email": ADMIN}),
          credentials_path=None),
     "credentials: the service-account key lacks private_key, token_uri"),
    (dict(credentials=json.dumps({"type": "external_account"}), credentials_path=None),
     "credentials: key type 'external_account' is not supported here"),
    (dict(output_schema={"name": "rs-profiles"}),
     "output_schema.name: 'rs-profiles' is not a valid BigQuery dataset ID"),
    (dict(input_schemas=[{"name": "website_eventstream", "privileges": ["roles/bigquery.admin"]}]),
     "input_schemas[0].privileges: unknown dataset role 'roles/bigquery.admin'"),
    (dict(database_privileges=["roles/bigquery.jobuser", "roles/bigquery.superUser"]),
     "database_privileges: unknown project role 'roles/bigquery.superUser'"),
    (dict(principal="rudderstack"), "principal: 'rudderstack' is not a service-account e-mail"),
    (dict(input_schemas=[{"name": "missing_ds"}]), 'input_schemas[0].name: schema "missing_ds" does not exist'),
    (dict(input_schemas=[{"name": "website_eventstream", "tables": ["tracks"]}]),
     "input_schemas[0].tables[0]: not supported on warehouse bigquery"),
    (dict(project_id="Not A Project"), "project_id: 'Not A Project' is not a valid project ID"),
]


@pytest.mark.parametrize("extra, message", BAD_INPUT)
def test_bad_input_fails_clearly_before_any_write(gcloud, extra, message):
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
    with pytest.raises(GrantsError) as err:
        run_in_process(args(gcloud, **extra))
    assert message in str(err.value)
    assert gcloud.writes() == []


def test_bad_credentials_fail_clearly_through_ansible(ansible, gcloud):
    stranger = make_service_account_key(ADMIN, PROJECT, gcloud.url + "/token", generation=1)  # never registered
    text = json.dumps(stranger)   # the key as JSON text: Ansible then masks only the whole text
    cases = [
        # Resource Manager signs its own JWT: the API answers 401.
        (dict(credentials=text, credentials_path=None),
         "projects.getIamPolicy projects/%s: %s rejected the credentials (401)" % (PROJECT, gcloud.url)),
        # BigQuery first (no project roles managed): the OAuth token endpoint refuses the grant.
        (dict(credentials=text, credentials_path=None, database_privileges=[]),
         "the credentials were rejected by the token endpoint %s/token: ('invalid_grant: Invalid JWT "
         "Signature." % gcloud.url),
        (dict(credentials="{not json " + stranger["private_key"], credentials_path=None),
         "credentials: not a JSON key (JSONDecodeError at line 1 column 2)"),
        (dict(credentials=json.dumps(dict(stranger, private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
              credentials_path=None),
         "credentials: the key cannot be loaded"),
        (dict(credentials_path=gcloud.keyfile + ".missing"), "credentials_path: cannot read"),
        (dict(login_host="db.example.com"), "login_host (postgres, redshift, snowflake, databricks only) does not apply"),
    ]
    tasks = [{"name": "case %d" % i, "rudderstack.profiles.profiles_grants": args(gcloud, **extra),
              "ignore_errors": True} for i, (extra, dummy) in enumerate(cases)]
    results = ansible.playbook(tasks)   # one ansible-playbook run for all cases
    for (extra, message), result in zip(cases, results):
        assert result.get("failed"), (extra, result)
        assert message in result["msg"], (message, result["msg"])
        assert no_secret(result, gcloud) and stranger["private_key"].splitlines()[1] not in json.dumps(result)
        assert "********" not in result["msg"]
    assert gcloud.writes() == []


def test_unreachable_endpoint_times_out(ansible, gcloud):
    # A socket that listens but never answers: the connection is queued, no response ever comes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    url = "http://127.0.0.1:%d" % silent.getsockname()[1]
    try:
        start = time.monotonic()
        result = ansible.module("profiles_grants", args(gcloud, bigquery_resource_manager_endpoint=url,
                                                        connect_timeout=2))
        elapsed = time.monotonic() - start
    finally:
        silent.close()
    assert result.get("failed"), result
    assert "projects.getIamPolicy projects/%s" % PROJECT in result["msg"]
    assert url in result["msg"] and "2 s" in result["msg"], result["msg"]
    assert elapsed < 30


def test_siteconfig_for_the_same_service_account_matches(ansible, gcloud, tmp_path):
    """The grants and the siteconfig are written from one set of variables; the siteconfig's own
    credentials then read the output dataset through the real client (they could not before)."""
    from google.api_core import exceptions
    from google.cloud import bigquery
    from google.oauth2 import service_account

    siteconfig = tmp_path / "pb" / "siteconfig.yaml"
    play_vars = {"bq_project": PROJECT, "bq_output": "rs_profiles", "bq_key_file": gcloud.pbfile}
    grants = dict(args(gcloud), principal="{{ (lookup('file', bq_key_file) | from_json).client_email }}",
                  project_id="{{ bq_project }}", output_schema={"name": "{{ bq_output }}"})
    tasks = [
        {"name": "grants", "rudderstack.profiles.profiles_grants": grants},
        {"name": "siteconfig", "rudderstack.profiles.profiles_siteconfig": {
            "path": str(siteconfig), "connection": "bq", "target": "dev", "warehouse": "bigquery",
            "project_id": "{{ bq_project }}", "schema": "{{ bq_output }}",
            "credentials_path": "{{ bq_key_file }}"}},
    ]
    results = ansible.playbook(tasks, extra_vars=play_vars)
    assert all(not r.get("failed") for r in results), results
    output = yaml.safe_load(siteconfig.read_text())["connections"]["bq"]["outputs"]["dev"]
    assert output["type"] == "bigquery"
    assert output["project_id"] == PROJECT == gcloud.pb_key["project_id"]
    assert output["schema"] == "rs_profiles"
    assert output["user"] == PB_SA
    assert output["credentials"] == gcloud.pb_key
    assert entries_of(gcloud, output["schema"], output["user"]) == [{"role": "WRITER", "userByEmail": PB_SA}]

    def read_as(key, dataset):
        creds = service_account.Credentials.from_service_account_info(
            key, scopes=["https://www.googleapis.com/auth/cloud-platform"])
        client = bigquery.Client(project=key["project_id"], credentials=creds,
                                 client_options={"api_endpoint": gcloud.url})
        return client.get_dataset("%s.%s" % (output["project_id"], dataset), timeout=5, retry=None)

    assert read_as(output["credentials"], output["schema"]).dataset_id == "rs_profiles"
    with pytest.raises(exceptions.Forbidden):   # the model enforces access: an ungranted dataset fails
        gcloud.add_dataset(PROJECT, "private_ds", [{"role": "OWNER", "specialGroup": "projectOwners"}])
        read_as(output["credentials"], "private_ds")
    assert os.stat(siteconfig).st_mode & 0o777 == 0o600


def load_fixture(name):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "unit", "fixtures", "bigquery", name)
    with open(path) as f:
        return json.load(f)


def test_wire_shapes_match_googles_reference(gcloud):
    """In process (no Ansible): what the real clients send and what the model answers have the
    shapes of Google's REST reference (tests/unit/fixtures/bigquery/SOURCES.md)."""
    from tests.models.bigquery import ApiError

    result = run_in_process(args(gcloud))
    assert result["changed"] is True
    by_kind = {}
    for r in gcloud.requests:
        by_kind.setdefault((r["method"], r["path"].rsplit(":", 1)[-1] if ":" in r["path"] else r["path"]), []).append(r)
    assert by_kind[("POST", "getIamPolicy")][0]["body"] == load_fixture("get_iam_policy_request.json")
    sent = by_kind[("POST", "setIamPolicy")][0]["body"]
    reference = load_fixture("policy_example.json")
    assert set(sent) == {"policy"} and set(sent["policy"]) == set(reference)
    assert all(set(b) <= set(reference["bindings"][1]) for b in sent["policy"]["bindings"])
    patch = by_kind[("PATCH", "/bigquery/v2/projects/%s/datasets/website_eventstream" % PROJECT)][0]["body"]
    assert set(patch) == {"access"}
    example = load_fixture("dataset_example.json")
    fields = set().union(*[set(e) for e in example["access"]])
    assert all(set(e) <= fields for e in patch["access"])
    assert set(gcloud.dataset_view(PROJECT, "website_eventstream")) == set(example)
    assert ApiError(412, "FAILED_PRECONDITION", "Precondition check failed.", "conditionNotMet",
                    "If-Match").body() == load_fixture("precondition_failed_412.json")


def run_in_process(params, check_mode=False):
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.bigquery import BigQueryAdapter
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import build_desired, run
    adapter = BigQueryAdapter(params=params)
    try:
        desired = build_desired(params, adapter)
        adapter.connect()
        return run(adapter, desired, check_mode=check_mode)
    finally:
        adapter.close()


def test_retries_are_bounded(gcloud):
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError

    def other_writer(model):
        model.touch_policy(PROJECT)

    gcloud.inject_concurrent_change("policy:" + PROJECT, other_writer, times=99)
    with pytest.raises(GrantsError, match=r"^projects.setIamPolicy projects/acme-analytics .*: the policy kept "
                                          r"changing concurrently; gave up after 5 attempts$"):
        run_in_process(args(gcloud, input_schemas=[], output_schema=None))
    sets = [r["status"] for r in gcloud.requests if r["path"].endswith(":setIamPolicy")]
    assert sets == [409] * 5
    assert gcloud.policies[PROJECT]["bindings"] == SEED_BINDINGS


def test_unreachable_token_endpoint_times_out(gcloud, tmp_path):
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(0)
    key = dict(gcloud.admin_key, token_uri="http://127.0.0.1:%d/token" % silent.getsockname()[1])
    try:
        start = time.monotonic()
        with pytest.raises(GrantsError) as err:
            # BigQuery first (no project roles): its client fetches an OAuth token.
            run_in_process(args(gcloud, credentials=json.dumps(key), credentials_path=None,
                                database_privileges=[], connect_timeout=2))
        elapsed = time.monotonic() - start
    finally:
        silent.close()
    assert "datasets.get projects/%s/datasets/rs_profiles" % PROJECT in str(err.value)
    assert key["token_uri"] in str(err.value) and "2 s" in str(err.value), str(err.value)
    assert elapsed < 20, elapsed


@pytest.mark.parametrize("names", ["current", "former"])
def test_warehouse_grants_role_on_bigquery(ansible, gcloud, names):
    """The role with its defaults (owned_by_principal true, which BigQuery ignores) and the
    generated variables; an inventory written with the variables' former names (before
    profiles_grants took pb's siteconfig names) works the same."""
    project, credentials = {"current": ("project_id", "credentials_path"),
                            "former": ("bigquery_project", "bigquery_credentials_file")}[names]
    role_vars = {"warehouse_grants_warehouse": "bigquery", "warehouse_grants_principal": PB_SA,
                 "warehouse_grants_" + project: PROJECT,
                 "warehouse_grants_" + credentials: gcloud.keyfile,
                 "warehouse_grants_bigquery_api_endpoint": gcloud.url,
                 "warehouse_grants_bigquery_resource_manager_endpoint": gcloud.url,
                 "warehouse_grants_input_schemas": [{"name": "website_eventstream"}]}
    results = ansible.playbook([{"name": "grants", "ansible.builtin.include_role": {
        "name": "rudderstack.profiles.warehouse_grants"}, "vars": role_vars}])
    assert not any(r.get("failed") for r in results), results
    assert entries_of(gcloud, "rs_profiles", PB_SA) == [{"role": "WRITER", "userByEmail": PB_SA}], (
        results[-1].get("queries"), results[-1].get("plan"), results[-1].get("msg"))
    assert entries_of(gcloud, "website_eventstream", PB_SA) == [{"role": "READER", "userByEmail": PB_SA}]
    assert "serviceAccount:" + PB_SA in gcloud.policies[PROJECT]["bindings"][1]["members"]
