# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read, change and write pb's site configuration (``~/.pb/siteconfig.yaml``).

Plain Python with no Ansible imports, so unit tests call it directly.

pb (a Go program) writes the file with gopkg.in/yaml.v3: 4-space indentation, the keys of
every map sorted with yaml.v3's "natural" order, struct fields in declaration order, strings
quoted only when a plain scalar would read back as another type, and a fixed tail
(``gitcreds``, ``block_store_creds``, ``py_models``, ``cache_dir``, ``filepath``).
``render_siteconfig`` reproduces that byte for byte, so a file written here and one written
by ``pb init connection`` with the same answers are identical. Unlike pb, data it does not
know (extra keys, hand-written connections, top-level keys) is kept, never dropped.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import json
import math
import os
import re
import unicodedata

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the target
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc

WAREHOUSES = ("snowflake", "redshift", "bigquery", "databricks", "postgres")
REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted, changed>"

# Output keys whose values are secrets: redacted in diffs wherever they occur.
SECRET_KEYS = frozenset([
    "password", "privateKey", "privateKeyPassphrase", "passcode", "access_key_id", "secret_access_key",
    "session_token", "access_token", "client_secret", "sshPrivateKey", "private_key",
    "private_key_id", "oauth_token", "key",
])

PY_MODELS_FIELDS = ("enabled", "python_path", "credentials_presets", "allowed_git_urls_regex")
PY_MODELS_DEFAULTS = {"enabled": False, "python_path": "", "credentials_presets": None,
                      "allowed_git_urls_regex": ""}
GITCRED_FIELDS = ("reporegex", "key", "basic_auth")
TAIL_FIELDS = ("connections", "gitcreds", "block_store_creds", "py_models", "cache_dir", "filepath")


class SiteconfigError(Exception):
    """A siteconfig file that cannot be used as it is (message names the file and place)."""


class InvalidOption(Exception):
    """Bad module input; the message names the option and what it accepts."""


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def _yaml12_loader():
    """A SafeLoader that resolves plain scalars the way yaml.v3 (pb) does.

    PyYAML follows YAML 1.1: ``yes``/``no``/``on``/``off`` become booleans, ``0777`` octal and
    dates become ``datetime``. pb reads all of them as strings; rewriting them as ``true`` or
    a date object would change the user's data, so only YAML 1.2 core forms get a type here.
    """
    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {}
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$"), list("-+0123456789"))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                   r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."))

    def construct_int(loader, node):
        value = loader.construct_scalar(node)
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return Loader


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
        data = yaml.load(raw, Loader=_yaml12_loader())  # nosec B506 - SafeLoader subclass
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
    return sorted(data["connections"], key=functools.cmp_to_key(_go_key_cmp))


# --------------------------------------------------------------------------------------------
# Rendering (gopkg.in/yaml.v3 emitter behaviour)
# --------------------------------------------------------------------------------------------

INDENT = 4


class Ordered(object):
    """A mapping emitted in the given key order (a Go struct), not sorted (a Go map)."""

    def __init__(self, items):
        self.items = list(items)


def _go_key_cmp(a, b):
    """yaml.v3 keyList.Less for string keys: runs of digits compare as numbers, and a letter
    sorts after a non-letter unless both follow a digit."""
    if not isinstance(a, str) or not isinstance(b, str):
        return _cmp(str(type(a)), str(type(b))) or _cmp(str(a), str(b))
    digits = False
    i = 0
    while i < len(a) and i < len(b):
        ca, cb = a[i], b[i]
        if ca == cb:
            digits = _is_digit(ca)
            i += 1
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return _cmp(ca, cb)
        if al or bl:
            less = al if digits else bl
            return -1 if less else 1
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and _is_digit(a[j]):
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and _is_digit(a[ai]):
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and _is_digit(b[bi]):
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return -1 if an < bn else 1
        if ai != bi:
            return -1 if ai < bi else 1
        return _cmp(ca, cb)
    return _cmp(len(a), len(b))


