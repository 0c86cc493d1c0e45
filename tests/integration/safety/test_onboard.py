"""playbooks/onboard.yml itself, on this machine as both admin host and workstation (the local
run's machinery: localhost, the real PostgreSQL, the real pb), with -vvv and --diff:

1. on a fresh host (empty home, no principal): --check changes nothing on disk (a snapshot of the
   home directory) or in the warehouse (a catalog snapshot);
2. converged (pyenv and pb already installed in the home - a second's work instead of a download,
   see safety_helpers.seeded_virtualenv - then a real run); the real pb validates and compiles
   the project, writing its logs/pb.log;
3. --check on the converged host: nothing changes, and nothing is reported changed.

Every output of those runs, the ansible log, pb's log, every file in the home except the
siteconfig, and the server log (log_statement=all) are scanned for every secret used: none may
appear. The siteconfig is 0600 in a 0700 directory."""
import json
import os
import stat
import subprocess

import pytest
import yaml

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV
from safety_helpers import (WAREHOUSES, catalog_changes, recap, run_verbose_playbook, seeded_virtualenv,
                            snapshot_changes, tree_snapshot)
from tests.helpers.safety_totals import TOTALS

PB_BIN = os.environ.get("PB_BIN")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _machine_pyenv_root():
    proc = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False) \
        if any(os.access(os.path.join(d, "pyenv"), os.X_OK) for d in os.environ["PATH"].split(os.pathsep)) else None
    return proc.stdout.strip() if proc and proc.returncode == 0 else None


PYENV_ROOT = _machine_pyenv_root()
pytestmark = pytest.mark.skipif(not (PB_BIN and PYENV_ROOT), reason="needs PB_BIN and the machine's pyenv")


def _pb_python_version():
    python = os.path.realpath(os.path.join(os.path.dirname(PB_BIN), "python"))
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def _pb_version():
    out = subprocess.run([PB_BIN, "version"], capture_output=True, text=True, check=False,
                         env=dict(os.environ, **PB_ENV)).stdout
    return out.split("Current version of pb:")[1].split()[0].lstrip("v")


def _seed_installed_pyenv(home, python_version):
    """What the pyenv and profiles_cli roles leave in a home, without building or downloading:
    a pyenv root made of links to this machine's pyenv (and its Python), and the virtualenv
    'profiles' with pb in it."""
    root = os.path.join(home, ".pyenv")
    os.makedirs(os.path.join(root, "versions"))
    for part in ("bin", "libexec", "plugins", "completions"):
        if os.path.exists(os.path.join(PYENV_ROOT, part)):
            os.symlink(os.path.join(PYENV_ROOT, part), os.path.join(root, part))
    os.symlink(os.path.join(PYENV_ROOT, "versions", python_version), os.path.join(root, "versions", python_version))
    seeded_virtualenv(os.path.join(root, "versions", "profiles"), PB_BIN,
                      python=os.path.join(PYENV_ROOT, "versions", python_version, "bin", "python"))


