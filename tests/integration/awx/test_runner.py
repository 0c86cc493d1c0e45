"""onboard.yml run the way AWX runs a job: ansible-runner with process isolation, in the example
execution environment (podman, tests/helpers/ee.py), with the credentials rendered into the job's
private data directory the way AWX renders them (tests/helpers/awx.py): the warehouse credential
from the collection's credential type (files under env/, the environment in env/envvars, its extra
variables as ``-e @file`` in env/cmdline), a Machine credential (the SSH key in env/ssh_key, which
ansible-runner loads into an ssh-agent; the login user on the command line), a Vault credential
(the prompt answered from env/passwords), and the job's own variables (a survey's answers) in
env/extravars.

The fleet: the admin host (the EE itself) and two workstation containers, molecule's bookworm and
trixie images with an SSH server (tests/helpers/ee-workstation/), reached over SSH on loopback
ports; the warehouse is a PostgreSQL started for the module on 127.0.0.2; everything shares the
host's network. As in the molecule fleet scenario, pyenv and CPython's source come from the local
mirrors and the workstations share one pip cache. The CPython build is a simulation (as in the CI
runner test, devtools/ci_job.py): a python-build definition links Debian's own Python 3.11.2, so
the jobs prove AWX's flow, not a compiler (the molecule scenarios compile CPython for real); the
first workstation "builds" it into a directory exposed to the jobs (AWX's paths to expose), the
other unpacks it, as shared builds work on a fleet. Checked: the job converges (the catalog's privileges, each
workstation's onboard record after pb checked its access), a rerun changes nothing, no secret
shows in the job events, stdout or any file ansible-runner writes under artifacts/, and the same
inventory as two job slices at once (each limited as AWX limits them, the admin play in both)
succeeds with the grants applied once in effect and each workstation onboarded by one slice.

The admin play alone (Limit ``profiles_admin``) also runs against the Snowflake model
(tests/models/snowflake.py) with a passphrase-protected key pair."""
import glob
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import psycopg2
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from ansible import constants as C
from ansible.parsing.vault import VaultLib, VaultSecret
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from devtools import ci_job, local_postgres
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
    """One job: its private data directory, as AWX prepares it, and its result. ``fleet`` (a
    Fleet) adds the workstations: their hosts and group variables in the inventory, the
    analysts' passwords in a vault-encrypted file, and the Machine and Vault credentials."""

    def __init__(self, root, name, credential, inputs, admin_vars, survey, fleet=None):
        self.dir = os.path.join(root, name)
        self.name = name
        self.fleet = fleet
        self.credential_type = _credential_type(credential)
        self.inputs = inputs
        # The project AWX syncs: a playbook that imports the collection's.
        _write(os.path.join(self.dir, "project", "onboard.yml"),
               "---\n- name: Onboard\n  ansible.builtin.import_playbook: rudderstack.profiles.onboard\n")
        _write(os.path.join(self.dir, "inventory", "hosts.yml"), {
            "profiles_admin": {"hosts": {"localhost": {
                "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}},
                "vars": admin_vars},
            "profiles_workstations": {"hosts": fleet.hosts() if fleet else {}}})
        env, args = awx.inject(self.credential_type, inputs, self.dir)
        self.secrets = awx.secret_values(self.credential_type, inputs) + [PRINCIPAL_PASSWORD]
        if fleet:
            _write(os.path.join(self.dir, "inventory", "group_vars", "profiles_workstations", "main.yml"), fleet.group_vars)
            _write(os.path.join(self.dir, "inventory", "group_vars", "all", "vault.yml"), fleet.vaulted)
            args += awx.machine(self.dir, Fleet.LOGIN, fleet.private_key)
            args += awx.vault(self.dir, fleet.vault_password)
            self.secrets += fleet.secrets()
        _write(os.path.join(self.dir, "env", "envvars"), dict(TASK_ENV, **env))
        _write(os.path.join(self.dir, "env", "extravars"), survey)
        _write(os.path.join(self.dir, "env", "cmdline"), " ".join(shlex.quote(a) for a in args))

    def run(self, ident, limit=None):
        ident = "%s-%s" % (self.name, ident)   # ansible-runner names the container after it
        argv = [ee._bin("ansible-runner"), "run", self.dir, "-p", "onboard.yml", "--ident", ident,
                "--process-isolation", "--process-isolation-executable", "podman",
                # ansible-runner creates the artifact directories as the user running it (root
                # here, rootful podman): the job's container runs as that user too, as a rootless
                # execution node's jobs run as the node's user.
                "--container-image", ee.TAG, "--container-option=--network=host", "--container-option=--user=0"]
        if limit:
            argv += ["--limit", limit]
        if self.fleet:
            # AWX's "Paths to expose to isolated jobs" (AWX_ISOLATION_SHOW_PATHS): the directory
            # of shared Python builds outlives the job (docs/awx.md).
            argv += ["--container-volume-mount", "%s:%s" % (self.fleet.share_dir, self.fleet.share_dir)]
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=1800)
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
        return "rc %s\n%s\n%s" % (self.proc.returncode, self.proc.stdout[-6000:], self.proc.stderr[-2000:])

    def ok(self, hosts=("localhost",)):
        return (self.proc.returncode == 0 and bool(self.stats) and not self.stats.get("failures")
                and not self.stats.get("dark") and all(self.stats.get("ok", {}).get(h) for h in hosts))

    def changed(self, host="localhost"):
        return self.stats.get("changed", {}).get(host, 0)

    def changed_tasks(self):
        """{host: [task, ...]} of the tasks that reported a change."""
        found = {}
        for event in self.events:
            data = event.get("event_data", {})
            if event.get("event") == "runner_on_ok" and data.get("res", {}).get("changed"):
                found.setdefault(data["host"], []).append(data.get("task"))
        return found

    def hosts_of_play(self, play):
        """The hosts that ran a task of the play named ``play``."""
        return sorted(set(e["event_data"]["host"] for e in self.events
                          if e.get("event") == "runner_on_ok" and e["event_data"].get("play") == play))

    def leaked(self, secrets):
        """(where, secret) for every secret found in stdout, the events or any artifact file."""
        found = [("stdout", s) for s in secrets if s in self.proc.stdout + self.proc.stderr]
        for path in glob.glob(os.path.join(self.artifacts, "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, errors="replace") as handle:
                    text = handle.read()
                found += [(os.path.relpath(path, self.artifacts), s) for s in secrets if s in text]
        return found


def _grants_of(pg, role, schema="rs_profiles"):
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="analytics")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT has_schema_privilege(%s, %s, 'USAGE,CREATE'),"
                        " has_table_privilege(%s, 'website_eventstream.tracks', 'SELECT'),"
                        " (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s)",
                        (role, schema, role, schema))
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


# The workstations' side (as the molecule fleet scenario's group_vars): pyenv and pyenv-virtualenv
# from the local mirrors (scripts/build_images.sh), the pip cache they share, and the Python
# "built" (simulated, ci_job.SIMULATED_DEFINITION) once and shared through a directory exposed to
# the jobs.
MIRRORS = os.environ.get("PROFILES_MOLECULE_MIRRORS", "/var/cache/rudderstack-profiles/molecule-mirrors")
PIP_CACHE = os.environ.get("PROFILES_MOLECULE_PIP_CACHE", "/var/cache/rudderstack-profiles/pip-cache")
ONBOARD_PLAY = "Install pyenv, Python, pb, the connection and the project for each analyst"
ADMIN_PLAY = "Apply the warehouse privileges pb needs"
# Run in each workstation container as it starts: the analyst (uid 1000, as the first user of a
# laptop, who owns the shared pip cache), the fleet's service account the Machine credential logs
# in as (sudo without password, the key authorized), host keys, then sshd on its own loopback port.
WORKSTATION_START = r"""set -e
useradd -m -u 1000 -s /bin/bash "$ANALYST"
useradd -m -u 1001 -s /bin/bash ops
echo 'ops ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
install -d -m 0700 -o ops -g ops /home/ops/.ssh
printf '%s\n' "$AUTHORIZED_KEY" > /home/ops/.ssh/authorized_keys
chown ops:ops /home/ops/.ssh/authorized_keys && chmod 0600 /home/ops/.ssh/authorized_keys
git config --system --add safe.directory /mirrors/pyenv.git
git config --system --add safe.directory /mirrors/pyenv-virtualenv.git
mkdir -p "$DEFINITIONS" && printf '%s' "$DEFINITION" > "$DEFINITIONS/$PYTHON_VERSION"
ssh-keygen -A
exec /usr/sbin/sshd -D -e -p "$PORT" -o ListenAddress=127.0.0.1 -o PasswordAuthentication=no
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Fleet:
    """Two workstation containers (molecule's bookworm and trixie images with an SSH server,
    tests/helpers/ee-workstation/), reached from the job over SSH as AWX reaches laptops."""

    LOGIN = "ops"   # the Machine credential's user: the fleet's service account
    # host: (analyst, Debian release of the molecule image)
    # (Both bookworm: the simulated build links Debian's Python 3.11, which trixie lacks.)
    HOSTS = {"ws-ana": ("ana", "bookworm"), "ws-ben": ("ben", "bookworm")}

    def __init__(self, warehouse):
        self.warehouse = warehouse
        key = ed25519.Ed25519PrivateKey.generate()
        self.private_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                             serialization.NoEncryption()).decode()
        public_key = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                   serialization.PublicFormat.OpenSSH).decode()
        self.vault_password = "vault-Pw'" + secrets.token_hex(8)
        self.passwords = dict((analyst, "pb-%s'pw%%%s" % (analyst, secrets.token_hex(6))) for analyst in self.analysts())
        self.public_key = public_key
        self.share_dir = tempfile.mkdtemp(prefix="awx-python-share-")
        self.ports, self.containers = {}, {}

    def start(self):
        public_key = self.public_key
        for host, (analyst, suite) in sorted(self.HOSTS.items()):
            image = ee.build_workstation(suite, extra_packages=["python3.11-venv"])
            self.ports[host] = port = _free_port()
            self.containers[host] = name = "awx-%s-%d" % (host, os.getpid())
            ee._run(["podman", "run", "-d", "--rm", "--name", name, "--network", "host",
                     "-v", MIRRORS + ":/mirrors:ro", "-v", PIP_CACHE + ":/var/cache/pip",
                     "-e", "ANALYST=" + analyst, "-e", "PORT=%d" % port, "-e", "AUTHORIZED_KEY=" + public_key,
                     "-e", "DEFINITIONS=" + ci_job.SIMULATED_DEFINITIONS, "-e", "DEFINITION=" + ci_job.SIMULATED_DEFINITION,
                     "-e", "PYTHON_VERSION=" + ci_job.PYTHON_VERSION,
                     image, "sh", "-c", WORKSTATION_START])
        for host, port in self.ports.items():
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                        if sock.recv(4).startswith(b"SSH"):
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("sshd of %s did not start: %s" % (host, ee._run(["podman", "logs", self.containers[host]])))
                    time.sleep(0.5)
        return self

    @property
    def vaulted(self):
        """The analysts' passwords as the inventory's vault-encrypted group_vars/all/vault.yml."""
        vault = VaultLib([(C.DEFAULT_VAULT_ID_MATCH, VaultSecret(self.vault_password.encode()))])
        return vault.encrypt(yaml.safe_dump({"vault_analyst_passwords": self.passwords})).decode()

    @property
    def group_vars(self):
        warehouse = self.warehouse
        return {
            "ansible_python_interpreter": "/usr/bin/python3",
            "pyenv_git_url": "file:///mirrors/pyenv.git",
            "pyenv_version": "master",   # the mirror is a snapshot of a checkout, without tags
            "pyenv_virtualenv_git_url": "file:///mirrors/pyenv-virtualenv.git",
            "pyenv_virtualenv_version": "v1.4.0",
            "pyenv_python_version": ci_job.PYTHON_VERSION,
            "pyenv_python_build_env": {"PYTHON_BUILD_DEFINITIONS": ci_job.SIMULATED_DEFINITIONS},
            "pyenv_python_share_dir": self.share_dir,
            "pyenv_virtualenv_name": "profiles",
            "profiles_pip_settings": {"ca_bundle": "/etc/ssl/certs/ca-certificates.crt", "cache_dir": "/var/cache/pip",
                                      "timeout": 60},
            "profiles_cli_pycorelib": False,
            "profiles_connection_name": "awx_pg",
            "profiles_connection_warehouse": "postgres",
            "profiles_connection_settings": {"host": warehouse["host"], "port": warehouse["port"],
                                             "dbname": "analytics", "schema": "rs_profiles"},
            "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                              "rsTracks": "website_eventstream.tracks"},
            # pb itself proves each analyst's access from the workstation
            "profiles_verify_checks": ["validate_access"],
        }

    def analysts(self):
        return sorted(value[0] for value in self.HOSTS.values())

    def hosts(self):
        hosts = {}
        for host in sorted(self.HOSTS):
            analyst = self.HOSTS[host][0]
            principal = {"name": "pb_" + analyst, "output_schema": "rs_profiles_" + analyst,
                         "password": "{{ vault_analyst_passwords.%s }}" % analyst}
            hosts[host] = {"ansible_host": "127.0.0.1", "ansible_port": self.ports[host], "pyenv_user": analyst,
                           "profiles_warehouse_principal": principal}
        return hosts

    def secrets(self):
        # The key's full lines after the first (which holds the format's header).
        key_lines = [line for line in self.private_key.splitlines()[2:-1] if len(line) >= 60]
        return key_lines + [self.vault_password] + list(self.passwords.values())

    def record(self, host):
        """The workstation's onboard record (roles/profiles_onboard_record)."""
        analyst = self.HOSTS[host][0]
        return json.loads(ee._run(["podman", "exec", self.containers[host], "cat",
                                   "/home/%s/.local/state/rudderstack-profiles/onboard.json" % analyst]))

    def stop(self):
        for name in self.containers.values():
            subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True, check=False)
        shutil.rmtree(self.share_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def fleet(ee_image, warehouse):
    started = time.monotonic()
    fleet = Fleet(warehouse)
    try:
        fleet.start()
        print("\nworkstations up in %.1f s" % (time.monotonic() - started))
        yield fleet
    finally:
        fleet.stop()


def _timed(job, ident, **kwargs):
    started = time.monotonic()
    result = job.run(ident, **kwargs)
    print("job %s-%s: %.1f s" % (job.name, ident, time.monotonic() - started))
    return result


@pytest.fixture(scope="module")
def onboarded(fleet, warehouse, tmp_path_factory):
    """The fleet onboarded by one job, then the same job again: shared by the tests below."""
    job = Job(str(tmp_path_factory.mktemp("awx-fleet")), "fleet", "postgres", _postgres_inputs(warehouse),
              POSTGRES_ADMIN_VARS, SURVEY, fleet=fleet)
    return job, _timed(job, "first"), _timed(job, "second")


def _role_count(pg, role):
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="analytics")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (role,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_fleet_job_converges_reruns_unchanged_and_leaks_nothing(onboarded, fleet, warehouse):
    """onboard.yml over the admin host and two workstations: the grants in the catalog, each
    workstation's record of a successful onboarding with pb, its connection and project; the
    rerun changes nothing anywhere; no secret of the five credentials' values shows anywhere."""
    job, first, second = onboarded
    hosts = ["localhost"] + sorted(Fleet.HOSTS)
    assert first.ok(hosts), first
    assert all(first.changed(h) > 0 for h in hosts), first.stats
    assert _grants_of(warehouse, "rudderstack_admin") == (True, True, "rudderstack_admin")
    for host in sorted(Fleet.HOSTS):
        analyst = Fleet.HOSTS[host][0]
        assert _grants_of(warehouse, "pb_" + analyst, "rs_profiles_" + analyst) == (True, True, "pb_" + analyst)
        record = fleet.record(host)
        assert (record["status"], record["host"], record["analyst"], record["connection"]) == (
            "success", host, analyst, "awx_pg"), record
        assert record["pb_version"] and record["python_version"].startswith("3.11.2"), record
        assert "verify" in record["stages"], record
    assert first.hosts_of_play(ONBOARD_PLAY) == hosts[1:]
    # One workstation built the Python into the exposed directory, the other unpacked that archive.
    assert len(glob.glob(os.path.join(fleet.share_dir, "*.tar.gz"))) == 1, os.listdir(fleet.share_dir)
    built = sorted(h for h, tasks in first.changed_tasks().items() if any(t.startswith("Pack Python") for t in tasks))
    unpacked = sorted(h for h, tasks in first.changed_tasks().items() if any(t.startswith("Unpack ") for t in tasks))
    assert len(built) == 1 and unpacked == sorted(set(Fleet.HOSTS) - set(built)), (built, unpacked)
    assert second.ok(hosts) and second.changed_tasks() == {}, (second.changed_tasks(), second)
    for result in (first, second):
        assert result.leaked(job.secrets) == []
    # The credentials reached the job as AWX delivers them: the extra variables' file by path,
    # the Machine credential's user, the vault password asked for (answered from env/passwords).
    # (ansible-playbook runs under ssh-agent: its arguments are in one shell command line)
    with open(os.path.join(first.artifacts, "command")) as handle:
        command = " ".join(json.load(handle)["command"])
    with open(os.path.join(job.dir, "env", "cmdline")) as handle:
        cmdline = handle.read()
    assert "-e @/runner/env/tmp" in cmdline and "-u %s --become-method sudo" % Fleet.LOGIN in cmdline, cmdline
    assert cmdline in command and "ssh-add /runner/artifacts/" in command, command


def test_fleet_in_two_slices_at_once(onboarded, fleet, warehouse, tmp_path):
    """The same inventory as two job slices started together, each limited as AWX limits them
    (the workstations dealt round-robin, the admin host in both): with the analysts' principals
    gone from the warehouse, both admin plays create them at the same time. Both jobs succeed,
    each principal and its grants exist once, and each workstation is onboarded by exactly one
    slice: its record rewritten after the slices started, its onboarding in that slice's events
    and summary (set_stats) only."""
    conn = psycopg2.connect(host=warehouse["host"], port=warehouse["port"], user=warehouse["user"],
                            password=warehouse["password"], dbname="analytics")
    conn.autocommit = True
    with conn.cursor() as cur:
        for analyst in fleet.analysts():
            cur.execute('DROP OWNED BY "pb_%s" CASCADE' % analyst)
            cur.execute('DROP ROLE "pb_%s"' % analyst)
    conn.close()
    before = dict((host, fleet.record(host)["last_run"]) for host in Fleet.HOSTS)

    workstations = sorted(Fleet.HOSTS)
    slices = [workstations[n::2] for n in range(2)]
    jobs = [Job(str(tmp_path), "slice%d" % (n + 1), "postgres", _postgres_inputs(warehouse), POSTGRES_ADMIN_VARS,
                SURVEY, fleet=fleet) for n in range(2)]
    results = [None, None]

    def run(n):
        results[n] = _timed(jobs[n], "run", limit="profiles_admin:" + ",".join(slices[n]))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, result in enumerate(results):
        assert result.ok(["localhost"] + slices[n]), result
        assert result.leaked(jobs[n].secrets) == []
        assert result.hosts_of_play(ADMIN_PLAY) == ["localhost"]
        assert result.hosts_of_play(ONBOARD_PLAY) == slices[n]
        assert sorted(result.stats["artifact_data"]["profiles_onboard"]) == slices[n], result.stats
    assert results[0].changed() + results[1].changed() >= 1
    for host in sorted(Fleet.HOSTS):
        analyst = Fleet.HOSTS[host][0]
        assert _role_count(warehouse, "pb_" + analyst) == 1
        assert _grants_of(warehouse, "pb_" + analyst, "rs_profiles_" + analyst) == (True, True, "pb_" + analyst)
        record = fleet.record(host)
        assert record["status"] == "success" and record["last_run"] > before[host], (before, record)


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
    first = job.run("first", limit="profiles_admin")
    assert first.ok() and first.changed() > 0, first
    assert snowflake.logins[-1] == ("ADMIN", "SNOWFLAKE_JWT", "SECURITYADMIN")
    assert ("PROFILES_ROLE", "USER", "PROFILES_TEST_USER") in snowflake.role_grants
    second = job.run("second", limit="profiles_admin")
    assert second.ok() and second.changed() == 0, second
    for result in (first, second):
        assert result.leaked(job.secrets + [pem.splitlines()[1]]) == []
