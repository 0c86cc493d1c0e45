# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""uv for the profiles_cli role, made ready in one module run: the pinned uv in a directory the
role owns (installed by the virtualenv's pip from the fleet's index when missing), pip's
configuration on the workstation (uv follows it: pip_settings.settings_from_pip_config) and
whether uv's lock file is in the virtualenv yet.

pip's configuration is read while uv is checked and installed (two processes at once). This was
five tasks and about 4 s of a workstation's first run, half of it Ansible's cost per task.

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pyenv import _run

# `uv --version`: "uv 0.13.9" or "uv 0.13.9 (5aa3e5a 2025-10-10)".
_VERSION = re.compile(r"^uv ([0-9][^ \n]*)")


def uv_binary(directory):
    return os.path.join(directory, "bin", "uv")


def install_argv(python, directory, version):
    """pip installs uv's wheel (a static binary and nothing else) into ``directory``."""
    return [python, "-m", "pip", "install", "--no-compile", "--no-deps", "--only-binary", ":all:",
            "--disable-pip-version-check", "--upgrade", "--target", directory, "uv==" + version]


def version_of(rc, out):
    """The version a ``uv --version`` run printed; '' when it did not run."""
    match = _VERSION.match(out.strip()) if rc == 0 else None
    return match.group(1) if match else ""


def pip_problem(rc, err):
    """Why a pip run failed, in a line: pip's ERROR lines, else the end of what it said."""
    errors = re.findall(r"ERROR: [^\n]*", err)
    return " ".join(errors) or err.strip()[-400:] or "pip exited with %s" % rc


def prepare(virtualenv, directory, version, check_mode=False, timeout=600, run=_run):
    """Make uv ``version`` ready in ``directory`` for installs into ``virtualenv``.

    Returns ``uv`` (its path), ``found`` (the version there before, '' for none), ``changed``
    (pip installed it, or would in check mode), ``problem`` (why uv cannot be used: pip failed or the
    installed uv does not run; '' when it can), ``pip_config`` (``pip config list`` of the
    virtualenv's pip, '' when it failed) and ``lock_exists`` (uv's lock file in the virtualenv).
    Never raises for what the workstation does: the role falls back to pip on a problem."""
    python = os.path.join(virtualenv, "bin", "python")
    uv = uv_binary(directory)
    result = {"uv": uv, "found": "", "changed": False, "problem": "", "pip_config": "",
              "lock_exists": os.path.exists(os.path.join(virtualenv, ".lock"))}
    # pip's configuration is read in a thread while uv is checked and installed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        config = pool.submit(_run, [python, "-m", "pip", "config", "list"], timeout=timeout)
        result["found"] = version_of(*run([uv, "--version"])[:2])
        if result["found"] != version:
            result["changed"], result["problem"] = (True, "") if check_mode else _install(
                python, directory, uv, version, timeout, run)
        rc, out, dummy = config.result()
    result["pip_config"] = out if rc == 0 else ""
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
