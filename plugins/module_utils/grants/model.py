# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Warehouse-neutral model and planner for profiles_grants.

Flow: options -> ``build_desired`` (validated, normalised ``Desired``; once per run, by
registry.execute) -> ``run``: the adapter reads ``Current`` in a fixed number of round trips and
checks that the named objects exist -> ``plan_grants`` (to_grant / to_revoke / unchanged) -> the
adapter renders statements -> the adapter applies them.

Nothing here imports Ansible or a client library, and nothing here names a warehouse: what
differs per warehouse is asked of the adapter, and the adapter's defaults (names, privileges,
descriptions, object checks) live in its base class (adapter.py), not here.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

# A privilege on one object. kind and target are the adapter's vocabulary; the SQL warehouses use
#   database (db,) | schema (schema,) | table (schema, table) | default (owner, schema) | language (lang,)
# where a "default" grant is a default privilege on future tables ``owner`` creates in ``schema``.
# Adapters add their own kinds (a compute warehouse, a catalog, a project, ...).
Grant = namedtuple("Grant", "kind target privilege")

# text: what is shown to users (never a secret); template/params: what the adapter executes
# (SQL and its bound parameters, or an API call).
Statement = namedtuple("Statement", "text template params")


class GrantsError(Exception):
    """Bad input or a failed warehouse operation, with a message for the user.

    A failure while writing also says what the run left behind (texts of model.Statement, in
    order): ``applied``, the writes that took effect and stay (a warehouse without
    transactions keeps those before the failure); ``unknown``, writes whose outcome could not
    be learnt (the connection was lost while the server committed them); ``not_applied``, the
    failed write and those after it. The module reports ``changed`` true when either of the
    first two is not empty (Ansible's convention: a task that changed something says so, even
    when it fails)."""

    def __init__(self, message, applied=(), unknown=(), not_applied=()):
        Exception.__init__(self, message)
        self.applied = list(applied)
        self.unknown = list(unknown)
        self.not_applied = list(not_applied)

    @property
    def changed(self):
        return bool(self.applied or self.unknown)

    def result(self):
        """The keys the module returns with the failure (documented in its RETURN)."""
        return {"changed": self.changed, "applied": self.applied, "unknown": self.unknown,
                "not_applied": self.not_applied}


class GrantsConflict(GrantsError):
    """The change was rolled back because a concurrent run changed the same objects first:
    reading the state again and re-planning converges."""


# Attempts of read -> plan -> apply when a concurrent run wins a race (GrantsConflict).
MAX_ATTEMPTS = 3


def quote_ident(name):
    """Quote an identifier the way psycopg2.sql.Identifier does: always, doubling quotes."""
    return '"' + name.replace('"', '""') + '"'


class TableRule(namedtuple("TableRule", "schema tables privileges")):
    """Privileges on the tables of ``schema``: all of them (``tables`` None) or those listed."""


class Desired:
    """The normalised desired state of one principal's privileges."""

    def __init__(self, principal, principal_type="user", password=None, update_password="on_create",
                 state="present", mode="append"):
        self.principal = principal
        self.principal_type = principal_type
        self.password = password
        self.update_password = update_password
        self.state = state
        self.mode = mode
        self.create_schemas = []          # [(name, owned_by_principal)]
        self.required_schemas = []        # [(name, option)] that must exist (not created)
        self.database_privileges = None   # set, or None when database grants are not managed
        self.schema_privileges = {}       # schema -> set
        self.table_rules = []             # [TableRule]
        self.default_privileges = {}      # schema -> set (future tables)
        self.future_tables_owners = None  # [role] or None for the connecting user
        self.languages = []
        self.object_privileges = {}       # (kind, target) -> set: adapter kinds (warehouse, catalog...)
        self.extra = {}                   # adapter-owned desired state (extend_desired)
        self.options = {}                 # (kind, name) -> option path, for error messages

    @property
    def schemas(self):
        names = [s[0] for s in self.create_schemas] + [s[0] for s in self.required_schemas]
        return sorted(set(names))


