"""Merging, removal, redaction, loading and input validation of module_utils/pb/siteconfig/document.py."""
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from siteconfig_loader import fixture, load

sc = load()

PG = dict(host="127.0.0.2", port=5432, dbname="db", user="u", password="pw-secret", schema="s")
SF = dict(account="a", snowflake_warehouse="w", dbname="d", role="r", user="u", schema="s",
          password="sf-secret")
PEM = "-----BEGIN PRIVATE KEY-----\nMIIBODY\n-----END PRIVATE KEY-----\n"


def base():
    return sc.new_siteconfig("/h/.pb/siteconfig.yaml", "/h/.pb/WhtCache")


def put(data, connection, target, warehouse, options, default_target=False):
    return sc.set_output(data, connection, target, sc.build_output(warehouse, options), default_target)


# --- merging ----------------------------------------------------------------------------------

def test_new_connection_gets_its_first_target_as_default():
    data = put(base(), "c", "prod", "postgres", PG)
    assert data["connections"]["c"]["target"] == "prod"


def test_adding_a_target_keeps_default_unless_asked():
    data = put(base(), "c", "dev", "postgres", PG)
    data = put(data, "c", "prod", "postgres", PG)
    assert data["connections"]["c"]["target"] == "dev"
    assert sorted(data["connections"]["c"]["outputs"]) == ["dev", "prod"]
    data = put(data, "c", "prod", "postgres", PG, default_target=True)
    assert data["connections"]["c"]["target"] == "prod"


def test_merge_keeps_other_connections_unknown_keys_and_py_models():
    before = sc.parse_siteconfig(fixture("30_handwritten_before.yaml"))
    after = put(before, "new", "dev", "postgres", PG)
    assert after["connections"]["hand"] == before["connections"]["hand"]
    assert after["unknown_top_level"] == 42
    assert after["py_models"] == {"enabled": True, "python_path": "/usr/bin/python3"}
    text = sc.render_siteconfig(after)
    assert "custom_unknown_field: keepme" in text and "unknown_top_level: 42" in text


def test_update_keeps_unmanaged_output_keys_and_drops_stale_auth():
    before = sc.parse_siteconfig(fixture("30_handwritten_before.yaml"))
    options = dict(SF, password=None, private_key=PEM)
    after = put(before, "hand", "dev", "snowflake", options)
    out = after["connections"]["hand"]["outputs"]["dev"]
    assert out["custom_unknown_field"] == "keepme"
    assert "password" not in out  # switching to key pair leaves no stale password behind
    assert out["useKeyPairAuth"] is True and out["privateKey"] == PEM


def test_set_output_does_not_mutate_input():
    data = base()
    put(data, "c", "dev", "postgres", PG)
    assert data["connections"] == {}


def test_remove_target_and_connection():
    data = put(put(base(), "c", "dev", "postgres", PG), "c", "prod", "postgres", PG)
    data = put(data, "other", "dev", "postgres", PG)
    removed = sc.remove_output(data, "c", "prod")
    assert sorted(removed["connections"]["c"]["outputs"]) == ["dev"]
    assert "other" in removed["connections"]
    gone = sc.remove_output(data, "c")
    assert sorted(gone["connections"]) == ["other"]
    # removing the last target removes the connection
    assert "c" not in sc.remove_output(removed, "c", "dev")["connections"]
    # unknown names are a no-op
    assert sc.remove_output(data, "nope") == data
    assert sc.remove_output(data, "c", "nope") == data


def test_removing_the_default_target_while_others_remain_fails():
    data = put(put(base(), "c", "dev", "postgres", PG), "c", "prod", "postgres", PG)
    with pytest.raises(sc.InvalidOption, match="default target of connection c.*prod"):
        sc.remove_output(data, "c", "dev")


