# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Snowflake adapter for profiles_grants (snowflake-connector-python).

What RudderStack's setup guide runs, made idempotent::

    CREATE ROLE PROFILES_ROLE;
    CREATE USER PROFILES_TEST_USER PASSWORD='...' DEFAULT_ROLE='PROFILES_ROLE';
    GRANT ROLE PROFILES_ROLE TO USER PROFILES_TEST_USER;
    GRANT USAGE ON DATABASE DB TO ROLE PROFILES_ROLE;
    CREATE SCHEMA DB.RS_PROFILES;
    GRANT ALL PRIVILEGES ON SCHEMA DB.RS_PROFILES TO ROLE PROFILES_ROLE;
    GRANT USAGE ON WAREHOUSE WH TO ROLE PROFILES_ROLE;
    GRANT USAGE ON SCHEMA DB.EVENTSSCHEMA TO ROLE PROFILES_ROLE;
    GRANT SELECT ON ALL|FUTURE TABLES|VIEWS IN SCHEMA DB.EVENTSSCHEMA TO ROLE PROFILES_ROLE;

Privileges in Snowflake go to roles: the principal is the user pb logs in as (created with
DEFAULT_ROLE, the role granted to it) and every grant goes to ``role``; with
``principal_type: role`` the principal is the role itself and no user is managed.

State is read with SHOW commands, parsed by column NAME (Snowflake adds columns over time):
SHOW ROLES / SHOW USERS / SHOW WAREHOUSES (existence, default role), SHOW GRANTS TO ROLE (every
privilege of the role, on every table, in one round trip), SHOW GRANTS OF ROLE (its users),
SHOW SCHEMAS IN DATABASE (schemas and owners), and per named schema SHOW OBJECTS IN SCHEMA (which
tables and views exist) and SHOW FUTURE GRANTS IN SCHEMA. The round trips depend on the number
of schemas named, never on the number of tables.

Snowflake DDL is not transactional: each statement commits on its own. Statements are ordered
so that a run stopped at any statement leaves a state the next run completes (every run plans
from what it reads, and every statement is safe to repeat): role, user, schemas, revokes, grants
on future objects before grants on existing ones (a table created in between is covered), and
the role granted to the user LAST, so the user never holds a half-granted role.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import keypair
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import (
    LOGIN_HOST_DOC, Adapter, check_endpoint, option)
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import (
    Current, Grant, GrantsError, Statement, kind_rank, quote_ident)

SNOWFLAKE_IMPORT_ERROR = None
try:
    import snowflake.connector as snowflake_connector
except ImportError:
    snowflake_connector = None
    SNOWFLAKE_IMPORT_ERROR = traceback.format_exc()

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography.hazmat.primitives import serialization
except ImportError:
    serialization = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

MAX_IDENTIFIER_CHARS = 255
UNQUOTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")

# What ALL expands to, per kind: privileges that GRANT ALL gives on every Snowflake edition and
# that SHOW GRANTS reports one per row. Granting exactly these makes a rerun read back what it
# granted. Privileges Snowflake adds later (held after a GRANT ALL PRIVILEGES) are counted as
# covered by ALL where ALL is wanted, so they never cause a change.
ALL_PRIVILEGES = {
    "database": ("CREATE SCHEMA", "MODIFY", "MONITOR", "USAGE"),
    "warehouse": ("MODIFY", "MONITOR", "OPERATE", "USAGE"),
    "schema": ("CREATE EXTERNAL TABLE", "CREATE FILE FORMAT", "CREATE FUNCTION",
               "CREATE MATERIALIZED VIEW", "CREATE PIPE", "CREATE PROCEDURE", "CREATE SEQUENCE",
               "CREATE STAGE", "CREATE STREAM", "CREATE TABLE", "CREATE TASK", "CREATE VIEW",
               "MODIFY", "MONITOR", "USAGE"),
    "table": ("DELETE", "INSERT", "REFERENCES", "SELECT", "TRUNCATE", "UPDATE"),
    "view": ("REFERENCES", "SELECT"),
}
# Privileges accepted in options, per kind (a superset of what ALL expands to).
VOCABULARY = {
    "database": ALL_PRIVILEGES["database"] + ("CREATE DATABASE ROLE", "APPLYBUDGET"),
    "warehouse": ALL_PRIVILEGES["warehouse"] + ("APPLYBUDGET",),
    "schema": ALL_PRIVILEGES["schema"] + (
        "ADD SEARCH OPTIMIZATION", "APPLYBUDGET", "CREATE ALERT", "CREATE DYNAMIC TABLE",
        "CREATE EVENT TABLE", "CREATE ICEBERG TABLE", "CREATE MASKING POLICY",
        "CREATE NETWORK RULE", "CREATE ROW ACCESS POLICY", "CREATE SECRET", "CREATE SESSION POLICY",
        "CREATE STREAMLIT", "CREATE TAG", "CREATE TEMPORARY TABLE"),
    "table": ALL_PRIVILEGES["table"] + ("EVOLVE SCHEMA", "REBUILD", "APPLYBUDGET"),
}

ADMIN_ROLE = "SECURITYADMIN"
# Roles followed through the hierarchy when checking that the admin role may create a schema.
MAX_ROLES_FOLLOWED = 20

