"""profiles_siteconfig through the real ansible-playbook: the file on disk, its modes, check and
diff mode, idempotence, backups, removal, every fail_json path, and the real pb reading it."""
import json
import os
import shutil
import stat
import subprocess

import pytest
import yaml
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "unit", "fixtures", "pb-siteconfig")
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-unique-key-body"
PEM = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % PEM_BODY


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return str(path)


@pytest.fixture
def run(ansible, home):
    """Run the module as a user whose HOME is ``home`` (so ~/.pb is inside the test dir)."""
    def call(args, check=False, diff=False):
        return ansible.module("profiles_siteconfig", args, check=check, diff=diff,
                              extra_env={"HOME": home})
    return call


DATABRICKS = dict(connection="dbconn", warehouse="databricks",
                  host="adb-1234567890123456.7.azuredatabricks.net",
                  http_endpoint="/sql/1.0/warehouses/abc123", catalog="main", user="dbuser",
                  access_token="dapiXXXX", schema="db_sch")


def test_default_path_file_is_pb_identical_with_safe_modes(run, home):
    result = run(DATABRICKS)
    assert result["changed"] is True, result
    path = os.path.join(home, ".pb", "siteconfig.yaml")
    assert result["path"] == path
    with open(path) as handle:
        written = handle.read()
    assert written == fixture("15_databricks_pat.yaml").replace("/home/analyst", home)
    assert mode(path) == 0o600
    assert mode(os.path.dirname(path)) == 0o700
    assert result["connections"] == ["dbconn"] and result["default_target"] == "dev"


def test_check_mode_writes_nothing_and_diff_is_redacted(run, home):
    result = run(DATABRICKS, check=True, diff=True)
    assert result["changed"] is True, result
    assert not os.path.exists(os.path.join(home, ".pb"))
    after = result["diff"]["after"]
    assert "access_token: <redacted>" in after
    assert "dapiXXXX" not in json.dumps(result)
    assert result["diff"]["before"] == ""


def test_second_run_is_unchanged_and_does_not_touch_the_file(run, home):
    assert run(DATABRICKS)["changed"] is True
    path = os.path.join(home, ".pb", "siteconfig.yaml")
    before = os.stat(path)
    with open(path, "rb") as handle:
        content = handle.read()
    again = run(DATABRICKS, diff=True)
    assert again["changed"] is False, again
    assert "diff" not in again or not again["diff"].get("after")
    after = os.stat(path)
    assert after.st_mtime_ns == before.st_mtime_ns and after.st_ino == before.st_ino
    with open(path, "rb") as handle:
        assert handle.read() == content
    # check mode agrees
    assert run(DATABRICKS, check=True)["changed"] is False


def test_secret_from_key_file_is_redacted_in_diff_and_stored_in_file(run, home, tmp_path):
    key = tmp_path / "rsa_key.p8"
    key.write_text(PEM)
    args = dict(connection="sf", warehouse="snowflake", account="acct", snowflake_warehouse="WH",
                dbname="DB", role="R", user="U", private_key_path=str(key), schema="S")
    result = run(args, diff=True)
    assert result["changed"] is True, result
    assert PEM_BODY not in json.dumps(result)  # not a module argument: only our redaction hides it
    assert "privateKey: <redacted>" in result["diff"]["after"]
    with open(os.path.join(home, ".pb", "siteconfig.yaml")) as handle:
        stored = yaml.safe_load(handle)
    assert stored["connections"]["sf"]["outputs"]["dev"]["privateKey"] == PEM
    assert stored["connections"]["sf"]["outputs"]["dev"]["useKeyPairAuth"] is True


def test_changed_secret_backup_and_diff_marker(run, home):
    path = os.path.join(home, ".pb", "siteconfig.yaml")
    assert run(DATABRICKS)["changed"] is True
    with open(path) as handle:
        original = handle.read()
    result = run(dict(DATABRICKS, access_token="dapiNEW", backup=True), diff=True)
    assert result["changed"] is True
    assert "access_token: <redacted, changed>" in result["diff"]["after"]
    assert "dapiNEW" not in json.dumps(result)
    backup = result["backup_file"]
    with open(backup) as handle:
        assert handle.read() == original
    with open(path) as handle:
        assert "access_token: dapiNEW" in handle.read()
    assert mode(path) == 0o600


