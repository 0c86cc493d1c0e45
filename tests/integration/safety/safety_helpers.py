"""Machinery of the safety suite: the secret scanner, snapshots of a directory tree and of the
warehouse catalog, the server's statement log, ansible-playbook runs with -vvv, and the warehouse
rows every table-driven test iterates over.

A warehouse that lands later is one more row in WAREHOUSES: a class with the hooks WarehouseRow
declares (how to prepare a database or stand-in, the module options that connect as the admin,
a snapshot of its state) and a docstring whose first sentence says what the suite runs it against
(docs/security.md's table is generated from it). WAREHOUSES follows the warehouse catalogue. Tests that need SQL-level fault injection (locks held by another
session, cancelled or terminated backends) use only the rows with ``sql_faults``."""
import hashlib
import json
import os
import re
import secrets
import stat
import subprocess
import sys
import time
import uuid

import psycopg2
import psycopg2.extensions

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_PRIVATE_TMP
from tests.helpers.grants import APPLICATION_NAME, REDSHIFT_MODEL, run_sql
from tests.helpers.safety_totals import TOTALS

HERE = os.path.dirname(os.path.abspath(__file__))

BIN = os.path.dirname(sys.executable)
FAULT_HOOK = os.path.join(HERE, "faulthook")


def secret(label):
    """A fresh secret value: random, long, and made of characters no encoding changes."""
    value = "%s-%s" % (label[:6], secrets.token_urlsafe(18))
    return value


# ---------------------------------------------------------------------------------------------
# Secrets

class SecretScanner:
    """Every secret value planted in a run, and a scan of texts for any of them (the whole
    value, or its first or last 12 characters, which catches truncated copies too)."""

    def __init__(self):
        self.values = {}   # label -> value

    def add(self, label, value):
        self.values[label] = value
        TOTALS.secret_values.add(value)
        return value

    def new(self, label):
        return self.add(label, secret(label))

    def scan(self, source, text):
        """Return the leaks (label, source, excerpt) found in ``text``; count the scan."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        TOTALS.sources += 1
        TOTALS.bytes += len(text)
        leaks = []
        for label, value in sorted(self.values.items()):
            for needle in (value, value[:12], value[-12:]):
                at = text.find(needle)
                if at >= 0:
                    leaks.append((label, source, text[max(0, at - 80):at + len(needle) + 40]))
                    break
        TOTALS.leaks.extend((label, src) for label, src, dummy in leaks)
        return leaks

    def scan_file(self, path, source=None):
        with open(path, "rb") as handle:
            return self.scan(source or path, handle.read())

    def scan_tree(self, root, skip=()):
        """Scan every regular file under ``root`` except the paths in ``skip`` (absolute)."""
        leaks = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            for name in files:
                path = os.path.join(folder, name)
                if path in skip or os.path.islink(path):
                    continue
                leaks += self.scan_file(path)
        return leaks


# ---------------------------------------------------------------------------------------------
# Snapshots

def tree_snapshot(root, skip_dirs=()):
    """path -> (kind, mode, owner, content hash or link target, mtime) for everything under
    ``root`` (symlinks are recorded, not followed). pb's private TMPDIR is left out: it is pb's
    scratch space, as /tmp would be, and every pb command writes and removes files there."""
    snap = {}
    if not os.path.lexists(root):
        return snap
    skip_dirs = set(skip_dirs) | {os.path.join(root, PB_PRIVATE_TMP)}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if os.path.join(folder, d) not in skip_dirs)
        for name in list(dirs) + sorted(files):
            path = os.path.join(folder, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("dir", stat.S_IMODE(st.st_mode), st.st_uid, st.st_mtime_ns)
                if os.path.islink(path):
                    dirs.remove(name)
            else:
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                snap[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_uid, digest, st.st_mtime_ns)
    return snap


def snapshot_changes(before, after):
    """Human-readable differences between two tree snapshots."""
    changes = []
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            changes.append("removed %s" % rel)
        elif rel not in before:
            changes.append("created %s" % rel)
        elif before[rel] != after[rel]:
            changes.append("changed %s: %s -> %s" % (rel, before[rel], after[rel]))
    return changes


CATALOG = """
SELECT 'role', rolname::text, rolcanlogin::text || rolsuper::text, md5(coalesce(rolpassword, ''))
  FROM pg_authid
