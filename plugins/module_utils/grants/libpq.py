# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the warehouses on the PostgreSQL wire protocol (postgres, redshift) share: psycopg2,
libpq's connection options with its PG* environment variables, and the connect call."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import LOGIN_HOST_DOC, option
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.sql import SqlAdapter

PSYCOPG2_IMPORT_ERROR = None
try:
    import psycopg2
    import psycopg2.extensions
except ImportError:
    psycopg2 = None
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()

# SQLSTATEs that mean a concurrent run changed the same objects first: the role or schema now
# exists (duplicate_object, duplicate_schema, unique_violation on a catalog index), or the
# server gave up on the race (serialization_failure, deadlock_detected).
CONFLICT_SQLSTATES = ("42710", "42P06", "23505", "40001", "40P01")
# Two sessions updating one catalog row (GRANTs on one object) fail with an internal error
# (XX000) that has no SQLSTATE of its own.
CONFLICT_MESSAGES = ("tuple concurrently updated", "tuple concurrently deleted")

# What to change when libpq cannot connect, by the words of its message (libpq has no error
# codes for these): the options to look at first.
CONNECT_HINTS = (
    (("password authentication failed", "no password supplied", "role \"", "pg_hba.conf"),
     "check login_user and login_password"),
    (("database \"",), "check login_db"),
    (("timeout expired", "Connection refused", "could not translate host name", "No route to host",
      "Network is unreachable", "could not connect"),
     "check login_host and login_port, and that the warehouse accepts connections from this host"),
    (("SSL", "certificate"), "check sslmode and ssl_rootcert"),
)

# What kind of failure libpq's message describes, said first (its own words follow).
FAILURE_KINDS = (
    (("Connection refused",), "connection refused"),
    (("could not translate host name", "Name or service not known", "nodename nor servname"),
     "DNS lookup failed"),
    (("timeout expired",), "timed out"),
    (("SSL", "certificate", "TLS"), "TLS failed"),
)

SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

LIBPQ_OPTIONS = {
    "login_host": option("str", LOGIN_HOST_DOC, env=["PGHOST"], aliases=["host"]),
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

    CONNECTION_OPTIONS = LIBPQ_OPTIONS
    DEFAULT_PORT = 5432

    @classmethod
    def client_import_error(cls):
        return PSYCOPG2_IMPORT_ERROR

    @classmethod
    def client_errors(cls):
        return (psycopg2.Error,) if psycopg2 is not None else ()

    def is_conflict(self, exc):
        code = getattr(exc, "pgcode", None)
        return code in CONFLICT_SQLSTATES or any(m in str(exc) for m in CONFLICT_MESSAGES)

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
        (never the password) and the options to check."""
        kwargs = self.connect_kwargs()
        check_root_certificate(kwargs.get("sslrootcert"))
        try:
            self.conn = psycopg2.connect(**kwargs)
        except psycopg2.Error as exc:
            where = "%s:%s database %s as %s" % (kwargs.get("host", "(local socket)"), kwargs.get("port"),
                                                 kwargs.get("dbname", "(default)"), kwargs.get("user", "(default)"))
            message = " ".join(str(exc).split())
            hint = next((h for words, h in CONNECT_HINTS if any(w in message for w in words)),
                        "check the connection options")
            kind = next((k + ": " for words, k in FAILURE_KINDS if any(w in message for w in words)), "")
            raise GrantsError("cannot connect to the %s warehouse at %s (connect_timeout %ss): %s%s; %s"
                              % (self.NAME, where, kwargs.get("connect_timeout"), kind, message, hint))
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


def check_root_certificate(path):
    """ssl_rootcert must be a readable PEM file (or libpq's ``system``): libpq reads it only
    once the server speaks TLS, and then fails with a message that does not name the option."""
    if not path or path == "system":
        return
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            head = handle.read(1 << 20)
    except (IOError, OSError) as exc:
        raise GrantsError("ssl_rootcert: cannot read %s (%s); give the CA certificate file that signed "
                          "the warehouse's server certificate" % (path, exc.strerror or exc))
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise GrantsError("ssl_rootcert: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----); give "
                          "the CA certificate file that signed the warehouse's server certificate" % path)


def password_refused(message):
    """Whether a libpq/server error says the password was wrong (PostgreSQL and Redshift word it
    the same way), as opposed to any other reason a login can fail."""
    return "password authentication failed" in message
