# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Connection options shared by the warehouse modules (doc fragment rudderstack.profiles.warehouse).

The PostgreSQL wire protocol (postgres, redshift) is reached with psycopg2. Environment
fallbacks follow libpq's names so that the usual PG* variables work.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import env_fallback

PSYCOPG2_IMPORT_ERROR = None
try:
    import psycopg2
    HAS_PSYCOPG2 = True
except ImportError:
    psycopg2 = None
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()

WAREHOUSES = ("postgres", "redshift")
DEFAULT_PORTS = {"postgres": 5432, "redshift": 5439}
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def warehouse_common_argument_spec():
    """Options every warehouse module accepts (see plugins/doc_fragments/warehouse.py)."""
    return dict(
        warehouse=dict(type="str", required=True, choices=list(WAREHOUSES)),
        login_host=dict(type="str", aliases=["host"], fallback=(env_fallback, ["PGHOST"])),
        login_port=dict(type="int", aliases=["port"], fallback=(env_fallback, ["PGPORT"])),
        login_user=dict(type="str", fallback=(env_fallback, ["PGUSER"])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PGPASSWORD"])),
        login_db=dict(type="str", aliases=["database"], fallback=(env_fallback, ["PGDATABASE"])),
        connect_timeout=dict(type="int", default=10, fallback=(env_fallback, ["PGCONNECT_TIMEOUT"])),
        sslmode=dict(type="str", default="prefer", choices=list(SSLMODES),
                     fallback=(env_fallback, ["PGSSLMODE"])),
        ssl_rootcert=dict(type="path", fallback=(env_fallback, ["PGSSLROOTCERT"])),
    )


def connect_kwargs(params):
    """psycopg2.connect() keyword arguments from module parameters (unset ones left to libpq)."""
    kwargs = {
        "host": params.get("login_host"),
        "port": params.get("login_port") or DEFAULT_PORTS.get(params.get("warehouse")),
        "user": params.get("login_user"),
        "password": params.get("login_password"),
        "dbname": params.get("login_db"),
        "connect_timeout": params.get("connect_timeout"),
        "sslmode": params.get("sslmode"),
        "sslrootcert": params.get("ssl_rootcert"),
        "application_name": "rudderstack.profiles",
    }
    return dict((k, v) for k, v in kwargs.items() if v is not None and v != "")


def connect(params):
    """Open a connection in a transaction (autocommit off); raise ConnectionError with a clear
    message on failure (host, port, database and user named, never the password)."""
    kwargs = connect_kwargs(params)
    try:
        conn = psycopg2.connect(**kwargs)
    except psycopg2.Error as exc:
        where = "%s:%s database %s as %s" % (kwargs.get("host", "(local socket)"), kwargs.get("port"),
                                             kwargs.get("dbname", "(default)"), kwargs.get("user", "(default)"))
        raise ConnectionError("cannot connect to the %s warehouse at %s (connect_timeout %ss): %s"
                              % (params.get("warehouse"), where, kwargs.get("connect_timeout"),
                                 str(exc).strip()))
    conn.autocommit = False
    return conn
