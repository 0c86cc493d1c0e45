# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""pb's YAML: the gopkg.in/yaml.v3 emitter pb writes its siteconfig with, and a loader that reads
scalars the way yaml.v3 does.

pb 0.26.4 links yaml.v3 v3.0.1 and is built with Go 1.26; ``emit`` reproduces what that library
writes, byte for byte: block style with 4-space indentation, a block sequence's children indented
past its ``- ``, strings quoted only when a plain scalar would read back as something else
(``resolves_to_non_string``, which follows yaml.v3's resolver and Go's number and time parsers),
literal blocks for text with line breaks, ``? `` keys for keys longer than 128 bytes or with line
breaks, no line folding. docs/pb-quirks.md lists the quirks kept on purpose (a literal block loses
its first leading line break; a value starting with a byte-order mark is escaped character by
character).

Where PyYAML's Emitter already does what yaml.v3 does it is used: ``analyze_scalar`` (which styles
can carry a string) with yaml.v3's differences applied (tab, NEL, carriage return, characters
outside the Basic Multilingual Plane), and ``choose_scalar_style``. Writing the chosen style is
yaml.v3's own, ported below, because PyYAML writes differently (indentation, folding, ``? `` keys).

Plain Python with no Ansible imports, so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import math
import re
import unicodedata

try:
    import yaml
    from yaml.emitter import Emitter as _PyYAMLEmitter
    from yaml.events import ScalarEvent as _ScalarEvent
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the target
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc

INDENT = 4  # yaml.v3's default indentation (best_indent)
SIMPLE_KEY_MAX_BYTES = 128


class Ordered(object):
    """A mapping emitted in the given key order (a Go struct), not sorted (a Go map)."""

    def __init__(self, items):
        self.items = list(items)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

_TAGS = {"null": "tag:yaml.org,2002:null", "bool": "tag:yaml.org,2002:bool",
         "int": "tag:yaml.org,2002:int", "float": "tag:yaml.org,2002:float"}
_STR_TAG = "tag:yaml.org,2002:str"


def yaml12_loader():
    """A SafeLoader that reads plain scalars as yaml.v3 (pb) does (``resolve``).

    PyYAML follows YAML 1.1: ``yes``/``no``/``on``/``off`` become booleans, ``<<`` merges and
    dates become ``datetime``. pb reads those as strings (a date in a typed field keeps its
    text), so they stay strings here; numbers follow Go's parsers (``0777`` is octal 511, ``1e400``
    is text).
    """
    class Loader(yaml.SafeLoader):
        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode and implicit[0]:
                return _TAGS.get(resolve(value)[0], _STR_TAG)
            return yaml.SafeLoader.resolve(self, kind, value, implicit)

    def construct_number(loader, node):
        return resolve(loader.construct_scalar(node))[1]

    Loader.add_constructor("tag:yaml.org,2002:int", construct_number)
    Loader.add_constructor("tag:yaml.org,2002:float", construct_number)
    return Loader


def load(text):
    """Parse YAML text with ``yaml12_loader``; raises yaml.YAMLError."""
    return yaml.load(text, Loader=yaml12_loader())  # nosec B506 - SafeLoader subclass


# --------------------------------------------------------------------------------------------
# What a plain scalar reads back as (yaml.v3 resolve.go, Go's strconv and time.Parse)
# --------------------------------------------------------------------------------------------

_RESOLVE_MAP = frozenset([
    "true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL",
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
    "-.inf", "-.Inf", "-.INF", "<<",
])
# yaml.v3 only looks a scalar up when its first byte hints at a type; '<' is not one of them,
# so "<<" is a plain string although it is in the map.
_HINTS = dict([("+", "S"), ("-", "S"), (".", ".")] + [(c, "D") for c in "0123456789"]
              + [(c, "M") for c in "yYnNtTfFoO~"])
_OLD_BOOLS = frozenset("y Y yes Yes YES on On ON n N no No NO off Off OFF".split())
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_DECIMAL_FLOAT = re.compile(r"^[-+]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9_]+)?$")
_DIGITS = "0123456789"


def _go_parse_uint(text, base=0, bits=64):
    """Whether Go's strconv.ParseUint(text, base, bits) succeeds (no underscores: the caller
    removed them, as yaml.v3 does)."""
    if not text:
        return False
    if base == 0:
        base = 10
        if text[0] == "0":
            if len(text) >= 3 and text[1] in "bB":
                base, text = 2, text[2:]
            elif len(text) >= 3 and text[1] in "oO":
                base, text = 8, text[2:]
            elif len(text) >= 3 and text[1] in "xX":
                base, text = 16, text[2:]
            else:
                base, text = 8, text[1:]
    value = 0
    for ch in text:
        if ch in _DIGITS:
            digit = ord(ch) - 48
        elif "a" <= ch.lower() <= "z":
            digit = ord(ch.lower()) - 87
        else:
            return False
        if digit >= base:
            return False
        value = value * base + digit
    return value < (1 << bits)