class Current:
    """What an adapter read from the warehouse, restricted to the objects the run names."""

    def __init__(self, login_user, database, principal_exists=False, server_version=0):
        self.login_user = login_user
        self.database = database
        self.server_version = server_version
        self.principal_exists = principal_exists
        self.principal_can_login = None  # False only where the warehouse says it cannot log in
        self.password_matches = None     # True/False where the adapter can tell (password_matches)
        self.schemas = {}       # name -> owner
        self.tables = {}        # schema -> {table: owner}
        self.languages = set()  # existing languages among those named
        self.roles = set()      # existing roles/users among future_tables_owners
        self.grants = set()     # explicit privileges the principal holds on those objects
        self.extra = {}         # adapter-owned state (read_current), e.g. members of a role
        self.owners = {}        # (kind, target) -> owner, for adapter kinds

    def owner_of(self, kind, target):
        if kind == "schema":
            return self.schemas.get(target[0])
        if kind == "table":
            return self.tables.get(target[0], {}).get(target[1])
        return self.owners.get((kind, target))


class Plan:
    def __init__(self):
        self.create_principal = False
        self.set_login = False
        self.set_password = False
        self.create_schemas = []
        self.to_grant = []
        self.to_revoke = []
        self.unchanged = []
        self.actions = []   # adapter-planned changes besides grants, as text (e.g. "grant role R to user U")

    @property
    def changed(self):
        return bool(self.create_principal or self.set_login or self.set_password or self.create_schemas
                    or self.to_grant or self.to_revoke or self.actions)


def kind_rank(kind, order):
    return (order.index(kind), "") if kind in order else (len(order), kind)


def sort_grants(grants, order):
    return sorted(grants, key=lambda g: (kind_rank(g.kind, order), g.target, g.privilege))


def build_desired(params, adapter):
    """Validate module options (a plain dict) against ``adapter`` and return a ``Desired``."""
    params = adapter.resolve_aliases(params)
    ident = adapter.validate_identifier
    principal = adapter.check_principal_name(ident(params.get("principal"), "principal"), "principal")
    desired = Desired(principal, params.get("principal_type") or adapter.PRINCIPAL_TYPES[0],
                      params.get("principal_password"),
                      params.get("update_password") or "on_create", params.get("state") or "present",
                      params.get("mode") or "append")
    if desired.principal_type not in adapter.PRINCIPAL_TYPES:
        raise GrantsError("principal_type: %r is not supported on %s; accepted: %s"
                          % (desired.principal_type, adapter.NAME, ", ".join(adapter.PRINCIPAL_TYPES)))
    if desired.principal_type != "user" and desired.password is not None:
        raise GrantsError("principal_password: only a principal_type user logs in with a password")
    if desired.password is not None and not adapter.PASSWORDS:
        raise GrantsError("principal_password: %s principals do not log in with a password; remove it"
                          % adapter.NAME)
    norm = adapter.normalise_privileges

    db_privs = params.get("database_privileges")
    if db_privs is None:
        db_privs = adapter.DEFAULT_DATABASE_PRIVILEGES
    desired.database_privileges = norm(db_privs, "database", "database_privileges")

    out = params.get("output_schema")
    if out:
        name = ident(out.get("name"), "output_schema.name")
        if _default(out.get("create"), True):
            adapter.check_new_schema_name(name, "output_schema.name")
            desired.create_schemas.append((name, bool(out.get("owned_by_principal"))))
        else:
            desired.required_schemas.append((name, "output_schema.name"))
        desired.options[("schema", name)] = "output_schema.name"
        schema_privs = norm(_default(out.get("privileges"), ["ALL"]), "schema", "output_schema.privileges")
        table_privs = norm(_default(out.get("table_privileges"), ["ALL"]), "table",
                           "output_schema.table_privileges")
        _add(desired.schema_privileges, name, schema_privs)
        if table_privs:
            desired.table_rules.append(TableRule(name, None, frozenset(table_privs)))
            if _default(out.get("future_tables"), True):
                _add(desired.default_privileges, name, table_privs)

    seen = set(s[0] for s in desired.create_schemas)
    for index, spec in enumerate(params.get("input_schemas") or []):
        option = "input_schemas[%d]" % index
        if isinstance(spec, str):
            spec = {"name": spec}
        name = ident(spec.get("name"), option + ".name")
        if name not in seen:
            desired.required_schemas.append((name, option + ".name"))
            seen.add(name)
        desired.options.setdefault(("schema", name), option + ".name")
        _add(desired.schema_privileges, name, norm(
            _default(spec.get("schema_privileges"), ["USAGE"]), "schema", option + ".schema_privileges"))
        table_privs = norm(_default(spec.get("privileges"), ["SELECT"]), "table", option + ".privileges")
        tables = spec.get("tables")
        future = spec.get("future_tables")
        if tables is not None:
            if future:
                raise GrantsError("%s.future_tables: applies only when tables is omitted (all tables)"
                                  % option)
            tables = [ident(t, "%s.tables[%d]" % (option, i)) for i, t in enumerate(tables)]
            for table in tables:
                desired.options[("table", (name, table))] = option + ".tables"
            if tables and table_privs:
                desired.table_rules.append(TableRule(name, tuple(tables), frozenset(table_privs)))
        elif table_privs:
            desired.table_rules.append(TableRule(name, None, frozenset(table_privs)))
            if future is None or future:
                _add(desired.default_privileges, name, table_privs)

    owners = params.get("future_tables_owners")
    if owners:
        desired.future_tables_owners = [ident(o, "future_tables_owners[%d]" % i)
                                        for i, o in enumerate(owners)]
    languages = params.get("languages")
    if languages is None:
        languages = adapter.DEFAULT_LANGUAGES
    desired.languages = sorted(set(ident(lang, "languages[%d]" % i) for i, lang in enumerate(languages)))
    adapter.extend_desired(desired, params)
    return desired


