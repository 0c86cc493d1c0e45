# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""uv for the profiles_cli role, in one module run: the pinned uv made ready in a directory the
role owns (installed by the virtualenv's pip from the fleet's index when missing), then the
packages installed with it and the virtualenv checked (``uv pip check``). uv follows pip's
configuration on the workstation (``pip config list``, which also lists the task's PIP_*
variables: pip_settings.settings_from_pip_config), read while uv is checked and installed.

This was four tasks (uv's setup, working out its environment, the install, the check), each
with Ansible's cost per task (0.3-0.5 s on a local connection).

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import (
    pip_config_from_environment,
    settings_from_pip_config,
    uv_environment,
)
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pyenv import _run

# `uv --version`: "uv 0.13.9" or "uv 0.13.9 (5aa3e5a 2025-10-10)".
_VERSION = re.compile(r"^uv ([0-9][^ \n]*)")
# What `uv pip install` prints per package it installs, removes or would (--dry-run): " + name==1.0".
_PACKAGE_CHANGE = re.compile(r"^ [-+~] ", re.MULTILINE)
# pip's and uv's own explanations of a failure; uv's (without a terminal): "error: ...", "  cause: ...", "hint: ...".
_PIP_ERROR = re.compile(r"ERROR: [^\n]*")
_UV_ERROR = re.compile(r"^ *(?:error|cause|Caused by|hint): [^\n]*", re.MULTILINE)


def uv_binary(directory):
    return os.path.join(directory, "bin", "uv")


def install_argv(python, directory, version):
    """pip installs uv's wheel (a static binary and nothing else) into ``directory``.

    uv's wheels are tagged py3-none-<platform> (no Python inside them is run), so pip is asked
    for exactly that: 74 tags on x86_64 Linux instead of this Python's ~900, each checked against
    the ~6,000 files on uv's index page (0.3 s of pip's 1.3 s). ``--python-version 3`` reads as 3.0 to
    pip, hence ``--ignore-requires-python`` (uv's >=3.8 is for its Python shim, not the binary)."""
    return [python, "-m", "pip", "install", "--no-compile", "--no-deps", "--only-binary", ":all:",
            "--implementation", "py", "--abi", "none", "--python-version", "3", "--ignore-requires-python",
            "--disable-pip-version-check", "--upgrade", "--target", directory, "uv==" + version]


def version_of(rc, out):
    """The version a ``uv --version`` run printed; '' when it did not run."""
    match = _VERSION.match(out.strip()) if rc == 0 else None
    return match.group(1) if match else ""


def _problem(tool, lines, tail, rc, err):
    """Why a run of ``tool`` failed, in a line: its error ``lines``, else the end of what it said."""
    return " ".join(line.strip() for line in lines.findall(err)) or err.strip()[-tail:] or "%s exited with %s" % (tool, rc)


def pip_problem(rc, err):
    """pip's ERROR lines, else the end of what it said."""
    return _problem("pip", _PIP_ERROR, 400, rc, err)


def prepare(virtualenv, directory, version, check_mode=False, timeout=600, run=_run, environ=None):
    """Make uv ``version`` ready in ``directory`` for installs into ``virtualenv``.

    Returns ``uv`` (its path), ``found`` (the version there before, '' for none), ``changed``
    (pip installed it, or would in check mode), ``problem`` (why uv cannot be used: pip failed or the
    installed uv does not run; '' when it can), ``pip_config`` (``pip config list`` of the
    virtualenv's pip; when that fails, the PIP_* variables of ``environ`` in its form) and
    ``lock_exists`` (uv's lock file in the virtualenv).
    Never raises for what the workstation does: the role falls back to pip on a problem."""
    python = os.path.join(virtualenv, "bin", "python")
    uv = uv_binary(directory)
    result = {"uv": uv, "found": "", "changed": False, "problem": "", "pip_config": "",
              "lock_exists": os.path.exists(lock_file(virtualenv))}
    # pip's configuration is read in a thread while uv is checked and installed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        config = pool.submit(_run, [python, "-m", "pip", "config", "list"], timeout=timeout)
        result["found"] = version_of(*run([uv, "--version"])[:2])
        if result["found"] != version:
            result["changed"], result["problem"] = (True, "") if check_mode else _install(
                python, directory, uv, version, timeout, run)
        rc, out, dummy = config.result()
    result["pip_config"] = out if rc == 0 else pip_config_from_environment(os.environ if environ is None else environ)
    return result


def lock_file(virtualenv):
    """uv creates it on its first install into a virtualenv (and in check mode, on --dry-run)."""
    return os.path.join(virtualenv, ".lock")


def packages_argv(uv, virtualenv, requirements, args=(), dry_run=False):
    return ([uv, "pip", "install", "--python", os.path.join(virtualenv, "bin", "python")]
            + (["--dry-run"] if dry_run else []) + list(args) + list(requirements))


def check_argv(uv, virtualenv):
    return [uv, "pip", "check", "--python", os.path.join(virtualenv, "bin", "python")]


def uv_problem(rc, err):
    """uv's error, cause and hint lines, else the end of what it said."""
    return _problem("uv", _UV_ERROR, 600, rc, err)


def install(virtualenv, directory, version, requirements, args=(), check_mode=False, timeout=600, run=_run,
            environ=None):
    """Get uv ready (:func:`prepare`), then install ``requirements`` into ``virtualenv`` with it
    and check the virtualenv's requirements (``uv pip check``).

    Returns what :func:`prepare` does plus ``installer`` ('uv', or 'pip' when pip must install
    instead: uv has a problem, or in check mode uv is not ready or has never installed into the
    virtualenv, where --dry-run would leave its lock file), ``cmd``, ``rc``, ``stdout``,
    ``stderr`` of the install (uv's plan in check mode), ``check`` (what ``uv pip check`` said)
    and ``failed`` with ``error`` (uv's own words) and ``msg`` when uv could not install or the
    check failed. A failed first install into the virtualenv removes the lock file it made there.
    Nothing else raises."""
    environ = dict(os.environ if environ is None else environ)
    started = time.time()
    result = prepare(virtualenv, directory, version, check_mode=check_mode, timeout=timeout, run=run, environ=environ)
    result.update(installer="uv", cmd=[], rc=0, stdout="", stderr="", check="", error="", failed=False, msg="",
                  durations={"setup": round(time.time() - started, 2), "install": 0.0})
    if result["problem"] or (check_mode and (result["changed"] or not result["lock_exists"])):
        result["installer"] = "pip"
    if result["installer"] == "pip" or not requirements:
        return result
    env = dict(environ, **uv_environment({}, settings_from_pip_config(result["pip_config"])))
    started = time.time()
    result["cmd"] = packages_argv(result["uv"], virtualenv, requirements, args, dry_run=check_mode)
    result["rc"], result["stdout"], result["stderr"] = run(result["cmd"], env=env, timeout=timeout)
    result["durations"]["install"] = round(time.time() - started, 2)
    if result["rc"] != 0:
        if not result["lock_exists"] and os.path.exists(lock_file(virtualenv)):
            os.remove(lock_file(virtualenv))
        result.update(failed=True, error=uv_problem(result["rc"], result["stderr"]))
        result["msg"] = "uv could not install %s: %s" % (" ".join(requirements), result["error"])
        return result
    result["changed"] = result["changed"] or bool(_PACKAGE_CHANGE.search(result["stderr"]))
    if not check_mode:
        rc, out, err = run(check_argv(result["uv"], virtualenv), env=env, timeout=timeout)
        result["check"] = (out + err).strip()
        if rc != 0:
            result.update(failed=True, error="uv pip check: %s" % result["check"][-600:])
            result["msg"] = "the virtualenv's requirements are not consistent after the install: " + result["error"]
    return result


def _install(python, directory, uv, version, timeout, run):
    """``(changed, problem)`` of installing uv with pip and running it."""
    rc, dummy, err = run(install_argv(python, directory, version), timeout=timeout)
    if rc != 0:
        return False, pip_problem(rc, err)
    rc, out, err = run([uv, "--version"])
    if version_of(rc, out) != version:
        return True, "the installed %s does not run as uv %s: %s" % (
            uv, version, (err or out).strip()[-400:] or "exit code %s" % rc)
    return True, ""
