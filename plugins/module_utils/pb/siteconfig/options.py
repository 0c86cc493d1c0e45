# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""profiles_siteconfig's options, one row each: the only place an option is declared.

Derived from this table, so they cannot drift apart:
- the module's argument spec (``argument_spec()``) and its DOCUMENTATION ``options`` (written by
  devtools/generate.py; a unit test fails when the committed text is stale);
- which options each warehouse accepts (``warehouse_options``), and the pb key each option is
  written as (``pb_key``), used by builders.py;
- the output keys the module owns (``MANAGED_OUTPUT_KEYS``: replaced as a set on update, so that
  switching authentication leaves no stale secret behind) and the keys whose values are secrets
  (``SECRET_KEYS``: no_log, and redacted in diffs);
- the profiles_connection role's passthrough of ``profiles_connection_settings`` and that
  setting's argument spec (``SETTINGS``, written by the same script).

Rows name the warehouses that accept them through the catalogue (module_utils/warehouses.py):
``EVERY_WAREHOUSE`` or ``only(...)``. Adding an option is one row here, its rule in builders.py,
and running ``python -m devtools.generate``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.rudderstack.profiles.plugins.module_utils.warehouses import EVERY_WAREHOUSE, only

# name: module option; type: Ansible type; pb: the output key it is written as (a dotted path
# inside the output; None for options that are not written into an output); warehouses: those
# that accept it (None: not a warehouse field); secret: no_log and redacted; setting: passed
# through the profiles_connection role's profiles_connection_settings; doc: description lines.
Option = namedtuple("Option", "name type pb warehouses secret setting doc extra")


def _opt(name, type_, doc, pb=None, warehouses=None, secret=False, setting=True, **extra):
    if isinstance(doc, str):
        doc = [doc]
    return Option(name, type_, pb, warehouses, secret, setting, tuple(doc), extra)


# pb gitcreds entries (credentials for Git-hosted packages), the suboptions of O(gitcreds).
GITCRED_OPTIONS = (
    _opt("reporegex", "str", "Regular expression of the repository URLs this entry applies to.",
         pb="reporegex", required=True),
    _opt("key", "str", "SSH private key content (PEM), stored ending with a line break.", pb="key",
         secret=True),
    _opt("key_path", "path", "SSH private key file on the target; its content is stored.", pb="key"),
    _opt("username", "str", "HTTPS basic auth user name.", pb="basic_auth.username"),
    _opt("password", "str", "HTTPS basic auth password or personal access token.",
         pb="basic_auth.password", secret=True),
)