class Host:
    """One workstation-and-admin host: a home, the inventory, the secrets file, and every output
    the runs produced (name -> text) for the secret scan."""

    def __init__(self, root, info, principal, principal_password, collections_path):
        self.root = root
        self.home = os.path.join(root, "home")
        os.makedirs(self.home, mode=0o700)
        self.info = info
        self.collections_path = collections_path
        self.outputs = {}
        self.tmp = os.path.join(root, "tmp")
        os.makedirs(self.tmp)
        self.env = {"HOME": self.home, "TMPDIR": self.tmp,
                    # Ansible's own files stay out of the home being compared.
                    "ANSIBLE_HOME": os.path.join(root, "ansible-home"),
                    "ANSIBLE_LOCAL_TEMP": os.path.join(root, "ansible-home", "tmp"),
                    "ANSIBLE_REMOTE_TEMP": os.path.join(root, "ansible-home", "remote-tmp")}
        self.python_version = _pb_python_version()
        self.secrets_file = os.path.join(root, "secrets.json")
        with open(os.path.join(root, "secrets.json"), "w") as handle:
            json.dump({"vault_admin_password": info["password"], "vault_principal_password": principal_password},
                      handle)
        os.chmod(self.secrets_file, 0o600)
        grants = WAREHOUSES[0].grants_args(info, principal)
        admin_vars = dict(("warehouse_grants_" + k, v) for k, v in grants.items()
                          if k not in ("output_schema", "input_schemas", "login_password", "principal"))
        admin_vars.update({
            "warehouse_grants_login_password": "{{ vault_admin_password }}",
            "warehouse_grants_principal": principal,
            "warehouse_grants_principal_password": "{{ vault_principal_password }}",
            "warehouse_grants_output_schema": "rs_profiles",
            "warehouse_grants_input_schemas": [{"name": "website_eventstream"}, {"name": "public", "tables": []}],
        })
        workstation_vars = {
            "pyenv_user_home": self.home,
            "pyenv_python_version": self.python_version,
            "pyenv_install_build_dependencies": False,
            "pyenv_git_url": "file://" + PYENV_ROOT,
            "pyenv_version": "master",
            "pyenv_virtualenv_git_url": "file://" + os.path.join(PYENV_ROOT, "plugins", "pyenv-virtualenv"),
            "pyenv_virtualenv_version": "master",
            "profiles_cli_rudderstack_version": _pb_version(),
            "profiles_cli_pycorelib": False,
            "profiles_pip_settings": {"ca_bundle": "/etc/ssl/certs/ca-certificates.crt"},
            "profiles_connection_name": "safety_pg",
            "profiles_connection_settings": {
                "host": info["host"], "port": info["port"], "dbname": info["dbname"], "user": principal,
                "password": "{{ vault_principal_password }}", "schema": "rs_profiles"},
            "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                              "rsTracks": "website_eventstream.tracks"},
        }
        inventory = {"all": {
            "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": _python()}},
            "children": {"profiles_admin": {"hosts": {"localhost": None}, "vars": admin_vars},
                         "profiles_workstations": {"hosts": {"localhost": None}, "vars": workstation_vars}}}}
        self.inventory = os.path.join(root, "inventory.yml")
        with open(self.inventory, "w") as handle:
            yaml.safe_dump(inventory, handle, sort_keys=False)

    def onboard(self, name, check=False):
        proc, log = run_verbose_playbook(self.collections_path, self.root,
                                         os.path.join(REPO, "playbooks", "onboard.yml"), inventory=self.inventory,
                                         extra_vars_file=self.secrets_file, check=check, diff=True, env=self.env)
        self.outputs[name + ": stdout"] = proc.stdout
        self.outputs[name + ": stderr"] = proc.stderr
        self.outputs[name + ": ansible log"] = log
        counts = recap(proc.stdout).get("localhost")
        assert counts is not None, proc.stdout[-5000:] + proc.stderr[-3000:]
        return proc, counts

    def pb(self, *args):
        project = os.path.join(self.home, "profiles-project")
        proc = subprocess.run([os.path.join(self.home, ".pyenv", "versions", "profiles", "bin", "pb")] + list(args),
                              cwd=project, capture_output=True, text=True, timeout=300, check=False,
                              env=dict(os.environ, HOME=self.home, TMPDIR=self.tmp, **PB_ENV))
        self.outputs["pb %s: output" % " ".join(args)] = proc.stdout + proc.stderr
        return proc


def _python():
    import sys
    return sys.executable


