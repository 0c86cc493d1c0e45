# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The fleet report's data: what each workstation and each warehouse principal looks like now,
judged against what onboard.yml would make of it.

Input (what playbooks/audit.yml collects; docs/fleet.md, "The fleet report"):
- per workstation: ``host``, ``error`` (the audit could not read the host), ``record`` (the
  onboard record the host holds, record.py, or None), ``live`` (what profiles_workstation_audit
  read: pb, the virtualenv, the siteconfig without secrets, the project, the shell init) and
  ``expected`` (from the inventory: pb pin, connection name, the siteconfig settings that are not
  secrets, project path);
- per principal: ``name``, ``warehouse`` and ``result``, profiles_grants' result in check mode
  and exclusive mode (``plan``: to_grant, to_revoke, create_principal, ...; or ``failed``/``msg``).

Output: ``build_report`` returns the document schema.py describes (``SCHEMA_VERSION``); html.py
and junit.py render it. Plain Python, no Ansible imports: unit tests and the bench call it.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import Counter

from ansible_collections.rudderstack.profiles.plugins.module_utils.report.schema import SCHEMA_VERSION

try:
    from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.versions import pin_matches
except ImportError:  # packaging missing: exact pins are still compared
    pin_matches = None

# Worst first: a host's status is the first that applies.
WORKSTATION_STATUSES = ("unreachable", "not_onboarded", "failed", "drifted", "ok")
PRINCIPAL_STATUSES = ("failed", "drifted", "ok")

# Keys of a siteconfig output that may appear in a report. Anything else (passwords, keys, tokens,
# nested blocks) never leaves the host (audit.py) and is dropped here again.
REPORTED_OUTPUT_KEYS = ("type", "host", "port", "dbname", "user", "schema", "account", "warehouse",
                        "role", "database", "catalog", "project_id", "location", "http_endpoint",
                        "authenticator", "workspace_url")
_SECRET_WORDS = re.compile(r"pass|secret|token|private|key|cred", re.I)


def public_settings(settings):
    """The keys of a siteconfig output (or of the settings that make one) a report may show."""
    out = {}
    for key, value in (settings or {}).items():
        if key in REPORTED_OUTPUT_KEYS and not _SECRET_WORDS.search(key) \
                and isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
            out[key] = value
    return out


def _pin_ok(version, pin):
    if not pin:
        return True
    if pin_matches is not None:
        return pin_matches(version, pin)
    return version == pin


def _drift(check, message, expected=None, actual=None):
    return {"check": check, "message": message, "expected": expected, "actual": actual}


