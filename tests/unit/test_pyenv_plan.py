"""The pyenv role's plan (plugins/module_utils/workstation/pyenv.py ``plan`` and ``read``): how
pyenv is installed and what happens to the Python, decided in Python for the tasks to follow."""
import os

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import pyenv as pyenv_state

from tests.unit.test_pyenv_state import make_root, script


def state(pyenv=True, git=True, plugin=True, python=True, venv=True, homebrew="", resolved="3.11.2"):
    return {
        "pyenv": {"bin": "/h/.pyenv/bin/pyenv", "exists": pyenv, "git": git, "plugin": plugin, "version": "2.6.30"},
        "python_version": resolved if pyenv else "",
        "python": {"exists": python},
        "virtualenv": {"name": "profiles" if venv is not None else "", "exists": bool(venv)},
        "homebrew_prefix": homebrew,
    }


def test_a_converged_host_does_nothing():
    plan = pyenv_state.plan(state(), "3.11")
    assert plan == {"install": "existing", "install_kind": "git", "clone_pyenv": False, "clone_plugin": False,
                    "brew_plugin": False, "packages": False, "python_version": "3.11.2", "python": "nothing",
                    "virtualenv": False}


def test_a_fresh_host_clones_installs_packages_and_builds():
    plan = pyenv_state.plan(state(pyenv=False, git=False, plugin=False, python=False, venv=False), "3.11")
    assert (plan["install"], plan["install_kind"]) == ("git", "git")
    assert plan["clone_pyenv"] and plan["clone_plugin"] and not plan["brew_plugin"]
    assert plan["packages"] and plan["virtualenv"]
    assert plan["python"] == "build"
    assert plan["python_version"] == "3.11"   # resolved once pyenv is there (the role reads again)


@pytest.mark.parametrize("update,git,clones", [(False, True, False), (True, True, True), (True, False, False)])
def test_an_existing_pyenv_moves_to_the_ref_only_when_asked_and_a_checkout(update, git, clones):
    plan = pyenv_state.plan(state(git=git), "3.11", update=update)
    assert plan["install"] == "existing" and plan["install_kind"] == "git"
    assert plan["clone_pyenv"] is clones
    assert plan["clone_plugin"] is update


def test_a_missing_plugin_is_cloned_into_an_existing_pyenv():
    plan = pyenv_state.plan(state(plugin=False), "3.11")
    assert plan["clone_plugin"] and not plan["clone_pyenv"]


def test_homebrew_pyenv_gets_the_formula_not_checkouts():
    plan = pyenv_state.plan(state(git=False, plugin=False, homebrew="/opt/homebrew/opt/pyenv"), "3.11")
    assert (plan["install"], plan["install_kind"]) == ("homebrew", "homebrew")
    assert plan["brew_plugin"] and not plan["clone_pyenv"] and not plan["clone_plugin"]
    assert plan["python_version"] == "3.11.2"


@pytest.mark.parametrize("pyenv,python,deps,packages", [
    (True, True, True, False), (True, False, True, True), (False, False, True, True), (False, False, False, False)])
def test_packages_only_while_pyenv_or_the_python_is_missing(pyenv, python, deps, packages):
    plan = pyenv_state.plan(state(pyenv=pyenv, python=python), "3.11.2", build_dependencies=deps)
    assert plan["packages"] is packages


@pytest.mark.parametrize("python,share,step", [
    (True, False, "nothing"), (True, True, "nothing"), (False, False, "build"), (False, True, "share")])
def test_the_python_is_built_shared_or_left(python, share, step):
    assert pyenv_state.plan(state(python=python), "3.11.2", share=share)["python"] == step


def test_no_virtualenv_named_none_planned():
    assert pyenv_state.plan(state(venv=None), "3.11.2")["virtualenv"] is False


def test_read_uses_homebrew_pyenv_where_the_root_has_none(tmp_path, monkeypatch):
    root, log = make_root(tmp_path, installed=["3.11.2"])
    brew = str(tmp_path / "brew")
    os.makedirs(os.path.join(brew, "opt"))
    os.rename(os.path.join(root, "bin"), os.path.join(brew, "opt", "bin"))
    script(os.path.join(brew, "bin", "brew"), 'echo "%s/opt"' % brew)
    monkeypatch.setattr(pyenv_state, "HOMEBREW_PATH", os.path.join(brew, "bin") + ":/usr/bin:/bin")
    found = pyenv_state.read(root, "3.11", homebrew=True)
    assert found["homebrew_prefix"] == brew + "/opt"
    assert found["pyenv"]["bin"] == brew + "/opt/bin/pyenv" and found["pyenv"]["exists"]
    assert found["python_version"] == "3.11.2"
    assert pyenv_state.read(root, "3.11", homebrew=False)["homebrew_prefix"] == ""
    assert not pyenv_state.read(root, "3.11", homebrew=False)["pyenv"]["exists"]


def test_no_homebrew_is_no_prefix(monkeypatch, tmp_path):
    monkeypatch.setattr(pyenv_state, "HOMEBREW_PATH", str(tmp_path))
    assert pyenv_state.homebrew_pyenv() == ""
