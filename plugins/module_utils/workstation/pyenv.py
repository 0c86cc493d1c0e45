# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What a pyenv root holds, read in one pass for the pyenv role: pyenv itself (at the root, or
Homebrew's), its plugin, the Python versions installed and known, a requested version resolved,
that Python's standard modules, and a virtualenv's Python; and from that the role's plan (``plan``):
how pyenv is installed and whether the Python is built, shared or unpacked.

One module run instead of a dozen tasks (stat, ``pyenv --version``, ``pyenv versions``, ``pyenv
install --list``, ``pyenv latest``, two Python checks): every task costs a round trip to the host,
which is most of the time of a rerun on a converged workstation. pyenv itself is only run when
its answer is needed (its version always; ``install --list`` only for a version not installed).

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess

# A build that silently skipped one of these (missing -dev packages) gives a Python on which pip
# or pb fails later.
STDLIB_CHECK = "import ssl, sqlite3, ctypes, bz2, lzma, zlib, readline; print('ok')"
# Where Homebrew lives (Apple silicon, Intel), whatever PATH the connection gives.
HOMEBREW_PATH = "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin"
PREFIX = re.compile(r"^[0-9]+\.[0-9]+$")
RELEASE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


def _run(argv, env=None, timeout=120):
    """(rc, stdout, stderr) of a command; rc None when it cannot start or times out."""
    try:
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "", str(exc)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _release_key(version):
    return tuple(int(part) for part in version.split("."))


def newest_release(prefix, versions):
    """The newest X.Y.Z release among ``versions`` that starts with the X.Y ``prefix`` (what
    ``pyenv latest`` picks: final releases only, no -dev, rc or free-threaded builds), or ''."""
    matches = [v.strip() for v in versions if RELEASE.match(v.strip()) and v.strip().startswith(prefix + ".")]
    return max(matches, key=_release_key) if matches else ""


def installed_versions(root):
    """Python versions built into ``root``/versions (directories; virtualenv links skipped, as
    ``pyenv versions --bare --skip-aliases`` does)."""
    folder = os.path.join(root, "versions")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(n for n in names if os.path.isdir(os.path.join(folder, n))
                  and not os.path.islink(os.path.join(folder, n)))


def read_state(root, python_version, virtualenv="", pyenv_bin="", run=_run):
    """The state of ``root`` for ``python_version`` (exact "3.11.2" or prefix "3.11") and the
    virtualenv named ``virtualenv`` (empty: none). ``pyenv_bin``: the pyenv executable (default
    ``root``/bin/pyenv; Homebrew's elsewhere)."""
    pyenv_bin = pyenv_bin or os.path.join(root, "bin", "pyenv")
    env = dict(os.environ, PYENV_ROOT=root,
               PATH=os.pathsep.join([os.path.dirname(pyenv_bin), os.environ.get("PATH", "/usr/bin:/bin")]))
    state = {
        "root": root,
        "pyenv": {
            "bin": pyenv_bin,
            "exists": os.path.isfile(pyenv_bin) and os.access(pyenv_bin, os.X_OK),
            "git": os.path.isdir(os.path.join(root, ".git")),
            "plugin": os.path.isfile(os.path.join(root, "plugins", "pyenv-virtualenv", "bin", "pyenv-virtualenv")),
            "version": "",
        },
        "installed": installed_versions(root),
        "python_version": "",
        "python_known": None,
        "known_example": "",
        "python": {"exists": False, "path": "", "stdlib_ok": None, "stdlib_error": ""},
        "virtualenv": {"name": virtualenv, "exists": False, "path": "", "python_version": ""},
    }
    if state["pyenv"]["exists"]:
        rc, out, err = run([pyenv_bin, "--version"], env=env)
        state["pyenv"]["version"] = re.sub(r"^pyenv\s+", "", out.strip()) if rc == 0 else ""

    # The exact version: a prefix resolves to the newest installed match, else (pyenv needed) the
    # newest release this pyenv can build, so that an installed Python is never rebuilt because a
    # later pyenv knows a newer patch release.
    wanted = python_version
    if PREFIX.match(python_version):
        wanted = newest_release(python_version, state["installed"])
    known = None
    if (not wanted or wanted not in state["installed"]) and state["pyenv"]["exists"]:
        rc, out, err = run([pyenv_bin, "install", "--list"], env=env)
        if rc == 0:
            known = [line.strip() for line in out.splitlines()]
            if not wanted:
                wanted = newest_release(python_version, known)
            state["known_example"] = max((v for v in known if RELEASE.match(v) and v.startswith("3.")),
                                         key=_release_key, default="")
    state["python_version"] = wanted
    if wanted in state["installed"]:
        state["python_known"] = True
    elif known is not None:
        state["python_known"] = bool(wanted) and wanted in known

    if wanted:
        python = os.path.join(root, "versions", wanted, "bin", "python")
        state["python"]["path"] = python
        state["python"]["exists"] = os.path.isfile(python)
        if state["python"]["exists"]:
            rc, out, err = run([python, "-c", STDLIB_CHECK])
            state["python"]["stdlib_ok"] = rc == 0 and out.strip() == "ok"
            if not state["python"]["stdlib_ok"]:
                state["python"]["stdlib_error"] = (err or out).strip()[-1000:]

    if virtualenv:
        venv_python = os.path.join(root, "versions", virtualenv, "bin", "python")
        state["virtualenv"]["path"] = os.path.join(root, "versions", virtualenv)
        state["virtualenv"]["exists"] = os.path.isfile(venv_python)
        if state["virtualenv"]["exists"]:
            rc, out, err = run([venv_python, "-c", "import platform; print(platform.python_version())"])
            state["virtualenv"]["python_version"] = out.strip() if rc == 0 else ""
    return state


