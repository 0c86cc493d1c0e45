# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Google BigQuery adapter for profiles_grants: IAM and dataset access entries, no SQL.

What RudderStack's setup guide asks, as desired state:
- project (the "database" kind): the service account gets ``roles/bigquery.jobUser`` in the
  project's IAM policy, read with ``requestedPolicyVersion`` 3 (so conditional bindings come
  back intact) and written with its etag; a concurrent change (409 ABORTED / 412, an etag
  mismatch) re-reads and retries, a bounded number of times. Only the principal's own member
  entry in unconditional bindings is ever added or removed; every other binding, member and
  conditional binding is sent back exactly as read.
- datasets (the "schema" kind): the output dataset is created if missing and gets Data Editor,
  input datasets get Data Viewer, as ``access[]`` entries read-modify-written with the dataset's
  etag (``If-Match``: a stale one gets 412 and is retried the same way). Only the principal's
  entries are touched. BigQuery returns ``roles/bigquery.dataEditor|dataViewer|dataOwner`` in
  the legacy form ``WRITER|READER|OWNER`` and names a service account under ``userByEmail`` (or
  ``iamMember: serviceAccount:...``): both are normalised, or reruns would never converge.
  With ``bigquery_role_scope: project`` the dataset roles are bound on the project instead.

Plans, diffs and ``queries`` name the REST methods (``datasets.insert``, ``datasets.patch``,
``projects.setIamPolicy``); reads are counted in ``read_round_trips`` (one policy read plus one
read per dataset: BigQuery has no call that returns the access of several datasets).

The pure functions at the top (role names, member matching, policy/access edits) carry the
logic and are unit-tested without a client.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import traceback

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import Adapter, check_endpoint, option
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, Statement)

# The Google client libraries are imported on first use (about a second of CPU): the registry
# imports every adapter, and runs of the module for other warehouses should not pay for them.
google_auth = requests = api_exceptions = api_retry = auth_exceptions = None
bigquery = resourcemanager_v3 = user_credentials = service_account = None
iam_policy_pb2 = options_pb2 = policy_pb2 = None
_IMPORT = {}


def load_clients():
    """Import the client libraries into this module's globals once; the traceback or None."""
    if "error" not in _IMPORT:
        try:
            import google.auth as google_auth
            import requests as requests_lib
            from google.api_core import exceptions as _api_exceptions
            from google.api_core import retry as _api_retry
            from google.auth import exceptions as _auth_exceptions
            from google.cloud import bigquery as _bigquery
            from google.cloud import resourcemanager_v3 as _resourcemanager_v3
            from google.oauth2 import credentials as _user_credentials
            from google.oauth2 import service_account as _service_account
            from google.iam.v1 import iam_policy_pb2 as _iam_policy_pb2
            from google.iam.v1 import options_pb2 as _options_pb2
            from google.iam.v1 import policy_pb2 as _policy_pb2
        except ImportError:
            _IMPORT["error"] = traceback.format_exc()
        else:
            globals().update(
                google_auth=google_auth, requests=requests_lib, api_exceptions=_api_exceptions,
                api_retry=_api_retry, auth_exceptions=_auth_exceptions, bigquery=_bigquery,
                resourcemanager_v3=_resourcemanager_v3, user_credentials=_user_credentials,
                service_account=_service_account, iam_policy_pb2=_iam_policy_pb2,
                options_pb2=_options_pb2, policy_pb2=_policy_pb2)
            _IMPORT["error"] = None
    return _IMPORT["error"]


SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
# The access policy schema version of dataset reads and writes: 3 keeps IAM conditions.
ACCESS_POLICY_VERSION = 3
MAX_ATTEMPTS = 5   # read-modify-write attempts per policy or dataset on concurrent changes

