# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The onboard record: a small JSON file each onboard run leaves in the analyst's home
(``~/.local/state/rudderstack-profiles/onboard.json``, 0600, no secrets) saying what the run set up
and how far it got. playbooks/audit.yml reads it back (audit.py) for the fleet report.

Fields (``FORMAT`` goes up when one is removed or changes meaning):
  format, host, analyst, collection_version, python_version, pb_version, native_schema_version,
  packages (the profiles-* distributions in the virtualenv: name -> version), virtualenv,
  connection, target, project_path, project_schema_version,
  stages (the stages this run was asked for, from its tags), stage (the last stage it reached:
  on success the last stage asked for, on failure the stage that failed), status (success or
  failed), last_run, last_success (time of the last successful run; kept when a run fails),
  last_failure ({time, stage, task, message} of the last failed run; kept after a success, so
  an owner sees what went wrong last; null until a run fails).

Times are UTC ISO 8601. Plain Python, no Ansible imports: the module and unit tests call it.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

FORMAT = 1
STAGES = ("toolchain", "cli", "connection", "project", "verify")
# The distributions worth recording: pb and its libraries (the rest of the virtualenv is theirs).
PACKAGE_PREFIX = "profiles-"
MESSAGE_LIMIT = 1000
# Changing only these does not make a run "changed": a converged host reruns with changed=0, and a
# run limited with --tags (other stages, same outcome) changes nothing either. A failure's stage
# is kept in last_failure, which does count.
VOLATILE = ("last_run", "last_success", "stages", "stage")
_SCHEMA_VERSION = re.compile(r"^schema_version:\s*(\d+)\s*$", re.M)


def selected_stages(run_tags, skip_tags):
    """The stages of onboard.yml a run with these --tags / --skip-tags runs, in order."""
    run = set(run_tags or ["all"])
    skip = set(skip_tags or [])
    return [s for s in STAGES if ("all" in run or s in run) and s not in skip]


def project_schema_version(project_path):
    """The schema_version of ``project_path``/pb_project.yaml (None when unreadable): read with a
    pattern, since the host's Python need not have PyYAML."""
    try:
        with open(os.path.join(project_path, "pb_project.yaml")) as f:
            found = _SCHEMA_VERSION.search(f.read())
    except (IOError, OSError):
        return None
    return int(found.group(1)) if found else None


def profiles_packages(packages):
    """The profiles-* entries of a virtualenv's packages (name, as PEP 503 normalises it -> version)."""
    names = dict((re.sub(r"[-_.]+", "-", name).lower(), version) for name, version in (packages or {}).items())
    return dict((name, version) for name, version in names.items() if name.startswith(PACKAGE_PREFIX))


def read_record(path):
    """The record at ``path`` (a dict), None when there is none, {} when it is unreadable."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (IOError, OSError):
        return None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def merge(previous, facts, status, stage, now, failed_task="", message=""):
    """The record a run leaves: ``facts`` (what this run knows: versions, names, paths; empty
    values keep the previous record's) over ``previous``, with this run's outcome."""
    record = dict((k, v) for k, v in (previous or {}).items() if k in FIELDS)
    for key, value in (facts or {}).items():
        if key in FIELDS and value not in (None, "", {}, []):
            record[key] = value
    record["format"] = FORMAT
    record["status"] = status
    record["stage"] = stage
    record["last_run"] = now
    record.setdefault("last_success", None)
    record.setdefault("last_failure", None)
    if status == "success":
        record["last_success"] = now
    else:
        record["last_failure"] = {"time": now, "stage": stage, "task": failed_task or "",
                                  "message": (message or "")[:MESSAGE_LIMIT]}
    return record


def changed(before, after):
    """Whether the record says something new (the run times alone do not count)."""
    def stable(record):
        out = dict((k, v) for k, v in (record or {}).items() if k not in VOLATILE)
        if isinstance(out.get("last_failure"), dict):
            out["last_failure"] = dict((k, v) for k, v in out["last_failure"].items() if k != "time")
        return out
    return before is None or stable(before) != stable(after)


def dumps(record):
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def summary(record):
    """The part of the record onboard.yml publishes with set_stats (AWX, callback plugins)."""
    keys = ("status", "stage", "analyst", "pb_version", "python_version", "connection", "last_success", "last_failure")
    return dict((k, record.get(k)) for k in keys)


FIELDS = ("format", "host", "analyst", "collection_version", "python_version", "pb_version",
          "native_schema_version", "packages", "virtualenv", "connection", "target", "project_path",
          "project_schema_version", "stages", "stage", "status", "last_run", "last_success", "last_failure")