def test_py_models_and_gitcreds_upsert():
    data = sc.set_py_models(base(), True, "/venv/bin/python")
    assert data["py_models"]["enabled"] is True
    assert data["py_models"]["python_path"] == "/venv/bin/python"
    assert data["py_models"]["allowed_git_urls_regex"] == ""
    data = sc.upsert_gitcreds(data, [sc.gitcred_entry("r1", key=PEM)])
    data = sc.upsert_gitcreds(data, [sc.gitcred_entry("r2", username="u", password="p"),
                                     sc.gitcred_entry("r1", username="x", password="y")])
    assert [g["reporegex"] for g in data["gitcreds"]] == ["r1", "r2"]
    assert data["gitcreds"][0] == {"reporegex": "r1", "basic_auth": {"username": "x", "password": "y"}}


# --- redaction --------------------------------------------------------------------------------

def test_redaction_hides_every_secret():
    secrets = ["pw-secret", "sf-secret", "MIIBODY", "SECRETKEY", "AKIAID", "TOKEN", "dapi-tok",
               "oauth-secret", "bqkeybody", "gitpat", "sshbody"]
    data = put(base(), "pg", "dev", "postgres", PG)
    data = put(data, "sf", "dev", "snowflake",
               dict(SF, password=None, private_key=PEM, private_key_passphrase="MIIBODY"))
    data = put(data, "sf", "mfa", "snowflake", dict(SF, snowflake_passcode="TOKEN"))
    data = put(data, "rs", "dev", "redshift", dict(
        redshift_driver="v2", dbname="d", user="u", region="r", cluster_identifier="c",
        access_key_id="AKIAID", secret_access_key="SECRETKEY", session_token="TOKEN", schema="s"))
    data = put(data, "rs", "v1", "redshift", dict(
        host="h", dbname="d", user="u", password="pw-secret", schema="s", ssh_host="b",
        ssh_user="x", ssh_private_key="-----BEGIN OPENSSH PRIVATE KEY-----\nsshbody\n"
                                      "-----END OPENSSH PRIVATE KEY-----\n"))
    data = put(data, "db", "dev", "databricks", dict(host="h", http_endpoint="/e", catalog="c",
                                                     user="u", access_token="dapi-tok", schema="s"))
    data = put(data, "db", "oauth", "databricks", dict(host="h", http_endpoint="/e", catalog="c",
                                                       user="u", client_id="id",
                                                       client_secret="oauth-secret", schema="s"))
    data = put(data, "bq", "dev", "bigquery", dict(project_id="p", schema="s", credentials={
        "client_email": "sa@p.iam", "private_key": "-----BEGIN PRIVATE KEY-----\nbqkeybody\n",
        "private_key_id": "bqkeybody"}))
    data = sc.upsert_gitcreds(data, [sc.gitcred_entry("r", username="u", password="gitpat")])
    clear = sc.render_siteconfig(data)
    redacted = sc.render_siteconfig(sc.redact(data))
    for secret in secrets:
        assert secret in clear
        assert secret not in redacted, secret
    assert sc.REDACTED in redacted
    # non-secret values stay readable in the diff
    assert "cluster_identifier: c" in redacted and "client_id: id" in redacted


def test_redaction_marks_changed_secrets():
    before = put(base(), "pg", "dev", "postgres", PG)
    after = put(before, "pg", "dev", "postgres", dict(PG, password="new-secret"))
    text = sc.render_siteconfig(sc.redact(after, before))
    assert sc.REDACTED_CHANGED in text and "new-secret" not in text
    same = sc.render_siteconfig(sc.redact(before, before))
    assert sc.REDACTED_CHANGED not in same


# --- loading ----------------------------------------------------------------------------------

def test_load_missing_file_is_none(tmp_path):
    assert sc.load_siteconfig(str(tmp_path / "nope.yaml")) is None


