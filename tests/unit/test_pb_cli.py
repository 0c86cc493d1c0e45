"""Unit tests of the pb runner (plugins/module_utils/pb/cli.py) with stand-in pb scripts."""
import os
import socket
import stat
import time

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli

# stderr of the real `pb show models` (0.26.4) on a project referring to a missing input, verbatim
# apart from the paths.
RC5_STDERR = (
    "2026-11-29T00:34:48Z\t\x1b[31mERROR\x1b[0m\tProjectDefinitionError\n"
    "Error:     A wrong path is used to refer to a model named rsNope in folder inputs.\n"
    "Hint:      Could not find model rsNope at path inputs/rsNope. It may be because of a wrong path, "
    "mis-spelling or maybe the model is not present at all.\n"
    "\n\n"
    "2026-11-29T00:34:48Z\t\x1b[34mINFO\x1b[0m\tTask Summary:\n"
    "  PB Version:          v0.26.4\n"
    "  Command:             /venv/bin/pb show models -p /p -c /s.yaml\n"
    "Program errored out due to ProjectDefinitionError (Exit code: 5)\n"
)

VERSION_OUT = ("Current version of pb: v0.26.4\nGitHash of current version: "
               "ac823196c935deb779cbb34f991d3a15acb04288\nNative schema version:  99\n")


def fake_pb(folder, body):
    path = os.path.join(str(folder), "pb")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def test_find_pb_order_and_messages(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    in_venv = fake_pb(venv / "bin", "exit 0")
    on_path = tmp_path / "onpath"
    on_path.mkdir()
    path_pb = fake_pb(on_path, "exit 0")
    explicit = fake_pb(tmp_path, "exit 0")
    assert pb_cli.find_pb(explicit, str(venv), str(on_path)) == explicit
    assert pb_cli.find_pb(None, str(venv), str(on_path)) == in_venv
    assert pb_cli.find_pb(None, None, "/nonexistent" + os.pathsep + str(on_path)) == path_pb
    with pytest.raises(pb_cli.PbNotFound, match="pb_path .* is not an executable file"):
        pb_cli.find_pb(str(tmp_path / "missing"), None, str(on_path))
    with pytest.raises(pb_cli.PbNotFound, match="virtualenv .* has no executable bin/pb"):
        pb_cli.find_pb(None, str(tmp_path), str(on_path))
    with pytest.raises(pb_cli.PbNotFound, match="pb not found on PATH"):
        pb_cli.find_pb(None, None, "/nonexistent")


def test_runs_in_a_private_workdir_with_pb_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SF_DISABLE_MINICORE", raising=False)
    pb = fake_pb(tmp_path, 'mkdir -p logs && echo run >> logs/pb.log; pwd; '
                           'echo "$SF_DISABLE_MINICORE $SNOWFLAKE_DISABLE_PLATFORM_DETECTION"; echo "$@"')
    result = pb_cli.check_pb(pb, ["show", "models", "-p", "/x y"])
    cwd, env, args = result.stdout.splitlines()
    assert env == "true true"
    assert args == "show models -p /x y"
    assert cwd != str(tmp_path) and not os.path.exists(cwd)  # the workdir and pb's log are gone
    assert not (tmp_path / "logs").exists()
    assert result.rc == 0 and result.as_dict()["cmd"] == [pb, "show", "models", "-p", "/x y"]


def test_pb_gets_a_private_tmpdir_unless_one_is_set(tmp_path):
    """pb's go-graphviz cache in a shared /tmp belongs to whoever ran pb first (docs/pb-quirks.md)."""
    env = pb_cli.pb_environment({"PATH": "/bin"}, home=str(tmp_path))
    assert env["TMPDIR"] == str(tmp_path / ".cache" / "rudderstack-pb" / "tmp")
    assert stat.S_IMODE(os.stat(env["TMPDIR"]).st_mode) == 0o700
    assert env["SF_DISABLE_MINICORE"] == "true" and env["PATH"] == "/bin"
    assert pb_cli.pb_environment({"TMPDIR": "/srv/tmp"}, home=str(tmp_path / "other"))["TMPDIR"] == "/srv/tmp"
    assert not (tmp_path / "other").exists()
    # The profiles_cli role (its pb version check and the ~/.local/bin/pb wrapper) uses the same.
    import yaml
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "roles", "profiles_cli", "vars", "main.yml")) as f:
        assert yaml.safe_load(f)["_profiles_cli_pb_tmp"] == pb_cli.PB_PRIVATE_TMP


def test_failure_carries_pbs_message_and_exit_meaning(tmp_path):
    err = tmp_path / "err.txt"
    err.write_text(RC5_STDERR)
    pb = fake_pb(tmp_path, 'cat "%s" >&2; exit 5' % err)
    with pytest.raises(pb_cli.PbError) as caught:
        pb_cli.check_pb(pb, ["show", "models"])
    msg = caught.value.message
    assert "exit code 5: project definition error" in msg
    assert "Error:     A wrong path is used to refer to a model named rsNope" in msg
    assert "Hint:" in msg and "\x1b[" not in msg
    assert "Task Summary" not in msg and "PB Version" not in msg
    assert caught.value.result.rc == 5