SNOWFLAKE_OPTIONS = {
    "account": option(
        "str", "Snowflake account identifier (C(orgname-accountname) or the account locator), as "
        "pb's siteconfig C(account).", env=["SNOWFLAKE_ACCOUNT"], required=True,
        aliases=["snowflake_account"]),
    "login_host": option("str", LOGIN_HOST_DOC, env=["SNOWFLAKE_HOST"], aliases=["host"]),
    "login_port": option(
        "int", "Port of the endpoint. When unset, the warehouse's default port.",
        env=["SNOWFLAKE_PORT"], aliases=["port"]),
    "snowflake_protocol": option(
        "str", "Protocol to the endpoint; V(http) only for a local test server.", default="https",
        choices=["https", "http"]),
    "login_user": option(
        "str", "The administrative user that runs the statements (creates users, roles and "
        "schemas and grants on the objects named).", env=["SNOWFLAKE_USER"]),
    "login_password": option("str", "Password of O(login_user).", env=["SNOWFLAKE_PASSWORD"],
                             no_log=True),
    "login_db": option(
        "str", "Database to connect to; database-level grants apply to it.",
        env=["SNOWFLAKE_DATABASE"], aliases=["database"], required=True),
    "snowflake_admin_role": option(
        "str", "Role the statements run as. It needs CREATE ROLE, CREATE USER and MANAGE GRANTS "
        "(C(SECURITYADMIN) has them) and, to create the output schema, CREATE SCHEMA or OWNERSHIP on "
        "O(login_db), itself or through a role granted to it (C(SECURITYADMIN) has neither unless "
        "granted; C(ACCOUNTADMIN) has it through C(SYSADMIN) when C(SYSADMIN) owns the database). "
        "A run that would have to create the schema without it fails before any statement is sent; "
        "or create the schema beforehand and set O(output_schema.create=false).",
        env=["SNOWFLAKE_ROLE"], default=ADMIN_ROLE),
    "private_key": option(
        "str", "Key pair authentication of O(login_user): the PEM private key content "
        "(PKCS#8, encrypted or not), named as in profiles_siteconfig.", no_log=True,
        aliases=["snowflake_private_key"]),
    "private_key_path": option(
        "path", "Key pair authentication of O(login_user): a PEM private key file, named as in profiles_siteconfig.",
        env=["SNOWFLAKE_PRIVATE_KEY_PATH"], aliases=["snowflake_private_key_path"]),
    "private_key_passphrase": option(
        "str", "Passphrase of an encrypted O(private_key) or O(private_key_path), named as in profiles_siteconfig.",
        env=["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"], no_log=True, aliases=["snowflake_private_key_passphrase"]),
    "snowflake_oauth_token": option(
        "str", "OAuth access token of O(login_user) (authenticator C(oauth)).", no_log=True),
}

KEY_SLOTS = ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2")
LEGACY_PASSWORD_WARNING = (
    "snowflake_principal_auth password: the Snowflake user %s signs in with a password alone, which "
    "Snowflake is ending for users that are not people (single-factor password sign-in blocked from "
    "November 2025, deprecated through 2026); the password also travels to Snowflake inside the "
    "CREATE/ALTER USER statement (encrypted by TLS only). Use snowflake_principal_auth key_pair "
    "(the default): TYPE = SERVICE with RSA_PUBLIC_KEY (docs/snowflake.md)")

SNOWFLAKE_DESIRED = {
    "role": option(
        "str", "The role every grant goes to (pb's siteconfig C(role)). Created when missing; with "
        "O(principal_type=user) it is granted to the principal user and set as its C(DEFAULT_ROLE). "
        "Required with O(principal_type=user); with O(principal_type=role) the principal is the role.",
        aliases=["snowflake_role"]),
    "snowflake_principal_auth": option(
        "str", "How the principal user (O(principal_type=user)) signs in. V(key_pair): a service "
        "user, C(TYPE = SERVICE) with C(RSA_PUBLIC_KEY), the key from O(principal_public_key) or "
        "O(principal_private_key_path); a new key goes into the free slot (C(RSA_PUBLIC_KEY_2) "
        "while C(RSA_PUBLIC_KEY) holds the previous one) and the previous key is cleared on the next "
        "run, so rotating keys never locks pb out. V(password): the setup guide's C(PASSWORD), a "
        "legacy choice Snowflake is ending for service identities; the task warns. When unset: "
        "V(password) when O(principal_password) is given, else V(key_pair).",
        choices=["key_pair", "password"]),
    "principal_public_key": option(
        "str", "Key-pair principal: its RSA public key (PEM, or the base64 body alone), set in a key slot of "
        "the user. Not a secret. When unset, the public half of O(principal_private_key_path).",
        per_principal="public_key"),
    "principal_private_key_path": option(
        "path", "Key-pair principal: PKCS#8 PEM private key file on the host that runs the module. "
        "When it does not exist, a 2048-bit RSA key is generated and written there (mode 0600, "
        "directory 0700 when created, encrypted with O(principal_private_key_passphrase) when given) "
        "just before the statements are sent (never in check mode). To rotate, point it at a new file. "
        "pb's siteconfig takes this file's content (profiles_siteconfig O(private_key_path)).",
        per_principal="private_key_path"),
    "principal_private_key_passphrase": option(
        "str", "Passphrase of O(principal_private_key_path): decrypts it, or encrypts a generated key "
        "(keep it in ansible-vault).", no_log=True, per_principal="private_key_passphrase"),
    "snowflake_warehouse": option(
        "str", "Compute warehouse the role may use (pb's siteconfig C(warehouse)); it must exist."),
    "snowflake_warehouse_privileges": option(
        "list", "Privileges on O(snowflake_warehouse) (V(ALL) is MODIFY, MONITOR, OPERATE and "
        "USAGE). When unset, V([USAGE]).", elements="str"),
}


def parse_identifier(value, option):
    """A name as written in SQL -> the name Snowflake stores. Unquoted names must be valid
    unquoted identifiers and fold to upper case; a name in double quotes keeps its case."""
    if not isinstance(value, str):
        raise GrantsError("%s: expected a name (string), got %r" % (option, value))
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        inner = value[1:-1]
        if '"' in inner.replace('""', ""):
            raise GrantsError('%s: %r: a double quote inside a quoted name must be doubled ("")'
                              % (option, value))
        name = inner.replace('""', '"')
        if name == "" or name.strip() == "":
            raise GrantsError("%s: a name must not be empty" % option)
    else:
        if not UNQUOTED.match(value):
            raise GrantsError(
                "%s: %r is not a valid unquoted Snowflake identifier (letters, digits, _ and $, not "
                "starting with a digit). To keep it exactly as written, quote it: '\"%s\"'"
                % (option, value, value.replace('"', '""')))
        name = value.upper()
    if "\x00" in name:
        raise GrantsError("%s: %r contains a NUL character" % (option, value))
    if len(name) > MAX_IDENTIFIER_CHARS:
        raise GrantsError("%s: %r is %d characters long; Snowflake names have at most %d"
                          % (option, value, len(name), MAX_IDENTIFIER_CHARS))
    return name


