"""The harness itself: the PostgreSQL fixture answers on 127.0.0.2 and the runner reports results."""
import os
import stat

import pytest

from devtools import local_postgres


def test_postgres_fixture_listens_on_127_0_0_2(pg, pg_connect):
    cur = pg_connect().cursor()
    cur.execute("SELECT inet_server_addr()::text, current_setting('port')::int")
    assert cur.fetchone() == ("127.0.0.2/32", pg["port"])


def test_runner_returns_module_results(ansible):
    result = ansible.module("ansible.builtin.command", {"cmd": "echo hi"})
    assert result["stdout"] == "hi"
    failed = ansible.module("ansible.builtin.command", {"cmd": "false"})
    assert failed["failed"] and failed["rc"] == 1


def test_postgres_superuser_password_is_random_and_kept_private(pg):
    # A password equal to a common word ("postgres") made Ansible mask that word in every message.
    assert pg["password"] != "postgres" and len(pg["password"]) >= 24
    kept = os.path.join(pg["socket_dir"], local_postgres.PASSWORD_FILE)
    with open(kept) as f:
        assert f.read().strip() == pg["password"]
    for path in (kept, os.path.join(pg["socket_dir"], local_postgres.INFO_FILE)):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
        assert os.stat(path).st_uid == os.geteuid(), path


def test_messages_naming_postgres_are_not_masked(pg, ansible, tmp_path):
    """The symptom the random password fixes: a secret's value is masked wherever it appears."""
    result = ansible.module("profiles_siteconfig", {
        "path": str(tmp_path / "siteconfig.yaml"), "connection": "c", "warehouse": "postgres",
        "host": pg["host"], "user": pg["user"], "password": pg["password"], "schema": "s"})
    assert result["failed"]
    assert "warehouse=postgres requires" in result["msg"], result["msg"]


def test_local_postgres_refuses_an_address_pb_refuses(tmp_path):
    with pytest.raises(ValueError, match=r"--host 127\.0\.0\.1: pb refuses .* use 127\.0\.0\.2"):
        local_postgres.start(str(tmp_path / "pg"), host="127.0.0.1")
    assert not (tmp_path / "pg").exists()
