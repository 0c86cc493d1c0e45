# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``outputs.TARGET`` mapping pb writes for each warehouse, built from module options.

Which options exist, which warehouse uses them, the pb key each one is written as and which are
secrets is the table in options.py; this file holds the rules the table cannot say
(required combinations, defaults, mutually exclusive authentication methods, key files): one
``build_<warehouse>`` function per warehouse, named by its entry in module_utils/warehouses.py.

Plain Python with no Ansible imports, so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig.options import pb_key, warehouse_options


class InvalidOption(Exception):
    """Bad module input; the message names the option and what it accepts."""


def _require(params, names, warehouse, extra=""):
    missing = [n for n in names if params.get(n) in (None, "")]
    if missing:
        raise InvalidOption("warehouse=%s%s requires %s (missing: %s)"
                            % (warehouse, extra, ", ".join(names), ", ".join(missing)))


def validate_port(value, option="port"):
    """An integer port 1-65535 from an int or a string of digits."""
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and re.match(r"^\s*[0-9]+\s*$", value):
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidOption("%s must be an integer from 1 to 65535, got %r" % (option, value))
    return value


def read_text_file(path, option):
    """Content of a file on the target, or InvalidOption naming ``option``."""
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise InvalidOption("%s: file %s does not exist (or is not a regular file)" % (option, path))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise InvalidOption("%s: cannot read %s: %s" % (option, path, exc.strerror or exc))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidOption("%s: %s is not UTF-8 text" % (option, path))


def pem_key(content, path, option, path_option):
    """PEM private key text from ``content`` or from the file at ``path``."""
    if content and path:
        raise InvalidOption("%s and %s are mutually exclusive" % (option, path_option))
    source = option
    if path:
        content = read_text_file(path, path_option)
        source = "%s (%s)" % (path_option, path)
    if not content:
        return None
    if "-----BEGIN" not in content or "PRIVATE KEY-----" not in content:
        raise InvalidOption("%s does not contain a PEM private key "
                            "(-----BEGIN ... PRIVATE KEY-----)" % source)
    if path:
        return content  # a key file is stored exactly as it is, as pb does
    # Content is what pb would have read from a key file, which ends with a line break (ssh and
    # openssl write one; OpenSSH refuses a key without it); a value templated from a file has
    # lost it, and the block would read |- where pb writes |.
    return content if content.endswith("\n") else content + "\n"


def _put(out, option, value):
    """Write ``value`` where pb keeps option ``option`` (its pb key in the table)."""
    path = pb_key(option).split(".")
    for key in path[:-1]:
        out = out.setdefault(key, {})
    out[path[-1]] = value


def _copy(out, params, *options):
    for option in options:
        _put(out, option, params[option])


def _base(params, warehouse):
    _require(params, ["schema"], warehouse)
    out = {"type": warehouses.get(warehouse).pb_type}
    _put(out, "schema", params["schema"])
    _put(out, "output_schema", params.get("output_schema") or params["schema"])
    return out


def _port(params, option, default):
    value = params.get(option)
    return validate_port(default if value is None else value, option)


def build_snowflake(params):
    _require(params, ["account", "snowflake_warehouse", "dbname", "role", "user"], "snowflake")
    out = _base(params, "snowflake")
    _copy(out, params, "account", "snowflake_warehouse", "dbname", "role", "user")
    key = pem_key(params.get("private_key"), params.get("private_key_path"),
                  "private_key", "private_key_path")
    if key:
        if params.get("password"):
            raise InvalidOption("warehouse=snowflake: give either password or a private key "
                                "(private_key / private_key_path), not both")
        for flag in ("snowflake_enable_mfa_caching", "snowflake_passcode_in_password",
                     "snowflake_passcode"):
            if params.get(flag) is not None:
                raise InvalidOption("%s applies to password authentication only, not to key "
                                    "pair authentication" % flag)
        out["useKeyPairAuth"] = True
        _put(out, "private_key", key)
        _put(out, "private_key_passphrase", params.get("private_key_passphrase") or "")
        return out
    if params.get("private_key_passphrase"):
        raise InvalidOption("private_key_passphrase needs private_key or private_key_path")
    if not params.get("password"):
        raise InvalidOption("warehouse=snowflake requires password, private_key or "
                            "private_key_path")
    out["useKeyPairAuth"] = False
    _copy(out, params, "password")
    for flag in ("snowflake_enable_mfa_caching", "snowflake_passcode_in_password"):
        if params.get(flag) is not None:
            _put(out, flag, bool(params[flag]))
    if params.get("snowflake_passcode"):
        if params.get("snowflake_passcode_in_password"):
            raise InvalidOption("snowflake_passcode cannot be combined with "
                                "snowflake_passcode_in_password=true")
        _copy(out, params, "snowflake_passcode")
    return out


SSH_OPTIONS = ("ssh_host", "ssh_port", "ssh_user", "ssh_private_key", "ssh_private_key_path")
V2_ONLY = ("region", "cluster_identifier", "workgroup_name", "access_key_id",
           "secret_access_key", "session_token", "shared_profile", "secrets_arn")


