# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A RudderStack Profiles project: laid down by the real ``pb init pb-project``, then only the
settings we manage are edited in place.

pb owns the template and the schema version, so a new project always comes from pb itself. pb
re-run over an existing project corrupts ``pb_project.yaml``, so it is never re-run; instead the
managed settings are edited textually, keeping every comment and every user edit elsewhere:

- ``name`` and ``connection`` (top-level scalars of ``pb_project.yaml``): the value on the
  key's line is replaced, its trailing comment kept;
- ``id_types`` and ``entities`` (``pb_project.yaml``) and ``inputs`` (``models/inputs.yaml``): the
  whole top-level block is replaced (these blocks are then owned by the caller);
- ``input_tables`` (``models/inputs.yaml``): only the ``table:`` line of each named input.

Every edit is verified by parsing old and new text with PyYAML: the new document must equal
the old one with exactly the managed keys changed, or nothing is written.

Plain Python (PyYAML only), so unit tests call it directly.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import os
import re
import shutil
import tempfile

try:
    import yaml
except ImportError:  # reported by the module with missing_required_lib
    yaml = None

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import locked, write_atomic
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import document as siteconfig

PROJECT_FILE = "pb_project.yaml"
STAGING_PREFIX = ".profiles-project-"   # pb init's staging folder beside the project
INPUTS_FILE = os.path.join("models", "inputs.yaml")
# What `pb init pb-project` (0.26) writes: reported as the plan in check mode.
TEMPLATE_FILES = [PROJECT_FILE, INPUTS_FILE, os.path.join("models", "profiles.yaml"),
                  os.path.join("models", "optimizations.yaml"), "README.md", ".gitignore"]
MIGRATION_LINK = "original_project_folder"
# pb show models without its debug dumps: otherwise it writes output/ into the project.
LINT_FLAGS = pb_cli.NO_DUMP_FLAGS
PROJECT_KEYS = ("name", "connection", "id_types", "entities")
INPUT_KEYS = ("inputs", "input_tables")


class ProjectError(Exception):
    """A project that cannot be laid down or edited safely; the message says why."""


# --------------------------------------------------------------------------------------------
# Siteconfig

def siteconfig_connection_names(path):
    """Connection names defined in the pb siteconfig at ``path``."""
    try:
        data = siteconfig.load_siteconfig(path)
    except siteconfig.SiteconfigError as exc:
        raise ProjectError(str(exc))
    if data is None:
        raise ProjectError("siteconfig %s does not exist: create the connection first "
                           "(rudderstack.profiles.profiles_siteconfig or `pb init connection`)" % path)
    return siteconfig.connection_names(data)


# --------------------------------------------------------------------------------------------
# Text edits

class _PbStyleDumper(yaml.SafeDumper if yaml else object):
    """Indents block sequences under their key, as pb's own files do."""

    def increase_indent(self, flow=False, indentless=False):
        return super(_PbStyleDumper, self).increase_indent(flow, False)


def render_block(key, value):
    return yaml.dump({key: value}, Dumper=_PbStyleDumper, default_flow_style=False,
                     sort_keys=False, indent=2, width=1000, allow_unicode=True)


def render_scalar(value):
    text = yaml.safe_dump({"k": value}, default_flow_style=False, width=1000, allow_unicode=True)
    return text[len("k: "):].rstrip("\n")


def _top_level_key_lines(lines, key):
    pattern = re.compile(r"""^(%s|"%s"|'%s')\s*:(\s|$)""" % ((re.escape(key),) * 3))
    return [i for i, line in enumerate(lines) if pattern.match(line)]


def _header(lines, key, what):
    found = _top_level_key_lines(lines, key)
    if len(found) > 1:
        raise ProjectError("%s defines top-level key %r %d times; fix the file first" % (what, key, len(found)))
    return found[0] if found else None


