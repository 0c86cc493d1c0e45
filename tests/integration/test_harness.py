"""The harness itself: the PostgreSQL fixture answers on 127.0.0.2 and the runner reports results."""


def test_postgres_fixture_listens_on_127_0_0_2(pg, pg_connect):
    cur = pg_connect().cursor()
    cur.execute("SELECT inet_server_addr()::text, current_setting('port')::int")
    assert cur.fetchone() == ("127.0.0.2/32", pg["port"])


def test_runner_returns_module_results(ansible):
    result = ansible.module("ansible.builtin.command", {"cmd": "echo hi"})
    assert result["stdout"] == "hi"
    failed = ansible.module("ansible.builtin.command", {"cmd": "false"})
    assert failed["failed"] and failed["rc"] == 1