UNION ALL
SELECT 'database', datname::text, pg_get_userbyid(datdba)::text, coalesce(datacl::text, '')
  FROM pg_database
UNION ALL
SELECT 'schema', nspname::text, pg_get_userbyid(nspowner)::text, coalesce(nspacl::text, '')
  FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_temp\\_%%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%%'
UNION ALL
SELECT 'relation', n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)::text,
       coalesce(c.relacl::text, '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relpersistence <> 't'
UNION ALL
SELECT 'default_acl', pg_get_userbyid(defaclrole) || '/' || defaclnamespace::regnamespace::text,
       defaclobjtype::text, defaclacl::text
  FROM pg_default_acl
UNION ALL
SELECT 'language', lanname::text, '', coalesce(lanacl::text, '') FROM pg_language
"""


def catalog_snapshot(conn):
    """Roles (cluster-wide), databases, and the schemas, relations, default privileges and
    languages of ``conn``'s database with their owners and ACLs: everything a grants run can
    change."""
    return sorted(tuple(row) for row in run_sql(conn, CATALOG))


def catalog_changes(before, after):
    gone = sorted(set(before) - set(after))
    new = sorted(set(after) - set(before))
    return ["before: %s" % (row,) for row in gone] + ["after: %s" % (row,) for row in new]


# ---------------------------------------------------------------------------------------------
# ansible-playbook with the default output and -vvv (what an admin sees), for the scans

def run_verbose_playbook(collections_path, workdir, playbook, inventory=None, extra_vars_file=None,
                         check=False, diff=True, env=None, timeout=900, args=()):
    """Run ``playbook`` with -vvv and the default callback; return (proc, ansible log text)."""
    log_path = os.path.join(workdir, "ansible-%s.log" % uuid.uuid4().hex[:8])
    argv = [os.path.join(BIN, "ansible-playbook"), "-vvv", playbook]
    argv += ["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"]
    if extra_vars_file:
        argv += ["-e", "@" + extra_vars_file]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    argv += list(args)
    full_env = dict(os.environ)
    full_env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOG_PATH": log_path,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
    })
    full_env.update(env or {})
    proc = subprocess.run(argv, env=full_env, cwd=workdir, capture_output=True, text=True,
                          timeout=timeout, check=False)
    log = ""
    if os.path.exists(log_path):
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            log = handle.read()
    return proc, log


def recap(output):
    """The PLAY RECAP counters of a default-callback run: {host: {ok, changed, failed, ...}}."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        counts[host] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", fields))
    return counts


# ---------------------------------------------------------------------------------------------
# Warehouse rows

EVENT_TABLES = """
CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public;
CREATE SCHEMA website_eventstream;
CREATE TABLE website_eventstream.identifies (user_id text, anonymous_id text, email text, "timestamp" timestamp);
CREATE TABLE website_eventstream.tracks (user_id text, anonymous_id text, "timestamp" timestamp, event text);
INSERT INTO website_eventstream.identifies VALUES ('u1', 'a1', 'u1@example.com', '2026-01-01'),
    ('u1', 'a2', NULL, '2026-01-03'), ('u2', 'a4', NULL, '2026-01-04');
INSERT INTO website_eventstream.tracks VALUES (NULL, 'a1', '2026-01-01', 'page'), (NULL, 'a3', '2026-01-02', 'page'),
    ('u2', 'a4', '2026-01-05', 'order');
"""


def connect(info, dbname=None, user=None, password=None):
    conn = psycopg2.connect(host=info["host"], port=info["port"], dbname=dbname or info["dbname"],
                            user=user or info["user"], password=password or info["password"])
    conn.autocommit = True
    return conn


