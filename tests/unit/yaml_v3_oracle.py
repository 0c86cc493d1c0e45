"""An oracle for what gopkg.in/yaml.v3 v3.0.1 (pb's YAML library) writes for one string, built
from recorded rules rather than from the emitter under test:

- when to quote: the forms recorded in tests/unit/fixtures/yaml-v3/scalars.json (the real
  yaml.v3) and in the pb files tests/unit/fixtures/pb-siteconfig/4[2-8]_*.yaml (the real pb, whose
  Go 1.26 time parser differs from older Go), written here as regular expressions and Python's
  own date checks;
- which style can carry the string: yaml.v3's analyze_scalar and select_scalar_style rules, read
  from its source (emitterc.go) and restated over characters;
- how each style is written: the layouts seen in the recordings.

goyaml.py computes the same things differently (Go's parsers ported, PyYAML's
analyzer, yaml.v3's writer state machine); test_yaml_v3_oracle.py checks the oracle against the
recordings and then the emitter against the oracle on generated strings.
"""
import datetime
import re

BREAKS = "\r\n\x85\u2028\u2029"
MAP_WORDS = set("true True TRUE false False FALSE ~ null Null NULL .nan .NaN .NAN .inf .Inf .INF "
                "+.inf +.Inf +.INF -.inf -.Inf -.INF".split()) | {""}
OLD_BOOLS = set("y Y yes Yes YES on On ON n N no No NO off Off OFF".split())
BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
DOT_FLOAT = re.compile(r"^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$")
YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
GO_INT = re.compile(r"^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")
DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
TIME = r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?"
TIMESTAMPS = (re.compile("^" + DATE + "$"),
              re.compile("^" + DATE + "[Tt]" + TIME + r"(?:Z|[-+](\d\d):(\d\d))$"),
              re.compile("^" + DATE + " +" + TIME + "$"))


def _int_value(sign, digits):
    low = digits.lower()
    if low.startswith(("0b", "0o", "0x")):
        value = int(low[2:], {"b": 2, "o": 8, "x": 16}[low[1]])
    else:
        value = int(low, 8) if low.startswith("0") and len(low) > 1 else int(low)
    return -value if sign == "-" else value


def _is_go_int(text):
    match = GO_INT.match(text)
    if not match:
        return False
    value = _int_value(*match.groups())
    return -(1 << 63) <= value < (1 << 64) and not (match.group(1) and value >= (1 << 63))


def _is_prefixed(plain, prefix, digits):
    for sign, body in (("", plain[2:] if plain.startswith(prefix) else None),
                       ("-", plain[3:] if plain.startswith("-" + prefix) else None)):
        if body is None:
            continue
        match = re.match(r"^([-+]?)([%s]+)$" % digits, body)
        if not match or (sign and match.group(1)):
            continue
        negative = (sign or match.group(1)) == "-"
        value = int(match.group(2), len(digits))
        limit = (1 << 63) if negative else (1 << 64)
        if value <= limit and (negative or value < limit):
            return True
    return False


def _is_timestamp(text):
    for pattern in TIMESTAMPS:
        match = pattern.match(text)
        if not match:
            continue
        parts = [int(g) if g is not None else 0 for g in match.groups()]
        try:
            datetime.date(*parts[:3])
        except ValueError:
            return False
        if len(parts) > 3 and (parts[3] > 23 or parts[4] > 59 or parts[5] > 59):
            return False
        if len(parts) > 6 and (parts[6] > 24 or parts[7] > 60):
            return False
        return True
    return False


def quoted(text):
    """Whether yaml.v3 quotes ``text`` (it would read back as something else, or is a YAML 1.1
    base-60 number or boolean)."""
    if text in MAP_WORDS or text in OLD_BOOLS or BASE60.match(text):
        return True
    if not text or text[0] not in "+-.0123456789":
        return False
    if text[0] == ".":
        return bool(DOT_FLOAT.match(text)) and float(text.replace("_", "")) != float("inf")
    if _is_timestamp(text):
        return True
    plain = text.replace("_", "")
    if _is_go_int(plain):
        return True
    if YAML_FLOAT.match(plain) and abs(float(plain)) != float("inf"):
        return True
    return _is_prefixed(plain, "0b", "01") or _is_prefixed(plain, "0o", "01234567")


