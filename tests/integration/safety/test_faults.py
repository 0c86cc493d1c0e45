"""Faults injected into real runs: a grants run whose statement fails midway, whose connection
is dropped midway, or whose process is killed midway (the real module through ansible-playbook,
held inside its transaction by a lock another session owns); a database error while the state is
read; warehouse endpoints that never answer. Each time: a clear failure (never a traceback),
nothing of the run applied, nothing that existed before lost, and the next run converges."""
import os
import socket
import threading
import time

import psycopg2
import pytest

from grants_helpers import privileges
from safety_helpers import (WAREHOUSES, BackgroundPlaybook, blocked_backend, catalog_changes, client_pid,
                            connect, grants_task, wait_for)
from safety_totals import TOTALS

SQL_ROWS = [row for row in WAREHOUSES if row.sql_faults]


def _failure(result):
    assert result.get("failed"), result
    msg = result["msg"]
    assert "Traceback" not in msg and "MODULE FAILURE" not in msg, msg
    assert "Traceback (most recent call last)" not in result.get("exception", ""), result["exception"]
    return msg


def _existing_state(info):
    """What exists before the run and must survive it: a bystander's grants and the events."""
    info["bystander"] = "bystander_" + info["dbname"][-8:]
    info["run"]('CREATE ROLE {0}; GRANT USAGE ON SCHEMA website_eventstream TO {0};'
                'GRANT SELECT ON website_eventstream.identifies TO {0}'.format(info["bystander"]))
    return (privileges(info, info["bystander"]),
            info["run"]("SELECT count(*) FROM website_eventstream.identifies")[0][0])


def _converges(ansible, info, args, existing):
    """The next run succeeds, the one after has nothing to do, and the old state is intact."""
    again = ansible.module("profiles_grants", args)
    assert not again.get("failed"), again["msg"]
    assert again["changed"] is True
    settled = ansible.module("profiles_grants", args)
    assert not settled.get("failed") and settled["changed"] is False, settled
    held = privileges(info, args["principal"])
    assert "USAGE ON SCHEMA website_eventstream" in held and "SELECT ON TABLE website_eventstream.tracks" in held
    assert (privileges(info, info["bystander"]),
            info["run"]("SELECT count(*) FROM website_eventstream.identifies")[0][0]) == existing


def _hold_tracks(info):
    """Another session updates the catalog row of website_eventstream.tracks and keeps its
    transaction open: the run's GRANT ... ON ALL TABLES waits there, midway through its
    statements (after CREATE ROLE, CREATE SCHEMA and the schema grants)."""
    blocker = connect(info["pg"], dbname=info["dbname"])
    blocker.autocommit = False
    blocker.cursor().execute("GRANT SELECT ON website_eventstream.tracks TO " + info["bystander"])
    return blocker


