# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Proving an analyst's setup the way the Profiles guide does: ``pb validate access``, then on
request ``pb compile`` and ``pb run``, each bounded by a timeout.

Plain Python (no Ansible imports) so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli

# check name -> (pb arguments, writes to the warehouse or the project's output folder).
# validate access only reads, once its debug dumps (into the project's output/) are off.
CHECKS = {
    "validate_access": (["validate", "access"] + pb_cli.NO_DUMP_FLAGS, False),
    "compile": (["compile"], True),
    "run": (["run"], True),
}
ORDER = ["validate_access", "compile", "run"]


class VerifyError(Exception):
    """A check failed; the message carries pb's own explanation."""

    def __init__(self, message, results):
        super(VerifyError, self).__init__(message)
        self.message = message
        self.results = results


def verify(pb, project_path, siteconfig_path, checks, target=None, timeout=pb_cli.DEFAULT_TIMEOUT,
           check_mode=False, runner=pb_cli.run_pb):
    """Run the requested checks in the guide's order and return the module result.

    ``changed`` is true when a check that writes (compile, run) ran or, in check mode, would run.
    In check mode only the read-only check (validate access) runs. Raises VerifyError at the first
    failing check, with the results so far.
    """
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise ValueError("unknown checks %s; known: %s" % (", ".join(unknown), ", ".join(ORDER)))
    results = []
    changed = False
    for name in [check for check in ORDER if check in checks]:
        args, writes = CHECKS[name]
        argv = args + ["-p", project_path, "-c", siteconfig_path]
        if target:
            argv += ["-t", target]
        if check_mode and writes:
            results.append({"check": name, "cmd": [pb] + argv, "skipped": True})
            changed = True
            continue
        try:
            result = runner(pb, argv, timeout=timeout)
        except pb_cli.PbError as exc:
            entry = {"check": name, "cmd": [pb] + argv, "rc": None, "timed_out": True}
            results.append(entry)
            raise VerifyError("pb %s: %s" % (" ".join(args), exc.message), results)
        entry = dict(result.as_dict(), check=name)
        results.append(entry)
        if result.rc != 0:
            raise VerifyError("`pb %s` failed (%s):\n%s" % (
                " ".join(args), pb_cli.explain_exit(result.rc),
                pb_cli.pb_message(result.stderr + "\n" + result.stdout)), results)
        changed = changed or writes
    return {"changed": changed, "checks": results}