# Dataset roles: the IAM name and the legacy name BigQuery returns.
DATASET_ROLES = {
    "roles/bigquery.dataOwner": "OWNER",
    "roles/bigquery.dataEditor": "WRITER",
    "roles/bigquery.dataViewer": "READER",
}
LEGACY_ROLES = dict((legacy, role) for role, legacy in DATASET_ROLES.items())
# The module's generic privilege words, as the setup guide means them on a dataset.
GENERIC_DATASET_PRIVILEGES = {
    "ALL": "roles/bigquery.dataEditor",     # the output dataset: write
    "USAGE": "roles/bigquery.dataViewer",   # input datasets: read
    "SELECT": "roles/bigquery.dataViewer",
}
# Project-level roles accepted by name (BigQuery's predefined roles); custom roles are
# accepted as projects/P/roles/NAME or organizations/N/roles/NAME.
PROJECT_ROLES = tuple("roles/bigquery." + name for name in (
    "admin", "connectionAdmin", "connectionUser", "dataEditor", "dataOwner", "dataViewer",
    "filteredDataViewer", "jobUser", "metadataViewer", "readSessionUser", "resourceAdmin",
    "resourceEditor", "resourceViewer", "user"))
CUSTOM_ROLE = re.compile(r"^(projects|organizations)/[A-Za-z0-9.:-]+/roles/[A-Za-z0-9_.]{3,64}$")
DATASET_ID = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
PROJECT_ID = re.compile(r"^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+\.[^@\s]+$")
SA_PREFIX = "serviceAccount:"


# -- pure logic (unit-tested) ----------------------------------------------------------------
def canonical_dataset_role(value, option):
    """A dataset privilege as the IAM role name; accepts the IAM names, the legacy names and
    the module's generic words (ALL: Data Editor; USAGE, SELECT: Data Viewer), any case."""
    if not isinstance(value, str):
        raise GrantsError("%s: expected a role name, got %r" % (option, value))
    name = value.strip()
    upper = name.upper()
    if upper in GENERIC_DATASET_PRIVILEGES:
        return GENERIC_DATASET_PRIVILEGES[upper]
    if upper in LEGACY_ROLES:
        return LEGACY_ROLES[upper]
    for role in DATASET_ROLES:
        if role.lower() == name.lower():
            return role
    raise GrantsError("%s: unknown dataset role %r; accepted: %s, their legacy names %s, or ALL "
                      "(Data Editor), USAGE or SELECT (Data Viewer)"
                      % (option, value, ", ".join(sorted(DATASET_ROLES)), "/".join(sorted(LEGACY_ROLES))))


def canonical_project_role(value, option):
    """A project-level role: one of BigQuery's predefined roles (any case) or a custom role."""
    if not isinstance(value, str):
        raise GrantsError("%s: expected a role name, got %r" % (option, value))
    name = value.strip()
    for role in PROJECT_ROLES:
        if role.lower() == name.lower():
            return role
    if CUSTOM_ROLE.match(name):
        return name
    raise GrantsError("%s: unknown project role %r; accepted: %s, or a custom role "
                      "projects/PROJECT/roles/NAME or organizations/ID/roles/NAME"
                      % (option, value, ", ".join(PROJECT_ROLES)))


def dataset_role(legacy_or_iam):
    """The IAM name of a role as an access entry reports it (legacy names mapped)."""
    return LEGACY_ROLES.get(legacy_or_iam, legacy_or_iam)


def entry_is_principal(entry, email):
    """Whether an ``access[]`` entry (API dict) names the service account ``email``."""
    email = email.lower()
    if (entry.get("userByEmail") or "").lower() == email:
        return True
    return (entry.get("iamMember") or "").lower() == (SA_PREFIX + email).lower()


def principal_dataset_roles(access, email):
    """Roles (IAM names) the principal holds through unconditional ``access[]`` entries (an
    entry with an IAM ``condition`` is someone's deliberate, narrower grant: never managed)."""
    return set(dataset_role(e["role"]) for e in access
               if e.get("role") and not e.get("condition") and entry_is_principal(e, email))


def check_no_withcond(access, what):
    """Refuse an ``access[]`` list read in the legacy form: a conditional entry read without
    accessPolicyVersion=3 comes back as ``<role>_withcond_<hash>`` without its condition, and
    writing it back would fail or drop the condition."""
    legacy = sorted(set(e["role"] for e in access if "_withcond_" in (e.get("role") or "")))
    if legacy:
        raise GrantsError("%s: the access entries came back in the legacy form of conditional entries (%s), "
                          "although they were read with accessPolicyVersion=3: the endpoint does not "
                          "support conditional access; nothing was written to this dataset"
                          % (what, ", ".join(legacy)))


