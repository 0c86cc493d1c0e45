"""Helpers for the profiles_grants integration tests (imported by conftest.py and the tests)."""
import contextlib
import os
import re
import time
import uuid

# MODEL, not Redshift: views named and shaped like Redshift's svv_* privilege views (columns from
# the AWS docs), built over PostgreSQL's aclexplode so that the redshift adapter's own queries can
# run against a real server. They live in the test database only, never in the adapter.
REDSHIFT_MODEL = """
CREATE SCHEMA redshift_model;
CREATE VIEW redshift_model.svv_roles AS
  SELECT oid::bigint AS role_id, rolname::text AS role_name, NULL::text AS role_owner,
         NULL::text AS external_id FROM pg_roles WHERE NOT rolcanlogin;
CREATE VIEW redshift_model.svv_schema_privileges AS
  SELECT n.nspname::text AS namespace_name, a.privilege_type::text AS privilege_type,
         a.grantee::bigint AS identity_id,
         CASE WHEN a.grantee = 0 THEN 'public' ELSE r.rolname::text END AS identity_name,
         CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'role' END
           AS identity_type,
         a.is_grantable AS admin_option, 'SCHEMA'::text AS privilege_scope
    FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee;
CREATE VIEW redshift_model.svv_relation_privileges AS
  SELECT n.nspname::text AS namespace_name, c.relname::text AS relation_name,
         a.privilege_type::text AS privilege_type, a.grantee::bigint AS identity_id,
         CASE WHEN a.grantee = 0 THEN 'public' ELSE r.rolname::text END AS identity_name,
         CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'role' END
           AS identity_type,
         a.is_grantable AS admin_option
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
   WHERE c.relkind IN ('r', 'v');
CREATE VIEW redshift_model.svv_default_privileges AS
  SELECT n.nspname::text AS schema_name, 'RELATION'::text AS object_type,
         d.defaclrole::bigint AS owner_id, pg_get_userbyid(d.defaclrole)::text AS owner_name,
         'user'::text AS owner_type, a.privilege_type::text AS privilege_type,
         a.grantee::bigint AS grantee_id, r.rolname::text AS grantee_name,
         CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'role' END
           AS grantee_type,
         a.is_grantable AS admin_option
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
         CROSS JOIN LATERAL aclexplode(d.defaclacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
   WHERE d.defaclobjtype = 'r';
CREATE VIEW redshift_model.svv_database_privileges AS
  SELECT d.datname::text AS database_name, a.privilege_type::text AS privilege_type,
         a.grantee::bigint AS identity_id, r.rolname::text AS identity_name,
         CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'role' END
           AS identity_type,
         a.is_grantable AS admin_option
    FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee;
CREATE VIEW redshift_model.svv_language_privileges AS
  SELECT l.lanname::text AS language_name, a.privilege_type::text AS privilege_type,
         a.grantee::bigint AS identity_id, r.rolname::text AS identity_name,
         CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'role' END
           AS identity_type,
         a.is_grantable AS admin_option
    FROM pg_language l CROSS JOIN LATERAL aclexplode(l.lanacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee;
GRANT USAGE ON SCHEMA redshift_model TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA redshift_model TO PUBLIC;  -- Redshift: visible to all users
-- Stand-in for Redshift's plpythonu (docs/testing.md): trusted, and PUBLIC's default USAGE removed so a
-- check cannot pass through PUBLIC.
CREATE TRUSTED LANGUAGE plpythonu HANDLER plpgsql_call_handler;
REVOKE USAGE ON LANGUAGE plpythonu FROM PUBLIC;
"""


APPLICATION_NAME = "rudderstack.profiles"   # what the grants adapters connect as (libpq.py)
# log_line_prefix that puts the application name in every line of the server log.
APP_LOG_LINE_PREFIX = "%m [%p] |%a| "


class ServerLog:
    """The PostgreSQL server log (log_statement=all, application name in every line), read
    from a mark: every statement the server received, and who sent it."""

    ENTRY = re.compile(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)
        return self.offset

    def text(self, since=None):
        with open(self.path, "rb") as handle:
            handle.seek(self.offset if since is None else since)
            return handle.read().decode("utf-8", "replace")

    def statements(self, since=None, application=APPLICATION_NAME):
        """Statements logged since the mark by sessions of ``application``."""
        out = []
        for entry in self.ENTRY.split(self.text(since)):
            if "LOG:  statement: " not in entry:
                continue
            prefix, statement = entry.split("LOG:  statement: ", 1)
            if application is None or ("|%s|" % application) in prefix:
                out.append(statement.rstrip("\n"))
        return out


@contextlib.contextmanager
def statement_logging(pg):
    """log_statement=all with the application name in every line, while in the block; yields
    the ServerLog of the ``pg`` fixture's server (it logs to DATADIR/server.log)."""
    import psycopg2
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                            dbname="postgres")
    conn.autocommit = True
    run_sql(conn, "ALTER SYSTEM SET log_statement = 'all'")
    run_sql(conn, "ALTER SYSTEM SET log_line_prefix = %s", (APP_LOG_LINE_PREFIX,))
    run_sql(conn, "SELECT pg_reload_conf()")
    time.sleep(0.3)  # the reload is signalled; let the postmaster apply it before new sessions
    try:
        yield ServerLog(os.path.join(pg["socket_dir"], "server.log"))
    finally:
        run_sql(conn, "ALTER SYSTEM RESET log_statement")
        run_sql(conn, "ALTER SYSTEM RESET log_line_prefix")
        run_sql(conn, "SELECT pg_reload_conf()")
        conn.close()


def reconnect(info):
    import psycopg2
    conn = psycopg2.connect(host=info["host"], port=info["port"], user=info["user"],
                            password=info["password"], dbname=info["dbname"])
    conn.autocommit = True
    info["run"] = lambda sql, params=None: run_sql(conn, sql, params)
    return conn


