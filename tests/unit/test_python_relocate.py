"""Moving a pyenv-built CPython to another analyst's prefix (module_utils/workstation/python_relocate.py,
the profiles_python_relocate module) on a stand-in installation laid out as CPython installs
itself, and on this machine's real CPython for the sysconfig reader. A real static build moved
between analysts is exercised by the fleet molecule scenario (cy unpacks ana's build)."""
import os
import sys
import sysconfig

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import python_relocate

OLD = "/home/ana/.pyenv/versions/3.11.2"


def install(prefix, old=OLD, shared=0):
    """A CPython 3.11 install's prefix-bearing files, as `make install` writes them for ``old``."""
    def write(rel, data, mode=0o644):
        path = os.path.join(prefix, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)
    write("lib/python3.11/_sysconfigdata__linux_x86_64-linux-gnu.py",
          "# system configuration generated and used by the sysconfig module\n"
          "build_time_vars = {'ABIFLAGS': '',\n 'BINDIR': '%s/bin',\n 'Py_ENABLE_SHARED': %d,\n"
          " 'prefix': '%s'}\n" % (old, shared, old))
    write("bin/pip3", "#!%s/bin/python3.11\n# -*- coding: utf-8 -*-\nimport re\n" % old, 0o755)
    write("bin/pydoc3.11", "#!%s/bin/python3.11\nimport pydoc\n" % old, 0o755)
    write("bin/python3.11", b"\x7fELF\0\0" + old.encode() + b"/lib\0more", 0o755)
    write("bin/idle3.11", "#!/usr/bin/env python3\nimport idlelib\n", 0o755)
    write("lib/pkgconfig/python-3.11.pc", "prefix=%s\nexec_prefix=${prefix}\n" % old)
    write("lib/python3.11/config-3.11-x86_64-linux-gnu/Makefile", "prefix=\t\t%s\n" % old)
    write("lib/python3.11/os.py", "# %s is not rewritten here\n" % old)
    os.symlink("pip3", os.path.join(prefix, "bin", "pip"))


def read(prefix, rel):
    with open(os.path.join(prefix, rel), "rb") as f:
        return f.read()


def test_plan_lists_the_text_files_that_name_the_build_prefix(tmp_path):
    prefix = str(tmp_path / "cy" / "3.11.2")
    install(prefix)
    old, files = python_relocate.plan(prefix)
    assert old == OLD
    assert files == ["bin/pip3", "bin/pydoc3.11", "lib/pkgconfig/python-3.11.pc",
                     "lib/python3.11/_sysconfigdata__linux_x86_64-linux-gnu.py",
                     "lib/python3.11/config-3.11-x86_64-linux-gnu/Makefile"]


def test_apply_rewrites_them_keeps_modes_and_binaries_and_is_then_done(tmp_path):
    prefix = str(tmp_path / "cy" / "3.11.2")
    install(prefix)
    binary = read(prefix, "bin/python3.11")
    old, files = python_relocate.plan(prefix)
    python_relocate.apply(prefix, old, files)
    assert read(prefix, "bin/pip3").startswith(("#!%s/bin/python3.11\n" % prefix).encode())
    assert read(prefix, "bin/python3.11") == binary
    assert read(prefix, "lib/python3.11/os.py").count(OLD.encode()) == 1
    assert os.stat(os.path.join(prefix, "bin/pip3")).st_mode & 0o777 == 0o755
    assert os.path.islink(os.path.join(prefix, "bin/pip"))
    assert python_relocate.build_time_vars(prefix)["prefix"] == prefix
    assert python_relocate.build_time_vars(prefix)["BINDIR"] == prefix + "/bin"
    assert python_relocate.plan(prefix) == (prefix, [])
    assert not [n for n in os.listdir(os.path.join(prefix, "bin")) if n.startswith(".")]


def test_a_shared_library_build_is_refused(tmp_path):
    prefix = str(tmp_path / "3.11.2")
    install(prefix, shared=1)
    with pytest.raises(python_relocate.RelocateError, match="--enable-shared"):
        python_relocate.plan(prefix)


def test_not_a_python(tmp_path):
    with pytest.raises(python_relocate.RelocateError, match="not a CPython installation"):
        python_relocate.plan(str(tmp_path))


def test_the_reader_agrees_with_sysconfig_on_this_machines_real_python():
    variables = python_relocate.build_time_vars(sys.base_prefix)
    assert variables["prefix"] == sysconfig.get_config_var("prefix")
    assert variables["Py_ENABLE_SHARED"] == sysconfig.get_config_var("Py_ENABLE_SHARED")
    assert variables["VERSION"] == "%d.%d" % sys.version_info[:2]


def test_module_check_mode_diff_then_real_run(ansible, tmp_path):
    prefix = str(tmp_path / "cy" / "3.11.2")
    install(prefix)
    before = read(prefix, "bin/pip3")
    checked = ansible.module("profiles_python_relocate", {"path": prefix}, check=True, diff=True)
    assert checked["changed"] and checked["old_prefix"] == OLD and len(checked["files"]) == 5
    assert checked["diff"]["after"] == "prefix: %s\n" % prefix
    assert read(prefix, "bin/pip3") == before
    done = ansible.module("profiles_python_relocate", {"path": prefix})
    assert done["changed"] and read(prefix, "bin/pip3").startswith(("#!" + prefix).encode())
    again = ansible.module("profiles_python_relocate", {"path": prefix})
    assert not again["changed"] and again["files"] == []


def test_module_bad_input_names_the_option(ansible, tmp_path):
    missing = ansible.module("profiles_python_relocate", {"path": str(tmp_path / "nope")})
    assert missing["failed"] and missing["msg"].startswith("path: ") and "not a directory" in missing["msg"]
    prefix = str(tmp_path / "3.11.2")
    install(prefix, shared=1)
    shared = ansible.module("profiles_python_relocate", {"path": prefix})
    assert shared["failed"] and "pyenv_python_configure_opts" in shared["msg"]