def _block_end(lines, start):
    """Index of the last line of the top-level block that starts at ``start``: indented lines
    and column-0 sequence items; blank lines and column-0 comments only when more of the block
    follows (a comment right above the next key belongs to that key)."""
    end = start
    for j in range(start + 1, len(lines)):
        line = lines[j]
        if not line.strip() or line.startswith("#"):
            continue
        if line[0] in " \t" or line.startswith("- ") or line.rstrip("\r\n") == "-":
            end = j
            continue
        break
    return end


def _ensure_newline(text):
    return text if not text or text.endswith("\n") else text + "\n"


def set_scalar(text, key, value, what=PROJECT_FILE):
    """Set top-level ``key: value``, keeping the line's trailing comment."""
    lines = text.splitlines(True)
    idx = _header(lines, key, what)
    rendered = render_scalar(value)
    if idx is None:
        return _ensure_newline(text) + "%s: %s\n" % (key, rendered)
    if _block_end(lines, idx) != idx:
        raise ProjectError("%s: %r is not a one-line value; cannot set it safely" % (what, key))
    body, eol = _split_eol(lines[idx])
    lines[idx] = "%s: %s%s%s" % (key, rendered, _trailing_comment(body), eol)
    return "".join(lines)


def _split_eol(line):
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped):] or "\n"


def _trailing_comment(line):
    """The comment at the end of a one-line ``key: value`` (with the spaces before it), found
    where cutting it off leaves the same value (a ``#`` may sit inside a quoted value)."""
    try:
        whole = yaml.safe_load(line)
    except yaml.YAMLError:
        return ""
    for match in re.finditer(r"\s+#", line):
        try:
            if yaml.safe_load(line[:match.start()]) == whole:
                return line[match.start():]
        except yaml.YAMLError:
            continue
    return ""


def replace_block(text, key, value, what=PROJECT_FILE):
    """Replace the whole top-level ``key`` block (or append it) with ``value`` in pb's style."""
    lines = text.splitlines(True)
    idx = _header(lines, key, what)
    block = render_block(key, value)
    if idx is None:
        return _ensure_newline(text) + block
    end = _block_end(lines, idx)
    return "".join(lines[:idx]) + block + "".join(lines[end + 1:])


def _list_items(lines, start, end):
    """Start indexes of the items of the sequence in lines[start+1 .. end] (first item's indent)."""
    indent = None
    items = []
    for j in range(start + 1, end + 1):
        match = re.match(r"^(\s*)-(\s|$)", lines[j])
        if not match:
            continue
        if indent is None:
            indent = match.group(1)
        if match.group(1) == indent:
            items.append(j)
    return items


def set_input_tables(text, tables, what=INPUTS_FILE):
    """Set ``table:`` of each named input (``{input name: table}``), nothing else."""
    data = yaml.safe_load(text) or {}
    inputs = data.get("inputs") if isinstance(data, dict) else None
    if not isinstance(inputs, list):
        raise ProjectError("%s has no `inputs:` list" % what)
    names = [entry.get("name") for entry in inputs if isinstance(entry, dict)]
    unknown = sorted(set(tables) - set(names))
    if unknown:
        raise ProjectError("input_tables names unknown inputs %s; %s defines: %s"
                           % (", ".join(unknown), what, ", ".join(str(n) for n in names)))
    lines = text.splitlines(True)
    start = _header(lines, "inputs", what)
    end = _block_end(lines, start)
    items = _list_items(lines, start, end)
    if len(items) != len(inputs):
        raise ProjectError("%s: cannot locate the inputs' lines (flow style?); edit it by hand" % what)
    bounds = list(zip(items, items[1:] + [end + 1]))
    for entry, (first, stop) in zip(inputs, bounds):
        name = entry.get("name") if isinstance(entry, dict) else None
        if name not in tables:
            continue
        table_lines = [j for j in range(first, stop) if re.match(r"^\s*(-\s+)?table\s*:", lines[j])]
        if len(table_lines) != 1:
            raise ProjectError("%s: input %s has %s `table:` lines; only inputs reading one table can "
                               "be pointed elsewhere with input_tables" % (what, name, len(table_lines) or "no"))
        j = table_lines[0]
        body, eol = _split_eol(lines[j])
        lead = re.match(r"^\s*(-\s+)?table\s*:", body).group(0)
        # parse the line as a mapping of its own to find where a trailing comment starts
        comment = _trailing_comment(body[len(lead) - len(lead.lstrip(" -")):].lstrip())
        lines[j] = "%s %s%s%s" % (lead, render_scalar(tables[name]), comment, eol)
    return "".join(lines)


