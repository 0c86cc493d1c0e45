"""Fixtures for the profiles_grants integration tests: a fresh database per test on the real
PostgreSQL server, the server's statement log, and a database with the Redshift catalog model."""
import time
import uuid

import pytest

from tests.helpers.grants import REDSHIFT_MODEL, StatementLog, reconnect, run_sql


@pytest.fixture
def db(pg, pg_connect):
    """A fresh database for one test (roles are cluster-wide: tests use unique role names)."""
    name = "g_" + uuid.uuid4().hex[:10]
    pg_connect().cursor().execute('CREATE DATABASE "%s"' % name)
    info = dict(pg, dbname=name)
    info["conn"] = pg_connect(dbname=name)
    info["run"] = lambda sql, params=None: run_sql(info["conn"], sql, params)
    return info


@pytest.fixture
def redshift_db(db):
    db["run"](REDSHIFT_MODEL)
    db["run"]('ALTER DATABASE "%s" SET search_path = "$user", public, redshift_model' % db["dbname"])
    db["conn"].close()
    db["conn"] = reconnect(db)
    return db


@pytest.fixture
def statement_log(pg, pg_connect):
    conn = pg_connect()
    conn.cursor().execute("ALTER SYSTEM SET log_statement = 'all'")
    conn.cursor().execute("SELECT pg_reload_conf()")
    time.sleep(0.3)  # the reload is signalled; let the postmaster apply it before new sessions
    log = StatementLog(pg, conn)
    yield log
    conn.cursor().execute("ALTER SYSTEM RESET log_statement")
    conn.cursor().execute("SELECT pg_reload_conf()")
