# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The JSON Schema of fleet-report.json: the one place it is written. The file shipped for
readers, docs/schemas/fleet-report-<version>.schema.json, is this dictionary dumped
(``python -m devtools.report_schema`` writes it; a unit test fails when it is stale).

``SCHEMA_VERSION`` goes up when a field is removed or changes meaning (readers check it); adding a
field keeps it. The onboard record's format (record.py) is versioned apart.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

SCHEMA_VERSION = 1
SCHEMA_ID = "https://github.com/rudderlabs/ansible-collection-profiles/docs/schemas/fleet-report-%d.schema.json" % SCHEMA_VERSION

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_WORKSTATION_STATUS = ["unreachable", "not_onboarded", "failed", "drifted", "ok"]
_PRINCIPAL_STATUS = ["failed", "drifted", "ok"]

_FAILURE = {
    "type": ["object", "null"],
    "description": "The last failed onboard run: when, at which stage, and Ansible's message (no secrets).",
    "properties": {"time": _STR, "stage": _STR, "task": _STR, "message": _STR},
    "required": ["time", "stage", "message"],
}

_DRIFT = {
    "type": "object",
    "description": "One way the workstation differs from what onboard.yml would make of it.",
    "properties": {
        "check": {"enum": ["pb", "siteconfig", "project", "shell_init", "plan"]},
        "message": _STR,
        "expected": {},
        "actual": {},
    },
    "required": ["check", "message"],
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "rudderstack.profiles fleet report",
    "description": "What playbooks/audit.yml found on each workstation and for each warehouse principal "
                   "(docs/fleet.md, The fleet report). Contains no secrets.",
    "type": "object",
    "required": ["schema_version", "generated_at", "summary", "workstations", "principals"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "title": _STR,
        "generated_at": {"type": "string", "description": "UTC, ISO 8601"},
        "collection_version": _STR,
        "pb_pin": _STR,
        "summary": {
            "type": "object",
            "required": ["workstations", "workstation_status", "principals", "principal_status"],
            "properties": {
                "workstations": {"type": "integer", "minimum": 0},
                "workstation_status": {"type": "object", "required": _WORKSTATION_STATUS,
                                       "additionalProperties": False,
                                       "properties": dict((s, {"type": "integer", "minimum": 0})
                                                          for s in _WORKSTATION_STATUS)},
                "principals": {"type": "integer", "minimum": 0},
                "principal_status": {"type": "object", "required": _PRINCIPAL_STATUS, "additionalProperties": False,
                                     "properties": dict((s, {"type": "integer", "minimum": 0})
                                                        for s in _PRINCIPAL_STATUS)},
                "pb_versions": _COUNTS,
                "python_versions": _COUNTS,
                "drift_checks": _COUNTS,
            },
        },
        "workstations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["host", "status", "analyst", "pb_version", "drift"],
                "properties": {
                    "host": _STR,
                    "status": {"enum": _WORKSTATION_STATUS,
                               "description": "unreachable: the audit could not read the host; not_onboarded: no "
                                              "onboard record with a success; failed: the last onboard run failed; "
                                              "drifted: see drift; ok."},
                    "analyst": _STR,
                    "pb_version": {"type": "string", "description": "what `pb version` prints now ('' when pb does not run)"},
                    "pb_pin": _STR,
                    "python_version": _STR,
                    "virtualenv": _STR,
                    "connection": _STR,
                    "target": _STR,
                    "warehouse": _STR,
                    "output_schema": _STR,
                    "project_path": _STR,
                    "project_schema_version": {"type": ["integer", "null"]},
                    "stage": {"type": "string", "description": "the last stage the last onboard run reached"},
                    "last_success": _OPT_STR,
                    "last_failure": _FAILURE,
                    "collection_version": _STR,
                    "packages": {"type": "object", "additionalProperties": _STR},
                    "drift": {"type": "array", "items": _DRIFT},
                    "error": _STR,
                },
            },
        },
        "principals": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "status", "missing", "unexpected"],
                "properties": {
                    "name": _STR,
                    "warehouse": _STR,
                    "status": {"enum": _PRINCIPAL_STATUS},
                    "missing": {"type": "array", "items": _STR,
                                "description": "grants the plan would add (exclusive mode, never applied)"},
                    "unexpected": {"type": "array", "items": _STR,
                                   "description": "grants on the managed objects nobody asked for"},
                    "unchanged": {"type": "integer", "minimum": 0},
                    "create_principal": {"type": "boolean"},
                    "create_schemas": {"type": "array", "items": _STR},
                    "set_password": {"type": "boolean"},
                    "error": _STR,
                },
            },
        },
    },
}