def workstation_drift(live, expected, record):
    """The ways the workstation differs from what onboarding would make of it (a list of drift
    items, each ``check``, ``message``, ``expected``, ``actual``)."""
    out = []
    live = live or {}
    expected = expected or {}
    pb = live.get("pb") or {}
    pin = expected.get("pb_pin") or ""
    if not pb.get("version"):
        out.append(_drift("pb", "pb does not run: %s" % (pb.get("error") or "not found"), pin, None))
    elif not _pin_ok(pb["version"], pin):
        out.append(_drift("pb", "pb %s does not match the pin %s" % (pb["version"], pin), pin, pb["version"]))

    site = live.get("siteconfig") or {}
    name = expected.get("connection") or (record or {}).get("connection") or ""
    connections = site.get("connections") or {}
    if not site.get("exists"):
        out.append(_drift("siteconfig", "no siteconfig at %s" % site.get("path", "~/.pb/siteconfig.yaml"),
                          name, None))
    elif site.get("error"):
        out.append(_drift("siteconfig", "siteconfig unreadable: %s" % site["error"], name, None))
    elif name and name not in connections:
        out.append(_drift("siteconfig", "connection %s is missing" % name, name, sorted(connections)))
    elif name:
        connection = connections[name]
        target = connection.get("target")
        want_target = expected.get("target")
        outputs = connection.get("outputs") or {}
        if want_target and target != want_target:
            out.append(_drift("siteconfig", "connection %s uses target %s, not %s" % (name, target, want_target),
                              want_target, target))
        if target not in outputs:
            out.append(_drift("siteconfig", "connection %s has no output %s" % (name, target), target, sorted(outputs)))
        else:
            have = outputs[target]
            for key, want in sorted(public_settings(expected.get("settings")).items()):
                if key in have and str(have[key]) != str(want) or key not in have:
                    out.append(_drift("siteconfig", "%s.%s is %s, not %s" % (name, key, have.get(key, "missing"), want),
                                      want, have.get(key)))

    project = live.get("project") or {}
    if expected.get("project_path") or project.get("path"):
        native = pb.get("native_schema_version")
        if not project.get("exists"):
            out.append(_drift("project", "no project at %s" % (project.get("path") or expected.get("project_path")),
                              expected.get("project_path"), None))
        else:
            if native and project.get("schema_version") and project["schema_version"] < native:
                out.append(_drift("project", "project schema_version %s is older than pb's %s"
                                  % (project["schema_version"], native), native, project["schema_version"]))
            if project.get("lint_rc") not in (0, None):
                out.append(_drift("project", "pb show models failed (rc %s): %s"
                                  % (project["lint_rc"], project.get("lint_message") or ""), 0, project["lint_rc"]))
            if name and project.get("connection") and project["connection"] != name:
                out.append(_drift("project", "project uses connection %s, not %s" % (project["connection"], name),
                                  name, project["connection"]))

    for path, present in sorted(((live.get("shell_init") or {}).get("files") or {}).items()):
        if not present:
            out.append(_drift("shell_init", "%s lacks the rudderstack.profiles block" % path, True, False))

    plan = live.get("plan")
    if plan and plan.get("error"):
        out.append(_drift("plan", "onboard.yml's plan failed: %s" % plan["error"][:300], "", plan["error"]))
    if plan and plan.get("changed"):
        out.append(_drift("plan", "onboard.yml would change %d task(s): %s"
                          % (plan["changed"], ", ".join(plan.get("tasks") or [])[:300]), 0, plan["changed"]))
    return out


def assess_workstation(item):
    """One workstation's row of the report."""
    record = item.get("record") or None
    live = item.get("live") or {}
    expected = item.get("expected") or {}
    pb = live.get("pb") or {}
    site = live.get("siteconfig") or {}
    project = live.get("project") or {}
    name = expected.get("connection") or (record or {}).get("connection") or ""
    connection = (site.get("connections") or {}).get(name) or {}
    output = (connection.get("outputs") or {}).get(connection.get("target")) or {}
    row = {
        "host": item["host"],
        "analyst": (record or {}).get("analyst") or live.get("analyst") or "",
        "status": "ok",
        "pb_version": pb.get("version") or "",
        "pb_pin": expected.get("pb_pin") or "",
        "python_version": live.get("python_version") or (record or {}).get("python_version") or "",
        "virtualenv": live.get("virtualenv") or (record or {}).get("virtualenv") or "",
        "connection": name,
        "target": connection.get("target") or "",
        "warehouse": output.get("type") or "",
        "output_schema": str(output.get("schema") or ""),
        "project_path": project.get("path") or (record or {}).get("project_path") or "",
        "project_schema_version": project.get("schema_version"),
        "stage": (record or {}).get("stage") or "",
        "last_success": (record or {}).get("last_success"),
        "last_failure": (record or {}).get("last_failure"),
        "collection_version": (record or {}).get("collection_version") or "",
        "packages": dict((live.get("packages") or (record or {}).get("packages") or {})),
        "drift": [],
        "error": item.get("error") or "",
    }
    if item.get("error"):
        row["status"] = "unreachable"
        return row
    row["drift"] = workstation_drift(live, expected, record)
    if record is None or not record.get("last_success"):
        row["status"] = "not_onboarded"
    elif record.get("status") == "failed":
        row["status"] = "failed"
    elif row["drift"]:
        row["status"] = "drifted"
    return row