def test_existing_pb_file_gets_0600_and_other_connections_survive(run, home):
    pbdir = os.path.join(home, ".pb")
    os.mkdir(pbdir, 0o755)
    os.chmod(pbdir, 0o755)
    path = os.path.join(pbdir, "siteconfig.yaml")
    with open(path, "w") as handle:
        handle.write(fixture("30_handwritten_before.yaml"))
    os.chmod(path, 0o644)  # what pb leaves behind
    result = run(dict(DATABRICKS, connection="conn_b", host="h", http_endpoint="/sql",
                      user="u", access_token="tok", schema="dsch"))
    assert result["changed"] is True, result
    with open(path) as handle:
        text = handle.read()
    expected = fixture("31_handwritten_after_append.yaml").replace("/home/analyst", home)
    assert text == expected + "unknown_top_level: 42\n"  # pb would drop this key; we keep it
    assert mode(path) == 0o600 and mode(pbdir) == 0o700


def test_mode_only_fix_is_a_change_then_idempotent(run, home):
    assert run(DATABRICKS)["changed"] is True
    path = os.path.join(home, ".pb", "siteconfig.yaml")
    os.chmod(path, 0o644)
    assert run(DATABRICKS, check=True)["changed"] is True
    assert mode(path) == 0o644  # check mode did not fix it
    assert run(DATABRICKS)["changed"] is True
    assert mode(path) == 0o600
    assert run(DATABRICKS)["changed"] is False


def test_default_target_is_explicit(run, home):
    assert run(DATABRICKS)["changed"] is True
    result = run(dict(DATABRICKS, target="prod"))
    assert result["default_target"] == "dev" and result["targets"] == ["dev", "prod"]
    result = run(dict(DATABRICKS, target="prod", default_target=True))
    assert result["changed"] is True and result["default_target"] == "prod"
    with open(os.path.join(home, ".pb", "siteconfig.yaml")) as handle:
        assert yaml.safe_load(handle)["connections"]["dbconn"]["target"] == "prod"


def test_state_absent_target_then_connection(run, home):
    path = os.path.join(home, ".pb", "siteconfig.yaml")
    run(DATABRICKS)
    run(dict(DATABRICKS, target="prod"))
    run(dict(DATABRICKS, connection="keep"))
    failed = run(dict(connection="dbconn", target="dev", state="absent"))
    assert failed.get("failed") and "default target of connection dbconn" in failed["msg"]
    result = run(dict(connection="dbconn", target="prod", state="absent"))
    assert result["changed"] is True and result["targets"] == ["dev"]
    with open(path) as handle:
        data = yaml.safe_load(handle)
    assert list(data["connections"]["dbconn"]["outputs"]) == ["dev"]
    before = os.stat(path).st_mtime_ns
    assert run(dict(connection="dbconn", target="prod", state="absent"))["changed"] is False
    assert os.stat(path).st_mtime_ns == before
    result = run(dict(connection="dbconn", state="absent"))
    assert result["changed"] is True and result["connections"] == ["keep"]
    with open(path) as handle:
        assert list(yaml.safe_load(handle)["connections"]) == ["keep"]


def test_state_absent_without_file_creates_nothing(run, home):
    result = run(dict(connection="x", state="absent"))
    assert result["changed"] is False, result
    assert not os.path.exists(os.path.join(home, ".pb"))


def test_py_models_and_gitcreds(run, home, tmp_path):
    key = tmp_path / "git_key"
    key.write_text(PEM)
    result = run(dict(DATABRICKS, py_models_enabled=True, py_models_python_path="/venv/bin/python",
                      gitcreds=[{"reporegex": "git@github.com:org/*", "key_path": str(key)}]),
                 diff=True)
    assert result["changed"] is True, result
    assert PEM_BODY not in json.dumps(result)
    with open(os.path.join(home, ".pb", "siteconfig.yaml")) as handle:
        data = yaml.safe_load(handle)
    assert data["py_models"]["enabled"] is True
    assert data["py_models"]["python_path"] == "/venv/bin/python"
    assert data["gitcreds"] == [{"reporegex": "git@github.com:org/*", "key": PEM}]


