"""Version pins and Requires-Python (plugins/module_utils/workstation/versions.py) and the filters the
profiles_cli role calls them through (plugins/filter/versions.py)."""
import pytest
from hypothesis import given, strategies as st
from packaging.version import Version

from ansible.errors import AnsibleFilterError

from ansible_collections.rudderstack.profiles.plugins.filter.versions import FilterModule
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import versions

FILTERS = FilterModule().filters()


@pytest.mark.parametrize("pin,latest,empty,valid", [
    ("0.26.4", False, False, True),
    ("0.26.4rc1", False, False, True),
    (">=0.26,<0.27", False, False, True),
    (" >=0.26 , <0.27 ", False, False, True),
    ("~=0.26.4", False, False, True),
    ("==0.26.*", False, False, True),
    ("!=0.26.3", False, False, True),
    ("===0.26.4", False, False, True),
    ("latest", True, False, True),
    ("latest", False, False, False),
    ("", False, True, True),
    ("", False, False, False),
    ("0.26.4 or newer", True, True, False),
    ("0.26.*", True, True, False),       # a wildcard needs ==
    (">=0.26;rm -rf /", True, True, False),
    ("~=1", True, True, False),          # ~= needs two release segments
    (0.3, True, True, False),            # unquoted 0.30 in YAML
    (None, True, True, False),
])
def test_is_valid_pin(pin, latest, empty, valid):
    assert versions.is_valid_pin(pin, allow_latest=latest, allow_empty=empty) is valid
    assert FILTERS["version_pin_valid"](pin, allow_latest=latest, allow_empty=empty) is valid


@pytest.mark.parametrize("version,pin,matches", [
    ("0.26.4", "0.26.4", True),
    ("0.26.4", "0.26.4.0", True),
    ("0.26.5", "0.26.4", False),
    ("0.26.4", "latest", True),
    ("", "latest", True),
    # ~= is "compatible release": >= the version and == its prefix (the old Jinja took it as >=).
    ("0.26.4", "~=0.26.0", True),
    ("0.27.0", "~=0.26.4", False),
    ("0.26.3", "~=0.26.4", False),
    ("0.99.0", "~=0.26", True),
    ("1.0.0", "~=0.26", False),
    ("0.26.4", ">=0.26,<0.27", True),
    ("0.27.0", ">=0.26,<0.27", False),
    ("0.26.4", "==0.26.*", True),
    ("0.260.1", "==0.26.*", False),     # a prefix match is by release segment, not by characters
    ("0.26.4", "!=0.26.*", False),
    ("0.26.4", "!=0.26.4", False),
    ("0.27.0rc1", ">=0.26", True),      # pip's pre-release opt-in is not a question of matching
    ("", ">=0.26", False),
    ("garbage", ">=0.26", False),
    ("0.26.4", "not a pin", False),
])
def test_pin_matches(version, pin, matches):
    assert versions.pin_matches(version, pin) is matches
    assert FILTERS["version_pin_matches"](version, pin) is matches


@given(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
       st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)))
def test_compatible_release_is_lower_bound_and_prefix(installed, pinned):
    version, pin = ".".join(map(str, installed)), ".".join(map(str, pinned))
    expected = Version(version) >= Version(pin) and installed[:2] == pinned[:2]
    assert versions.pin_matches(version, "~=" + pin) is expected


def test_pip_requirements():
    packages = [{"name": "profiles-rudderstack", "version": "0.26.4"},
                {"name": "profiles-pycorelib", "version": ""},
                {"name": "profiles-mlcorelib", "version": " ~=0.4.2 "},
                {"name": "x", "version": "latest"},
                {"name": "y", "version": ">=1,<2"}]
    assert FILTERS["pip_requirements"](packages) == [
        # pycorelib follows pb's minor (test_pb_supported.py)
        "profiles-rudderstack==0.26.4", "profiles-pycorelib==0.26.*", "profiles-mlcorelib~=0.4.2", "x", "y>=1,<2"]
    with pytest.raises(AnsibleFilterError, match="'0.26 or so' is not a version pin for x"):
        FILTERS["pip_requirements"]([{"name": "x", "version": "0.26 or so"}])


