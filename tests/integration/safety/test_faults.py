"""Faults injected into real runs: a grants run whose statement fails midway, whose connection
is dropped midway, or whose process is killed midway (the real module through ansible-playbook,
held inside its transaction by a lock another session owns); a database error while the state is
read; warehouse endpoints that never answer. Each time: a clear failure (never a traceback),
nothing of the run applied, nothing that existed before lost, and the next run converges."""
import os
import socket
import stat
import threading
import time

import psycopg2
import pytest
import yaml

from tests.helpers.grants import privileges
from safety_helpers import (EXISTING_SITECONFIG, WAREHOUSES, BackgroundPlaybook, blocked_backend, catalog_changes, client_pid,
                            connect, grants_task, wait_for)
from tests.helpers.safety_totals import TOTALS

SQL_ROWS = [row for row in WAREHOUSES if row.sql_faults]
ONE_BY_ONE_ROWS = [row for row in WAREHOUSES if row.fail_at]


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
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    assert registry.execute(args, True)["changed"] is False   # and the one after has nothing to do
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
    "statement fails": ("SELECT pg_cancel_backend(%s)",
                        ["failed and the whole run was rolled back", "canceling statement due to user request"]),
    "connection dropped": ("SELECT pg_terminate_backend(%s)",
                           ["failed and the whole run was rolled back", "terminat"]),
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
            result = run.results()[0]
            msg = _failure(result)
            for word in words:
                assert word in msg, msg
            # One transaction: the statements before the failed one were rolled back with it.
            assert result["changed"] is False and result["applied"] == result["unknown"] == [], result
            assert result["not_applied"][0].startswith("CREATE ") and len(result["not_applied"]) > 3, result
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
def test_connection_lost_during_commit_is_reported_as_unknown(make_warehouse, row):
    """The one moment a transaction cannot tell: the server committed (locally) and the
    connection went before the answer. Made real with synchronous replication to a standby that
    never comes: the run's COMMIT is durable and then waits (wait event SyncRep) until its
    session is terminated. The failure counts every statement as unknown and changed; they are
    in fact there, so the next run has nothing to do."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry
    info = make_warehouse(row)
    args = row.grants_args(info, "commit_lost_" + info["dbname"][-8:])
    planned = registry.execute(args, True)["queries"]
    settings = ("ALTER SYSTEM SET synchronous_standby_names = 'phantom_standby'",
                "ALTER SYSTEM SET synchronous_commit = 'local'")   # every other database as before
    for sql in settings:
        info["run"](sql)
    info["run"]("SELECT pg_reload_conf()")
    info["run"]('ALTER DATABASE "%s" SET synchronous_commit = on' % info["dbname"])
    outcome = {}

    def execute():
        try:
            outcome["result"] = registry.execute(args, False)
        except model.GrantsError as exc:
            outcome["error"] = exc
    TOTALS.faults += 1
    worker = threading.Thread(target=execute, daemon=True)   # never holds the process's exit
    worker.start()
    try:
        pid = wait_for(lambda: (info["run"]("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                            "'rudderstack.profiles' AND datname = %s AND wait_event = 'SyncRep'",
                                            (info["dbname"],)) or [[None]])[0][0],
                       timeout=30, what="the run's COMMIT to wait for the standby")
        info["run"]("SELECT pg_terminate_backend(%s)", (pid,))
        worker.join(30)
    finally:
        info["run"]("ALTER SYSTEM RESET synchronous_standby_names")
        info["run"]("ALTER SYSTEM RESET synchronous_commit")
        info["run"]("SELECT pg_reload_conf()")
        info["run"]('ALTER DATABASE "%s" RESET synchronous_commit' % info["dbname"])
    exc = outcome["error"]
    assert exc.result() == {"changed": True, "applied": [], "unknown": planned, "not_applied": []}
    assert "the connection was lost during COMMIT, so whether the %d statements were applied is unknown" % (
        len(planned)) in str(exc), str(exc)
    assert "whether %d writes took effect is unknown" % len(planned) in str(exc)
    assert registry.execute(args, True)["changed"] is False   # it had committed
    TOTALS.faults_converged += 1


@pytest.mark.parametrize("row", ONE_BY_ONE_ROWS, ids=[r.name for r in ONE_BY_ONE_ROWS])
def test_failure_after_writes_reports_them_and_converges(make_warehouse, row):
    """Warehouses without transactions for these writes: the warehouse refuses a write after
    others took effect. The failed task says changed, lists the writes that stay (and names
    them in its message) and those not applied; the writes that stay are in the warehouse; the
    next run completes the rest, and the one after has nothing to do."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry
    info = make_warehouse(row)
    args = row.grants_args(info, "partial_" + info["dbname"][-8:])
    planned = registry.execute(args, True)["queries"]
    before = row.snapshot(info)
    row.fail_write(info, row.fail_at)
    TOTALS.faults += 1
    # In-process (module_utils and the real clients; the module returns exactly GrantsError.result()
    # with the message, which tests/integration/grants/test_grants_snowflake.py checks through Ansible).
    with pytest.raises(model.GrantsError) as err:
        registry.execute(args, False)
    failed, msg = err.value.result(), str(err.value)
    assert "Traceback" not in msg
    assert failed["changed"] is True and failed["unknown"] == [], failed
    assert failed["applied"] == planned[:row.fail_at - 1], failed
    assert failed["not_applied"] == planned[row.fail_at - 1:], failed
    assert "%d of the %d planned writes were applied before the failure and stay" % (
        row.fail_at - 1, len(planned)) in msg, msg
    assert all(text in msg for text in failed["applied"]) and "rerunning completes the rest" in msg, msg
    assert failed["not_applied"][0] in msg, msg
    assert "the model was told to refuse write %d" % row.fail_at in msg or "SQL execution internal error" in msg, msg
    assert row.snapshot(info) != before            # what was applied stays
    info["model"].fail_on_write = None
    again = registry.execute(args, False)
    assert again["changed"] is True, again
    assert again["applied"] == again["queries"] and set(again["queries"]) <= set(failed["not_applied"]), again
    assert registry.execute(args, True)["changed"] is False
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
            for dummy in range(3):  # fill the accept queue
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
                conn, dummy = self.sock.accept()
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
            model.run(adapter, model.build_desired(args, adapter), True)
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


