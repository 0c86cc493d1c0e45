"""Role defaults, one place: each role's ``defaults/main.yml``.

That file is what Ansible uses (ansible-core reads a role's defaults from it; the ``default:`` of
an option in ``meta/argument_specs.yml`` is documentation only) and what users read, with its
comments. The ``default:`` lines of ``meta/argument_specs.yml`` are written from it by
``python -m devtools.generate`` (this module renders them; ``generate.expected_files`` registers
them), in place: a ``default:`` that already reads back as the role default is left as written, one
that differs or is missing is (re)written. Options inside ``# BEGIN GENERATED`` blocks belong to
other generators and are not touched.

Scripts and tests read a role default from here too:

    python -m devtools.role_defaults profiles_cli profiles_cli_rudderstack_version   # prints 0.26.4
"""
import glob
import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = "roles/%s/meta/argument_specs.yml"
DEFAULTS = "roles/%s/defaults/main.yml"
# Options documented in several roles' argument specs with a default but set in none of their
# defaults files: one fleet-wide dictionary each role reads with ``| default({})``.
SHARED = {"profiles_pip_settings": {}}
# The line under ``---`` that tells an editor where the defaults come from.
HEADER = "# Each option's default: is written from defaults/main.yml by python -m devtools.generate."
_MISSING = object()
_OPTION_INDENT = 6   # argument_specs: > main: > options: > NAME:
_KEY_INDENT = 8      # NAME: > default:


def roles(repo=REPO):
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                  for p in glob.glob(os.path.join(repo, DEFAULTS % "*")))


def role_defaults(role, repo=REPO):
    """The role's defaults (``defaults/main.yml``) as Ansible loads them, before templating."""
    with open(os.path.join(repo, DEFAULTS % role)) as handle:
        return yaml.safe_load(handle) or {}


def role_default(role, name, repo=REPO):
    """One role default, e.g. ``role_default("profiles_cli", "profiles_cli_rudderstack_version")``."""
    return role_defaults(role, repo)[name]


def render(value, indent=_KEY_INDENT):
    """``default: VALUE`` lines for a value, at ``indent``: one flow line when it fits, a block
    otherwise; strings plain when they read back as themselves and start with a letter."""
    pad = " " * indent
    if isinstance(value, str):
        plain = (value[:1].isalpha() and "\n" not in value and yaml.safe_load(value) == value
                 and not any(c in value for c in ":#{}[],&*!|>'\"%@`"))
        return [pad + "default: " + (value if plain else json.dumps(value))]
    flow = yaml.safe_dump(value, default_flow_style=True, width=float("inf")).strip()
    if flow.endswith("\n...") or flow.endswith("..."):
        flow = flow.rsplit("...", 1)[0].strip()
    if len(pad) + len("default: ") + len(flow) <= 110 and "\n" not in flow:
        return [pad + "default: " + flow]
    block = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, width=100)
    return [pad + "default:"] + [pad + "  " + line for line in block.splitlines()]


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _is_key(line, indent):
    stripped = line.strip()
    return (_indent(line) == indent and stripped and not stripped.startswith("#")
            and not stripped.startswith("- ") and ":" in stripped)


def sync_specs(text, defaults, path="argument_specs.yml"):
    """``text`` (an argument_specs.yml) with the ``default:`` of each ``main`` option named in
    ``defaults`` reading back as that value."""
    data = yaml.safe_load(text)
    options = data["argument_specs"]["main"]["options"]
    unknown = sorted(set(defaults) - set(options))
    if unknown:
        raise SystemExit("%s: no option for the role defaults %s (document them)" % (path, ", ".join(unknown)))
    lines = text.split("\n")
    if HEADER not in lines:
        lines.insert(1 if lines[0] == "---" else 0, HEADER)
    out = []
    i = 0
    generated = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("# BEGIN GENERATED"):
            generated = True
        elif stripped.startswith("# END GENERATED"):
            generated = False
        name = stripped[:-1] if stripped.endswith(":") else None
        if generated or not _is_key(line, _OPTION_INDENT) or name not in defaults:
            out.append(line)
            i += 1
            continue
        # The option's block: its header, then everything indented deeper (or blank).
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > _OPTION_INDENT):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1
        out.extend(_sync_option(lines[i:end], options[name].get("default", _MISSING), defaults[name]))
        i = end
    return "\n".join(out)


def _sync_option(block, current, wanted):
    if current is not _MISSING and current == wanted and type(current) is type(wanted):
        return block
    keys = [j for j in range(1, len(block)) if _is_key(block[j], _KEY_INDENT)]
    spans = {block[j].strip().split(":", 1)[0]: (j, (keys + [len(block)])[n + 1]) for n, j in enumerate(keys)}
    if "default" in spans:
        start, stop = spans["default"]
        return block[:start] + render(wanted) + block[stop:]
    at = spans["type"][1] if "type" in spans else len(block)
    return block[:at] + render(wanted) + block[at:]


def expected_files(current, repo=REPO):
    """path -> text of every role's argument specs with their defaults written from the role's
    defaults file; ``current`` maps paths to text other generators already produced for them."""
    result = {}
    for role in roles(repo):
        rel = SPECS % role
        text = current.get(rel)
        if text is None:
            with open(os.path.join(repo, rel)) as handle:
                text = handle.read()
        result[rel] = sync_specs(text, role_defaults(role, repo), rel)
    return result


def mismatches(repo=REPO):
    """``(role, option, what)`` for every default of an argument spec that is not its role's."""
    found = []
    for role in roles(repo):
        defaults = role_defaults(role, repo)
        with open(os.path.join(repo, SPECS % role)) as handle:
            options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
        for name, value in defaults.items():
            spec = options.get(name)
            if spec is None:
                found.append((role, name, "not an option of the argument spec"))
            elif spec.get("default", _MISSING) != value:
                found.append((role, name, "argument spec says %r, defaults/main.yml %r" % (spec.get("default"), value)))
        for name, spec in options.items():
            if "default" in spec and name not in defaults and SHARED.get(name, _MISSING) != spec["default"]:
                found.append((role, name, "default %r in the argument spec only" % (spec["default"],)))
    return found


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m devtools.role_defaults ROLE VARIABLE")
    print(role_default(sys.argv[1], sys.argv[2]))
