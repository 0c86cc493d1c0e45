# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""PostgreSQL adapter for profiles_grants: reads ACLs from the PostgreSQL catalogs.

All of the current state comes back from ONE query, whatever the number of schemas and
tables: explicit privileges are the ACL entries naming the principal (aclexplode), which
is exactly what GRANT adds and REVOKE removes (inherited or PUBLIC rights are not counted).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.libpq import LibpqAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, Statement, quote_ident)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.sql import secret_statement

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# Relations that GRANT ... ON ALL TABLES IN SCHEMA covers (tables, partitioned tables, views,
# materialized views, foreign tables).
RELKINDS = "('r', 'p', 'v', 'm', 'f')"

READ_STATE = """
WITH p AS (SELECT oid FROM pg_roles WHERE rolname = %(principal)s)
SELECT 'context'::text, current_user::text, current_database()::text,
       current_setting('server_version_num')::text
UNION ALL
SELECT 'principal', rolname::text, rolcanlogin::text, NULL FROM pg_roles WHERE rolname = %(principal)s
UNION ALL
SELECT 'role', rolname::text, NULL, NULL FROM pg_roles WHERE rolname = ANY(%(owners)s::text[])
UNION ALL
SELECT 'schema', nspname::text, NULL, pg_get_userbyid(nspowner)::text
  FROM pg_namespace WHERE nspname = ANY(%(schemas)s::text[])
UNION ALL
SELECT 'table', n.nspname::text, c.relname::text, pg_get_userbyid(c.relowner)::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY(%(schemas)s::text[]) AND c.relkind IN """ + RELKINDS + """
UNION ALL
SELECT 'language', lanname::text, NULL, NULL FROM pg_language WHERE lanname = ANY(%(languages)s::text[])
UNION ALL
SELECT 'grant:database', d.datname::text, NULL, a.privilege_type
  FROM pg_database d, aclexplode(d.datacl) a, p
 WHERE d.datname = current_database() AND a.grantee = p.oid
UNION ALL
SELECT 'grant:schema', n.nspname::text, NULL, a.privilege_type
  FROM pg_namespace n, aclexplode(n.nspacl) a, p
 WHERE n.nspname = ANY(%(schemas)s::text[]) AND a.grantee = p.oid
UNION ALL
SELECT 'grant:table:' || n.nspname, c.relname::text, NULL, a.privilege_type
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a, p
 WHERE n.nspname = ANY(%(schemas)s::text[]) AND c.relkind IN """ + RELKINDS + """
   AND a.grantee = p.oid
UNION ALL
SELECT 'grant:default', pg_get_userbyid(d.defaclrole)::text, n.nspname::text, a.privilege_type
  FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a, p
 WHERE d.defaclobjtype = 'r' AND n.nspname = ANY(%(schemas)s::text[]) AND a.grantee = p.oid
UNION ALL
SELECT 'grant:language', l.lanname::text, NULL, a.privilege_type
  FROM pg_language l, aclexplode(l.lanacl) a, p
 WHERE l.lanname = ANY(%(languages)s::text[]) AND a.grantee = p.oid
"""


class PostgresAdapter(LibpqAdapter):
    NAME = "postgres"
    DEFAULT_PORT = 5432
    MAX_IDENTIFIER_BYTES = 63
    PRINCIPAL_TYPES = ("user", "role")
    PRINCIPAL_TYPES_DOC = {
        "user": "C(CREATE ROLE ... LOGIN); an existing role without LOGIN is given LOGIN, since pb logs in as it",
        "role": "C(CREATE ROLE) without login, to be granted to users",
    }
    PRIVILEGES = {
        "database": ("CONNECT", "CREATE", "TEMPORARY"),
        "schema": ("USAGE", "CREATE"),
        "table": TABLE_PRIVILEGES,
        "language": ("USAGE",),
    }
    # What pb needs on PostgreSQL besides its schemas (measured with pb 0.26.4): CONNECT to
    # reach the database and TEMPORARY for its temporary tables.
    DEFAULT_DATABASE_PRIVILEGES = ["CONNECT", "TEMPORARY"]
    DEFAULT_LANGUAGES = []

    def all_privileges(self, kind):
        privileges = LibpqAdapter.all_privileges(self, kind)
        if kind in ("table", "default") and self._server_version >= 170000:
            privileges = privileges + ("MAINTAIN",)
        return privileges

    _server_version = 0

    RESERVED_ROLES = ("public", "none", "current_user", "session_user", "current_role")

    def check_principal_name(self, name, option):
        if name.startswith("pg_") or name.lower() in self.RESERVED_ROLES:
            raise GrantsError("%s: %r is reserved in PostgreSQL (names starting with pg_, and %s)"
                              % (option, name, ", ".join(self.RESERVED_ROLES)))
        return name

    def check_new_schema_name(self, name, option):
        if name.startswith("pg_"):
            raise GrantsError("%s: schema names starting with pg_ are reserved in PostgreSQL, got %r"
                              % (option, name))
        return name

    def read_current(self, desired):
        rows = self.query(READ_STATE, {
            "principal": desired.principal,
            "owners": list(desired.future_tables_owners or []),
            "schemas": desired.schemas,
            "languages": list(desired.languages),
        })
        current = None
        for kind, a, b, c in rows:
            if kind == "context":
                current = Current(a, b, server_version=int(c))
                self._server_version = current.server_version
        for kind, a, b, c in rows:
            if kind == "principal":
                current.principal_exists = True
                current.principal_can_login = b == "true"
            elif kind == "role":
                current.roles.add(a)
            elif kind == "schema":
                current.schemas[a] = c
                current.tables.setdefault(a, {})
            elif kind == "table":
                current.tables.setdefault(a, {})[b] = c
            elif kind == "language":
                current.languages.add(a)
            elif kind == "grant:database":
                current.grants.add(Grant("database", (a,), c))
            elif kind == "grant:schema":
                current.grants.add(Grant("schema", (a,), c))
            elif kind.startswith("grant:table:"):
                current.grants.add(Grant("table", (kind[len("grant:table:"):], a), c))
            elif kind == "grant:default":
                current.grants.add(Grant("default", (a, b), c))
            elif kind == "grant:language":
                current.grants.add(Grant("language", (a,), c))
        return current

    def create_principal(self, desired):
        login = " WITH LOGIN" if desired.principal_type == "user" else ""
        text = "CREATE ROLE %s%s" % (quote_ident(desired.principal), login)
        if desired.password is not None and desired.principal_type == "user":
            return secret_statement(text + " PASSWORD ")(desired.password)
        return Statement(text, text, None)

    def set_login(self, desired):
        return "ALTER ROLE %s WITH LOGIN" % quote_ident(desired.principal)

    def set_password(self, desired):
        return secret_statement("ALTER ROLE %s WITH PASSWORD " % quote_ident(desired.principal))(
            desired.password)
