"""Fixtures of the safety suite: planted secrets, a superuser of its own, the server's statement
log with application names, and one fresh database per warehouse row."""
import os
import time
import uuid

import pytest

from safety_helpers import WAREHOUSES, SecretScanner, ServerLog, connect, make_admin, run_sql


@pytest.fixture(scope="session")
def scanner():
    return SecretScanner()


@pytest.fixture(scope="session")
def admin(pg, scanner):
    return make_admin(pg, scanner)


@pytest.fixture(scope="module")
def server_log(pg):
    """log_statement=all, with the application name in each line, for this test module."""
    conn = connect(pg)
    run_sql(conn, "ALTER SYSTEM SET log_statement = 'all'")
    run_sql(conn, "ALTER SYSTEM SET log_line_prefix = '%m [%p] |%a| '")
    run_sql(conn, "SELECT pg_reload_conf()")
    time.sleep(0.3)  # the reload is signalled; let the postmaster apply it before new sessions
    yield ServerLog(os.path.join(pg["socket_dir"], "server.log"))
    run_sql(conn, "ALTER SYSTEM RESET log_statement")
    run_sql(conn, "ALTER SYSTEM RESET log_line_prefix")
    run_sql(conn, "SELECT pg_reload_conf()")
    conn.close()


def _database(pg, admin, row):
    info = row.prepare(pg, admin, "s_%s_%s" % (row.name, uuid.uuid4().hex[:8]))
    info["row"] = row
    return info


@pytest.fixture(params=WAREHOUSES, ids=[row.name for row in WAREHOUSES])
def warehouse(request, pg, admin):
    """A fresh database of one warehouse row (a test per row), with the event tables."""
    info = _database(pg, admin, request.param)
    yield info
    info["conn"].close()


@pytest.fixture
def make_warehouse(pg, admin):
    """Fresh databases for a given row, for tests that loop over the rows themselves."""
    opened = []

    def make(row):
        info = _database(pg, admin, row)
        opened.append(info)
        return info
    yield make
    for info in opened:
        info["conn"].close()