def edit_access(access, email, add, remove):
    """A new ``access[]`` list: the principal's unconditional entries for roles in ``remove``
    dropped, an entry per role in ``add`` it does not hold yet appended; every other entry,
    conditional ones included, kept exactly as it was."""
    remove = set(remove)
    kept = [e for e in access
            if not (e.get("role") and not e.get("condition") and entry_is_principal(e, email)
                    and dataset_role(e["role"]) in remove)]
    held = principal_dataset_roles(kept, email)
    for role in add:
        if role not in held:
            kept.append({"role": role, "userByEmail": email})
            held.add(role)
    return kept


def member_matches(member, email):
    return member.lower() == (SA_PREFIX + email).lower()


def principal_project_roles(bindings, email):
    """Roles bound to the principal without a condition (conditional bindings are not managed)."""
    return set(b["role"] for b in bindings
               if not b.get("condition") and any(member_matches(m, email) for m in b.get("members", ())))


def edit_bindings(bindings, email, add, remove):
    """A new bindings list (API dicts): the principal added to an unconditional binding of each
    role in ``add`` (a new binding if there is none) and removed from those in ``remove`` (a
    binding left without members is dropped). Everything else is returned unchanged."""
    remove = set(remove)
    result = []
    for binding in bindings:
        binding = dict(binding, members=list(binding.get("members", ())))
        if not binding.get("condition") and binding.get("role") in remove:
            binding["members"] = [m for m in binding["members"] if not member_matches(m, email)]
            if not binding["members"]:
                continue
        result.append(binding)
    for role in add:
        target = [b for b in result if b.get("role") == role and not b.get("condition")]
        if target:
            if not any(member_matches(m, email) for m in target[0]["members"]):
                target[0]["members"].append(SA_PREFIX + email)
        else:
            result.append({"role": role, "members": [SA_PREFIX + email]})
    return result


class ApiCallError(GrantsError):
    """A failed API call, with its HTTP status."""

    def __init__(self, code, message):
        GrantsError.__init__(self, message)
        self.code = code


def parse_key(text, option):
    """A service-account (or other google-auth) key from JSON text or a dict; never echoes it."""
    if isinstance(text, dict):
        info = text
    else:
        try:
            info = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise GrantsError("%s: not a JSON key (%s at line %s column %s); expected the content of "
                              "a service-account key file" % (option, type(exc).__name__,
                                                              getattr(exc, "lineno", "?"),
                                                              getattr(exc, "colno", "?")))
    if not isinstance(info, dict) or not info.get("type"):
        raise GrantsError("%s: not a Google credentials key: a JSON object with a \"type\" (for a "
                          "service account, \"service_account\") is expected" % option)
    if info["type"] == "service_account":
        missing = [f for f in ("client_email", "private_key", "token_uri") if not info.get(f)]
        if missing:
            raise GrantsError("%s: the service-account key lacks %s" % (option, ", ".join(missing)))
    return info


def load_key(info, option):
    """google-auth credentials and project for a parsed key: the key types this module accepts
    are loaded with their own class (not google-auth's generic loader, which would follow any
    credential configuration it is given)."""
    if info["type"] == "service_account":
        return (service_account.Credentials.from_service_account_info(info, scopes=SCOPES),
                info.get("project_id"))
    if info["type"] == "authorized_user":
        return (user_credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES),
                info.get("quota_project_id"))
    raise GrantsError("%s: key type %r is not supported here; give a service_account or authorized_user "
                      "key, or use application default credentials" % (option, info["type"]))


