# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Base of the SQL warehouse adapters: quoting, statement rendering, one transaction."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import Adapter
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    GrantsConflict, GrantsError, Statement, kind_rank, quote_ident)


class SqlAdapter(Adapter):
    """Shared behaviour of SQL warehouses reached through a DB-API connection: rendering of
    GRANT/REVOKE grouped into few statements, and ``apply`` in one transaction. Subclasses
    provide ``connect``, ``read_current`` and the principal statements."""

    MAX_IDENTIFIER_BYTES = 63

    def __init__(self, conn=None, params=None):
        Adapter.__init__(self, params)
        self.conn = conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- reading -----------------------------------------------------------------------------
    def query(self, sql, params=None):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        self.read_round_trips += 1
        rows = cur.fetchall()
        cur.close()
        return rows

    # -- rendering ---------------------------------------------------------------------------
    def grantee(self, desired):
        return quote_ident(desired.principal)

    def create_principal(self, desired):
        raise NotImplementedError

    def set_password(self, desired):
        raise NotImplementedError

    def set_login(self, desired):
        raise NotImplementedError

    def create_schema(self, name, owned, desired):
        sql = "CREATE SCHEMA %s" % quote_ident(name)
        if owned:
            sql += " AUTHORIZATION %s" % quote_ident(desired.principal)
        return sql

    def render_default(self, owner, schema, privileges_clause):
        """Default privileges on future tables of ``owner`` in ``schema``."""
        return "ALTER DEFAULT PRIVILEGES FOR USER %s IN SCHEMA %s %s" % (
            quote_ident(owner), quote_ident(schema), privileges_clause)

    def render(self, plan, desired, current, all_table_schemas=None):
        statements = []
        if plan.create_principal:
            statements.append(self.create_principal(desired))
        if plan.set_login:
            statements.append(_plain(self.set_login(desired)))
        if plan.set_password:
            statements.append(self.set_password(desired))
        for name, owned in plan.create_schemas:
            statements.append(_plain(self.create_schema(name, owned, desired)))
        if all_table_schemas is None:
            all_table_schemas = {}
            for rule in desired.table_rules:
                if rule.tables is None:
                    all_table_schemas.setdefault(rule.schema, set()).update(
                        p for p in _expand_all(rule.privileges, self.all_privileges("table")))
        statements += self._render_changes(plan.to_revoke, "REVOKE", desired, {})
        statements += self._render_changes(plan.to_grant, "GRANT", desired, all_table_schemas)
        return statements

    def _render_changes(self, grants, verb, desired, all_table_schemas):
        """Group grants into few statements: one per object with its privileges joined; for
        tables, one ``ON ALL TABLES IN SCHEMA`` per schema whose every table is wanted (the
        statement count then does not grow with the tables), else one statement per privilege
        set naming its tables. Revokes always name their tables (never touching owned ones)."""
        if not grants:
            return []
        tail = "%s %s" % ("TO" if verb == "GRANT" else "FROM", self.grantee(desired))

        def clause(privileges, on):
            # Joined, never %-formatted: quoted names may contain '%'.
            return " ".join((verb, _privs(privileges), on, tail))
        by_object = {}
        for grant in grants:
            by_object.setdefault((grant.kind, grant.target), set()).add(grant.privilege)
        out = []
        kinds = sorted(set(kind for kind, dummy in by_object), key=lambda k: kind_rank(k, self.KIND_ORDER))
        for kind in kinds:
            objects = sorted((target, privs) for (k, target), privs in by_object.items() if k == kind)
            if kind == "table":
                out += self._table_statements(objects, clause, all_table_schemas)
                continue
            for target, privs in objects:
                if kind == "default":
                    text = self.render_default(target[0], target[1], clause(privs, "ON TABLES"))
                else:
                    text = clause(privs, "ON %s %s" % (kind.upper(), quote_ident(target[0])))
                out.append(_plain(text))
        return out

    def _table_statements(self, objects, clause, all_table_schemas):
        in_bulk = {}   # schema -> privileges granted ON ALL TABLES IN SCHEMA
        listed = {}    # (schema, privileges) -> [table]
        for (schema, table), privs in objects:
            bulk = privs & all_table_schemas.get(schema, set())
            if bulk:
                in_bulk.setdefault(schema, set()).update(bulk)
            if privs - bulk:
                listed.setdefault((schema, tuple(sorted(privs - bulk))), []).append(table)
        out = []
        for schema in sorted(in_bulk):
            out.append(_plain(clause(in_bulk[schema], "ON ALL TABLES IN SCHEMA %s" % quote_ident(schema))))
        for (schema, privs), tables in sorted(listed.items()):
            names = ", ".join("%s.%s" % (quote_ident(schema), quote_ident(t)) for t in tables)
            out.append(_plain(clause(privs, "ON TABLE %s" % names)))
        return out

    # -- writing -----------------------------------------------------------------------------
    def apply(self, statements):
        """Run every statement in one transaction; on any error roll all of them back. A
        connection lost before COMMIT leaves nothing applied (the server aborts the open
        transaction); one lost during COMMIT leaves the outcome unknown (``self.unknown``: the
        server may have committed before it went), which the message says; an error the server
        answers to COMMIT rolled it back. The next run reads the state and completes it either way."""
        cur = self.conn.cursor()
        current = None
        try:
            for current in statements:
                if current.params:
                    cur.execute(current.template, current.params)
                else:
                    cur.execute(current.template)
            current = None
            self.conn.commit()
            self.applied = list(statements)
        except Exception as exc:  # the driver's error classes differ per warehouse
            lost = bool(getattr(self.conn, "closed", False))
            self._rollback_quietly()
            detail = " ".join((str(exc).strip() or type(exc).__name__).split())
            if self.is_conflict(exc):
                raise GrantsConflict("%s conflicted with a concurrent change (rolled back): %s"
                                     % (current.text if current else "COMMIT", detail))
            if current is None and lost:
                self.unknown = list(statements)
                raise GrantsError("the connection was lost during COMMIT, so whether the %d statements were "
                                  "applied is unknown: %s" % (len(statements), detail))
            if current is None:
                raise GrantsError("COMMIT failed and the whole run was rolled back (none of the %d statements "
                                  "applied): %s" % (len(statements), detail))
            raise GrantsError("%s failed and the whole run was rolled back (statement %d of %d; none "
                              "applied): %s" % (current.text, statements.index(current) + 1,
                                                len(statements), detail))
        finally:
            try:
                cur.close()
            except Exception:  # a cursor of a lost connection: nothing left to release
                pass

    def _rollback_quietly(self):
        """Roll back; a lost connection has nothing to roll back (the server aborted it)."""
        try:
            self.conn.rollback()
        except Exception:
            pass

    def discard(self):
        self.conn.rollback()


def _expand_all(privileges, all_set):
    result = set()
    for p in privileges:
        result.update(all_set if p == "ALL" else [p])
    return result


def _privs(privs):
    return ", ".join(sorted(privs))


def _plain(sql):
    # No parameters: psycopg2 then sends the text as is (a '%' in a quoted name is safe).
    return Statement(sql, sql, None)


def secret_statement(text_before_secret, text_after_secret=""):
    """A statement whose secret is a bound parameter; its text shows a mask instead."""
    template = text_before_secret.replace("%", "%%") + "%s" + text_after_secret.replace("%", "%%")
    return lambda secret: Statement(text_before_secret + "'********'" + text_after_secret, template, (secret,))