class WarehouseRow:
    """One warehouse of the table-driven tests. Subclasses set the class attributes and
    implement the hooks."""

    name = None
    sql_faults = False        # a libpq server: faults by locks, pg_cancel/terminate_backend
    libpq = False             # connects with libpq's options (login_host, login_port, ...)
    table_privileges = None   # output-schema table privileges (None: the module's default ALL)

    def endpoint_args(self, info, port, timeout):
        """Options that point the module at a local endpoint on ``port`` (one that never answers)."""
        raise NotImplementedError

    def max_failure_seconds(self, timeout):
        """How long a run against an endpoint that never answers may take, at most."""
        return timeout + 2

    def close(self, info):
        info["conn"].close()

    def prepare(self, pg, admin, dbname):
        """Create what a test database of this row needs; return its info dict (host, port,
        dbname, user, password, conn: an autocommit superuser connection)."""
        raise NotImplementedError

    def grants_args(self, info, principal, **extra):
        """profiles_grants options: connect as the row's admin, grant the usual pb setup."""
        raise NotImplementedError

    def snapshot(self, info):
        raise NotImplementedError

    def broken_endpoint_args(self, info, kind, closed_port):
        """Options that point the module at an endpoint that fails at once: ``refused`` (a
        loopback port nothing listens on, ``closed_port``), ``dns`` (a name under the reserved
        .invalid TLD, RFC 2606) or ``tls`` (a listener that does not speak TLS where the client
        expects it)."""
        raise NotImplementedError

    # Rows of warehouses without transactions: their model refuses the Nth write from now.
    fail_at = None            # which write of a first run a fault test refuses

    def fail_write(self, info, n):
        model = info["model"]
        model.writes_seen, model.fail_on_write = 0, n


class PostgresRow(WarehouseRow):
    """The real PostgreSQL the test harness starts on 127.0.0.2 (log_statement=all)."""

    name = "postgres"
    sql_faults = True
    libpq = True

    def endpoint_args(self, info, port, timeout):
        return {"login_host": "127.0.0.2", "login_port": port, "connect_timeout": timeout}

    def broken_endpoint_args(self, info, kind, closed_port):
        return {"refused": {"login_host": "127.0.0.2", "login_port": closed_port},
                "dns": {"login_host": "warehouse.invalid"},
                # The test server speaks no TLS: libpq's TLS negotiation is refused.
                "tls": {"sslmode": "require"}}[kind]

    def prepare(self, pg, admin, dbname):
        conn = connect(pg)
        run_sql(conn, 'CREATE DATABASE "%s"' % dbname)
        conn.close()
        # Modules log in as ``admin``; the test's own connection is the harness superuser.
        info = dict(pg, dbname=dbname, user=admin["user"], password=admin["password"], pg=pg)
        info["conn"] = connect(pg, dbname=dbname)
        run_sql(info["conn"], EVENT_TABLES)
        self.after_prepare(info)
        info["run"] = lambda sql, params=None: run_sql(info["conn"], sql, params)
        return info

    def after_prepare(self, info):
        pass

    def grants_args(self, info, principal, **extra):
        args = {"warehouse": self.name, "login_host": info["host"], "login_port": info["port"],
                "login_user": info["user"], "login_password": info["password"],
                "login_db": info["dbname"], "connect_timeout": 5, "principal": principal,
                "output_schema": {"name": "rs_profiles", "owned_by_principal": True},
                "input_schemas": [{"name": "website_eventstream"}]}
        if self.table_privileges:
            args["output_schema"]["table_privileges"] = list(self.table_privileges)
        args.update(extra)
        return args

    def snapshot(self, info):
        return catalog_snapshot(info["conn"])


class RedshiftRow(PostgresRow):
    """Redshift's catalog as a MODEL on PostgreSQL (tests/helpers/grants.py:
    svv_* views over aclexplode, the plpythonu stand-in)."""

    name = "redshift"
    # Table privileges Redshift and PostgreSQL share (PostgreSQL has no DROP privilege).
    table_privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES")

    def after_prepare(self, info):
        run_sql(info["conn"], REDSHIFT_MODEL)
        run_sql(info["conn"], 'ALTER DATABASE "%s" SET search_path = "$user", public, redshift_model'
                % info["dbname"])
        info["conn"].close()
        info["conn"] = connect(info["pg"], dbname=info["dbname"])  # with the new search_path

    def grants_args(self, info, principal, **extra):
        # A user with a password: PASSWORD DISABLE is Redshift's own syntax, which the model lacks.
        extra.setdefault("principal_password", "Rs-Passw0rd-model")
        args = PostgresRow.grants_args(self, info, principal, **extra)
        args["output_schema"].pop("owned_by_principal", None)
        return args


