# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The interface every profiles_grants warehouse adapter provides, in one place.

A warehouse is one subclass of ``Adapter`` in its own file plus its entry in the catalogue
(module_utils/warehouses.py, which also names its pip packages). The module and the planner
(model.py) only ever call what is declared here; they never name a warehouse. What an adapter owns:

- its client library's import: ``client_import_error()`` (the module reports a missing library
  with ``missing_required_lib`` and the catalogue's packages before anything else);
- its connection options (``CONNECTION_OPTIONS``) and extra desired-state options
  (``DESIRED_OPTIONS``), as ``option()`` entries: the module's argument spec, the doc fragment
  and the warehouse_grants role's argument specs are all generated from them
  (scripts/generate_grants_options.py), and an option set for a warehouse that does not use it
  is an error;
- its identifier rules (``validate_identifier``: case folding, length, reserved names);
- its privilege vocabulary (``PRIVILEGES`` per kind, ``all_privileges``) and object kinds
  (``KIND_ORDER``);
- reading (``read_current``), rendering (``render``) and applying (``apply`` / ``discard``);
- its client's error classes (``client_errors``: model.run turns them into a clear failure, never
  a traceback) and which of them mean that a concurrent run changed the same objects
  (``is_conflict``: model.run then reads the state again and re-plans).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import socket
import ssl

try:
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass
except ImportError:  # Python 2: never reached (the HTTP warehouses' clients need Python 3)
    from urlparse import urlsplit
    from urllib import getproxies, proxy_bypass

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError, quote_ident


# Privilege names that mean another one, in every warehouse's options.
PRIVILEGE_ALIASES = {"TEMP": "TEMPORARY", "ALL PRIVILEGES": "ALL"}

# login_host is declared by several adapters and documented once: its description covers them all.
LOGIN_HOST_DOC = (
    "Host name or address of the endpoint. When unset, the warehouse's default (libpq's local socket for "
    "postgres and redshift, C(<account>.snowflakecomputing.com) for snowflake). On V(databricks), the "
    "workspace URL, for example C(https://adb-1234567890123456.7.azuredatabricks.net), required there; "
    "without a scheme, C(https://) is assumed (the siteconfig's C(host) can be given as is).")


def client_ca_bundle():
    """The CA file the HTTP clients (requests, which the Snowflake, Google and Databricks
    libraries use) verify servers with: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else certifi's."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _unreachable(what, text):
    return GrantsError("cannot connect to %s: %s" % (what, text))


def check_endpoint(url, option, timeout, what):
    """Reach the endpoint ``url`` once, the way its HTTP client will (TCP, then TLS for https),
    and raise GrantsError naming host:port and ``option`` when the name does not resolve, the
    connection is refused or times out, or the TLS handshake fails (a plain-HTTP server, an
    untrusted certificate). The clients retry such failures until their own deadlines and then
    report them as timeouts (Snowflake: "login timed out" after the whole login_timeout); this
    says what happened at once. Skipped when a proxy from the environment (HTTPS_PROXY...,
    NO_PROXY) carries the client's requests: the endpoint is not reached directly then.
    ``what`` (for example "the Snowflake account xy12345") starts the message."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    host, tls = parts.hostname, parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    if not host:
        raise _unreachable(what, "%r names no host; check %s" % (url, option))
    proxies = getproxies()
    if (proxies.get(parts.scheme) or proxies.get("all")) and not proxy_bypass(host):
        return
    where = "%s:%s" % (host, port)
    try:
        address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][4][0]
    except socket.gaierror as exc:
        raise _unreachable(what, "DNS lookup failed: cannot resolve the host name %s (%s); check %s"
                           % (host, exc.strerror or exc, option))
    try:
        sock = socket.create_connection((host, port), timeout)
    except socket.timeout:
        raise _unreachable(what, "connecting to %s (%s) timed out after %ss (connect_timeout); check %s, and "
                           "that a firewall lets this host through" % (where, address, timeout, option))
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) == errno.ECONNREFUSED:
            raise _unreachable(what, "connection refused by %s (%s): nothing listens on that port; check %s"
                               % (where, address, option))
        raise _unreachable(what, "%s (%s): %s; check %s"
                           % (where, address, getattr(exc, "strerror", None) or exc, option))
    try:
        if tls:
            context = ssl.create_default_context(cafile=client_ca_bundle())
            context.wrap_socket(sock, server_hostname=host).close()
    except ssl.SSLCertVerificationError as exc:
        raise _unreachable(what, "TLS failed: the certificate of %s is not trusted (%s); check %s, or give "
                           "the CA file in REQUESTS_CA_BUNDLE" % (where, exc.verify_message or exc, option))
    except ssl.SSLError as exc:
        raise _unreachable(what, "TLS failed: the handshake with %s failed (%s); the endpoint does not speak "
                           "TLS there (a plain-HTTP server makes it WRONG_VERSION_NUMBER); check %s"
                           % (where, exc.reason or exc, option))
    except socket.timeout:
        raise _unreachable(what, "TLS failed: the handshake with %s did not complete within %ss "
                           "(connect_timeout); check %s" % (where, timeout, option))
    except (IOError, OSError) as exc:
        raise _unreachable(what, "TLS failed: %s closed the connection during the handshake (%s); check %s"
                           % (where, exc, option))
    finally:
        sock.close()


