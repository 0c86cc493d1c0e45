"""Bad input to the pyenv and profiles_cli roles, run for real on localhost through
ansible-playbook: each case must fail before anything is installed, with a message that names what
to change. The molecule scenario (extensions/molecule/fleet) covers the successful paths.

Nothing here installs on this machine: the pyenv cases run on a pyenv root built in pytest's tmp
dir (tests/helpers/pyenv.py: the machine's pyenv checkout, linked, with stand-in Pythons), so
they see the same Pythons on every machine; no build dependencies, no shell init, no virtualenv,
and check mode where a build could start. The profiles_cli cases use throwaway virtualenvs under
pytest's tmp dir."""
import glob
import os
import re
import subprocess
import zipfile

import pytest

from devtools.role_defaults import role_default
from tests.helpers.pyenv import fake_version_virtualenv, machine_pyenv_checkout, make_pyenv_root, run_pyenv

# Every CI machine has a pyenv checkout (scripts/build_images.sh mirrors it for molecule), so in CI
# this skip fails the run (tests/conftest.py).
needs_pyenv = pytest.mark.skipif(not machine_pyenv_checkout(),
                                 reason="needs a pyenv checkout on this machine (its code; the Pythons are stand-ins)")

# "Installed" in the stand-in root: two 3.11 patch releases that sort differently as text and as
# numbers (the newest is 3.11.10), and no other Python.
INSTALLED_311 = ["3.11.2", "3.11.10"]


@pytest.fixture
def pyenv_root(tmp_path):
    return make_pyenv_root(str(tmp_path / "pyenv-root"), INSTALLED_311)


def _role(name, role_vars, tasks_after=()):
    return [{"name": "role under test", "ansible.builtin.include_role": {"name": "rudderstack.profiles." + name},
             "vars": role_vars}] + list(tasks_after)


def _failure(results):
    failed = [r for r in results if r.get("failed")]
    assert failed, "expected a failure, got: %s" % [r.get("msg") for r in results]
    return failed[-1]["msg"]  # a rescued task reports its failure first


# Keeps the pyenv role away from everything that would change this machine.
def _pyenv_read_only(root, **extra):
    role_vars = {
        "pyenv_root": root,
        "pyenv_install_build_dependencies": False,
        "pyenv_shell_init": False,
        "pyenv_virtualenv_name": "",
    }
    role_vars.update(extra)
    return role_vars


def test_pyenv_rejects_unsupported_os_family(ansible, tmp_path):
    root = tmp_path / "pyenv"
    results = ansible.playbook(
        _role("pyenv", {"pyenv_root": str(root), "pyenv_git_url": "file:///nonexistent"}),
        extra_vars={"ansible_facts": {"os_family": "Solaris", "distribution": "SmartOS", "user_id": "root"}})
    msg = _failure(results)
    assert "OS family Solaris (SmartOS) is not supported" in msg
    assert "Debian, RedHat, Darwin" in msg
    assert "pyenv_install_build_dependencies: false" in msg
    assert not root.exists()


@pytest.mark.parametrize("bad,needle", [
    (3.1, "must be a quoted string"),
    ("3.11; rm -rf /", "must be a quoted string"),
])
def test_pyenv_rejects_malformed_python_version(ansible, tmp_path, bad, needle):
    role_vars = {"pyenv_root": str(tmp_path / "pyenv"), "pyenv_python_version": bad}
    results = ansible.playbook(_role("pyenv", role_vars))
    assert needle in _failure(results)
    assert not (tmp_path / "pyenv").exists()


@needs_pyenv
def test_pyenv_rejects_python_version_pyenv_does_not_know(ansible, pyenv_root):
    before = sorted(os.listdir(os.path.join(pyenv_root, "versions")))
    results = ansible.playbook(_role("pyenv", _pyenv_read_only(pyenv_root, pyenv_python_version="3.99.1")))
    msg = _failure(results)
    assert "Python '3.99.1' (pyenv_python_version) is not a version pyenv" in msg
    assert "pyenv install --list" in msg
    assert sorted(os.listdir(os.path.join(pyenv_root, "versions"))) == before


@needs_pyenv
def test_pyenv_prefix_prefers_the_newest_installed_patch_release(ansible, pyenv_root):
    results = ansible.playbook(
        _role("pyenv", _pyenv_read_only(pyenv_root, pyenv_python_version="3.11"),
              [{"name": "show", "ansible.builtin.debug": {"var": "pyenv_facts"}}]),
        check=True)
    assert not [r for r in results if r.get("failed")], [r.get("msg") for r in results if r.get("failed")]
    facts = results[-1]["pyenv_facts"]
    assert facts["python_version"] == "3.11.10"   # not 3.11.2, the last as text; nor a newer known one
    assert facts["install_kind"] == "git"
    assert facts["root"] == pyenv_root