def _printable(ch):
    code = ord(ch)
    return ch == "\n" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)


def allowed(text):
    """yaml.v3's analyze_scalar over characters: (multiline, plain, single, block) allowed."""
    if not text:
        return False, True, True, False
    block_ind = text.startswith(("---", "..."))
    breaks = tabs = special = space_break = break_space = False
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        followed = nxt in ("", " ", "\t")
        before = text[i - 1] if i else " "
        if i == 0:
            block_ind |= ch in "#,[]{}&*!|>'\"%@`" or (ch in "?:-" and followed)
        else:
            block_ind |= (ch == ":" and followed) or (ch == "#" and before in " \t\0" + BREAKS)
        tabs |= ch == "\t"
        special |= ch != "\t" and not _printable(ch)
        breaks |= ch in BREAKS
        space_break |= ch in BREAKS and before == " " and i > 0
        break_space |= ch == " " and before in BREAKS and i > 0
    edge = text[0] in " " + BREAKS or text[-1] in " " + BREAKS
    plain = not (edge or break_space or space_break or tabs or special or breaks or block_ind)
    single = not (break_space or space_break or tabs or special)
    block = not (text[-1] == " " or space_break or special)
    return breaks, plain, single, block


def _double(text):
    out = []
    bom = text.startswith("\ufeff")
    names = {0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e", 34: '"',
             92: "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}
    for ch in text:
        code = ord(ch)
        if bom or not _printable(ch) or ch in BREAKS or ch in '"\\':
            if code in names:
                out.append("\\" + names[code])
            else:
                out.append(("\\x%02X" if code <= 0xFF else "\\u%04X" if code <= 0xFFFF else "\\U%08X") % code)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _indent_after_breaks(text, pad):
    """Text written raw: after a run of breaks, the next character is indented (a "\\n" is a
    line break; the other breaks are written as they are)."""
    return re.sub("([" + BREAKS + "]+)(?=[^" + BREAKS + "])", lambda m: m.group(1) + pad, text)


def scalar(text, pad, simple_key=False):
    """The scalar as yaml.v3 writes it after "key:" / "- " / "? ", and whether the line ends."""
    multiline, plain, single, block = allowed(text)
    if "\n" in text:
        style = "|" if block and not simple_key else '"'
    elif quoted(text):
        style = '"'
    else:
        style = "" if plain and not (simple_key and multiline) else "'" if single else '"'
        if style == "'" and simple_key and multiline:
            style = '"'
    if style == "":
        return text
    if style == '"':
        return _double(text)
    if style == "'":
        return "'" + _indent_after_breaks(text.replace("'", "''"), pad) + "'"
    header = "|" + ("4" if text[0] in " " + BREAKS else "")
    header += "-" if text[-1] not in BREAKS else "+" if len(text) == 1 or text[-2] in BREAKS else ""
    body = text
    if body[0] not in BREAKS:  # the header's line ends at the value's first break, or here
        body = "\n" + body
    return header + _indent_after_breaks(body, pad)


def _ends_line(text):
    return text[-1:] in BREAKS


def as_value(text):
    """``{"k": text}`` as yaml.v3 writes it."""
    out = "k: " + scalar(text, "    ")
    return out if _ends_line(out) else out + "\n"


def in_sequence(text):
    """``{"k": [text]}``: the item's scalar is indented past the "- "."""
    out = "k:\n    - " + scalar(text, "      ")
    return out if _ends_line(out) else out + "\n"


def as_key(text):
    """``{text: "v"}``: a simple key up to 128 bytes without breaks, else "? key" / ": v"."""
    if not any(ch in BREAKS for ch in text) and len(text.encode("utf-8")) <= 128:
        return scalar(text, "", simple_key=True) + ": v\n"
    out = "? " + scalar(text, "    ")
    return out + (": v\n" if _ends_line(out) else "\n: v\n")