def option(type, description, env=(), default=None, choices=None, no_log=None, aliases=(),
           elements=None, required=False, per_principal=None):
    """One option of an adapter: the argument-spec fields plus its documentation.

    ``env``: environment variables read, in order, when the option is not given (the adapter's
    own names: PGHOST for libpq, SNOWFLAKE_ACCOUNT for Snowflake, ...). ``default``: applied by
    the adapter when neither the option nor the environment gives a value (so that setting an
    option for the wrong warehouse can be told apart from a default). ``required``: required
    for this warehouse (after environment fallbacks). ``no_log``: True for secrets; False for
    names Ansible would otherwise take for secrets (``*_password_mode``...). ``per_principal``:
    the key of the option in each principal of the warehouse_grants role (its value differs per
    principal, like a password or a key), instead of one role variable for all of them.
    """
    return {"type": type, "description": description, "env": tuple(env), "default": default,
            "choices": list(choices) if choices else None, "no_log": no_log, "aliases": list(aliases),
            "elements": elements, "required": required, "per_principal": per_principal}


class Adapter:
    """Base class and interface of a warehouse adapter. Subclasses set the class attributes
    and implement the methods marked "must"."""

    NAME = None                  # warehouse name, as pb's siteconfig ``type``
    CONNECTION_OPTIONS = {}      # name -> option(): how the admin connects
    DESIRED_OPTIONS = {}         # name -> option(): desired state only this warehouse has
    PRINCIPAL_TYPES = ("user", "role")   # the first is the default
    PRINCIPAL_TYPES_DOC = {}     # type -> what it creates on this warehouse (documentation)
    PASSWORDS = True             # principals of this warehouse can have a password
    PRIVILEGES = {}              # kind -> tuple of privilege names ALL expands to
    # Order of kinds in plans and statements; kinds not listed follow, alphabetically. These are
    # the SQL warehouses' kinds: database (db,) | schema (schema,) | table (schema, table) |
    # default (owner, schema) | language (lang,).
    KIND_ORDER = ("database", "schema", "table", "default", "language")
    DEFAULT_DATABASE_PRIVILEGES = []
    DEFAULT_LANGUAGES = []
    MAX_IDENTIFIER_BYTES = 255

    def __init__(self, params=None):
        self.params = self.resolve_aliases(params or {})
        self.read_round_trips = 0
        self.applied = []   # Statements of this run that took effect and stay (apply keeps it current)
        self.unknown = []   # Statements whose outcome could not be learnt (a connection lost at COMMIT)

    @classmethod
    def options(cls):
        """name -> option() of every option this adapter uses (connection and desired state)."""
        return dict(cls.CONNECTION_OPTIONS, **cls.DESIRED_OPTIONS)

    @classmethod
    def resolve_aliases(cls, params):
        """A copy of ``params`` where an option given only by one of its aliases (a former name,
        kept working) is also under its name, as Ansible's argument spec does for the module:
        so that callers of the plain Python (tests, benchmarks) may write either."""
        resolved = dict(params)
        for name, spec in cls.options().items():
            if resolved.get(name) is None:
                for alias in spec["aliases"]:
                    if resolved.get(alias) is not None:
                        resolved[name] = resolved[alias]
                        break
        return resolved

    # -- client and connection ---------------------------------------------------------------
    @classmethod
    def client_import_error(cls):
        """The traceback of the failed client import, or None when the client is importable."""
        return None

    @classmethod
    def client_errors(cls):
        """The client library's exception classes (a tuple): raised by reads, rendering or
        writes, they end the run as a GrantsError naming the step, never as a traceback."""
        return ()

    def is_conflict(self, exc):
        """True when ``exc`` (raised by ``apply``, the whole change rolled back) means that
        another run changed the same objects meanwhile (the principal or a schema was created,
        a grant was written concurrently): the run then reads the state again and re-plans."""
        return False

    @classmethod
    def connection_params(cls, params):
        """This adapter's connection options resolved: given value, else environment, else the
        documented default. Raises GrantsError for a required option that has no value."""
        resolved = {}
        for name, spec in cls.CONNECTION_OPTIONS.items():
            value = params.get(name)
            if value is None:
                for var in spec["env"]:
                    if os.environ.get(var):
                        value = os.environ[var]
                        value = int(value) if spec["type"] == "int" else value
                        break
            if value is None:
                value = spec["default"]
            if value is not None and spec["choices"] and value not in spec["choices"]:
                raise GrantsError("%s: %r is not one of %s" % (name, value, ", ".join(spec["choices"])))
            if value is None and spec["required"]:
                env = " or the environment variable %s" % " / ".join(spec["env"]) if spec["env"] else ""
                raise GrantsError("%s is required for warehouse %s: set it%s" % (name, cls.NAME, env))
            resolved[name] = value
        return resolved

    def connect(self):
        """Must: open the connection/session from ``self.params``; raise GrantsError naming the
        endpoint (never a secret) and the timeout when it cannot be reached."""
        raise NotImplementedError

    def close(self):
        """Release the connection (called once, also after a failure)."""

    # -- names and vocabulary ----------------------------------------------------------------
    def validate_identifier(self, value, option):
        """Return the name as the warehouse stores it (after its case folding), or raise
        GrantsError naming ``option`` if the warehouse cannot store it unchanged. Default: a
        non-empty string without NUL of at most MAX_IDENTIFIER_BYTES bytes, kept as given."""
        if not isinstance(value, str):
            raise GrantsError("%s: expected a name (string), got %r" % (option, value))
        if value == "":
            raise GrantsError("%s: a name must not be empty" % option)
        if "\x00" in value:
            raise GrantsError("%s: %r contains a NUL character, which no warehouse accepts in a name"
                              % (option, value))
        size = len(value.encode("utf-8"))
        if size > self.MAX_IDENTIFIER_BYTES:
            raise GrantsError("%s: %r is %d bytes long; this warehouse keeps at most %d bytes of a name "
                              "and would silently truncate it" % (option, value, size, self.MAX_IDENTIFIER_BYTES))
        return value

    def check_principal_name(self, name, option):
        """Reject names the warehouse reserves for principals (before anything is sent)."""
        return name

    def check_new_schema_name(self, name, option):
        """Reject names the warehouse refuses for new schemas."""
        return name

    def normalise_privileges(self, values, kind, option):
        """The privilege names of one option (``kind``: database, schema or table) as a set, in
        this warehouse's spelling, or GrantsError naming ``option`` and the accepted names.
        Default: upper-cased, aliases resolved, checked against ``PRIVILEGES[kind]``, ``ALL``
        kept (expanded later by ``all_privileges``). Override where privileges are not SQL
        keywords (IAM role names are case-sensitive, for example)."""
        allowed = self.PRIVILEGES[kind]
        result = set()
        for value in values or []:
            if not isinstance(value, str):
                raise GrantsError("%s: expected privilege names, got %r" % (option, value))
            name = " ".join(value.upper().split())
            name = PRIVILEGE_ALIASES.get(name, name)
            if name != "ALL" and name not in allowed:
                raise GrantsError("%s: unknown privilege %r; accepted: %s"
                                  % (option, value, ", ".join(["ALL"] + sorted(allowed))))
            result.add(name)
        return result

    def all_privileges(self, kind):
        """The privileges ALL stands for on ``kind``, as the warehouse reports them back."""
        return self.PRIVILEGES[kind if kind != "default" else "table"]

    def expand_privileges(self, kind, target, privileges):
        """The privileges wanted on one object, ``ALL`` replaced. Default: ALL is
        ``all_privileges(kind)``, the others as given. An adapter whose objects of one kind take
        different privileges (Snowflake views among tables) narrows them per target here."""
        result = set()
        for privilege in privileges:
            result.update(self.all_privileges(kind) if privilege == "ALL" else [privilege])
        return result

    def describe(self, grant):
        """One grant as a line of text for plans and diffs, e.g. ``SELECT ON TABLE "s"."t"``."""
        kind, target, privilege = grant
        if kind == "database":
            return "%s ON DATABASE %s" % (privilege, quote_ident(target[0]))
        if kind == "schema":
            return "%s ON SCHEMA %s" % (privilege, quote_ident(target[0]))
        if kind == "table":
            return "%s ON TABLE %s.%s" % (privilege, quote_ident(target[0]), quote_ident(target[1]))
        if kind == "default":
            return "%s ON FUTURE TABLES OF %s IN SCHEMA %s" % (
                privilege, quote_ident(target[0]), quote_ident(target[1]))
        if kind == "language":
            return "%s ON LANGUAGE %s" % (privilege, quote_ident(target[0]))
        return "%s ON %s %s" % (privilege, kind.upper(), ".".join(quote_ident(part) for part in target))

    # -- desired state and plan hooks --------------------------------------------------------
    def extend_desired(self, desired, params):
        """Add this warehouse's own desired state (from DESIRED_OPTIONS) to ``desired``:
        ``desired.object_privileges[(kind, target)]`` for grants, ``desired.extra`` for the rest."""

    def future_targets(self, schema, desired, current):
        """(kind, target) pairs that carry privileges on future tables of ``schema``. Default:
        one ``default`` grant per creating owner (PostgreSQL/Redshift default privileges)."""
        owners = desired.future_tables_owners or [current.login_user]
        return [("default", (owner, schema)) for owner in owners if owner != desired.principal]

    def check_objects(self, desired, current):
        """Fail fast, before any write, on named objects that do not exist and will not be
        created. Default: the input schemas, listed tables, languages and future_tables_owners;
        an adapter with objects of its own checks them after calling this."""
        for name, option in desired.required_schemas:
            if name not in current.schemas:
                raise GrantsError("%s: schema %s does not exist in database %s (input schemas are never "
                                  "created; for the output schema set output_schema.create)"
                                  % (option, quote_ident(name), quote_ident(current.database)))
        for rule in desired.table_rules:
            for table in rule.tables or ():
                if rule.schema in current.schemas and table not in current.tables.get(rule.schema, {}):
                    raise GrantsError("%s: table %s.%s does not exist"
                                      % (desired.options.get(("table", (rule.schema, table)), "tables"),
                                         quote_ident(rule.schema), quote_ident(table)))
        for language in desired.languages:
            if language not in current.languages:
                raise GrantsError("languages: language %s does not exist in database %s"
                                  % (quote_ident(language), quote_ident(current.database)))
        for owner in desired.future_tables_owners or ():
            if owner not in current.roles:
                raise GrantsError("future_tables_owners: %s is not an existing user or role"
                                  % quote_ident(owner))

    def plan_actions(self, desired, current, plan):
        """Append to ``plan.actions`` the changes besides grants this warehouse needs (text)."""

    # -- reading, rendering, writing ---------------------------------------------------------
    def password_matches(self, desired):
        """Whether the existing principal already has ``desired.password``: True, False, or None
        when the warehouse cannot tell (then update_password=always sets it on every run).
        Called only for an existing principal with a password and update_password=always."""
        return None

    def read_current(self, desired):
        """Must: return a model.Current for the objects ``desired`` names, in a number of round
        trips that does not grow with the number of tables (counted in read_round_trips)."""
        raise NotImplementedError

    def render(self, plan, desired, current):
        """Must: return the model.Statement list that carries out ``plan``, in execution order."""
        raise NotImplementedError

    def apply(self, statements):
        """Must: execute ``statements``; atomically where the warehouse has transactions, else
        in an order whose partial failure the next run completes. Raise GrantsError, or
        model.GrantsConflict when ``is_conflict`` says another run got there first.

        Keep ``self.applied`` current: append each Statement as soon as the warehouse confirms
        it took effect (all of them at once after a COMMIT), and put those whose outcome cannot
        be known in ``self.unknown``. When ``apply`` fails, model.run reports them (the result's
        ``applied``/``unknown``/``not_applied`` and ``changed``), so the adapter's own message
        need only say what failed and why."""
        raise NotImplementedError

    def discard(self):
        """Check mode or nothing to do: end the read-only session without writing."""
