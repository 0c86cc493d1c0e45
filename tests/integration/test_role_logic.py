"""The role logic that lives in Python (the profiles_user_info module, the version filters, the
pb_environment lookup), run through ansible-playbook as the roles run it: the account lookup on
this machine's passwd database, and the profiles_cli pin check against the real pb."""
import os
import pwd

import pytest

from devtools.role_defaults import role_default
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV

PB_BIN = os.environ.get("PB_BIN")
# The real pb is the role's pin (scripts/setup.sh installs that into .venv-pb).
PIN = role_default("profiles_cli", "profiles_cli_rudderstack_version")
MAJOR, MINOR, PATCH = (int(part) for part in PIN.split("."))


def test_user_info_module(ansible):
    me = pwd.getpwuid(os.geteuid())
    other = next(e for e in pwd.getpwall() if e.pw_uid != os.geteuid() and e.pw_dir)
    results = ansible.playbook([
        {"name": "me", "rudderstack.profiles.profiles_user_info": {}},
        {"name": "other", "rudderstack.profiles.profiles_user_info": {"user": other.pw_name}},
        {"name": "override", "rudderstack.profiles.profiles_user_info": {"user": other.pw_name, "home": "/srv/x"}},
        {"name": "missing", "rudderstack.profiles.profiles_user_info": {"user": "no_such_analyst_x"}},
    ], check=True)
    mine, theirs, override, missing = results
    assert (mine["user"], mine["home"], mine["become"], mine["changed"]) == (me.pw_name, me.pw_dir, False, False)
    assert (theirs["user"], theirs["home"], theirs["uid"], theirs["become"]) == (
        other.pw_name, other.pw_dir, other.pw_uid, True)
    assert override["home"] == "/srv/x"
    assert missing["exists"] is False and missing["home"] == "" and not missing.get("failed")


def test_pyenv_role_names_the_option_for_an_unknown_analyst(ansible, tmp_path):
    results = ansible.playbook([{
        "name": "role under test", "ansible.builtin.include_role": {"name": "rudderstack.profiles.pyenv"},
        "vars": {"pyenv_user": "no_such_analyst_x", "pyenv_install_build_dependencies": False,
                 "pyenv_root": str(tmp_path / "pyenv")}}])
    failed = [r for r in results if r.get("failed")]
    assert failed and "user 'no_such_analyst_x' (pyenv_user) has no account or home" in failed[-1]["msg"]
    assert not (tmp_path / "pyenv").exists()


def _check_pb(ansible, tmp_path, pin):
    """profiles_cli's check.yml against the real pb, in a virtualenv of its own (a bin/pb link),
    so a wrong pin can never reach pip or the shared pb."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    if not (venv / "bin" / "pb").exists():
        (venv / "bin" / "pb").symlink_to(PB_BIN)
    results = ansible.playbook([{
        "name": "check", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_cli",
                                                          "tasks_from": "check.yml"},
        "vars": {"profiles_cli_virtualenv": str(venv), "profiles_cli_rudderstack_version": pin,
                 "_profiles_cli_home": str(tmp_path), "_profiles_cli_python_version": "3.11.7"}},
        {"name": "facts", "ansible.builtin.debug": {"var": "profiles_cli_facts"}}])
    failed = [r for r in results if r.get("failed")]
    return (failed[-1]["msg"] if failed else None), results[-1].get("profiles_cli_facts")


@pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
@pytest.mark.parametrize("pin,accepted", [
    (PIN, True),
    ("latest", True),
    ("~=%d.%d.0" % (MAJOR, MINOR), True),
    (">=%d.%d,<%d.%d" % (MAJOR, MINOR, MAJOR, MINOR + 1), True),
    ("==%d.%d.*" % (MAJOR, MINOR), True),
    ("~=%d.%d.1" % (MAJOR, MINOR - 1), False),   # compatible release: that minor only (the Jinja check took ~= for >=)
    ("!=" + PIN, False),
    ("%d.%d.%d" % (MAJOR, MINOR, PATCH + 1), False),
])
def test_profiles_cli_checks_the_real_pb_against_the_pin(ansible, tmp_path, pin, accepted):
    msg, facts = _check_pb(ansible, tmp_path, pin)
    if accepted:  # pb ran: it crashes at start here without the environment from the lookup
        assert msg is None, msg
        assert facts["pb_version"] == PIN and int(facts["native_schema_version"]) == 99
        assert facts["pb_environment"] == PB_ENV
    else:
        assert "reports version " + PIN + ", which does not match profiles_cli_rudderstack_version " + pin in msg
