"""The AWX / Automation Platform credential types (playbooks/files/credential_types/): importable
bodies that follow AWX's rules, one per warehouse family, covering every warehouse of the
catalogue, and whose injected values reach profiles_grants without extra wiring: each credential
is rendered the way AWX renders it (tests/helpers/awx.py) and the warehouse's own adapter resolves
its connection from the result (environment fallbacks, the warehouse_grants role's variables).
The run through ansible-runner and an EE: tests/integration/awx/."""
import glob
import json
import os

import jinja2
import jinja2.meta
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
from tests.helpers import awx

REPO = generate.REPO
TYPES = dict((os.path.basename(p)[:-4], p) for p in sorted(glob.glob(os.path.join(REPO, "playbooks", "files", "credential_types", "*.yml"))))
ROLE_PREFIX = "warehouse_grants_"


def _load(name):
    with open(TYPES[name]) as handle:
        return yaml.safe_load(handle)


def _role_options():
    with open(os.path.join(REPO, "roles", "warehouse_grants", "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def _served(ctype):
    """The warehouses a type serves: its warehouse_grants_warehouse, literal or an input's choices."""
    template = ctype["injectors"]["extra_vars"]["warehouse_grants_warehouse"]
    variables = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template))
    if not variables:
        return [template]
    field = next(f for f in ctype["inputs"]["fields"] if f["id"] in variables)
    return field["choices"]


def _templates(ctype):
    injectors = ctype["injectors"]
    for kind in ("file", "env", "extra_vars"):
        for name, template in (injectors.get(kind) or {}).items():
            yield kind, name, template


def test_one_type_per_family_covers_the_catalogue():
    # A file per family, named after the family's first warehouse.
    assert all(_served(_load(name))[0] == name for name in TYPES)
    served = [w for name in TYPES for w in _served(_load(name))]
    assert sorted(served) == sorted(warehouses.names())


@pytest.mark.parametrize("name", sorted(TYPES))
def test_follows_awx_rules(name):
    ctype = _load(name)
    assert set(ctype) == {"name", "description", "kind", "inputs", "injectors"}
    assert ctype["kind"] in ("cloud", "net")   # the kinds a custom type may have
    assert set(ctype["injectors"]) <= {"file", "env", "extra_vars"}
    ids = [f["id"] for f in ctype["inputs"]["fields"]]
    assert len(ids) == len(set(ids))
    assert set(ctype["inputs"]["required"]) <= set(ids)
    for field in ctype["inputs"]["fields"]:
        assert set(field) <= {"id", "label", "type", "secret", "multiline", "choices", "default", "help_text", "format"}
        assert field["type"] in ("string", "boolean")
        if "default" in field and "choices" in field:
            assert field["default"] in field["choices"]
    for kind, key, template in _templates(ctype):
        used = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template))
        assert used <= set(ids) | {"tower"}, (key, used)
        if kind == "env":
            # AWX refuses ANSIBLE_ names for custom types and ignores the ones it reserves.
            assert not key.startswith("ANSIBLE_") and key not in awx.ENV_BLOCKLIST and key.isupper(), key
        if kind == "file":
            assert key == "template" or key.startswith("template."), key


@pytest.mark.parametrize("name", sorted(TYPES))
def test_injects_only_what_the_role_and_module_read(name):
    """Every environment variable is an environment fallback of one of the served warehouses'
    options; every extra variable is an option of the warehouse_grants role."""
    ctype = _load(name)
    role = _role_options()
    for warehouse in _served(ctype):
        fallbacks = set(env for spec in registry.ADAPTERS[warehouse].CONNECTION_OPTIONS.values() for env in spec["env"])
        assert set(ctype["injectors"].get("env", {})) <= fallbacks, (warehouse, fallbacks)
    for variable in ctype["injectors"].get("extra_vars", {}):
        assert variable in role, "%s is not a variable of the warehouse_grants role" % variable


@pytest.mark.parametrize("name", sorted(TYPES))
def test_secrets_reach_only_files_and_no_log_options(name, tmp_path):
    """A secret input goes into a file or into a role variable passed to a no_log option of
    profiles_grants; never into an environment variable, which ansible-runner writes, in clear,
    into a containerised job's artifacts (artifacts/<ident>/env.list, ansible-runner 2.4
    runner.py), and which its worker streams back to the controller with them."""
    ctype = _load(name)
    inputs = dict((f["id"], f.get("default") or "marker-of-%s" % f["id"]) for f in ctype["inputs"]["fields"])
    secrets = awx.secret_values(ctype, inputs)
    assert secrets, "a credential type without a secret"
    env, args = awx.inject(ctype, inputs, str(tmp_path), root=str(tmp_path))
    for variable, value in env.items():
        assert not [s for s in secrets if s in value], "%s carries a secret into the job's environment" % variable
    with open(args[1][1:]) as handle:
        extra_vars = yaml.safe_load(handle)
    options = dict((n, spec) for w in _served(ctype) for n, spec in registry.ADAPTERS[w].options().items())
    for variable, value in extra_vars.items():
        if [s for s in secrets if s in str(value)]:
            assert options[variable[len(ROLE_PREFIX):]]["no_log"], "%s carries a secret to an option that is logged" % variable


# -- rendered as AWX renders them, resolved by the warehouse's adapter ---------------------------
def _params(adapter_cls, extra_vars):
    """profiles_grants' parameters as the warehouse_grants role passes them: its variables, each
    warehouse_grants_<option> as <option>; the rest unset."""
    params = dict((n, None) for n in adapter_cls.options())
    params.update((n, s["default"]) for n, s in registry.COMMON_OPTIONS.items())
    for variable, value in extra_vars.items():
        if variable != ROLE_PREFIX + "warehouse":
            params[variable[len(ROLE_PREFIX):]] = value
    params["warehouse"] = extra_vars[ROLE_PREFIX + "warehouse"]
    return params


