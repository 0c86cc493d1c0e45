"""The pyenv role's one-pass state read (plugins/module_utils/workstation/pyenv.py) on stand-in pyenv
roots: a fake pyenv that logs its calls, fake Pythons that answer the two checks. The real pyenv
and CPython builds are exercised by the fleet molecule scenario."""
import os
import stat

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import pyenv as pyenv_state

KNOWN = ["2.7.18", "3.10.13", "3.11.0", "3.11.2", "3.11.9", "3.11-dev", "3.12.0rc1", "3.12.1",
         "3.13.0t", "pypy3.10-7.3.12"]


def script(path, body):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


def make_root(tmp_path, installed=(), venv=None, stdlib="echo ok"):
    root = str(tmp_path / "pyenv")
    log = str(tmp_path / "calls")
    script(os.path.join(root, "bin", "pyenv"),
           'echo "$@" >> %s\ncase "$1" in --version) echo "pyenv 2.6.30";; install) printf "%%s\\n" %s;; esac'
           % (log, " ".join("'  %s'" % v for v in KNOWN)))
    os.makedirs(os.path.join(root, ".git"))
    script(os.path.join(root, "plugins", "pyenv-virtualenv", "bin", "pyenv-virtualenv"), "exit 0")
    for version in installed:
        script(os.path.join(root, "versions", version, "bin", "python"), stdlib)
    if venv:
        name, version = venv
        target = os.path.join(root, "versions", installed[0], "envs", name)
        script(os.path.join(target, "bin", "python"), "echo %s" % version)
        os.symlink(target, os.path.join(root, "versions", name))
    return root, log


def calls(log):
    return open(log).read().split("\n")[:-1] if os.path.exists(log) else []


def test_converged_root_needs_only_pyenv_version(tmp_path):
    root, log = make_root(tmp_path, installed=["3.11.2"], venv=("profiles", "3.11.2"))
    state = pyenv_state.read_state(root, "3.11.2", "profiles")
    assert calls(log) == ["--version"]       # no install --list: the version is installed
    assert state["pyenv"] == {"bin": root + "/bin/pyenv", "exists": True, "git": True, "plugin": True,
                              "version": "2.6.30"}
    assert state["installed"] == ["3.11.2"]  # the virtualenv link is not a version
    assert state["python_version"] == "3.11.2" and state["python_known"] is True
    assert state["python"]["exists"] and state["python"]["stdlib_ok"] is True
    assert state["virtualenv"] == {"name": "profiles", "exists": True, "path": root + "/versions/profiles",
                                   "python_version": "3.11.2"}


def test_prefix_prefers_the_newest_installed_release(tmp_path):
    root, log = make_root(tmp_path, installed=["3.11.0", "3.11.2", "3.10.13"])
    state = pyenv_state.read_state(root, "3.11")
    assert state["python_version"] == "3.11.2"   # not 3.11.9, which this pyenv also knows
    assert calls(log) == ["--version"]


def test_prefix_without_an_installed_match_resolves_among_known_releases(tmp_path):
    root, log = make_root(tmp_path, installed=["3.10.13"])
    state = pyenv_state.read_state(root, "3.11")
    assert calls(log) == ["--version", "install --list"]
    assert state["python_version"] == "3.11.9"   # not 3.11-dev
    assert state["python_known"] is True and state["python"]["exists"] is False
    assert state["known_example"] == "3.12.1"    # newest final 3.x release, not rc or t builds
    assert pyenv_state.read_state(root, "3.12")["python_version"] == "3.12.1"


def test_unknown_versions_say_so(tmp_path):
    root, dummy = make_root(tmp_path)
    assert pyenv_state.read_state(root, "3.99.1")["python_known"] is False
    state = pyenv_state.read_state(root, "3.99")
    assert state["python_version"] == "" and state["python_known"] is False


def test_fresh_home_has_nothing_and_runs_nothing(tmp_path):
    root = str(tmp_path / "nothing")
    ran = []
    state = pyenv_state.read_state(root, "3.11", "profiles", run=lambda *a, **k: ran.append(a) or (0, "", ""))
    assert ran == []
    assert state["pyenv"]["exists"] is False and state["python_known"] is None
    assert state["python_version"] == "" and not state["virtualenv"]["exists"]
    assert pyenv_state.read_state(root, "3.11.2")["python_version"] == "3.11.2"


def test_a_python_missing_standard_modules_is_reported(tmp_path):
    root, dummy = make_root(tmp_path, installed=["3.11.2"],
                            stdlib='echo "ModuleNotFoundError: No module named \'_ssl\'" >&2; exit 1')
    python = pyenv_state.read_state(root, "3.11.2")["python"]
    assert python["stdlib_ok"] is False and "_ssl" in python["stdlib_error"]


@pytest.mark.parametrize("prefix, versions, expected", [
    ("3.11", ["3.11.2", "3.11.10", "3.11.9"], "3.11.10"),
    ("3.1", ["3.11.2", "3.1.5"], "3.1.5"),
    ("3.11", ["3.11-dev", "3.11.0rc1", " 3.11.1 "], "3.11.1"),
    ("3.13", ["3.13.0t"], ""),
])
def test_newest_release(prefix, versions, expected):
    assert pyenv_state.newest_release(prefix, versions) == expected
