# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The warehouses the collection supports: one entry each, in the order every list shows them.

Everything that lists warehouses derives from ``CATALOGUE``: profiles_grants' adapters
(grants/registry.py ``ADAPTERS``) and its ``warehouse`` choices, profiles_siteconfig's builders
(pb/siteconfig/builders.py ``BUILDERS``) and its ``warehouse`` choices and option rows
(pb/siteconfig/options.py names warehouses with ``only()`` and ``EVERY_WAREHOUSE``), pb's host
check (pb/cli.py), and the text ``python -m devtools.generate`` writes: the module docs, the roles'
argument specs, requirements.txt's client lines, bindep.txt and the README's table of warehouses.
tests/unit/test_warehouse_catalogue.py fails when a list of warehouses anywhere in the
repository differs from this one.

Plain Python: adapters and builders are named here as text and imported when first used, so this
file (and what derives from it) imports without Ansible and without the warehouses' clients.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
from collections import namedtuple

from collections.abc import Mapping

MODULE_UTILS = "ansible_collections.rudderstack.profiles.plugins.module_utils."


class Warehouse(namedtuple("Warehouse", "name title pb_type requirements refuses_local_host adapter builder system",
                           defaults=((),))):
    """One warehouse.

    name: what users write (``warehouse:`` of both modules, the roles' variables); title: its
    name in prose; pb_type: pb's siteconfig ``type``; requirements: pip requirements of its
    client libraries, with the oldest version the adapter supports; refuses_local_host: pb
    refuses a host resolving to 127.0.0.1 or 0.0.0.0 for it (pb/cli.py); adapter, builder: the
    profiles_grants adapter class and the profiles_siteconfig builder function, as
    ``package.module.name`` under module_utils; system: the system packages its clients need, as
    bindep lines (https://docs.opendev.org/opendev/bindep/) with platform tags, the ones needed
    only to build a client from source under the ``compile`` profile (ansible-builder installs
    those in its builder stage only). An execution environment gets both lists through
    meta/execution-environment.yml (requirements.txt and bindep.txt, generated from here).
    """
    __slots__ = ()

    @property
    def packages(self):
        """The pip package names, without versions."""
        return [requirement.split(">=")[0] for requirement in self.requirements]


LIBPQ = ("psycopg2-binary>=2.9",)
# psycopg2-binary's wheels carry libpq; where pip finds no wheel for the platform it builds the
# package from source, which needs a C compiler, libpq's headers (pg_config) and Python's, then
# libpq at run time.
LIBPQ_SYSTEM = (
    "libpq [platform:rpm]",
    "libpq5 [platform:dpkg]",
    "gcc [compile]",
    "libpq-devel [compile platform:rpm]",
    "libpq-dev [compile platform:dpkg]",
    "python3-devel [compile platform:rpm]",
    "python3-dev [compile platform:dpkg]",
)

CATALOGUE = (
    Warehouse("postgres", "PostgreSQL", "postgres", LIBPQ, True,
              "grants.postgres.PostgresAdapter", "pb.siteconfig.builders.build_postgres", LIBPQ_SYSTEM),
    Warehouse("redshift", "Redshift", "redshift", LIBPQ, True,
              "grants.redshift.RedshiftAdapter", "pb.siteconfig.builders.build_redshift", LIBPQ_SYSTEM),
    Warehouse("snowflake", "Snowflake", "snowflake", ("snowflake-connector-python>=3.0",), False,
              "grants.snowflake.SnowflakeAdapter", "pb.siteconfig.builders.build_snowflake"),
    Warehouse("bigquery", "BigQuery", "bigquery", ("google-cloud-bigquery>=3.0", "google-cloud-resource-manager>=1.10"), False,
              "grants.bigquery.BigQueryAdapter", "pb.siteconfig.builders.build_bigquery"),
    Warehouse("databricks", "Databricks", "databricks", ("databricks-sdk>=0.30",), False,
              "grants.databricks.DatabricksAdapter", "pb.siteconfig.builders.build_databricks"),
)


def names():
    """The warehouse names, in catalogue order."""
    return [warehouse.name for warehouse in CATALOGUE]


def get(name):
    """The entry of warehouse ``name`` (KeyError for a name the catalogue does not have)."""
    for warehouse in CATALOGUE:
        if warehouse.name == name:
            return warehouse
    raise KeyError(name)


def only(*selected):
    """``selected`` warehouse names, checked against the catalogue: for what applies to some."""
    unknown = [name for name in selected if name not in names()]
    if unknown:
        raise KeyError("not in the warehouse catalogue: %s" % ", ".join(unknown))
    return tuple(selected)


class _EveryWarehouse:
    """Every warehouse of the catalogue, read when used: for what applies to all of them."""

    def __iter__(self):
        return iter(names())

    def __contains__(self, name):
        return name in names()

    def __repr__(self):
        return "EVERY_WAREHOUSE"


EVERY_WAREHOUSE = _EveryWarehouse()


def refuses_local_host(pb_type):
    """Whether pb refuses a host resolving to 127.0.0.1 or 0.0.0.0 for siteconfig ``type``."""
    return any(w.refuses_local_host for w in CATALOGUE if w.pb_type == pb_type)


def load(reference):
    """The object ``reference`` names (``grants.postgres.PostgresAdapter``), imported under
    module_utils."""
    module, attribute = reference.rsplit(".", 1)
    return getattr(importlib.import_module(MODULE_UTILS + module), attribute)


class Loaded(Mapping):
    """Warehouse name -> the object its entry's ``field`` names, in catalogue order, imported on
    first access. Reads the catalogue on every access, so that an entry patched in is seen."""

    def __init__(self, field):
        self.field = field

    def __getitem__(self, name):
        return load(getattr(get(name), self.field))

    def __iter__(self):
        return iter(names())

    def __len__(self):
        return len(CATALOGUE)

    def __repr__(self):
        return "Loaded(%r)" % self.field
