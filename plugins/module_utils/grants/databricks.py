# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Databricks Unity Catalog adapter for profiles_grants, on databricks-sdk.

What RudderStack's setup guide asks, as desired state of one principal (a user, a service
principal or a group): USE CATALOG on the catalog; the output schema, created if missing, with
ALL PRIVILEGES; USE SCHEMA and SELECT on each input schema (or SELECT on listed tables).

State is read with the Unity Catalog permissions API (``GET /api/2.1/unity-catalog/permissions/
{securable_type}/{full_name}?max_results=0``, following ``next_page_token`` until it is absent),
which lists direct grants only; changes are sent with ``PATCH`` of the same path and
``changes[{principal, add, remove}]``, so that only the principal's delta is touched and grants
made to anyone else are never replaced (the Terraform ``databricks_grants`` resource replaces the
whole list). There are no transactions: each securable is one PATCH, in catalog, schema, table
order, and a run that fails half way is completed by the next run (every call is idempotent).

Privileges: users write the SQL spelling (``USE SCHEMA``) or the REST one (``USE_SCHEMA``);
plans show the SQL spelling, the API gets the REST one. ``ALL PRIVILEGES`` is one privilege in
Unity Catalog, reported back as ``ALL_PRIVILEGES`` (never expanded), and does not include
``MANAGE`` or ``EXTERNAL USE SCHEMA``: asking for ALL never adds them, so reruns converge.
Privileges granted on a catalog or schema are inherited by everything in it, so "all tables"
of a schema is SELECT on the schema (which also covers tables created later).

Principals are compared in the form the permissions API returns: a user's e-mail, a group's
name, a service principal's application id. A service principal may be named by its display
name; it is looked up once through the SCIM service-principals API.

Authentication goes through databricks-sdk's ``Config``: a personal access token, or OAuth
machine-to-machine (client id and secret; the SDK discovers the workspace's OIDC endpoints and
fetches a token). Timeouts and retries are the SDK's (``http_timeout_seconds``,
``retry_timeout_seconds``, both set from connect_timeout).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import traceback

try:
    from urllib.parse import quote
except ImportError:  # Python 2: never reached (databricks-sdk needs Python 3)
    from urllib import quote

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import (
    LOGIN_HOST_DOC, Adapter, check_endpoint, option)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, Statement)

_SDK = {}


def sdk():
    """databricks-sdk's classes, imported on first use: the registry imports every adapter, and
    the SDK takes seconds to import, which runs for other warehouses must not pay."""
    if not _SDK:
        try:
            from databricks.sdk import WorkspaceClient
            from databricks.sdk.config import Config
            from databricks.sdk.errors import NotFound
        except ImportError:
            _SDK["error"] = traceback.format_exc()
        else:
            _SDK.update(error=None, WorkspaceClient=WorkspaceClient, Config=Config, NotFound=NotFound)
    return _SDK


API = "/api/2.1/unity-catalog"
SCIM = "/api/2.0/preview/scim/v2"

# Privileges per securable, in SQL spelling, from Databricks' "Unity Catalog privileges and
# securable objects" reference (privilege model 1.0). ALL PRIVILEGES is accepted as ALL.
CATALOG_PRIVILEGES = (
    "APPLY TAG", "BROWSE", "CREATE FUNCTION", "CREATE MATERIALIZED VIEW", "CREATE MODEL",
    "CREATE SCHEMA", "CREATE TABLE", "CREATE VOLUME", "EXECUTE", "EXTERNAL USE SCHEMA", "MANAGE",
    "MODIFY", "READ VOLUME", "REFRESH", "SELECT", "USE CATALOG", "USE SCHEMA", "WRITE VOLUME")
SCHEMA_PRIVILEGES = (
    "APPLY TAG", "CREATE FUNCTION", "CREATE MATERIALIZED VIEW", "CREATE MODEL", "CREATE TABLE",
    "CREATE VOLUME", "EXECUTE", "EXTERNAL USE SCHEMA", "MANAGE", "MODIFY", "READ VOLUME", "REFRESH",
    "SELECT", "USE SCHEMA", "WRITE VOLUME")
