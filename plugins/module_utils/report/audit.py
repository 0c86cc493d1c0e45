# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What a workstation looks like now, read without changing anything (profiles_workstation_audit,
for playbooks/audit.yml): the onboard record, pb's version, the virtualenv's Python and packages,
the siteconfig's connections and targets (keys that are not secrets only), the project's schema
version and whether ``pb show models`` accepts it offline, and the shell init blocks.

Read-only, also for pb: ``pb show models`` writes into the project (``output/``) and pb writes
``./logs/pb.log`` and ``~/.cache/snowflake``, so pb runs on a copy of the project's definition in
a temporary directory that is also its HOME and working directory, removed afterwards; the
siteconfig is passed by path. Plain Python, no Ansible imports.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import tempfile

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV, read_version
from ansible_collections.rudderstack.profiles.plugins.module_utils.report import record as onboard_record
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import public_settings
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import shell_init
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.virtualenv import read_virtualenv

try:
    import yaml
except ImportError:
    yaml = None

# What is left out of the copy pb lints: what pb writes, and pb migrate's self-link.
PROJECT_SKIP = ("output", "logs", "original_project_folder", ".git")
# Read by the virtualenv's Python when this one has no PyYAML (the virtualenv has it: pb needs it).
_YAML_TO_JSON = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"


def run(argv, env=None, cwd=None, timeout=120):
    """(rc, stdout, stderr); rc None when it cannot start or times out."""
    try:
        proc = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "", str(exc)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _load_yaml(path, python=None):
    if yaml is not None:
        with open(path) as f:
            return yaml.safe_load(f)
    if python and os.path.isfile(python):
        rc, out, err = run([python, "-c", _YAML_TO_JSON, path])
        if rc == 0:
            return json.loads(out)
        raise ValueError((err or out).strip()[-300:])
    raise ValueError("no PyYAML here or in the virtualenv to read it")


def read_siteconfig(path, python=None):
    """The siteconfig's connections: name -> {target, outputs: {target: public keys}}."""
    out = {"path": path, "exists": os.path.isfile(path), "error": "", "connections": {}}
    if not out["exists"]:
        return out
    try:
        data = _load_yaml(path, python) or {}
    except (IOError, OSError, ValueError) as exc:
        out["error"] = str(exc)[:300]
        return out
    connections = data.get("connections") if isinstance(data, dict) else None
    for name, connection in (connections or {}).items():
        if not isinstance(connection, dict):
            continue
        outputs = connection.get("outputs") if isinstance(connection.get("outputs"), dict) else {}
        out["connections"][str(name)] = {
            "target": str(connection.get("target") or ""),
            "outputs": dict((str(t), public_settings(o if isinstance(o, dict) else {})) for t, o in outputs.items()),
        }
    return out


def _copy_project(project, dest):
    os.mkdir(dest)
    for name in os.listdir(project):
        if name in PROJECT_SKIP:
            continue
        src = os.path.join(project, name)
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, os.path.join(dest, name), symlinks=True)
        elif os.path.isfile(src):
            shutil.copy2(src, os.path.join(dest, name))


def _connection_of(project_file):
    try:
        with open(project_file) as f:
            for line in f:
                if line.startswith("connection:"):
                    return line.split(":", 1)[1].strip().strip("\"'")
    except (IOError, OSError):
        pass
    return ""


def read_pb_and_project(pb, project, siteconfig, timeout=120, runner=run):
    """pb's version and the project's offline lint, run in a throwaway HOME and working directory."""
    pb_out = {"path": pb, "version": "", "native_schema_version": None, "error": ""}
    proj = {"path": project or "", "exists": bool(project) and os.path.isfile(os.path.join(project, "pb_project.yaml")),
            "schema_version": None, "connection": "", "lint_rc": None, "lint_message": ""}
    if proj["exists"]:
        proj["schema_version"] = onboard_record.project_schema_version(project)
        proj["connection"] = _connection_of(os.path.join(project, "pb_project.yaml"))
    if not pb or not os.access(pb, os.X_OK):
        pb_out["error"] = "%s is not an executable" % pb
        return pb_out, proj
    scratch = tempfile.mkdtemp(prefix="profiles-audit-")
    try:
        env = dict(os.environ, HOME=scratch, TMPDIR=scratch, **PB_ENV)  # pb's /tmp/go-graphviz belongs to whoever ran pb first
        rc, out, err = runner([pb, "version"], env=env, cwd=scratch, timeout=timeout)
        found = read_version(out)
        pb_out["version"], pb_out["native_schema_version"] = found["version"], found["native_schema_version"]
        if rc != 0 or not found["version"]:
            pb_out["version"] = ""
            pb_out["error"] = "pb version: rc %s: %s" % (rc, (err or out).strip()[-300:])
            return pb_out, proj
        if proj["exists"]:
            copy = os.path.join(scratch, "project")
            _copy_project(project, copy)
            rc, out, err = runner([pb, "show", "models", "-p", copy, "-c", siteconfig], env=env, cwd=scratch,
                                  timeout=timeout)
            proj["lint_rc"] = rc
            if rc != 0:
                lines = [line for line in (err + "\n" + out).splitlines() if "ERRO" in line or "rror" in line]
                proj["lint_message"] = ("\n".join(lines[-3:]) or (err or out).strip()[-300:])[-600:]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return pb_out, proj


def shell_files(home, blocks):
    """``[{path, name, skip_if}]`` from ``blocks``: block name -> ``{files, skip_if}``, files as the
    roles take them (paths relative to ``home``; strings or ``{path, shell}``)."""
    out = []
    for name, block in sorted((blocks or {}).items()):
        for entry in (block or {}).get("files") or []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if path:
                out.append({"path": os.path.join(home, path), "name": name, "skip_if": (block or {}).get("skip_if") or ""})
    return out


def read_shell_init(files):
    """{path: bool}: for each ``{path, name}`` whose shell is installed (or that exists), whether it
    holds the rudderstack.profiles block ``name`` (or, with ``skip_if``, sets the tool up itself)."""
    out = {}
    for entry in files or []:
        path, name = entry["path"], entry["name"]
        shell = shell_init.shell_for_file(path)
        if not os.path.exists(path) and not (shell and shutil.which(shell)):
            continue
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except (IOError, OSError):
            lines = []
        present = shell_init.find_block(lines, name) is not None
        if not present and entry.get("skip_if"):
            present = shell_init.initialised_elsewhere(["\n".join(lines)], name, entry["skip_if"])
        out["%s (%s)" % (path, name)] = present
    return out


def audit_workstation(record_path, virtualenv, siteconfig_path, project_path, shell_entries, timeout=120, runner=run):
    """Everything the report needs from one workstation (fleet.py's ``record`` and ``live``)."""
    venv = read_virtualenv(virtualenv, run=runner) if virtualenv else {}
    python = venv.get("python")
    pb, project = read_pb_and_project(os.path.join(virtualenv, "bin", "pb") if virtualenv else "", project_path,
                                      siteconfig_path, timeout=timeout, runner=runner)
    live = {
        "virtualenv": virtualenv or "",
        "python_version": venv.get("python_version") or "",
        "packages": onboard_record.profiles_packages(venv.get("packages")),
        "pb": pb,
        "siteconfig": read_siteconfig(siteconfig_path, python),
        "project": project,
        "shell_init": {"files": read_shell_init(shell_entries)},
    }
    return {"record": onboard_record.read_record(record_path), "live": live}
