"""The warehouse catalogue (plugins/module_utils/warehouses.py) is the one list of warehouses:
every other list of them in the repository agrees with it, and a warehouse patched into it alone
(tests/unit/toy_warehouse.py) reaches the modules, the generated text and the requirements."""
import ast
import os
import re
import subprocess

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import builders
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import options
from toy_warehouse import ToyAdapter, add_toy

REPO = generate.REPO
NAMES = warehouses.names()
# A word naming a warehouse -> its name: the name, pb's type and the title used in prose.
WORDS = dict((word, w.name) for w in warehouses.CATALOGUE for word in (w.name, w.pb_type, w.title))
WORD = re.compile(r"\b(%s)\b" % "|".join(sorted(map(re.escape, WORDS), key=len, reverse=True)))
# A list needs this many warehouses to be taken for a list of all of them; shorter ones (the
# two libpq warehouses, say) are selections, which the catalogue's only() checks in code.
LIST_MIN = 3
# Prose may list the warehouses that run against a model in tests/models/ (they cannot run here).
MODELLED = set(n for n in NAMES if os.path.exists(os.path.join(REPO, "tests", "models", n + ".py")))
# Files whose lists are not lists of the collection's warehouses, and why.
EXCEPTIONS = {
    "changelogs/": "release history: what a past release said, not the current list",
    "tests/unit/fixtures/": "recorded vendor and pb output, kept byte for byte",
    "tests/unit/test_warehouse_catalogue.py": "the scan's own probes, lists in the wrong order on purpose",
}


def _tracked(*suffixes):
    out = subprocess.run(["git", "ls-files"], cwd=REPO, stdout=subprocess.PIPE, check=True).stdout.decode()
    return [p for p in out.splitlines() if p.endswith(suffixes) and not p.startswith(tuple(EXCEPTIONS))
            and os.path.isfile(os.path.join(REPO, p))]


def _read(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        return handle.read()


def _as_names(words):
    """The warehouse names of ``words`` when every one names a warehouse, else None."""
    names = [WORDS.get(w) for w in words]
    return names if words and None not in names else None


# -- finding the lists ------------------------------------------------------------------------------
def _yaml_lists(data, where):
    """(where, names, ordered) for each list, and each mapping's keys, of warehouse names."""
    if isinstance(data, dict):
        names = _as_names([k for k in data if isinstance(k, str)]) if all(isinstance(k, str) for k in data) else None
        if names:
            yield where, names, True
        for key, value in data.items():
            yield from _yaml_lists(value, "%s.%s" % (where, key))
    elif isinstance(data, list):
        names = _as_names(data) if all(isinstance(v, str) for v in data) else None
        if names:
            yield where, names, True
        for index, value in enumerate(data):
            yield from _yaml_lists(value, "%s[%d]" % (where, index))


def _python_lists(path):
    tree = ast.parse(_read(path))
    for node in ast.walk(tree):
        strings = None
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            strings = node.elts
        elif isinstance(node, ast.Dict):
            strings = node.keys
        if strings and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in strings):
            names = _as_names([e.value for e in strings])
            if names:
                yield "%s:%d" % (path, node.lineno), names, not isinstance(node, ast.Set)
        # Module documentation (DOCUMENTATION, EXAMPLES, RETURN, doc fragments) is YAML.
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            target = getattr(node.targets[0], "id", "")
            if target in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                yield from _yaml_lists(yaml.safe_load(node.value.value), "%s:%s" % (path, target))


def _yaml_file_lists(path):
    try:
        documents = list(yaml.safe_load_all(_read(path)))
    except yaml.YAMLError:   # vault files and the like are not data to scan
        return
    for document in documents:
        yield from _yaml_lists(document, path)


def _markdown_lists(path, text):
    """Tables whose first column names warehouses (one row each) and prose enumerations
    (``A, B and C``)."""
    table = []
    for number, line in enumerate(text.splitlines() + [""], 1):
        if line.startswith("|"):
            table.append(line.split("|")[1])
            continue
        found = [WORDS[m] for cell in table for m in WORD.findall(cell)[:1]]
        if len(found) >= LIST_MIN:
            yield "%s:%d (table)" % (path, number - len(table)), found, True
        table = []
    for paragraph in re.split(r"\n\s*\n", text):
        matches = list(WORD.finditer(paragraph))
        run = matches[:1]
        for previous, match in zip(matches, matches[1:]):
            between = paragraph[previous.end():match.start()]
            if re.match(r"^(?:\s*\([^()]*\))?[`\s,/]*(?:and|or)?[`\s,/]*$", between):   # a parenthesis may follow an item
                run.append(match)
                continue
            yield from _enumeration(path, run)
            run = [match]
        yield from _enumeration(path, run)