def _load(text, what):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProjectError("%s is not valid YAML: %s" % (what, exc))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProjectError("%s is not a YAML mapping" % what)
    return data


def expected_project_data(data, settings):
    expected = copy.deepcopy(data)
    for key in PROJECT_KEYS:
        if settings.get(key) is not None:
            expected[key] = copy.deepcopy(settings[key])
    return expected


def expected_inputs_data(data, settings):
    expected = copy.deepcopy(data)
    if settings.get("inputs") is not None:
        expected["inputs"] = copy.deepcopy(settings["inputs"])
    for entry in expected.get("inputs") or []:
        if isinstance(entry, dict) and entry.get("name") in (settings.get("input_tables") or {}):
            entry.setdefault("app_defaults", {})["table"] = settings["input_tables"][entry["name"]]
    return expected


def edit_project_text(text, settings):
    """New text of pb_project.yaml. Settings whose parsed value is already right are not
    touched, so their formatting and comments stay as the user (or pb) wrote them."""
    data = _load(text, PROJECT_FILE)
    new = text
    for key in ("name", "connection"):
        if settings.get(key) is not None and (key not in data or data[key] != settings[key]):
            new = set_scalar(new, key, settings[key])
    for key in ("id_types", "entities"):
        if settings.get(key) is not None and (key not in data or data[key] != settings[key]):
            new = replace_block(new, key, settings[key])
    _verify(text, new, PROJECT_FILE, expected_project_data, settings)
    return new


def edit_inputs_text(text, settings):
    """New text of models/inputs.yaml (same rule: only values that differ are rewritten)."""
    data = _load(text, INPUTS_FILE)
    new = text
    if settings.get("inputs") is not None and data.get("inputs") != settings["inputs"]:
        new = replace_block(new, "inputs", settings["inputs"], INPUTS_FILE)
    if settings.get("input_tables"):
        current = dict((e.get("name"), (e.get("app_defaults") or {}).get("table"))
                       for e in _load(new, INPUTS_FILE).get("inputs") or [] if isinstance(e, dict))
        wrong = dict((k, v) for k, v in settings["input_tables"].items() if current.get(k) != v)
        if wrong:  # includes names that are not inputs: set_input_tables reports those
            new = set_input_tables(new, wrong)
    _verify(text, new, INPUTS_FILE, expected_inputs_data, settings)
    return new


class _UniqueKeyLoader(yaml.SafeLoader if yaml else object):
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last; pb may not)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,),
                                                        key_node.start_mark)
            seen.add(key)
        return super(_UniqueKeyLoader, self).construct_mapping(node, deep=deep)


def _verify(old, new, what, expected_fn, settings):
    if old == new:
        return
    want = expected_fn(_load(old, what), settings)
    try:
        got = yaml.load(new, Loader=_UniqueKeyLoader)  # nosec: a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ProjectError("editing %s would produce invalid YAML (%s); nothing written" % (what, exc))
    if got != want:
        raise ProjectError("editing %s in place would change more than the managed settings "
                           "(unusual layout?); nothing written. Edit it by hand." % what)


# --------------------------------------------------------------------------------------------
# python_requirements: the pb release a project names

PB_DISTRIBUTION = "profiles-rudderstack"
_PB_REQUIREMENT_LINE = re.compile(
    r"""^(?P<lead>\s*-\s+)(?P<q>['"]?)(?P<name>profiles[-_.]rudderstack)(?P<spec>[^'"#]*?)(?P=q)(?P<tail>\s*(?:#.*)?)$""",
    re.IGNORECASE)


