"""The example execution environment (docs/ee/execution-environment.yml), built for real by
ansible-builder and podman from this checkout (tests/helpers/ee.py): what the collection declares
for it (meta/execution-environment.yml) is what ansible-builder reads, and inside the image every
warehouse client imports the way the module imports it, and ansible-doc renders every module."""
import json
import os
import subprocess

import pytest
import yaml

from devtools import generate
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from tests.helpers import ee

pytestmark = pytest.mark.skipif(not ee.podman_works(), reason="podman or the molecule image (scripts/build_images.sh) is missing")
REPO = generate.REPO
MODULES = sorted(m[:-3] for m in os.listdir(os.path.join(REPO, "plugins", "modules")) if m.endswith(".py"))

# Run inside the image: each adapter's own check of its client import (what profiles_grants
# reports with missing_required_lib), then ansible-doc for each module.
PROBE = r"""
import json, subprocess, sys
sys.path.insert(0, "/usr/share/ansible/collections")
from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
clients = {}
for w in warehouses.CATALOGUE:
    error = warehouses.load(w.adapter).client_import_error()
    clients[w.name] = error
docs = {}
for module in sys.argv[1:]:
    proc = subprocess.run(["ansible-doc", "--json", "rudderstack.profiles." + module], capture_output=True, text=True)
    docs[module] = proc.stdout if proc.returncode == 0 else "rc %d: %s" % (proc.returncode, proc.stderr[-2000:])
print(json.dumps({"clients": clients, "docs": docs}))
"""


def test_introspection_reads_the_catalogue_clean(tmp_path):
    """ansible-builder's view of the built collection: the catalogue's clients and system
    packages, nothing passed through unparsed, no warning."""
    tarball = ee.build_collection(str(tmp_path))
    subprocess.run([ee._bin("ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(tmp_path / "c"), tarball],
                   check=True, capture_output=True)
    proc = subprocess.run([ee._bin("ansible-builder"), "introspect", "--sanitize", str(tmp_path / "c")],
                          capture_output=True, text=True, check=True)
    assert "WARNING" not in proc.stdout + proc.stderr and "non-PEP508" not in proc.stdout + proc.stderr, proc.stderr
    data = yaml.safe_load(proc.stdout)
    source = "  # from collection rudderstack.profiles"
    clients = list(dict.fromkeys(r for w in warehouses.CATALOGUE for r in w.requirements))
    assert data["python"] == [c + source for c in clients]  # PyYAML: ansible-builder leaves it to ansible-core
    assert data["system"] == [line + source for line in dict.fromkeys(l for w in warehouses.CATALOGUE for l in w.system)]


def test_inside_the_image_every_client_imports_and_every_module_documents(ee_image):
    proc = subprocess.run(["podman", "run", "--rm", ee_image, "/usr/bin/python3.11", "-c", PROBE] + MODULES,
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["clients"] == {name: None for name in warehouses.names()}
    for module in MODULES:
        doc = json.loads(result["docs"][module]) if result["docs"][module].startswith("{") else result["docs"][module]
        assert isinstance(doc, dict), "%s: %s" % (module, doc)
        assert doc["rudderstack.profiles." + module]["doc"]["module"] == module


def test_the_image_is_an_execution_environment(ee_image):
    """What AWX needs from an EE: ansible-runner, the label, a non-root user; the build-only
    packages of bindep.txt's compile profile stayed in the builder stage, the run-time one came."""
    inspect = json.loads(subprocess.run(["podman", "image", "inspect", ee_image], capture_output=True, text=True,
                                        check=True).stdout)[0]
    assert inspect["Config"]["Labels"]["ansible-execution-environment"] == "true"
    assert inspect["Config"]["User"] not in ("", "0", "root")
    proc = subprocess.run(["podman", "run", "--rm", ee_image, "sh", "-c",
                           "ansible-runner --version; dpkg-query -W -f '${Package} ${Status}\\n' libpq5 gcc libpq-dev 2>&1; true"],
                          capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    assert lines[0].split(".")[0].isdigit(), lines
    installed = [line.split()[0] for line in lines[1:] if line.endswith("install ok installed")]
    assert installed == ["libpq5"], lines
