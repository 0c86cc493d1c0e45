# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Amazon Redshift adapter for profiles_grants.

Uses only what Redshift has: pg_user, pg_namespace, pg_class, pg_language and the
svv_*_privileges views (explicit grants per identity). No aclexplode, no pg_roles, no
regrole casts. State is read in a fixed number of queries (one per catalog view), however
many schemas and tables are involved.

Redshift folds unquoted and (by default) quoted names to lower case, so upper-case names are
rejected up front; names may be up to 127 bytes.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.libpq import LibpqAdapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, Statement, quote_ident)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.sql import secret_statement

# Each query takes the principal's name and identity type, and tuples of names (never empty:
# read_current passes ('',) for an empty list, which matches nothing).
Q_CONTEXT = ("SELECT current_user, current_database(), "
             "(SELECT COUNT(*) FROM pg_user WHERE usename = %(principal)s)")
Q_ROLE_EXISTS = "SELECT COUNT(*) FROM svv_roles WHERE role_name = %(principal)s"
Q_OWNERS = "SELECT usename FROM pg_user WHERE usename IN %(owners)s"
Q_SCHEMAS = ("SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace "
             "WHERE nspname IN %(schemas)s")
Q_TABLES = ("SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN %(schemas)s AND c.relkind IN ('r', 'v')")
Q_LANGUAGES = "SELECT lanname FROM pg_language WHERE lanname IN %(languages)s"
Q_DATABASE_PRIVS = ("SELECT database_name, privilege_type FROM svv_database_privileges "
                    "WHERE identity_name = %(principal)s AND identity_type = %(identity_type)s "
                    "AND database_name = current_database()")
Q_SCHEMA_PRIVS = ("SELECT namespace_name, privilege_type FROM svv_schema_privileges "
                  "WHERE identity_name = %(principal)s AND identity_type = %(identity_type)s "
                  "AND privilege_scope = 'SCHEMA' AND namespace_name IN %(schemas)s")
Q_RELATION_PRIVS = ("SELECT namespace_name, relation_name, privilege_type FROM svv_relation_privileges "
                    "WHERE identity_name = %(principal)s AND identity_type = %(identity_type)s "
                    "AND namespace_name IN %(schemas)s")
Q_DEFAULT_PRIVS = ("SELECT owner_name, schema_name, privilege_type FROM svv_default_privileges "
                   "WHERE grantee_name = %(principal)s AND grantee_type = %(identity_type)s "
                   "AND object_type = 'RELATION' AND schema_name IN %(schemas)s")
Q_LANGUAGE_PRIVS = ("SELECT language_name, privilege_type FROM svv_language_privileges "
                    "WHERE identity_name = %(principal)s AND identity_type = %(identity_type)s "
                    "AND language_name IN %(languages)s")


def _names(values):
    return tuple(values) or ("",)


class RedshiftAdapter(LibpqAdapter):
    NAME = "redshift"
    DEFAULT_PORT = 5439
    MAX_IDENTIFIER_BYTES = 127
    PRINCIPAL_TYPES = ("user", "role")
    PRINCIPAL_TYPES_DOC = {
        "user": "C(CREATE USER), with C(PASSWORD DISABLE) when no password is given",
        "role": "an RBAC role (C(CREATE ROLE)); grants go C(TO ROLE)",
    }
    PRIVILEGES = {
        "database": ("CREATE", "TEMPORARY"),
        "schema": ("USAGE", "CREATE", "ALTER"),
        # svv_relation_privileges reports these; ALL is expanded to them so that what is granted
        # reads back under the same names (an expansion that differed would never converge).
        "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES", "DROP"),
        "language": ("USAGE",),
    }
    SCHEMA_ALL = ("USAGE", "CREATE")
    DEFAULT_DATABASE_PRIVILEGES = []
    # The RudderStack setup guide grants USAGE ON LANGUAGE plpythonu and pb's
    # `validate access` checks it in svv_language_privileges.
    DEFAULT_LANGUAGES = ["plpythonu"]

    def validate_identifier(self, value, option):
        value = LibpqAdapter.validate_identifier(self, value, option)
        if value != value.lower():
            raise GrantsError("%s: %r has upper-case letters; Redshift folds names to lower case (unless "
                              "enable_case_sensitive_identifier is on), so it would never match: use %r"
                              % (option, value, value.lower()))
        return value

    def all_privileges(self, kind):
        if kind == "schema":
            return self.SCHEMA_ALL
        return LibpqAdapter.all_privileges(self, kind)

    def read_current(self, desired):
        args = {
            "principal": desired.principal,
            "identity_type": desired.principal_type,
            "owners": _names(desired.future_tables_owners or []),
            "schemas": _names(desired.schemas),
            "languages": _names(desired.languages),
        }
        login_user, database, user_count = self.query(Q_CONTEXT, args)[0]
        current = Current(login_user, database)
        if desired.principal_type == "user":
            current.principal_exists = int(user_count) > 0
        else:
            current.principal_exists = int(self.query(Q_ROLE_EXISTS, args)[0][0]) > 0
        if desired.future_tables_owners:
            current.roles.update(r[0] for r in self.query(Q_OWNERS, args))
        for name, owner in self.query(Q_SCHEMAS, args):
            current.schemas[name] = owner
            current.tables.setdefault(name, {})
        for schema, table, owner in self.query(Q_TABLES, args):
            current.tables.setdefault(schema, {})[table] = owner
        if desired.languages:
            current.languages.update(r[0] for r in self.query(Q_LANGUAGES, args))
        if not current.principal_exists:
            return current  # nothing can be granted to a principal that does not exist
        for name, privilege in self.query(Q_DATABASE_PRIVS, args):
            current.grants.add(Grant("database", (name,), _privilege(privilege)))
        for name, privilege in self.query(Q_SCHEMA_PRIVS, args):
            current.grants.add(Grant("schema", (name,), _privilege(privilege)))
        for schema, table, privilege in self.query(Q_RELATION_PRIVS, args):
            current.grants.add(Grant("table", (schema, table), _privilege(privilege)))
        for owner, schema, privilege in self.query(Q_DEFAULT_PRIVS, args):
            current.grants.add(Grant("default", (owner, schema), _privilege(privilege)))
        if desired.languages:
            for name, privilege in self.query(Q_LANGUAGE_PRIVS, args):
                current.grants.add(Grant("language", (name,), _privilege(privilege)))
        return current

    def grantee(self, desired):
        prefix = "ROLE " if desired.principal_type == "role" else ""
        return prefix + quote_ident(desired.principal)

    def create_principal(self, desired):
        name = quote_ident(desired.principal)
        if desired.principal_type == "role":
            text = "CREATE ROLE %s" % name
            return Statement(text, text, None)
        if desired.password is None:
            text = "CREATE USER %s PASSWORD DISABLE" % name
            return Statement(text, text, None)
        return secret_statement("CREATE USER %s PASSWORD " % name)(desired.password)

    def set_password(self, desired):
        return secret_statement("ALTER USER %s PASSWORD " % quote_ident(desired.principal))(
            desired.password)


def _privilege(value):
    value = value.strip().upper()
    return "TEMPORARY" if value == "TEMP" else value