FAULTS = {
    # what is done to the run while it waits, and the words its failure must contain
    "statement fails": ("SELECT pg_cancel_backend(%s)", ["failed and the whole run was rolled back",
                                                        "canceling statement due to user request"]),
    "connection dropped": ("SELECT pg_terminate_backend(%s)", ["failed and the whole run was rolled back",
                                                              "terminat"]),
    "run killed": (None, []),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("row", SQL_ROWS, ids=[r.name for r in SQL_ROWS])
def test_grants_fault_midway_then_converges(ansible, make_warehouse, row, fault):
    info = make_warehouse(row)
    existing = _existing_state(info)
    args = row.grants_args(info, "faulty_%s_%s" % (fault.split()[0], info["dbname"][-8:]),
                           principal_password="Fault-pw-1")
    before = row.snapshot(info)
    blocker = _hold_tracks(info)
    TOTALS.faults += 1
    try:
        run = BackgroundPlaybook(ansible, [grants_task(args)], extra_env={})
        pid = blocked_backend(info["conn"], info["dbname"])
        sql, words = FAULTS[fault]
        if sql:
            info["run"](sql % pid)
            msg = _failure(run.results()[0])
            for word in words:
                assert word in msg, msg
        else:
            # The module process itself dies (ansible's workers leave the controller's process
            # group, so it is found by its socket), as on an out-of-memory kill or a crash.
            os.kill(client_pid(info["conn"], pid), 9)
            killed = run.results()[0]
            assert killed["failed"] and killed["rc"] == 137, killed  # SIGKILL
    finally:
        blocker.rollback()
        blocker.close()
    if not FAULTS[fault][0]:
        # The orphaned session goes on once unblocked, finds its client gone and aborts.
        wait_for(lambda: not info["run"]("SELECT 1 FROM pg_stat_activity WHERE application_name = "
                                         "'rudderstack.profiles' AND datname = %s", (info["dbname"],)),
                 what="the killed run's session to end")
    changes = catalog_changes(before, row.snapshot(info))
    assert not changes, "a failed run left part of its change:\n" + "\n".join(changes)
    _converges(ansible, info, args, existing)
    TOTALS.faults_converged += 1


@pytest.mark.parametrize("row", SQL_ROWS, ids=[r.name for r in SQL_ROWS])
def test_database_error_while_reading_is_a_clear_failure(ansible, make_warehouse, row, scanner):
    """The admin may not read a catalog the adapter needs (a hardened database): the run fails
    naming the step and the server's error, before anything is written."""
    info = make_warehouse(row)
    existing = _existing_state(info)
    reader = "reader_" + info["dbname"][-8:]
    password = scanner.new("reader")
    info["run"]('CREATE ROLE "%s" LOGIN PASSWORD %%s' % reader,
                (psycopg2.extensions.encrypt_password(password, reader, info["conn"], "scram-sha-256"),))
    info["run"]("REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC")
    principal = "never_created_" + info["dbname"][-8:]
    args = row.grants_args(info, principal, login_user=reader, login_password=password)
    before = row.snapshot(info)
    TOTALS.faults += 1
    msg = _failure(ansible.module("profiles_grants", args))
    assert "reading the current grants (%s warehouse) failed; nothing was changed" % row.name in msg, msg
    assert "permission denied for table pg_class" in msg, msg
    assert catalog_changes(before, row.snapshot(info)) == []
    info["run"]("GRANT SELECT ON pg_catalog.pg_class TO PUBLIC")
    _converges(ansible, info, row.grants_args(info, principal), existing)
    TOTALS.faults_converged += 1


class SilentEndpoint:
    """A loopback endpoint that never answers: ``accept`` takes the connection and says nothing
    (a server that hangs), ``backlog`` never accepts and its queue is full, so the kernel drops
    new connection attempts (a firewall that drops packets)."""

    def __init__(self, kind):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.port = self.sock.getsockname()[1]
        self.held = []
        if kind == "accept":
            self.sock.listen(8)
            self.thread = threading.Thread(target=self._accept, daemon=True)
            self.thread.start()
        else:
            self.sock.listen(0)
            for _ in range(3):  # fill the accept queue
                filler = socket.socket()
                filler.setblocking(False)
                try:
                    filler.connect(("127.0.0.2", self.port))
                except BlockingIOError:
                    pass
                self.held.append(filler)
            time.sleep(0.2)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize("kind", ["accept", "backlog"])
@pytest.mark.parametrize("row", WAREHOUSES, ids=[r.name for r in WAREHOUSES])
def test_unreachable_endpoint_fails_within_connect_timeout(make_warehouse, row, kind):
    """Through the adapter the module uses (module_utils, the real client library), timed: the
    connection and the first read, in check mode."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry
    info = make_warehouse(row)
    endpoint = SilentEndpoint(kind)
    timeout = 2
    args = row.grants_args(info, "unreachable")
    args.update(row.endpoint_args(info, endpoint.port, timeout))
    TOTALS.faults += 1
    adapter = registry.adapter_for(args)
    assert not adapter.client_import_error()   # the client library imported before the clock starts
    start = time.monotonic()
    try:
        with pytest.raises(model.GrantsError) as err:
            adapter.connect()
            model.run(adapter, args, True)
        elapsed = time.monotonic() - start
    finally:
        adapter.close()
        endpoint.close()
    message = str(err.value)
    assert str(endpoint.port) in message and "connect_timeout" in message and str(timeout) in message, message
    if row.libpq:
        assert "timeout expired" in message and "check login_host and login_port" in message, message
    assert timeout - 0.5 <= elapsed <= row.max_failure_seconds(timeout), elapsed
    TOTALS.faults_converged += 1   # nothing to converge: it failed in time and changed nothing
