"""onboard.yml run the way AWX runs a job: ansible-runner with process isolation, in the example
execution environment (podman, tests/helpers/ee.py), with a warehouse credential rendered into
the job's private data directory from the collection's credential type the way AWX renders it
(tests/helpers/awx.py: files under env/, the environment in env/envvars, the credential's extra
variables as ``-e @file`` in env/cmdline) and the job's own variables (a survey's answers) in
env/extravars.

The job is limited to the admin play (Limit ``profiles_admin``), against a PostgreSQL started for
the module on 127.0.0.2 and against the Snowflake model (tests/models/snowflake.py); the job's
container shares the host's network, so both are on its loopback. Checked: the job converges
(real privileges in the catalog, the model's grants), a rerun changes nothing, no secret shows in
the job events, stdout or any file ansible-runner writes under artifacts/, and two jobs whose
admin plays run at the same time (two job slices, each limited as AWX limits them) both succeed
with the grants applied once in effect."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading

import psycopg2
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devtools import local_postgres
from devtools.seed_sample_events import seed
from tests.helpers import awx, ee
from tests.models.snowflake import SnowflakeModel

pytestmark = pytest.mark.skipif(not ee.podman_works(), reason="podman or the molecule image (scripts/build_images.sh) is missing")

TYPES = os.path.join(ee.REPO, "playbooks", "files", "credential_types")
PRINCIPAL_PASSWORD = "pb-Principal'pw%1"
# AWX's "Extra Environment Variables" setting (AWX_TASK_ENV): every job gets them. The Snowflake
# connector probes cloud metadata endpoints unless told not to (docs/pb-quirks.md).
TASK_ENV = {"SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true"}


def _credential_type(name):
    with open(os.path.join(TYPES, name + ".yml")) as handle:
        return yaml.safe_load(handle)


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(data if isinstance(data, str) else yaml.safe_dump(data))


class Job:
    """One job: its private data directory, as AWX prepares it, and its result."""

    def __init__(self, root, name, credential, inputs, admin_vars, survey):
        self.dir = os.path.join(root, name)
        self.name = name
        self.credential_type = _credential_type(credential)
        self.inputs = inputs
        # The project AWX syncs: a playbook that imports the collection's.
        _write(os.path.join(self.dir, "project", "onboard.yml"),
               "---\n- name: Onboard\n  ansible.builtin.import_playbook: rudderstack.profiles.onboard\n")
        _write(os.path.join(self.dir, "inventory", "hosts.yml"), {
            "profiles_admin": {"hosts": {"localhost": {
                "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
                "vars": admin_vars},
            "profiles_workstations": {"hosts": {}}})
        env, args = awx.inject(self.credential_type, inputs, self.dir)
        _write(os.path.join(self.dir, "env", "envvars"), dict(TASK_ENV, **env))
        _write(os.path.join(self.dir, "env", "extravars"), survey)
        _write(os.path.join(self.dir, "env", "cmdline"), " ".join(args))
        self.secrets = awx.secret_values(self.credential_type, inputs) + [PRINCIPAL_PASSWORD]

    def run(self, ident, limit="profiles_admin"):
        ident = "%s-%s" % (self.name, ident)   # ansible-runner names the container after it
        proc = subprocess.run(
            [ee._bin("ansible-runner"), "run", self.dir, "-p", "onboard.yml", "--ident", ident, "--limit", limit,
             "--process-isolation", "--process-isolation-executable", "podman",
             # ansible-runner creates the artifact directories as the user running it (root
             # here, rootful podman): the job's container runs as that user too, as a rootless
             # execution node's jobs run as the node's user.
             "--container-image", ee.TAG, "--container-option=--network=host", "--container-option=--user=0"],
            capture_output=True, text=True, check=False, timeout=600)
        return Result(os.path.join(self.dir, "artifacts", ident), proc)


class Result:
    def __init__(self, artifacts, proc):
        self.artifacts, self.proc = artifacts, proc
        self.events = []
        for path in sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")),
                           key=lambda p: int(os.path.basename(p).split("-")[0])):
            with open(path) as handle:
                self.events.append(json.load(handle))
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        self.stats = stats[-1]["event_data"] if stats else {}

    def __repr__(self):
        return "rc %s\n%s\n%s" % (self.proc.returncode, self.proc.stdout[-4000:], self.proc.stderr[-2000:])

    def ok(self):
        return (self.proc.returncode == 0 and self.stats and not self.stats.get("failures")
                and not self.stats.get("dark") and self.stats.get("ok", {}).get("localhost"))

    def changed(self):
        return self.stats.get("changed", {}).get("localhost", 0)

    def leaked(self, secrets):
        """(where, secret) for every secret found in stdout, the events or any artifact file."""
        found = [("stdout", s) for s in secrets if s in self.proc.stdout + self.proc.stderr]
        for path in glob.glob(os.path.join(self.artifacts, "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, errors="replace") as handle:
                    text = handle.read()
                found += [(os.path.relpath(path, self.artifacts), s) for s in secrets if s in text]
        return found


def _grants_of(pg, role):
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="analytics")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT has_schema_privilege(%s, 'rs_profiles', 'USAGE,CREATE'),"
                        " has_table_privilege(%s, 'website_eventstream.tracks', 'SELECT'),"
                        " (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'rs_profiles')",
                        (role, role))
            return cur.fetchone()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def warehouse():
    datadir = tempfile.mkdtemp(prefix="awx-pg-")
    info = local_postgres.start(datadir)
    seed(info)
    yield info
    local_postgres.stop(datadir)
    shutil.rmtree(datadir, ignore_errors=True)


POSTGRES_ADMIN_VARS = {
    "warehouse_grants_principal": "rudderstack_admin",
    "warehouse_grants_output_schema": "rs_profiles",
    "warehouse_grants_input_schemas": [{"name": "website_eventstream"}, {"name": "public", "tables": []}],
}
# The job template's survey: the principal's password (a survey question of type password).
SURVEY = {"warehouse_grants_principal_password": PRINCIPAL_PASSWORD}


def _postgres_inputs(pg):
    return {"warehouse": "postgres", "host": pg["host"], "port": str(pg["port"]), "database": "analytics",
            "username": pg["user"], "password": pg["password"], "sslmode": "disable"}


def test_postgres_job_converges_reruns_unchanged_and_leaks_nothing(ee_image, warehouse, tmp_path):
    job = Job(str(tmp_path), "postgres", "postgres", _postgres_inputs(warehouse), POSTGRES_ADMIN_VARS, SURVEY)
    first = job.run("first")
    assert first.ok() and first.changed() > 0, first
    assert _grants_of(warehouse, "rudderstack_admin") == (True, True, "rudderstack_admin")
    second = job.run("second")
    assert second.ok() and second.changed() == 0, second
    for result in (first, second):
        assert result.leaked(job.secrets) == []
    # The credential reached the job as AWX delivers it: the extra variables' file by path only.
    with open(os.path.join(first.artifacts, "command")) as handle:
        command = json.load(handle)["command"]
    assert [a for a in command if a.startswith("@/runner/env/")], command


def test_two_slices_at_once_both_run_the_admin_play(ee_image, warehouse, tmp_path):
    """Two jobs started together, each running the admin play (as two slices limited to
    ``profiles_admin:<their workstations>``), on a principal neither has created yet: both
    succeed, and the grants are there once."""
    admin_vars = dict(POSTGRES_ADMIN_VARS, warehouse_grants_principal="pb_sliced",
                      warehouse_grants_output_schema="rs_profiles")
    jobs = [Job(str(tmp_path), "slice%d" % n, "postgres", _postgres_inputs(warehouse), admin_vars, SURVEY)
            for n in (1, 2)]
    results = [None, None]

    def run(n):
        results[n] = jobs[n].run("run", limit="profiles_admin:slice%d-workstations" % (n + 1))

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert result.ok(), result
        assert result.leaked(jobs[0].secrets) == []
    assert results[0].changed() + results[1].changed() >= 1
    conn = psycopg2.connect(host=warehouse["host"], port=warehouse["port"], user=warehouse["user"],
                            password=warehouse["password"], dbname="analytics")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'pb_sliced'")
            assert cur.fetchone()[0] == 1
            cur.execute("SELECT has_table_privilege('pb_sliced', 'website_eventstream.tracks', 'SELECT')")
            assert cur.fetchone()[0] is True
    finally:
        conn.close()


@pytest.fixture
def snowflake():
    model = SnowflakeModel().start()
    model.add_admin(password=None)
    model.databases["RUDDER_DB"] = {"owner": "SYSADMIN", "schemas": {}}
    model.warehouses["RUDDER_WAREHOUSE"] = "SYSADMIN"
    # The job's admin role, SECURITYADMIN, may create the output schema only once granted that
    # (docs/snowflake.md); without it the module refuses before its first write.
    model.grants[("SECURITYADMIN", "DATABASE", ("RUDDER_DB",), "CREATE SCHEMA")] = "SYSADMIN"
    session = {"role": "SYSADMIN", "database": "RUDDER_DB", "schema": None, "warehouse": None, "user": "ADMIN"}
    for sql in ["CREATE SCHEMA RUDDER_DB.EVENTSSCHEMA", "CREATE TABLE RUDDER_DB.EVENTSSCHEMA.TRACKS (id int)"]:
        model.execute(session, sql)
    yield model
    model.stop()


def test_snowflake_job_with_an_encrypted_key_pair(ee_image, snowflake, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    passphrase = "k3y-Passphrase'x"
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase.encode())).decode()
    snowflake.users["ADMIN"]["rsa_public_key"] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    inputs = {"account": "testaccount", "username": "admin", "database": "rudder_db", "role": "SECURITYADMIN",
              "private_key": pem, "private_key_passphrase": passphrase}
    admin_vars = {  # the model's endpoint, and what pb's principal gets
        "warehouse_grants_login_host": "127.0.0.1", "warehouse_grants_login_port": snowflake.port,
        "warehouse_grants_snowflake_protocol": "http", "warehouse_grants_connect_timeout": 10,
        "warehouse_grants_principal": "profiles_test_user", "warehouse_grants_role": "profiles_role",
        "warehouse_grants_snowflake_warehouse": "rudder_warehouse",
        "warehouse_grants_output_schema": "rs_profiles", "warehouse_grants_input_schemas": [{"name": "eventsschema"}],
        # The principal's password is set when the user is created (a later change of the survey
        # answer is not this test's subject).
        "warehouse_grants_update_password": "on_create",
    }
    job = Job(str(tmp_path), "snowflake", "snowflake", inputs, admin_vars, SURVEY)
    first = job.run("first")
    assert first.ok() and first.changed() > 0, first
    assert snowflake.logins[-1] == ("ADMIN", "SNOWFLAKE_JWT", "SECURITYADMIN")
    assert ("PROFILES_ROLE", "USER", "PROFILES_TEST_USER") in snowflake.role_grants
    second = job.run("second")
    assert second.ok() and second.changed() == 0, second
    for result in (first, second):
        assert result.leaked(job.secrets + [pem.splitlines()[1]]) == []