def _enumeration(path, run):
    names = [WORDS[m.group(1)] for m in run]
    if len(set(names)) >= LIST_MIN and set(names) != MODELLED:
        yield "%s: %r" % (path, " ".join(m.group(1) for m in run)), names, False


def all_lists():
    for path in _tracked(".py"):
        yield from _python_lists(path)
    for path in _tracked(".yml", ".yaml"):
        yield from _yaml_file_lists(path)
    for path in _tracked(".md"):
        yield from _markdown_lists(path, _read(path))


def test_every_list_of_warehouses_is_the_catalogue():
    """Lists (Python literals, YAML lists and mapping keys, Markdown tables) in catalogue order;
    prose as the same set."""
    found = list(all_lists())
    wrong = ["%s: %s" % (where, ", ".join(names)) for where, names, ordered in found
             if len(set(names)) >= LIST_MIN and (names if ordered else sorted(set(names))) != (NAMES if ordered else sorted(NAMES))]
    assert wrong == [], "lists of warehouses that differ from plugins/module_utils/warehouses.py"
    # The scan sees the lists it is meant to see.
    places = " ".join(where for where, names, dummy in found)
    for place in ("README.md", "docs/security.md", "roles/profiles_connection/meta/argument_specs.yml",
                  "roles/warehouse_grants/meta/argument_specs.yml", "plugins/modules/profiles_siteconfig.py:DOCUMENTATION",
                  "plugins/doc_fragments/warehouse.py:DOCUMENTATION"):
        assert place in places, place


def test_the_scan_finds_what_it_should():
    assert list(_yaml_lists({"choices": ["redshift", "postgres", "snowflake"]}, "x")) == [
        ("x.choices", ["redshift", "postgres", "snowflake"], True)]
    assert list(_yaml_lists({"choices": ["present", "absent"]}, "x")) == []
    tables = "| a |\n|---|\n| Snowflake (`snowflake`) | x |\n| BigQuery | y |\n| `postgres` | z |\n"
    prose = "Runs on PostgreSQL, Redshift (a model) and `bigquery`; also Snowflake.\n"
    found = list(_markdown_lists("probe.md", tables + "\n" + prose))
    assert [names for dummy, names, dummy in found] == [["snowflake", "bigquery", "postgres"],
                                                        ["postgres", "redshift", "bigquery"]]


# -- the catalogue itself and what cannot be generated --------------------------------------------
@pytest.mark.parametrize("warehouse", warehouses.CATALOGUE, ids=NAMES)
def test_entry_resolves(warehouse):
    adapter = warehouses.load(warehouse.adapter)
    assert registry.ADAPTERS[warehouse.name] is adapter and adapter.NAME == warehouse.name
    assert warehouse.builder.startswith("pb.siteconfig.builders.build_"), "builders live in builders.py"
    assert builders.BUILDERS[warehouse.name] is getattr(builders, warehouse.builder.rsplit(".", 1)[1])
    assert all(re.match(r"^[A-Za-z0-9_.\[\]-]+>=[0-9.]+$", r) for r in warehouse.requirements), warehouse.requirements
    # pb's own list of connection types (docs/pb-quirks.md, from `pb init connection`).
    assert "`%s`" % warehouse.pb_type in _read("docs/pb-quirks.md")


def test_only_names_catalogue_warehouses():
    assert warehouses.only("redshift", "postgres") == ("redshift", "postgres")
    with pytest.raises(KeyError, match="not in the warehouse catalogue: mysql"):
        warehouses.only("postgres", "mysql")
    assert list(warehouses.EVERY_WAREHOUSE) == NAMES and "snowflake" in warehouses.EVERY_WAREHOUSE


def test_safety_rows_are_the_catalogue():
    """One row of the safety suite per warehouse (docs/security.md's table is generated from them)."""
    assert sorted(generate.safety_rows()) == sorted(NAMES)


def _pins(path, seen=None):
    """package -> (pin, file) for the ``==`` lines of a requirements file and the files it includes."""
    pins = {} if seen is None else seen
    folder = os.path.dirname(path)
    for line in _read(path).splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            _pins(os.path.normpath(os.path.join(folder, line[3:].strip())), pins)
        elif "==" in line:
            name, version = line.split("==")
            assert name.lower() not in pins, "%s pinned twice" % name
            pins[name.lower()] = (version, path)
    return pins