class BigQueryAdapter(Adapter):
    NAME = "bigquery"
    PRINCIPAL_TYPES = ("service_account",)
    PRINCIPAL_TYPES_DOC = {
        "service_account": "an existing Google Cloud service account, named by its e-mail (never "
                           "created: create it with gcloud or Terraform)",
    }
    PASSWORDS = False
    PRIVILEGES = {"database": PROJECT_ROLES, "schema": tuple(DATASET_ROLES), "table": tuple(DATASET_ROLES)}
    DEFAULT_DATABASE_PRIVILEGES = ["roles/bigquery.jobUser"]
    DEFAULT_LANGUAGES = []
    MAX_IDENTIFIER_BYTES = 1024
    CONNECTION_OPTIONS = {
        "project_id": option(
            "str", "Google Cloud project ID whose IAM policy and datasets are managed (pb's "
            "C(project_id)). Defaults to the credentials' project.", env=("GOOGLE_CLOUD_PROJECT",),
            aliases=["bigquery_project"]),
        "credentials_path": option(
            "path", "Service-account JSON key file of the administrator that grants (on the host "
            "that runs the module), named as in profiles_siteconfig. Without it and O(credentials), application default "
            "credentials are used (E(GOOGLE_APPLICATION_CREDENTIALS), gcloud, the metadata server).",
            aliases=["bigquery_credentials_file"]),
        "credentials": option(
            "raw", "The administrator's service-account key as JSON text or a dict (for example "
            "from ansible-vault), named as in profiles_siteconfig. Never shown in output. Mutually exclusive with "
            "O(credentials_path).", no_log=True, aliases=["bigquery_credentials"]),
        "bigquery_api_endpoint": option(
            "str", "BigQuery API endpoint (client_options C(api_endpoint)), for private or "
            "regional endpoints. When unset, the library's default (C(https://bigquery.googleapis.com))."),
        "bigquery_resource_manager_endpoint": option(
            "str", "Cloud Resource Manager API endpoint used for the project IAM policy. When unset, "
            "the library's default (C(https://cloudresourcemanager.googleapis.com))."),
    }
    DESIRED_OPTIONS = {
        "bigquery_location": option(
            "str", "Location of the output dataset when it is created (for example V(US), V(EU), "
            "V(europe-west1)); an existing dataset is never moved.", default="US"),
        "bigquery_role_scope": option(
            "str", "Where the dataset roles (Data Editor on the output dataset, Data Viewer on the "
            "input datasets) are granted: V(dataset) as access entries on each dataset, or "
            "V(project) as project IAM bindings (then they cover every dataset of the project).",
            default="dataset", choices=("dataset", "project")),
    }

    def __init__(self, params=None):
        Adapter.__init__(self, params)
        self.project = None
        self.timeout = 10
        self.credentials = None
        self.login = None
        self.bq = None
        self.projects = None
        self.endpoints = {}
        self.principal = None
        self.policy = None      # the last IAM policy read (API dict)
        self.datasets = {}      # name -> bigquery.Dataset as last read (None: missing)

    @classmethod
    def client_import_error(cls):
        return load_clients()

    # -- names ---------------------------------------------------------------------------------
    def validate_identifier(self, value, option):
        if option == "principal":
            if not isinstance(value, str) or not value.strip():
                raise GrantsError("principal: expected the service account's e-mail, got %r" % (value,))
            name = value.strip()
            if name.lower().startswith(SA_PREFIX.lower()):
                name = name[len(SA_PREFIX):]
            if not EMAIL.match(name):
                raise GrantsError("principal: %r is not a service-account e-mail (like "
                                  "rudderstack@PROJECT.iam.gserviceaccount.com)" % value)
            return name.lower()
        if re.match(r"^(output_schema|input_schemas\[\d+\])\.name$", option):
            if not isinstance(value, str):
                raise GrantsError("%s: expected a dataset ID, got %r" % (option, value))
            project, dataset = self.split_dataset(value)
            if not DATASET_ID.match(dataset):
                raise GrantsError("%s: %r is not a valid BigQuery dataset ID (letters, digits and "
                                  "underscores, at most 1024; optionally prefixed by PROJECT.)"
                                  % (option, value))
            if project is not None and not PROJECT_ID.match(project):
                raise GrantsError("%s: %r names project %r, which is not a valid project ID"
                                  % (option, value, project))
            return value
        raise GrantsError("%s: not supported on warehouse bigquery (roles are granted per dataset and "
                          "cover its tables now and later; there are no languages or table owners)"
                          % option)

    @staticmethod
    def split_dataset(name):
        """``[project.]dataset`` -> (project or None, dataset)."""
        if "." in name:
            project, dataset = name.rsplit(".", 1)
            return project, dataset
        return None, name

    def dataset_ref(self, name):
        project, dataset = self.split_dataset(name)
        return project or self.project, dataset

    def normalise_privileges(self, values, kind, option):
        if kind == "database":
            return set(canonical_project_role(v, option) for v in values or [])
        return set(canonical_dataset_role(v, option) for v in values or [])

    def describe(self, grant):
        kind, target, role = grant
        if kind == "database":
            return "%s ON PROJECT %s" % (role, target[0])
        if kind == "schema":
            return "%s ON DATASET %s.%s" % ((role,) + self.dataset_ref(target[0]))
        return Adapter.describe(self, grant)

    # -- desired state -------------------------------------------------------------------------
    def extend_desired(self, desired, params):
        unsupported = []
        if params.get("future_tables_owners"):
            unsupported.append("future_tables_owners (a dataset role covers its future tables)")
        if params.get("languages"):
            unsupported.append("languages")
        for index, spec in enumerate(params.get("input_schemas") or []):
            if isinstance(spec, dict) and spec.get("tables") is not None:
                unsupported.append("input_schemas[%d].tables (BigQuery roles are granted per dataset)"
                                   % index)
        if unsupported:
            raise GrantsError("not supported on warehouse bigquery: %s" % "; ".join(unsupported))
        # output_schema.owned_by_principal is ignored: a dataset has no single owner (for the
        # principal to own it, list roles/bigquery.dataOwner in output_schema.privileges); the
        # warehouse_grants role sets it for every warehouse.
        desired.create_schemas = [(name, False) for name, dummy in desired.create_schemas]
        # A dataset role covers its tables now and later: the table privileges fold into the
        # dataset's roles, and there are no table or future-table grants.
        for rule in desired.table_rules:
            desired.schema_privileges.setdefault(rule.schema, set()).update(rule.privileges)
        desired.table_rules = []
        desired.default_privileges = {}
        scope = params.get("bigquery_role_scope") or self.DESIRED_OPTIONS["bigquery_role_scope"]["default"]
        if scope == "project":
            moved = set()
            for name in list(desired.schema_privileges):
                moved |= desired.schema_privileges[name]
                desired.schema_privileges[name] = set()   # still managed: exclusive clears it
            desired.database_privileges = set(desired.database_privileges or ()) | moved
        desired.extra["location"] = (params.get("bigquery_location")
                                     or self.DESIRED_OPTIONS["bigquery_location"]["default"])
        self.principal = desired.principal

    # -- connection ----------------------------------------------------------------------------
    def connect(self):
        error = load_clients()
        if error:
            raise GrantsError("the Google client libraries cannot be imported (pip install %s): %s"
                              % (" ".join(warehouses.get(self.NAME).packages), error.strip().splitlines()[-1]))
        params = self.connection_params(self.params)
        self.timeout = self.params.get("connect_timeout") or 10
        if params["credentials_path"] and params["credentials"]:
            raise GrantsError("credentials_path and credentials are mutually exclusive")
        project = None
        try:
            if params["credentials_path"]:
                path = os.path.expanduser(params["credentials_path"])
                try:
                    with open(path) as f:
                        text = f.read()
                except (IOError, OSError) as exc:
                    raise GrantsError("credentials_path: cannot read %s: %s" % (path, exc.strerror))
                source = "credentials_path"
                self.credentials, project = load_key(parse_key(text, "%s (%s)" % (source, path)), source)
            elif params["credentials"]:
                source = "credentials"
                self.credentials, project = load_key(parse_key(params["credentials"], source), source)
            else:
                source = "application default credentials"
                self.credentials, project = google_auth.default(scopes=SCOPES)
        except auth_exceptions.DefaultCredentialsError as exc:
            raise GrantsError("no usable Google credentials: set credentials_path or "
                              "credentials, or configure application default credentials "
                              "(%s)" % _first_line(exc))
        except ValueError as exc:   # google-auth: a key it cannot load (bad private key...)
            raise GrantsError("%s: the key cannot be loaded: %s" % (source, _first_line(exc)))
        self.project = params["project_id"] or project
        if not self.project:
            raise GrantsError("project_id is required for warehouse bigquery: set it, the "
                              "environment variable GOOGLE_CLOUD_PROJECT, or use credentials that "
                              "name a project")
        if not PROJECT_ID.match(self.project):
            raise GrantsError("project_id: %r is not a valid project ID" % self.project)
        self.login = getattr(self.credentials, "service_account_email", None) or source
        self.endpoints = {
            "bigquery": params["bigquery_api_endpoint"] or "https://bigquery.googleapis.com",
            "resource manager": (params["bigquery_resource_manager_endpoint"]
                                 or "https://cloudresourcemanager.googleapis.com"),
            "token": getattr(self.credentials, "_token_uri", None),
        }
        # The clients retry refused connections until their deadline and report a timeout: say
        # at once when an endpoint does not resolve, refuses, or fails TLS.
        checked = set()
        for endpoint, option_name in (("token", "credentials_path or credentials (the key's token_uri)"),
                                      ("bigquery", "bigquery_api_endpoint"),
                                      ("resource manager", "bigquery_resource_manager_endpoint")):
            url = self.endpoints.get(endpoint)
            if url and url not in checked:
                checked.add(url)
                check_endpoint(url, option_name, self.timeout, "the Google %s endpoint" % endpoint)
        bq_options = {"api_endpoint": params["bigquery_api_endpoint"]} if params["bigquery_api_endpoint"] else None
        rm_options = ({"api_endpoint": params["bigquery_resource_manager_endpoint"]}
                      if params["bigquery_resource_manager_endpoint"] else None)
        self.bq = bigquery.Client(project=self.project, credentials=self.credentials,
                                  client_options=bq_options)
        self.projects = resourcemanager_v3.ProjectsClient(transport="rest", credentials=self.credentials,
                                                          client_options=rm_options)

    def close(self):
        if self.bq is not None:
            self.bq.close()
            self.bq = None
        if self.projects is not None:
            self.projects.transport.close()
            self.projects = None

    def _retry(self):
        # Transient failures (connection refused, 5xx) are retried only within the timeout.
        return api_retry.Retry(
            predicate=api_retry.if_exception_type(api_exceptions.ServiceUnavailable,
                                                  api_exceptions.InternalServerError,
                                                  api_exceptions.TooManyRequests),
            initial=0.2, maximum=2.0, deadline=self.timeout)

    def _call(self, what, endpoint, func, *args, **kwargs):
        """Run one API call; every failure becomes a GrantsError naming the call and endpoint."""
        try:
            return func(*args, **kwargs)
        except GrantsError:
            raise
        except auth_exceptions.RefreshError as exc:
            raise GrantsError("%s: the credentials were rejected by the token endpoint %s: %s"
                              % (what, self.endpoints.get("token") or "(ADC)", _first_line(exc)))
        except auth_exceptions.TransportError as exc:
            raise GrantsError("%s: cannot reach the token endpoint %s within %s s: %s"
                              % (what, self.endpoints.get("token"), self.timeout, _first_line(exc)))
        except api_exceptions.Unauthorized as exc:
            raise GrantsError("%s: %s rejected the credentials (401): %s"
                              % (what, self.endpoints[endpoint], exc.message))
        except api_exceptions.GoogleAPICallError as exc:
            raise ApiCallError(exc.code, "%s on %s failed (%s): %s" % (what, self.endpoints[endpoint],
                                                                       exc.code, exc.message))
        except api_exceptions.RetryError as exc:
            raise GrantsError("%s: %s did not answer within %s s (connect_timeout): %s"
                              % (what, self.endpoints[endpoint], self.timeout, _first_line(exc.cause or exc)))
        except (requests.exceptions.RequestException, OSError) as exc:   # refused, timed out
            raise GrantsError("%s: cannot reach %s within %s s (connect_timeout): %s"
                              % (what, self.endpoints[endpoint], self.timeout, _first_line(exc)))

    # -- reading -------------------------------------------------------------------------------
    def read_policy(self):
        request = iam_policy_pb2.GetIamPolicyRequest(
            resource="projects/%s" % self.project,
            options=options_pb2.GetPolicyOptions(requested_policy_version=3))
        policy = self._call("projects.getIamPolicy projects/%s" % self.project, "resource manager",
                            self.projects.get_iam_policy, request=request, retry=self._retry(),
                            timeout=self.timeout)
        self.read_round_trips += 1
        self.policy = _policy_to_dict(policy)
        return self.policy

    # Dataset reads and writes carry accessPolicyVersion=3 (datasets.get / datasets.patch query
    # parameter): without it BigQuery shows a dataset's conditional access entries as
    # "<role>_withcond_<hash>" without their condition and rejects every patch of that dataset.
    # google-cloud-bigquery (3.47.0, and its main branch in December 2026) has the attribute
    # Dataset.access_policy_version, a field of the request body, but its get_dataset and
    # update_dataset send no such query parameter; so these two calls go through the client's
    # own request path (Client._call_api: its credentials, retry, timeout and endpoint), with the
    # dataset's path, access entries and Dataset objects from the library.
    # tests/unit/test_grants_bigquery_logic.py fails once the library's methods take the
    # parameter, so that these calls move to them.
    def _dataset_request(self, method, path, body=None, etag=None):
        headers = {"If-Match": etag} if etag else None
        resource = self.bq._call_api(self._retry(), method=method, path=path, data=body, headers=headers,
                                     query_params={"accessPolicyVersion": ACCESS_POLICY_VERSION},
                                     timeout=self.timeout)
        return bigquery.Dataset.from_api_repr(resource)

    def read_dataset(self, name):
        project, dataset = self.dataset_ref(name)
        what = "datasets.get projects/%s/datasets/%s" % (project, dataset)

        def get_or_none():
            try:
                return self._dataset_request("GET", bigquery.DatasetReference(project, dataset).path)
            except api_exceptions.NotFound:
                return None
        result = self._call(what, "bigquery", get_or_none)
        self.read_round_trips += 1
        if result is not None:
            check_no_withcond([e.to_api_repr() for e in result.access_entries], what)
        self.datasets[name] = result
        return result

    def read_current(self, desired):
        current = Current(self.login, self.project, principal_exists=True)
        email = desired.principal
        if desired.database_privileges:
            policy = self.read_policy()
            for role in principal_project_roles(policy["bindings"], email):
                if role.startswith("roles/bigquery.") or role in desired.database_privileges:
                    current.grants.add(Grant("database", (self.project,), role))
        for name in desired.schemas:
            dataset = self.read_dataset(name)
            if dataset is None:
                continue
            current.schemas[name] = None
            current.tables[name] = {}
            access = [e.to_api_repr() for e in dataset.access_entries]
            for role in principal_dataset_roles(access, email):
                current.grants.add(Grant("schema", (name,), role))
        return current

    # -- rendering -----------------------------------------------------------------------------
    def render(self, plan, desired, current):
        """The project policy first, then the patches of datasets that exist, then the new
        datasets and their patches. setIamPolicy refuses a service account that does not exist
        (400, changing nothing): with the policy written first, a principal that does not exist
        fails before anything is written (docs/bigquery.md says why there is no separate check)."""
        statements = []
        member = SA_PREFIX + desired.principal
        inserts = []
        for name, dummy in plan.create_schemas:
            project, dataset = self.dataset_ref(name)
            text = "datasets.insert projects/%s/datasets/%s (location %s)" % (
                project, dataset, desired.extra["location"])
            inserts.append(Statement(text, "insert", {"dataset": name, "location": desired.extra["location"]}))
        created = set(name for name, dummy in plan.create_schemas)
        changes = {}
        for verb, grants in (("add", plan.to_grant), ("remove", plan.to_revoke)):
            for grant in grants:
                changes.setdefault((grant.kind, grant.target), {"add": [], "remove": []})[verb].append(
                    grant.privilege)
        project_change = changes.pop(("database", (self.project,)), None)
        if project_change:
            text = "projects.setIamPolicy projects/%s (policy version 3, with its etag): %s" % (
                self.project, _change_text(project_change, member))
            statements.append(Statement(text, "set_iam_policy", project_change))
        patches = []
        for (kind, target), change in sorted(changes.items(), key=lambda item: (item[0][1][0] in created, item[0])):
            project, dataset = self.dataset_ref(target[0])
            text = "datasets.patch projects/%s/datasets/%s (access, If-Match etag): %s" % (
                project, dataset, _change_text(change, "userByEmail:" + desired.principal))
            patches.append(Statement(text, "patch_access", dict(change, dataset=target[0])))
        existing = [p for p in patches if p.params["dataset"] not in created]
        return statements + existing + inserts + [p for p in patches if p.params["dataset"] in created]

    # -- writing -------------------------------------------------------------------------------
    def apply(self, statements):
        """Run the calls in order. A write refused because of a concurrent change is retried
        after a re-read; ``statements`` is updated in place to the calls actually made (the
        re-read and the repeated write appear after the refused one), which is what the module
        returns as ``queries``."""
        made = []
        planned = list(statements)
        index = 0
        try:
            for index, statement in enumerate(planned):
                getattr(self, "_apply_" + statement.template)(statement, made)
                self.applied.append(statement)
            index = len(planned)
        finally:
            # On a failure the calls never reached stay listed (model.run reports them as not applied).
            statements[:] = made + planned[index + 1:]

    def _apply_insert(self, statement, made):
        made.append(statement)
        project, dataset = self.dataset_ref(statement.params["dataset"])
        resource = bigquery.Dataset(bigquery.DatasetReference(project, dataset))
        resource.location = statement.params["location"]
        self.datasets[statement.params["dataset"]] = self._call(
            statement.text, "bigquery", self.bq.create_dataset, resource, retry=self._retry(),
            timeout=self.timeout)

    def _apply_set_iam_policy(self, statement, made):
        change = statement.params
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                made.append(_reread("projects.getIamPolicy projects/%s" % self.project))
            made.append(statement)
            policy = self.policy if attempt == 0 else self.read_policy()
            bindings = edit_bindings(policy["bindings"], self.principal, change["add"], change["remove"])
            request = iam_policy_pb2.SetIamPolicyRequest(
                resource="projects/%s" % self.project,
                policy=_dict_to_policy(dict(policy, bindings=bindings, version=3)))
            try:
                self._call(statement.text, "resource manager", self.projects.set_iam_policy,
                           request=request, retry=self._retry(), timeout=self.timeout)
                return
            except GrantsError as exc:
                if isinstance(exc, ApiCallError) and exc.code == 400 and "does not exist" in str(exc):
                    raise GrantsError("principal: the service account %s does not exist (%s); check principal: "
                                      "give the e-mail of an existing service account (this module never "
                                      "creates one)" % (self.principal, exc))
                if not _concurrent(exc):
                    raise
        raise GrantsError("%s: the policy kept changing concurrently; gave up after %d attempts"
                          % (statement.text, MAX_ATTEMPTS))

    def _apply_patch_access(self, statement, made):
        change = statement.params
        name = change["dataset"]
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                made.append(_reread("datasets.get projects/%s/datasets/%s" % self.dataset_ref(name)))
            made.append(statement)
            dataset = self.datasets.get(name) if attempt == 0 else None
            if dataset is None:
                dataset = self.read_dataset(name)
                if dataset is None:
                    raise GrantsError("%s: the dataset no longer exists" % statement.text)
            access = [e.to_api_repr() for e in dataset.access_entries]
            body = {"access": edit_access(access, self.principal, change["add"], change["remove"])}
            try:
                # If-Match with the etag read, as update_dataset sends it: a concurrent change gets 412.
                self.datasets[name] = self._call(statement.text, "bigquery", self._dataset_request, "PATCH",
                                                 dataset.path, body, dataset.etag)
                return
            except GrantsError as exc:
                if not _concurrent(exc):
                    raise
        raise GrantsError("%s: the dataset kept changing concurrently; gave up after %d attempts"
                          % (statement.text, MAX_ATTEMPTS))

    def discard(self):
        pass


