"""This host as a one-workstation fleet for playbooks/onboard.yml and playbooks/audit.yml, against a
real PostgreSQL (devtools/local_postgres) and the real pb, without building or downloading
anything (tests/integration/test_onboard_record_and_audit.py, bench/audit_vs_onboard.py).

The analyst is the user running it, with a throwaway home. Stand-ins: the pyenv root
(tests/helpers/pyenv.py: the machine's pyenv code, a "3.11.x" that is the real interpreter) and
the virtualenv in it, a real venv of that interpreter whose bin/pb is the real pb (PB_BIN) and
whose site-packages path file adds PB_BIN's venv (profiles-rudderstack's metadata) and the tools'
venv (PyYAML for the modules), so no pip installs anything."""
import json
import os
import subprocess
import sys
import sysconfig
import time

import yaml

from devtools import seed_sample_events
from tests.helpers.pyenv import make_pyenv_root, real_python

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PRINCIPAL, SCHEMA, CONNECTION = "audit_pb", "audit_out", "audit_pg"


def python_version():
    return subprocess.run([real_python(), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def make_site(pg, tmp, pb_bin):
    """Lay out the home, the pyenv root, the virtualenv and the inventory under ``tmp`` (a
    pathlib.Path); returns the paths (home, root, venv, siteconfig, record, report, tmp)."""
    seed_sample_events.seed(pg)
    home = tmp / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# the analyst's own\n")
    version = python_version()
    root = make_pyenv_root(str(tmp / "pyenv"), [version])
    venv = os.path.join(root, "versions", "profiles")
    subprocess.run([real_python(), "-m", "venv", venv], check=True)  # with pip, as pyenv-virtualenv makes it
    os.symlink(pb_bin, os.path.join(venv, "bin", "pb"))
    purelib = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    pb_site = subprocess.run([os.path.join(os.path.dirname(pb_bin), "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(purelib, "standin.pth"), "w") as f:
        f.write("%s\n%s\n" % (pb_site, sysconfig.get_paths()["purelib"]))
    siteconfig = str(home / ".pb" / "siteconfig.yaml")
    workstation = {
        "pyenv_root": root, "pyenv_user_home": str(home), "pyenv_python_version": version,
        "pyenv_virtualenv_name": "profiles", "pyenv_install_build_dependencies": False,
        "profiles_cli_pycorelib": False,
        "profiles_connection_name": CONNECTION, "profiles_connection_siteconfig_path": siteconfig,
        "profiles_connection_settings": {"host": pg["host"], "port": pg["port"], "dbname": seed_sample_events.DBNAME,
                                         "user": PRINCIPAL, "password": "pw-audit-1", "schema": SCHEMA},
        "profiles_project_path": str(home / "profiles-project"), "profiles_project_siteconfig_path": siteconfig,
        "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                          "rsTracks": "website_eventstream.tracks"},
        "profiles_verify_siteconfig_path": siteconfig,
    }
    admin = {
        "warehouse_grants_warehouse": "postgres", "warehouse_grants_login_host": pg["host"],
        "warehouse_grants_login_port": pg["port"], "warehouse_grants_login_user": pg["user"],
        "warehouse_grants_login_password": pg["password"], "warehouse_grants_login_db": seed_sample_events.DBNAME,
        "warehouse_grants_principal": PRINCIPAL, "warehouse_grants_principal_password": "pw-audit-1",
        "warehouse_grants_output_schema": SCHEMA,
        "warehouse_grants_input_schemas": [{"name": "website_eventstream"}, {"name": "public", "tables": []}],
    }
    inventory = {"all": {
        "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "children": {"profiles_admin": {"hosts": {"localhost": None}, "vars": admin},
                     "profiles_workstations": {"hosts": {"localhost": None}, "vars": workstation}}}}
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    return {"tmp": tmp, "home": home, "root": root, "venv": venv, "siteconfig": siteconfig,
            "record": home / ".local" / "state" / "rudderstack-profiles" / "onboard.json",
            "report": tmp / "report"}


def playbook(site, collections_path, name, *args):
    """ansible-playbook playbooks/NAME over the site's inventory: (rc, the JSON callback's report)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_SHOW_CUSTOM_STATS="true", ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="false", PATH=BIN + os.pathsep + os.environ["PATH"])
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", str(site["tmp"] / "inventory.yml"),
            os.path.join(REPO, "playbooks", name), "-e", "profiles_audit_report_dir=%s" % site["report"]] + list(args)
    start = time.time()
    proc = subprocess.run(argv, env=env, cwd=str(site["tmp"]), capture_output=True, text=True, timeout=600, check=False)
    site["seconds"] = time.time() - start
    print("%s %s: %.1f s" % (name, " ".join(args), site["seconds"]))
    try:
        return proc.returncode, json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("no JSON (rc %d):\n%s\n%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-3000:]))
