# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read, change and write pb's site configuration (``~/.pb/siteconfig.yaml``).

Plain Python with no Ansible imports, so unit tests call it directly.

pb (a Go program) writes the file with gopkg.in/yaml.v3 (goyaml.py reproduces its
emitter): the keys of every map sorted, struct fields in declaration order, and a fixed tail
(``gitcreds``, ``block_store_creds``, ``py_models``, ``cache_dir``, ``filepath``).
``render_siteconfig`` lays the document out as pb's structs do, so a file written here and one
written by ``pb init connection`` with the same answers are identical. Unlike pb, data it does not
know (extra keys, hand-written connections, top-level keys) is kept, never dropped. The outputs
themselves are built by builders.py.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import builders as siteconfig_builders
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import goyaml as siteconfig_yaml
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig.builders import InvalidOption, pem_key
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig.options import (
    MANAGED_OUTPUT_KEYS, SECRET_KEYS)
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig.goyaml import Ordered

build_output = siteconfig_builders.build_output  # what the module calls, beside the edits below
HAS_YAML = siteconfig_yaml.HAS_YAML
YAML_IMPORT_ERROR = siteconfig_yaml.YAML_IMPORT_ERROR
yaml = siteconfig_yaml.yaml

REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted, changed>"

PY_MODELS_FIELDS = ("enabled", "python_path", "credentials_presets", "allowed_git_urls_regex")
PY_MODELS_DEFAULTS = {"enabled": False, "python_path": "", "credentials_presets": None,
                      "allowed_git_urls_regex": ""}
GITCRED_FIELDS = ("reporegex", "key", "basic_auth")
TAIL_FIELDS = ("connections", "gitcreds", "block_store_creds", "py_models", "cache_dir", "filepath")


class SiteconfigError(Exception):
    """A siteconfig file that cannot be used as it is (message names the file and place)."""


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def load_siteconfig(path):
    """Parse the siteconfig at ``path``; ``None`` if the file does not exist.

    Raises SiteconfigError naming the file (and the line, for YAML errors) when the file
    cannot be read, is not YAML, or does not have pb's structure. Never modifies the file.
    """
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        raise SiteconfigError("cannot read siteconfig %s: %s" % (path, exc))
    return parse_siteconfig(raw, path)