OPTIONS = (
    _opt("path", "path", "The site configuration file, expanded on the target for the user the module runs as.",
         setting=False, default="~/.pb/siteconfig.yaml"),
    _opt("connection", "str", "Name of the connection (the name a Profiles project's C(connection:) refers to).",
         setting=False, required=True),
    _opt("target", "str", [
        "Name of the target (pb's C(outputs) entry) inside the connection.",
        "With O(state=present) it defaults to C(dev).",
        "With O(state=absent), omit it to remove the whole connection."], setting=False),
    _opt("state", "str", [
        "V(present) adds or updates the target; V(absent) removes the target, or the whole connection when"
        " O(target) is omitted. Removing a connection's only target removes the connection. Removing the"
        " default target of a connection that has other targets fails; make another target the default"
        " first."], setting=False, choices=["present", "absent"], default="present"),
    _opt("default_target", "bool", [
        "Make O(target) the connection's default target (pb's C(connections.NAME.target)).",
        "A new connection always gets its first target as default (as pb does). For an existing connection"
        " the default is only changed when this is V(true)."], setting=False, default=False),
    _opt("warehouse", "str", "Warehouse type (pb's C(type)). Required with O(state=present).",
         setting=False, choices=EVERY_WAREHOUSE),
    _opt("schema", "str", "Schema (BigQuery dataset) pb reads from and writes to. Required with O(state=present).",
         pb="schema", warehouses=EVERY_WAREHOUSE),
    _opt("output_schema", "str", "Schema for pb's outputs (pb's C(outputSchema)). Defaults to O(schema), as pb does.",
         pb="outputSchema", warehouses=EVERY_WAREHOUSE),
    _opt("account", "str", "Snowflake account identifier.", pb="account", warehouses=only("snowflake")),
    _opt("snowflake_warehouse", "str", "Snowflake compute warehouse (pb's C(warehouse) key).",
         pb="warehouse", warehouses=only("snowflake")),
    _opt("dbname", "str", "Database name (Snowflake, Redshift, PostgreSQL).", pb="dbname", warehouses=only("snowflake", "redshift", "postgres")),
    _opt("role", "str", "Snowflake role.", pb="role", warehouses=only("snowflake")),
    _opt("user", "str", [
        "Warehouse user (Snowflake, Redshift, PostgreSQL, Databricks).",
        "For BigQuery, the service account e-mail; defaults to the key's C(client_email)."],
        pb="user", warehouses=EVERY_WAREHOUSE),
    _opt("password", "str", "Password (Snowflake password authentication, Redshift driver v1, PostgreSQL).",
         pb="password", warehouses=only("snowflake", "redshift", "postgres"), secret=True),
    _opt("private_key", "str", [
        "Snowflake key pair authentication, the PEM private key content. pb stores the content in the file,"
        " ending with a line break as a key file does (a value templated from a file loses its final line"
        " break). Mutually exclusive with O(private_key_path) and O(password)."],
        pb="privateKey", warehouses=only("snowflake"), secret=True),
    _opt("private_key_path", "path", [
        "Snowflake key pair authentication, a PEM private key file on the target, read by the module (fails if"
        " missing or unreadable); its content is stored exactly, as pb does."],
        pb="privateKey", warehouses=only("snowflake")),
    _opt("private_key_passphrase", "str", "Passphrase of an encrypted Snowflake private key.",
         pb="privateKeyPassphrase", warehouses=only("snowflake"), secret=True),
    _opt("snowflake_enable_mfa_caching", "bool",
         "Snowflake password authentication with MFA, cache the MFA token (pb's C(enable_mfa_caching)).",
         pb="enable_mfa_caching", warehouses=only("snowflake")),
    _opt("snowflake_passcode_in_password", "bool",
         "Snowflake MFA, the passcode is appended to the password (pb's C(passcode_in_password)).",
         pb="passcode_in_password", warehouses=only("snowflake")),
    _opt("snowflake_passcode", "str", "Snowflake MFA passcode (pb's C(passcode)).",
         pb="passcode", warehouses=only("snowflake"), secret=True),
    _opt("redshift_driver", "str", [
        "Redshift driver. V(v1) connects to O(host)/O(port) with O(password) (optionally through an SSH"
        " tunnel); V(v2) uses the Redshift Data API with AWS credentials."],
        pb="driver", warehouses=only("redshift"), choices=["v1", "v2"], default="v1"),
    _opt("host", "str", [
        "Server host (Redshift v1, PostgreSQL, Databricks workspace host).",
        "pb refuses Redshift and PostgreSQL hosts that resolve to C(127.0.0.1) or C(0.0.0.0) (such as"
        " C(localhost)); the module fails on them and says what to use instead (C(127.0.0.2) for a"
        " server on the same machine, or the machine's name where it resolves to another address)."],
        pb="host", warehouses=only("redshift", "postgres", "databricks")),
    _opt("port", "raw", [
        "Server port, an integer from 1 to 65535. Defaults to 5439 (Redshift v1), 5432 (PostgreSQL), 443"
        " (Databricks)."], pb="port", warehouses=only("redshift", "postgres", "databricks")),
    _opt("sslmode", "str",
         "SSL mode (Redshift, PostgreSQL), for example V(disable) or V(require). Omitted when not set.",
         pb="sslmode", warehouses=only("redshift", "postgres")),
    _opt("ssh_host", "str", "Redshift v1 SSH tunnel, bastion host.", pb="tunnel_info.config.sshHost", warehouses=only("redshift")),
    _opt("ssh_port", "raw", "Redshift v1 SSH tunnel, bastion port (1-65535). Defaults to 22.",
         pb="tunnel_info.config.sshPort", warehouses=only("redshift")),
    _opt("ssh_user", "str", "Redshift v1 SSH tunnel, user on the bastion.", pb="tunnel_info.config.sshUser",
         warehouses=only("redshift")),
    _opt("ssh_private_key", "str", [
        "Redshift v1 SSH tunnel, PEM private key content (stored ending with a line break, as a key file"
        " does)."], pb="tunnel_info.config.sshPrivateKey", warehouses=only("redshift"), secret=True),
    _opt("ssh_private_key_path", "path",
         "Redshift v1 SSH tunnel, PEM private key file on the target (its content is stored).",
         pb="tunnel_info.config.sshPrivateKey", warehouses=only("redshift")),
    _opt("region", "str", "Redshift v2, AWS region.", pb="region", warehouses=only("redshift")),
    _opt("cluster_identifier", "str",
         "Redshift v2, provisioned cluster identifier. Mutually exclusive with O(workgroup_name).",
         pb="cluster_identifier", warehouses=only("redshift")),
    _opt("workgroup_name", "str", "Redshift v2, serverless workgroup name.", pb="workgroup_name", warehouses=only("redshift")),
    _opt("access_key_id", "str", "Redshift v2, AWS access key ID (with O(secret_access_key)).",
         pb="access_key_id", warehouses=only("redshift"), secret=True),
    _opt("secret_access_key", "str", "Redshift v2, AWS secret access key.",
         pb="secret_access_key", warehouses=only("redshift"), secret=True),
    _opt("session_token", "str", "Redshift v2, AWS session token (written as empty when not given, as pb does).",
         pb="session_token", warehouses=only("redshift"), secret=True),
    _opt("shared_profile", "str", "Redshift v2, AWS shared credentials profile name.",
         pb="shared_profile", warehouses=only("redshift")),
    _opt("secrets_arn", "str", "Redshift v2, ARN of an AWS Secrets Manager secret holding the credentials.",
         pb="secrets_arn", warehouses=only("redshift")),
    _opt("project_id", "str", "BigQuery project ID.", pb="project_id", warehouses=only("bigquery")),
    _opt("credentials", "dict", [
        "BigQuery service account key as a dict (the JSON key file's content).",
        "Mutually exclusive with O(credentials_path)."], pb="credentials", warehouses=only("bigquery"), secret=True),
    _opt("credentials_path", "path",
         "BigQuery service account JSON key file on the target; its content is stored, as pb does.",
         pb="credentials", warehouses=only("bigquery")),
    _opt("http_endpoint", "str", "Databricks SQL warehouse HTTP path, for example C(/sql/1.0/warehouses/abc123).",
         pb="http_endpoint", warehouses=only("databricks")),
    _opt("catalog", "str", "Databricks Unity Catalog catalog.", pb="catalog", warehouses=only("databricks")),
    _opt("access_token", "str",
         "Databricks personal access token. Mutually exclusive with O(client_id)/O(client_secret).",
         pb="access_token", warehouses=only("databricks"), secret=True),
    _opt("client_id", "str", "Databricks OAuth (service principal) client ID.", pb="client_id", warehouses=only("databricks")),
    _opt("client_secret", "str", "Databricks OAuth client secret.", pb="client_secret", warehouses=only("databricks"), secret=True),
    _opt("py_models_enabled", "bool", "Set pb's C(py_models.enabled) (Python models). Unchanged when omitted."),
    _opt("py_models_python_path", "str",
         "Set pb's C(py_models.python_path), the Python that runs Python models. Unchanged when omitted."),
    _opt("gitcreds", "list", [
        "Entries to add to pb's C(gitcreds) (credentials for Git-hosted packages). An entry with the same"
        " O(gitcreds[].reporegex) as an existing one replaces it; other entries are kept."],
        elements="dict", suboptions=GITCRED_OPTIONS),
    _opt("backup", "bool", "Keep a timestamped copy of the file before changing it.", setting=False, default=False),
)