@pytest.fixture(scope="module")
def host(tmp_path_factory, pg, admin, scanner, server_log, collections_path):
    """Runs onboard.yml on a fresh host in check mode, converges it, runs pb in the project,
    and runs the check again; returns the host with every comparison recorded."""
    row = WAREHOUSES[0]
    info = row.prepare(pg, admin, "s_onboard_%s" % os.urandom(4).hex())
    principal = "onboard_" + info["dbname"][-8:]
    principal_password = scanner.new("principal")
    start = server_log.mark()
    h = Host(str(tmp_path_factory.mktemp("onboard")), info, principal, principal_password, collections_path)
    h.principal = principal

    # 1. fresh host, --check
    home_before, catalog_before = tree_snapshot(h.home), row.snapshot(info)
    h.fresh_check = h.onboard("fresh --check", check=True)
    h.fresh_changes = (snapshot_changes(home_before, tree_snapshot(h.home))
                       + catalog_changes(catalog_before, row.snapshot(info)))

    # 2. converge (pyenv and pb preinstalled), then pb in the project
    _seed_installed_pyenv(h.home, h.python_version)
    h.converge = h.onboard("converge")
    h.pb_validate = h.pb("validate", "access")
    h.pb_compile = h.pb("compile")

    # 3. converged host, --check
    home_before, catalog_before = tree_snapshot(h.home), row.snapshot(info)
    h.converged_check = h.onboard("converged --check", check=True)
    h.converged_changes = (snapshot_changes(home_before, tree_snapshot(h.home))
                           + catalog_changes(catalog_before, row.snapshot(info)))
    h.server_log = server_log.text(since=start)
    yield h
    info["conn"].close()


def test_check_on_a_fresh_host_changes_nothing(host):
    proc, counts = host.fresh_check
    assert counts["failed"] == 0, proc.stdout[-6000:]
    assert counts["changed"] > 0  # it did plan the whole onboarding
    TOTALS.check_runs += 1
    TOTALS.check_changes.extend(host.fresh_changes)
    assert host.fresh_changes == []


def test_converge_then_check_changes_nothing(host):
    proc, counts = host.converge
    assert counts["failed"] == 0, proc.stdout[-6000:]
    assert host.pb_validate.returncode == 0, host.pb_validate.stdout[-3000:] + host.pb_validate.stderr[-3000:]
    assert host.pb_compile.returncode == 0, host.pb_compile.stdout[-3000:] + host.pb_compile.stderr[-3000:]
    proc, counts = host.converged_check
    assert counts["failed"] == 0, proc.stdout[-6000:]
    assert counts["changed"] == 0, proc.stdout[-6000:]
    TOTALS.check_runs += 1
    TOTALS.check_changes.extend(host.converged_changes)
    assert host.converged_changes == []
    # The check run linted and migrated a copy of the project in TMPDIR, and removed it (what
    # stays is pb's own cache of its graph renderer, created by any pb command).
    assert set(os.listdir(host.tmp)) <= {"go-graphviz"}, os.listdir(host.tmp)


def test_siteconfig_is_private(host):
    path = os.path.join(host.home, ".pb", "siteconfig.yaml")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path) as handle:
        assert yaml.safe_load(handle)["connections"]["safety_pg"]["outputs"]["dev"]["user"] == host.principal


def test_no_secret_anywhere_but_the_siteconfig(host, scanner):
    leaks = []
    for name, text in sorted(host.outputs.items()):
        leaks += scanner.scan(name, text)
    leaks += scanner.scan("server log (log_statement=all)", host.server_log)
    project_log = os.path.join(host.home, "profiles-project", "logs", "pb.log")
    assert os.path.exists(project_log), "pb wrote no logs/pb.log"
    siteconfig = os.path.join(host.home, ".pb", "siteconfig.yaml")
    leaks += scanner.scan_tree(host.home, skip={siteconfig})   # includes logs/pb.log and every dotfile
    leaks += scanner.scan_tree(host.tmp)
    leaks += scanner.scan_tree(os.path.join(host.root, "ansible-home"))
    assert "CREATE ROLE" in host.server_log, "the server log holds none of the run's statements"
    # The secret is where it belongs (so the scan would have found it elsewhere).
    with open(siteconfig) as handle:
        assert scanner.values["principal"] in handle.read()
    assert leaks == [], "\n".join("%s in %s: ...%s..." % leak for leak in leaks)