def test_load_empty_file_is_empty(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("")
    assert sc.load_siteconfig(str(path)) == {}


def test_load_reads_scalars_like_pb(tmp_path):
    data = sc.parse_siteconfig("a: no\nb: yes\nc: 0777\nd: 2024-01-02\ne: 5439\nf: true\ng: ~\n"
                               "h: 0x1F\ni: 1.5\nj: 1e400\nk: 0b101\nl: <<\nm: 1_000\n")
    # yaml.v3 reads 0777 as octal (Go's ParseInt with base 0), 1e400 as text (out of range)
    assert data == {"a": "no", "b": "yes", "c": 511, "d": "2024-01-02", "e": 5439, "f": True,
                    "g": None, "h": 31, "i": 1.5, "j": "1e400", "k": 5, "l": "<<", "m": 1000}
    # and strings that only look like other types are written back quoted
    text = sc.render_siteconfig(dict(data, connections={}))
    assert 'a: "no"' in text and 'd: "2024-01-02"' in text


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "siteconfig.yaml"
    path.write_text("connections:\n    c:\n        target: dev\n      outputs: [\n")
    with pytest.raises(sc.SiteconfigError) as err:
        sc.load_siteconfig(str(path))
    message = str(err.value)
    assert str(path) in message and "line 4" in message and "left unchanged" in message


@pytest.mark.parametrize("text,where", [
    ("- a\n- b\n", "the document"),
    ("connections: [a]\n", "'connections'"),
    ("connections:\n    c: 5\n", "connections.c"),
    ("connections:\n    c:\n        outputs: [x]\n", "connections.c.outputs"),
    ("connections:\n    c:\n        outputs:\n            dev: x\n", "connections.c.outputs.dev"),
    ("py_models: [1]\n", "'py_models'"),
])
def test_wrong_structure_names_the_place(text, where):
    with pytest.raises(sc.SiteconfigError) as err:
        sc.parse_siteconfig(text, "/x/siteconfig.yaml")
    assert where in str(err.value) and "/x/siteconfig.yaml" in str(err.value)


# --- validation -------------------------------------------------------------------------------

def test_unknown_warehouse():
    expected = "warehouse must be one of %s, got 'mysql'" % ", ".join(warehouses.names())
    with pytest.raises(sc.InvalidOption, match=expected):
        sc.build_output("mysql", PG)


@pytest.mark.parametrize("warehouse,options,missing", [
    ("postgres", dict(PG, password=None), "password"),
    ("postgres", dict(PG, host=None, dbname=None), "host, dbname"),
    ("postgres", dict(PG, schema=None), "schema"),
    ("snowflake", dict(SF, account=None), "account"),
    ("snowflake", dict(SF, snowflake_warehouse=None), "snowflake_warehouse"),
    ("redshift", dict(host="h", dbname="d", user="u", schema="s"), "password"),
    ("databricks", dict(host="h", catalog="c", user="u", schema="s", access_token="t"),
     "http_endpoint"),
    ("bigquery", dict(schema="s", credentials={"client_email": "x"}), "project_id"),
])
def test_missing_required_field_is_named(warehouse, options, missing):
    with pytest.raises(sc.InvalidOption) as err:
        sc.build_output(warehouse, options)
    assert "warehouse=%s" % warehouse in str(err.value)
    assert "missing: %s" % missing in str(err.value)


@pytest.mark.parametrize("port", [0, 65536, -1, "abc", "54 32", True, 1.5, "0"])
def test_bad_port_rejected(port):
    with pytest.raises(sc.InvalidOption, match="port must be an integer from 1 to 65535"):
        sc.build_output("postgres", dict(PG, port=port))


@pytest.mark.parametrize("port,expected", [("5433", 5433), (1, 1), (65535, 65535), (None, 5432)])
def test_good_ports(port, expected):
    assert sc.build_output("postgres", dict(PG, port=port))["port"] == expected


def test_bad_ssh_port_named():
    with pytest.raises(sc.InvalidOption, match="ssh_port must be"):
        sc.build_output("redshift", dict(host="h", dbname="d", user="u", password="p", schema="s",
                                         ssh_host="b", ssh_user="x", ssh_port=99999,
                                         ssh_private_key=PEM))


def test_key_file_missing_or_unreadable(tmp_path):
    options = dict(SF, password=None, private_key_path=str(tmp_path / "missing.p8"))
    with pytest.raises(sc.InvalidOption, match="private_key_path: file .*missing.p8 does not exist"):
        sc.build_output("snowflake", options)
    if os.geteuid() != 0:  # root reads anything; the directory case below covers root too
        unreadable = tmp_path / "locked.p8"
        unreadable.write_text(PEM)
        unreadable.chmod(0)
        with pytest.raises(sc.InvalidOption, match="private_key_path: cannot read"):
            sc.build_output("snowflake", dict(options, private_key_path=str(unreadable)))
    with pytest.raises(sc.InvalidOption, match="private_key_path: .* not a regular file"):
        sc.build_output("snowflake", dict(options, private_key_path=str(tmp_path)))


def test_key_file_must_hold_a_pem_key(tmp_path):
    path = tmp_path / "k.p8"
    path.write_text("not a key")
    with pytest.raises(sc.InvalidOption, match="private_key_path .* does not contain a PEM"):
        sc.build_output("snowflake", dict(SF, password=None, private_key_path=str(path)))


def test_bigquery_credentials_file_must_be_json(tmp_path):
    path = tmp_path / "sa.json"
    path.write_text("{not json")
    with pytest.raises(sc.InvalidOption, match="credentials_path: .* is not JSON"):
        sc.build_output("bigquery", dict(project_id="p", schema="s", credentials_path=str(path)))


@pytest.mark.parametrize("warehouse,options,pattern", [
    ("postgres", dict(PG, account="x"), "account do not apply to warehouse=postgres"),
    ("snowflake", dict(SF, private_key=PEM), "either password or a private key"),
    ("snowflake", dict(SF, password=None), "requires password, private_key or private_key_path"),
    ("snowflake", dict(SF, private_key=PEM, private_key_path="/k"), "mutually exclusive"),
    ("redshift", dict(redshift_driver="v2", dbname="d", user="u", region="r", schema="s",
                      access_key_id="a", secret_access_key="b"), "exactly one of cluster_identifier"),
    ("redshift", dict(redshift_driver="v2", dbname="d", user="u", region="r", schema="s",
                      workgroup_name="w"), "exactly one of access_key_id"),
    ("redshift", dict(redshift_driver="v2", dbname="d", user="u", region="r", schema="s",
                      workgroup_name="w", shared_profile="p", secrets_arn="x"), "exactly one of"),
    ("redshift", dict(redshift_driver="v2", dbname="d", user="u", region="r", schema="s",
                      workgroup_name="w", shared_profile="p", host="h"), "v1 only"),
    ("redshift", dict(host="h", dbname="d", user="u", password="p", schema="s", region="r"),
     "v2 only"),
    ("redshift", dict(redshift_driver="v3", dbname="d", user="u", schema="s"), "v1, v2"),
    ("databricks", dict(host="h", http_endpoint="/e", catalog="c", user="u", schema="s"),
     "requires access_token, or client_id and client_secret"),
    ("databricks", dict(host="h", http_endpoint="/e", catalog="c", user="u", schema="s",
                        access_token="t", client_id="i", client_secret="s"), "not both"),
    ("bigquery", dict(project_id="p", schema="s"), "requires credentials"),
    ("bigquery", dict(project_id="p", schema="s", credentials={"type": "service_account"}),
     "requires user"),
])
def test_invalid_combinations(warehouse, options, pattern):
    with pytest.raises(sc.InvalidOption, match=pattern):
        sc.build_output(warehouse, options)


def test_output_schema_defaults_to_schema_and_can_differ():
    assert sc.build_output("postgres", PG)["outputSchema"] == "s"
    assert sc.build_output("postgres", dict(PG, output_schema="o"))["outputSchema"] == "o"


def test_postgres_output_keys():
    out = sc.build_output("postgres", dict(PG, sslmode="disable"))
    assert out == {"type": "postgres", "host": "127.0.0.2", "port": 5432, "dbname": "db",
                   "user": "u", "password": "pw-secret", "schema": "s", "outputSchema": "s",
                   "sslmode": "disable"}
