"""The profiles_cli role's installers against the real package index: uv (the default) installs
the pinned pb, the real pb runs from it, `pip check` is clean and a rerun changes nothing; where
uv cannot be had the role says why and chooses pip; a pin moved across a minor rebuilds the
virtualenv, and a downgrade needs an explicit yes. uv comes from the same
index and settings as pip (this machine's pip.conf, which uv does not read itself)."""
import os
import pwd
import subprocess
import sys

from devtools.role_defaults import role_default
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV

PIN = role_default("profiles_cli", "profiles_cli_rudderstack_version")
UV_VERSION = role_default("profiles_cli", "profiles_cli_uv_version")
UV_DIR = role_default("profiles_cli", "profiles_cli_uv_dir")
UV_TASK = "Install the packages with uv, made ready first in the role's directory (seconds), version " + UV_VERSION
ME = pwd.getpwuid(os.geteuid()).pw_name


def _role(tmp_path, venv, **extra):
    role_vars = {"profiles_cli_user": ME, "profiles_cli_user_home": str(tmp_path / "home"),
                 "profiles_cli_virtualenv": str(venv), "profiles_cli_pycorelib": False}
    role_vars.update(extra)
    return [{"name": "role under test", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_cli"},
             "vars": role_vars},
            {"name": "facts", "ansible.builtin.debug": {"var": "profiles_cli_facts"}}]


def _venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (tmp_path / "home").mkdir()
    return venv


def _changed(ansible, results):
    return [name.split(" : ", 1)[-1] for name, r in zip(ansible.last_task_names, results) if r.get("changed")]


def test_uv_that_cannot_be_installed_falls_back_to_pip_and_says_why(ansible, tmp_path):
    venv = _venv(tmp_path)
    results = ansible.playbook([{
        "name": "uv step", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_cli",
                                                            "tasks_from": "uv.yml"},
        "vars": {"profiles_cli_virtualenv": str(venv), "_profiles_cli_home": str(tmp_path / "home"),
                 "profiles_cli_uv_version": "0.0.1", "_profiles_cli_installer": "uv",
                 "_profiles_cli_requirements": ["profiles-rudderstack==" + PIN]}},
        {"name": "chosen", "ansible.builtin.debug": {"var": "_profiles_cli_installer"}}])
    assert results[-1]["_profiles_cli_installer"] == "pip"
    said = [r["msg"] for name, r in zip(ansible.last_task_names, results) if name.endswith("Say that pip installs instead of uv")]
    assert said and "uv 0.0.1 could not be installed or does not run" in said[0]
    assert "No matching distribution found for uv==0.0.1" in said[0]
    assert "profiles_cli_installer" in said[0]
    assert not (tmp_path / "home" / UV_DIR / "0.0.1" / "bin" / "uv").exists()


def _uv_install(venv, *requirements):
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "uv"), "pip", "install", "--quiet",
                    "--python", str(venv / "bin" / "python")] + list(requirements),
                   env=dict(os.environ, UV_NO_PROGRESS="1", UV_LINK_MODE="copy"), check=True)


def _pb_version(venv):
    out = subprocess.run([str(venv / "bin" / "pb"), "version"], env=dict(os.environ, **PB_ENV),
                         capture_output=True, text=True, check=False)
    return out.stdout


def test_pin_moved_across_a_minor_rebuilds_the_virtualenv_and_a_downgrade_needs_a_yes(ansible, tmp_path):
    """A workstation onboarded with pb 0.25.10 (before this collection's range), then the pin moved
    to the role's default: the virtualenv is made again, pb and pycorelib land on the new minor
    together and `pip check` is clean. Moving the pin back down is refused unless allowed."""
    venv = _venv(tmp_path)
    _uv_install(venv, "profiles-rudderstack==0.25.10")
    (venv / "stale-marker").write_text("left by the old pb's virtualenv")
    results = ansible.playbook(_role(tmp_path, venv, profiles_cli_pycorelib=True))
    failed = [r for r in results if r.get("failed")]
    assert not failed, failed[-1]
    changed = _changed(ansible, results)
    assert "Rebuild the virtualenv for the new pb minor, from pb 0.25.10" in changed
    # uv (the default installer), pinned, in the role's directory of the analyst's home.
    assert results[-1]["profiles_cli_facts"]["installer"] == "uv"
    assert UV_TASK in changed
    uv = tmp_path / "home" / UV_DIR / UV_VERSION / "bin" / "uv"
    assert subprocess.run([str(uv), "--version"], capture_output=True, text=True,
                          check=False).stdout.startswith("uv " + UV_VERSION)
    assert not (venv / "stale-marker").exists()
    assert "Current version of pb: v" + PIN in _pb_version(venv)
    freeze = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True,
                            text=True, check=True).stdout.lower()
    assert "profiles-pycorelib==%s." % ".".join(PIN.split(".")[:2]) in freeze.replace("_", "-")
    check = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout
    # Converged: nothing changes, in check mode either, and no installer task runs.
    for check_mode in (False, True):
        again = ansible.playbook(_role(tmp_path, venv, profiles_cli_pycorelib=True), check=check_mode)
        assert _changed(ansible, again) == [] and not [r for r in again if r.get("failed")]
        assert not [name for name, r in zip(ansible.last_task_names, again)
                    if "Install the packages" in name and not r.get("skipped")]

    older = "0.26.0"
    refused = ansible.playbook(_role(tmp_path, venv, profiles_cli_pycorelib=True, profiles_cli_rudderstack_version=older))
    msg = [r for r in refused if r.get("failed")][-1]["msg"]
    assert "has pb %s, newer than profiles_cli_rudderstack_version %s" % (PIN, older) in msg
    assert "profiles_cli_allow_downgrade" in msg
    assert "Current version of pb: v" + PIN in _pb_version(venv)
    allowed = ansible.playbook(_role(tmp_path, venv, profiles_cli_pycorelib=True, profiles_cli_rudderstack_version=older,
                                     profiles_cli_allow_downgrade=True))
    assert not [r for r in allowed if r.get("failed")]
    assert "Current version of pb: v" + older in _pb_version(venv)
