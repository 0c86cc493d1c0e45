"""A MODEL of Snowflake for tests - NOT Snowflake.

A small HTTP server that the real snowflake-connector-python (5.2.0) talks to over plain HTTP on
127.0.0.1 (``connect(..., host="127.0.0.1", port=PORT, protocol="http")``). It speaks the
connector's REST protocol (``POST /session/v1/login-request``, ``POST /queries/v1/query-request``
answering ``data.rowtype`` + ``data.rowset`` with ``queryResultFormat: json``, ``/telemetry/send``,
``/session?delete=true``; errors ``{"success": false, "code", "message"}``) and models, in
memory, what profiles_grants touches: databases, schemas, tables and views, warehouses, roles,
users (type, password, two RSA public key slots, OAuth tokens), privileges, future grants and role grants, and
the SHOW output of each. SHOW GRANTS TO ROLE / OF ROLE / FUTURE GRANTS IN SCHEMA, SHOW ROLES and
SHOW SCHEMAS print exactly the columns, in the order, of the documentation's example output
(tests/unit/fixtures/snowflake/docs_*.txt; tests/unit/test_grants_snowflake_docs.py compares them);
SHOW USERS, WAREHOUSES and OBJECTS, whose pages print no example output for all columns, follow
the column lists of their pages, plus a trailing column the adapter must ignore.

Fidelity where it matters to the tests: unquoted identifiers fold to upper case, quoted ones keep
their case; GRANT ALL PRIVILEGES is stored as the single privileges (including some the adapter
does not know, as Snowflake adds privileges over time); future grants apply to objects created
later; SHOW GRANTS reports views as granted_on TABLE unless ``views_as_view`` (the 2026_06
behaviour change); re-granting a held privilege succeeds silently; statements commit one by one.

Users and their sign-in, pinned to docs.snowflake.com:
- ``sql-reference/sql/create-user`` and ``alter-user``: ``TYPE`` (PERSON, SERVICE,
  LEGACY_SERVICE or unset), ``RSA_PUBLIC_KEY`` and ``RSA_PUBLIC_KEY_2`` (set and UNSET), ``PASSWORD``;
  a SERVICE user cannot have a password (CREATE/ALTER refuse one) and never signs in with one.
- ``user-guide/key-pair-auth``: keys of at least 2048 bits, given as the PEM body without its
  delimiter lines; a login JWT must verify against the key of either slot, its issuer naming that
  key's fingerprint (``SHA256:`` + base64 of the SHA-256 of its DER); rotation = new key into the
  free slot, then UNSET of the old one.
- ``sql-reference/sql/desc-user``: DESC USER prints property / value / default / description rows,
  unset values as null, including TYPE, PASSWORD (masked), RSA_PUBLIC_KEY(_2) and their
  ``_FP`` fingerprints. ``sql-reference/sql/show-users``: ``type`` and ``has_rsa_public_key``.
- ``user-guide/security-access-control-overview`` (system-defined roles) and
  ``sql-reference/sql/create-schema`` (access control requirements): ACCOUNTADMIN holds SYSADMIN
  and SECURITYADMIN, SECURITYADMIN holds USERADMIN; CREATE SCHEMA needs CREATE SCHEMA or
  OWNERSHIP on the database through the role hierarchy, which SECURITYADMIN does not have (it
  manages grants, users and roles); SHOW GRANTS TO ROLE prints a granted role as USAGE on it and
  a database the role owns as OWNERSHIP on it.

It records every statement it receives (``statements``/``writes()``) and can fail the Nth write
(``fail_on_write``). Not modelled: privilege checks of the administrative role other than CREATE
SCHEMA, programmatic access tokens, network policies, managed access schemas, the 10,000-row SHOW
limit.
"""
import base64
import gzip
import hashlib
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ALL = {
    "DATABASE": ["CREATE DATABASE ROLE", "CREATE SCHEMA", "MODIFY", "MONITOR", "USAGE"],
    "WAREHOUSE": ["APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"],
    # "CREATE STREAMLIT" and "CREATE CORTEX SEARCH SERVICE" stand for privileges Snowflake added
    # after the adapter was written.
    "SCHEMA": ["CREATE CORTEX SEARCH SERVICE", "CREATE EXTERNAL TABLE", "CREATE FILE FORMAT",
               "CREATE FUNCTION", "CREATE MATERIALIZED VIEW", "CREATE PIPE", "CREATE PROCEDURE",
               "CREATE SEQUENCE", "CREATE STAGE", "CREATE STREAM", "CREATE STREAMLIT", "CREATE TABLE",
               "CREATE TASK", "CREATE VIEW", "MODIFY", "MONITOR", "USAGE"],
    "TABLE": ["DELETE", "EVOLVE SCHEMA", "INSERT", "REFERENCES", "SELECT", "TRUNCATE", "UPDATE"],
    "VIEW": ["REFERENCES", "SELECT"],
}
# What CREATE USER accepts in the model (a subset of the CREATE USER page's properties).
USER_PROPERTIES = ("PASSWORD", "DEFAULT_ROLE", "RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2", "TYPE", "LOGIN_NAME",
                   "DISPLAY_NAME", "COMMENT")