@needs_pyenv
def test_pyenv_asks_the_package_manager_only_while_something_is_missing(ansible, pyenv_root, tmp_path):
    """Build dependencies serve cloning pyenv and building the Python: with both in place (a pyenv
    and the requested Python installed) the apt task is skipped, which is most of a converged
    rerun's package cost; with no pyenv at the root it runs (in check mode: nothing installed).
    The first run must succeed as a whole."""
    apt_task = "rudderstack.profiles.pyenv : Install build dependencies (apt; a minute or two the first time)"
    for root, skipped in ((pyenv_root, True), (str(tmp_path / "no-pyenv-yet"), False)):
        results = ansible.playbook(
            _role("pyenv", _pyenv_read_only(root, pyenv_install_build_dependencies=True,
                                            pyenv_python_version=INSTALLED_311[-1])),
            check=True, gather_facts=True)
        if skipped:
            assert ansible.last_stats["failures"] == 0, [r.get("msg") for r in results if r.get("failed")]
        by_name = dict(zip(ansible.last_task_names, results))
        assert not by_name[apt_task].get("failed"), by_name[apt_task]
        assert bool(by_name[apt_task].get("skipped")) is skipped, (root, by_name[apt_task])
    # (The second run goes on to plan the clone, which cannot reach github.com from here.)


@needs_pyenv
def test_pyenv_prefix_resolves_to_newest_known_release_before_building(ansible, pyenv_root):
    # The newest minor release the checkout knows (3.14 with pyenv 2.6.30): none is installed here.
    known = run_pyenv(pyenv_root, "install", "--list").stdout.split()
    prefix = max((".".join(v.split(".")[:2]) for v in known if v.startswith("3.") and v.replace(".", "").isdigit()),
                 key=lambda p: tuple(int(x) for x in p.split(".")))
    expected = run_pyenv(pyenv_root, "latest", "--known", prefix).stdout.strip()
    assert expected.startswith(prefix + ".")
    results = ansible.playbook(
        _role("pyenv", _pyenv_read_only(pyenv_root, pyenv_python_version=prefix),
              [{"name": "show", "ansible.builtin.debug": {"var": "pyenv_facts"}}]),
        check=True)
    assert not [r for r in results if r.get("failed")], [r.get("msg") for r in results if r.get("failed")]
    assert results[-1]["pyenv_facts"]["python_version"] == expected
    # check mode: the build was planned, not run
    assert sorted(os.listdir(os.path.join(pyenv_root, "versions"))) == sorted(INSTALLED_311)


def _profiles_cli_vars(venv, **extra):
    # A home of the test's own: uv goes into <home>/.local/share/rudderstack-profiles/uv.
    role_vars = {"profiles_cli_virtualenv": str(venv), "profiles_cli_shell_init": False,
                 "profiles_cli_pb_wrapper": "", "profiles_cli_user_home": os.path.join(os.path.dirname(str(venv)), "home")}
    role_vars.update(extra)
    return role_vars


def test_profiles_cli_fails_early_when_python_cannot_host_mlcorelib(ansible, tmp_path):
    # A virtualenv reporting Python 3.12 (a labelled stand-in, tests/helpers/pyenv.py: the machine
    # need not have a 3.12). No pip in it: if the role got as far as pip, the run would fail differently.
    venv = fake_version_virtualenv(tmp_path / "venv312", "3.12.4")
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(venv, profiles_cli_mlcorelib=True)))
    msg = _failure(results)
    assert "runs Python 3.12.4," in msg
    # Requires-Python as the index publishes it (profiles_requires_python), or the role's table.
    assert re.search(r"profiles-mlcorelib needs Python (>=3.9,<3.12|<3.12,>=3.9|<3.12)[.]", msg), msg
    assert "profiles_cli_mlcorelib: false" in msg
    assert "profiles-rudderstack needs" not in msg
    assert not glob.glob(os.path.join(venv, "lib", "python3*", "site-packages", "profiles*"))


def test_profiles_cli_rejects_a_missing_virtualenv(ansible, tmp_path):
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(tmp_path / "nope")))
    msg = _failure(results)
    assert str(tmp_path / "nope") + "/bin/python does not run" in msg
    assert "pyenv_virtualenv_name" in msg


def test_profiles_cli_rejects_a_malformed_version(ansible, tmp_path):
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(
        tmp_path / "venv", profiles_cli_rudderstack_version="0.26.4 or newer")))
    msg = _failure(results)
    assert "an exact version" in msg and "profiles_cli_rudderstack_version=0.26.4 or newer" in msg