def _default(value, default):
    return default if value is None else value


def _add(mapping, key, values):
    mapping.setdefault(key, set()).update(values)


def expand(desired, current, adapter):
    """Desired grants as a set of Grant (ALL expanded, all-tables rules resolved against the
    tables that exist now), and the scope: the (kind, target) objects this run manages."""
    want, scope = set(), set()

    def add(kind, target, privileges):
        scope.add((kind, target))
        want.update(Grant(kind, target, p) for p in adapter.expand_privileges(kind, target, privileges))

    if desired.database_privileges:
        add("database", (current.database,), desired.database_privileges)
    for schema, privileges in desired.schema_privileges.items():
        add("schema", (schema,), privileges)
    for rule in desired.table_rules:
        tables = rule.tables if rule.tables is not None else sorted(current.tables.get(rule.schema, {}))
        for table in tables:
            add("table", (rule.schema, table), rule.privileges)
    for schema, privileges in desired.default_privileges.items():
        for kind, target in adapter.future_targets(schema, desired, current):
            add(kind, target, privileges)
    for language in desired.languages:
        add("language", (language,), ["USAGE"])
    for (kind, target), privileges in desired.object_privileges.items():
        add(kind, target, privileges)
    return want, scope


def plan_grants(desired, current, adapter):
    """Compare desired with current and return a Plan. Never touches ownership: privileges on
    objects the principal owns count as held and are never revoked."""
    plan = Plan()
    if desired.state == "present":
        plan.create_principal = not current.principal_exists
        # pb logs in as the principal: an existing role without LOGIN is given it.
        plan.set_login = (current.principal_exists and desired.principal_type == "user"
                          and current.principal_can_login is False)
        # A password that is known to work is not set again (a rerun changes nothing); where the
        # adapter cannot tell, "always" sets it on every run.
        plan.set_password = (current.principal_exists and desired.password is not None
                             and desired.update_password == "always"
                             and current.password_matches is not True)
        for name, owned in desired.create_schemas:
            if name not in current.schemas:
                plan.create_schemas.append((name, owned))
                # The run creates it: plan as if it existed, owned by whoever will own it.
                current.schemas[name] = desired.principal if owned else current.login_user
                current.tables.setdefault(name, {})
        adapter.plan_actions(desired, current, plan)
    want, scope = expand(desired, current, adapter)
    order = adapter.KIND_ORDER

    def owned(grant):
        return current.owner_of(grant.kind, grant.target) == desired.principal

    held = set(g for g in current.grants if (g.kind, g.target) in scope)
    if desired.state == "absent":
        plan.to_revoke = sort_grants((g for g in held & want if not owned(g)), order)
        plan.unchanged = []
        return plan
    plan.to_grant = sort_grants((g for g in want - held if not owned(g)), order)
    plan.unchanged = sort_grants((g for g in want if g in held or owned(g)), order)
    if desired.mode == "exclusive":
        plan.to_revoke = sort_grants((g for g in held - want if not owned(g)), order)
    return plan


def plan_result(plan, describe):
    return {
        "create_principal": plan.create_principal,
        "set_login": plan.set_login,
        "set_password": plan.set_password,
        "create_schemas": [schema[0] for schema in plan.create_schemas],
        "to_grant": [describe(g) for g in plan.to_grant],
        "to_revoke": [describe(g) for g in plan.to_revoke],
        "unchanged": [describe(g) for g in plan.unchanged],
        "actions": list(plan.actions),
    }