def assess_principal(item):
    """One principal's row: the grants exclusive mode would add (missing) and revoke (unexpected)."""
    result = item.get("result") or {}
    plan = result.get("plan") or {}
    row = {
        "name": item["name"],
        "warehouse": item.get("warehouse") or "",
        "status": "ok",
        "missing": list(plan.get("to_grant") or []),
        "unexpected": list(plan.get("to_revoke") or []),
        "unchanged": len(plan.get("unchanged") or []),
        "create_principal": bool(plan.get("create_principal")),
        "create_schemas": list(plan.get("create_schemas") or []),
        "set_password": bool(plan.get("set_password")),
        "error": "",
    }
    if result.get("failed") or not plan:
        row["status"] = "failed"
        row["error"] = str(result.get("msg") or "no plan returned")[:2000]
    elif row["missing"] or row["unexpected"] or row["create_principal"] or row["create_schemas"] or row["set_password"]:
        row["status"] = "drifted"
    return row


def principal_findings(row):
    """Human lines for a principal's drift."""
    out = []
    if row["create_principal"]:
        out.append("principal %s does not exist" % row["name"])
    out += ["schema %s is missing" % s for s in row["create_schemas"]]
    out += ["missing: %s" % g for g in row["missing"]]
    out += ["not asked for: %s" % g for g in row["unexpected"]]
    if row["set_password"]:
        out.append("password differs from the vault")
    return out


def _sort_key(row):
    return (WORKSTATION_STATUSES.index(row["status"]), row["host"])


def build_report(workstations, principals, generated_at, collection_version="", pb_pin="", title="Fleet report"):
    """The report document (schema.py) from the audit's per-host and per-principal input."""
    rows = sorted((assess_workstation(w) for w in workstations), key=_sort_key)
    prows = sorted((assess_principal(p) for p in principals),
                   key=lambda r: (PRINCIPAL_STATUSES.index(r["status"]), r["name"]))
    status = Counter(r["status"] for r in rows)
    pstatus = Counter(r["status"] for r in prows)
    return {
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "generated_at": generated_at,
        "collection_version": collection_version,
        "pb_pin": pb_pin,
        "summary": {
            "workstations": len(rows),
            "workstation_status": dict((s, status.get(s, 0)) for s in WORKSTATION_STATUSES),
            "principals": len(prows),
            "principal_status": dict((s, pstatus.get(s, 0)) for s in PRINCIPAL_STATUSES),
            "pb_versions": dict(Counter(r["pb_version"] or "none" for r in rows)),
            "python_versions": dict(Counter(r["python_version"] or "none" for r in rows)),
            "drift_checks": dict(Counter(d["check"] for r in rows for d in r["drift"])),
        },
        "workstations": rows,
        "principals": prows,
    }


def workstation_entries(hosts, entries):
    """The audit's per-workstation input in inventory order: ``entries`` as the workstation play
    left them (``{}`` for a host that never got that far: unreachable, or failed before its
    rescue), paired with the ``hosts`` they belong to."""
    by_host = dict((e["host"], e) for e in entries or [] if isinstance(e, dict) and e.get("host"))
    out = []
    for host in hosts or sorted(by_host):
        out.append(by_host.get(host) or {"host": host, "error": "the audit did not reach this host (unreachable, "
                                                                "or it failed before it was read)"})
    return out


def principal_entries(grants):
    """The audit's per-principal input from what the admin play kept of the warehouse_grants role
    in check mode: ``results`` (the role's registered loop results), ``principals`` (the names,
    in loop order), ``warehouse`` and ``error`` (the role failed before its loop)."""
    grants = grants or {}
    names = list(grants.get("principals") or [])
    results = list(grants.get("results") or [])
    out = []
    for position, result in enumerate(results):
        index = result.get("_warehouse_grants_index", position) if isinstance(result, dict) else position
        name = names[index] if isinstance(index, int) and index < len(names) else "principal %s" % index
        result = result if isinstance(result, dict) else {}
        out.append({"name": name, "warehouse": grants.get("warehouse") or "",
                    "result": {"plan": result.get("plan") or {}, "failed": bool(result.get("failed")),
                               "msg": result.get("msg") or ""}})
    if not results and grants.get("error"):
        for name in names or ["(grants)"]:
            out.append({"name": name, "warehouse": grants.get("warehouse") or "",
                        "result": {"failed": True, "msg": grants["error"]}})
    return out