def test_the_test_requirements_pin_every_client_of_the_catalogue():
    """tests/requirements.txt keeps exact pins, at or above the catalogue's minimum; its block of
    client pins holds the catalogue's packages only (the rest are pinned where the onboarding
    needs them, scripts/requirements-onboard.txt)."""
    pins = _pins("tests/requirements.txt")
    for warehouse in warehouses.CATALOGUE:
        for requirement in warehouse.requirements:
            name, minimum = requirement.split(">=")
            assert name.lower() in pins, "%s (%s) is not pinned in tests/requirements.txt" % (name, warehouse.name)
            pin = pins[name.lower()][0]
            assert [int(x) for x in pin.split(".")] >= [int(x) for x in minimum.split(".")], (name, pin, minimum)
    text = _read("tests/requirements.txt")
    block = text.split(CLIENT_PINS, 1)[1].split("\n\n")[0]
    packages = set(p for w in warehouses.CATALOGUE for p in w.packages)
    assert set(line.split("==")[0] for line in block.splitlines() if "==" in line) <= packages


CLIENT_PINS = "# The warehouses' client libraries"


# -- adding a warehouse -----------------------------------------------------------------------------
def test_adding_a_warehouse_is_one_entry_one_adapter_one_builder(monkeypatch):
    """The toy warehouse: a catalogue entry, an adapter module, a builder module with its option
    row. Nothing else is edited, and every place that lists warehouses has it."""
    toy = add_toy(monkeypatch)
    assert warehouses.names()[-1] == "toy"

    # profiles_grants: the registry picks the adapter, the argument spec accepts the warehouse.
    assert registry.ADAPTERS["toy"] is ToyAdapter
    assert isinstance(registry.adapter_for({"warehouse": "toy", "tenant": "a"}), ToyAdapter)
    from ansible_collections.rudderstack.profiles.plugins.modules import profiles_grants
    spec = profiles_grants.argument_spec()
    result = ArgumentSpecValidator(spec).validate({"warehouse": "toy", "principal": "p", "tenant": "a"})
    assert result.error_messages == []

    # profiles_siteconfig: its argument spec accepts it, its builder builds the output.
    result = ArgumentSpecValidator(options.argument_spec()).validate(
        {"connection": "c", "warehouse": "toy", "schema": "s", "user": "u", "toy_endpoint": "https://toy"})
    assert result.error_messages == []
    assert builders.build_output("toy", {"schema": "s", "user": "u", "toy_endpoint": "https://toy"}) == {
        "type": "toy", "schema": "s", "outputSchema": "s", "user": "u", "endpoint": "https://toy"}
    with pytest.raises(builders.InvalidOption, match="toy_endpoint do not apply to warehouse=postgres"):
        builders.build_output("postgres", {"toy_endpoint": "https://toy"})

    # pb's host check follows the entry.
    assert "127.0.0.2" in cli.check_output_host({"type": "toy", "host": "127.0.0.1"})

    # The generated text needs the toy's row in the safety suite, as docs/security.md lists them.
    with pytest.raises(SystemExit, match="no safety row for toy"):
        generate.expected_files()
    rows = generate.safety_rows()
    monkeypatch.setattr(generate, "safety_rows", lambda: dict(rows, toy="The toy model."))

    # Then: choices, docs, role specs, requirements, README, the registry's imports.
    expected = generate.expected_files()
    assert "| Toy | The toy model. |" in expected["docs/security.md"]
    assert "toy-connector>=1.2" in expected["requirements.txt"]
    assert "        choices: [postgres, redshift, snowflake, bigquery, databricks, toy]\n" in \
        expected["roles/profiles_connection/meta/argument_specs.yml"]
    assert "| Toy (`toy`) | `toy` | toy-connector>=1.2 | yes |" in expected["README.md"]
    assert "          - toy\n" in expected["roles/warehouse_grants/meta/argument_specs.yml"]
    fragment = yaml.safe_load(expected["plugins/doc_fragments/warehouse.py"].split('r"""', 1)[1].split('"""')[0])
    assert fragment["options"]["warehouse"]["choices"][-1] == "toy"
    assert "toy-connector>=1.2 (pip) for toy, on the host that runs the module" in fragment["requirements"]
    assert "from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import toy\n" in \
        expected["plugins/module_utils/grants/registry.py"]
    docs = expected["plugins/modules/profiles_siteconfig.py"]
    assert "choices: [postgres, redshift, snowflake, bigquery, databricks, toy]" in docs
    assert "  toy_endpoint:\n    description:\n      - Toy endpoint URL.\n" in docs
    assert '    toy_endpoint: "{{ _profiles_connection_settings.toy_endpoint | default(omit) }}"\n' in \
        expected["roles/profiles_connection/tasks/main.yml"]
    assert toy.packages == ["toy-connector"]
