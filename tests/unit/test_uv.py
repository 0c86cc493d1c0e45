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


def test_a_pip_config_that_fails_gives_an_empty_one(tmp_path):
    """A virtualenv without pip: uv still gets its settings from profiles_pip_settings alone."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"
    python.write_text("#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n")
    python.chmod(0o755)
    directory = str(tmp_path / "uv")
    _fake_uv(directory, "uv %s" % VERSION)
    got = uv.prepare(str(tmp_path / "venv"), directory, VERSION)
    assert (got["pip_config"], got["problem"], got["changed"]) == ("", "", False)


def test_version_of_and_pip_problem():
    assert uv.version_of(0, "uv 0.13.9 (5aa3e5a 2025-10-10)\n") == "0.13.9"
    assert uv.version_of(0, "uv 0.13.9\n") == "0.13.9"
    assert uv.version_of(1, "uv 0.13.9\n") == "" and uv.version_of(None, "") == ""
    assert uv.version_of(0, "ruff 0.13.9") == ""
    assert uv.pip_problem(1, "WARNING: x\nERROR: a\nERROR: b\n") == "ERROR: a ERROR: b"
    assert uv.pip_problem(1, "Traceback ...\nOSError: no space").endswith("OSError: no space")
    assert uv.pip_problem(2, "") == "pip exited with 2"