def test_profiles_cli_rejects_malformed_pip_settings(ansible, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(
        venv, profiles_pip_settings={"index_url": "pypi.internal.example.com/simple"})))
    assert "profiles_pip_settings.index_url must be an http(s):// or file:// URL" in _failure(results)
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(
        venv, profiles_pip_settings={"index-url": "https://pypi.internal.example.com/simple"})))
    assert "index-url" in _failure(results)


@pytest.mark.parametrize("installer,said", [
    ("uv", "there is no version of profiles-rudderstack==0.26.999"),
    ("pip", "No matching distribution found for profiles-rudderstack==0.26.999"),
])
def test_profiles_cli_explains_a_release_that_does_not_exist(ansible, tmp_path, installer, said):
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(
        venv, profiles_cli_rudderstack_version="0.26.999", profiles_cli_pycorelib=False,
        profiles_cli_installer=installer,
        profiles_pip_settings={"ca_bundle": "/etc/ssl/certs/ca-certificates.crt"})))
    msg = _failure(results)
    assert installer + " could not install profiles-rudderstack==0.26.999" in msg
    assert said in msg
    assert "Change profiles_cli_rudderstack_version" in msg
    assert not glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "profiles*"))


def test_profiles_cli_check_mode_plans_without_installing(ansible, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    results = ansible.playbook(_role("profiles_cli", _profiles_cli_vars(
        venv, profiles_cli_pycorelib=False, profiles_pip_settings={"ca_bundle": "/etc/ssl/certs/ca-certificates.crt"})),
        check=True)
    assert not [r for r in results if r.get("failed")], [r.get("msg") for r in results if r.get("failed")]
    pip = [r for r in results if r.get("action") == "ansible.builtin.pip"]
    assert pip and pip[0]["changed"] is True
    assert not glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "profiles*"))


def _standin_index(root, version=None):
    """A PEP 503 index (file://) holding one pure-Python wheel named profiles-rudderstack (by
    default at the role's pin): what pip does with the role's arguments shows on it in seconds,
    without PyPI's 150 MB wheel."""
    version = version or role_default("profiles_cli", "profiles_cli_rudderstack_version")
    project = root / "profiles-rudderstack"
    project.mkdir(parents=True)
    wheel = "profiles_rudderstack-%s-py3-none-any.whl" % version
    info = "profiles_rudderstack-%s.dist-info" % version
    with zipfile.ZipFile(str(project / wheel), "w") as zf:
        zf.writestr("profiles_standin/__init__.py", "VERSION = %r\n" % version)
        zf.writestr(info + "/METADATA", "Metadata-Version: 2.1\nName: profiles-rudderstack\nVersion: %s\n" % version)
        zf.writestr(info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(info + "/RECORD", "profiles_standin/__init__.py,,\n%s/METADATA,,\n%s/WHEEL,,\n%s/RECORD,,\n"
                    % (info, info, info))
    (project / "index.html").write_text('<a href="%s">%s</a>\n' % (wheel, wheel))
    (root / "index.html").write_text('<a href="profiles-rudderstack/">profiles-rudderstack</a>\n')
    return "file://%s" % root


@pytest.mark.parametrize("compile_", [False, True])
def test_profiles_cli_leaves_bytecode_to_python_unless_asked(ansible, tmp_path, compile_, monkeypatch):
    """profiles_cli_pip_compile: false (the default) installs with --no-compile, so no .pyc is
    written at install time; true lets pip compile. (The stand-in has no pb: the role then fails
    at its pb check, after the install this is about.)"""
    # As on a workstation: the tests' own bytecode cache (tests/conftest.py) would take pip's .pyc.
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    role_vars = _profiles_cli_vars(venv, profiles_cli_pycorelib=False, profiles_cli_installer="pip",
                                   profiles_pip_settings={"index_url": _standin_index(tmp_path / "index")})
    if compile_:
        role_vars["profiles_cli_pip_compile"] = True
    results = ansible.playbook(_role("profiles_cli", role_vars))
    pip = [r for r in results if r.get("action") == "ansible.builtin.pip"]
    assert pip and pip[0]["changed"] is True and not pip[0].get("failed"), pip
    assert ("--no-compile" in pip[0]["cmd"]) is not compile_, pip[0]["cmd"]
    package = glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "profiles_standin"))
    assert package, "the stand-in was not installed"
    assert os.path.isdir(os.path.join(package[0], "__pycache__")) is compile_
    assert "pb" in _failure(results)