EXIT_MEANINGS = [(1, "ambiguous connection"), (2, "crashed"), (3, "command error"),
                 (4, "configuration error"), (6, "connection error"), (10, "version incompatible")]


@pytest.mark.parametrize("rc,meaning", EXIT_MEANINGS)
def test_exit_codes_are_explained(tmp_path, rc, meaning):
    pb = fake_pb(tmp_path, "echo something broke >&2; exit %d" % rc)
    with pytest.raises(pb_cli.PbError, match="exit code %d: .*%s(.|\n)*something broke" % (rc, meaning)):
        pb_cli.check_pb(pb, ["compile"])


def test_unknown_exit_code_and_unmarked_output():
    assert pb_cli.explain_exit(42) == "exit code 42"
    text = "line %d\n" * 30 % tuple(range(30)) + "INFO\tTask Summary:\n  PB Version: v0.26.4\n"
    assert pb_cli.pb_message(text).splitlines() == ["line %d" % i for i in range(10, 30)]


def test_timeout_kills_pb_and_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    pb = fake_pb(tmp_path, 'echo starting; sleep 60 & echo $! > "%s"; wait' % pidfile)
    start = time.time()
    with pytest.raises(pb_cli.PbError, match="did not finish within 1 s"):
        pb_cli.check_pb(pb, ["run"], timeout=1)
    assert time.time() - start < 10
    child = int(pidfile.read_text())
    time.sleep(0.2)
    assert process_state(child) in (None, "Z", "X")  # died with pb's session (maybe not reaped yet)


def process_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_cannot_start_is_a_pb_error(tmp_path):
    path = tmp_path / "pb"
    path.write_text("not a script")
    os.chmod(str(path), 0o755)
    with pytest.raises(pb_cli.PbError, match="cannot run"):
        pb_cli.run_pb(str(path), ["version"])


def test_parse_version():
    assert pb_cli.parse_version(VERSION_OUT) == ("0.26.4", 99)
    with pytest.raises(pb_cli.PbError, match="cannot read the version"):
        pb_cli.parse_version("pb 1.0")


def test_real_pb_version_when_available():
    pb = os.environ.get("PB_BIN")
    if not pb:
        pytest.skip("PB_BIN is not set (path to the real pb)")
    version, schema = pb_cli.pb_version(pb)
    assert version.count(".") == 2 and schema >= 99


def _resolver(table):
    def resolve(name):
        if name not in table:
            raise socket.gaierror(-2, "Name or service not known")
        return table[name]
    return resolve


HOSTS = _resolver({"localhost": ["127.0.0.1"], "vm": ["127.0.0.1"], "debian": ["127.0.1.1"],
                   "db.example.com": ["10.1.2.3"], "127.0.0.2": ["127.0.0.2"]})


@pytest.mark.parametrize("host, refused", [
    ("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("localhost", "127.0.0.1"),
    ("127.0.0.2", None), ("debian", None), ("db.example.com", None), ("nowhere.invalid", None),
])
def test_refused_address_is_what_pb_refuses(host, refused):
    assert pb_cli.refused_address(host, HOSTS) == refused


def test_a_local_host_pb_refuses_gets_advice_naming_what_to_use():
    msg = pb_cli.check_output_host({"type": "postgres", "host": "localhost"}, HOSTS, lambda: "debian")
    assert msg == ("host: pb cannot connect to localhost (it resolves to 127.0.0.1 here): pb refuses "
                   "warehouse hosts that resolve to 127.0.0.1 or 0.0.0.0. For a server on this machine "
                   "use 127.0.0.2 (any 127.x.y.z address reaches this machine; the server must listen on "
                   "it, e.g. PostgreSQL's listen_addresses = '127.0.0.2') or this machine's name debian "
                   "(it resolves to 127.0.1.1).")
    # A machine whose own name maps to 127.0.0.1 is not suggested.
    msg = pb_cli.check_output_host({"type": "redshift", "host": "127.0.0.1"}, HOSTS, lambda: "vm")
    assert msg.startswith("host: pb cannot connect to 127.0.0.1: ")
    assert "machine's name" not in msg and msg.endswith("listen_addresses = '127.0.0.2').")


@pytest.mark.parametrize("output", [
    {"type": "postgres", "host": "127.0.0.2"},
    {"type": "databricks", "host": "localhost"},   # pb 0.26.4 does not refuse it for databricks
    {"type": "snowflake", "account": "x"},
])
def test_hosts_pb_accepts_pass(output):
    assert pb_cli.check_output_host(output, HOSTS, lambda: "vm") is None


def test_pbs_refusal_in_a_failed_run_carries_the_advice(tmp_path):
    pb = fake_pb(tmp_path, 'echo "Error:     Failed to create connection. Check the credentials and try again. '
                           'Actual error: invalid host name in credentials" >&2; exit 6')
    with pytest.raises(pb_cli.PbError) as err:
        pb_cli.check_pb(pb, ["validate", "access"])
    assert "exit code 6" in err.value.message
    assert "use 127.0.0.2" in err.value.message