# --- every fail_json path: nothing is written -------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (dict(DATABRICKS, warehouse="mysql"), "warehouse must be one of: " + ", ".join(warehouses.names())),
    (dict(DATABRICKS, catalog=None), "warehouse=databricks requires"),
    (dict(DATABRICKS, port=70000), "port must be an integer from 1 to 65535, got 70000"),
    (dict(DATABRICKS, port="https"), "port must be an integer from 1 to 65535"),
    (dict(DATABRICKS, account="x"), "account do not apply to warehouse=databricks"),
    (dict(connection="c", warehouse="snowflake", account="a", snowflake_warehouse="w",
          dbname="d", role="r", user="u", schema="s", private_key_path="/nonexistent/key.p8"),
     "private_key_path: file /nonexistent/key.p8 does not exist"),
    (dict(connection="c", warehouse="postgres", schema="s"), "warehouse=postgres requires"),
    (dict(connection="c", schema="s"), "state is present but all of the following are missing: warehouse"),
])
def test_bad_input_fails_before_writing(run, home, args, message):
    result = run(args)
    assert result.get("failed") is True, result
    assert message in result["msg"], result["msg"]
    assert not os.path.exists(os.path.join(home, ".pb"))


def test_malformed_existing_file_is_not_overwritten(run, home):
    pbdir = os.path.join(home, ".pb")
    os.mkdir(pbdir)
    path = os.path.join(pbdir, "siteconfig.yaml")
    broken = "connections:\n    c:\n        target: dev\n      outputs: [\n"
    with open(path, "w") as handle:
        handle.write(broken)
    result = run(DATABRICKS)
    assert result.get("failed") is True
    assert path in result["msg"] and "line 4" in result["msg"], result["msg"]
    with open(path) as handle:
        assert handle.read() == broken
    assert os.listdir(pbdir) == ["siteconfig.yaml"]


# --- the real pb reads what the module wrote --------------------------------------------------

@pytest.fixture
def pb_bin():
    path = os.environ.get("PB_BIN")
    if not path or not os.path.exists(path):
        pytest.skip("PB_BIN is not set to the pb executable (tests/run-all.sh sets it)")
    return path