def split_name(text):
    """A dotted name as SHOW output prints it (``DB.SCHEMA."my table"``) -> its parts; quoted
    parts keep their case, unquoted ones are as stored already."""
    parts, i, n = [], 0, len(text)
    while i <= n:
        if i < n and text[i] == '"':
            j, buf = i + 1, []
            while j < n:
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            parts.append("".join(buf))
            i = j + 2  # closing quote and the dot
        else:
            j = text.find(".", i)
            j = n if j < 0 else j
            parts.append(text[i:j])
            i = j + 1
    return parts


def literal(value):
    """A Snowflake string literal (LIKE patterns; never a secret)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def rows_by_name(cursor_description, rows):
    """SHOW output as dicts keyed by lower-case column name: columns are looked up by name,
    so columns Snowflake adds (or reorders) do not matter."""
    names = [d[0].lower() for d in cursor_description]
    return [dict(zip(names, row)) for row in rows]


def _secret_statement(text_before, text_after=""):
    # pyformat: the connector interpolates the escaped secret client side; a '%' of a name in
    # the template is doubled.
    template = text_before.replace("%", "%%") + "%s" + text_after.replace("%", "%%")
    return lambda secret: Statement(text_before + "'********'" + text_after, template, (secret,))


def _plain(sql):
    return Statement(sql, sql, None)


class SnowflakeAdapter(Adapter):
    NAME = "snowflake"
    CONNECTION_OPTIONS = SNOWFLAKE_OPTIONS
    DESIRED_OPTIONS = SNOWFLAKE_DESIRED
    PRINCIPAL_TYPES = ("user", "role")
    PRINCIPAL_TYPES_DOC = {
        "user": "C(CREATE USER ... DEFAULT_ROLE), with O(role) granted to it; grants go "
                "to the role",
        "role": "the role itself (grants go C(TO ROLE)); no user is managed",
    }
    PRIVILEGES = VOCABULARY
    KIND_ORDER = ("database", "warehouse", "schema", "future", "table")
    DEFAULT_DATABASE_PRIVILEGES = ["USAGE"]
    DEFAULT_LANGUAGES = []
    MAX_IDENTIFIER_BYTES = 4 * MAX_IDENTIFIER_CHARS

    def __init__(self, params=None, conn=None):
        Adapter.__init__(self, params)
        self.conn = conn
        self.role = None
        self.views = set()       # (schema, name) of views among the objects read
        self.unknown_held = {}   # (kind, target) -> privileges held that ALL_PRIVILEGES lacks
        self.steps = []          # structured plan actions, rendered in order
        self.login_role = None
        self.database = None
        self.key_pair = None     # keypair.KeyPair of a key-pair principal
        self.warnings = []

    # -- client and connection ---------------------------------------------------------------
    @classmethod
    def client_import_error(cls):
        return SNOWFLAKE_IMPORT_ERROR

    def connect_kwargs(self):
        """snowflake.connector.connect() keyword arguments; raises GrantsError naming the option
        for conflicting or unusable credentials (a key that does not parse, a wrong passphrase)."""
        p = self.connection_params(self.params)
        timeout = self.params.get("connect_timeout") or 10
        kwargs = {
            "account": p["account"], "user": p["login_user"], "role": p["snowflake_admin_role"],
            "database": p["login_db"], "login_timeout": timeout, "connect_timeout": timeout,
            "application": "rudderstack_profiles", "client_session_keep_alive": False,
            # No async queries are left running: always log out on close (and no FutureWarning).
            "enable_server_session_keep_alive_auto_detection": False,
        }
        if p["login_host"]:
            kwargs["host"] = p["login_host"]
        if p["login_port"]:
            kwargs["port"] = p["login_port"]
        if p["snowflake_protocol"] != "https":
            kwargs["protocol"] = p["snowflake_protocol"]
        if not p["login_user"]:
            raise GrantsError("login_user is required for warehouse snowflake: set it or the "
                              "environment variable SNOWFLAKE_USER")
        methods = [name for name in ("login_password", "private_key", "private_key_path",
                                     "snowflake_oauth_token") if p[name]]
        if len(methods) != 1:
            raise GrantsError("warehouse snowflake: give exactly one of login_password, private_key, "
                              "private_key_path or snowflake_oauth_token (got %s)"
                              % (", ".join(methods) or "none"))
        if p["private_key_passphrase"] and methods[0] not in (
                "private_key", "private_key_path"):
            raise GrantsError("private_key_passphrase applies only with private_key "
                              "or private_key_path")
        method = methods[0]
        if method == "login_password":
            kwargs["password"] = p["login_password"]
        elif method == "snowflake_oauth_token":
            kwargs.update(authenticator="oauth", token=p["snowflake_oauth_token"])
        else:
            kwargs.update(authenticator="SNOWFLAKE_JWT",
                          private_key=load_private_key(p, method))
        self.login_role = parse_identifier(p["snowflake_admin_role"], "snowflake_admin_role")
        self.database = parse_identifier(p["login_db"], "login_db")
        kwargs["role"] = quote_ident(self.login_role)
        kwargs["database"] = quote_ident(self.database)
        return kwargs

    def connect(self):
        kwargs = self.connect_kwargs()
        # The connector retries a refused connection, a name that does not resolve or a failed
        # TLS handshake until login_timeout and then says "login timed out": name them at once.
        check_endpoint("%s://%s:%s" % (kwargs.get("protocol", "https"),
                                       kwargs.get("host") or "%s.snowflakecomputing.com" % kwargs["account"],
                                       kwargs.get("port", 443)),
                       "login_host and login_port (or account)", kwargs["login_timeout"],
                       "Snowflake account %s" % kwargs["account"])
        try:
            self.conn = snowflake_connector.connect(**kwargs)
        except snowflake_connector.Error as exc:
            where = "account %s" % kwargs["account"]
            if kwargs.get("host"):
                where += " at %s://%s:%s" % (kwargs.get("protocol", "https"), kwargs["host"],
                                             kwargs.get("port", 443))
            raise GrantsError("cannot connect to Snowflake %s as %s with role %s (account, "
                              "login_host, login_user; connect_timeout %ss): %s"
                              % (where, kwargs["user"], kwargs["role"], kwargs["login_timeout"],
                                 _message(exc)))

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    # -- names ---------------------------------------------------------------------------------
    def validate_identifier(self, value, option):
        return parse_identifier(value, option)

    def check_principal_name(self, name, option):
        if name.upper() in ("PUBLIC", "ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "ORGADMIN"):
            raise GrantsError("%s: %r is a Snowflake system role; choose a role of its own" % (option, name))
        return name

    def check_new_schema_name(self, name, option):
        if name.upper() == "INFORMATION_SCHEMA":
            raise GrantsError("%s: INFORMATION_SCHEMA is Snowflake's own schema" % option)
        return name

    def all_privileges(self, kind):
        return ALL_PRIVILEGES[kind]

    def expand_privileges(self, kind, target, privileges):
        """Views take only SELECT and REFERENCES: ALL on a view (or on future views) means those,
        and privileges views do not have are not asked of them (they could never be granted).
        ALL also covers what Snowflake added since (held, unknown to ALL_PRIVILEGES)."""
        is_view = (kind == "table" and target in self.views) or (kind == "future" and target[1] == "VIEW")
        vocabulary = "view" if is_view else ("table" if kind == "future" else kind)
        result = set()
        for privilege in privileges:
            if privilege == "ALL":
                result.update(ALL_PRIVILEGES[vocabulary])
                result.update(self.unknown_held.get((kind, target), ()))
            elif not is_view or privilege in ALL_PRIVILEGES["view"]:
                result.add(privilege)
        return result

    def describe(self, grant):
        kind, target, privilege = grant
        db = quote_ident(self.database or "")
        if kind == "database":
            return "%s ON DATABASE %s" % (privilege, quote_ident(target[0]))
        if kind == "warehouse":
            return "%s ON WAREHOUSE %s" % (privilege, quote_ident(target[0]))
        if kind == "schema":
            return "%s ON SCHEMA %s.%s" % (privilege, db, quote_ident(target[0]))
        if kind == "table":
            what = "VIEW" if target in self.views else "TABLE"
            return "%s ON %s %s.%s.%s" % (privilege, what, db, quote_ident(target[0]), quote_ident(target[1]))
        if kind == "future":
            return "%s ON FUTURE %sS IN SCHEMA %s.%s" % (privilege, target[1], db, quote_ident(target[0]))
        return "%s ON %s %s" % (privilege, kind.upper(), ".".join(quote_ident(p) for p in target))

    # -- desired state hooks -----------------------------------------------------------------------
    def extend_desired(self, desired, params):
        role = params.get("role")
        if desired.principal_type == "role":
            if role is not None and parse_identifier(role, "role") != desired.principal:
                raise GrantsError("role: with principal_type role the principal is the role; "
                                  "omit role or set it to the principal")
            self.role = desired.principal
        else:
            if role is None:
                raise GrantsError("role is required for warehouse snowflake with principal_type "
                                  "user: the role the grants go to (granted to the user, its DEFAULT_ROLE)")
            self.role = self.check_principal_name(parse_identifier(role, "role"), "role")
        desired.extra["role"] = self.role
        self._extend_auth(desired, params)
        if desired.future_tables_owners:
            raise GrantsError("future_tables_owners: does not apply to Snowflake, whose future grants "
                              "cover every new table and view of a schema whoever creates it")
        warehouse = params.get("snowflake_warehouse")
        privileges = params.get("snowflake_warehouse_privileges")
        if warehouse is None:
            if privileges is not None:
                raise GrantsError("snowflake_warehouse_privileges: needs snowflake_warehouse")
            return
        name = parse_identifier(warehouse, "snowflake_warehouse")
        wanted = self.normalise_privileges(["USAGE"] if privileges is None else privileges, "warehouse",
                                           "snowflake_warehouse_privileges")
        desired.extra["warehouse"] = name
        if wanted:
            desired.object_privileges[("warehouse", (name,))] = wanted

    def _extend_auth(self, desired, params):
        """How the principal user signs in: key pair (the default) or the legacy password."""
        auth = params.get("snowflake_principal_auth")
        keys = [o for o in ("principal_public_key", "principal_private_key_path", "principal_private_key_passphrase")
                if params.get(o) not in (None, "")]
        if desired.principal_type != "user":
            if auth is not None or keys:
                raise GrantsError("%s: with principal_type role no user is managed (no key pair, no password)"
                                  % ("snowflake_principal_auth" if auth is not None else keys[0]))
            return
        if auth is None:
            auth = "password" if desired.password is not None else "key_pair"
        desired.extra["auth"] = auth
        if auth == "password":
            if keys:
                raise GrantsError("%s: applies to snowflake_principal_auth key_pair; the password principal has "
                                  "no key pair" % keys[0])
            if desired.state == "present":
                self.warnings.append(LEGACY_PASSWORD_WARNING % quote_ident(desired.principal))
            return
        if desired.password is not None:
            raise GrantsError("principal_password: the user signs in with a key pair (snowflake_principal_auth "
                              "key_pair); remove principal_password, or set snowflake_principal_auth: password "
                              "for the legacy password sign-in")
        if desired.state != "present":
            return
        public, path = params.get("principal_public_key"), params.get("principal_private_key_path")
        if public:
            pair = keypair.public_key(public)
            if path:
                held = keypair.private_key_pair(path, params.get("principal_private_key_passphrase"), False)
                if held.fingerprint != pair.fingerprint:
                    raise GrantsError("principal_public_key: is not the public half of principal_private_key_path "
                                      "(%s is %s)" % (path, held.fingerprint))
                pair.private_key_path = path
        elif path:
            pair = keypair.private_key_pair(path, params.get("principal_private_key_passphrase"), True)
        elif params.get("snowflake_principal_auth") is None:
            # Nothing said about sign-in: an existing user's is left as it is; a new user needs
            # a key (plan_actions says so before anything is sent).
            return
        else:
            raise GrantsError("principal_public_key: a key-pair principal (snowflake_principal_auth key_pair, the "
                              "default) needs principal_public_key, or principal_private_key_path where its key "
                              "pair is read or generated; or set snowflake_principal_auth: password (legacy)")
        self.key_pair = desired.extra["key"] = pair

    def result_extra(self):
        """The key pair of a key-pair principal, for the playbook that writes pb's siteconfig."""
        if self.key_pair is None:
            return {}
        return {"principal_key": {"fingerprint": self.key_pair.fingerprint, "public_key": self.key_pair.body,
                                  "private_key_path": self.key_pair.private_key_path,
                                  "generated": self.key_pair.generated}}

    def future_targets(self, schema, desired, current):
        return [("future", (schema, "TABLE")), ("future", (schema, "VIEW"))]

    def check_objects(self, desired, current):
        Adapter.check_objects(self, desired, current)
        blocked = current.extra.get("create_schema_blocked")
        if blocked:
            db, role = quote_ident(self.database), quote_ident(self.login_role or "")
            raise GrantsError(
                "%s: schema %s.%s does not exist and the role %s that the statements run as "
                "(snowflake_admin_role) cannot create it: neither it nor a role granted to it holds CREATE "
                "SCHEMA or OWNERSHIP on database %s. Nothing was changed. Set snowflake_admin_role to a role "
                "that can (the database's owner, or ACCOUNTADMIN), or GRANT CREATE SCHEMA ON DATABASE %s TO "
                "ROLE %s, or create the schema beforehand and set output_schema.create: false"
                % (desired.options.get(("schema", blocked[0]), "output_schema.name"), db,
                   quote_ident(blocked[0]), role, db, db, role))
        warehouse = desired.extra.get("warehouse")
        if warehouse and warehouse not in current.extra.get("warehouses", ()):
            raise GrantsError("snowflake_warehouse: warehouse %s does not exist (or the role %s cannot see it)"
                              % (quote_ident(warehouse), quote_ident(self.login_role or "")))

    def plan_actions(self, desired, current, plan):
        self.steps = []
        role = self.role
        if plan.create_principal and desired.extra.get("auth") == "key_pair" and desired.extra.get("key") is None:
            raise GrantsError("principal_public_key: user %s does not exist; a new user is a key-pair service user "
                              "(snowflake_principal_auth key_pair, the default) and needs principal_public_key, or "
                              "principal_private_key_path where its key pair is read or generated; or set "
                              "snowflake_principal_auth: password (legacy). Nothing was changed"
                              % quote_ident(desired.principal))
        if not current.extra.get("role_exists") and desired.principal_type == "user":
            self.steps.append(("create_role",))
            plan.actions.append("create role %s" % quote_ident(role))
        if desired.principal_type == "user":
            user = current.extra.get("user")
            if user is not None and user.get("default_role") != role:
                self.steps.append(("default_role",))
                plan.actions.append("set DEFAULT_ROLE of user %s to %s (was %s)" % (
                    quote_ident(desired.principal), quote_ident(role), user.get("default_role") or "none"))
            if user is not None and desired.extra.get("key") is not None:
                self._plan_key(desired, current, plan, user)
            if desired.principal not in current.extra.get("role_users", ()):
                self.steps.append(("grant_role",))
                plan.actions.append("grant role %s to user %s" % (quote_ident(role), quote_ident(desired.principal)))
        for name, owned in desired.create_schemas:
            if owned and name in current.schemas and current.schemas[name] == self.login_role:
                # What a run stopped between CREATE SCHEMA and GRANT OWNERSHIP leaves behind.
                self.steps.append(("own_schema", name))
                plan.actions.append("transfer ownership of schema %s to role %s" % (quote_ident(name), quote_ident(role)))

    def _plan_key(self, desired, current, plan, user):
        """Key slots: the wanted key in a slot clears the other one (the rotation that put it
        there is complete: the run before switched pb's siteconfigs to it); a new key goes into
        the free slot, the previous key staying valid until the next run. A user that is not a
        service user becomes one (its password removed first: service users have none)."""
        pair = desired.extra["key"]
        name = quote_ident(desired.principal)
        props = current.extra.get("user_props") or {}
        slots = dict((slot, _value(props.get(slot + "_FP"))) for slot in KEY_SLOTS)
        if pair.fingerprint in slots.values():
            for slot in KEY_SLOTS:
                if slots[slot] and slots[slot] != pair.fingerprint:
                    self.steps.append(("unset_key", slot))
                    plan.actions.append("clear %s of user %s (%s): the key %s replaced it in the run before"
                                        % (slot, name, slots[slot], pair.fingerprint))
        else:
            free = [slot for slot in KEY_SLOTS if not slots[slot]]
            if not free:
                raise GrantsError(
                    "principal_public_key: user %s holds two other keys (%s in RSA_PUBLIC_KEY, %s in "
                    "RSA_PUBLIC_KEY_2): a rotation is still under way. Run once more with the key that "
                    "is in use (the previous one is then cleared), then with the new one; nothing was changed"
                    % (name, slots["RSA_PUBLIC_KEY"], slots["RSA_PUBLIC_KEY_2"]))
            self.steps.append(("set_key", free[0]))
            kept = [slot for slot in KEY_SLOTS if slots[slot]]
            plan.actions.append("set %s of user %s to the key %s%s" % (
                free[0], name, pair.fingerprint,
                "" if not kept else " (%s stays valid until the next run)" % kept[0]))
        user_type = (_value(props.get("TYPE")) or _value(user.get("type")) or "").upper()
        if user_type != "SERVICE":
            if (user.get("has_password") or "").lower() == "true":
                self.steps.append(("unset_password",))
            self.steps.append(("type_service",))
            plan.actions.append("make user %s a service user (TYPE = SERVICE, key-pair sign-in only; was %s)"
                                % (name, user_type or "PERSON"))

    # -- reading -----------------------------------------------------------------------------
    def show(self, sql):
        cur = self.conn.cursor()
        try:
            cur.execute(sql)
            self.read_round_trips += 1
            return rows_by_name(cur.description, cur.fetchall())
        except snowflake_connector.Error as exc:
            raise GrantsError("%s failed: %s" % (sql, _message(exc)))
        finally:
            cur.close()

    def read_current(self, desired):
        role = self.role
        db = self.database
        # Schemas the run creates are owned by the role it runs as (what the planner assumes of
        # ``login_user``).
        current = Current(self.login_role, db)
        current.extra["role_exists"] = any(r["name"] == role for r in self.show("SHOW ROLES LIKE %s" % literal(role)))
        if desired.principal_type == "user":
            users = [u for u in self.show("SHOW USERS LIKE %s" % literal(desired.principal))
                     if u["name"] == desired.principal]
            current.principal_exists = bool(users)
            current.extra["user"] = users[0] if users else None
            if users and desired.extra.get("key") is not None:
                # The key slots' fingerprints, and TYPE (DESC USER: property/value rows).
                current.extra["user_props"] = dict(
                    (r.get("property"), r.get("value")) for r in self.show("DESC USER %s" % quote_ident(desired.principal)))
        else:
            current.principal_exists = current.extra["role_exists"]
        if desired.extra.get("warehouse"):
            current.extra["warehouses"] = set(
                w["name"] for w in self.show("SHOW WAREHOUSES LIKE %s" % literal(desired.extra["warehouse"])))
        for row in self.show("SHOW SCHEMAS IN DATABASE %s" % quote_ident(db)):
            if row["name"] in desired.schemas:
                current.schemas[row["name"]] = self._owner(row.get("owner"), desired)
                current.tables.setdefault(row["name"], {})
        missing = [name for name, owned in desired.create_schemas if name not in current.schemas]
        if missing and desired.state == "present":
            current.extra["create_schema_blocked"] = missing if self.login_role_can_create_schema() is False else []
        for schema in sorted(current.schemas):
            for row in self.show("SHOW OBJECTS IN SCHEMA %s.%s" % (quote_ident(db), quote_ident(schema))):
                kind = (row.get("kind") or "").upper()
                if kind not in ("TABLE", "TRANSIENT", "VIEW"):
                    continue
                current.tables[schema][row["name"]] = self._owner(row.get("owner"), desired)
                if kind == "VIEW":
                    self.views.add((schema, row["name"]))
        if not current.extra["role_exists"]:
            return current
        if desired.principal_type == "user":
            current.extra["role_users"] = set(
                r["grantee_name"] for r in self.show("SHOW GRANTS OF ROLE %s" % quote_ident(role))
                if (r.get("granted_to") or "").upper() == "USER")
        for row in self.show("SHOW GRANTS TO ROLE %s" % quote_ident(role)):
            grant = self.grant_from_row(row)
            if grant is None:
                continue
            if grant.privilege == "OWNERSHIP":
                current.owners[(grant.kind, grant.target)] = desired.principal
                continue
            current.grants.add(grant)
        for schema in sorted(current.schemas):
            for row in self.show("SHOW FUTURE GRANTS IN SCHEMA %s.%s" % (quote_ident(db), quote_ident(schema))):
                grant = self.future_grant_from_row(schema, row)
                if grant is not None:
                    current.grants.add(grant)
        self._note_unknown(current)
        return current

    def login_role_can_create_schema(self):
        """Whether the role the statements run as may CREATE SCHEMA in the database: it, or a
        role granted to it (followed through SHOW GRANTS TO ROLE, which prints a granted role as
        USAGE on it), holds CREATE SCHEMA or OWNERSHIP on the database. None when the hierarchy
        is deeper than MAX_ROLES_FOLLOWED roles (then the run goes on and Snowflake decides).
        Read only when an output schema must be created."""
        seen, todo = set(), [self.login_role]
        while todo:
            if len(seen) >= MAX_ROLES_FOLLOWED:
                return None
            role = todo.pop(0)
            if role in seen:
                continue
            seen.add(role)
            for row in self.show("SHOW GRANTS TO ROLE %s" % quote_ident(role)):
                on = (row.get("granted_on") or "").upper()
                names = split_name(row.get("name") or "")
                if on == "DATABASE" and names == [self.database] and row.get("privilege") in ("CREATE SCHEMA", "OWNERSHIP"):
                    return True
                if on == "ROLE" and row.get("privilege") == "USAGE" and len(names) == 1:
                    todo.append(names[0])
        return False

    def _owner(self, owner, desired):
        # Owners are roles; the planner compares them with the principal.
        return desired.principal if owner and owner == self.role else owner

    def grant_from_row(self, row):
        """A row of SHOW GRANTS TO ROLE (or ON, same columns) -> Grant, or None."""
        return self._grant(row.get("granted_on"), row.get("name"), row.get("privilege"))

    def future_grant_from_row(self, schema, row):
        """A row of SHOW FUTURE GRANTS IN SCHEMA ``schema`` -> Grant("future", (schema, TABLE|VIEW),
        privilege) when it goes to the managed role, else None. These rows say grant_on/grant_to
        where the other SHOW GRANTS forms say granted_on/granted_to."""
        if (row.get("grant_to") or "").upper() != "ROLE" or row.get("grantee_name") != self.role:
            return None
        on = (row.get("grant_on") or "").upper()
        if on in ("TABLE", "VIEW") and row.get("privilege") != "OWNERSHIP":
            return Grant("future", (schema, on), row["privilege"])
        return None

    def _grant(self, granted_on, name, privilege):
        """A SHOW GRANTS TO ROLE row -> Grant, or None for objects this module does not manage."""
        on = (granted_on or "").upper()
        parts = split_name(name or "")
        if on == "DATABASE" and len(parts) == 1:
            return Grant("database", (parts[0],), privilege)
        if on == "WAREHOUSE" and len(parts) == 1:
            return Grant("warehouse", (parts[0],), privilege)
        if len(parts) < 2 or parts[0] != self.database:
            return None
        if on == "SCHEMA" and len(parts) == 2:
            return Grant("schema", (parts[1],), privilege)
        # Views are reported as TABLE today and as VIEW after the 2026_06 behaviour change.
        if on in ("TABLE", "VIEW") and len(parts) == 3:
            return Grant("table", (parts[1], parts[2]), privilege)
        return None

    def _note_unknown(self, current):
        """Privileges held that ALL_PRIVILEGES does not list (Snowflake added them; a GRANT ALL
        PRIVILEGES gave them): remembered per object, so that ALL wanted there includes them (no
        change, never revoked in exclusive mode, revoked with state absent)."""
        for grant in current.grants:
            kind = "table" if grant.kind == "future" else grant.kind
            if grant.privilege not in ALL_PRIVILEGES.get(kind, ()) and grant.privilege not in ALL_PRIVILEGES["view"]:
                self.unknown_held.setdefault((grant.kind, grant.target), set()).add(grant.privilege)

    # -- rendering ---------------------------------------------------------------------------
    def render(self, plan, desired, current):
        role, db = quote_ident(self.role), quote_ident(self.database)
        out = []
        steps = set(s[0] for s in self.steps)
        if "create_role" in steps or (desired.principal_type == "role" and plan.create_principal):
            out.append(_plain("CREATE ROLE IF NOT EXISTS %s" % role))
        user = quote_ident(desired.principal)
        pair = desired.extra.get("key")
        if plan.create_principal and desired.principal_type == "user":
            head = "CREATE USER IF NOT EXISTS %s" % user
            tail = " DEFAULT_ROLE = %s" % role
            if pair is not None:
                out.append(_plain("%s TYPE = SERVICE RSA_PUBLIC_KEY = %s%s" % (head, literal(pair.body), tail)))
            elif desired.password is not None:
                out.append(_secret_statement(head + " PASSWORD = ", tail)(desired.password))
            else:
                out.append(_plain(head + tail))
        if "default_role" in steps:
            out.append(_plain("ALTER USER %s SET DEFAULT_ROLE = %s" % (quote_ident(desired.principal), role)))
        if plan.set_password:
            out.append(_secret_statement("ALTER USER %s SET PASSWORD = " % quote_ident(desired.principal))(
                desired.password))
        # The new key first, so the user is never without a working key.
        for step in self.steps:
            if step[0] == "set_key":
                out.append(_plain("ALTER USER %s SET %s = %s" % (user, step[1], literal(pair.body))))
        if ("unset_password",) in self.steps:
            out.append(_plain("ALTER USER %s UNSET PASSWORD" % user))
        if ("type_service",) in self.steps:
            out.append(_plain("ALTER USER %s SET TYPE = SERVICE" % user))
        for step in self.steps:
            if step[0] == "unset_key":
                out.append(_plain("ALTER USER %s UNSET %s" % (user, step[1])))
        for name, owned in plan.create_schemas:
            out.append(_plain("CREATE SCHEMA IF NOT EXISTS %s.%s" % (db, quote_ident(name))))
            if owned:
                out.append(self._own_schema(name))
        for step in self.steps:
            if step[0] == "own_schema":
                out.append(self._own_schema(step[1]))
        out += self._changes(plan.to_revoke, "REVOKE", current, desired)
        out += self._changes(plan.to_grant, "GRANT", current, desired)
        if "grant_role" in steps:
            out.append(_plain("GRANT ROLE %s TO USER %s" % (role, quote_ident(desired.principal))))
        return out

    def _own_schema(self, name):
        return _plain("GRANT OWNERSHIP ON SCHEMA %s.%s TO ROLE %s COPY CURRENT GRANTS"
                      % (quote_ident(self.database), quote_ident(name), quote_ident(self.role)))

    def _changes(self, grants, verb, current, desired):
        if not grants:
            return []
        tail = ("TO ROLE " if verb == "GRANT" else "FROM ROLE ") + quote_ident(self.role)
        db = quote_ident(self.database)
        by_object = {}
        for grant in grants:
            by_object.setdefault((grant.kind, grant.target), set()).add(grant.privilege)

        def privs(kind, target, names):
            # The guide's GRANT ALL PRIVILEGES where every privilege ALL stands for is missing.
            if verb == "GRANT" and kind in ("database", "schema", "warehouse") \
                    and set(names) == set(ALL_PRIVILEGES[kind]) and self._all_wanted(kind, target, desired):
                return "ALL PRIVILEGES"
            return ", ".join(sorted(names))

        out = []
        kinds = sorted(set(k for k, dummy in by_object), key=lambda k: kind_rank(k, self.KIND_ORDER))
        for kind in kinds:
            objects = sorted((t, p) for (k, t), p in by_object.items() if k == kind)
            if kind == "table":
                out += self._table_changes(objects, verb, tail, current, desired)
                continue
            for target, names in objects:
                if kind == "database":
                    on = "DATABASE %s" % quote_ident(target[0])
                elif kind == "warehouse":
                    on = "WAREHOUSE %s" % quote_ident(target[0])
                elif kind == "schema":
                    on = "SCHEMA %s.%s" % (db, quote_ident(target[0]))
                else:  # future
                    on = "FUTURE %sS IN SCHEMA %s.%s" % (target[1], db, quote_ident(target[0]))
                out.append(_plain(" ".join((verb, privs(kind, target, names), "ON", on, tail))))
        return out

    def _all_wanted(self, kind, target, desired):
        if kind == "database":
            return "ALL" in (desired.database_privileges or ())
        if kind == "schema":
            return "ALL" in desired.schema_privileges.get(target[0], ())
        return "ALL" in desired.object_privileges.get((kind, target), ())

    def _table_changes(self, objects, verb, tail, current, desired):
        """Grants on tables and views of a schema whose rule covers all its tables: one
        ``GRANT ... ON ALL TABLES|VIEWS IN SCHEMA`` per schema and kind, with every privilege the
        rule wants that any of them lacks, however many lack it (Snowflake's schema-wide GRANT
        skips what is held, so repairing drift on 3 or 3000 tables is one statement). Tables
        named one by one, and revokes, name their objects (Snowflake's GRANT ON TABLE names one
        object)."""
        db = quote_ident(self.database)
        all_rules = {}
        for rule in desired.table_rules:
            if rule.tables is None:
                all_rules.setdefault(rule.schema, set()).update(rule.privileges)
        out = []
        by_schema = {}
        for (schema, name), names in objects:
            by_schema.setdefault(schema, []).append((name, names))
        for schema in sorted(by_schema):
            for what in ("TABLE", "VIEW"):
                items = [(n, p) for n, p in by_schema[schema] if ((schema, n) in self.views) == (what == "VIEW")]
                if not items:
                    continue
                bulk = set()
                if verb == "GRANT" and schema in all_rules:
                    # What the rule wants on every table (view) of the schema: ALL_PRIVILEGES of
                    # the kind for ALL, as on future objects of that kind.
                    wanted = self.expand_privileges("future", (schema, what), all_rules[schema])
                    bulk = wanted & set().union(*[set(p) for dummy, p in items])
                if bulk:
                    out.append(_plain("%s %s ON ALL %sS IN SCHEMA %s.%s %s" % (
                        verb, ", ".join(sorted(bulk)), what, db, quote_ident(schema), tail)))
                for name, names in sorted(items):
                    rest = set(names) - bulk
                    if rest:
                        out.append(_plain("%s %s ON %s %s.%s.%s %s" % (
                            verb, ", ".join(sorted(rest)), what, db, quote_ident(schema), quote_ident(name), tail)))
        return out

    # -- writing -------------------------------------------------------------------------------
    def apply(self, statements):
        """One statement at a time (Snowflake commits each DDL statement by itself). On a failure
        the statements before it stay applied; the order makes the next run complete the rest.
        A private key generated in this run is written first: if that fails nothing is sent, and
        once written, the next run reads it back (the same key) whatever happens to the statements."""
        if self.key_pair is not None:
            keypair.write_private_key(self.key_pair)
        cur = self.conn.cursor()
        try:
            for index, statement in enumerate(statements):
                try:
                    if statement.params:
                        cur.execute(statement.template, statement.params)
                    else:
                        cur.execute(statement.template)
                except snowflake_connector.Error as exc:
                    # model.run adds which statements before it were applied and stay.
                    raise GrantsError("%s failed (statement %d of %d): %s" % (
                        statement.text, index + 1, len(statements), _message(exc)))
                self.applied.append(statement)
        finally:
            cur.close()

    def discard(self):
        """Nothing to roll back: reads do not write."""