def _release(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _spec_admits(spec, version):
    """Whether a requirement's version ``spec`` admits ``version``: True, False, or None when the
    spec is not one this collection reads (``==A.B.*``, ``==A.B.C``, ``~=A.B[.C]``, empty)."""
    spec = spec.replace(" ", "")
    have = _release(version)
    if not spec:
        return True
    match = re.match(r"^==(\d+(?:\.\d+)*)(\.\*)?$", spec)
    if match:
        want = _release(match.group(1))
        return have[:len(want)] == want if match.group(2) else have == want + (0,) * (3 - len(want))
    match = re.match(r"^~=(\d+(?:\.\d+)+)$", spec)
    if match:
        want = _release(match.group(1))
        return have >= want + (0,) * (3 - len(want)) and have[:len(want) - 1] == want[:len(want) - 1]
    return None


def pb_requirement_edit(text, pb_version):
    """``(new_text, old_spec, new_spec)``: pb_project.yaml with the ``python_requirements`` entry
    for profiles-rudderstack moved to the installed pb's minor (``==0.26.*``, what ``pb init``
    writes), that line alone edited (its quoting and comment kept); ``(text, None, None)`` when
    it already admits ``pb_version`` or names no pb. pb refuses every command on a project whose
    entry excludes it (exit 50) and ``pb migrate auto`` leaves the entry alone
    (docs/pb-quirks.md)."""
    lines = text.splitlines(True)
    idx = _header(lines, "python_requirements", PROJECT_FILE)
    if idx is None:
        return text, None, None
    end = _block_end(lines, idx)
    found = []
    for j in range(idx + 1, end + 1):
        body, eol = _split_eol(lines[j])
        match = _PB_REQUIREMENT_LINE.match(body)
        if match:
            found.append((j, match, eol))
    if not found:
        return text, None, None
    if len(found) > 1:
        raise ProjectError("%s names %s %d times in python_requirements; keep one entry"
                           % (PROJECT_FILE, PB_DISTRIBUTION, len(found)))
    j, match, eol = found[0]
    old_spec = match.group("spec").strip()
    admits = _spec_admits(old_spec, pb_version)
    if admits:
        return text, None, None
    if admits is None:
        raise ProjectError("%s: python_requirements names %s%s, which this collection cannot read; write "
                           "it as %s==%s.* (what pb init writes)" % (PROJECT_FILE, match.group("name"), old_spec,
                                                                     PB_DISTRIBUTION, ".".join(map(str, _release(pb_version)[:2]))))
    named = _release(re.sub(r"^[=~]=", "", old_spec.replace(" ", "")))
    if named[:2] > _release(pb_version)[:2]:
        raise ProjectError("%s: python_requirements names %s%s, newer than the installed pb %s: the project "
                           "was laid down or migrated by a newer pb. Install that pb again "
                           "(profiles_cli_rudderstack_version) rather than downgrading the project"
                           % (PROJECT_FILE, match.group("name"), old_spec, pb_version))
    new_spec = "==%s.*" % ".".join(map(str, _release(pb_version)[:2]))
    lines[j] = "%s%s%s%s%s%s%s" % (match.group("lead"), match.group("q"), match.group("name"), new_spec,
                                   match.group("q"), match.group("tail"), eol)
    new = "".join(lines)
    before, after = _load(text, PROJECT_FILE), _load(new, PROJECT_FILE)
    want = copy.deepcopy(before)
    want["python_requirements"] = [match.group("name") + new_spec if item == match.group("name") + match.group("spec")
                                   else item for item in before.get("python_requirements") or []]
    if after != want:
        raise ProjectError("editing python_requirements in %s would change more than that entry; nothing "
                           "written. Set it to %s%s by hand." % (PROJECT_FILE, PB_DISTRIBUTION, new_spec))
    return new, old_spec, new_spec


# --------------------------------------------------------------------------------------------
# Reading the managed settings back (for diff and return values)

def read_settings(project_dir, settings):
    """The current values of the settings we manage (and schema_version)."""
    out = {}
    project_path = os.path.join(project_dir, PROJECT_FILE)
    if not os.path.isfile(project_path):
        return out
    data = _load(_read(project_path), PROJECT_FILE)
    out["schema_version"] = data.get("schema_version")
    for key in ("name", "connection"):
        out[key] = data.get(key)
    for key in ("id_types", "entities"):
        if settings.get(key) is not None:
            out[key] = data.get(key)
    inputs_path = os.path.join(project_dir, INPUTS_FILE)
    if (settings.get("inputs") is not None or settings.get("input_tables")) and os.path.isfile(inputs_path):
        inputs = _load(_read(inputs_path), INPUTS_FILE).get("inputs") or []
        if settings.get("inputs") is not None:
            out["inputs"] = inputs
        if settings.get("input_tables"):
            out["input_tables"] = dict(
                (e.get("name"), (e.get("app_defaults") or {}).get("table"))
                for e in inputs if isinstance(e, dict) and e.get("name") in settings["input_tables"])
    return out


def _read(path):
    with open(path) as f:
        return f.read()


def apply_settings(project_dir, settings, write=True, move_file=os.rename):
    """Edit the managed settings in ``project_dir``; return the changed files (relative)."""
    changed = []
    for rel, edit in ((PROJECT_FILE, edit_project_text), (INPUTS_FILE, edit_inputs_text)):
        if rel == INPUTS_FILE and settings.get("inputs") is None and not settings.get("input_tables"):
            continue
        path = os.path.join(project_dir, rel)
        if not os.path.isfile(path):
            raise ProjectError("%s is missing from the project %s" % (rel, project_dir))
        old = _read(path)
        new = edit(old, settings)
        if new != old:
            changed.append(rel)
            if write:
                write_atomic(path, new, move_file=move_file)
    return changed


def schema_version(project_dir):
    value = _load(_read(os.path.join(project_dir, PROJECT_FILE)), PROJECT_FILE).get("schema_version")
    if not isinstance(value, int):
        raise ProjectError("%s has no integer schema_version" % PROJECT_FILE)
    return value


def has_migration_link(project_dir):
    """Whether pb migrate's ``original_project_folder`` is a symlink to the project itself
    (pb leaves it as a "backup" that is no backup and makes the tree recursive)."""
    link = os.path.join(project_dir, MIGRATION_LINK)
    return os.path.islink(link) and os.path.realpath(link) == os.path.realpath(project_dir)


def remove_migration_link(project_dir):
    """Remove that symlink; return whether there was one."""
    if has_migration_link(project_dir):
        os.unlink(os.path.join(project_dir, MIGRATION_LINK))
        return True
    return False


def _project_files(project_dir):
    for folder, dirs, files in os.walk(project_dir):
        if os.path.realpath(folder) == os.path.realpath(project_dir):
            dirs[:] = [d for d in dirs if d not in ("output", "logs", ".git")]
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                yield os.path.relpath(path, project_dir), path


def _snapshot(project_dir):
    snap = {}
    for rel, path in _project_files(project_dir):
        with open(path, "rb") as f:
            snap[rel] = f.read()
    return snap


def minimal_rewrite(before, after):
    """The text to keep where pb rewrote a YAML file: ``before`` with only the top-level scalar
    values that differ set (comments and layout kept), when that parses to what pb wrote; None
    when the change is more than that (then pb's text stays). A file pb only reformatted (its
    migration re-emits comments and blank lines) comes back byte for byte."""
    try:
        old, new = yaml.safe_load(before), yaml.safe_load(after)
    except yaml.YAMLError:
        return None
    if not isinstance(old, dict) or not isinstance(new, dict) or set(old) != set(new):
        return None if old != new else before
    text = before
    try:
        for key in old:
            if old[key] != new[key]:
                if isinstance(new[key], (dict, list)) or isinstance(old[key], (dict, list)):
                    return None
                text = set_scalar(text, key, new[key], what="the migrated file")
        return text if yaml.safe_load(text) == new else None
    except (ProjectError, yaml.YAMLError):
        return None


def keep_layout(project_dir, before):
    """After pb rewrote files of ``project_dir`` (``before``: relative path -> old bytes), put
    back each YAML file's own layout where :func:`minimal_rewrite` can; return the files that
    still differ from ``before``."""
    for rel, path in _project_files(project_dir):
        if rel not in before or not rel.endswith((".yaml", ".yml")):
            continue
        with open(path, "rb") as f:
            now = f.read()
        if now == before[rel]:
            continue
        try:
            kept = minimal_rewrite(before[rel].decode("utf-8"), now.decode("utf-8"))
        except UnicodeDecodeError:
            kept = None
        if kept is not None and kept.encode("utf-8") != now:
            write_atomic(path, kept)
    return _changed_files(before, _snapshot(project_dir))


def _changed_files(before, after):
    return sorted(rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel))


