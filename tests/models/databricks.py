"""MODEL of the Databricks workspace REST API (Unity Catalog, SCIM, OAuth), not Databricks.

A local HTTP server that the real databricks-sdk talks to over http://127.0.0.1:PORT, so that the
databricks adapter of profiles_grants runs through its real client: authentication (personal
access token, or OAuth machine-to-machine via host metadata, OIDC discovery and the token
endpoint), retries and JSON decoding are the SDK's. It models only what the adapter and the SDK
use, with the response shapes of Databricks' REST reference (tests/unit/fixtures/databricks/
holds the reference's examples these shapes were pinned to):

  GET  /.well-known/databricks-config               host metadata (SDK >= 0.6x probes it)
  GET  /oidc/.well-known/oauth-authorization-server OIDC discovery (M2M)
  POST /oidc/v1/token                                client_credentials grant (M2M)
  GET  /api/2.0/preview/scim/v2/Me                   the caller
  GET  /api/2.0/preview/scim/v2/ServicePrincipals    filter=displayName eq "..." | applicationId eq "..."
  GET  /api/2.0/preview/scim/v2/Users                filter=userName eq "..."
  GET  /api/2.0/preview/scim/v2/Groups               filter=displayName eq "..."
  GET  /api/2.1/unity-catalog/catalogs/{name}
  GET  /api/2.1/unity-catalog/schemas/{full_name}    POST /api/2.1/unity-catalog/schemas
  PATCH /api/2.1/unity-catalog/schemas/{full_name}   (owner)
  GET  /api/2.1/unity-catalog/tables                 catalog_name, schema_name, paginated
  GET  /api/2.1/unity-catalog/permissions/{type}/{full_name}   max_results=0 -> pages of PAGE_SIZE
  PATCH /api/2.1/unity-catalog/permissions/{type}/{full_name}  changes[{principal, add, remove}]

Behaviour modelled from the reference: direct grants only; ALL_PRIVILEGES is stored and returned
as one privilege (MANAGE and EXTERNAL_USE_SCHEMA stay separate); a privilege that does not apply
to the securable is refused with INVALID_PARAMETER_VALUE; unknown principals are refused;
service principals are returned by application id; the workspace SCIM API lists the workspace's
users (``userName``, matched without regard to case), groups (``displayName``) and service
principals, as a SCIM ListResponse, an unknown name giving ``totalResults: 0`` (Databricks'
"Users", "Groups" and "Service principals" workspace SCIM references,
https://docs.databricks.com/api/workspace/users/list and .../groups/list,
.../serviceprincipals/list); names are stored in lower case; errors are
``{"error_code", "message"}`` with the HTTP status the SDK maps to its exception classes. Every
request is recorded (method, path, query, body) so that tests can assert what was (not) sent.
``fail_on_write = N`` refuses the Nth write (POST/PATCH outside /oidc, counted from when it is
set) with 403 PERMISSION_DENIED, changing nothing, as Unity Catalog refuses a caller that lacks
MANAGE (or ownership) on a securable.
"""
import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

CATALOG_PRIVILEGES = {
    "ALL_PRIVILEGES", "APPLY_TAG", "BROWSE", "CREATE_FUNCTION", "CREATE_MATERIALIZED_VIEW", "CREATE_MODEL",
    "CREATE_SCHEMA", "CREATE_TABLE", "CREATE_VOLUME", "EXECUTE", "EXTERNAL_USE_SCHEMA", "MANAGE", "MODIFY",
    "READ_VOLUME", "REFRESH", "SELECT", "USE_CATALOG", "USE_SCHEMA", "WRITE_VOLUME"}
SCHEMA_PRIVILEGES = CATALOG_PRIVILEGES - {"BROWSE", "CREATE_SCHEMA", "USE_CATALOG"}
TABLE_PRIVILEGES = {"ALL_PRIVILEGES", "APPLY_TAG", "MANAGE", "MODIFY", "REFRESH", "SELECT"}
VALID = {"catalog": CATALOG_PRIVILEGES, "schema": SCHEMA_PRIVILEGES, "table": TABLE_PRIVILEGES}