def _render(name, inputs, tmp_path, monkeypatch, inventory=None):
    """Injects the credential into a private data dir under tmp_path; the environment is set
    for the test; ``inventory``: the role's other variables (what is not a credential). Returns
    (adapter, env, extra_vars)."""
    ctype = _load(name)
    env, args = awx.inject(ctype, inputs, str(tmp_path), root=str(tmp_path))
    assert args[0] == "-e" and args[1].startswith("@" + str(tmp_path / "env"))
    with open(args[1][1:]) as handle:
        extra_vars = yaml.safe_load(handle)
    for variable in list(os.environ):
        if variable.startswith(("PG", "SNOWFLAKE_", "DATABRICKS_", "GOOGLE_")):
            monkeypatch.delenv(variable)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    params = _params(registry.ADAPTERS[extra_vars[ROLE_PREFIX + "warehouse"]], dict(inventory or {}, **extra_vars))
    return registry.adapter_for(params), env, extra_vars


@pytest.mark.parametrize("warehouse, port, expected_port", [("postgres", "", 5432), ("redshift", "5439", 5439)])
def test_postgres_family_reaches_the_connection(warehouse, port, expected_port, tmp_path, monkeypatch):
    inputs = {"warehouse": warehouse, "host": "db.example.com", "port": port, "database": "analytics",
              "username": "admin", "password": "s3cret-pw", "sslmode": "verify-full",
              "ssl_rootcert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}
    adapter, env, extra_vars = _render("postgres", inputs, tmp_path, monkeypatch)
    assert adapter.NAME == warehouse
    kwargs = adapter.connect_kwargs()
    assert {k: kwargs[k] for k in ("host", "port", "user", "password", "dbname", "sslmode")} == {
        "host": "db.example.com", "port": expected_port, "user": "admin", "password": "s3cret-pw",
        "dbname": "analytics", "sslmode": "verify-full"}
    with open(kwargs["sslrootcert"]) as handle:
        assert handle.read() == inputs["ssl_rootcert"]
    assert oct(os.stat(kwargs["sslrootcert"]).st_mode & 0o777) == "0o600"
    assert "s3cret-pw" not in json.dumps(env)


def _pem(passphrase=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


SNOWFLAKE = {"account": "myorg-acct", "username": "PROVISIONER", "database": "ANALYTICS", "role": "SECURITYADMIN"}


@pytest.mark.parametrize("auth", ["key pair with passphrase", "key pair", "password", "oauth"])
def test_snowflake_logs_in_the_way_chosen(auth, tmp_path, monkeypatch):
    inputs = dict(SNOWFLAKE)
    if auth.startswith("key pair"):
        inputs["private_key"] = _pem("pass-phrase" if "passphrase" in auth else None)
        inputs["private_key_passphrase"] = "pass-phrase" if "passphrase" in auth else ""
    elif auth == "password":
        inputs["password"] = "sf-password"
    else:
        inputs["oauth_token"] = "oauth-token-value"
    adapter, env, extra_vars = _render("snowflake", inputs, tmp_path, monkeypatch)
    kwargs = adapter.connect_kwargs()
    assert (kwargs["account"], kwargs["user"], kwargs["database"], kwargs["role"]) == (
        "myorg-acct", "PROVISIONER", '"ANALYTICS"', '"SECURITYADMIN"')
    if auth.startswith("key pair"):
        assert kwargs["authenticator"] == "SNOWFLAKE_JWT" and kwargs["private_key"].startswith(b"0")
        assert "password" not in kwargs and "token" not in kwargs
    elif auth == "password":
        assert kwargs["password"] == "sf-password" and "authenticator" not in kwargs
    else:
        assert (kwargs["authenticator"], kwargs["token"]) == ("oauth", "oauth-token-value")
    # The secrets travel as the role's variables, the methods not chosen as empty ones.
    assert extra_vars[ROLE_PREFIX + "snowflake_oauth_token"] == inputs.get("oauth_token", "")
    assert extra_vars[ROLE_PREFIX + "login_password"] == inputs.get("password", "")
    assert not set(env.values()) & set(awx.secret_values(_load("snowflake"), inputs))


def test_bigquery_key_file_reaches_the_connection(tmp_path, monkeypatch):
    key = {"type": "service_account", "project_id": "acme-analytics", "client_email": "grants@acme.iam.gserviceaccount.com"}
    adapter, env, extra_vars = _render("bigquery", {"service_account_json": json.dumps(key), "project_id": "acme-prod"},
                                       tmp_path, monkeypatch)
    params = adapter.connection_params(adapter.params)
    with open(params["credentials_path"]) as handle:
        assert json.load(handle) == key
    assert params["project_id"] == "acme-prod"


@pytest.mark.parametrize("inputs, expected", [
    ({"host": "https://acme.cloud.databricks.com", "token": "dapi-token"}, ("pat", "token", "dapi-token")),
    ({"host": "https://acme.cloud.databricks.com", "client_id": "sp-app-id", "client_secret": "sp-secret"},
     ("oauth-m2m", "client_secret", "sp-secret")),
])
def test_databricks_token_or_oauth_m2m(inputs, expected, tmp_path, monkeypatch):
    adapter, env, extra_vars = _render("databricks", inputs, tmp_path, monkeypatch,
                                       inventory={ROLE_PREFIX + "catalog": "main"})
    auth_type, config = adapter.auth()
    assert (auth_type, expected[1], config[expected[1]]) == expected
    assert config["host"] == "https://acme.cloud.databricks.com"