BY_NAME = dict((o.name, o) for o in OPTIONS)

# Output keys written without an option of their own (from O(warehouse), or derived).
DERIVED_OUTPUT_KEYS = frozenset(["type", "useKeyPairAuth"])
# Secrets inside values the module stores or pb writes, which no option maps to one by one: a
# BigQuery service account key (private_key, private_key_id) or authorized-user credentials
# (refresh_token), OAuth tokens pb may keep.
VALUE_SECRET_KEYS = frozenset(["private_key", "private_key_id", "refresh_token", "oauth_token"])


def pb_key(name):
    """The output key (dotted path) option ``name`` is written as."""
    return BY_NAME[name].pb


def _all_options():
    out = []
    for option in OPTIONS:
        out.append(option)
        out.extend(option.extra.get("suboptions", ()))
    return out


MANAGED_OUTPUT_KEYS = DERIVED_OUTPUT_KEYS | frozenset(
    o.pb.split(".")[0] for o in OPTIONS if o.warehouses)
SECRET_KEYS = VALUE_SECRET_KEYS | frozenset(
    o.pb.split(".")[-1] for o in _all_options() if o.secret and o.pb)
SETTINGS = tuple(o.name for o in OPTIONS if o.setting)


def warehouse_options(warehouse=None):
    """The options ``warehouse`` accepts, in table order; every warehouse field when None."""
    return [o.name for o in OPTIONS if o.warehouses and (warehouse is None or warehouse in o.warehouses)]


def _fields(option, keys):
    """(key, value) of the given extra fields the option sets; choices as a list (EVERY_WAREHOUSE
    is read from the catalogue here)."""
    return [(k, list(option.extra[k]) if k == "choices" else option.extra[k]) for k in keys if k in option.extra]


def _spec(option):
    spec = dict(type=option.type, no_log=option.secret)
    spec.update(_fields(option, ("required", "default", "choices", "elements")))
    if "suboptions" in option.extra:
        spec["options"] = dict((sub.name, _spec(sub)) for sub in option.extra["suboptions"])
    return spec


def argument_spec():
    """The module's argument spec (``no_log`` set explicitly on every option)."""
    return dict((o.name, _spec(o)) for o in OPTIONS)


def documentation_options():
    """The DOCUMENTATION ``options`` mapping, in table order (written by devtools/generate.py)."""
    def doc(option):
        entry = dict(description=list(option.doc), type=option.type)
        entry.update(_fields(option, ("required", "choices", "default", "elements")))
        if "suboptions" in option.extra:
            entry["suboptions"] = dict((sub.name, doc(sub)) for sub in option.extra["suboptions"])
        return entry
    return [(o.name, doc(o)) for o in OPTIONS]
