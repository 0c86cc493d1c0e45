"""MODEL, not Google Cloud: a local HTTP stand-in for the parts of the BigQuery v2 REST API
(datasets.get / insert / patch), the Resource Manager v3 REST API (projects.getIamPolicy /
setIamPolicy) and Google's OAuth 2.0 token endpoint that profiles_grants uses. The real
google-cloud-bigquery, google-cloud-resource-manager and google-auth libraries talk to it over
HTTP on loopback (client_options api_endpoint, and token_uri in the test service-account keys).

What it models, from Google's REST reference (shapes pinned by
tests/unit/fixtures/bigquery/, which say where each example came from):
- Datasets: ``access[]`` entries; roles given as ``roles/bigquery.dataOwner|dataEditor|
  dataViewer`` are returned in the legacy form ``OWNER|WRITER|READER`` ("will return only the
  legacy format"); a dataset created without ``access`` gets the documented defaults
  (projectReaders READER, projectWriters WRITER, projectOwners OWNER, the creator OWNER under
  ``userByEmail``); every change gives a new ``etag``; a PATCH with a stale ``If-Match`` gets
  412 conditionNotMet.
- Conditional access entries (``access[].condition``: ``{expression, title?, description?}``,
  an IAM condition on a dataset entry) and the ``accessPolicyVersion`` query parameter of
  datasets.get, datasets.insert and datasets.patch (valid values 0, 1 and 3; others are
  rejected with 400). datasets.get without version 3 shows each conditional entry with its
  role "appended by 'withcond' string followed by a hash value" and without its condition;
  datasets.patch without version 3 is rejected (400) when the dataset holds conditional
  entries or the new access list has one ("If unset or if 0 or 1 value is used for dataset with
  conditional bindings, request will be rejected"), and so is an insert with a conditional
  entry; a ``_withcond_`` role written back is rejected. The version is read from the query
  string only, where the reference defines it (the dataset body is not a place for it there).
  Sources: https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets/get ,
  https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets/patch ,
  https://cloud.google.com/bigquery/docs/reference/rest/v2/datasets/insert ,
  https://cloud.google.com/iam/docs/troubleshooting-withcond (the ``withcond`` role strings) and
  https://cloud.google.com/bigquery/docs/conditional-access (conditions on dataset entries).
- IAM policies: ``{"version", "etag", "bindings": [{"role", "members", "condition"?}]}``; a
  read asking for a version below 3 of a policy with conditional bindings gets the documented
  legacy form (``<role>_withcond_<hash>``, condition dropped), which cannot be written back; a
  write whose etag is stale gets 409 ABORTED ("There were concurrent policy changes"); a write
  with conditions needs version 3; a write naming a service account that does not exist gets
  400.
- Auth: OAuth2 JWT-bearer grants and self-signed JWTs (both RS256, checked against the public
  keys of the registered service accounts); anything else gets 401 (API) or 400 invalid_grant
  (token endpoint). Administrators may do anything; other service accounts may only read a
  dataset they hold an access entry on (or a data role on its project), as in BigQuery.

Test hooks: ``requests`` (every call, in order: method, path, If-Match, JSON body),
``inject_concurrent_change(resource, change)`` (applied just before the next write of that
resource, so that write carries a stale etag), ``fail_on_write = N`` (the Nth write, counted from
when it is set, is refused with 403 accessDenied as BigQuery refuses a caller lacking a
permission on one dataset, changing nothing), and direct state access for seeding/asserting.
"""
import base64
import hashlib
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

LEGACY = {"roles/bigquery.dataOwner": "OWNER", "roles/bigquery.dataEditor": "WRITER",
          "roles/bigquery.dataViewer": "READER"}
DATASET_ROLES = set(LEGACY) | set(LEGACY.values())
MEMBER_FIELDS = ("userByEmail", "groupByEmail", "domain", "specialGroup", "iamMember", "view",
                 "routine", "dataset")
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_PEMS = {}


