"""profiles_siteconfig's option table (plugins/module_utils/pb/siteconfig/options.py) is the one
source of the argument spec, the docs, the pb keys, the secrets and the role passthrough: these
tests fail when something derived from it is stale or disagrees with it."""
import ast
import os
import re

import pytest
import yaml

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import document as sc
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import options as opts

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _module_documentation():
    with open(os.path.join(REPO, "plugins/modules/profiles_siteconfig.py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION")


def test_generated_text_is_up_to_date():
    """Run `python -m devtools.generate` after changing the table."""
    assert generate.stale() == []


def test_documentation_agrees_with_the_argument_spec():
    docs = _module_documentation()["options"]
    spec = opts.argument_spec()
    assert list(docs) == list(spec)

    def agree(doc, spec, where):
        assert doc["type"] == spec["type"], where
        for key in ("required", "default", "choices", "elements"):
            assert doc.get(key) == spec.get(key), "%s.%s" % (where, key)
        assert sorted(doc.get("suboptions", {})) == sorted(spec.get("options", {})), where
        for name, sub in doc.get("suboptions", {}).items():
            agree(sub, spec["options"][name], where + "." + name)

    for name in spec:
        agree(docs[name], spec[name], name)


def test_role_passes_every_setting_and_its_spec_lists_them():
    with open(os.path.join(REPO, "roles/profiles_connection/tasks/main.yml")) as handle:
        task = yaml.safe_load(handle)[-1]["rudderstack.profiles.profiles_siteconfig"]
    passed = [k for k, v in task.items() if "profiles_connection_settings." in str(v)]
    assert passed == list(opts.SETTINGS)
    assert set(task) == set(opts.BY_NAME), "every module option reaches the module from the role"
    with open(os.path.join(REPO, "roles/profiles_connection/meta/argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    settings = specs["profiles_connection_settings"]["options"]
    assert list(settings) == list(opts.SETTINGS)
    for name in opts.SETTINGS:
        assert settings[name]["type"] == opts.BY_NAME[name].type


def test_secret_options_are_no_log_and_their_keys_redacted():
    for option in opts.OPTIONS:
        assert opts.argument_spec()[option.name]["no_log"] is option.secret
        if option.secret and option.pb:
            assert option.pb.split(".")[-1] in opts.SECRET_KEYS


SECRETS = {  # every secret option, with the other options its warehouse needs
    "snowflake": dict(account="a", snowflake_warehouse="w", dbname="d", role="r", user="u", schema="s",
                      private_key="-----BEGIN PRIVATE KEY-----\nsekrit1x\n-----END PRIVATE KEY-----\n",
                      private_key_passphrase="sekrit2x"),
    "snowflake-mfa": dict(account="a", snowflake_warehouse="w", dbname="d", role="r", user="u", schema="s",
                          password="sekrit3x", snowflake_passcode="sekrit4x"),
    "redshift": dict(dbname="d", user="u", schema="s", host="h", password="sekrit5x", ssh_host="b", ssh_user="u",
                     ssh_private_key="-----BEGIN OPENSSH PRIVATE KEY-----\nsekrit6x\n-----END OPENSSH PRIVATE KEY-----\n"),
    "redshift-v2": dict(redshift_driver="v2", dbname="d", user="u", schema="s", region="r",
                        workgroup_name="w", access_key_id="sekrit7x", secret_access_key="sekrit8x", session_token="sekrit9x"),
    "bigquery": dict(project_id="p", schema="s", credentials={
        "client_email": "e@p", "private_key": "sekrit10x", "private_key_id": "sekrit11x", "refresh_token": "sekrit12x"}),
    "databricks": dict(host="h", http_endpoint="/x", catalog="c", user="u", schema="s", access_token="sekrit13x"),
    "databricks-oauth": dict(host="h", http_endpoint="/x", catalog="c", user="u", schema="s", client_id="i",
                             client_secret="sekrit14x"),
    "postgres": dict(host="h", dbname="d", user="u", password="sekrit15x", schema="s"),
}


@pytest.mark.parametrize("case", sorted(SECRETS))
def test_no_secret_reaches_the_diff(case):
    warehouse = case.split("-")[0]
    output = sc.build_output(warehouse, SECRETS[case])
    assert set(output) <= opts.MANAGED_OUTPUT_KEYS  # a stale one would outlive an auth change
    data = sc.set_output(sc.new_siteconfig("/p", "/c"), "c", "t", output)
    text = sc.render_siteconfig(sc.redact(data))
    markers = re.findall(r"sekrit\d+x", repr(SECRETS[case]))
    assert markers and all(m in sc.render_siteconfig(data) for m in markers)  # the file has them
    for marker in markers:
        assert marker not in text, (marker, text)
