"""The pyenv role's CPython build when it does not finish in time: the role fails saying which
setting to change, and nothing of the build keeps running (a rerun would otherwise start a second
build into the same prefix). Found on a busy 2-core machine, where a build took over 30 minutes.

pyenv here is a stand-in whose `install` starts a long child process, so the case takes seconds."""
import os
import textwrap
import time

FAKE_PYENV = textwrap.dedent("""\
    #!/bin/sh
    case "$1" in
      --version) echo "pyenv 2.6.30" ;;
      versions) ;;
      latest) exit 1 ;;
      install)
        if [ "$2" = --list ]; then echo "  3.11.2"; exit 0; fi
        sleep 600 &
        echo $! > "$PYENV_ROOT/build.pid"
        wait ;;
    esac
    """)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split()[2] != "Z"


def test_a_build_that_times_out_is_stopped_and_says_what_to_change(ansible, tmp_path):
    root = tmp_path / "pyenv"
    (root / "bin").mkdir(parents=True)
    (root / "plugins" / "pyenv-virtualenv" / "bin").mkdir(parents=True)
    (root / "plugins" / "pyenv-virtualenv" / "bin" / "pyenv-virtualenv").write_text("")
    (root / "bin" / "pyenv").write_text(FAKE_PYENV)
    (root / "bin" / "pyenv").chmod(0o755)
    (tmp_path / "home").mkdir()

    results = ansible.playbook([{
        "name": "pyenv role", "ansible.builtin.include_role": {"name": "rudderstack.profiles.pyenv"},
        "vars": {"pyenv_root": str(root), "pyenv_user_home": str(tmp_path / "home"),
                 "pyenv_install_build_dependencies": False, "pyenv_shell_init": False,
                 "pyenv_virtualenv_name": "", "pyenv_python_version": "3.11.2",
                 "pyenv_python_build_timeout": 5}}], gather_facts=True)
    failed = [r for r in results if r.get("failed")]
    assert failed, [r.get("msg") for r in results]
    msg = failed[-1]["msg"]
    assert "building Python 3.11.2 failed or did not finish within pyenv_python_build_timeout (5 s)" in msg, msg
    assert "raise pyenv_python_build_timeout" in msg

    # Ansible's async wrapper kills the process group at its own timer, which on a loaded machine
    # can fire some seconds after the controller gave up; the stand-in's child would live 600 s.
    pid = int((root / "build.pid").read_text())
    deadline = time.time() + 60
    while alive(pid) and time.time() < deadline:
        time.sleep(0.5)
    assert not alive(pid), "the build's child process %d is still running" % pid


# What python-build (pyenv 2.6.30, plugins/python-build/bin/python-build: "Downloading ...",
# "-> $package_url", "error: failed to download $package_filename") prints when no source is
# reachable, then BUILD FAILED.
FAILED_DOWNLOAD_PYENV = textwrap.dedent("""\
    #!/bin/sh
    case "$1" in
      --version) echo "pyenv 2.6.30" ;;
      versions) ;;
      latest) exit 1 ;;
      install)
        if [ "$2" = --list ]; then echo "  3.14.4"; exit 0; fi
        echo "Downloading Python-3.14.4.tar.xz..." >&2
        echo "-> https://mirror.example.invalid/1a2b3c" >&2
        echo "-> https://www.python.org/ftp/python/3.14.4/Python-3.14.4.tar.xz" >&2
        echo "error: failed to download Python-3.14.4.tar.xz" >&2
        echo "" >&2
        echo "BUILD FAILED (Debian 12 on x86_64 using python-build 2.6.30)" >&2
        exit 1 ;;
    esac
    """)


def test_a_failed_download_says_so_and_names_the_sources_and_the_mirror_options(ansible, tmp_path):
    root = tmp_path / "pyenv"
    (root / "bin").mkdir(parents=True)
    (root / "plugins" / "pyenv-virtualenv" / "bin").mkdir(parents=True)
    (root / "plugins" / "pyenv-virtualenv" / "bin" / "pyenv-virtualenv").write_text("")
    (root / "bin" / "pyenv").write_text(FAILED_DOWNLOAD_PYENV)
    (root / "bin" / "pyenv").chmod(0o755)
    (tmp_path / "home").mkdir()
    results = ansible.playbook([{
        "name": "pyenv role", "ansible.builtin.include_role": {"name": "rudderstack.profiles.pyenv"},
        "vars": {"pyenv_root": str(root), "pyenv_user_home": str(tmp_path / "home"),
                 "pyenv_install_build_dependencies": False, "pyenv_shell_init": False,
                 "pyenv_virtualenv_name": "", "pyenv_python_version": "3.14.4"}}], gather_facts=True)
    msg = [r for r in results if r.get("failed")][-1]["msg"]
    assert "the source of Python 3.14.4 (Python-3.14.4.tar.xz) could not be downloaded from" in msg, msg
    assert "https://mirror.example.invalid/1a2b3c, https://www.python.org/ftp/python/3.14.4/Python-3.14.4.tar.xz" in msg
    assert "pyenv_python_build_mirror_url" in msg and "pyenv_python_build_cache_path" in msg
    assert "pyenv_python_build_timeout" not in msg
