"""The option table of profiles_grants: one source (the adapters in the registry) for the
argument spec, the doc fragment and the warehouse_grants role, and the checks it drives."""
import pytest

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import option
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
from toy_warehouse import ToyAdapter, add_toy


@pytest.fixture
def with_toy(monkeypatch):
    """The toy warehouse in the catalogue: its adapter reaches the registry from there."""
    add_toy(monkeypatch)


def test_generated_files_are_current():
    assert generate.stale() == []


def test_argument_spec_is_the_union_of_the_adapters(with_toy):
    spec = registry.argument_spec()
    # Catalogue order, the toy last.
    assert spec["warehouse"]["choices"][-1] == "toy"
    assert registry.ADAPTERS["toy"] is ToyAdapter
    assert spec["tenant"] == {"type": "str"}
    assert spec["login_password"] == {"type": "str", "no_log": True}
    assert spec["toy_pools"] == {"type": "list", "elements": "str"}
    assert spec["connect_timeout"] == {"type": "int", "default": 10}
    assert "default" not in spec["retries"] and "default" not in spec["sslmode"]
    assert registry.principal_types()[:2] == ["user", "role"]
    assert registry.principal_types()[-1] == "service"


def test_docs_role_and_spec_agree(with_toy):
    spec = registry.argument_spec()
    import yaml
    doc = yaml.safe_load(generate.render_fragment(registry).split('r"""', 1)[1].split('"""')[0])
    assert set(doc["options"]) == set(spec) | {"principal_type"}
    for name, entry in spec.items():
        assert doc["options"][name]["type"] == entry["type"], name
        assert doc["options"][name].get("choices") == entry.get("choices"), name
        assert doc["options"][name].get("default") == entry.get("default"), name
    assert "toy-connector>=1.2 (pip) for toy, on the host that runs the module" in doc["requirements"]
    assert "Used by V(toy) only." in doc["options"]["tenant"]["description"]
    assert "Falls back to E(TOY_TENANT)." in doc["options"]["tenant"]["description"]
    role = generate.role_specs(registry)
    names = set(spec) | {"principal_type"} | set(a for entry in spec.values() for a in entry.get("aliases", ()))
    assert set(role) == set("warehouse_grants_" + n for n in names)
    assert role["warehouse_grants_warehouse"]["required"] is True
    task = generate.render_role_task(registry)
    assert '    tenant: "{{ warehouse_grants_tenant | default(omit) }}"\n' in task


def test_an_option_of_another_warehouse_is_an_error(with_toy):
    with pytest.raises(GrantsError) as err:
        registry.adapter_for({"warehouse": "postgres", "tenant": "xy123", "login_host": "h"})
    assert str(err.value).startswith("tenant (toy only) does not apply to warehouse postgres; its options: ")
    with pytest.raises(GrantsError, match=r"login_host \(postgres, redshift[a-z, ]* only\), sslmode "):
        registry.adapter_for({"warehouse": "toy", "login_host": "h", "sslmode": "require"})
    assert isinstance(registry.adapter_for({"warehouse": "toy", "tenant": "a"}), ToyAdapter)


def test_same_name_declared_differently_is_refused(with_toy, monkeypatch):
    monkeypatch.setitem(ToyAdapter.CONNECTION_OPTIONS, "login_port", option("str", "A port as text."))
    with pytest.raises(GrantsError, match="option login_port: toy declares it differently from postgres"):
        registry.argument_spec()


def test_connection_params_fallbacks_defaults_and_required(monkeypatch):
    monkeypatch.delenv("TOY_TENANT", raising=False)
    with pytest.raises(GrantsError, match="tenant is required for warehouse toy: set it or the "
                                          "environment variable TOY_TENANT"):
        ToyAdapter.connection_params({})
    monkeypatch.setenv("TOY_TENANT", "from-env")
    assert ToyAdapter.connection_params({"retries": None}) == {
        "tenant": "from-env", "login_password": None, "retries": 3}
    assert ToyAdapter.connection_params({"tenant": "given", "retries": 0})["tenant"] == "given"
    assert ToyAdapter.connection_params({"retries": 0})["retries"] == 0


def test_libpq_environment_fallbacks(monkeypatch):
    monkeypatch.setenv("PGPORT", "6543")
    monkeypatch.setenv("PGSSLMODE", "require")
    adapter = registry.adapter_for({"warehouse": "redshift", "login_host": "h", "connect_timeout": 4})
    kwargs = adapter.connect_kwargs()
    assert (kwargs["port"], kwargs["sslmode"], kwargs["connect_timeout"]) == (6543, "require", 4)
    monkeypatch.delenv("PGPORT")
    monkeypatch.delenv("PGSSLMODE")
    kwargs = registry.adapter_for({"warehouse": "redshift", "login_host": "h"}).connect_kwargs()
    assert (kwargs["port"], kwargs["sslmode"]) == (5439, "prefer")


def test_environment_values_are_checked_against_choices(monkeypatch):
    monkeypatch.setenv("PGSSLMODE", "sometimes")
    with pytest.raises(GrantsError, match="sslmode: 'sometimes' is not one of disable, allow, prefer"):
        registry.adapter_for({"warehouse": "postgres"}).connect_kwargs()
