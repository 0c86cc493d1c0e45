"""What a virtualenv holds, read for the profiles_cli role (plugins/module_utils/workstation/
virtualenv.py, the profiles_virtualenv_info module)."""
import os
import platform
import sys

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import virtualenv


def test_reads_the_python_version_and_the_packages_of_a_real_interpreter(tmp_path):
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, str(tmp_path / "venv" / "bin" / "python"))
    found = virtualenv.read_virtualenv(str(tmp_path / "venv"))
    assert found["exists"] and found["error"] == ""
    assert found["python_version"] == platform.python_version()
    assert found["packages"]["pytest"]
    assert found["python"] == str(tmp_path / "venv" / "bin" / "python")
    # The interpreter a rebuild uses: the base of this (virtualenv's) Python, and it runs.
    assert found["base_python"] == os.path.join(sys.base_prefix, "bin", "python%d.%d" % sys.version_info[:2])
    assert os.access(found["base_python"], os.X_OK)


def test_a_missing_virtualenv_is_reported_not_raised(tmp_path):
    found = virtualenv.read_virtualenv(str(tmp_path / "nope"))
    assert (found["exists"], found["python_version"], found["packages"]) == (False, "", None)
    assert "nope/bin/python does not exist" in found["error"]


def test_a_python_that_does_not_run_says_why(tmp_path):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho 'error while loading shared libraries: libpython3.11.so' >&2\nexit 127\n")
    python.chmod(0o755)
    found = virtualenv.read_virtualenv(str(tmp_path / "venv"))
    assert found["exists"] and found["python_version"] == "" and "libpython3.11.so" in found["error"]


def test_parse_probe():
    assert virtualenv.parse_probe(0, '{"python": "3.11.7", "packages": {"PyYAML": "6.0.2"}}\n', "") == (
        "3.11.7", {"PyYAML": "6.0.2"}, "")
    assert virtualenv.parse_probe(0, 'noise\n{"python": "3.9.1", "packages": null}\n', "") == ("3.9.1", None, "")
    assert virtualenv.parse_probe(0, "garbage", "")[2].startswith("unexpected output")
    assert virtualenv.parse_probe(1, "", "")[2] == "exit code 1"