def _closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.2", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# What the failure must say, per kind (the adapters' and libpq's words).
BROKEN = {"refused": ("connection refused",), "dns": ("DNS lookup failed", ".invalid"),
          "tls": ("TLS",)}


@pytest.mark.parametrize("row", WAREHOUSES, ids=[r.name for r in WAREHOUSES])
def test_refused_unresolvable_or_not_tls_fails_at_once_as_such(make_warehouse, row):
    """A closed port, a name that does not resolve, and a listener that does not speak TLS
    where the client expects it: each fails in well under connect_timeout (no retry loop),
    with a message that says which of the three it is, names host:port (or the host) and the
    option to check, and nothing is written."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry
    info = make_warehouse(row)
    before = row.snapshot(info)
    timeout = 5
    for kind in sorted(BROKEN):
        port = _closed_port()
        args = row.grants_args(info, "broken_" + kind)
        args.update(row.broken_endpoint_args(info, kind, port), connect_timeout=timeout)
        TOTALS.faults += 1
        adapter = registry.adapter_for(args)
        assert not adapter.client_import_error()
        start = time.monotonic()
        try:
            with pytest.raises(model.GrantsError) as err:
                adapter.connect()
                model.run(adapter, model.build_desired(args, adapter), False)
            elapsed = time.monotonic() - start
        finally:
            adapter.close()
        message = str(err.value)
        for words in BROKEN[kind]:
            assert words in message, (kind, message)
        if kind == "refused":
            assert "127.0.0.2:%d" % port in message or ("127.0.0.2" in message and str(port) in message), message
        assert "check " in message and "Traceback" not in message, message
        assert elapsed < 2, (kind, elapsed, message)
        assert row.snapshot(info) == before
        TOTALS.faults_converged += 1   # nothing to converge: it failed at once and changed nothing


# -- files: the module process killed midway through writing (faulthook/sitecustomize.py kills it
# at the move that would land the new file, after the temporary file is complete)


def _siteconfig_task(path, connection, environment=None):
    task = {"name": "siteconfig " + connection, "ignore_errors": True,
            "rudderstack.profiles.profiles_siteconfig": {
                "path": path, "connection": connection, "warehouse": "postgres", "host": "127.0.0.2",
                "dbname": "analytics", "user": "analyst", "password": "pw-" + connection, "schema": "out",
                "backup": True}}
    if environment:
        task["environment"] = environment
    return task


@pytest.mark.parametrize("existing", [True, False], ids=["existing file", "new file"])
def test_siteconfig_writer_killed_midway_then_converges(ansible, tmp_path, existing):
    from safety_helpers import fault_environment, temporaries
    folder = tmp_path / ".pb"
    folder.mkdir(mode=0o700)
    path = folder / "siteconfig.yaml"
    if existing:
        path.write_text(EXISTING_SITECONFIG)
        os.chmod(str(path), 0o644)   # as pb writes it
    TOTALS.faults += 1
    killed = ansible.playbook([_siteconfig_task(str(path), "pg", fault_environment("siteconfig.yaml"))])[0]
    assert killed["failed"] and killed.get("rc") == 137, killed
    assert (path.read_text() == EXISTING_SITECONFIG) if existing else not path.exists()
    left = temporaries(str(folder), "siteconfig.yaml")
    assert len(left) == 1 and stat.S_IMODE(os.stat(str(folder / left[0])).st_mode) == 0o600
    again = ansible.playbook([_siteconfig_task(str(path), "pg")])[0]
    assert not again.get("failed") and again["changed"], again
    data = yaml.safe_load(path.read_text())
    assert set(data["connections"]) == ({"mine", "pg"} if existing else {"pg"})
    if existing:
        assert data["connections"]["mine"]["outputs"]["dev"]["password"] == "kept-pw"
    assert temporaries(str(folder), "siteconfig.yaml") == []          # the killed run's, removed
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    for name in os.listdir(str(folder)):                                # backups as private as the file
        assert stat.S_IMODE(os.stat(str(folder / name)).st_mode) == 0o600, name
    assert ansible.playbook([_siteconfig_task(str(path), "pg")])[0]["changed"] is False
    TOTALS.faults_converged += 1


PB_BIN = os.environ.get("PB_BIN")
PROJECT_SITE = EXISTING_SITECONFIG


def _project_task(path, site, environment=None, **settings):
    args = {"path": path, "connection": "mine", "siteconfig_path": site,
            "virtualenv": os.path.dirname(os.path.dirname(PB_BIN))}
    args.update(settings)
    task = {"name": "project", "ignore_errors": True, "rudderstack.profiles.profiles_project": args}
    if environment:
        task["environment"] = environment
    return task


@pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
def test_project_killed_midway_through_its_files_then_converges(ansible, tmp_path):
    """Killed after pb_project.yaml was replaced and before models/inputs.yaml was: the next
    run completes the edit, and the user's own lines in both files are kept."""
    from safety_helpers import fault_environment, temporaries
    site = tmp_path / "siteconfig.yaml"
    site.write_text(PROJECT_SITE)
    project = tmp_path / "analytics"
    first = ansible.playbook([_project_task(str(project), str(site))])[0]
    assert not first.get("failed"), first
    with open(str(project / "pb_project.yaml"), "a") as handle:
        handle.write("# the analyst's own note\n")
    inputs = project / "models" / "inputs.yaml"
    inputs.write_text("# my inputs\n" + inputs.read_text())
    settings = {"name": "renamed_project",
                "input_tables": {"rsIdentifies": "website_eventstream.identifies", "rsTracks": "website_eventstream.tracks"}}
    TOTALS.faults += 1
    killed = ansible.playbook([_project_task(str(project), str(site), fault_environment("models/inputs.yaml"),
                                             **settings)])[0]
    assert killed["failed"] and killed.get("rc") == 137, killed
    assert "renamed_project" in (project / "pb_project.yaml").read_text()      # half done
    assert "website_eventstream.tracks" not in inputs.read_text()
    again = ansible.playbook([_project_task(str(project), str(site), **settings)])[0]
    assert not again.get("failed") and again["changed"] and again["files"] == ["models/inputs.yaml"], again
    assert "website_eventstream.tracks" in inputs.read_text() and "# my inputs" in inputs.read_text()
    assert "# the analyst's own note" in (project / "pb_project.yaml").read_text()
    assert temporaries(str(project / "models"), "inputs.yaml") == []
    assert ansible.playbook([_project_task(str(project), str(site), **settings)])[0]["changed"] is False
    TOTALS.faults_converged += 1


@pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
def test_new_project_killed_before_it_lands_then_converges(ansible, tmp_path):
    """Killed when pb's staged project was about to move into place: nothing at the path, a
    staging folder beside it; the next run lays the project down and removes the leftover."""
    from safety_helpers import fault_environment
    site = tmp_path / "siteconfig.yaml"
    site.write_text(PROJECT_SITE)
    parent = tmp_path / "work"
    parent.mkdir()
    (parent / "other-notes.txt").write_text("the analyst's\n")
    project = parent / "analytics"
    TOTALS.faults += 1
    killed = ansible.playbook([_project_task(str(project), str(site), fault_environment(str(project)))])[0]
    assert killed["failed"] and killed.get("rc") == 137, killed
    assert not project.exists()
    assert [n for n in os.listdir(str(parent)) if n.startswith(".profiles-project-")]
    again = ansible.playbook([_project_task(str(project), str(site))])[0]
    assert not again.get("failed") and again["created"], again
    assert sorted(os.listdir(str(parent))) == ["analytics", "other-notes.txt"]
    TOTALS.faults_converged += 1