def build_redshift(params):
    driver = params.get("redshift_driver") or "v1"
    if driver not in ("v1", "v2"):
        raise InvalidOption("redshift_driver must be one of v1, v2, got %r" % driver)
    _require(params, ["dbname", "user"], "redshift")
    out = _base(params, "redshift")
    _put(out, "redshift_driver", driver)
    _copy(out, params, "dbname", "user")
    if params.get("sslmode"):
        _copy(out, params, "sslmode")
    if driver == "v1":
        for name in V2_ONLY:
            if params.get(name):
                raise InvalidOption("%s applies to redshift_driver=v2 only" % name)
        _require(params, ["host", "password"], "redshift", " redshift_driver=v1")
        _copy(out, params, "host", "password")
        _put(out, "port", _port(params, "port", 5439))
        _ssh_tunnel(out, params)
        return out
    for name in ("host", "port", "password") + SSH_OPTIONS:
        if params.get(name) is not None:
            raise InvalidOption("%s applies to redshift_driver=v1 only (v2 uses the Redshift "
                                "Data API)" % name)
    _require(params, ["region"], "redshift", " redshift_driver=v2")
    _copy(out, params, "region")
    places = [n for n in ("cluster_identifier", "workgroup_name") if params.get(n)]
    if len(places) != 1:
        raise InvalidOption("redshift_driver=v2 requires exactly one of cluster_identifier "
                            "(provisioned cluster) or workgroup_name (serverless)")
    _copy(out, params, places[0])
    auths = [n for n in ("access_key_id", "shared_profile", "secrets_arn") if params.get(n)]
    if len(auths) != 1:
        raise InvalidOption("redshift_driver=v2 requires exactly one of access_key_id (with "
                            "secret_access_key), shared_profile or secrets_arn")
    if auths[0] == "access_key_id":
        _require(params, ["access_key_id", "secret_access_key"], "redshift",
                 " redshift_driver=v2 with access keys")
        _copy(out, params, "access_key_id", "secret_access_key")
        _put(out, "session_token", params.get("session_token") or "")
    else:
        for name in ("secret_access_key", "session_token"):
            if params.get(name):
                raise InvalidOption("%s needs access_key_id" % name)
        _copy(out, params, auths[0])
    return out


def _ssh_tunnel(out, params):
    if not any(params.get(n) is not None for n in SSH_OPTIONS):
        return
    _require(params, ["ssh_host", "ssh_user"], "redshift", " with an SSH tunnel")
    key = pem_key(params.get("ssh_private_key"), params.get("ssh_private_key_path"),
                  "ssh_private_key", "ssh_private_key_path")
    if not key:
        raise InvalidOption("an SSH tunnel requires ssh_private_key or ssh_private_key_path")
    _copy(out, params, "ssh_host")
    _put(out, "ssh_port", _port(params, "ssh_port", 22))
    _copy(out, params, "ssh_user")
    _put(out, "ssh_private_key", key)


def build_bigquery(params):
    _require(params, ["project_id"], "bigquery")
    creds, path = params.get("credentials"), params.get("credentials_path")
    if creds and path:
        raise InvalidOption("credentials and credentials_path are mutually exclusive")
    if path:
        text = read_text_file(path, "credentials_path")
        try:
            creds = json.loads(text)
        except ValueError as exc:
            raise InvalidOption("credentials_path: %s is not JSON: %s" % (path, exc))
        source = "credentials_path (%s)" % path
    else:
        source = "credentials"
        if isinstance(creds, str):
            try:
                creds = json.loads(creds)
            except ValueError as exc:
                raise InvalidOption("credentials: not a JSON object: %s" % exc)
    if not creds:
        raise InvalidOption("warehouse=bigquery requires credentials (the service account key "
                            "as a dict) or credentials_path (its JSON file on the target)")
    if not isinstance(creds, dict):
        raise InvalidOption("%s must be a service account key (a JSON object)" % source)
    user = params.get("user") or creds.get("client_email")
    if not user:
        raise InvalidOption("warehouse=bigquery requires user (the service account e-mail) "
                            "when %s has no client_email" % source)
    out = _base(params, "bigquery")
    _put(out, "credentials", creds)
    _copy(out, params, "project_id")
    _put(out, "user", user)
    return out


def build_databricks(params):
    _require(params, ["host", "http_endpoint", "catalog", "user"], "databricks")
    out = _base(params, "databricks")
    _copy(out, params, "host", "http_endpoint", "catalog", "user")
    _put(out, "port", _port(params, "port", 443))
    token = params.get("access_token")
    oauth = [n for n in ("client_id", "client_secret") if params.get(n)]
    if token and oauth:
        raise InvalidOption("warehouse=databricks: give either access_token (personal access "
                            "token) or client_id and client_secret (OAuth), not both")
    if token:
        _copy(out, params, "access_token")
    elif len(oauth) == 2:
        _copy(out, params, "client_id", "client_secret")
    else:
        raise InvalidOption("warehouse=databricks requires access_token, or client_id and "
                            "client_secret")
    return out


def build_postgres(params):
    _require(params, ["host", "dbname", "user", "password"], "postgres")
    out = _base(params, "postgres")
    _copy(out, params, "host", "dbname", "user", "password")
    _put(out, "port", _port(params, "port", 5432))
    if params.get("sslmode"):
        _copy(out, params, "sslmode")
    return out


BUILDERS = warehouses.Loaded("builder")   # name -> builder function, in catalogue order


def build_output(warehouse, params):
    """The ``outputs.TARGET`` mapping pb writes for ``warehouse`` and the module ``params``.

    Raises InvalidOption (naming the option) for unknown warehouses, options that do not
    apply to the warehouse, missing required values, bad ports and unreadable key files.
    """
    if warehouse not in BUILDERS:
        raise InvalidOption("warehouse must be one of %s, got %r"
                            % (", ".join(BUILDERS), warehouse))
    allowed = set(warehouse_options(warehouse))
    stray = [o for o in sorted(warehouse_options())
             if o not in allowed and params.get(o) not in (None, "", {}, [])]
    if stray:
        raise InvalidOption("option(s) %s do not apply to warehouse=%s (it accepts: %s)"
                            % (", ".join(stray), warehouse, ", ".join(sorted(allowed))))
    return BUILDERS[warehouse](params)