SYSTEM_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "PUBLIC")


class SqlError(Exception):
    def __init__(self, code, message, sqlstate="42000"):
        Exception.__init__(self, message)
        self.code, self.message, self.sqlstate = code, message, sqlstate


def display(name):
    """A name as SHOW prints it: bare when it reads back the same unquoted, else in quotes."""
    if re.match(r"^[A-Z_][A-Z0-9_$]*$", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def dotted(*parts):
    return ".".join(display(p) for p in parts)


class Tokens:
    """A tiny tokenizer: identifiers (folded), quoted identifiers, string literals, symbols."""

    TOKEN = re.compile(r"""\s*(?:("(?:[^"]|"")*")|('(?:[^'\\]|\\.|'')*')|([A-Za-z_][A-Za-z0-9_$]*)|(\d+)|(\S))""", re.S)

    def __init__(self, text):
        self.items = []
        pos = 0
        text = text.strip().rstrip(";")
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            quoted, string, word, number, sym = m.groups()
            if quoted:
                self.items.append(("ident", quoted[1:-1].replace('""', '"'), quoted))
            elif string:
                body = string[1:-1]
                value = re.sub(r"\\(.)", lambda x: {"n": "\n", "r": "\r", "t": "\t"}.get(x.group(1), x.group(1)),
                               body.replace("''", "\\'"))
                self.items.append(("string", value, string))
            elif word:
                self.items.append(("word", word.upper(), word))
            elif number:
                self.items.append(("number", number, number))
            elif sym:
                self.items.append(("sym", sym, sym))
        self.i = 0

    def peek(self, k=0):
        return self.items[self.i + k] if self.i + k < len(self.items) else (None, None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def at_end(self):
        return self.i >= len(self.items)

    def accept(self, *words):
        for k, w in enumerate(words):
            t = self.peek(k)
            if t[0] not in ("word", "sym") or t[1] != w:
                return False
        self.i += len(words)
        return True

    def expect(self, *words):
        if not self.accept(*words):
            raise SqlError("001003", "SQL compilation error: syntax error near '%s', expected %s"
                           % (self.peek()[2], " ".join(words)))

    def ident(self):
        kind, value, raw = self.take()
        if kind == "ident":
            return value
        if kind == "word":
            return value
        raise SqlError("001003", "SQL compilation error: syntax error unexpected '%s'" % raw)

    def name(self, parts_max=3):
        parts = [self.ident()]
        while len(parts) < parts_max and self.accept("."):
            parts.append(self.ident())
        return parts

    def string(self):
        kind, value, raw = self.take()
        if kind != "string":
            raise SqlError("001003", "SQL compilation error: expected a string, got '%s'" % raw)
        return value

    def rest(self):
        raw = " ".join(t[2] for t in self.items[self.i:])
        self.i = len(self.items)
        return raw


def load_public_key(text):
    """A registered public key: stored as given, a PEM or (what ALTER USER takes) its body."""
    from cryptography.hazmat.primitives import serialization
    text = text.strip()
    if not text.startswith("-----BEGIN"):
        text = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % "".join(text.split())
    return serialization.load_pem_public_key(text.encode())


def fingerprint(text):
    """RSA_PUBLIC_KEY_FP: SHA256: + base64 of the SHA-256 of the key's DER (key-pair-auth page)."""
    from cryptography.hazmat.primitives import serialization
    der = load_public_key(text).public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def like(pattern, value):
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.match("^" + regex + "$", value, re.I | re.S) is not None


class SnowflakeModel:
    """State and SQL of the model, plus the HTTP server (``start``/``stop``)."""

    def __init__(self, account="TESTACCOUNT"):
        self.account = account.upper()
        self.lock = threading.RLock()
        self.databases = {}     # db -> {"owner", "schemas": {s: {"owner", "objects": {n: [kind, owner]}}}}
        self.warehouses = {}    # wh -> owner
        # SHOW ROLES prints the system-defined roles with an empty owner (documented example).
        self.roles = {r: {"owner": ""} for r in SYSTEM_ROLES}
        self.users = {}         # user -> {"password", "default_role", "rsa_public_key", ...}
        # (role, "USER"|"ROLE", grantee). The system-defined role hierarchy: ACCOUNTADMIN holds
        # SYSADMIN and SECURITYADMIN, SECURITYADMIN holds USERADMIN (access-control overview).
        self.role_grants = {("SYSADMIN", "ROLE", "ACCOUNTADMIN"), ("SECURITYADMIN", "ROLE", "ACCOUNTADMIN"),
                            ("USERADMIN", "ROLE", "SECURITYADMIN")}
        self.grants = {}        # (role, on, (parts...), privilege) -> granted_by
        self.future = {}        # (db, schema, on, privilege, role) -> granted_by
        self.oauth_tokens = {}  # token -> user
        self.sessions = {}      # token -> session dict
        self.statements = []    # every sqlText received, in order
        self.logins = []        # (user, authenticator, role) of every successful login
        self.fail_on_write = None
        self.writes_seen = 0
        self.views_as_view = False
        self.server = None
        self.port = None

    # -- setup helpers (tests) -----------------------------------------------------------------
    def add_user(self, name, password=None, roles=(), default_role=None, rsa_public_key=None,
                 rsa_public_key_2=None, type=None):
        self.users[name] = {"password": password, "default_role": default_role, "type": type,
                            "rsa_public_key": rsa_public_key, "rsa_public_key_2": rsa_public_key_2,
                            "created": time.time()}
        for role in roles:
            self.role_grants.add((role, "USER", name))

    def add_admin(self, name="ADMIN", password="admin-pw", **kw):
        self.add_user(name, password, roles=SYSTEM_ROLES[:-1], **kw)

    # -- HTTP ------------------------------------------------------------------------------------
    def start(self):
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip" or body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                url = urlparse(self.path)
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {}
                out = model.handle(url.path, parse_qs(url.query), payload, self.headers)
                raw = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_DELETE = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, path, query, payload, headers):
        with self.lock:
            if path == "/session/v1/login-request":
                return self.login(query, payload.get("data") or {})
            token = re.search(r'Token="([^"]*)"', headers.get("Authorization", "") or "")
            session = self.sessions.get(token.group(1) if token else None)
            if path == "/telemetry/send":
                return {"success": True, "data": None}
            if session is None:
                return {"success": False, "code": "390112", "message": "Your session has expired. Please login again."}
            if path == "/session":
                self.sessions.pop(token.group(1), None)
                return {"success": True, "data": None}
            if path == "/queries/v1/query-request":
                return self.query(session, payload.get("sqlText") or "")
            return {"success": True, "data": None}

    # -- login -----------------------------------------------------------------------------------
    def login(self, query, data):
        def fail(code, message):
            return {"success": False, "code": code, "message": message, "data": {"nextAction": None}}

        if (data.get("ACCOUNT_NAME") or "").upper() != self.account:
            return fail("390201", "The requested account %s does not exist." % data.get("ACCOUNT_NAME"))
        login = data.get("LOGIN_NAME") or ""
        user = login if login in self.users else login.upper() if login.upper() in self.users else None
        auth = (data.get("AUTHENTICATOR") or "SNOWFLAKE").upper()
        if user is None:
            return fail("390100", "Incorrect username or password was specified.")
        record = self.users[user]
        if auth == "SNOWFLAKE_JWT":
            error = self.verify_jwt(user, data.get("TOKEN") or "")
            if error:
                return fail("390144", "JWT token is invalid. [%s]" % error)
        elif auth == "OAUTH":
            if self.oauth_tokens.get(data.get("TOKEN")) != user:
                return fail("390303", "Invalid OAuth access token. [%s]" % (data.get("TOKEN") or "")[:4])
        elif record.get("type") == "SERVICE":
            # Service users sign in with a key pair (or OAuth / a token), never a password.
            return fail("390100", "Incorrect username or password was specified.")
        elif record["password"] is None or data.get("PASSWORD") != record["password"]:
            return fail("390100", "Incorrect username or password was specified.")
        role = (query.get("roleName") or [""])[0] or record["default_role"] or "PUBLIC"
        role = Tokens(role).ident() if role else "PUBLIC"
        if role != "PUBLIC" and (role, "USER", user) not in self.role_grants:
            return fail("390189", "Role '%s' specified in the connect string is not granted to this user. "
                                  "Contact your local system administrator, or attempt to login with "
                                  "another role, e.g. PUBLIC." % role)
        session = {"user": user, "role": role, "database": None, "schema": None, "warehouse": None}
        for key, param in (("database", "databaseName"), ("schema", "schemaName"), ("warehouse", "warehouse")):
            value = (query.get(param) or [""])[0]
            if value:
                session[key] = Tokens(value).ident()
        # As Snowflake does: a database, schema or warehouse the role cannot use is left unset.
        if session["warehouse"] and not self.can(role, "WAREHOUSE", (session["warehouse"],), "USAGE"):
            session["warehouse"] = None
        if session["database"] and not self.can(role, "DATABASE", (session["database"],), "USAGE"):
            session["database"] = session["schema"] = None
        if session["schema"] and not self.can(role, "SCHEMA", (session["database"], session["schema"]), "USAGE"):
            session["schema"] = None
        token = uuid.uuid4().hex
        self.sessions[token] = session
        self.logins.append((user, auth, role))
        return {"success": True, "code": None, "message": None, "data": {
            "token": token, "masterToken": "m" + token, "validityInSeconds": 3600,
            "masterValidityInSeconds": 14400, "sessionId": len(self.logins), "parameters": [],
            "sessionInfo": {"databaseName": session["database"], "schemaName": session["schema"],
                            "warehouseName": session["warehouse"], "roleName": role}}}

    def verify_jwt(self, user, token):
        """The JWT's RS256 signature must verify against the key in RSA_PUBLIC_KEY or in
        RSA_PUBLIC_KEY_2, and its issuer name that key's fingerprint (key-pair-auth page)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        slots = [k for k in (self.users[user]["rsa_public_key"], self.users[user].get("rsa_public_key_2")) if k]
        if not slots:
            return "no RSA public key registered for the user"

        def pad(text):
            return text + "=" * (-len(text) % 4)

        try:
            head, body, sig = token.split(".")
            claims = json.loads(base64.urlsafe_b64decode(pad(body)))
        except ValueError:
            return "malformed token"
        for pem in slots:
            key = load_public_key(pem)
            try:
                key.verify(base64.urlsafe_b64decode(pad(sig)), (head + "." + body).encode(),
                           padding.PKCS1v15(), hashes.SHA256())
            except (ValueError, InvalidSignature):
                continue
            expected = "%s.%s" % (self.account, user.upper())
            if claims.get("sub") != expected or claims.get("iss") != expected + "." + fingerprint(pem):
                return "issuer or subject does not match %s" % expected
            if claims.get("exp", 0) < time.time():
                return "expired"
            return None
        return "signature does not verify against the registered public keys"

    # -- queries ---------------------------------------------------------------------------------
    def query(self, session, sql):
        self.statements.append(sql)
        try:
            columns, rows = self.execute(session, sql)
        except SqlError as exc:
            return {"success": False, "code": exc.code, "message": exc.message,
                    "data": {"sqlState": exc.sqlstate, "queryId": uuid.uuid4().hex, "errorCode": exc.code}}
        rowtype = [{"name": c, "type": "text", "nullable": True, "length": 16777216, "precision": None,
                    "scale": None, "byteLength": 16777216, "database": "", "schema": "", "table": ""}
                   for c in columns]
        return {"success": True, "code": None, "message": None, "data": {
            "rowtype": rowtype, "rowset": [[None if v is None else str(v) for v in r] for r in rows],
            "total": len(rows), "returned": len(rows), "queryId": uuid.uuid4().hex,
            "queryResultFormat": "json", "finalDatabaseName": session["database"],
            "finalSchemaName": session["schema"], "finalWarehouseName": session["warehouse"],
            "finalRoleName": session["role"], "parameters": []}}

    def writes(self):
        return [s for s in self.statements if not re.match(r"\s*(SHOW|SELECT|DESC)\b", s, re.I)]

    def execute(self, session, sql):
        t = Tokens(sql)
        if t.accept("SHOW"):
            return self.show(session, t)
        if t.accept("DESC", "USER") or t.accept("DESCRIBE", "USER"):
            return self.describe_user(t.ident())
        if t.accept("SELECT"):
            return self.select(session, t)
        self.writes_seen += 1
        if self.fail_on_write is not None and self.writes_seen == self.fail_on_write:
            raise SqlError("000603", "SQL execution internal error: Processing aborted due to error "
                                     "300010:391167117; incident 1234567.", "XX000")
        if t.accept("CREATE"):
            return self.create(session, t)
        if t.accept("ALTER", "USER"):
            return self.alter_user(t)
        if t.accept("GRANT"):
            return self.grant(session, t, revoke=False)
        if t.accept("REVOKE"):
            return self.grant(session, t, revoke=True)
        if t.accept("USE"):
            return ["status"], [["Statement executed successfully."]]
        raise SqlError("001003", "SQL compilation error: syntax error line 1 at position 0 unexpected '%s'."
                       % sql.split()[0] if sql.split() else "")

    def status(self, text="Statement executed successfully."):
        return ["status"], [[text]]

    # Objects ---------------------------------------------------------------------------------------
    def db(self, name):
        if name not in self.databases:
            raise SqlError("002003", "SQL compilation error:\nDatabase '%s' does not exist or not authorized." % name, "02000")
        return self.databases[name]

    def schema(self, db, name):
        schemas = self.db(db)["schemas"]
        if name not in schemas:
            raise SqlError("002003", "SQL compilation error:\nSchema '%s.%s' does not exist or not authorized."
                           % (db, name), "02000")
        return schemas[name]

    def role(self, name):
        if name not in self.roles:
            raise SqlError("002003", "SQL compilation error:\nRole '%s' does not exist or not authorized." % name, "02000")
        return name

    def qualify(self, session, parts, want):
        """A name of ``want`` parts, completed with the session's database (and schema)."""
        context = [session["database"], session["schema"]][:want - 1]
        missing = want - len(parts)
        if missing > 0:
            fill = context[:missing]
            if None in fill:
                raise SqlError("090105", "Cannot perform operation. This session does not have a current database.")
            parts = fill + list(parts)
        return tuple(parts)

    def create(self, session, t):
        t.accept("OR", "REPLACE")
        t.accept("TRANSIENT")
        kind = t.take()[1]
        exists = t.accept("IF", "NOT", "EXISTS")
        if kind == "ROLE":
            name = t.ident()
            if name in self.roles:
                if exists:
                    return self.status("%s already exists, statement succeeded." % name)
                raise SqlError("002002", "SQL compilation error:\nObject '%s' already exists." % name)
            self.roles[name] = {"owner": session["role"]}
            self.grants[(session["role"], "ROLE", (name,), "OWNERSHIP")] = session["role"]
            return self.status("Role %s successfully created." % name)
        if kind == "USER":
            name = t.ident()
            if name in self.users:
                if exists:
                    return self.status("%s already exists, statement succeeded." % name)
                raise SqlError("002002", "SQL compilation error:\nObject '%s' already exists." % name)
            props = self.properties(t)
            unknown = set(props) - set(USER_PROPERTIES)
            if unknown:
                raise SqlError("001003", "SQL compilation error: invalid property '%s' for 'USER'" % sorted(unknown)[0])
            self.check_user(name, props.get("TYPE"), props.get("PASSWORD"))
            for key in ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2"):
                if props.get(key):
                    self.check_key(props[key])
            self.add_user(name, props.get("PASSWORD"), default_role=props.get("DEFAULT_ROLE"),
                          rsa_public_key=props.get("RSA_PUBLIC_KEY"), rsa_public_key_2=props.get("RSA_PUBLIC_KEY_2"),
                          type=props.get("TYPE"))
            return self.status("User %s successfully created." % name)
        if kind == "DATABASE":
            name = t.ident()
            if name not in self.databases:
                self.databases[name] = {"owner": session["role"], "schemas": {}}
                self.databases[name]["schemas"]["PUBLIC"] = {"owner": session["role"], "objects": {}}
            return self.status()
        if kind == "WAREHOUSE":
            name = t.ident()
            self.warehouses.setdefault(name, session["role"])
            return self.status()
        if kind == "SCHEMA":
            db, name = self.qualify(session, t.name(2), 2)
            schemas = self.db(db)["schemas"]
            if name not in schemas and not self.may_create_schema(session["role"], db):
                # CREATE SCHEMA needs CREATE SCHEMA (or OWNERSHIP) on the database, held by the
                # role or one it inherits: SECURITYADMIN has MANAGE GRANTS, not that.
                raise SqlError("003001", "SQL access control error:\nInsufficient privileges to operate on "
                                         "database '%s'" % db)
            if name in schemas:
                if exists:
                    return self.status("%s already exists, statement succeeded." % name)
                raise SqlError("002002", "SQL compilation error:\nObject '%s' already exists." % name)
            schemas[name] = {"owner": session["role"], "objects": {}}
            return self.status("Schema %s successfully created." % name)
        if kind in ("TABLE", "VIEW"):
            db, schema, name = self.qualify(session, t.name(3), 3)
            objects = self.schema(db, schema)["objects"]
            if name in objects and not exists:
                raise SqlError("002002", "SQL compilation error:\nObject '%s' already exists." % name)
            if name not in objects:
                objects[name] = [kind, session["role"]]
                for (fdb, fschema, on, privilege, role), by in list(self.future.items()):
                    if (fdb, fschema, on) == (db, schema, kind):
                        self.grants[(role, kind, (db, schema, name), privilege)] = by
                self.grants[(objects[name][1], kind, (db, schema, name), "OWNERSHIP")] = session["role"]
            t.rest()
            return self.status("%s %s successfully created." % (kind.title(), name))
        raise SqlError("001003", "SQL compilation error: unsupported CREATE %s in the model" % kind)

    def properties(self, t):
        props = {}
        while not t.at_end():
            key = t.take()[1]
            t.expect("=")
            kind, value, raw = t.take()
            props[key] = value
        return props

    def check_user(self, name, user_type, password):
        if user_type not in (None, "PERSON", "SERVICE", "LEGACY_SERVICE"):
            raise SqlError("001003", "SQL compilation error: invalid value '%s' for property 'TYPE'" % user_type)
        if user_type == "SERVICE" and password:
            # CREATE USER: a SERVICE user cannot have PASSWORD (nor MFA, FIRST_NAME, ...).
            raise SqlError("001003", "SQL compilation error: invalid property 'PASSWORD' for user %s of "
                                     "TYPE=SERVICE" % name)

    def check_key(self, text):
        try:
            key = load_public_key(text)
        except ValueError:
            raise SqlError("001420", "Invalid RSA public key: it must be a base64-encoded public key without "
                                     "the -----BEGIN/END PUBLIC KEY----- lines")
        if key.key_size < 2048:
            raise SqlError("001420", "Invalid RSA public key: at least 2048 bits are required")

    def alter_user(self, t):
        name = t.ident()
        if name not in self.users:
            raise SqlError("002003", "SQL compilation error:\nUser '%s' does not exist or not authorized." % name, "02000")
        user = self.users[name]
        fields = {"PASSWORD": "password", "DEFAULT_ROLE": "default_role", "RSA_PUBLIC_KEY": "rsa_public_key",
                  "RSA_PUBLIC_KEY_2": "rsa_public_key_2", "TYPE": "type"}
        if t.accept("UNSET"):
            while not t.at_end():
                key = t.take()[1]
                if key not in fields:
                    raise SqlError("001003", "SQL compilation error: invalid property '%s' for 'USER'" % key)
                user[fields[key]] = None
                t.accept(",")
            return self.status()
        t.expect("SET")
        props = self.properties(t)
        for key, value in props.items():
            if key not in fields:
                raise SqlError("001003", "SQL compilation error: invalid property '%s' for 'USER'" % key)
            if key.startswith("RSA_PUBLIC_KEY"):
                self.check_key(value)
        self.check_user(name, props.get("TYPE", user.get("type")), props.get("PASSWORD", user.get("password")))
        for key, value in props.items():
            user[fields[key]] = value
        return self.status()

    def describe_user(self, name):
        """DESC USER: one row per property (property, value, default, description); unset values
        print as null; each key slot with its fingerprint (DESCRIBE USER, key-pair-auth pages)."""
        if name not in self.users:
            raise SqlError("002003", "SQL compilation error:\nUser '%s' does not exist or not authorized." % name, "02000")
        user = self.users[name]

        def value(v):
            return "null" if v in (None, "") else v
        rows = [("NAME", name, "null", "Name"), ("COMMENT", "null", "null", "user comment associated to an object"),
                ("DISPLAY_NAME", name, "null", "Display name of the associated object"),
                ("TYPE", value(user.get("type")), "null", "Type of the user"),
                ("LOGIN_NAME", name, "null", "Login name of the user"),
                ("PASSWORD", "********" if user.get("password") else "null", "null", "Password of the user"),
                ("DISABLED", "false", "false", "Whether the user is disabled"),
                ("DEFAULT_ROLE", value(user.get("default_role")), "null", "Primary principal of user session will be set to this role"),
                ("RSA_PUBLIC_KEY", value(user.get("rsa_public_key")), "null", "RSA public key of the user"),
                ("RSA_PUBLIC_KEY_FP", fingerprint(user["rsa_public_key"]) if user.get("rsa_public_key") else "null",
                 "null", "Fingerprint of user's RSA public key."),
                ("RSA_PUBLIC_KEY_2", value(user.get("rsa_public_key_2")), "null", "Second RSA public key of the user"),
                ("RSA_PUBLIC_KEY_2_FP", fingerprint(user["rsa_public_key_2"]) if user.get("rsa_public_key_2") else "null",
                 "null", "Fingerprint of user's second RSA public key."),
                ("HAS_MFA", "false", "false", "Whether the user is enrolled for multi-factor authentication")]
        return ["property", "value", "default", "description"], [list(r) for r in rows]

    # Grants ----------------------------------------------------------------------------------------
    def grant(self, session, t, revoke):
        if t.accept("ROLE"):
            role = self.role(t.ident())
            t.expect("FROM" if revoke else "TO")
            kind = t.take()[1]
            grantee = t.ident()
            if kind == "USER" and grantee not in self.users:
                raise SqlError("002003", "SQL compilation error:\nUser '%s' does not exist or not authorized." % grantee, "02000")
            if revoke:
                self.role_grants.discard((role, kind, grantee))
            else:
                self.role_grants.add((role, kind, grantee))
            return self.status()
        privileges = []
        while True:
            words = []
            while t.peek()[0] == "word" and t.peek()[1] not in ("ON",) and not (words and t.peek()[1] == "PRIVILEGES"):
                words.append(t.take()[1])
            t.accept("PRIVILEGES")
            privileges.append(" ".join(words))
            if not t.accept(","):
                break
        t.expect("ON")
        targets = self.targets(session, t)
        t.expect("FROM" if revoke else "TO")
        t.expect("ROLE")
        role = self.role(t.ident())
        copy = t.accept("COPY", "CURRENT", "GRANTS")
        for scope, on, parts in targets:
            for privilege in privileges:
                if privilege == "OWNERSHIP":
                    self.transfer(on, parts, role, copy, session)
                    continue
                names = ALL[on] if privilege == "ALL" else [privilege]
                for name in names:
                    if name not in ALL[on]:
                        raise SqlError("003011", "SQL compilation error:\nInvalid privilege %s for %s." % (name, on.lower()))
                    if scope == "future":
                        key = (parts[0], parts[1], on, name, role)
                        if revoke:
                            self.future.pop(key, None)
                        else:
                            self.future.setdefault(key, session["role"])
                    else:
                        key = (role, on, parts, name)
                        if revoke:
                            self.grants.pop(key, None)
                        else:
                            self.grants.setdefault(key, session["role"])
        return self.status()

    def transfer(self, on, parts, role, copy, session):
        if on != "SCHEMA":
            raise SqlError("001003", "SQL compilation error: the model transfers ownership of schemas only")
        schema = self.schema(*parts)
        old = schema["owner"]
        schema["owner"] = role
        self.grants.pop((old, "SCHEMA", parts, "OWNERSHIP"), None)
        self.grants[(role, "SCHEMA", parts, "OWNERSHIP")] = session["role"]

    def targets(self, session, t):
        if t.accept("ALL") or t.accept("FUTURE"):
            scope = "all" if t.items[t.i - 1][1] == "ALL" else "future"
            what = t.take()[1]
            on = {"TABLES": "TABLE", "VIEWS": "VIEW"}.get(what)
            if on is None:
                raise SqlError("001003", "SQL compilation error: unsupported ON %s %s" % (scope.upper(), what))
            t.expect("IN", "SCHEMA")
            db, schema = self.qualify(session, t.name(2), 2)
            objects = self.schema(db, schema)["objects"]
            if scope == "future":
                return [("future", on, (db, schema))]
            return [("object", on, (db, schema, n)) for n, (kind, owner) in sorted(objects.items()) if kind == on]
        on = t.take()[1]
        if on == "DATABASE":
            name = t.ident()
            self.db(name)
            return [("object", on, (name,))]
        if on == "WAREHOUSE":
            name = t.ident()
            if name not in self.warehouses:
                raise SqlError("002003", "SQL compilation error:\nWarehouse '%s' does not exist or not authorized." % name, "02000")
            return [("object", on, (name,))]
        if on == "SCHEMA":
            parts = self.qualify(session, t.name(2), 2)
            self.schema(*parts)
            return [("object", on, parts)]
        if on in ("TABLE", "VIEW"):
            parts = self.qualify(session, t.name(3), 3)
            objects = self.schema(parts[0], parts[1])["objects"]
            if parts[2] not in objects or objects[parts[2]][0] != on:
                raise SqlError("002003", "SQL compilation error:\n%s '%s' does not exist or not authorized."
                               % (on.title(), ".".join(parts)), "02000")
            return [("object", on, parts)]
        raise SqlError("001003", "SQL compilation error: unsupported object type %s in the model" % on)

    def inherited(self, role):
        """The role and every role granted to it, recursively (the role hierarchy)."""
        seen, todo = set(), [role]
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.add(r)
                todo += [g[0] for g in self.role_grants if g[1] == "ROLE" and g[2] == r]
        return seen

    def may_create_schema(self, role, db):
        roles = self.inherited(role)
        return self.db(db)["owner"] in roles or any(
            (r, "DATABASE", (db,), p) in self.grants for r in roles for p in ("CREATE SCHEMA", "OWNERSHIP"))

    def can(self, role, on, parts, privilege):
        if role in ("ACCOUNTADMIN", "SYSADMIN", "SECURITYADMIN"):
            return True
        return (role, on, parts, privilege) in self.grants or (role, on, parts, "OWNERSHIP") in self.grants

    # SHOW ------------------------------------------------------------------------------------------
    def show(self, session, t):
        created = "2026-12-01 03:00:00.000 -0800"
        if t.accept("FUTURE", "GRANTS", "IN", "SCHEMA"):
            db, schema = self.qualify(session, t.name(2), 2)
            self.schema(db, schema)
            cols = ["created_on", "privilege", "grant_on", "name", "grant_to", "grantee_name", "grant_option"]
            rows = [[created, p, on, "%s.<%s>" % (dotted(d, s), on), "ROLE", r, "false"]
                    for (d, s, on, p, r) in sorted(self.future) if (d, s) == (db, schema)]
            return cols, rows
        if t.accept("GRANTS", "TO", "ROLE"):
            role = self.role(t.ident())
            # granted_by_role_type is printed by SHOW GRANTS ON only (the page's usage notes).
            cols = ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option",
                    "granted_by"]
            rows = []
            for (r, on, parts, p), by in sorted(self.grants.items()):
                if r != role:
                    continue
                shown = "TABLE" if on == "VIEW" and not self.views_as_view else on
                # OWNERSHIP carries the grant option (grant_option true in the documented examples).
                rows.append([created, p, shown, dotted(*parts), "ROLE", role,
                             "true" if p == "OWNERSHIP" else "false", by])
            # A role granted to the role is printed as USAGE on it; a database the role owns as
            # OWNERSHIP on it (SHOW GRANTS, examples and usage notes).
            for (r, kind, grantee) in sorted(self.role_grants):
                if kind == "ROLE" and grantee == role:
                    rows.append([created, "USAGE", "ROLE", display(r), "ROLE", role, "false", "SECURITYADMIN"])
            for name, database in sorted(self.databases.items()):
                if database["owner"] == role and (role, "DATABASE", (name,), "OWNERSHIP") not in self.grants:
                    rows.append([created, "OWNERSHIP", "DATABASE", display(name), "ROLE", role, "true", role])
            return cols, rows
        if t.accept("GRANTS", "OF", "ROLE"):
            role = self.role(t.ident())
            cols = ["created_on", "role", "granted_to", "grantee_name", "granted_by"]
            return cols, [[created, role, kind, g, "SECURITYADMIN"]
                          for (r, kind, g) in sorted(self.role_grants) if r == role]
        what = t.take()[1]
        pattern = None
        if t.accept("LIKE"):
            pattern = t.string()
        if what == "ROLES":
            cols = ["created_on", "name", "is_default", "is_current", "is_inherited", "assigned_to_users",
                    "granted_to_roles", "granted_roles", "owner", "comment"]
            user = self.users.get(session.get("user")) or {}

            def yes(flag):
                return "Y" if flag else "N"
            # is_inherited: granted directly to the current role (no deeper hierarchy modelled).
            rows = [[created, n, yes(n == user.get("default_role")), yes(n == session["role"]),
                     yes((n, "ROLE", session["role"]) in self.role_grants),
                     str(sum(1 for g in self.role_grants if g[0] == n and g[1] == "USER")),
                     str(sum(1 for g in self.role_grants if g[0] == n and g[1] == "ROLE")),
                     str(sum(1 for g in self.role_grants if g[1] == "ROLE" and g[2] == n)),
                     r["owner"], ""]
                    for n, r in sorted(self.roles.items()) if pattern is None or like(pattern, n)]
            return cols, rows
        if what == "USERS":
            cols = ["name", "created_on", "login_name", "display_name", "first_name", "last_name", "email",
                    "mins_to_unlock", "days_to_expiry", "comment", "disabled", "must_change_password",
                    "snowflake_lock", "default_warehouse", "default_namespace", "default_role",
                    "default_secondary_roles", "ext_authn_duo", "ext_authn_uid", "mins_to_bypass_mfa", "owner",
                    "last_success_login", "expires_at_time", "locked_until_time", "has_password",
                    "has_rsa_public_key", "type", "has_mfa", "has_workload_identity"]
            rows = [[n, created, n, n, "", "", "", "", "", "", "false", "false", "false", "", "",
                     u["default_role"] or "", "", "false", "", "", "SECURITYADMIN", "", "", "",
                     "true" if u["password"] else "false",
                     "true" if u["rsa_public_key"] or u.get("rsa_public_key_2") else "false",
                     u.get("type"), "false", "false"]
                    for n, u in sorted(self.users.items()) if pattern is None or like(pattern, n)]
            return cols, rows
        if what == "WAREHOUSES":
            cols = ["name", "state", "type", "size", "min_cluster_count", "max_cluster_count", "started_clusters",
                    "running", "queued", "is_default", "is_current", "auto_suspend", "auto_resume", "available",
                    "provisioning", "quiescing", "other", "created_on", "resumed_on", "updated_on", "owner",
                    "comment", "enable_query_acceleration", "query_acceleration_max_scale_factor",
                    "resource_monitor", "scaling_policy", "owner_role_type", "resource_constraint"]
            rows = [[n, "SUSPENDED", "STANDARD", "X-Small", "1", "1", "0", "0", "0", "N", "N", "600", "true",
                     "", "", "", "", created, created, created, o, "", "false", "8", "null", "STANDARD", "ROLE",
                     "STANDARD_GEN_1"]
                    for n, o in sorted(self.warehouses.items()) if pattern is None or like(pattern, n)]
            return cols, rows
        if what == "SCHEMAS":
            t.expect("IN")
            t.accept("DATABASE")
            db = t.ident()
            cols = ["created_on", "name", "is_default", "is_current", "database_name", "owner", "comment",
                    "options", "retention_time", "owner_role_type", "object_visibility"]
            # Every database lists INFORMATION_SCHEMA, owned by no role (documented example).
            schemas = dict((n, (s["owner"], "")) for n, s in self.db(db)["schemas"].items())
            schemas["INFORMATION_SCHEMA"] = ("", "Views describing the contents of schemas in this database")
            current = (session.get("database"), session.get("schema"))
            return cols, [[created, n, "N", "Y" if current == (db, n) else "N", db, owner, comment, "", "1", "ROLE",
                           None]
                          for n, (owner, comment) in sorted(schemas.items()) if pattern is None or like(pattern, n)]
        if what == "OBJECTS":
            t.expect("IN")
            t.accept("SCHEMA")
            db, schema = self.qualify(session, t.name(2), 2)
            cols = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows",
                    "bytes", "owner", "retention_time", "owner_role_type", "budget"]
            return cols, [[created, n, db, schema, kind, "", "", "0", "0", owner, "1", "ROLE", None]
                          for n, (kind, owner) in sorted(self.schema(db, schema)["objects"].items())]
        raise SqlError("001003", "SQL compilation error: the model does not know SHOW %s" % what)

    def select(self, session, t):
        cols, row = [], []
        while not t.at_end():
            fn = t.take()[1]
            t.expect("(")
            t.expect(")")
            value = {"CURRENT_ROLE": session["role"], "CURRENT_USER": session["user"],
                     "CURRENT_WAREHOUSE": session["warehouse"], "CURRENT_DATABASE": session["database"],
                     "CURRENT_SCHEMA": session["schema"]}.get(fn, "?")
            label = fn + "()"
            if t.accept("AS"):
                label = t.ident()
            cols.append(label)
            row.append(value)
            t.accept(",")
        return cols, [row]

    # -- what tests assert on ---------------------------------------------------------------------------
    def privileges_of(self, role):
        """The role's explicit privileges as text lines (OWNERSHIP excluded), future grants included."""
        lines = set()
        for (r, on, parts, p) in self.grants:
            if r == role and p != "OWNERSHIP":
                lines.add("%s ON %s %s" % (p, on, ".".join(parts)))
        for (d, s, on, p, r) in self.future:
            if r == role:
                lines.add("%s ON FUTURE %sS IN SCHEMA %s.%s" % (p, on, d, s))
        return lines