class DatabricksRow(WarehouseRow):
    """Unity Catalog through the real databricks-sdk, against the MODEL of the workspace API in
    tests/models/databricks.py (HTTP on 127.0.0.1). The admin's token is the
    planted admin secret; principals are users of the model, created as tests name them."""

    name = "databricks"
    ADMIN = "admin@example.com"
    fail_at = 2   # after POST schemas: the first grant

    def prepare(self, pg, admin, dbname):
        from tests.models.databricks import StandIn, Workspace
        model = Workspace(admin=self.ADMIN, page_size=2)
        server = StandIn(model)
        model.url = server.url
        model.tokens[admin["password"]] = self.ADMIN
        model.add_catalog("main")
        model.add_schema("main.website_eventstream")
        for table in ("identifies", "tracks"):
            model.add_table("main.website_eventstream." + table)
        return {"model": model, "server": server, "dbname": dbname, "password": admin["password"]}

    def principal(self, info, name):
        email = "%s@example.com" % "".join(c if c.isalnum() else "-" for c in name.lower())
        info["model"].users.add(email)
        return email

    def grants_args(self, info, principal, **extra):
        args = {"warehouse": self.name, "login_host": info["model"].url,
                "access_token": info["password"], "catalog": "main", "connect_timeout": 5,
                "principal": self.principal(info, principal), "output_schema": {"name": "rs_profiles"},
                "input_schemas": [{"name": "website_eventstream"}]}
        args.update(extra)
        return args

    def endpoint_args(self, info, port, timeout):
        return {"login_host": "http://127.0.0.2:%d" % port, "connect_timeout": timeout}

    def broken_endpoint_args(self, info, kind, closed_port):
        return {"login_host": {"refused": "http://127.0.0.2:%d" % closed_port,
                               "dns": "https://adb-1234567890123456.7.azuredatabricks.invalid",
                               "tls": info["model"].url.replace("http://", "https://")}[kind]}

    def max_failure_seconds(self, timeout):
        # The SDK's HTTP timeout and its retry budget are both set to connect_timeout.
        return 3 * timeout + 3

    def snapshot(self, info):
        model = info["model"]
        with model.lock:
            return sorted([("schema", name, repr(sorted(v.items()))) for name, v in model.schemas.items()]
                          + [("grant", repr(key), principal, repr(sorted(privileges)))
                             for key, grants in model.grants.items() for principal, privileges in grants.items()
                             if privileges])

    def close(self, info):
        info["server"].stop()