TABLE_PRIVILEGES = ("APPLY TAG", "MANAGE", "MODIFY", "REFRESH", "SELECT")
ALL_PRIVILEGES = "ALL PRIVILEGES"

SECURABLE_TYPES = {"catalog": "catalog", "schema": "schema", "table": "table"}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Characters Unity Catalog does not allow in object names (besides ASCII control characters).
FORBIDDEN = (".", " ", "/")


def rest_privilege(name):
    """SQL spelling -> REST spelling: ``USE SCHEMA`` -> ``USE_SCHEMA``."""
    return name.replace(" ", "_")


def sql_privilege(name):
    """REST (or any) spelling -> the SQL spelling plans show: ``USE_SCHEMA`` -> ``USE SCHEMA``."""
    return " ".join(name.replace("_", " ").upper().split())


def held_privileges(pages, principal, ignore_case=False):
    """The privileges ``principal`` holds directly, from the pages of a permissions GET
    (``{"privilege_assignments": [{"principal", "privileges"}], "next_page_token"}``), in SQL
    spelling. An assignment is complete within one page, but a principal may appear on several
    pages; all of them count. ``ignore_case`` for user e-mails, which Databricks matches without
    regard to case."""
    held = set()
    wanted = principal.lower() if ignore_case else principal
    for page in pages:
        for assignment in page.get("privilege_assignments") or []:
            name = assignment.get("principal") or ""
            if (name.lower() if ignore_case else name) == wanted:
                held.update(sql_privilege(p) for p in assignment.get("privileges") or [])
    return held


def permissions_change(principal, add, remove):
    """The body of a permissions PATCH for one principal (REST spelling, sorted)."""
    change = {"principal": principal}
    if add:
        change["add"] = sorted(rest_privilege(p) for p in add)
    if remove:
        change["remove"] = sorted(rest_privilege(p) for p in remove)
    return {"changes": [change]}


def call_text(method, path, body=None):
    """How an API call is shown in ``queries``: method, path and compact JSON body."""
    if body is None:
        return "%s %s" % (method, path)
    return "%s %s %s" % (method, path, json.dumps(body, sort_keys=True, separators=(", ", ": ")))


def normalise_host(host):
    """Workspace URL from a host as the siteconfig writes it (no scheme) or a full URL."""
    host = host.strip().rstrip("/")
    if not re.match(r"^https?://", host):
        host = "https://" + host
    return host


