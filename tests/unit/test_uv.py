"""uv made ready for the profiles_cli role (plugins/module_utils/workstation/uv.py, the profiles_uv
module), with the real pip of this checkout's virtualenv: installing uv's wheel from a local
directory (pip's --find-links, no index), a uv already there, a missing release, check mode."""
import os
import stat
import subprocess
import sys

import pytest

from devtools.role_defaults import role_default
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import uv

VERSION = role_default("profiles_cli", "profiles_cli_uv_version")


@pytest.fixture
def virtualenv(tmp_path):
    """A virtualenv as the module sees it: bin/python, here this checkout's (it has pip)."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, str(tmp_path / "venv" / "bin" / "python"))
    return str(tmp_path / "venv")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """uv's wheel for this machine, downloaded once from the index pip is configured for."""
    folder = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    "-d", str(folder), "uv==" + VERSION], check=True)
    return str(folder)


@pytest.fixture
def offline(monkeypatch, wheels):
    """pip with no index, only the downloaded wheel (the task's environment carries pip's settings)."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", wheels)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def _fake_uv(directory, says):
    binary = os.path.join(directory, "bin", "uv")
    os.makedirs(os.path.dirname(binary))
    with open(binary, "w") as f:
        f.write("#!/bin/sh\necho '%s'\n" % says)
    os.chmod(binary, stat.S_IRWXU)
    return binary


def test_installs_the_missing_uv_with_pip_and_reads_pip_config_meanwhile(virtualenv, tmp_path, offline):
    directory = str(tmp_path / "uv" / VERSION)
    got = uv.prepare(virtualenv, directory, VERSION)
    assert (got["found"], got["changed"], got["problem"]) == ("", True, "")
    out = subprocess.run([got["uv"], "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("uv %s " % VERSION)
    assert got["uv"] == os.path.join(directory, "bin", "uv")
    # pip's configuration as pip itself lists it: here the task's environment.
    assert ":env:.find-links='%s'" % os.environ["PIP_FIND_LINKS"] in got["pip_config"]
    assert got["lock_exists"] is False
    # Ready now: nothing to do.
    again = uv.prepare(virtualenv, directory, VERSION)
    assert (again["found"], again["changed"], again["problem"]) == (VERSION, False, "")


def test_a_uv_already_there_is_kept(virtualenv, tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.example.com/simple")
    directory = str(tmp_path / "uv")
    binary = _fake_uv(directory, "uv %s (x86_64-unknown-linux-gnu)" % VERSION)
    open(os.path.join(virtualenv, ".lock"), "w").close()
    before = os.stat(binary).st_mtime_ns
    got = uv.prepare(virtualenv, directory, VERSION)
    assert (got["found"], got["changed"], got["problem"], got["lock_exists"]) == (VERSION, False, "", True)
    assert ":env:.index-url='https://pypi.example.com/simple'" in got["pip_config"]
    assert os.stat(binary).st_mtime_ns == before


def test_check_mode_reports_the_install_and_writes_nothing(virtualenv, tmp_path, offline):
    directory = str(tmp_path / "uv")
    _fake_uv(directory, "uv 0.12.0")
    got = uv.prepare(virtualenv, directory, VERSION, check_mode=True)
    assert (got["found"], got["changed"], got["problem"]) == ("0.12.0", True, "")
    assert sorted(os.listdir(directory)) == ["bin"] and os.listdir(os.path.join(directory, "bin")) == ["uv"]


def test_a_release_the_index_does_not_have_is_a_problem_not_an_error(virtualenv, tmp_path, offline):
    directory = str(tmp_path / "uv")
    got = uv.prepare(virtualenv, directory, "0.0.1")
    assert (got["changed"], got["found"]) == (False, "")
    assert "No matching distribution found for uv==0.0.1" in got["problem"]
    assert not os.path.exists(os.path.join(directory, "bin", "uv"))


def test_a_uv_that_does_not_run_after_the_install_is_a_problem(virtualenv, tmp_path, offline):
    """pip installs, but the binary is not the version asked for (another platform's wheel, a
    noexec home): the role must fall back to pip, saying so."""
    directory = str(tmp_path / "uv")
    calls = []

    def run(argv, env=None, timeout=120):
        calls.append(argv)
        if argv[-1] == "--version":
            return 126, "", "Permission denied"
        return 0, "", ""

    got = uv.prepare(virtualenv, directory, VERSION, run=run)
    assert calls[1] == uv.install_argv(os.path.join(virtualenv, "bin", "python"), directory, VERSION)
    assert got["changed"] is True
    assert got["problem"].startswith("the installed %s does not run as uv %s: Permission denied" % (
        os.path.join(directory, "bin", "uv"), VERSION))


def test_a_pip_config_that_fails_gives_the_pip_variables(tmp_path):
    """A virtualenv without pip: uv still gets the settings of the task's PIP_* variables
    (profiles_pip_settings, as the role passes them)."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"
    python.write_text("#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n")
    python.chmod(0o755)
    directory = str(tmp_path / "uv")
    _fake_uv(directory, "uv %s" % VERSION)
    got = uv.prepare(str(tmp_path / "venv"), directory, VERSION,
                     environ={"PIP_PROXY": "http://proxy:3128", "PIP_NO_INPUT": "1", "HOME": "/root"})
    assert (got["pip_config"], got["problem"], got["changed"]) == (
        ":env:.no-input='1'\n:env:.proxy='http://proxy:3128'\n", "", False)


