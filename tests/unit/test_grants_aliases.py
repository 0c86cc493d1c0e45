"""profiles_grants' options take the names pb's siteconfig uses (the admin's endpoint and
identity are login_*); the former names stay as aliases. The golden cases (plan_cases.py) are
written with the former names: here they are planned again with the current names, and through
the module's real argument spec (Ansible resolves the aliases), and must plan exactly what
golden_plans.json recorded."""
import json

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

import plan_cases
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
from ansible_collections.rudderstack.profiles.plugins.modules import profiles_grants

with open(plan_cases.GOLDEN, encoding="utf-8") as _handle:
    GOLDEN = json.load(_handle)["cases"]

# Former name -> name, as the issue states the rename; the adapters must declare exactly these.
RENAMED = {
    "snowflake_account": "account", "snowflake_private_key": "private_key",
    "snowflake_private_key_path": "private_key_path", "snowflake_private_key_passphrase": "private_key_passphrase",
    "snowflake_role": "role",
    "bigquery_project": "project_id", "bigquery_credentials_file": "credentials_path", "bigquery_credentials": "credentials",
    "databricks_token": "access_token", "databricks_client_id": "client_id", "databricks_client_secret": "client_secret",
    "databricks_catalog": "catalog", "databricks_host": "login_host",
}


def aliases():
    """alias -> option name, over every adapter."""
    return dict((alias, name) for cls in registry.ADAPTERS.values() for name, entry in cls.options().items()
                for alias in entry["aliases"])


def test_every_former_name_is_an_alias_of_its_new_name():
    table = aliases()
    assert dict((old, table.get(old)) for old in RENAMED) == RENAMED
    spec = registry.argument_spec()
    for old, new in RENAMED.items():
        assert old in spec[new]["aliases"], old
        assert old not in spec


def test_environment_fallbacks_are_unchanged():
    options = dict((cls.NAME, cls.options()) for cls in registry.ADAPTERS.values())
    assert options["snowflake"]["account"]["env"] == ("SNOWFLAKE_ACCOUNT",)
    assert options["snowflake"]["private_key_path"]["env"] == ("SNOWFLAKE_PRIVATE_KEY_PATH",)
    assert options["snowflake"]["private_key_passphrase"]["env"] == ("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",)
    assert options["bigquery"]["project_id"]["env"] == ("GOOGLE_CLOUD_PROJECT",)
    assert options["databricks"]["login_host"]["env"] == ("DATABRICKS_HOST",)
    assert options["databricks"]["access_token"]["env"] == ("DATABRICKS_TOKEN",)
    assert options["databricks"]["client_id"]["env"] == ("DATABRICKS_CLIENT_ID",)
    assert options["databricks"]["client_secret"]["env"] == ("DATABRICKS_CLIENT_SECRET",)


def test_the_golden_cases_use_former_names():
    used = set(k for case in plan_cases.CASES for k in case.params if k in RENAMED)
    assert used >= {"snowflake_role", "databricks_host", "databricks_token", "databricks_catalog"}


def renamed(params):
    table = aliases()
    return dict((table.get(k, k), v) for k, v in params.items())


def through_ansible(params):
    """The module's parameters as AnsibleModule hands them over: aliases resolved (the alias
    keys kept beside the names), defaults filled in. An input schema given by its name alone
    (model.build_desired's shorthand) is written as the module takes it."""
    params = dict(params, input_schemas=[{"name": s} if isinstance(s, str) else s
                                         for s in params.get("input_schemas") or []])
    result = ArgumentSpecValidator(profiles_grants.argument_spec()).validate(params)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def without_params(result):
    return dict((k, v) for k, v in result.items() if k != "params")


@pytest.mark.parametrize("spelling", ["current names", "former names through Ansible", "current names through Ansible"])
@pytest.mark.parametrize("case", plan_cases.CASES, ids=lambda case: case.id)
def test_both_spellings_plan_as_recorded(case, spelling):
    params = renamed(case.params) if spelling.startswith("current") else dict(case.params)
    if spelling.endswith("through Ansible"):
        params = through_ansible(params)
    actual = plan_cases.compute(plan_cases.Case(case.id, params, case.current))
    assert without_params(actual) == without_params(GOLDEN[case.id])


def test_an_alias_of_another_warehouse_is_reported_as_written():
    # A plain dict holds only the name written.
    with pytest.raises(GrantsError) as err:
        registry.adapter_for({"warehouse": "postgres", "snowflake_account": "xy123", "login_host": "h"})
    assert str(err.value).startswith("snowflake_account (snowflake only) does not apply to warehouse postgres")
    # Ansible keeps the alias beside the option it sets.
    for written, reported in (("snowflake_role", "snowflake_role (snowflake only)"),
                              ("role", "role (snowflake only)"),
                              ("databricks_catalog", "databricks_catalog (databricks only)")):
        params = through_ansible({"warehouse": "redshift", "principal": "p", written: "x"})
        with pytest.raises(GrantsError) as err:
            registry.adapter_for(params)
        assert str(err.value).startswith(reported + " does not apply to warehouse redshift"), str(err.value)


def test_a_shared_option_by_another_warehouses_alias_is_an_error():
    # login_host is postgres' too, but databricks_host names it for databricks only.
    params = through_ansible({"warehouse": "postgres", "principal": "p", "databricks_host": "h"})
    assert params["login_host"] == "h"
    with pytest.raises(GrantsError) as err:
        registry.adapter_for(params)
    assert str(err.value).startswith("databricks_host (databricks only) does not apply to warehouse postgres")
    # The aliases every user of login_host shares are its own.
    assert registry.adapter_for(through_ansible({"warehouse": "postgres", "principal": "p", "host": "h"}))
    assert registry.adapter_for(through_ansible({"warehouse": "databricks", "principal": "p", "databricks_host": "h"}))
    with pytest.raises(GrantsError) as err:
        registry.adapter_for(through_ansible({"warehouse": "bigquery", "principal": "p", "host": "h"}))
    assert str(err.value).startswith("host (postgres, redshift, snowflake, databricks only) does not apply")


def test_plain_callers_may_use_either_name():
    adapter = registry.adapter_for({"warehouse": "databricks", "databricks_host": "adb-1.azuredatabricks.net",
                                    "databricks_token": "dapi-x", "databricks_catalog": "Main"})
    assert adapter.catalog_name() == "main"
    assert adapter.auth()[1]["host"] == "https://adb-1.azuredatabricks.net"
    # The name wins over an alias given beside it (Ansible warns and does the same).
    resolved = registry.ADAPTERS["bigquery"].resolve_aliases({"project_id": "a-project", "bigquery_project": "b"})
    assert resolved["project_id"] == "a-project"