def _scratch_copy(project_dir):
    root = tempfile.mkdtemp(prefix="profiles-project-check-")
    scratch = os.path.join(root, "project")

    def ignore(folder, names):
        if os.path.realpath(folder) == os.path.realpath(project_dir):
            return [n for n in names if n in ("output", "logs", ".git", MIGRATION_LINK)]
        return []

    shutil.copytree(project_dir, scratch, symlinks=True, ignore=ignore)
    return root, scratch


# --------------------------------------------------------------------------------------------
# The whole task

class ProjectTask:
    """Lay down / update one project. ``find_pb`` is called (once) only when pb is needed."""

    def __init__(self, path, connection, siteconfig_path, settings, migrate=False, lint=False,
                 timeout=pb_cli.DEFAULT_TIMEOUT, find_pb=None, check_mode=False, move_file=os.rename):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.connection = connection
        self.siteconfig = os.path.abspath(os.path.expanduser(siteconfig_path))
        self.settings = dict(settings, connection=connection)
        self.migrate = migrate
        self.lint = lint
        self.timeout = timeout
        self.find_pb = find_pb or pb_cli.find_pb
        self.check_mode = check_mode
        self.move_file = move_file
        self.commands = []
        self.warnings = []
        self._pb = None
        self._pb_version = None
        self.migrated_files = []
        self.requirement = None
        # What this run has already written to the project, so a later failure still reports it.
        self.created_project = False
        self.written_files = []

    # pb ---------------------------------------------------------------------------------
    def pb(self):
        if self._pb is None:
            self._pb = self.find_pb()
        return self._pb

    def run_pb(self, args):
        try:
            result = pb_cli.check_pb(self.pb(), args, timeout=self.timeout)
        except pb_cli.PbError as exc:
            if exc.result is not None:
                self.commands.append(exc.result.as_dict())
            raise ProjectError(exc.message)
        self.commands.append(result.as_dict())
        return result

    # steps ------------------------------------------------------------------------------
    def check_connection(self):
        names = siteconfig_connection_names(self.siteconfig)
        if self.connection not in names:
            raise ProjectError("connection %r is not defined in %s; available connections: %s"
                               % (self.connection, self.siteconfig, ", ".join(names) or "(none)"))

    def init_project(self):
        """``pb init pb-project`` into a staging folder beside the target, then move it in place.
        The parent's lock is held meanwhile, so a staging folder found under it was left by a run
        that was killed: it is removed (it holds nothing but pb's template)."""
        parent = os.path.dirname(self.path)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        with locked(self.path):
            for name in os.listdir(parent):
                if re.match(r"^%s[a-z0-9_]{8}$" % re.escape(STAGING_PREFIX), name):
                    shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
            return self._init_staged(parent)

    def _init_staged(self, parent):
        staging_root = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent)
        try:
            staged = os.path.join(staging_root, "project")
            self.run_pb(["init", "pb-project", "-o", staged, "-n", self.connection, "-c", self.siteconfig])
            if not os.path.isfile(os.path.join(staged, PROJECT_FILE)):
                raise ProjectError("pb init pb-project wrote no %s" % PROJECT_FILE)
            created = sorted(os.path.relpath(os.path.join(d, f), staged)
                             for d, _dirs, files in os.walk(staged) for f in files)
            apply_settings(staged, self.settings, write=True, move_file=self.move_file)
            if os.path.isdir(self.path):
                os.rmdir(self.path)  # empty (checked before)
            os.rename(staged, self.path)
            return created
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)

    def pb_version(self):
        """``(version, native schema version)`` of the pb in use (one `pb version` per run)."""
        if self._pb_version is None:
            self._pb_version = pb_cli.parse_version(self.run_pb(["version"]).stdout)
        return self._pb_version

    def update_pb_requirement(self, project_dir):
        """Move the project's python_requirements entry for pb to the installed pb's minor;
        return ``{"from", "to"}`` or None."""
        path = os.path.join(project_dir, PROJECT_FILE)
        old = _read(path)
        new, before, after = pb_requirement_edit(old, self.pb_version()[0])
        if new == old:
            return None
        write_atomic(path, new, move_file=self.move_file)
        return {"from": PB_DISTRIBUTION + before, "to": PB_DISTRIBUTION + after}

    def migrate_project(self, project_dir):
        """Migrate to pb's native schema version if older; return {from, to} or None."""
        current = schema_version(project_dir)
        _version, native = self.pb_version()
        if current > native:
            raise ProjectError("project schema_version %d is newer than this pb supports (%d): upgrade pb"
                               % (current, native))
        migrated = None
        if current < native:
            snapshot = _snapshot(project_dir)
            self.run_pb(["migrate", "auto", "--inplace", "-p", project_dir, "-c", self.siteconfig])
            # pb re-emits every file it migrates (comments moved, blank lines dropped): keep the
            # analyst's layout wherever only values changed (docs/pb-quirks.md).
            self.migrated_files = keep_layout(project_dir, snapshot)
            after = schema_version(project_dir)
            if after != native:
                raise ProjectError("pb migrate auto left schema_version %s (expected %d)" % (after, native))
            migrated = {"from": current, "to": native}
        link_removed = remove_migration_link(project_dir)
        return migrated, link_removed

    def lint_project(self, project_dir):
        result = self.run_pb(["show", "models", "-p", project_dir, "-c", self.siteconfig] + LINT_FLAGS)
        return pb_cli.pb_message(result.stdout, limit=40) if result.stdout else ""

    def written_before_failure(self):
        """``(changed, sentence)`` for a failed run: what it had already created or rewritten in
        the project (a failed run that wrote files must not report changed=false)."""
        if self.check_mode or not (self.created_project or self.written_files):
            return False, ""
        if self.created_project:
            return True, "this run had already created the project %s (%s)" % (self.path, ", ".join(self.written_files))
        return True, "this run had already rewritten %s in %s" % (", ".join(self.written_files), self.path)

    # run --------------------------------------------------------------------------------
    def run(self):
        self.check_connection()
        exists = os.path.isfile(os.path.join(self.path, PROJECT_FILE))
        if not exists and os.path.exists(self.path):
            if not os.path.isdir(self.path) or os.listdir(self.path):
                raise ProjectError("%s exists and is not a Profiles project (no %s); refusing to lay "
                                   "a project down over it" % (self.path, PROJECT_FILE))
        if not exists:
            return self._run_new()
        return self._run_existing()

    def _result(self, **kwargs):
        base = {"changed": False, "path": self.path, "created": False, "files": [], "migrated": None,
                "python_requirement": None, "lint": None, "commands": self.commands, "warnings": self.warnings}
        base.update(kwargs)
        return base

    def _run_new(self):
        wanted = dict((k, v) for k, v in self.settings.items() if v is not None)
        plan = ["pb init pb-project -o %s -n %s -c %s" % (self.path, self.connection, self.siteconfig)]
        if any(self.settings.get(k) is not None for k in PROJECT_KEYS + INPUT_KEYS if k != "connection"):
            plan.append("set the managed settings: %s" % ", ".join(sorted(wanted)))
        if self.lint:
            plan.append("pb show models (lint)")
        if self.check_mode:
            return self._result(changed=True, created=True, files=list(TEMPLATE_FILES), plan=plan,
                                settings=wanted, diff={"before": {}, "after": wanted})
        files = self.init_project()
        self.created_project, self.written_files = True, list(files)
        after = read_settings(self.path, self.settings)
        lint = self.lint_project(self.path) if self.lint else None
        return self._result(changed=True, created=True, files=files, lint=lint, settings=after, plan=plan,
                            diff={"before": {}, "after": after})

    def _run_existing(self):
        """Migrate, edit the settings and lint an existing project.

        Where the steps run (``_workspace``): in the project itself; in check mode, on a scratch
        copy when pb has to run (pb migrates and lints files, so the copy shows what would
        change); in check mode without pb, nowhere: the settings edits are computed, not written.
        """
        before = read_settings(self.path, self.settings)
        if self.check_mode and (self.migrate or self.lint):
            self._skip_pb_steps_without_pb()
        plan = []
        with self._workspace() as (work, write):
            migrated, link_removed = self._migrate(work, plan)
            if work == self.path:
                self.written_files = list(self.migrated_files)
            files = apply_settings(work, self.settings, write=write, move_file=self.move_file)
            files = sorted(set(files) | set(self.migrated_files))
            if work == self.path and write:
                self.written_files = files
            if files:
                plan.append("edit managed settings in %s" % ", ".join(files))
            after = read_settings(work, self.settings) if write else self._predict(before)
            lint = self.lint_project(work) if self.lint else None
        changed = bool(files or migrated or link_removed)
        result = self._result(changed=changed, files=files, migrated=migrated, lint=lint, settings=after,
                              plan=plan, python_requirement=self.requirement)
        if changed:
            result["diff"] = {"before": before, "after": after}
        return result

    def _skip_pb_steps_without_pb(self):
        """A dry run before the pb CLI is installed still plans the settings."""
        try:
            self.pb()
        except ProjectError as exc:
            self.warnings.append("check mode: migrate/lint skipped: %s" % exc)
            self.migrate = self.lint = False

    @contextlib.contextmanager
    def _workspace(self):
        """(folder the steps run in, whether edits are written there)."""
        if not self.check_mode:
            yield self.path, True
        elif self.migrate or self.lint:
            scratch_root, scratch = _scratch_copy(self.path)
            try:
                yield scratch, True
            finally:
                shutil.rmtree(scratch_root, ignore_errors=True)
        else:
            yield self.path, False

    def _migrate(self, work, plan):
        """Migrate ``work``; (migration or None, whether the self-pointing link goes away)."""
        if not self.migrate:
            return None, False
        # The pb entry first: pb refuses a project whose python_requirements exclude it.
        snapshot = _snapshot(work)
        self.requirement = self.update_pb_requirement(work)
        if self.requirement:
            plan.append("python_requirements: %(from)s -> %(to)s" % self.requirement)
        migrated, link_removed = self.migrate_project(work)
        self.migrated_files = _changed_files(snapshot, _snapshot(work))
        if work != self.path:  # the scratch copy leaves the link out: it goes if the project has it
            link_removed = link_removed or has_migration_link(self.path)
        if migrated:
            plan.append("pb migrate auto --inplace (schema_version %(from)d -> %(to)d)" % migrated)
        if link_removed:
            plan.append("remove the self-pointing %s symlink" % MIGRATION_LINK)
        return migrated, link_removed

    def _predict(self, before):
        after = dict(before)
        for key, value in self.settings.items():
            if value is not None:
                after[key] = value
        return after