def test_version_of_and_pip_problem():
    assert uv.version_of(0, "uv 0.13.9 (5aa3e5a 2025-10-10)\n") == "0.13.9"
    assert uv.version_of(0, "uv 0.13.9\n") == "0.13.9"
    assert uv.version_of(1, "uv 0.13.9\n") == "" and uv.version_of(None, "") == ""
    assert uv.version_of(0, "ruff 0.13.9") == ""
    assert uv.pip_problem(1, "WARNING: x\nERROR: a\nERROR: b\n") == "ERROR: a ERROR: b"
    assert uv.pip_problem(1, "Traceback ...\nOSError: no space").endswith("OSError: no space")
    assert uv.pip_problem(2, "") == "pip exited with 2"


@pytest.fixture
def real_virtualenv(tmp_path):
    """A real virtualenv with its own pip (uv installs into it, its pip installs uv)."""
    path = tmp_path / "real"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return str(path)


@pytest.fixture(scope="module")
def tiny_wheels(wheels):
    """uv's wheel and a small pure-Python package's, all pip and uv get (no index)."""
    index = dict((k, v) for k, v in os.environ.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"))
    for release in ("six==1.17.0", "six==1.16.0"):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                        "-d", wheels, release], env=index, check=True)
    return wheels


def _installed(virtualenv):
    out = subprocess.run([os.path.join(virtualenv, "bin", "python"), "-m", "pip", "list", "--format", "freeze"],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("==") for line in out.split())


def test_install_gets_uv_ready_then_installs_and_checks_with_it(real_virtualenv, tmp_path, offline, tiny_wheels):
    directory = str(tmp_path / "uv")
    got = uv.install(real_virtualenv, directory, VERSION, ["six==1.17.0"], ["--compile-bytecode"])
    assert (got["installer"], got["problem"], got["failed"], got["changed"]) == ("uv", "", False, True)
    assert got["cmd"] == [got["uv"], "pip", "install", "--python", os.path.join(real_virtualenv, "bin", "python"),
                          "--compile-bytecode", "six==1.17.0"]
    assert " + six==1.17.0" in got["stderr"] and "compatible" in got["check"]
    assert _installed(real_virtualenv)["six"] == "1.17.0"
    assert os.path.exists(uv.lock_file(real_virtualenv))
    assert set(got["durations"]) == {"setup", "install"} and got["durations"]["setup"] > 0
    # uv reached the index the way pip's configuration (the PIP_* variables) says: offline, these wheels.
    again = uv.install(real_virtualenv, directory, VERSION, ["six==1.17.0"])
    assert (again["installer"], again["changed"], again["found"]) == ("uv", False, VERSION)
    # Check mode plans with --dry-run once uv has installed into the virtualenv.
    plan = uv.install(real_virtualenv, directory, VERSION, ["six==1.16.0"], check_mode=True)
    assert "--dry-run" in plan["cmd"] and plan["changed"] is True and " - six==1.17.0" in plan["stderr"], plan
    assert _installed(real_virtualenv)["six"] == "1.17.0"


def test_check_mode_leaves_a_virtualenv_uv_never_installed_into_to_pip(real_virtualenv, tmp_path, offline, tiny_wheels):
    directory = str(tmp_path / "uv")
    assert uv.prepare(real_virtualenv, directory, VERSION)["problem"] == ""
    got = uv.install(real_virtualenv, directory, VERSION, ["six==1.17.0"], check_mode=True)
    assert (got["installer"], got["cmd"], got["changed"]) == ("pip", [], False)
    assert not os.path.exists(uv.lock_file(real_virtualenv)) and "six" not in _installed(real_virtualenv)


def test_a_failed_first_install_says_uvs_error_and_removes_its_lock(real_virtualenv, tmp_path, offline, tiny_wheels):
    got = uv.install(real_virtualenv, str(tmp_path / "uv"), VERSION, ["six==0.0.99"])
    assert got["failed"] and got["installer"] == "uv"
    assert got["error"].startswith("error: No solution found when resolving dependencies cause: Because")
    assert got["msg"] == "uv could not install six==0.0.99: " + got["error"]
    assert not os.path.exists(uv.lock_file(real_virtualenv))


def test_a_uv_problem_leaves_the_install_to_pip(virtualenv, tmp_path):
    calls = []

    def run(argv, env=None, timeout=120):
        calls.append(argv)
        return (1, "", "ERROR: No matching distribution found for uv==0.0.1") if "install" in argv else (127, "", "")

    got = uv.install(virtualenv, str(tmp_path / "uv"), "0.0.1", ["six==1.17.0"], run=run)
    assert (got["installer"], got["cmd"], got["failed"]) == ("pip", [], False)
    assert got["problem"] == "ERROR: No matching distribution found for uv==0.0.1"
    assert not [argv for argv in calls if argv[1:3] == ["pip", "install"]]


def test_a_broken_virtualenv_after_the_install_fails_the_check(virtualenv, tmp_path):
    directory = str(tmp_path / "uv")
    _fake_uv(directory, "uv %s" % VERSION)

    def run(argv, env=None, timeout=120):
        if argv[1:3] == ["pip", "check"]:
            return 1, "sqlalchemy-databricks 0.2.0 requires databricks-sql-connector<3\n", ""
        return 0, "uv %s" % VERSION, " + six==1.17.0\n"

    got = uv.install(virtualenv, directory, VERSION, ["six==1.17.0"], run=run)
    assert got["failed"] and got["changed"]
    assert got["error"] == "uv pip check: sqlalchemy-databricks 0.2.0 requires databricks-sql-connector<3"


def test_uv_problem():
    assert uv.uv_problem(2, "Using Python 3.11\nerror: No solution\n  cause: Because x\n\nhint: offline\n") == (
        "error: No solution cause: Because x hint: offline")
    assert uv.uv_problem(1, "panicked at x") == "panicked at x" and uv.uv_problem(1, "") == "uv exited with 1"
