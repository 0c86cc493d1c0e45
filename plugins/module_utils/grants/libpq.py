# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the warehouses on the PostgreSQL wire protocol (postgres, redshift) share: psycopg2,
libpq's connection options with its PG* environment variables, and the connect call."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import option
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.sql import SqlAdapter

PSYCOPG2_IMPORT_ERROR = None
try:
    import psycopg2
except ImportError:
    psycopg2 = None
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

LIBPQ_OPTIONS = {
    "login_host": option("str", "Host name or address of the endpoint. When unset, libpq's default "
                         "(the local socket).", env=["PGHOST"], aliases=["host"]),
    "login_port": option("int", "Port of the endpoint. When unset, the warehouse's default port.",
                         env=["PGPORT"], aliases=["port"]),
    "login_user": option("str", "The administrative user that runs the statements (creates users, "
                         "roles and schemas and grants on the objects named).", env=["PGUSER"]),
    "login_password": option("str", "Password of O(login_user).", env=["PGPASSWORD"], no_log=True),
    "login_db": option("str", "Database to connect to; database-level grants apply to it.",
                       env=["PGDATABASE"], aliases=["database"]),
    "sslmode": option("str", "libpq SSL mode (default V(prefer)). Use V(verify-full) over the internet.",
                      env=["PGSSLMODE"], default="prefer", choices=SSLMODES),
    "ssl_rootcert": option("path", "CA certificate file to verify the server with.",
                           env=["PGSSLROOTCERT"]),
}


class LibpqAdapter(SqlAdapter):
    """A SQL adapter connected with psycopg2 (one transaction, autocommit off)."""

    PIP_PACKAGE = "psycopg2-binary"
    CONNECTION_OPTIONS = LIBPQ_OPTIONS
    DEFAULT_PORT = 5432

    @classmethod
    def client_import_error(cls):
        return PSYCOPG2_IMPORT_ERROR

    def connect_kwargs(self):
        """psycopg2.connect() keyword arguments (unset ones left to libpq)."""
        params = self.connection_params(self.params)
        kwargs = {
            "host": params["login_host"],
            "port": params["login_port"] or self.DEFAULT_PORT,
            "user": params["login_user"],
            "password": params["login_password"],
            "dbname": params["login_db"],
            "connect_timeout": self.params.get("connect_timeout"),
            "sslmode": params["sslmode"],
            "sslrootcert": params["ssl_rootcert"],
            "application_name": "rudderstack.profiles",
        }
        return dict((k, v) for k, v in kwargs.items() if v is not None and v != "")

    def connect(self):
        """Open a connection in a transaction; on failure name host, port, database and user
        (never the password)."""
        kwargs = self.connect_kwargs()
        try:
            self.conn = psycopg2.connect(**kwargs)
        except psycopg2.Error as exc:
            where = "%s:%s database %s as %s" % (kwargs.get("host", "(local socket)"), kwargs.get("port"),
                                                 kwargs.get("dbname", "(default)"), kwargs.get("user", "(default)"))
            raise GrantsError("cannot connect to the %s warehouse at %s (connect_timeout %ss): %s"
                              % (self.NAME, where, kwargs.get("connect_timeout"), str(exc).strip()))
        self.conn.autocommit = False

    # Seconds the password probe may wait for the server (it only tests a login).
    PASSWORD_PROBE_TIMEOUT = 10

    def password_matches(self, desired):
        """Log in as the principal with the desired password (the stored hash is readable by
        superusers only, and not at all on Redshift or managed services). A refused password is
        False; any other failure (pg_hba, no CONNECT, network) is None: unknown, set it again."""
        kwargs = self.connect_kwargs()
        kwargs.update(user=desired.principal, password=desired.password,
                      application_name="rudderstack.profiles password check",
                      connect_timeout=min(int(kwargs.get("connect_timeout") or self.PASSWORD_PROBE_TIMEOUT),
                                          self.PASSWORD_PROBE_TIMEOUT))
        try:
            probe = psycopg2.connect(**kwargs)
        except psycopg2.Error as exc:
            return False if password_refused(str(exc)) else None
        probe.close()
        return True


def password_refused(message):
    """Whether a libpq/server error says the password was wrong (PostgreSQL and Redshift word it
    the same way), as opposed to any other reason a login can fail."""
    return "password authentication failed" in message
