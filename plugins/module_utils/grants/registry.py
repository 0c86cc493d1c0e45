# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Warehouse name -> adapter class, and the option table derived from the adapters.

Adding a warehouse: one adapter file (a subclass of adapter.Adapter) and one line in ADAPTERS.
The module's argument spec, the ``warehouse`` choices, the doc fragment and the
warehouse_grants role's argument specs all derive from here (scripts/generate_grants_options.py
writes the generated files; tests/unit/test_grants_options.py fails when they are stale).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import option
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.bigquery import BigQueryAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.databricks import DatabricksAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    GrantsError, build_desired, run)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.postgres import PostgresAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.redshift import RedshiftAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.snowflake import SnowflakeAdapter

ADAPTERS = {
    "postgres": PostgresAdapter,
    "redshift": RedshiftAdapter,
    "snowflake": SnowflakeAdapter,
    "bigquery": BigQueryAdapter,
    "databricks": DatabricksAdapter,
}

# Options every warehouse has.
COMMON_OPTIONS = {
    "connect_timeout": option("int", "Seconds to wait for the warehouse endpoint before failing.",
                              default=10),
}

SPEC_FIELDS = ("type", "choices", "no_log", "aliases", "elements")


def _spec(entry):
    return dict((k, entry[k]) for k in SPEC_FIELDS if entry.get(k) or (k == "no_log" and entry[k] is not None))


def adapter_options(kind):
    """name -> (merged option entry, [warehouses using it]) for ``kind`` CONNECTION_OPTIONS or
    DESIRED_OPTIONS, across the adapters in registry order. Two adapters may share an option
    name only with the same argument-spec fields; its aliases are those of all of them (an
    adapter's former name of a shared option, such as databricks_host for login_host)."""
    table = {}
    for name, cls in ADAPTERS.items():
        for opt, entry in getattr(cls, kind).items():
            if opt in table:
                first = table[opt][0]
                if dict(_spec(first), aliases=None) != dict(_spec(entry), aliases=None):
                    raise GrantsError("option %s: %s declares it differently from %s"
                                      % (opt, name, table[opt][1][0]))
                first["aliases"] += [a for a in entry["aliases"] if a not in first["aliases"]]
                table[opt][1].append(name)
            else:
                table[opt] = (dict(entry, aliases=list(entry["aliases"])), [name])
    return dict(sorted(table.items()))


def principal_types():
    types = []
    for cls in ADAPTERS.values():
        types += [t for t in cls.PRINCIPAL_TYPES if t not in types]
    return types


def argument_spec():
    """The connection part of the argument spec: warehouse, common and adapter options."""
    spec = {"warehouse": dict(type="str", required=True, choices=list(ADAPTERS))}
    for name, entry in COMMON_OPTIONS.items():
        spec[name] = _spec(entry)
        spec[name]["default"] = entry["default"]
    for kind in ("CONNECTION_OPTIONS", "DESIRED_OPTIONS"):
        for name, entry_users in adapter_options(kind).items():
            spec[name] = _spec(entry_users[0])
    return spec


def _alias_users():
    """alias -> [warehouses whose option it names], in registry order."""
    users = {}
    for warehouse, cls in ADAPTERS.items():
        for entry in cls.options().values():
            for alias in entry["aliases"]:
                users.setdefault(alias, []).append(warehouse)
    return users


def adapter_for(params):
    """The adapter for ``params["warehouse"]``, after checking that no option of another
    warehouse was set. An option is reported by the name the user wrote: Ansible keeps an alias
    given in the module's parameters beside the option's name, and a plain dict may hold only it."""
    cls = ADAPTERS[params["warehouse"]]
    own = set(cls.options())
    own_aliases = set(a for entry in cls.options().values() for a in entry["aliases"])
    alias_users = _alias_users()
    foreign = []
    for kind in ("CONNECTION_OPTIONS", "DESIRED_OPTIONS"):
        for name, (entry, users) in adapter_options(kind).items():
            written = [a for a in entry["aliases"] if a not in own_aliases and params.get(a) is not None]
            for alias in written:
                foreign.append("%s (%s only)" % (alias, ", ".join(alias_users[alias])))
            if name not in own and params.get(name) is not None and not written:
                foreign.append("%s (%s only)" % (name, ", ".join(users)))
    if foreign:
        raise GrantsError("%s do%s not apply to warehouse %s; its options: %s"
                          % (", ".join(foreign), "es" if len(foreign) == 1 else "", cls.NAME,
                             ", ".join(sorted(own)) or "none"))
    return cls(params=params)


def execute(params, check_mode):
    """What profiles_grants does with its validated options: pick the adapter, check every
    option before anything is sent, connect, run; always close. Returns the result dict or
    raises GrantsError (the module's only failure besides a missing client library)."""
    adapter = adapter_for(params)
    try:
        desired = build_desired(params, adapter)
        adapter.connect()
        return run(adapter, desired, check_mode)
    finally:
        adapter.close()
