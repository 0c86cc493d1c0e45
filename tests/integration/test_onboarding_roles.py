"""The onboarding roles that wrap the modules (warehouse_grants, profiles_connection,
profiles_project), run together as onboard.yml runs them, against the real PostgreSQL, then the
real pb as the granted principal. The pyenv and profiles_cli roles are proven in molecule."""
import os
import stat
import subprocess
import sys

import pytest
import yaml
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV

from devtools import seed_sample_events

PB_BIN = os.environ.get("PB_BIN")
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")


def onboarding_tasks(pg, tmp_path):
    siteconfig = str(tmp_path / "home" / ".pb" / "siteconfig.yaml")
    return siteconfig, [
        {"name": "grants", "ansible.builtin.include_role": {"name": "rudderstack.profiles.warehouse_grants"},
         "vars": {
             "warehouse_grants_warehouse": "postgres", "warehouse_grants_login_host": pg["host"], "warehouse_grants_login_port": pg["port"],
             "warehouse_grants_login_user": pg["user"], "warehouse_grants_login_password": pg["password"],
             "warehouse_grants_login_db": seed_sample_events.DBNAME,
             "warehouse_grants_principal": "onboard_pb", "warehouse_grants_principal_password": "pw-onboard",
             "warehouse_grants_output_schema": "onboard_out",
             "warehouse_grants_input_schemas": [{"name": "website_eventstream"},
                                                {"name": "public", "tables": []}]}},
        {"name": "connection", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_connection"},
         "vars": {
             "profiles_connection_python": sys.executable,
             "profiles_connection_name": "onboard_pg",
             "profiles_connection_siteconfig_path": siteconfig,
             "profiles_connection_settings": {
                 "host": pg["host"], "port": pg["port"], "dbname": seed_sample_events.DBNAME,
                 "user": "onboard_pb", "password": "pw-onboard", "schema": "onboard_out"}}},
        {"name": "project", "ansible.builtin.include_role": {"name": "rudderstack.profiles.profiles_project"},
         "vars": {
             "profiles_project_python": sys.executable,
             "profiles_project_virtualenv": os.path.dirname(os.path.dirname(PB_BIN)),
             "profiles_project_path": str(tmp_path / "project"),
             "profiles_project_connection": "onboard_pg",
             "profiles_project_siteconfig_path": siteconfig,
             "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                               "rsTracks": "website_eventstream.tracks"}}},
    ]


def test_roles_onboard_then_rerun_changes_nothing(pg, pg_connect, ansible, tmp_path):
    seed_sample_events.seed(pg)
    siteconfig, tasks = onboarding_tasks(pg, tmp_path)

    ansible.playbook(tasks, gather_facts=True)
    assert ansible.last_stats["failures"] == 0, ansible.last_task_names
    assert ansible.last_stats["changed"] >= 3
    assert stat.S_IMODE(os.stat(siteconfig).st_mode) == 0o600
    with open(siteconfig) as f:
        output = yaml.safe_load(f)["connections"]["onboard_pg"]["outputs"]["dev"]
    assert output["user"] == "onboard_pb" and output["port"] == pg["port"]
    with open(str(tmp_path / "project" / "pb_project.yaml")) as f:
        assert yaml.safe_load(f)["connection"] == "onboard_pg"

    # pb, as the principal the role created, builds the id stitcher.
    proc = subprocess.run([PB_BIN, "run", "-p", str(tmp_path / "project"), "-c", siteconfig],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False,
                          env=dict(os.environ, **PB_ENV))
    assert proc.returncode == 0, proc.stderr[-3000:]
    cur = pg_connect(dbname=seed_sample_events.DBNAME).cursor()
    cur.execute("SELECT count(DISTINCT user_main_id) FROM onboard_out.user_id_stitcher")
    assert cur.fetchone()[0] == 3
    cur.execute("SELECT schema_owner FROM information_schema.schemata WHERE schema_name = 'onboard_out'")
    assert cur.fetchone()[0] == "onboard_pb"

    mtime = os.stat(siteconfig).st_mtime_ns
    ansible.playbook(tasks, gather_facts=True)
    assert ansible.last_stats["failures"] == 0
    assert ansible.last_stats["changed"] == 0, ansible.last_task_names
    assert os.stat(siteconfig).st_mtime_ns == mtime