def test_pb_loads_postgres_siteconfig_written_by_module(run, home, pg, pg_connect, pb_bin, tmp_path):
    conn = pg_connect()
    conn.cursor().execute("CREATE SCHEMA IF NOT EXISTS siteconfig_it")
    result = run(dict(connection="pgconn", warehouse="postgres", host=pg["host"],
                      port=str(pg["port"]), dbname=pg["dbname"], user=pg["user"],
                      password=pg["password"], schema="siteconfig_it", sslmode="disable"))
    assert result["changed"] is True, result
    siteconfig = os.path.join(home, ".pb", "siteconfig.yaml")
    with open(siteconfig) as handle:
        text = handle.read()
    assert "                port: %d\n" % pg["port"] in text  # an integer, as pb requires
    env = dict(os.environ, HOME=home, **PB_ENV)
    project = str(tmp_path / "proj")
    init = subprocess.run([pb_bin, "init", "pb-project", "-o", project, "-n", "pgconn",
                           "-c", siteconfig], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    for command in (["validate", "access"], ["show", "models"]):
        proc = subprocess.run([pb_bin] + command + ["-c", siteconfig], cwd=project, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, "pb %s: %s%s" % (" ".join(command), proc.stdout, proc.stderr)
    # and a wrong password in the same file makes pb fail: the check above is not vacuous
    run(dict(connection="pgconn", warehouse="postgres", host=pg["host"], port=pg["port"],
             dbname=pg["dbname"], user=pg["user"], password="wrong", schema="siteconfig_it",
             sslmode="disable"))
    proc = subprocess.run([pb_bin, "validate", "access", "-c", siteconfig], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    shutil.rmtree(project, ignore_errors=True)


def test_symlinked_siteconfig_is_updated_in_place(run, home, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "siteconfig.yaml"
    real.write_text(fixture("20_multi_two_connections.yaml"))
    pbdir = os.path.join(home, ".pb")
    os.mkdir(pbdir, 0o700)
    link = os.path.join(pbdir, "siteconfig.yaml")
    os.symlink(str(real), link)
    result = run(dict(DATABRICKS, connection="conn_c"))
    assert result["changed"] is True, result
    assert os.path.islink(link)
    data = yaml.safe_load(real.read_text())
    assert sorted(data["connections"]) == ["conn_a", "conn_b", "conn_c"]
    assert mode(str(real)) == 0o600


TRICKY_PASSWORDS = ["0b101", "0777", "1e400", "2024-02-30", "2024-01-01 10:00:00", "<<", "yes", "0bad"]


def test_pb_reads_back_quoted_and_plain_values_as_written(run, home, pg, pg_connect, pb_bin, tmp_path):
    """pb, logging in with each password as the module wrote it (quoted where yaml.v3 would read
    another type, plain otherwise), proves it reads back the same text."""
    cur = pg_connect().cursor()
    cur.execute("DROP ROLE IF EXISTS tricky_pb")
    cur.execute("CREATE ROLE tricky_pb LOGIN SUPERUSER")  # pb validate access checks privileges too
    cur.execute("CREATE SCHEMA IF NOT EXISTS tricky_out AUTHORIZATION tricky_pb")
    siteconfig = os.path.join(home, ".pb", "siteconfig.yaml")
    env = dict(os.environ, HOME=home, **PB_ENV)
    project = str(tmp_path / "proj")

    def write_and_validate(password):
        cur.execute("ALTER ROLE tricky_pb PASSWORD %s", (password,))
        result = run(dict(connection="tricky", warehouse="postgres", host=pg["host"], port=pg["port"],
                          dbname=pg["dbname"], user="tricky_pb", password=password, schema="tricky_out",
                          sslmode="disable"))
        assert not result.get("failed"), result
        if not os.path.exists(project):
            init = subprocess.run([pb_bin, "init", "pb-project", "-o", project, "-n", "tricky", "-c", siteconfig],
                                  env=env, capture_output=True, text=True, timeout=120, check=False)
            assert init.returncode == 0, init.stdout + init.stderr
        return subprocess.run([pb_bin, "validate", "access", "-c", siteconfig], cwd=project, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    for password in TRICKY_PASSWORDS:
        proc = write_and_validate(password)
        with open(siteconfig) as handle:
            line = [row for row in handle if row.strip().startswith("password:")][0]
        assert proc.returncode == 0, (password, line, proc.stdout[-1500:], proc.stderr[-1500:])
    # Not vacuous: the same password written plain where yaml.v3 reads a number fails.
    write_and_validate("0b101")
    with open(siteconfig) as handle:
        text = handle.read()
    assert 'password: "0b101"' in text
    with open(siteconfig, "w") as handle:
        handle.write(text.replace('password: "0b101"', "password: 0b101"))
    proc = subprocess.run([pb_bin, "validate", "access", "-c", siteconfig], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0, proc.stdout[-1500:]
    shutil.rmtree(project, ignore_errors=True)


# --- hosts pb refuses -----------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0.0.0.0"])
def test_a_host_pb_refuses_fails_saying_what_to_use(run, home, host):
    # (a one-letter password would be masked by Ansible wherever the letter appears)
    result = run(dict(connection="pgconn", warehouse="postgres", host=host, dbname="d", user="u",
                      password="s3cret-pw", schema="s"))
    assert result.get("failed") is True, result
    assert result["msg"].startswith("host: pb cannot connect to %s" % host), result["msg"]
    assert "use 127.0.0.2" in result["msg"]
    assert not os.path.exists(os.path.join(home, ".pb"))


def test_pb_refuses_127_0_0_1_the_premise_of_the_check(home, pg, pb_bin, tmp_path):
    """pb itself, reading a siteconfig that points at 127.0.0.1 (written here by hand, since the
    module refuses to): if a later pb accepts it, the module's check can go."""
    siteconfig = tmp_path / "siteconfig.yaml"
    siteconfig.write_text(
        "connections:\n    pgconn:\n        target: dev\n        outputs:\n            dev:\n"
        "                dbname: %s\n                host: 127.0.0.1\n                password: %s\n"
        "                port: %d\n                schema: public\n                type: postgres\n"
        "                user: %s\n" % (pg["dbname"], pg["password"], pg["port"], pg["user"]))
    env = dict(os.environ, HOME=home, **PB_ENV)
    project = str(tmp_path / "proj")
    subprocess.run([pb_bin, "init", "pb-project", "-o", project, "-n", "pgconn", "-c", str(siteconfig)],
                   env=env, capture_output=True, timeout=120, check=True)
    proc = subprocess.run([pb_bin, "validate", "access", "-c", str(siteconfig)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert pb_cli.REFUSED_HOST_MESSAGE in proc.stdout + proc.stderr