def _freeze(value):
    """A hashable, ordered copy of a model's nested state (for snapshots)."""
    if isinstance(value, dict):
        return tuple(sorted((repr(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        items = [_freeze(v) for v in value]
        return tuple(sorted(items, key=repr)) if isinstance(value, set) else tuple(items)
    return repr(value)


class SnowflakeRow(WarehouseRow):
    """Snowflake through the real snowflake-connector-python, against the MODEL of Snowflake in
    tests/models/snowflake.py (HTTP on 127.0.0.1). The admin's password is the planted secret."""

    name = "snowflake"
    fail_at = 2   # after CREATE ROLE

    def prepare(self, pg, admin, dbname):
        from tests.models.snowflake import SnowflakeModel
        model = SnowflakeModel().start()
        model.add_admin(password=admin["password"])
        model.databases["RUDDER_DB"] = {"owner": "SYSADMIN", "schemas": {}}
        model.warehouses["RUDDER_WAREHOUSE"] = "SYSADMIN"
        session = {"role": "SYSADMIN", "database": "RUDDER_DB", "schema": None, "warehouse": None, "user": "ADMIN"}
        for sql in ["CREATE SCHEMA RUDDER_DB.WEBSITE_EVENTSTREAM",
                    "CREATE TABLE RUDDER_DB.WEBSITE_EVENTSTREAM.TRACKS (id int)",
                    "CREATE TABLE RUDDER_DB.WEBSITE_EVENTSTREAM.IDENTIFIES (id int)"]:
            model.execute(session, sql)
        # What the default snowflake_admin_role (SECURITYADMIN) needs to create the output schema.
        model.grants[("SECURITYADMIN", "DATABASE", ("RUDDER_DB",), "CREATE SCHEMA")] = "SYSADMIN"
        return {"model": model, "dbname": dbname, "password": admin["password"]}

    def grants_args(self, info, principal, **extra):
        args = {"warehouse": self.name, "account": "testaccount", "login_host": "127.0.0.1",
                "login_port": info["model"].port, "snowflake_protocol": "http", "login_user": "admin",
                "login_password": info["password"], "login_db": "rudder_db", "connect_timeout": 5,
                "principal": principal, "principal_password": "Sf-Passw0rd-model", "role": principal + "_role",
                "snowflake_warehouse": "rudder_warehouse", "output_schema": {"name": "rs_profiles"},
                "input_schemas": [{"name": "website_eventstream"}]}
        args.update(extra)
        return args

    def endpoint_args(self, info, port, timeout):
        return {"login_host": "127.0.0.2", "login_port": port, "connect_timeout": timeout}

    def broken_endpoint_args(self, info, kind, closed_port):
        return {"refused": {"login_host": "127.0.0.2", "login_port": closed_port},
                "dns": {"login_host": "testaccount.snowflakecomputing.invalid", "login_port": 443},
                "tls": {"snowflake_protocol": "https"}}[kind]   # the model speaks plain HTTP

    def max_failure_seconds(self, timeout):
        return 3 * timeout + 3

    def snapshot(self, info):
        model = info["model"]
        return [_freeze({"databases": model.databases, "roles": model.roles, "grants": model.grants,
                         "users": dict((u, dict((k, v) for k, v in rec.items() if k != "password"))
                                       for u, rec in model.users.items())})]

    def close(self, info):
        info["model"].stop()


class BigQueryRow(WarehouseRow):
    """BigQuery (dataset access, project IAM) through the real Google clients, against the MODEL
    of the APIs in tests/models/bigquery.py (HTTP on 127.0.0.1). The admin's
    credential is its service-account key file; a line of its private key is the planted secret."""

    name = "bigquery"
    PROJECT = "acme-analytics"
    # As in the issue (the policy and a dataset written, another dataset's patch refused):
    # projects.setIamPolicy, the input dataset's patch and datasets.insert applied, the output
    # dataset's patch refused.
    fail_at = 4
    ADMIN = "grants-admin@acme-analytics.iam.gserviceaccount.com"

    def prepare(self, pg, admin, dbname):
        import tempfile
        from tests.models.bigquery import GoogleCloudModel, make_service_account_key
        model = GoogleCloudModel().serve()
        key = make_service_account_key(self.ADMIN, self.PROJECT, model.url + "/token")
        model.add_service_account(key, admin=True)
        model.add_project(self.PROJECT, [{"role": "roles/owner", "members": ["serviceAccount:" + self.ADMIN]}])
        model.add_dataset(self.PROJECT, "website_eventstream", [{"role": "OWNER", "specialGroup": "projectOwners"}])
        folder = tempfile.mkdtemp(prefix="safety-bq-")
        keyfile = os.path.join(folder, "admin-key.json")
        with open(keyfile, "w") as handle:
            json.dump(key, handle)
        os.chmod(keyfile, 0o600)
        secret_line = key["private_key"].splitlines()[3]
        return {"model": model, "dbname": dbname, "keyfile": keyfile, "folder": folder, "password": keyfile,
                "key_secret": secret_line, "make_key": make_service_account_key}

    def principal(self, info, name):
        from tests.models.bigquery import make_service_account_key
        email = "%s@%s.iam.gserviceaccount.com" % ("".join(c if c.isalnum() else "-" for c in name.lower())[:30]
                                                   .strip("-"), self.PROJECT)
        model = info["model"]
        if email not in model.keys:
            model.add_service_account(make_service_account_key(email, self.PROJECT, model.url + "/token"))
        return email

    def grants_args(self, info, principal, **extra):
        model = info["model"]
        args = {"warehouse": self.name, "project_id": self.PROJECT, "credentials_path": info["keyfile"],
                "bigquery_api_endpoint": model.url, "bigquery_resource_manager_endpoint": model.url,
                "connect_timeout": 5, "principal": self.principal(info, principal),
                "output_schema": {"name": "rs_profiles"}, "input_schemas": [{"name": "website_eventstream"}],
                "bigquery_location": "EU"}
        args.update(extra)
        return args

    def endpoint_args(self, info, port, timeout):
        url = "http://127.0.0.2:%d" % port
        return {"bigquery_api_endpoint": url, "bigquery_resource_manager_endpoint": url, "connect_timeout": timeout}

    def broken_endpoint_args(self, info, kind, closed_port):
        url = {"refused": "http://127.0.0.2:%d" % closed_port, "dns": "https://bigquery.googleapis.invalid",
               "tls": info["model"].url.replace("http://", "https://")}[kind]
        return {"bigquery_api_endpoint": url}

    def max_failure_seconds(self, timeout):
        return 3 * timeout + 3

    def snapshot(self, info):
        model = info["model"]
        with model.lock:
            return [_freeze({"datasets": model.datasets, "policies": model.policies})]

    def close(self, info):
        import shutil
        info["model"].stop()
        shutil.rmtree(info["folder"], ignore_errors=True)


def _rows():
    """One row per warehouse of the catalogue, in its order (the first, postgres, is the row the
    tests of the files' modules share)."""
    classes, found = [WarehouseRow], {}
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        found[cls.name] = cls
    found.pop(None)
    if sorted(found) != sorted(warehouses.names()):
        raise ImportError("safety_helpers: rows for %s, the warehouse catalogue has %s"
                          % (", ".join(sorted(found)), ", ".join(warehouses.names())))
    return [found[name]() for name in warehouses.names()]


WAREHOUSES = _rows()


def make_admin(pg, scanner):
    """A superuser of its own whose password is a planted secret, created with a verifier
    computed here (the test harness keeps the cleartext out of the server log too)."""
    name = "safety_admin_" + uuid.uuid4().hex[:6]
    password = scanner.new("admin")
    conn = connect(pg)
    verifier = psycopg2.extensions.encrypt_password(password, name, conn, "scram-sha-256")
    run_sql(conn, 'CREATE ROLE "%s" SUPERUSER LOGIN PASSWORD %%s' % name, (verifier,))
    conn.close()
    return {"user": name, "password": password}


def wait_for(predicate, timeout=30, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def blocked_backend(conn, dbname, timeout=60):
    """pid of the profiles_grants session of ``dbname`` once it waits for a lock."""
    def find():
        rows = run_sql(conn, "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s "
                             "AND wait_event_type = 'Lock'", (APPLICATION_NAME, dbname))
        return rows[0][0] if rows else None
    return wait_for(find, timeout=timeout, what="the grants session to wait for a lock")


def pb_virtualenv_site_packages(pb_bin):
    """site-packages of the virtualenv that holds the real pb (.venv-pb)."""
    venv = os.path.dirname(os.path.dirname(os.path.realpath(pb_bin)))
    found = [os.path.join(venv, "lib", d, "site-packages") for d in os.listdir(os.path.join(venv, "lib"))
             if d.startswith("python")]
    return found[0]


def seeded_virtualenv(path, pb_bin, python=None):
    """A virtualenv where profiles-rudderstack is already installed, in a second: no pip of its
    own and no download; a .pth file adds the site-packages of the virtualenv holding the real
    pb (so pip, profiles-rudderstack and its dependencies are importable and listed as installed),
    bin/pip runs that pip, and bin/pb is that pb. What pip installs later lands in this
    virtualenv's own site-packages, never in the seed."""
    python = python or os.path.realpath(os.path.join(os.path.dirname(pb_bin), "python"))
    subprocess.run([python, "-m", "venv", "--without-pip", path], check=True)
    own = [os.path.join(path, "lib", d, "site-packages") for d in os.listdir(os.path.join(path, "lib"))
           if d.startswith("python")][0]
    with open(os.path.join(own, "zz_seed.pth"), "w") as handle:
        handle.write(pb_virtualenv_site_packages(pb_bin) + "\n")
    pip = os.path.join(path, "bin", "pip")
    with open(pip, "w") as handle:
        handle.write("#!%s\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n"
                     % os.path.join(path, "bin", "python"))
    os.chmod(pip, 0o755)
    os.symlink(os.path.realpath(pb_bin), os.path.join(path, "bin", "pb"))
    return path


class BackgroundPlaybook:
    """ansible-playbook started in its own process group (so that the whole run, module
    included, can be killed at once), with the JSON callback like conftest.AnsibleRunner."""

    def __init__(self, runner, tasks, name="background", extra_env=None, check=False):
        import yaml
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks,
                 "vars": {"ansible_python_interpreter": sys.executable}}]
        path = os.path.join(runner.workdir, "%s-%s.yml" % (name, uuid.uuid4().hex[:6]))
        with open(path, "w") as handle:
            yaml.safe_dump(play, handle, sort_keys=False)
        argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path]
        if check:
            argv.append("--check")
        self.proc = subprocess.Popen(argv, env=runner.env(extra_env), cwd=runner.workdir,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)

    def kill(self):
        import signal
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.communicate()

    def results(self, timeout=600):
        out, err = self.proc.communicate(timeout=timeout)
        try:
            report = json.loads(out)
        except ValueError:
            raise AssertionError("ansible-playbook printed no JSON (rc %s):\n%s\n%s"
                                 % (self.proc.returncode, out[-3000:], err[-3000:]))
        return [t["hosts"]["localhost"] for t in report["plays"][0]["tasks"]]


def grants_task(args, name="grants"):
    return {"name": name, "rudderstack.profiles.profiles_grants": args, "ignore_errors": True}


def client_pid(conn, backend_pid):
    """pid of the local process at the other end of a backend's TCP connection (read from
    /proc: the socket's inode by its port, then the process holding that socket)."""
    port = run_sql(conn, "SELECT client_port FROM pg_stat_activity WHERE pid = %s", (backend_pid,))[0][0]
    inode = None
    with open("/proc/net/tcp") as handle:
        for line in handle.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                inode = fields[9]
                break
    assert inode, "no socket for client port %s" % port
    target = "socket:[%s]" % inode
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == target:
                    return int(pid)
        except OSError:
            continue
    raise AssertionError("no process holds %s" % target)


def fault_environment(match, action="kill", mark=None, skip=0):
    """Task ``environment`` that loads faulthook/sitecustomize.py into the module process only:
    ``action`` when a file is moved onto a path containing ``match`` (see that file)."""
    env = {"PYTHONPATH": FAULT_HOOK, "PROFILES_FAULT_RENAME": match, "PROFILES_FAULT_ACTION": action,
           "PROFILES_FAULT_SKIP": str(skip)}
    if mark:
        env["PROFILES_FAULT_MARK"] = mark
    return env


def temporaries(folder, name):
    """Temporary files of the atomic writer for ``name`` in ``folder`` (.NAME.XXXXXXXX)."""
    pattern = re.compile(r"^\.%s\.[a-z0-9_]{8}$" % re.escape(name))
    return sorted(n for n in os.listdir(folder) if pattern.match(n))


# A siteconfig the user already had: every write must keep it.
EXISTING_SITECONFIG = """\
connections:
    mine:
        target: dev
        outputs:
            dev:
                dbname: kept
                host: 127.0.0.2
                outputSchema: kept_out
                password: kept-pw
                port: 5432
                schema: kept_out
                type: postgres
                user: kept
"""