def load_private_key(params, option):
    """The PEM private key of ``option`` (content or file) as PKCS#8 DER bytes for the connector;
    errors name the option (a file that does not parse, a wrong or missing passphrase)."""
    if serialization is None:
        raise GrantsError("%s: key pair authentication needs the Python package cryptography "
                          "(a dependency of snowflake-connector-python)" % option)
    if option == "private_key_path":
        try:
            with open(params[option], "rb") as f:
                data = f.read()
        except (IOError, OSError) as exc:
            raise GrantsError("%s: cannot read %s: %s" % (option, params[option], exc.strerror or exc))
    else:
        data = params[option].encode("utf-8")
    passphrase = params.get("private_key_passphrase")
    passphrase = passphrase.encode("utf-8") if passphrase else None
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        if "encrypted" in str(exc).lower() and passphrase is None:
            raise GrantsError("%s: the private key is encrypted; set private_key_passphrase" % option)
        raise GrantsError("%s: the private key is not encrypted; remove private_key_passphrase" % option)
    except ValueError as exc:
        text = str(exc)
        if passphrase is not None and ("decrypt" in text.lower() or "password" in text.lower()
                                       or "bad" in text.lower()):
            raise GrantsError("private_key_passphrase: wrong passphrase for the key of %s" % option)
        raise GrantsError("%s: not a PEM private key (expected -----BEGIN PRIVATE KEY----- or "
                          "-----BEGIN ENCRYPTED PRIVATE KEY-----): %s" % (option, text.splitlines()[0] if text else "unreadable"))
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm and others
        raise GrantsError("%s: cannot load the private key: %s" % (option, exc))
    return key.private_bytes(encoding=serialization.Encoding.DER, format=serialization.PrivateFormat.PKCS8,
                             encryption_algorithm=serialization.NoEncryption())


def _value(text):
    """A DESC USER / SHOW USERS value: None for unset (Snowflake prints null)."""
    if text is None or str(text).strip().lower() in ("", "null", "none"):
        return None
    return str(text).strip()


def _message(exc):
    msg = getattr(exc, "msg", None) or str(exc)
    return " ".join(str(msg).split())