def parse_siteconfig(raw, path="<siteconfig>"):
    """Parse siteconfig text (bytes or str); see load_siteconfig."""
    if yaml is None:
        raise SiteconfigError("PyYAML is required to read %s" % path)
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SiteconfigError("siteconfig %s is not UTF-8 text (byte %d)" % (path, exc.start))
    try:
        data = siteconfig_yaml.load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = ""
        if mark is not None:
            where = " at line %d, column %d" % (mark.line + 1, mark.column + 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SiteconfigError("siteconfig %s is not valid YAML%s: %s; fix or move the file, "
                              "it was left unchanged" % (path, where, problem))
    if data is None:
        data = {}
    check_structure(data, path)
    return data


def check_structure(data, path="<siteconfig>"):
    """Raise SiteconfigError if ``data`` does not have the shape pb reads."""
    def bad(where, what):
        raise SiteconfigError("siteconfig %s: %s must be %s; fix the file, it was left unchanged"
                              % (path, where, what))

    if not isinstance(data, dict):
        bad("the document", "a mapping")
    connections = data.get("connections")
    if connections is not None and not isinstance(connections, dict):
        bad("'connections'", "a mapping of connection names")
    for name, conn in (connections or {}).items():
        where = "connections.%s" % name
        if not isinstance(conn, dict):
            bad(where, "a mapping with 'target' and 'outputs'")
        outputs = conn.get("outputs")
        if outputs is not None and not isinstance(outputs, dict):
            bad(where + ".outputs", "a mapping of target names")
        for target, output in (outputs or {}).items():
            if not isinstance(output, dict):
                bad("%s.outputs.%s" % (where, target), "a mapping")
    for key, kind in (("gitcreds", list), ("block_store_creds", list), ("py_models", dict)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            bad("'%s'" % key, "a list" if kind is list else "a mapping")


def connection_names(data):
    """Sorted names of the connections in loaded siteconfig ``data`` (``None`` is empty)."""
    if not data or not isinstance(data.get("connections"), dict):
        return []
    return sorted(data["connections"], key=functools.cmp_to_key(siteconfig_yaml.go_key_cmp))


# --------------------------------------------------------------------------------------------
# Rendering: the document as pb's structs lay it out
# --------------------------------------------------------------------------------------------

def _ordered(mapping, fields):
    """Struct-like mapping: known ``fields`` first (in order), then the rest sorted."""
    items = [(f, mapping[f]) for f in fields if f in mapping]
    rest = dict((k, v) for k, v in mapping.items() if k not in fields)
    return Ordered(items + siteconfig_yaml.sorted_items(rest))


def _document(data, defaults_for_tail=True):
    connections = {}
    for name, conn in (data.get("connections") or {}).items():
        conn = dict(conn)
        conn.setdefault("target", "")
        conn.setdefault("outputs", {})
        connections[name] = _ordered(conn, ("target", "outputs"))
    items = [("connections", connections)]
    gitcreds = []
    for cred in data.get("gitcreds") or []:
        if isinstance(cred, dict):
            cred = dict(cred)
            if isinstance(cred.get("basic_auth"), dict):
                cred["basic_auth"] = _ordered(cred["basic_auth"], ("username", "password"))
            cred = _ordered(cred, GITCRED_FIELDS)
        gitcreds.append(cred)
    items.append(("gitcreds", gitcreds))
    items.append(("block_store_creds", list(data.get("block_store_creds") or [])))
    py_models = dict(PY_MODELS_DEFAULTS)
    py_models.update(data.get("py_models") or {})
    items.append(("py_models", _ordered(py_models, PY_MODELS_FIELDS)))
    if data.get("cache_dir"):  # yaml:"cache_dir,omitempty"
        items.append(("cache_dir", data["cache_dir"]))
    items.append(("filepath", data.get("filepath", "")))
    extra = dict((k, v) for k, v in data.items() if k not in TAIL_FIELDS)
    return items + siteconfig_yaml.sorted_items(extra)


def render_siteconfig(data):
    """The siteconfig text pb would write for ``data`` (plus any keys pb would drop)."""
    return siteconfig_yaml.emit(_document(data))


# --------------------------------------------------------------------------------------------
# Changing the document
# --------------------------------------------------------------------------------------------

def default_cache_dir():
    """pb's cache directory for the user running this code (``~/.pb/WhtCache``)."""
    return os.path.join(os.path.expanduser("~"), ".pb", "WhtCache")


def new_siteconfig(path, cache_dir):
    """An empty siteconfig as pb creates it."""
    return {"connections": {}, "gitcreds": [], "block_store_creds": [],
            "py_models": dict(PY_MODELS_DEFAULTS), "cache_dir": cache_dir, "filepath": path}


def set_output(data, connection, target, output, default_target=False):
    """Return a copy of ``data`` with ``connections.CONNECTION.outputs.TARGET`` set.

    A new connection gets ``target`` as its default (as pb does); an existing connection's
    default changes only with ``default_target=True``. Output keys this module does not
    manage are kept; other connections and targets are untouched.
    """
    data = copy.deepcopy(data)
    connections = data.get("connections")
    if not isinstance(connections, dict):
        connections = data["connections"] = {}
    conn = connections.get(connection)
    if conn is None:
        connections[connection] = {"target": target, "outputs": {target: dict(output)}}
        return data
    outputs = conn.get("outputs")
    if not isinstance(outputs, dict):
        outputs = conn["outputs"] = {}
    previous = outputs.get(target) or {}
    merged = dict((k, v) for k, v in previous.items() if k not in MANAGED_OUTPUT_KEYS)
    merged.update(output)
    outputs[target] = merged
    if default_target or not conn.get("target"):
        conn["target"] = target
    return data


def remove_output(data, connection, target=None):
    """Return a copy of ``data`` without the target (or, if ``target`` is None, the connection).

    Removing a connection's only target removes the connection. Removing its default target
    while others remain raises InvalidOption: pb would refuse the file, and which target
    becomes the default is the user's choice.
    """
    data = copy.deepcopy(data)
    connections = data.get("connections") or {}
    if connection not in connections:
        return data
    if target is None:
        del connections[connection]
        return data
    conn = connections[connection]
    outputs = conn.get("outputs") or {}
    if target not in outputs:
        return data
    if len(outputs) == 1:
        del connections[connection]
        return data
    if conn.get("target") == target:
        others = sorted(k for k in outputs if k != target)
        raise InvalidOption("target %s is the default target of connection %s; make another "
                            "target the default first (state=present, default_target=true, "
                            "target one of: %s) or remove the whole connection (omit target)"
                            % (target, connection, ", ".join(others)))
    del outputs[target]
    return data


def set_py_models(data, enabled=None, python_path=None):
    data = copy.deepcopy(data)
    py_models = dict(PY_MODELS_DEFAULTS)
    py_models.update(data.get("py_models") or {})
    if enabled is not None:
        py_models["enabled"] = bool(enabled)
    if python_path is not None:
        py_models["python_path"] = python_path
    data["py_models"] = py_models
    return data


def gitcred_entry(reporegex, key=None, key_path=None, username=None, password=None):
    """One pb ``gitcreds`` entry: an SSH key for repositories matching ``reporegex``, or
    HTTPS basic auth (username and a password / personal access token)."""
    if not reporegex:
        raise InvalidOption("gitcreds: every entry needs reporegex")
    key = pem_key(key, key_path, "gitcreds.key", "gitcreds.key_path")
    entry = {"reporegex": reporegex}
    if key:
        entry["key"] = key
    if username or password:
        if not (username and password):
            raise InvalidOption("gitcreds entry %s: basic auth needs both username and password"
                                % reporegex)
        entry["basic_auth"] = {"username": username, "password": password}
    if len(entry) != 2:
        raise InvalidOption("gitcreds entry %s needs exactly one of key / key_path or "
                            "username + password" % reporegex)
    return entry


def upsert_gitcreds(data, entries):
    """Add ``entries`` to ``gitcreds``, replacing any entry with the same reporegex."""
    data = copy.deepcopy(data)
    current = list(data.get("gitcreds") or [])
    for entry in entries:
        for index, existing in enumerate(current):
            if isinstance(existing, dict) and existing.get("reporegex") == entry["reporegex"]:
                current[index] = entry
                break
        else:
            current.append(entry)
    data["gitcreds"] = current
    return data


def redact(data, other=None):
    """Copy of ``data`` with every secret value replaced; where ``other`` (the other side of
    a diff) holds a different value at the same place, the placeholder says so."""
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            peer = other.get(key) if isinstance(other, dict) else None
            if key in SECRET_KEYS and value not in (None, "") and not isinstance(value, dict):
                result[key] = REDACTED if (other is None or peer == value) else REDACTED_CHANGED
            else:
                result[key] = redact(value, peer if isinstance(other, dict) else None)
        return result
    if isinstance(data, list):
        peers = other if isinstance(other, list) else []
        return [redact(v, peers[i] if i < len(peers) else None) for i, v in enumerate(data)]
    return data