def _go_parse_int(text, base=0, bits=64):
    """Whether Go's strconv.ParseInt(text, base, bits) succeeds."""
    if not text:
        return False
    negative = text[0] == "-"
    if text[0] in "+-":
        text = text[1:]
    if not _go_parse_uint(text, base, bits):
        return False
    value = _uint_value(text, base)
    return value <= (1 << (bits - 1)) if negative else value < (1 << (bits - 1))


def _uint_value(text, base):
    if base == 0:
        if len(text) >= 3 and text[0] == "0" and text[1] in "bBoOxX":
            return int(text[2:], {"b": 2, "o": 8, "x": 16}[text[1].lower()])
        return int(text, 8) if text[0] == "0" else int(text, 10)
    return int(text, base)


def _go_underscore_ok(text):
    """Go's strconv.underscoreOK: underscores only between digits (or after a base prefix)."""
    saw = "^"
    i = 0
    if text[:1] in ("-", "+"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i, saw, hexadecimal = 2, "0", text[1].lower() == "x"
    while i < len(text):
        ch = text[i]
        if ch in _DIGITS or (hexadecimal and "a" <= ch.lower() <= "f"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
        i += 1
    return saw != "_"


def _go_parse_float(text):
    """Whether Go's strconv.ParseFloat(text, 64) succeeds, for the decimal forms yaml.v3 passes
    it (a scalar starting with '.', or one matching yaml.v3's float pattern)."""
    if not _GO_DECIMAL_FLOAT.match(text) or not any(c in _DIGITS for c in text.split("e")[0].split("E")[0]):
        return False
    if "_" in text and not _go_underscore_ok(text):
        return False
    return not math.isinf(float(text.replace("_", "")))  # overflow is ErrRange; underflow is 0


def _getnum(text, fixed):
    """Go's time.getnum: one or two ASCII digits (exactly two when ``fixed``)."""
    if not text[:1] or text[0] not in _DIGITS:
        return None, text
    if len(text) < 2 or text[1] not in _DIGITS:
        return (None, text) if fixed else (int(text[0]), text[1:])
    return int(text[:2]), text[2:]


def _skip(value, literal):
    """Go's time.skip: match a layout literal; a space matches any run of spaces."""
    while literal:
        if literal[0] == " ":
            if value and value[0] != " ":
                return None
            literal, value = literal.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != literal[0]:
            return None
        literal, value = literal[1:], value[1:]
    return value


def _days_in(month, year):
    if month == 2:
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


# yaml.v3's allowedTimestampFormats, as Go time.Parse layouts cut into fields and literals.
_TIMESTAMP_LAYOUTS = (
    ("year", "-", "month", "-", "day", "T", "hour", ":", "minute", ":", "second", "frac", "zone"),
    ("year", "-", "month", "-", "day", "t", "hour", ":", "minute", ":", "second", "frac", "zone"),
    ("year", "-", "month", "-", "day", " ", "hour", ":", "minute", ":", "second", "frac"),
    ("year", "-", "month", "-", "day"),
)
_RANGES = {"hour": 24, "minute": 60, "second": 60}


def _go_time_parse(layout, value):
    """Whether Go 1.26's time.Parse accepts ``value`` for one of yaml.v3's layouts.

    Go 1.23 and later reject time zone offsets above 24 hours or 60 minutes, and take any number
    of fractional-second digits (pb 0.26.4 is built with Go 1.26; recorded in
    48_quoting_databricks_time_edges.yaml.txt).
    """
    fields = {}
    for part in layout:
        if part == "year":
            if len(value) < 4 or not all(ch in _DIGITS for ch in value[:4]):
                return False
            fields["year"], value = int(value[:4]), value[4:]
        elif part in ("month", "day", "hour", "minute", "second"):
            number, value = _getnum(value, False)
            if number is None:
                return False
            if part == "month" and not 1 <= number <= 12:
                return False
            if part in _RANGES and number >= _RANGES[part]:
                return False
            fields[part] = number
        elif part == "frac":
            if len(value) >= 2 and value[0] in ".," and value[1] in _DIGITS:
                end = 1
                while end < len(value) and value[end] in _DIGITS:
                    end += 1
                value = value[end:]
        elif part == "zone":
            if value[:1] == "Z":
                value = value[1:]
                continue
            if len(value) < 6 or value[3] != ":" or value[0] not in "+-":
                return False
            hours, rest = _getnum(value[1:3], True)
            minutes, rest2 = _getnum(value[4:6], True)
            if hours is None or minutes is None or rest or rest2 or hours > 24 or minutes > 60:
                return False
            value = value[6:]
        else:
            value = _skip(value, part)
            if value is None:
                return False
    if value:
        return False
    return 1 <= fields["day"] <= _days_in(fields["month"], fields["year"])


def is_timestamp(text):
    """yaml.v3's parseTimestamp: four digits, '-', then one of its four layouts."""
    if len(text) < 5 or not all(ch in _DIGITS for ch in text[:4]) or text[4] != "-":
        return False
    return any(_go_time_parse(layout, text) for layout in _TIMESTAMP_LAYOUTS)


_MAP_VALUES = dict([(k, ("bool", True)) for k in ("true", "True", "TRUE")]
                   + [(k, ("bool", False)) for k in ("false", "False", "FALSE")]
                   + [(k, ("null", None)) for k in ("", "~", "null", "Null", "NULL")]
                   + [(k, ("float", float("nan"))) for k in (".nan", ".NaN", ".NAN")]
                   + [(k, ("float", float("inf"))) for k in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")]
                   + [(k, ("float", float("-inf"))) for k in ("-.inf", "-.Inf", "-.INF")])


def resolve(text):
    """(tag, value) yaml.v3 reads the plain scalar ``text`` as: tag is str, null, bool, int,
    float or timestamp (a timestamp's value is the text itself)."""
    hint = "N" if text == "" else _HINTS.get(text[0])
    if hint is None or hint == "M" and text not in _MAP_VALUES:
        return "str", text
    if text in _MAP_VALUES:
        return _MAP_VALUES[text]
    if hint == ".":
        return ("float", float(text.replace("_", ""))) if _go_parse_float(text) else ("str", text)
    if is_timestamp(text):
        return "timestamp", text
    plain = text.replace("_", "")
    if _go_parse_int(plain) or _go_parse_uint(plain):
        return "int", _signed(plain, 0)
    if _YAML_FLOAT.match(plain) and _go_parse_float(plain):
        return "float", float(plain)
    for prefix, base in (("0b", 2), ("0o", 8)):
        if plain.startswith(prefix):
            if _go_parse_int(plain[2:], base) or _go_parse_uint(plain[2:], base):
                return "int", _signed(plain[2:], base)
        elif plain.startswith("-" + prefix) and _go_parse_int("-" + plain[3:], base):
            return "int", _signed("-" + plain[3:], base)
    return "str", text


def _signed(text, base):
    negative = text[:1] == "-"
    value = _uint_value(text.lstrip("+-"), base)
    return -value if negative else value


def resolves_to_non_string(text):
    """True if yaml.v3 would read the plain scalar ``text`` as something other than a string."""
    return resolve(text)[0] != "str"


def needs_quotes(text):
    """yaml.v3's encoder quotes a string that would not read back as that string (and YAML 1.1
    base-60 numbers and booleans, for other parsers)."""
    return resolves_to_non_string(text) or bool(_BASE60.match(text)) or text in _OLD_BOOLS


# --------------------------------------------------------------------------------------------
# Scalar styles
# --------------------------------------------------------------------------------------------

PLAIN, SINGLE, DOUBLE, LITERAL = "", "'", '"', "|"
_BREAKS = "\r\n\x85\u2028\u2029"


class _Analyzer(_PyYAMLEmitter if HAS_YAML else object):
    """PyYAML's analyze_scalar and choose_scalar_style, told where yaml.v3 differs."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.flow_level = 0
        self.canonical = False
        self.allow_unicode = True
        self.simple_key_context = False
        self.analysis = None
        self.event = None

    def analyze(self, value):
        # yaml.v3 allows a tab in a literal block (PyYAML does not) and never lets one be plain or
        # single-quoted; elsewhere a tab acts like any other character, which 'x' stands for here.
        analysis = self.analyze_scalar(value.replace("\t", "x"))
        if "\t" in value:
            analysis.allow_flow_plain = analysis.allow_block_plain = False
            analysis.allow_single_quoted = False
        # yaml.v3 cannot print NEL or characters outside the BMP unescaped (PyYAML can). (It
        # also counts CR as a line break, which only matters for keys: is_simple_key.)
        if "\x85" in value or any(ord(ch) > 0xFFFF for ch in value):
            analysis.allow_flow_plain = analysis.allow_block_plain = False
            analysis.allow_single_quoted = analysis.allow_block = False
        return analysis

    def style(self, value, requested, simple_key):
        self.analysis = self.analyze(value)
        self.simple_key_context = simple_key
        self.event = _ScalarEvent(None, None, (True, True), value, style=requested or None)
        return self.choose_scalar_style()


_ANALYZER = _Analyzer() if HAS_YAML else None


def requested_style(text):
    """The style yaml.v3's encoder asks for a string (encode.go stringv)."""
    if "\n" in text:
        return LITERAL
    return DOUBLE if needs_quotes(text) else PLAIN


def is_simple_key(text):
    """yaml.v3 writes a key as ``key:`` up to 128 bytes without line breaks, else as ``? key``."""
    multiline = any(ch in _BREAKS for ch in text)
    return not multiline and len(text.encode("utf-8")) <= SIMPLE_KEY_MAX_BYTES


def scalar_text(value):
    """(text, requested style) yaml.v3 emits for a Python scalar."""
    if value is None:
        return "null", PLAIN
    if value is True or value is False:
        return ("true" if value else "false"), PLAIN
    if isinstance(value, int):
        return str(value), PLAIN
    if isinstance(value, float):
        return go_float(value), PLAIN
    text = str(value)
    return text, requested_style(text)


def go_float(value):
    """strconv.FormatFloat(value, 'g', -1, 64), with yaml.v3's names for infinities and NaN:
    an exponent below -4 or from 6 up is written as ``1e+06``."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, exponent = _shortest_digits(value)
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return "%s%se%s%02d" % (sign, mantissa, "-" if exponent < 0 else "+", abs(exponent))
    if exponent >= len(digits) - 1:
        return sign + digits + "0" * (exponent - len(digits) + 1)
    if exponent >= 0:
        return sign + digits[:exponent + 1] + "." + digits[exponent + 1:]
    return sign + "0." + "0" * (-exponent - 1) + digits


def _shortest_digits(value):
    """The shortest decimal digits that read back as ``value`` and the decimal exponent of the
    first one (Python's repr and Go's FormatFloat(-1) choose the same digits)."""
    text = repr(abs(value))
    mantissa, _sep, exp = text.partition("e")
    exponent = int(exp) if exp else 0
    whole, _dot, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    leading = len(whole + frac) - len((whole + frac).lstrip("0"))
    exponent += len(whole) - 1 - leading
    digits = digits.rstrip("0") or "0"
    return digits, exponent


# --------------------------------------------------------------------------------------------
# Writing (a port of yaml.v3 emitterc.go for block collections and the four scalar styles)
# --------------------------------------------------------------------------------------------

_ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
            0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_",
            0x2028: "L", 0x2029: "P"}


def _is_printable(ch):
    code = ord(ch)
    return (code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF))


class _Writer(object):
    """yaml.v3's emitter state: output, column, and whether the line so far is indentation."""

    def __init__(self):
        self.out = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.indent = -1

    def put(self, text):
        self.out.append(text)
        self.column += len(text)

    def put_break(self):
        self.out.append("\n")
        self.column = 0
        self.indention = True

    def write_break(self, ch):
        if ch == "\n":
            self.put_break()
        else:  # NEL, LS, PS and CR are written as they are and count as a new line
            self.out.append(ch)
            self.column = 0
            self.indention = True

    def write_indent(self):
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True

    def indicator(self, text, need_whitespace, is_whitespace, is_indention):
        if need_whitespace and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_whitespace
        self.indention = self.indention and is_indention

    def increase_indent(self, in_sequence):
        if self.indent < 0:
            self.indent = 0
        elif in_sequence:  # the first indent inside a sequence skips the "- "
            self.indent += 2
        else:
            self.indent = INDENT * ((self.indent + INDENT) // INDENT)

    # -- scalars -------------------------------------------------------------------------

    def scalar(self, value, in_sequence, simple_key):
        text, requested = scalar_text(value)
        style = _ANALYZER.style(text, requested, simple_key)
        saved = self.indent
        if self.indent < 0:
            self.indent = INDENT
        else:
            self.increase_indent(in_sequence)
        if style == PLAIN:
            self.plain(text)
        elif style == SINGLE:
            self.single_quoted(text)
        elif style == DOUBLE:
            self.double_quoted(text)
        else:
            self.literal(text)
        self.indent = saved

    def plain(self, text):
        if text and not self.whitespace:
            self.put(" ")
        self.put(text)  # never has line breaks: they rule plain out
        if text:
            self.whitespace = False
        self.indention = False

    def single_quoted(self, text):
        self.indicator("'", True, False, False)
        breaks = False
        for ch in text:
            if ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put("''" if ch == "'" else ch)
                self.indention = False
                breaks = False
        self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def double_quoted(self, text):
        self.indicator('"', True, False, False)
        # yaml.v3's is_bom looks at the start of the value, not at the character: a value that
        # starts with U+FEFF has every character escaped.
        bom = text.startswith("\ufeff")
        for ch in text:
            code = ord(ch)
            if bom or not _is_printable(ch) or ch in _BREAKS or ch in '"\\':
                if code in _ESCAPES:
                    self.put("\\" + _ESCAPES[code])
                elif code <= 0xFF:
                    self.put("\\x%02X" % code)
                elif code <= 0xFFFF:
                    self.put("\\u%04X" % code)
                else:
                    self.put("\\U%08X" % code)
            else:
                self.put(ch)
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def literal(self, text):
        self.indicator("|", True, False, False)
        if text[:1] == " " or text[:1] in _BREAKS and text:
            self.indicator(str(INDENT), False, False, False)
        if not text or text[-1] not in _BREAKS:
            self.indicator("-", False, False, False)
        elif len(text) == 1 or text[-2] in _BREAKS:
            self.indicator("+", False, False, False)
        # yaml.v3 v3.0.1 writes no line break after the header: the value's first character
        # does, so a leading line break is lost (pb's files have the same quirk).
        self.whitespace = True
        breaks = True
        for ch in text:
            if ch in _BREAKS:
                self.write_break(ch)
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention = False
                breaks = False

    # -- collections ---------------------------------------------------------------------

    def node(self, value, in_sequence=False, simple_key=False):
        if isinstance(value, (dict, Ordered)):
            items = value.items if isinstance(value, Ordered) else sorted_items(value)
            if items:
                self.block_mapping(items, in_sequence)
            else:
                self.indicator("{", True, True, False)
                self.indicator("}", False, False, False)
        elif isinstance(value, (list, tuple)):
            if value:
                self.block_sequence(value, in_sequence)
            else:
                self.indicator("[", True, True, False)
                self.indicator("]", False, False, False)
        else:
            self.scalar(value, in_sequence, simple_key)

    def block_sequence(self, values, in_sequence):
        saved = self.indent
        self.increase_indent(in_sequence)
        for value in values:
            self.write_indent()
            self.indicator("-", True, False, True)
            self.node(value, in_sequence=True)
        self.indent = saved

    def block_mapping(self, items, in_sequence):
        saved = self.indent
        self.increase_indent(in_sequence)
        for key, value in items:
            self.write_indent()
            text = scalar_text(key)[0]
            if is_simple_key(text):
                self.node(key, simple_key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, True)
                self.node(key)
                self.write_indent()
                self.indicator(":", True, False, True)
            self.node(value)
        self.indent = saved


def emit(items):
    """The document yaml.v3 writes for a top-level mapping given as ``(key, value)`` items
    (values: dict (sorted as Go sorts map keys), Ordered, list, str, int, float, bool, None)."""
    writer = _Writer()
    writer.block_mapping(items, False)
    writer.write_indent()  # document end: a final line break unless one was just written
    return "".join(writer.out)


# --------------------------------------------------------------------------------------------
# Key order of Go maps (yaml.v3 sorter.go keyList.Less)
# --------------------------------------------------------------------------------------------

def go_key_cmp(a, b):
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
            an = _int64(an * 10 + ord(a[ai]) - 48)
            ai += 1
        bi = i
        while bi < len(b) and _is_digit(b[bi]):
            bn = _int64(bn * 10 + ord(b[bi]) - 48)
            bi += 1
        if an != bn:
            return -1 if an < bn else 1
        if ai != bi:
            return -1 if ai < bi else 1
        return _cmp(ca, cb)
    return _cmp(len(a), len(b))


def _int64(value):
    """Go int64 arithmetic wraps around."""
    return (value + (1 << 63)) % (1 << 64) - (1 << 63)


def _is_digit(ch):
    return unicodedata.category(ch) == "Nd"  # Go's unicode.IsDigit


def _cmp(a, b):
    return (a > b) - (a < b)


def sorted_items(mapping):
    keys = sorted(mapping, key=functools.cmp_to_key(go_key_cmp))
    return [(k, mapping[k]) for k in keys]