def _is_digit(ch):
    return unicodedata.category(ch) == "Nd"  # Go's unicode.IsDigit


def _cmp(a, b):
    return (a > b) - (a < b)


def _sorted_items(mapping):
    keys = sorted(mapping, key=functools.cmp_to_key(_go_key_cmp))
    return [(k, mapping[k]) for k in keys]


_OLD_BOOLS = frozenset("y Y yes Yes YES on On ON n N no No NO off Off OFF".split())
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:"
                        r"[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$")
_RESOLVE_SPECIAL = frozenset([
    "true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL",
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
    "-.inf", "-.Inf", "-.INF", "<<",
])


def _resolves_to_non_string(s):
    """True if yaml.v3 would read the plain scalar ``s`` as something other than a string."""
    if s in _RESOLVE_SPECIAL:
        return True
    if not s or s[0] not in "+-.0123456789":
        return False
    if s[0] in "0123456789" and _TIMESTAMP.match(s):
        return True
    plain = s.replace("_", "")
    return bool(_GO_INT.match(plain) or _GO_FLOAT.match(plain)
                or plain.startswith("0b") or plain.startswith("-0b"))


def _is_printable(ch):
    code = ord(ch)
    return (code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF))


_BREAKS = "\r\n\x85\u2028\u2029"


def _analyze(value):
    """libyaml's yaml_emitter_analyze_scalar: which styles can represent ``value``."""
    if not value:
        return {"multiline": False, "block_plain": True, "single": True, "block": False}
    block_ind = False
    if value.startswith("---") or value.startswith("..."):
        block_ind = True
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = previous_space = previous_break = False
    line_breaks = special = False
    preceded_by_ws = True
    n = len(value)
    for i, ch in enumerate(value):
        followed_by_ws = i + 1 >= n or value[i + 1] in " \t" + _BREAKS
        if i == 0:
            if ch in "#,[]{}&*!|>'\"%@`":
                block_ind = True
            elif ch in "?:" and followed_by_ws:
                block_ind = True
            elif ch == "-" and followed_by_ws:
                block_ind = True
        else:
            if ch == ":" and followed_by_ws:
                block_ind = True
            elif ch == "#" and preceded_by_ws:
                block_ind = True
        if not _is_printable(ch):
            special = True
        if ch == " ":
            if i == 0:
                leading_space = True
            if i == n - 1:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif ch in _BREAKS:
            line_breaks = True
            if i == 0:
                leading_break = True
            if i == n - 1:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_by_ws = ch in " \t" + _BREAKS
    block_plain = single = block = True
    if leading_space or leading_break or trailing_space or trailing_break:
        block_plain = False
    if trailing_space:
        block = False
    if break_space:
        block_plain = single = False
    if space_break or special:
        block_plain = single = block = False
    if line_breaks:
        block_plain = False
    if block_ind:
        block_plain = False
    return {"multiline": line_breaks, "block_plain": block_plain, "single": single, "block": block}


_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f",
            "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_",
            "\u2028": "L", "\u2029": "P"}


