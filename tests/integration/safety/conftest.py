"""Fixtures of the safety suite: planted secrets, a superuser of its own, the server's statement
log with application names, and one fresh database per warehouse row."""
import uuid

import pytest

from safety_helpers import WAREHOUSES, SecretScanner, make_admin
from tests.helpers.grants import statement_logging


@pytest.fixture(scope="session")
def scanner():
    return SecretScanner()


@pytest.fixture(scope="session")
def admin(pg, scanner):
    return make_admin(pg, scanner)


@pytest.fixture(scope="module")
def server_log(pg):
    """log_statement=all, with the application name in each line, for this test module."""
    with statement_logging(pg) as log:
        yield log


def _database(pg, admin, row, scanner):
    info = row.prepare(pg, admin, "s_%s_%s" % (row.name, uuid.uuid4().hex[:8]))
    info["row"] = row
    if info.get("key_secret"):   # a credential held in a file: a line of it is the secret
        scanner.add("%s key" % row.name, info["key_secret"])
    return info


@pytest.fixture(params=WAREHOUSES, ids=[row.name for row in WAREHOUSES])
def warehouse(request, pg, admin, scanner):
    """A fresh database of one warehouse row (a test per row), with the event tables."""
    info = _database(pg, admin, request.param, scanner)
    yield info
    request.param.close(info)


@pytest.fixture
def make_warehouse(pg, admin, scanner):
    """Fresh databases for a given row, for tests that loop over the rows themselves."""
    opened = []

    def make(row):
        info = _database(pg, admin, row, scanner)
        opened.append(info)
        return info
    yield make
    for info in opened:
        info["row"].close(info)
