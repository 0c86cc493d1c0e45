"""What an execution environment gets from the collection (meta/execution-environment.yml): the
pip requirements and the bindep.txt that ansible-builder installs, both from the warehouse
catalogue (plugins/module_utils/warehouses.py), without pins of Ansible and without upper bounds.
The EE built for real from them: tests/integration/awx/."""
import os

import pytest
import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from toy_warehouse import add_toy

REPO = generate.REPO


def _read(rel):
    with open(os.path.join(REPO, rel)) as handle:
        return handle.read()


def _requirements(rel):
    lines = [line.split("#", 1)[0].strip() for line in _read(rel).splitlines()]
    return [Requirement(line) for line in lines if line]


def test_metadata_points_at_the_generated_files():
    meta = yaml.safe_load(_read("meta/execution-environment.yml"))
    assert meta == {"version": 1, "dependencies": {"python": "requirements.txt", "system": "bindep.txt"}}
    # Both in the built collection, where ansible-builder looks (galaxy.yml build_ignore keeps them).
    ignored = yaml.safe_load(_read("galaxy.yml"))["build_ignore"]
    assert not set(meta["dependencies"].values()) & set(ignored)


def test_python_requirements_are_the_catalogue_clients_once_each():
    requirements = _requirements("requirements.txt")
    names = [r.name.lower() for r in requirements]
    assert len(names) == len(set(names)), "a requirement listed twice: %s" % names
    clients = list(dict.fromkeys(r for w in warehouses.CATALOGUE for r in w.requirements))
    assert [str(r) for r in requirements if r.name != "PyYAML"] == clients


def test_no_ansible_pins_and_no_upper_bounds():
    """The EE brings its own ansible-core; an upper bound here would fight every other collection's
    requirements in the same EE."""
    for requirement in _requirements("requirements.txt"):
        assert requirement.name.lower() not in ("ansible", "ansible-core", "ansible-base"), requirement
        assert requirement.specifier and all(s.operator == ">=" for s in requirement.specifier), requirement


def _packages(text, *profiles):
    depends = Depends(text)
    return sorted(rule[0] for rule in depends.active_rules(set(profiles)))


@pytest.mark.parametrize("platform, runtime, build_only", [
    ("platform:dpkg", ["libpq5"], ["gcc", "libpq-dev", "python3-dev"]),
    ("platform:rpm", ["libpq"], ["gcc", "libpq-devel", "python3-devel"]),
])
def test_bindep_as_bindep_reads_it(platform, runtime, build_only):
    """What ansible-builder's assemble script asks bindep for: the default profile goes into the
    final image, ``-b compile`` adds the build-only packages in the builder stage."""
    text = _read("bindep.txt")
    assert _packages(text, "default", platform) == runtime
    assert _packages(text, "compile", platform) == sorted(runtime + build_only)


def test_bindep_is_the_catalogue_system_lines():
    lines = [line for line in _read("bindep.txt").splitlines() if line and not line.startswith("#")]
    assert lines == list(dict.fromkeys(line for w in warehouses.CATALOGUE for line in w.system))
    assert _read("bindep.txt") == generate.render_bindep(warehouses)


def test_a_warehouse_brings_its_system_packages(monkeypatch):
    """A catalogue entry alone puts its clients and their system packages into the EE metadata."""
    toy = add_toy(monkeypatch)
    toy = toy._replace(system=("libtoy1 [platform:dpkg]", "libtoy-dev [compile platform:dpkg]", "gcc [compile]"))
    monkeypatch.setattr(warehouses, "CATALOGUE", warehouses.CATALOGUE[:-1] + (toy,))
    text = generate.render_bindep(warehouses)
    assert "# profiles_grants: warehouse toy (toy-connector)\nlibtoy1 [platform:dpkg]\nlibtoy-dev [compile platform:dpkg]\n" in text
    # A line several warehouses need is written once, under all of them.
    assert text.count("gcc [compile]") == 1
    assert "# profiles_grants: warehouse postgres, redshift, toy (psycopg2-binary, toy-connector)\ngcc [compile]\n" in text
    assert _packages(text, "compile", "platform:dpkg") == sorted(
        {"libpq5", "gcc", "libpq-dev", "python3-dev", "libtoy1", "libtoy-dev"})
    assert "toy-connector>=1.2" in generate.render_requirements(warehouses)