def homebrew_pyenv(run=_run):
    """The prefix of Homebrew's pyenv (``brew --prefix --installed pyenv``), '' when Homebrew or its
    pyenv is not installed."""
    rc, out, err = run(["brew", "--prefix", "--installed", "pyenv"], env=dict(os.environ, PATH=HOMEBREW_PATH))
    return out.strip() if rc == 0 and out.strip() else ""


def read(root, python_version, virtualenv="", homebrew=False, pyenv_bin="", run=_run):
    """``read_state`` of the pyenv that serves ``root``: ``pyenv_bin`` if given, else its own (a git
    checkout there), else, with ``homebrew``, Homebrew's pyenv when that is installed. Adds
    ``homebrew_prefix`` ('' unless Homebrew's pyenv is the one)."""
    state = read_state(root, python_version, virtualenv, pyenv_bin, run=run)
    prefix = ""
    if homebrew and not pyenv_bin and not state["pyenv"]["exists"]:
        prefix = homebrew_pyenv(run=run)
        if prefix:
            state = read_state(root, python_version, virtualenv, os.path.join(prefix, "bin", "pyenv"), run=run)
    state["homebrew_prefix"] = prefix
    return state


def plan(state, python_version, update=False, build_dependencies=True, share=False):
    """What the pyenv role does on this host, from ``read``'s ``state``, the requested
    ``python_version`` and the role's options (pyenv_update, pyenv_install_build_dependencies, and
    ``share``: pyenv_python_share_dir is set). The tasks follow it with one condition each:

    - ``install``: ``existing`` (a pyenv at the root: kept, or moved to the ref with ``update``),
      ``homebrew`` (Homebrew's pyenv; its pyenv-virtualenv formula), ``git`` (cloned);
      ``install_kind`` is the published name (``git`` for an existing one, as for a clone);
    - ``clone_pyenv``, ``clone_plugin``, ``brew_plugin``: the git checkouts and the formula to run;
    - ``packages``: install the OS build dependencies (only while pyenv or the Python is missing);
    - ``python_version``: the exact version (the request itself while pyenv is not there yet);
    - ``python``: ``nothing`` (installed), ``build`` (here), or ``share``: missing, with shared
      builds on; the role then leaves the build to the first workstation of each kind in the batch
      (``share``: build and store the archive) and turns the others' into ``unpack``;
    - ``virtualenv``: create the virtualenv (named and not there).
    """
    pyenv = state["pyenv"]
    if pyenv["exists"] and not state.get("homebrew_prefix"):
        install = "existing"
    elif pyenv["exists"]:
        install = "homebrew"
    else:
        install = "git"
    git = install != "homebrew"
    if state["python"]["exists"]:
        python = "nothing"
    else:
        python = "share" if share else "build"
    return {
        "install": install,
        "install_kind": "git" if git else "homebrew",
        "clone_pyenv": install == "git" or (install == "existing" and bool(update) and pyenv["git"]),
        "clone_plugin": git and (not pyenv["plugin"] or bool(update)),
        "brew_plugin": install == "homebrew",
        "packages": bool(build_dependencies) and not (pyenv["exists"] and state["python"]["exists"]),
        "python_version": state["python_version"] if pyenv["exists"] else python_version,
        "python": python,
        "virtualenv": bool(state["virtualenv"]["name"]) and not state["virtualenv"]["exists"],
    }
