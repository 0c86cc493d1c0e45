# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Per-analyst warehouse principals, read from the workstations' host variables.

Each workstation may set ``profiles_warehouse_principal`` (name, password, optional
output_schema; for a Snowflake key-pair user, private_key_path on the controller, where the admin
play reads or generates its key, private_key_passphrase, or public_key) in its host_vars. The admin play turns the fleet's settings into one principal per
analyst (and, when given, one output schema each); the workstation's connection uses the same
settings. Workstations without it use the shared principal of the guide.

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

VARIABLE = "profiles_warehouse_principal"
KEYS = ("name", "password", "output_schema", "public_key", "private_key_path", "private_key_passphrase")
SECRETS = ("password", "private_key_passphrase")


class AnalystError(ValueError):
    """The fleet's per-analyst settings contradict each other; the message names the hosts."""


def _clean(host, value):
    if not isinstance(value, dict):
        raise AnalystError("%s on %s must be a dictionary with name, password and optionally "
                           "output_schema, got %r" % (VARIABLE, host, type(value).__name__))
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise AnalystError("%s on %s has unknown keys %s; known keys: %s"
                           % (VARIABLE, host, ", ".join(unknown), ", ".join(KEYS)))
    out = {}
    for key in KEYS:
        item = value.get(key)
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        if not isinstance(item, str):
            raise AnalystError("%s.%s on %s must be a string" % (VARIABLE, key, host))
        out[key] = item.strip() if key not in SECRETS else item
    if "name" not in out:
        raise AnalystError("%s on %s needs a name (the warehouse user pb connects as)" % (VARIABLE, host))
    return out


def analyst_principals(hosts, hostvars, shared=None, shared_output_schema=None):
    """One entry per distinct principal, in inventory order: {name, password?, output_schema?, hosts}.

    ``hostvars`` maps host -> its variables. Hosts without the variable are skipped (they use the
    shared principal). The same name on several hosts (one analyst, two laptops) must carry the
    same password and output schema. ``shared`` is the shared principal's name, which an analyst's
    principal may not reuse (its password and schema belong to the admin play's own settings).
    Output schemas are not shared between principals either: pb must own what is in its output
    schema, so a second principal writing there fails on the first one's tables and views.
    """
    by_name = {}
    order = []
    for host in hosts:
        variables = hostvars[host]
        if VARIABLE not in variables:
            continue
        value = variables[VARIABLE]
        if value is None or value == {}:
            continue
        entry = _clean(host, value)
        name = entry["name"]
        if shared and name == shared:
            raise AnalystError("%s on %s names the shared principal %s; give the analyst a principal of "
                               "their own, or remove %s from that host to use the shared one"
                               % (VARIABLE, host, name, VARIABLE))
        if name in by_name:
            known = by_name[name]
            for key in KEYS[1:]:
                if known.get(key) != entry.get(key):
                    raise AnalystError("principal %s is set on %s and %s with different %s"
                                       % (name, known["hosts"][0], host, key))
            known["hosts"].append(host)
            continue
        entry["hosts"] = [host]
        by_name[name] = entry
        order.append(name)
    schemas = {}
    if shared_output_schema:
        schemas[shared_output_schema] = shared or "the shared principal"
    for name in order:
        schema = by_name[name].get("output_schema")
        if schema is None:
            continue
        if schema in schemas:
            raise AnalystError("output schema %s is set for %s (%s) and %s; pb must own what is in its "
                               "output schema, so each principal needs its own"
                               % (schema, name, by_name[name]["hosts"][0], schemas[schema]))
        schemas[schema] = name
    return [by_name[name] for name in order]


# What an analyst's own principal replaces in the shared connection settings.
CONNECTION_KEYS = {"name": "user", "password": "password", "output_schema": "schema",
                   "private_key_passphrase": "private_key_passphrase"}
# Sign-in settings of the shared principal that an analyst's own principal replaces as a whole.
SIGN_IN_SETTINGS = ("password", "private_key", "private_key_path", "private_key_passphrase")


def connection_settings(settings, principal, read_file=None):
    """The profiles_connection settings with the analyst's principal (``name``, ``password``,
    ``output_schema``, ``private_key_path``, ``private_key_passphrase``, each optional) in place of
    ``user``, ``password``, ``schema`` and the key; the settings unchanged when ``principal`` is
    empty (the shared principal of the guide).

    A key-pair principal's ``private_key_path`` is on the controller (where the admin play reads
    or generates it), not on the workstation: its content, read with ``read_file(path)`` (the
    filter reads it on the controller), becomes the siteconfig's ``private_key``, as pb's own
    ``init connection`` stores a key file's content."""
    out = dict(settings or {})
    principal = principal or {}
    if principal.get("password") or principal.get("private_key_path"):
        for setting in SIGN_IN_SETTINGS:
            out.pop(setting, None)
    for key, setting in CONNECTION_KEYS.items():
        value = principal.get(key)
        if value not in (None, ""):
            out[setting] = value
    if principal.get("private_key_path"):
        if read_file is None:
            raise AnalystError("principal %s: reading its private key %s needs a reader"
                               % (principal.get("name"), principal["private_key_path"]))
        out["private_key"] = read_file(principal["private_key_path"])
    return out