REQUIRES = {"profiles-rudderstack": ">=3.9,<3.14", "profiles-pycorelib": ">=3.9,<3.14",
            "profiles-mlcorelib": ">=3.9,<3.12"}


@pytest.mark.parametrize("python,packages,conflicts", [
    ("3.11.7", ["profiles-rudderstack", "profiles-mlcorelib"], []),
    ("3.12.1", ["profiles-rudderstack", "profiles-mlcorelib"], ["profiles-mlcorelib needs Python >=3.9,<3.12"]),
    ("3.14.0", ["profiles-rudderstack", "profiles-pycorelib"],
     ["profiles-rudderstack needs Python >=3.9,<3.14", "profiles-pycorelib needs Python >=3.9,<3.14"]),
    ("3.8.18", [{"name": "profiles-mlcorelib", "version": "0.4.2"}], ["profiles-mlcorelib needs Python >=3.9,<3.12"]),
    ("3.12.0rc1", ["profiles-mlcorelib"], ["profiles-mlcorelib needs Python >=3.9,<3.12"]),
    ("3.11.0+", ["profiles-mlcorelib"], []),   # a local build's version as platform reports it
    ("3.13.1", ["unlisted-package"], []),
])
def test_python_conflicts(python, packages, conflicts):
    assert versions.python_conflicts(python, packages, REQUIRES) == conflicts
    assert FILTERS["python_conflicts"](python, packages, REQUIRES) == conflicts


def test_python_conflicts_explains_what_it_cannot_read():
    with pytest.raises(AnsibleFilterError, match="Requires-Python of p, '3.9 and up', is not a version specifier"):
        FILTERS["python_conflicts"]("3.11.7", ["p"], {"p": "3.9 and up"})
    with pytest.raises(AnsibleFilterError, match="cannot read the Python version 'pypy'"):
        FILTERS["python_conflicts"]("pypy", ["p"], {"p": ">=3.9"})


def test_pb_version_info():
    out = ("Current version of pb: v0.26.4\nGitHash of current version: ac82319\n"
           "Native schema version:  99\n")
    assert FILTERS["pb_version_info"](out) == {"version": "0.26.4", "native_schema_version": 99}
    # An empty value does not take the next line's first word.
    assert FILTERS["pb_version_info"]("Current version of pb: \nNative schema version: \n99\n") == {
        "version": "", "native_schema_version": None}
    assert FILTERS["pb_version_info"](None) == {"version": "", "native_schema_version": None}


PACKAGES = [{"name": "profiles-rudderstack", "version": "0.26.4"},
            {"name": "profiles-pycorelib", "version": ""},
            {"name": "PyYAML", "version": ">=6,<7"}]


@pytest.mark.parametrize("installed, missing", [
    ({"profiles_rudderstack": "0.26.4", "Profiles.PyCoreLib": "0.26.0", "pyyaml": "6.0.2"}, []),
    ({"profiles-rudderstack": "0.26.3", "profiles-pycorelib": "0.26.0", "PyYAML": "6.0"}, ["profiles-rudderstack"]),
    ({"profiles-rudderstack": "0.26.4", "PyYAML": "5.4"}, ["profiles-pycorelib", "PyYAML"]),
    ({}, ["profiles-rudderstack", "profiles-pycorelib", "PyYAML"]),
    (None, ["profiles-rudderstack", "profiles-pycorelib", "PyYAML"]),   # unknown: pip decides
])
def test_packages_to_install(installed, missing):
    assert versions.packages_to_install(PACKAGES, installed) == missing
    assert FilterModule().filters()["packages_to_install"](PACKAGES, installed) == missing


def test_latest_is_always_left_to_pip():
    assert versions.packages_to_install([{"name": "pkg", "version": "latest"}], {"pkg": "9.9"}) == ["pkg"]