class DatabricksAdapter(Adapter):
    NAME = "databricks"
    CONNECTION_OPTIONS = {
        "login_host": option("str", LOGIN_HOST_DOC, env=["DATABRICKS_HOST"], required=True,
                             aliases=["host", "databricks_host"]),
        "access_token": option(
            "str", "Personal access token of the admin that grants, named as in profiles_siteconfig. Mutually exclusive with "
            "O(client_id)/O(client_secret).", env=["DATABRICKS_TOKEN"], no_log=True,
            aliases=["databricks_token"]),
        "client_id": option(
            "str", "OAuth machine-to-machine: client id (application id) of the admin service principal, named as in "
            "profiles_siteconfig; "
            "databricks-sdk fetches a token from the workspace's OIDC endpoints.",
            env=["DATABRICKS_CLIENT_ID"], aliases=["databricks_client_id"]),
        "client_secret": option(
            "str", "OAuth machine-to-machine: the client secret of O(client_id), named as in profiles_siteconfig.",
            env=["DATABRICKS_CLIENT_SECRET"], no_log=True, aliases=["databricks_client_secret"]),
        "catalog": option(
            "str", "Unity Catalog catalog holding the output and input schemas (the siteconfig's "
            "C(catalog)). It must exist; it is never created.", required=True, aliases=["databricks_catalog"]),
    }
    DESIRED_OPTIONS = {
        "databricks_principal_lookup": option(
            "bool", "Look the principal up in the workspace's SCIM API (users by e-mail, groups by name, "
            "service principals by application id) and fail before anything is written when it is not "
            "there. Set V(false) to grant to an account-level identity that is not assigned to this "
            "workspace (Unity Catalog accepts those; the workspace's SCIM API does not list them).",
            default=True),
    }
    PRINCIPAL_TYPES = ("user", "service_principal", "group")
    PRINCIPAL_TYPES_DOC = {
        "user": "a Databricks user, named by e-mail (Databricks identities are never created by this module)",
        "service_principal": "a service principal, named by application id (UUID) or display name "
                             "(looked up through SCIM and compared by application id)",
        "group": "a group, named by its display name",
    }
    PASSWORDS = False
    # "database" is how the planner names the top of the connection: on Unity Catalog it is the
    # catalog (database_privileges are privileges on the catalog the option catalog names).
    PRIVILEGES = {
        "database": CATALOG_PRIVILEGES,
        "catalog": CATALOG_PRIVILEGES,
        "schema": SCHEMA_PRIVILEGES,
        "table": TABLE_PRIVILEGES,
    }
    KIND_ORDER = ("catalog", "schema", "table")
    DEFAULT_DATABASE_PRIVILEGES = ["USE CATALOG"]
    DEFAULT_LANGUAGES = []
    MAX_IDENTIFIER_BYTES = 255

    def __init__(self, params=None, client=None):
        Adapter.__init__(self, params)
        self.ws = client
        self.catalog = None
        self.login_user = None
        self.calls = []        # (method, path) of every API call made, in order (tests, debugging)
        self._secrets = []

    # -- client and connection ---------------------------------------------------------------
    @classmethod
    def client_import_error(cls):
        return sdk()["error"]

    def auth(self):
        """(auth_type, Config keyword arguments) from the options; raises GrantsError."""
        params = self.connection_params(self.params)
        explicit_pat = self.params.get("access_token") is not None
        explicit_m2m = any(self.params.get(n) is not None
                           for n in ("client_id", "client_secret"))
        token = params["access_token"]
        client_id, secret = params["client_id"], params["client_secret"]
        if explicit_pat and explicit_m2m:
            raise GrantsError("access_token and client_id/client_secret are mutually exclusive: give a "
                              "personal access token or OAuth M2M credentials")
        use_pat = token and (explicit_pat or not explicit_m2m)
        if explicit_m2m or (not use_pat and (client_id or secret)):
            use_pat = False
        timeout = int(self.params.get("connect_timeout") or 10)
        common = {"host": normalise_host(params["login_host"]),
                  "http_timeout_seconds": timeout, "retry_timeout_seconds": timeout}
        if use_pat:
            self._secrets = [token]
            return "pat", dict(common, auth_type="pat", token=token)
        if client_id and secret:
            self._secrets = [secret]
            return "oauth-m2m", dict(common, auth_type="oauth-m2m", client_id=client_id, client_secret=secret)
        if client_id or secret:
            missing = "client_secret" if client_id else "client_id"
            raise GrantsError("%s is required with %s for OAuth machine-to-machine authentication (or the "
                              "environment variable %s)" % (
                                  missing, "client_id" if client_id else "client_secret",
                                  "DATABRICKS_CLIENT_SECRET" if client_id else "DATABRICKS_CLIENT_ID"))
        raise GrantsError("warehouse databricks needs credentials: access_token (personal access token) "
                          "or client_id and client_secret (OAuth M2M), or the "
                          "environment variables DATABRICKS_TOKEN / DATABRICKS_CLIENT_ID and "
                          "DATABRICKS_CLIENT_SECRET")

    def connect(self):
        """Configure the SDK and ask who we are (one call: it proves host, TLS and credentials)."""
        self.catalog_name()
        auth_type, kwargs = self.auth()
        # The SDK retries a refused connection until retry_timeout_seconds and reports a timeout:
        # say at once when the host does not resolve, refuses, or fails TLS.
        check_endpoint(kwargs["host"], "login_host", kwargs["http_timeout_seconds"], "the Databricks workspace")
        if self.ws is None:
            try:
                self.ws = sdk()["WorkspaceClient"](config=sdk()["Config"](**kwargs))
            except Exception as exc:  # the SDK raises ValueError for config and OIDC failures
                raise self._error("cannot configure databricks-sdk (%s) for %s" % (auth_type, kwargs["host"]),
                                  exc, kwargs)
        try:
            me = self._call("GET", SCIM + "/Me")
        except GrantsError as exc:
            # What to change: the credentials when the workspace answered and refused them, else
            # the host (or the network between).
            refused = any(w in str(exc) for w in ("Invalid access token", "401", "403", "invalid_client",
                                                  "Unauthorized", "Forbidden"))
            hint = ("check access_token (or client_id and client_secret)" if refused
                    else "check login_host, and that the workspace accepts connections from this host")
            raise GrantsError("cannot connect to the Databricks workspace at %s (login_host; %s, "
                              "connect_timeout %ss): %s; %s"
                              % (kwargs["host"], auth_type, kwargs["http_timeout_seconds"], exc, hint))
        self.login_user = me.get("userName") or me.get("displayName")

    def _error(self, what, exc, kwargs=None):
        text = str(exc).strip() or exc.__class__.__name__
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "********")
        if isinstance(exc, TimeoutError) and kwargs:
            text += " (gave up after retry_timeout_seconds=%s)" % kwargs.get("retry_timeout_seconds")
        return GrantsError("%s: %s" % (what, text))

    def _call(self, method, path, query=None, body=None, missing_ok=False):
        """One REST call through the SDK's client (its auth, retries and timeouts)."""
        self.calls.append((method, path))
        if method == "GET":
            self.read_round_trips += 1
        try:
            return self.ws.api_client.do(method, path, query=query, body=body,
                                         headers={"Accept": "application/json"}) or {}
        except Exception as exc:  # DatabricksError subclasses, TimeoutError, requests errors
            if missing_ok and sdk().get("NotFound") and isinstance(exc, sdk()["NotFound"]):
                return None
            raise self._error(call_text(method, path, body), exc)

    # -- names and vocabulary ----------------------------------------------------------------
    def validate_identifier(self, value, option):
        """Unity Catalog stores object names in lower case and refuses '.', ' ', '/' and control
        characters in them; principals (e-mails, group names, application ids) are kept as given."""
        value = Adapter.validate_identifier(self, value, option)
        if option == "principal":
            return value
        if "." in value:
            raise GrantsError(
                "%s: %r is not a valid Unity Catalog name: the three-level name catalog.schema.table is "
                "built from the option catalog, the schema name and the table name, so give only one level "
                "here" % (option, value))
        bad = [c for c in value if c in FORBIDDEN or ord(c) < 0x20 or ord(c) == 0x7f]
        if bad:
            raise GrantsError("%s: %r contains %r, which Unity Catalog does not allow in names (no '.', space, "
                              "'/' or control characters)" % (option, value, bad[0]))
        return value.lower()

    def normalise_privileges(self, values, kind, option):
        """Either spelling, REST (``USE_SCHEMA``) or SQL (``USE SCHEMA``), as the SQL one; the
        generic USAGE (the module's default for input schemas) is USE SCHEMA on a schema and USE
        CATALOG on the catalog. Then the common checks (aliases, allow-list, ALL kept)."""
        return Adapter.normalise_privileges(self, [self.canonical_privilege(kind, v) for v in values or []],
                                            kind, option)

    @staticmethod
    def canonical_privilege(kind, name):
        if not isinstance(name, str):
            return name   # reported by the common checks
        name = sql_privilege(name)
        if name == "USAGE":
            return {"schema": "USE SCHEMA", "database": "USE CATALOG", "catalog": "USE CATALOG"}.get(kind, name)
        return name

    def all_privileges(self, kind):
        return (ALL_PRIVILEGES,)

    def describe(self, grant):
        kind, target, privilege = grant
        return "%s ON %s %s" % (privilege, kind.upper(), self.full_name(kind, target))

    def catalog_name(self):
        """catalog, validated (once)."""
        if self.catalog is None:
            self.catalog = self.validate_identifier(
                self.connection_params(self.params)["catalog"], "catalog")
        return self.catalog

    def full_name(self, kind, target):
        if kind == "catalog":
            return target[0]
        return ".".join((self.catalog_name(),) + tuple(target))

    # -- desired state and plan hooks --------------------------------------------------------
    def extend_desired(self, desired, params):
        for name in ("future_tables_owners", "languages"):
            if params.get(name):
                raise GrantsError("%s: not used on warehouse databricks (Unity Catalog privileges on a "
                                  "schema are inherited by its future tables; there are no languages)" % name)
        lookup = params.get("databricks_principal_lookup")
        desired.extra["principal_lookup"] = True if lookup is None else bool(lookup)
        catalog = self.catalog_name()
        if desired.database_privileges:
            desired.object_privileges[("catalog", (catalog,))] = set(desired.database_privileges)
        desired.database_privileges = set()
        # All tables of a schema: privileges on the schema, inherited by current and future tables.
        rules = []
        for rule in desired.table_rules:
            if rule.tables is None:
                desired.schema_privileges.setdefault(rule.schema, set()).update(rule.privileges)
            else:
                rules.append(rule)
        desired.table_rules = rules
        desired.default_privileges = {}
        for name, owned in desired.create_schemas:
            if owned and desired.principal_type == "group":
                raise GrantsError("output_schema.owned_by_principal: give the schema to a user or service "
                                  "principal; a group owner would not be the identity pb connects as")

    def future_targets(self, schema, desired, current):
        return []

    # -- reading -----------------------------------------------------------------------------
    # principal_type -> the workspace SCIM list and the attribute the principal is named by.
    SCIM_LOOKUP = {"user": ("Users", "userName"), "group": ("Groups", "displayName"),
                   "service_principal": ("ServicePrincipals", "applicationId")}

    def resolve_principal(self, desired):
        """The principal in the form the permissions API returns; unless
        databricks_principal_lookup is off, one that the workspace does not know fails here,
        before anything is written (Unity Catalog would refuse it only at the first PATCH)."""
        name = desired.principal
        if desired.principal_type != "service_principal" or UUID.match(name):
            name = name.lower() if UUID.match(name) else name
            if desired.state == "present" and desired.extra.get("principal_lookup", True):
                self.check_principal_exists(name, desired.principal_type)
            return name
        found = self._call("GET", SCIM + "/ServicePrincipals",
                           query={"filter": 'displayName eq "%s"' % name.replace('"', '\\"'),
                                  "attributes": "id,applicationId,displayName", "startIndex": 1, "count": 100})
        ids = sorted(set(r.get("applicationId") for r in found.get("Resources") or []
                         if r.get("displayName") == name and r.get("applicationId")))
        if not ids and desired.state == "absent":
            return name   # nothing can be held by a principal that does not exist
        if not ids:
            raise GrantsError("principal: no service principal with display name %r in the workspace (give its "
                              "application id to grant to an account-level service principal)" % name)
        if len(ids) > 1:
            raise GrantsError("principal: %d service principals are named %r (application ids %s): give the "
                              "application id" % (len(ids), name, ", ".join(ids)))
        return ids[0]

    def check_principal_exists(self, name, principal_type):
        endpoint, attribute = self.SCIM_LOOKUP[principal_type]
        found = self._call("GET", "%s/%s" % (SCIM, endpoint),
                           query={"filter": '%s eq "%s"' % (attribute, name.replace('"', '\\"')),
                                  "attributes": "id," + attribute, "startIndex": 1, "count": 10})
        if not found.get("Resources"):
            raise GrantsError("principal: no %s %r in this workspace (SCIM %s, %s eq %r); nothing was written. "
                              "Check principal and principal_type, or set databricks_principal_lookup: false to "
                              "grant to an account-level identity not assigned to this workspace"
                              % (principal_type.replace("_", " "), name, endpoint, attribute, name))

    def read_permissions(self, kind, target):
        """Every page of the securable's direct grants (``max_results=0``: the paginated API)."""
        path = "%s/permissions/%s/%s" % (API, SECURABLE_TYPES[kind], quote(self.full_name(kind, target), safe=""))
        pages, token = [], None
        while True:
            query = {"max_results": 0}
            if token:
                query["page_token"] = token
            page = self._call("GET", path, query=query)
            pages.append(page)
            token = page.get("next_page_token")
            if not token:
                return pages

    def read_current(self, desired):
        if self.ws is None:
            raise GrantsError("not connected")
        desired.principal = self.resolve_principal(desired)
        current = Current(self.login_user, self.catalog, principal_exists=True)
        catalog = self._call("GET", "%s/catalogs/%s" % (API, quote(self.catalog, safe="")), missing_ok=True)
        if catalog is None:
            raise GrantsError("catalog: catalog %s does not exist in the metastore of this workspace "
                              "(catalogs are never created by this module)" % self.catalog)
        current.owners[("catalog", (self.catalog,))] = catalog.get("owner")
        for name in desired.schemas:
            found = self._call("GET", "%s/schemas/%s" % (API, quote(self.full_name("schema", (name,)), safe="")),
                               missing_ok=True)
            if found is not None:
                current.schemas[name] = found.get("owner")
                current.tables[name] = {}
        for name, option in desired.required_schemas:
            if name not in current.schemas:
                raise GrantsError("%s: schema %s.%s does not exist in Unity Catalog (input schemas are never "
                                  "created; for the output schema set output_schema.create)"
                                  % (option, self.catalog, name))
        listed = sorted(set(rule.schema for rule in desired.table_rules if rule.tables))
        for name in listed:
            if name in current.schemas:
                current.tables[name] = self.list_tables(name)
        securables = []
        if ("catalog", (self.catalog,)) in desired.object_privileges:
            securables.append(("catalog", (self.catalog,)))
        securables += [("schema", (name,)) for name in sorted(desired.schema_privileges) if name in current.schemas]
        for rule in desired.table_rules:
            securables += [("table", (rule.schema, t)) for t in rule.tables or ()
                           if t in current.tables.get(rule.schema, {})]
        for kind, target in sorted(set(securables), key=lambda s: (self.KIND_ORDER.index(s[0]), s[1])):
            pages = self.read_permissions(kind, target)
            for privilege in held_privileges(pages, desired.principal, desired.principal_type == "user"):
                current.grants.add(Grant(kind, target, privilege))
        return current

    def list_tables(self, schema):
        """name -> owner of the tables and views in ``schema`` (paginated listing)."""
        tables, token = {}, None
        while True:
            query = {"catalog_name": self.catalog, "schema_name": schema, "max_results": 0,
                     "omit_columns": "true", "omit_properties": "true"}
            if token:
                query["page_token"] = token
            page = self._call("GET", API + "/tables", query=query)
            for table in page.get("tables") or []:
                tables[table["name"]] = table.get("owner")
            token = page.get("next_page_token")
            if not token:
                return tables

    # -- rendering and writing ---------------------------------------------------------------
    def render(self, plan, desired, current):
        """Permission changes on securables that exist come first, then the new schemas and
        their permissions. Unity Catalog has no transactions and learns only at the first PATCH
        that a principal does not exist: failing there leaves nothing half-written."""
        created = set(name for name, owned in plan.create_schemas)
        changes = {}
        for grant in plan.to_grant:
            changes.setdefault((grant.kind, grant.target), (set(), set()))[0].add(grant.privilege)
        for grant in plan.to_revoke:
            changes.setdefault((grant.kind, grant.target), (set(), set()))[1].add(grant.privilege)

        def patch(kind, target):
            add, remove = changes[(kind, target)]
            path = "%s/permissions/%s/%s" % (API, SECURABLE_TYPES[kind], quote(self.full_name(kind, target), safe=""))
            return _statement("PATCH", path, permissions_change(desired.principal, add, remove))

        ordered = sorted(changes, key=lambda s: (self.KIND_ORDER.index(s[0]), s[1]))
        on_new = [key for key in ordered if key[0] in ("schema", "table") and key[1][0] in created]
        statements = [patch(*key) for key in ordered if key not in on_new]
        for name, owned in plan.create_schemas:
            body = {"catalog_name": self.catalog, "name": name}
            statements.append(_statement("POST", API + "/schemas", body))
            if owned:
                statements.append(_statement(
                    "PATCH", "%s/schemas/%s" % (API, quote(self.full_name("schema", (name,)), safe="")),
                    {"owner": desired.principal}))
        return statements + [patch(*key) for key in on_new]

    def apply(self, statements):
        """One call after the other; model.run reports those applied before a failure."""
        for index, statement in enumerate(statements):
            method, path = statement.template
            try:
                self._call(method, path, body=statement.params)
            except GrantsError as exc:
                raise GrantsError("%s (call %d of %d)" % (exc, index + 1, len(statements)))
            self.applied.append(statement)

    def discard(self):
        """Nothing to end: reads leave no session open."""


def _statement(method, path, body):
    return Statement(call_text(method, path, body), (method, path), body)