def diff_result(desired, plan, current_principal_exists, describe, order):
    """before/after text of the principal's managed privileges (no secrets)."""
    before = set(plan.unchanged) | set(plan.to_revoke)
    after = (set(plan.unchanged) | set(plan.to_grant)) - set(plan.to_revoke)
    head = "principal %s (%s)" % (quote_ident(desired.principal), desired.principal_type)

    def text(grants, exists):
        lines = [head + ("" if exists else ": absent")] + [describe(g) for g in sort_grants(grants, order)]
        return "\n".join(lines) + "\n"

    after_exists = current_principal_exists or plan.create_principal
    return {"before": text(before, current_principal_exists), "after": text(after, after_exists)}


def run(adapter, desired, check_mode):
    """The whole flow for one module run, from the ``desired`` state that build_desired made of
    the options (once per run); returns the result dict (raises GrantsError).

    When another run changes the same objects at the same time (both saw the principal
    missing and both create it, say), the loser's transaction is rolled back; it then reads the
    state again and applies what is still missing, up to MAX_ATTEMPTS times."""
    attempt = 0
    while True:
        attempt += 1
        current = _client_step(adapter, "reading the current grants", adapter.read_current, desired)
        if current.principal_exists and desired.password is not None and desired.update_password == "always":
            current.password_matches = _client_step(adapter, "checking the principal's password",
                                                    adapter.password_matches, desired)
        adapter.check_objects(desired, current)
        principal_existed = current.principal_exists
        plan = plan_grants(desired, current, adapter)
        statements = _client_step(adapter, "preparing the statements", adapter.render, plan, desired, current)
        if check_mode or not statements:
            _client_step(adapter, "ending the read-only session", adapter.discard)
            break
        adapter.applied, adapter.unknown = [], []
        try:
            adapter.apply(statements)  # reports its own failures (what was rolled back)
            break
        except GrantsConflict:
            if attempt >= MAX_ATTEMPTS:
                raise
        except GrantsError as exc:
            raise write_failure(adapter, statements, str(exc))
        except adapter.client_errors() as exc:
            raise write_failure(adapter, statements, "%s (%s warehouse): %s" % (
                "writing", adapter.NAME, str(exc).strip() or type(exc).__name__))
    return {
        "changed": plan.changed,
        "queries": [s.text for s in statements],
        "applied": [s.text for s in adapter.applied],
        "plan": plan_result(plan, adapter.describe),
        "diff": diff_result(desired, plan, principal_existed, adapter.describe, adapter.KIND_ORDER),
        "read_round_trips": adapter.read_round_trips,
        "attempts": attempt,
    }


# Writes listed in a failure's message; the rest are counted (all of them are in the result).
LISTED_WRITES = 10


def write_failure(adapter, statements, message):
    """The GrantsError for a failure while writing: ``message`` (the adapter's account of the
    failed write) followed by what the run left behind, from ``adapter.applied`` and
    ``adapter.unknown`` (which ``apply`` keeps up to date)."""
    applied = [s.text for s in adapter.applied]
    unknown = [s.text for s in adapter.unknown]
    done = set(id(s) for s in adapter.applied) | set(id(s) for s in adapter.unknown)
    not_applied = []
    for statement in statements:
        if id(statement) not in done and statement.template != "reread":
            done.add(id(statement))   # a write retried after a concurrent change is listed once
            not_applied.append(statement.text)
    total = len(applied) + len(unknown) + len(not_applied)
    if applied:
        message += (" -- %d of the %d planned writes were applied before the failure and stay (no "
                    "transaction covers them on warehouse %s): %s; rerunning completes the rest"
                    % (len(applied), total, adapter.NAME, _listed(applied)))
    if unknown:
        message += (" -- whether %d writes took effect is unknown: %s; the next run reads the state and "
                    "completes them either way" % (len(unknown), _listed(unknown)))
    return GrantsError(message, applied, unknown, not_applied)


def _listed(texts):
    shown = "; ".join(texts[:LISTED_WRITES])
    if len(texts) > LISTED_WRITES:
        shown += "; and %d more (the result's applied/unknown lists them all)" % (len(texts) - LISTED_WRITES)
    return shown


def _client_step(adapter, step, function, *args):
    """Call ``function`` before anything is written; an error of the warehouse's client library
    (a dropped connection, a catalog query the server refuses, ...) becomes a GrantsError naming
    the step instead of a traceback."""
    try:
        return function(*args)
    except GrantsError:
        raise
    except adapter.client_errors() as exc:
        raise GrantsError("%s (%s warehouse) failed; nothing was changed: %s"
                          % (step, adapter.NAME, str(exc).strip() or type(exc).__name__))
