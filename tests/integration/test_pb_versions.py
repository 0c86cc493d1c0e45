"""The supported pb range (plugins/module_utils/workstation/versions.py PB_SUPPORTED) against the
real pb: the oldest supported release and the role's pin each lay down a project with
profiles_project and lint it with the flags the collection passes (`pb show models` with
NO_DUMP_FLAGS); the release just below the range lacks those flags, which is why the range starts
where it does. The other releases are installed with uv (seconds) into virtualenvs of their own."""
import os
import subprocess
import sys

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import versions
from devtools.role_defaults import role_default

PB_BIN = os.environ.get("PB_BIN")
PIN = role_default("profiles_cli", "profiles_cli_rudderstack_version")
BELOW_RANGE = "0.25.10"
UV = os.path.join(os.path.dirname(sys.executable), "uv")
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")

SITECONFIG = """\
connections:
    offline_pg:
        target: dev
        outputs:
            dev:
                dbname: analytics
                host: 127.0.0.2
                password: secret
                port: 5432
                schema: profiles_out
                type: postgres
                user: profiles
"""


@pytest.fixture(scope="module")
def pb_of(tmp_path_factory):
    """pb_of(version) -> path of that pb: the role's pin is PB_BIN, others are installed with uv."""
    made = {PIN: PB_BIN}

    def pb_of(version):
        if version not in made:
            venv = tmp_path_factory.mktemp("pb-" + version)
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
            subprocess.run([UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                            "profiles-rudderstack==" + version], check=True,
                           env=dict(os.environ, UV_NO_PROGRESS="1", UV_LINK_MODE="copy"))
            made[version] = str(venv / "bin" / "pb")
        return made[version]
    return pb_of


def _site(tmp_path):
    site = tmp_path / "siteconfig.yaml"
    site.write_text(SITECONFIG)
    return str(site)


@pytest.mark.parametrize("version", [versions.PB_OLDEST_TESTED, PIN])
def test_supported_pb_runs_every_command_of_profiles_project(ansible, tmp_path, pb_of, version):
    assert versions.pb_pin_problem(version) == ""
    pb = pb_of(version)
    out = subprocess.run([pb, "version"], env=dict(os.environ, **pb_cli.PB_ENV), capture_output=True, text=True, check=False)
    assert pb_cli.read_version(out.stdout)["version"] == version, out
    proj = tmp_path / "proj"
    res = ansible.module("profiles_project", {"path": str(proj), "connection": "offline_pg", "pb_path": pb,
                                              "siteconfig_path": _site(tmp_path), "lint": True, "migrate": True})
    assert not res.get("failed"), res.get("msg")
    assert "id_stitcher" in res["lint"]
    assert not (proj / "output").exists()   # the dump flags took effect
    again = ansible.module("profiles_project", {"path": str(proj), "connection": "offline_pg", "pb_path": pb,
                                                "siteconfig_path": _site(tmp_path), "lint": True})
    assert again["changed"] is False and not again.get("failed")


def test_the_release_below_the_range_lacks_the_lint_flags(tmp_path, pb_of):
    assert versions.pb_pin_problem(BELOW_RANGE)
    pb = pb_of(BELOW_RANGE)
    out = subprocess.run([pb, "show", "models"] + pb_cli.NO_DUMP_FLAGS, cwd=str(tmp_path),
                         env=dict(os.environ, **pb_cli.PB_ENV), capture_output=True, text=True, check=False)
    assert "unknown flag: --dump" in out.stdout + out.stderr, out


def _gate(ansible, **role_vars):
    results = ansible.playbook([{"name": "gate", "ansible.builtin.include_role": {
        "name": "rudderstack.profiles.profiles_cli", "tasks_from": "gate.yml"}, "vars": role_vars}])
    failed = [r for r in results if r.get("failed")]
    return failed[-1]["msg"] if failed else None


def test_gate_refuses_a_pin_outside_the_range_and_a_python_pb_cannot_run_on(ansible):
    msg = _gate(ansible, profiles_cli_rudderstack_version=BELOW_RANGE)
    assert "profiles_cli_rudderstack_version '0.25.10' is outside" in msg and versions.PB_SUPPORTED in msg
    msg = _gate(ansible, pyenv_python_version="3.14")
    assert "pyenv_python_version is 3.14, but profiles-rudderstack needs Python <3.14,>=3.9" in msg
    assert _gate(ansible, pyenv_python_version="3.11") is None


def test_onboard_runs_the_gate_before_any_role():
    import yaml
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "playbooks", "onboard.yml")) as f:
        play = [p for p in yaml.safe_load(f) if p["hosts"] == "profiles_workstations"][0]
    first = play["pre_tasks"][0]["ansible.builtin.include_role"]
    assert first == {"name": "rudderstack.profiles.profiles_cli", "tasks_from": "gate.yml"}
    assert play["pre_tasks"][0]["tags"] == ["always"]


def test_gate_takes_requires_python_from_the_index_and_falls_back_to_the_table(ansible, tmp_path):
    """A private index (a local simple-API server over real HTTP, serving PyPI's page of
    profiles-rudderstack with 0.26.4's Requires-Python narrowed to <3.13) wins over the table
    (<3.14); an index that does not answer leaves the table in charge."""
    import functools
    import http.server
    import threading

    fixtures = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit", "fixtures",
                            "simple-index")
    root = tmp_path / "index" / "profiles-rudderstack"
    root.mkdir(parents=True)
    with open(os.path.join(fixtures, "profiles-rudderstack.html")) as f:
        (root / "index.html").write_text(f.read().replace("&lt;3.14,&gt;=3.9", "&lt;3.13,&gt;=3.9"))
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "index")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = "http://127.0.0.2:%d/" % server.server_address[1]
        msg = _gate(ansible, pyenv_python_version="3.13", profiles_cli_pycorelib=False,
                    profiles_pip_settings={"index_url": index})
        assert "pyenv_python_version is 3.13, but profiles-rudderstack needs Python <3.13,>=3.9" in msg
        assert "(Requires-Python from the package index)" in msg
    finally:
        server.shutdown()
    assert _gate(ansible, pyenv_python_version="3.13", profiles_cli_pycorelib=False,
                 profiles_pip_settings={"index_url": index}) is None