class ApiError(Exception):
    def __init__(self, status, code, message):
        Exception.__init__(self, message)
        self.status, self.code, self.message = status, code, message


class Workspace:
    """The modelled state of one workspace and its metastore."""

    def __init__(self, admin="admin@example.com", page_size=2):
        self.lock = threading.Lock()
        self.page_size = page_size        # privilege assignments per page when max_results=0
        self.tokens = {}                  # bearer token -> identity (userName as /Me returns it)
        self.clients = {}                 # OAuth client id -> secret (a service principal's)
        self.users = {admin}
        self.groups = {"account users", "data-engineers"}
        # Account-level identities not assigned to this workspace: Unity Catalog grants to them,
        # the workspace's SCIM API does not list them.
        self.account_only = set()
        self.service_principals = []      # {"id", "applicationId", "displayName"}
        self.catalogs = {}                # name -> {"owner"}
        self.schemas = {}                 # "catalog.schema" -> {"owner"}
        self.tables = {}                  # "catalog.schema.table" -> {"owner"}
        self.grants = {}                  # (type, full_name) -> {principal: set(REST privileges)}
        self.requests = []                # (method, path, query dict, body or None)
        self.admin = admin
        self.fail_on_write = None         # refuse the Nth write from now (403), see the docstring
        self.writes_seen = 0

    # -- setup helpers for tests ---------------------------------------------------------------
    def add_token(self, identity):
        token = "dapi" + uuid.uuid4().hex
        self.tokens[token] = identity
        return token

    def add_service_principal(self, display_name, secret=None):
        app_id = str(uuid.uuid4())
        self.service_principals.append({"id": str(len(self.service_principals) + 1000),
                                        "applicationId": app_id, "displayName": display_name})
        if secret:
            self.clients[app_id] = secret
        return app_id

    def add_catalog(self, name, owner=None):
        self.catalogs[name] = {"owner": owner or self.admin}

    def add_schema(self, full_name, owner=None):
        self.schemas[full_name] = {"owner": owner or self.admin}

    def add_table(self, full_name, owner=None):
        self.tables[full_name] = {"owner": owner or self.admin}

    def grant(self, securable_type, full_name, principal, *privileges):
        self.grants.setdefault((securable_type, full_name), {}).setdefault(principal, set()).update(privileges)

    def privileges(self, securable_type, full_name, principal):
        return set(self.grants.get((securable_type, full_name), {}).get(principal, set()))

    def writes(self):
        return [r for r in self.requests if r[0] in ("POST", "PATCH", "PUT", "DELETE")
                and not r[1].startswith("/oidc/")]

    def clear_requests(self):
        del self.requests[:]

    # -- request handling ------------------------------------------------------------------------
    def known_principal(self, name):
        return (name in self.users or name in self.groups or name in self.account_only
                or any(sp["applicationId"] == name for sp in self.service_principals))

    def securable_exists(self, securable_type, full_name):
        return full_name in {"catalog": self.catalogs, "schema": self.schemas, "table": self.tables}[securable_type]

    def handle(self, method, path, query, body, headers, base):
        if path == "/.well-known/databricks-config":
            return {"oidc_endpoint": base + "/oidc", "workspace_id": "1234567890123456"}
        if path == "/oidc/.well-known/oauth-authorization-server":
            return {"authorization_endpoint": base + "/oidc/v1/authorize", "token_endpoint": base + "/oidc/v1/token",
                    "issuer": base + "/oidc"}
        if path == "/oidc/v1/token":
            return self.token(body, headers)
        identity = self.authenticate(headers)
        if method in ("POST", "PATCH", "PUT", "DELETE") and self.fail_on_write:
            self.writes_seen += 1
            if self.writes_seen == self.fail_on_write:
                raise ApiError(403, "PERMISSION_DENIED", "User does not have MANAGE on %s (the model was told "
                               "to refuse write %d)" % (path, self.writes_seen))
        if path == "/api/2.0/preview/scim/v2/Me":
            sp = [s for s in self.service_principals if s["applicationId"] == identity]
            if sp:
                return {"id": sp[0]["id"], "userName": identity, "displayName": sp[0]["displayName"],
                        "active": True}
            return {"id": "100", "userName": identity, "displayName": identity, "active": True,
                    "emails": [{"value": identity, "primary": True, "type": "work"}]}
        if path == "/api/2.0/preview/scim/v2/ServicePrincipals":
            return self.scim_service_principals(query)
        if path == "/api/2.0/preview/scim/v2/Users":
            return self.scim_list(query, "userName", [{"id": str(2000 + i), "userName": u, "active": True}
                                                      for i, u in enumerate(sorted(self.users))])
        if path == "/api/2.0/preview/scim/v2/Groups":
            return self.scim_list(query, "displayName", [{"id": str(3000 + i), "displayName": g}
                                                         for i, g in enumerate(sorted(self.groups))])
        parts = path.split("/")
        if path.startswith("/api/2.1/unity-catalog/catalogs/") and method == "GET":
            name = unquote(parts[5]).lower()
            if name not in self.catalogs:
                raise ApiError(404, "CATALOG_DOES_NOT_EXIST", "Catalog '%s' does not exist." % name)
            return dict(name=name, full_name=name, catalog_type="MANAGED_CATALOG", **self.catalogs[name])
        if path == "/api/2.1/unity-catalog/schemas" and method == "POST":
            return self.create_schema(body, identity)
        if path.startswith("/api/2.1/unity-catalog/schemas/"):
            return self.schema(method, unquote(parts[5]).lower(), body)
        if path == "/api/2.1/unity-catalog/tables" and method == "GET":
            return self.list_tables(query)
        if path.startswith("/api/2.1/unity-catalog/permissions/"):
            securable_type, full_name = parts[5].lower(), unquote(parts[6]).lower()
            if securable_type not in VALID:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "Invalid securable type %s" % securable_type)
            if not self.securable_exists(securable_type, full_name):
                raise ApiError(404, "NOT_FOUND", "%s '%s' does not exist." % (securable_type.title(), full_name))
            if method == "GET":
                return self.get_permissions(securable_type, full_name, query)
            if method == "PATCH":
                return self.update_permissions(securable_type, full_name, body)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'" % (method, path))

    def token(self, body, headers):
        auth = headers.get("Authorization", "")
        form = parse_qs(body or "")
        client_id = secret = None
        if auth.startswith("Basic "):
            client_id, dummy, secret = base64.b64decode(auth[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", [None])[0], form.get("client_secret", [None])[0]
        if form.get("grant_type") != ["client_credentials"] or self.clients.get(client_id) != secret:
            raise ApiError(401, "invalid_client", "Client authentication failed")
        token = "oauth-" + uuid.uuid4().hex
        self.tokens[token] = client_id
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "all-apis"}

    def authenticate(self, headers):
        auth = headers.get("Authorization", "")
        identity = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if identity is None:
            raise ApiError(401, "UNAUTHENTICATED", "Invalid access token.")
        return identity

    def scim_service_principals(self, query):
        flt = query.get("filter", "")
        found = self.service_principals
        for attribute in ("displayName", "applicationId"):
            prefix = '%s eq "' % attribute
            if flt.startswith(prefix):
                value = flt[len(prefix):-1].replace('\\"', '"')
                found = [s for s in found if s[attribute] == value]
        start = int(query.get("startIndex", 1))
        count = int(query.get("count", 10000))
        page = found[start - 1:start - 1 + count]
        return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(found),
                "startIndex": start, "itemsPerPage": len(page),
                "Resources": [dict(s, active=True) for s in page]}

    @staticmethod
    def scim_list(query, attribute, resources):
        flt = query.get("filter", "")
        prefix = '%s eq "' % attribute
        if flt.startswith(prefix):
            value = flt[len(prefix):-1].replace('\\"', '"')
            if attribute == "userName":   # e-mails: case-insensitive, as Databricks compares them
                resources = [r for r in resources if r[attribute].lower() == value.lower()]
            else:
                resources = [r for r in resources if r[attribute] == value]
        return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(resources),
                "startIndex": 1, "itemsPerPage": len(resources), "Resources": resources}

    def create_schema(self, body, identity):
        catalog, name = body["catalog_name"].lower(), body["name"].lower()
        if catalog not in self.catalogs:
            raise ApiError(404, "CATALOG_DOES_NOT_EXIST", "Catalog '%s' does not exist." % catalog)
        full = "%s.%s" % (catalog, name)
        if full in self.schemas:
            raise ApiError(409, "SCHEMA_ALREADY_EXISTS", "Schema '%s' already exists" % full)
        self.schemas[full] = {"owner": identity}
        return self.schema("GET", full, None)

    def schema(self, method, full, body):
        if full not in self.schemas:
            raise ApiError(404, "SCHEMA_DOES_NOT_EXIST", "Schema '%s' does not exist." % full)
        if method == "PATCH":
            if "owner" in body:
                if not self.known_principal(body["owner"]):
                    raise ApiError(400, "INVALID_PARAMETER_VALUE", "Could not find principal with name %s"
                                   % body["owner"])
                self.schemas[full]["owner"] = body["owner"]
        catalog, name = full.split(".")
        return {"name": name, "catalog_name": catalog, "full_name": full, "owner": self.schemas[full]["owner"]}

    def list_tables(self, query):
        prefix = "%s.%s." % (query["catalog_name"].lower(), query["schema_name"].lower())
        names = sorted(t for t in self.tables if t.startswith(prefix))
        start = int(query.get("page_token") or 0)
        page = names[start:start + self.page_size] if "max_results" in query else names[start:]
        out = {"tables": [{"name": t.split(".")[2], "catalog_name": t.split(".")[0], "schema_name": t.split(".")[1],
                           "full_name": t, "table_type": "MANAGED", "owner": self.tables[t]["owner"]} for t in page]}
        if start + len(page) < len(names):
            out["next_page_token"] = str(start + len(page))
        return out

    def get_permissions(self, securable_type, full_name, query):
        assignments = [{"principal": p, "privileges": sorted(privs)}
                       for p, privs in sorted(self.grants.get((securable_type, full_name), {}).items()) if privs]
        if "max_results" not in query:   # the deprecated unpaginated form: everything at once
            return {"privilege_assignments": assignments}
        start = int(query.get("page_token") or 0)
        page = assignments[start:start + self.page_size]
        out = {"privilege_assignments": page}
        if start + len(page) < len(assignments):
            out["next_page_token"] = str(start + len(page))
        return out

    def update_permissions(self, securable_type, full_name, body):
        changes = body.get("changes") or []
        for change in changes:   # validate all first: the real API refuses the whole request
            if not self.known_principal(change.get("principal")):
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "Could not find principal with name %s"
                               % change.get("principal"))
            for privilege in (change.get("add") or []) + (change.get("remove") or []):
                if privilege not in VALID[securable_type]:
                    raise ApiError(400, "INVALID_PARAMETER_VALUE", "Privilege %s is not applicable to this entity "
                                   "[%s:%s]" % (privilege, securable_type.upper(), full_name))
        table = self.grants.setdefault((securable_type, full_name), {})
        for change in changes:
            held = table.setdefault(change["principal"], set())
            held.update(change.get("add") or [])
            held.difference_update(change.get("remove") or [])
        return {"privilege_assignments": [{"principal": p, "privileges": sorted(v)} for p, v in sorted(table.items())
                                          if v]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _serve(self):
        url = urlsplit(self.path)
        query = dict((k, v[-1]) for k, v in parse_qs(url.query).items())
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else None
        body = raw
        if raw and "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw)
        workspace = self.server.workspace
        base = "http://%s:%d" % self.server.server_address[:2]
        with workspace.lock:
            workspace.requests.append((self.command, url.path, query, body))
            try:
                status, payload = 200, workspace.handle(self.command, url.path, query, body, self.headers, base)
            except ApiError as exc:
                status, payload = exc.status, {"error_code": exc.code, "message": exc.message}
                if url.path == "/oidc/v1/token":
                    payload = {"error": exc.code, "error_description": exc.message}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


class StandIn:
    """The model served on 127.0.0.1 in a background thread."""

    def __init__(self, workspace):
        self.workspace = workspace
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.workspace = workspace
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