def _double_quoted(value):
    out = ['"']
    for ch in value:
        code = ord(ch)
        if not _is_printable(ch) or ch in _BREAKS or ch in '"\\' or code == 0xFEFF:
            if ch in _ESCAPES:
                out.append("\\" + _ESCAPES[ch])
            elif code <= 0xFF:
                out.append("\\x%02X" % code)
            elif code <= 0xFFFF:
                out.append("\\u%04X" % code)
            else:
                out.append("\\U%08X" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _scalar(value, simple_key=False):
    """Inline text of a scalar, or None for a string that needs a literal block."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    value = str(value)
    analysis = _analyze(value)
    if "\n" in value:
        style = "literal"
    elif _resolves_to_non_string(value) or _BASE60.match(value) or value in _OLD_BOOLS:
        style = "double"
    else:
        style = "plain"
    if analysis["multiline"] and (simple_key or any(c in value for c in "\r\x85\u2028\u2029")):
        style = "double"  # keys cannot be blocks; only "\n" breaks are written as block lines
    if style == "plain" and not analysis["block_plain"]:
        style = "single"
    if style == "single" and not analysis["single"]:
        style = "double"
    if style == "literal" and (not analysis["block"] or simple_key):
        style = "double"
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return _double_quoted(value)
    return None


def _go_float(value):
    if math.isnan(value):
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, dummy, exponent = text.partition("e")
    if exponent:
        exp = int(exponent)
        if -4 <= exp < 21:
            text = format(value, "f").rstrip("0").rstrip(".")
        else:
            text = "%se%s%02d" % (mantissa, "-" if exp < 0 else "+", abs(exp))
    elif text.endswith(".0"):
        text = text[:-2]
    return text


def _literal(value, indent):
    """A literal block scalar (``|``) whose lines are indented by ``indent``."""
    header = "|"
    if value[0] in " " + _BREAKS:
        header += str(INDENT)
    if value[-1] not in _BREAKS:
        header += "-"
    elif len(value) == 1 or value[-2] in _BREAKS:
        header += "+"
    lines = []
    body = value[:-1] if value[-1] == "\n" else value
    for line in body.split("\n"):
        lines.append((" " * indent + line) if line else "")
    return header, lines


def _next_indent(indent):
    return INDENT * ((indent + INDENT) // INDENT)


def _emit_value(value, indent, out, prefix):
    """Append lines for ``prefix`` (``key:`` or ``-``) followed by ``value``."""
    if isinstance(value, (dict, Ordered)):
        items = value.items if isinstance(value, Ordered) else _sorted_items(value)
        if not items:
            out.append(prefix + " {}")
            return
        out.append(prefix)
        _emit_mapping(items, _next_indent(indent), out)
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append(prefix + " []")
            return
        out.append(prefix)
        _emit_sequence(value, _next_indent(indent), out)
    else:
        text = _scalar(value)
        if text is None:
            header, lines = _literal(value, _next_indent(indent))
            out.append(prefix + " " + header)
            out.extend(lines)
        else:
            out.append(prefix + " " + text)


def _emit_mapping(items, indent, out, first_prefix=None):
    for index, (key, value) in enumerate(items):
        lead = first_prefix if (index == 0 and first_prefix is not None) else " " * indent
        _emit_value(value, indent, out, lead + _scalar(key, simple_key=True) + ":")


def _emit_sequence(values, indent, out):
    for value in values:
        dash = " " * indent + "-"
        if isinstance(value, (dict, Ordered)):
            items = value.items if isinstance(value, Ordered) else _sorted_items(value)
            if items:
                # yaml.v3: the first key follows "- ", the others align with it.
                _emit_mapping(items, indent + 2, out, first_prefix=dash + " ")
                continue
        _emit_value(value, indent, out, dash)


def _ordered(mapping, fields):
    """Struct-like mapping: known ``fields`` first (in order), then the rest sorted."""
    items = [(f, mapping[f]) for f in fields if f in mapping]
    rest = dict((k, v) for k, v in mapping.items() if k not in fields)
    return Ordered(items + _sorted_items(rest))


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
    return items + _sorted_items(extra)


def render_siteconfig(data):
    """The siteconfig text pb would write for ``data`` (plus any keys pb would drop)."""
    out = []
    _emit_mapping(_document(data), 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Outputs per warehouse
# --------------------------------------------------------------------------------------------

def _require(params, names, warehouse, extra=""):
    missing = [n for n in names if params.get(n) in (None, "")]
    if missing:
        raise InvalidOption("warehouse=%s%s requires %s (missing: %s)"
                            % (warehouse, extra, ", ".join(names), ", ".join(missing)))


def validate_port(value, option="port"):
    """An integer port 1-65535 from an int or a string of digits."""
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and re.match(r"^\s*[0-9]+\s*$", value):
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidOption("%s must be an integer from 1 to 65535, got %r" % (option, value))
    return value


def read_text_file(path, option):
    """Content of a file on the target, or InvalidOption naming ``option``."""
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise InvalidOption("%s: file %s does not exist (or is not a regular file)" % (option, path))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise InvalidOption("%s: cannot read %s: %s" % (option, path, exc.strerror or exc))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidOption("%s: %s is not UTF-8 text" % (option, path))


def pem_key(content, path, option, path_option):
    """PEM private key text from ``content`` or from the file at ``path``."""
    if content and path:
        raise InvalidOption("%s and %s are mutually exclusive" % (option, path_option))
    source = option
    if path:
        content = read_text_file(path, path_option)
        source = "%s (%s)" % (path_option, path)
    if not content:
        return None
    if "-----BEGIN" not in content or "PRIVATE KEY-----" not in content:
        raise InvalidOption("%s does not contain a PEM private key "
                            "(-----BEGIN ... PRIVATE KEY-----)" % source)
    return content  # stored exactly as given, as pb does (no newline added or removed)


def _base(params, warehouse):
    _require(params, ["schema"], warehouse)
    return {
        "type": warehouse,
        "schema": params["schema"],
        "outputSchema": params.get("output_schema") or params["schema"],
    }


def build_snowflake(params):
    _require(params, ["account", "snowflake_warehouse", "dbname", "role", "user"], "snowflake")
    out = _base(params, "snowflake")
    out.update(account=params["account"], warehouse=params["snowflake_warehouse"],
               dbname=params["dbname"], role=params["role"], user=params["user"])
    key = pem_key(params.get("private_key"), params.get("private_key_path"),
                  "private_key", "private_key_path")
    if key:
        if params.get("password"):
            raise InvalidOption("warehouse=snowflake: give either password or a private key "
                                "(private_key / private_key_path), not both")
        for flag in ("snowflake_enable_mfa_caching", "snowflake_passcode_in_password",
                     "snowflake_passcode"):
            if params.get(flag) is not None:
                raise InvalidOption("%s applies to password authentication only, not to key "
                                    "pair authentication" % flag)
        out.update(useKeyPairAuth=True, privateKey=key,
                   privateKeyPassphrase=params.get("private_key_passphrase") or "")
        return out
    if params.get("private_key_passphrase"):
        raise InvalidOption("private_key_passphrase needs private_key or private_key_path")
    if not params.get("password"):
        raise InvalidOption("warehouse=snowflake requires password, private_key or "
                            "private_key_path")
    out.update(useKeyPairAuth=False, password=params["password"])
    if params.get("snowflake_enable_mfa_caching") is not None:
        out["enable_mfa_caching"] = bool(params["snowflake_enable_mfa_caching"])
    if params.get("snowflake_passcode_in_password") is not None:
        out["passcode_in_password"] = bool(params["snowflake_passcode_in_password"])
    if params.get("snowflake_passcode"):
        if params.get("snowflake_passcode_in_password"):
            raise InvalidOption("snowflake_passcode cannot be combined with "
                                "snowflake_passcode_in_password=true")
        out["passcode"] = params["snowflake_passcode"]
    return out


def build_redshift(params):
    driver = params.get("redshift_driver") or "v1"
    if driver not in ("v1", "v2"):
        raise InvalidOption("redshift_driver must be one of v1, v2, got %r" % driver)
    _require(params, ["dbname", "user"], "redshift")
    out = _base(params, "redshift")
    out.update(driver=driver, dbname=params["dbname"], user=params["user"])
    if params.get("sslmode"):
        out["sslmode"] = params["sslmode"]
    if driver == "v1":
        for name in V2_ONLY:
            if params.get(name):
                raise InvalidOption("%s applies to redshift_driver=v2 only" % name)
        _require(params, ["host", "password"], "redshift", " redshift_driver=v1")
        out.update(host=params["host"], password=params["password"],
                   port=validate_port(params["port"] if params.get("port") is not None else 5439))
        tunnel = build_ssh_tunnel(params)
        if tunnel:
            out["tunnel_info"] = tunnel
        return out
    for name in ("host", "port", "password") + SSH_OPTIONS:
        if params.get(name) is not None:
            raise InvalidOption("%s applies to redshift_driver=v1 only (v2 uses the Redshift "
                                "Data API)" % name)
    _require(params, ["region"], "redshift", " redshift_driver=v2")
    out["region"] = params["region"]
    places = [n for n in ("cluster_identifier", "workgroup_name") if params.get(n)]
    if len(places) != 1:
        raise InvalidOption("redshift_driver=v2 requires exactly one of cluster_identifier "
                            "(provisioned cluster) or workgroup_name (serverless)")
    out[places[0]] = params[places[0]]
    auths = [n for n in ("access_key_id", "shared_profile", "secrets_arn") if params.get(n)]
    if len(auths) != 1:
        raise InvalidOption("redshift_driver=v2 requires exactly one of access_key_id (with "
                            "secret_access_key), shared_profile or secrets_arn")
    if auths[0] == "access_key_id":
        _require(params, ["access_key_id", "secret_access_key"], "redshift",
                 " redshift_driver=v2 with access keys")
        out.update(access_key_id=params["access_key_id"],
                   secret_access_key=params["secret_access_key"],
                   session_token=params.get("session_token") or "")
    else:
        for name in ("secret_access_key", "session_token"):
            if params.get(name):
                raise InvalidOption("%s needs access_key_id" % name)
        out[auths[0]] = params[auths[0]]
    return out


SSH_OPTIONS = ("ssh_host", "ssh_port", "ssh_user", "ssh_private_key", "ssh_private_key_path")
V2_ONLY = ("region", "cluster_identifier", "workgroup_name", "access_key_id",
           "secret_access_key", "session_token", "shared_profile", "secrets_arn")


def build_ssh_tunnel(params):
    if not any(params.get(n) is not None for n in SSH_OPTIONS):
        return None
    _require(params, ["ssh_host", "ssh_user"], "redshift", " with an SSH tunnel")
    key = pem_key(params.get("ssh_private_key"), params.get("ssh_private_key_path"),
                  "ssh_private_key", "ssh_private_key_path")
    if not key:
        raise InvalidOption("an SSH tunnel requires ssh_private_key or ssh_private_key_path")
    port = params.get("ssh_port")
    return {"config": {
        "sshHost": params["ssh_host"],
        "sshPort": validate_port(22 if port is None else port, "ssh_port"),
        "sshUser": params["ssh_user"],
        "sshPrivateKey": key,
    }}


def build_bigquery(params):
    _require(params, ["project_id"], "bigquery")
    creds, path = params.get("credentials"), params.get("credentials_path")
    if creds and path:
        raise InvalidOption("credentials and credentials_path are mutually exclusive")
    if path:
        text = read_text_file(path, "credentials_path")
        try:
            creds = json.loads(text)
        except ValueError as exc:
            raise InvalidOption("credentials_path: %s is not JSON: %s" % (path, exc))
        source = "credentials_path (%s)" % path
    else:
        source = "credentials"
        if isinstance(creds, str):
            try:
                creds = json.loads(creds)
            except ValueError as exc:
                raise InvalidOption("credentials: not a JSON object: %s" % exc)
    if not creds:
        raise InvalidOption("warehouse=bigquery requires credentials (the service account key "
                            "as a dict) or credentials_path (its JSON file on the target)")
    if not isinstance(creds, dict):
        raise InvalidOption("%s must be a service account key (a JSON object)" % source)
    user = params.get("user") or creds.get("client_email")
    if not user:
        raise InvalidOption("warehouse=bigquery requires user (the service account e-mail) "
                            "when %s has no client_email" % source)
    out = _base(params, "bigquery")
    out.update(credentials=creds, project_id=params["project_id"], user=user)
    return out


def build_databricks(params):
    _require(params, ["host", "http_endpoint", "catalog", "user"], "databricks")
    out = _base(params, "databricks")
    port = params.get("port")
    out.update(host=params["host"], http_endpoint=params["http_endpoint"],
               catalog=params["catalog"], user=params["user"],
               port=validate_port(443 if port is None else port))
    token = params.get("access_token")
    oauth = [n for n in ("client_id", "client_secret") if params.get(n)]
    if token and oauth:
        raise InvalidOption("warehouse=databricks: give either access_token (personal access "
                            "token) or client_id and client_secret (OAuth), not both")
    if token:
        out["access_token"] = token
    elif len(oauth) == 2:
        out.update(client_id=params["client_id"], client_secret=params["client_secret"])
    else:
        raise InvalidOption("warehouse=databricks requires access_token, or client_id and "
                            "client_secret")
    return out


def build_postgres(params):
    _require(params, ["host", "dbname", "user", "password"], "postgres")
    out = _base(params, "postgres")
    port = params.get("port")
    out.update(host=params["host"], dbname=params["dbname"], user=params["user"],
               password=params["password"], port=validate_port(5432 if port is None else port))
    if params.get("sslmode"):
        out["sslmode"] = params["sslmode"]
    return out


BUILDERS = {
    "snowflake": build_snowflake,
    "redshift": build_redshift,
    "bigquery": build_bigquery,
    "databricks": build_databricks,
    "postgres": build_postgres,
}

# Module options each warehouse uses (beyond the common ones); anything else set is an error.
COMMON_OPTIONS = ("schema", "output_schema")
WAREHOUSE_OPTIONS = {
    "snowflake": ("account", "snowflake_warehouse", "dbname", "role", "user", "password",
                  "private_key", "private_key_path", "private_key_passphrase",
                  "snowflake_enable_mfa_caching", "snowflake_passcode_in_password",
                  "snowflake_passcode"),
    "redshift": ("redshift_driver", "host", "port", "dbname", "user", "password", "sslmode")
    + SSH_OPTIONS + V2_ONLY,
    "bigquery": ("project_id", "credentials", "credentials_path", "user"),
    "databricks": ("host", "port", "http_endpoint", "catalog", "user", "access_token",
                   "client_id", "client_secret"),
    "postgres": ("host", "port", "dbname", "user", "password", "sslmode"),
}
ALL_WAREHOUSE_OPTIONS = sorted(set(o for opts in WAREHOUSE_OPTIONS.values() for o in opts))

# pb output keys this module writes for some warehouse: replaced as a set on update, so that
# switching authentication (password -> key pair) leaves no stale secret behind. Keys outside
# this set (custom or newer pb keys) are kept.
MANAGED_OUTPUT_KEYS = frozenset([
    "type", "schema", "outputSchema", "account", "warehouse", "dbname", "role", "user",
    "password", "useKeyPairAuth", "privateKey", "privateKeyPassphrase", "enable_mfa_caching",
    "passcode_in_password", "passcode", "driver", "host", "port", "sslmode", "tunnel_info",
    "region", "cluster_identifier", "workgroup_name", "access_key_id", "secret_access_key",
    "session_token", "shared_profile", "secrets_arn", "credentials", "project_id",
    "http_endpoint", "catalog", "access_token", "client_id", "client_secret",
])


def build_output(warehouse, params):
    """The ``outputs.TARGET`` mapping pb writes for ``warehouse`` and the module ``params``.

    Raises InvalidOption (naming the option) for unknown warehouses, options that do not
    apply to the warehouse, missing required values, bad ports and unreadable key files.
    """
    if warehouse not in BUILDERS:
        raise InvalidOption("warehouse must be one of %s, got %r"
                            % (", ".join(WAREHOUSES), warehouse))
    allowed = set(WAREHOUSE_OPTIONS[warehouse])
    stray = [o for o in ALL_WAREHOUSE_OPTIONS
             if o not in allowed and params.get(o) not in (None, "", {}, [])]
    if stray:
        raise InvalidOption("option(s) %s do not apply to warehouse=%s (it accepts: %s)"
                            % (", ".join(stray), warehouse, ", ".join(sorted(allowed))))
    return BUILDERS[warehouse](params)


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
