"""The supported pb range (workstation/versions.py PB_SUPPORTED): pins outside are refused with
the variable named, the installer never gets a pb outside it, and pycorelib follows pb's minor."""
import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import versions
from devtools.role_defaults import role_default


def test_the_roles_pin_and_the_oldest_tested_are_supported():
    assert versions.pb_pin_problem(role_default("profiles_cli", "profiles_cli_rudderstack_version")) == ""
    assert versions.pb_pin_problem(versions.PB_OLDEST_TESTED) == ""


@pytest.mark.parametrize("pin", ["0.25.10", "0.27.0", "1.0.0", "<0.26", ">=0.27", "==0.25.*"])
def test_pins_outside_are_refused_naming_the_variable_and_the_range(pin):
    problem = versions.pb_pin_problem(pin)
    assert "profiles_cli_rudderstack_version %r is outside" % pin in problem
    assert versions.PB_SUPPORTED in problem


@pytest.mark.parametrize("pin", ["0.26.4", "0.26.0", ">=0.25,<0.27", "~=0.26.1", "==0.26.*", "latest", ">=0.20"])
def test_pins_that_admit_a_supported_release_pass(pin):
    assert versions.pb_pin_problem(pin) == ""


@pytest.mark.parametrize("name,pin,pb_pin,want", [
    ("profiles-rudderstack", "0.26.4", None, "profiles-rudderstack==0.26.4"),
    ("profiles-rudderstack", "latest", None, "profiles-rudderstack" + versions.PB_SUPPORTED),
    ("profiles-rudderstack", ">=0.20", None, "profiles-rudderstack>=0.20," + versions.PB_SUPPORTED),
    ("profiles-pycorelib", "", "0.26.4", "profiles-pycorelib==0.26.*"),
    ("profiles-pycorelib", "", "~=0.26.1", "profiles-pycorelib==0.26.*"),
    ("profiles-pycorelib", "", "latest", "profiles-pycorelib==0.26.*"),
    ("profiles-pycorelib", "0.26.0", "0.26.4", "profiles-pycorelib==0.26.0"),
    ("profiles-mlcorelib", "0.4.2", "0.26.4", "profiles-mlcorelib==0.4.2"),
])
def test_installer_requirements_keep_pb_in_range_and_companions_on_its_minor(name, pin, pb_pin, want):
    assert versions.install_requirement(name, pin, pb_pin) == want


def test_pb_minor():
    assert versions.pb_minor("0.26.4") == "0.26"
    assert versions.pb_minor("1") == "1.0"
    assert versions.pb_minor(">=0.20") == "0.26"      # only 0.26 is supported
    assert versions.pb_minor("") == ""


@pytest.mark.parametrize("installed,pin,action,downgrade", [
    ("", "0.26.4", "install", False),
    ("0.26.4", "0.26.4", "none", False),
    ("0.26.0", "0.26.4", "upgrade", False),
    ("0.25.10", "0.26.4", "rebuild", False),     # minor change: the virtualenv is made again
    ("0.25.10", "latest", "rebuild", False),
    ("0.26.4", "latest", "none", False),
    ("0.26.4", "0.26.0", "downgrade", True),
    ("0.26.4", ">=0.26,<0.26.2", "downgrade", True),
    ("0.27.1", "0.26.4", "rebuild", True),       # a downgrade across minors rebuilds once allowed
    ("0.26.1", "~=0.26.0", "none", False),
])
def test_pb_change(installed, pin, action, downgrade):
    change = versions.pb_change(installed, pin)
    assert (change["action"], change["downgrade"]) == (action, downgrade)
    assert change["from"] == installed