def make_service_account_key(email, project, token_uri, generation=0):
    """An RSA key in the JSON layout of a Google service-account key file. The RSA key is made
    once per (email, generation) in a test session (making one takes a moment); another
    ``generation`` gives the same e-mail a different key."""
    if (email, generation) not in _PEMS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _PEMS[(email, generation)] = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
    pem = _PEMS[(email, generation)]
    key_id = hashlib.sha1(pem.encode()).hexdigest()
    return {
        "type": "service_account", "project_id": project, "private_key_id": key_id,
        "private_key": pem, "client_email": email, "client_id": str(int(key_id[:15], 16)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


class ApiError(Exception):
    def __init__(self, code, status, message, reason=None, location=None):
        Exception.__init__(self, message)
        self.code, self.status, self.message = code, status, message
        self.reason, self.location = reason, location

    def body(self):
        error = {"code": self.code, "message": self.message, "status": self.status}
        if self.reason:
            detail = {"message": self.message, "domain": "global", "reason": self.reason}
            if self.location:
                detail.update(location=self.location, locationType="header")
            error["errors"] = [detail]
        return {"error": error}


class GoogleCloudModel:
    """State and behaviour; ``serve()`` starts the HTTP server on 127.0.0.1."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys = {}          # client_email -> public key
        self.admins = set()     # client_emails allowed to write
        self.tokens = {}        # access token -> client_email
        self.datasets = {}      # (project, dataset) -> resource dict (roles as written)
        self.policies = {}      # project -> policy dict
        self.requests = []      # {"method", "path", "if_match", "body", "status"}, in order
        self.injections = {}    # resource key -> callable(model)
        self.fail_on_write = None   # refuse the Nth write from now (403), see the docstring
        self.writes_seen = 0
        self._counter = itertools.count(1)
        self.server = None
        self.url = None

    # -- setup ---------------------------------------------------------------------------------
    def add_service_account(self, key, admin=False):
        public = serialization.load_pem_private_key(key["private_key"].encode(), None).public_key()
        self.keys[key["client_email"]] = public
        if admin:
            self.admins.add(key["client_email"])

    def add_project(self, project, bindings=()):
        self.policies[project] = {"version": 1, "etag": self._etag(), "bindings": list(bindings)}

    def add_dataset(self, project, dataset, access=None, location="US"):
        self.datasets[(project, dataset)] = self._new_dataset(project, dataset, location, access,
                                                              creator=None)

    def inject_concurrent_change(self, resource, change, times=1):
        """``resource``: ``"policy:<project>"`` or ``"dataset:<project>.<dataset>"``; ``change``
        runs before each of the next ``times`` writes of it (a writer that keeps winning)."""
        self.injections[resource] = [change] * times

    def writes(self, since=0):
        """Requests that change state (not reads, not token requests), from index ``since``."""
        return [r for r in self.requests[since:] if r["method"] in WRITE_METHODS
                and not r["path"].endswith(":getIamPolicy") and r["path"] != "/token"]

    def touch_dataset(self, project, dataset):
        self.datasets[(project, dataset)]["etag"] = self._etag()

    def touch_policy(self, project):
        self.policies[project]["etag"] = self._etag()

    # -- helpers -------------------------------------------------------------------------------
    def _etag(self):
        return base64.b64encode(b"\x07\x05" + next(self._counter).to_bytes(6, "big")).decode()

    def _new_dataset(self, project, dataset, location, access, creator):
        if access is None:
            access = [{"role": "READER", "specialGroup": "projectReaders"},
                      {"role": "WRITER", "specialGroup": "projectWriters"},
                      {"role": "OWNER", "specialGroup": "projectOwners"}]
            if creator:
                access.append({"role": "OWNER", "userByEmail": creator})
        now = str(int(time.time() * 1000))
        return {
            "kind": "bigquery#dataset", "etag": self._etag(),
            "id": "%s:%s" % (project, dataset),
            "selfLink": "%s/bigquery/v2/projects/%s/datasets/%s" % (self.url, project, dataset),
            "datasetReference": {"datasetId": dataset, "projectId": project},
            "access": [dict(a) for a in access], "creationTime": now, "lastModifiedTime": now,
            "location": location, "type": "DEFAULT",
        }

    def dataset_view(self, project, dataset, version=3):
        """The dataset as datasets.get returns it: roles in legacy form; with an
        ``accessPolicyVersion`` below 3, conditional entries in their ``withcond`` form."""
        resource = json.loads(json.dumps(self.datasets[(project, dataset)]))
        iam = dict((legacy, role) for role, legacy in LEGACY.items())
        for entry in resource["access"]:
            if "condition" in entry and version != 3:
                # The reference's example appends to the IAM role name (roles/bigquery.dataViewer_...).
                condition = entry.pop("condition")
                digest = hashlib.sha1(json.dumps(condition, sort_keys=True).encode()).hexdigest()[:10]
                entry["role"] = "%s_withcond_%s" % (iam.get(entry["role"], entry["role"]), digest)
            elif "role" in entry:
                entry["role"] = LEGACY.get(entry["role"], entry["role"])
        return resource

    @staticmethod
    def _policy_version(query):
        """The accessPolicyVersion query parameter (0 when absent); 400 for other values."""
        raw = (query or {}).get("accessPolicyVersion", ["0"])[-1]
        if raw not in ("0", "1", "3"):
            raise ApiError(400, "INVALID_ARGUMENT", "Invalid value for accessPolicyVersion: %s. Valid values "
                           "are 0, 1 and 3." % raw, "invalid")
        return int(raw)

    def _authenticate(self, headers):
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            raise ApiError(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
        token = auth[len("Bearer "):]
        if token in self.tokens:
            return self.tokens[token]
        email = self._verify_jwt(token)
        if email is None:
            raise ApiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. "
                           "Expected OAuth 2 access token, login cookie or other valid authentication "
                           "credential.")
        return email

    def _verify_jwt(self, token):
        try:
            head, payload, sig = token.split(".")
            claims = json.loads(_unb64url(payload))
            key = self.keys[claims["iss"]]
            key.verify(_unb64url(sig), ("%s.%s" % (head, payload)).encode(), padding.PKCS1v15(),
                       hashes.SHA256())
        except Exception:  # noqa: BLE001 - any defect means "not authenticated"
            return None
        if claims.get("exp", 0) < time.time():
            return None
        return claims["iss"]

    def _may_read(self, caller, project, dataset):
        if caller in self.admins:
            return True
        for entry in self.datasets[(project, dataset)]["access"]:
            if entry.get("userByEmail") == caller or entry.get("iamMember") == "serviceAccount:" + caller:
                return True
        member = "serviceAccount:" + caller
        for binding in self.policies.get(project, {}).get("bindings", []):
            if binding["role"] in LEGACY and member in binding["members"] and "condition" not in binding:
                return True
        return False

    def _inject(self, resource):
        pending = self.injections.get(resource)
        if pending:
            pending.pop(0)(self)

    # -- token endpoint ------------------------------------------------------------------------
    def token(self, form):
        assertion = (form.get("assertion") or [""])[0]
        email = self._verify_jwt(assertion)
        if email is None:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        token = "ya29.model-%d" % next(self._counter)
        self.tokens[token] = email
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    # -- BigQuery ------------------------------------------------------------------------------
    def get_dataset(self, caller, project, dataset, version=0):
        key = (project, dataset)
        if key not in self.datasets or not self._may_read(caller, project, dataset):
            if key in self.datasets:
                raise ApiError(403, "PERMISSION_DENIED", "Access Denied: Dataset %s:%s: Permission "
                               "bigquery.datasets.get denied on dataset %s:%s (or it may not exist)."
                               % (project, dataset, project, dataset), "accessDenied")
            raise ApiError(404, "NOT_FOUND", "Not found: Dataset %s:%s" % key, "notFound")
        return self.dataset_view(project, dataset, version)

    def insert_dataset(self, caller, project, body, version=0):
        self._require_admin(caller)
        ref = body.get("datasetReference") or {}
        dataset = ref.get("datasetId")
        if ref.get("projectId") != project or not dataset:
            raise ApiError(400, "INVALID_ARGUMENT", "Invalid datasetReference", "invalid")
        if (project, dataset) in self.datasets:
            raise ApiError(409, "ALREADY_EXISTS", "Already Exists: Dataset %s:%s" % (project, dataset),
                           "duplicate")
        access = body.get("access")
        if access is not None:
            self._check_access(access, version)
        self.datasets[(project, dataset)] = self._new_dataset(
            project, dataset, body.get("location") or "US", access, creator=caller)
        return self.dataset_view(project, dataset, version)

    def patch_dataset(self, caller, project, dataset, body, if_match, version=0):
        self._require_admin(caller)
        self._inject("dataset:%s.%s" % (project, dataset))
        if (project, dataset) not in self.datasets:
            raise ApiError(404, "NOT_FOUND", "Not found: Dataset %s:%s" % (project, dataset), "notFound")
        resource = self.datasets[(project, dataset)]
        if if_match and if_match != resource["etag"]:
            raise ApiError(412, "FAILED_PRECONDITION", "Precondition check failed.", "conditionNotMet",
                           "If-Match")
        if "access" in body:
            if version != 3 and any("condition" in e for e in resource["access"]):
                raise ApiError(400, "INVALID_ARGUMENT", "Dataset %s:%s has access entries with IAM conditions: "
                               "updating its access policy requires accessPolicyVersion=3" % (project, dataset),
                               "invalid")
            self._check_access(body["access"], version)
            resource["access"] = [dict(a) for a in body["access"]]
        resource["etag"] = self._etag()
        resource["lastModifiedTime"] = str(int(time.time() * 1000))
        return self.dataset_view(project, dataset, version)

    @staticmethod
    def _check_access(access, version):
        for entry in access:
            if "_withcond_" in (entry.get("role") or ""):
                raise ApiError(400, "INVALID_ARGUMENT", "Invalid role: %r: a role read without "
                               "accessPolicyVersion=3 cannot be written back" % entry["role"], "invalid")
            if "condition" in entry and version != 3:
                raise ApiError(400, "INVALID_ARGUMENT", "Access entries with IAM conditions require "
                               "accessPolicyVersion=3", "invalid")
            members = [f for f in MEMBER_FIELDS if f in entry]
            if len(members) != 1:
                raise ApiError(400, "INVALID_ARGUMENT", "Exactly one member field per access entry",
                               "invalid")
            if members[0] not in ("view", "routine", "dataset") and entry.get("role") not in DATASET_ROLES:
                raise ApiError(400, "INVALID_ARGUMENT", "Invalid role: %r" % entry.get("role"), "invalid")

    def _require_admin(self, caller):
        if caller not in self.admins:
            raise ApiError(403, "PERMISSION_DENIED", "Access Denied: %s may not change datasets" % caller,
                           "accessDenied")

    # -- Resource Manager ----------------------------------------------------------------------
    def get_policy(self, caller, project, body):
        self._require_admin_policy(caller, project)
        version = ((body or {}).get("options") or {}).get("requestedPolicyVersion") or 0
        policy = json.loads(json.dumps(self.policies[project]))
        if any("condition" in b for b in policy["bindings"]):
            if version < 3:
                for binding in policy["bindings"]:
                    if "condition" in binding:
                        cond = binding.pop("condition")
                        digest = hashlib.sha1(json.dumps(cond, sort_keys=True).encode()).hexdigest()[:16]
                        binding["role"] = "%s_withcond_%s" % (binding["role"], digest)
                policy["version"] = 1
            else:
                policy["version"] = 3
        else:
            policy["version"] = 1
        return policy

    def set_policy(self, caller, project, body):
        self._require_admin_policy(caller, project)
        self._inject("policy:%s" % project)
        policy = (body or {}).get("policy") or {}
        current = self.policies[project]
        if policy.get("etag") and policy["etag"] != current["etag"]:
            raise ApiError(409, "ABORTED", "There were concurrent policy changes. Please retry the whole "
                           "read-modify-write with exponential backoff.")
        bindings = policy.get("bindings") or []
        for binding in bindings:
            if "_withcond_" in binding.get("role", ""):
                raise ApiError(400, "INVALID_ARGUMENT", "Role %s is not supported: a policy read with a "
                               "version below 3 cannot be written back" % binding["role"])
            if "condition" in binding and policy.get("version") != 3:
                raise ApiError(400, "INVALID_ARGUMENT", "Conditional bindings require policy version 3")
            for member in binding.get("members") or []:
                if member.startswith("serviceAccount:") and member[len("serviceAccount:"):] not in self.keys:
                    raise ApiError(400, "INVALID_ARGUMENT", "Service account %s does not exist."
                                   % member[len("serviceAccount:"):])
        self.policies[project] = {"version": policy.get("version") or 1, "etag": self._etag(),
                                  "bindings": json.loads(json.dumps(bindings))}
        return self.get_policy(caller, project, {"options": {"requestedPolicyVersion": 3}})

    def _require_admin_policy(self, caller, project):
        if caller not in self.admins or project not in self.policies:
            raise ApiError(403, "PERMISSION_DENIED", "The caller does not have permission")

    # -- HTTP ----------------------------------------------------------------------------------
    def serve(self):
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlparse(self.path)
                with model.lock:
                    record = {"method": self.command, "path": url.path, "query": parse_qs(url.query),
                              "if_match": self.headers.get("If-Match"), "body": None}
                    model.requests.append(record)
                    try:
                        if url.path == "/token":
                            code, body = model.token(parse_qs(raw.decode()))
                        else:
                            record["body"] = json.loads(raw) if raw else None
                            caller = model._authenticate(self.headers)
                            code, body = 200, model.route(self.command, url.path, caller, record["body"],
                                                          record["if_match"], record["query"])
                    except ApiError as exc:
                        code, body = exc.code, exc.body()
                    record["status"] = code
                    return self._send(code, body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def route(self, method, path, caller, body, if_match, query=None):
        if method in WRITE_METHODS and not path.endswith(":getIamPolicy") and self.fail_on_write:
            self.writes_seen += 1
            if self.writes_seen == self.fail_on_write:
                raise ApiError(403, "PERMISSION_DENIED", "Access Denied: %s: the caller does not have "
                               "permission (the model was told to refuse write %d)" % (path, self.writes_seen),
                               "accessDenied")
        m = re.match(r"^/bigquery/v2/projects/([^/]+)/datasets(?:/([^/]+))?$", path)
        if m:
            project, dataset = m.groups()
            version = self._policy_version(query)
            if method == "GET" and dataset:
                return self.get_dataset(caller, project, dataset, version)
            if method == "POST" and not dataset:
                return self.insert_dataset(caller, project, body or {}, version)
            if method in ("PATCH", "PUT") and dataset:
                return self.patch_dataset(caller, project, dataset, body or {}, if_match, version)
        m = re.match(r"^/v3/projects/([^/:]+):(getIamPolicy|setIamPolicy)$", path)
        if m and method == "POST":
            project, verb = m.groups()
            if verb == "getIamPolicy":
                return self.get_policy(caller, project, body)
            return self.set_policy(caller, project, body)
        raise ApiError(404, "NOT_FOUND", "The model has no %s %s" % (method, path))