def _reread(call):
    text = "%s (re-read: the previous write met a concurrent change)" % call
    return Statement(text, "reread", None)


def _concurrent(exc):
    """409 ABORTED (IAM etag mismatch) or 412 (If-Match on a changed dataset)."""
    return isinstance(exc, ApiCallError) and exc.code in (409, 412)


def _change_text(change, member):
    parts = ["add %s %s" % (role, member) for role in sorted(change["add"])]
    parts += ["remove %s %s" % (role, member) for role in sorted(change["remove"])]
    return "; ".join(parts)


def _first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _policy_to_dict(policy):
    bindings = []
    for binding in policy.bindings:
        entry = {"role": binding.role, "members": list(binding.members)}
        if binding.HasField("condition"):
            entry["condition"] = {"expression": binding.condition.expression,
                                  "title": binding.condition.title,
                                  "description": binding.condition.description,
                                  "location": binding.condition.location}
        bindings.append(entry)
    result = {"version": policy.version, "etag": policy.etag, "bindings": bindings}
    if policy.audit_configs:
        result["audit_configs"] = list(policy.audit_configs)
    return result


def _dict_to_policy(data):
    policy = policy_pb2.Policy(version=data["version"], etag=data["etag"])
    for entry in data["bindings"]:
        binding = policy.bindings.add(role=entry["role"], members=entry["members"])
        if entry.get("condition"):
            for field, value in entry["condition"].items():
                if value:
                    setattr(binding.condition, field, value)
    for audit in data.get("audit_configs", ()):
        policy.audit_configs.add().CopyFrom(audit)
    return policy