def run_sql(conn, sql, params=None):
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = cur.fetchall() if cur.description else None
    cur.close()
    return rows


def unique(prefix):
    return "%s_%s" % (prefix, uuid.uuid4().hex[:8])


def login_args(info, **extra):
    """Module options that connect as the superuser to ``info``'s database."""
    args = {"login_host": info["host"], "login_port": info["port"], "login_user": info["user"],
            "login_password": info["password"], "login_db": info["dbname"], "connect_timeout": 5}
    args.update(extra)
    return args


def privileges(info, principal):
    """Explicit privileges ``principal`` holds in ``info``'s database, read from the catalog
    independently of the module (text lines like the module's plan)."""
    rows = info["run"]("""
        WITH p AS (SELECT oid FROM pg_roles WHERE rolname = %(p)s)
        SELECT format('%%s ON DATABASE %%I', a.privilege_type, d.datname)
          FROM pg_database d, aclexplode(d.datacl) a, p WHERE d.datname = current_database() AND a.grantee = p.oid
        UNION ALL
        SELECT format('%%s ON SCHEMA %%I', a.privilege_type, n.nspname)
          FROM pg_namespace n, aclexplode(n.nspacl) a, p WHERE a.grantee = p.oid
        UNION ALL
        SELECT format('%%s ON TABLE %%I.%%I', a.privilege_type, n.nspname, c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a, p
         WHERE a.grantee = p.oid AND c.relowner <> p.oid
        UNION ALL
        SELECT format('%%s ON FUTURE TABLES OF %%I IN SCHEMA %%I', a.privilege_type,
                      pg_get_userbyid(d.defaclrole), n.nspname)
          FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a, p
         WHERE a.grantee = p.oid
        UNION ALL
        SELECT format('%%s ON LANGUAGE %%I', a.privilege_type, l.lanname)
          FROM pg_language l, aclexplode(l.lanacl) a, p WHERE a.grantee = p.oid
    """, {"p": principal})
    return set(r[0] for r in rows)


class StatementLog:
    """Counts statements the server received between mark() and statements(), from the server
    log with log_statement=all (the server of the pg fixture logs to DATADIR/server.log)."""

    def __init__(self, pg, conn):
        self.path = os.path.join(pg["socket_dir"], "server.log")
        self.conn = conn
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def statements(self):
        with open(self.path, encoding="utf-8", errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
        # An entry starts with the timestamp of log_line_prefix; continuation lines do not.
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
        return [e.split("LOG:  statement: ", 1)[1].strip() for e in entries if "LOG:  statement: " in e]

    def writes(self):
        keywords = ("GRANT", "REVOKE", "CREATE", "ALTER", "DROP")
        return [s for s in self.statements() if s.lstrip().upper().startswith(keywords)]


# -- "No statement runs with an unquoted user value": the shapes of every statement the grants
# adapters send, once quoted identifiers are replaced by Q and literals (bound values) by L.
_QUOTED = re.compile(r'"(?:[^"]|"")*"|(?:\bE)?\'(?:[^\']|\'\')*\'')
_PRIVS = r"[A-Z]+(?: [A-Z]+)?(?:, [A-Z]+(?: [A-Z]+)?)*"
_GRANTEE = r"(?:ROLE )?Q"
STATEMENT_SHAPES = [re.compile("^%s$" % shape) for shape in (
    r"BEGIN", r"COMMIT", r"ROLLBACK",
    r"CREATE ROLE Q(?: WITH LOGIN)?(?: PASSWORD L)?",
    r"CREATE USER Q PASSWORD (?:L|DISABLE)",
    r"ALTER ROLE Q WITH (?:LOGIN|PASSWORD L)",
    r"ALTER USER Q PASSWORD L",
    r"CREATE SCHEMA Q(?: AUTHORIZATION Q)?",
    r"(?:GRANT|REVOKE) %s ON (?:DATABASE|SCHEMA|LANGUAGE|ALL TABLES IN SCHEMA) Q (?:TO|FROM) %s" % (_PRIVS, _GRANTEE),
    r"(?:GRANT|REVOKE) %s ON TABLE Q\.Q(?:, Q\.Q)* (?:TO|FROM) %s" % (_PRIVS, _GRANTEE),
    r"ALTER DEFAULT PRIVILEGES FOR USER Q IN SCHEMA Q (?:GRANT|REVOKE) %s ON TABLES (?:TO|FROM) %s"
    % (_PRIVS, _GRANTEE),
)]


def skeleton(sql):
    """``sql`` with quoted identifiers as Q, literals (and arrays or tuples of them) as L, and
    whitespace collapsed."""
    text = _QUOTED.sub(lambda m: "Q" if m.group(0).startswith('"') else "L", sql)
    text = re.sub(r"ARRAY\[L(?:\s*,\s*L)*\]", "L", text)
    text = re.sub(r"\(L(?:\s*,\s*L)*\)", "L", text)
    return " ".join(text.split())


def read_query_skeletons():
    """The adapters' catalog queries, with their %(name)s parameters as L."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import postgres, redshift
    queries = [postgres.READ_STATE] + [v for k, v in vars(redshift).items() if k.startswith("Q_")]
    return set(skeleton(re.sub(r"%\(\w+\)s", "'x'", q).replace("%%", "%")) for q in queries)


def unquoted_statements(statements):
    """Statements whose shape is none of the known ones: a user value that was neither a quoted
    identifier nor a bound literal would leave a bare word and show up here."""
    reads = read_query_skeletons()
    return [s for s in statements
            if skeleton(s) not in reads and not any(shape.match(skeleton(s)) for shape in STATEMENT_SHAPES)]
