"""Runs the onboarding as a CI job does, in fresh podman containers (docs/ci/README.md).

Each job gets a NEW container of the molecule image (scripts/build_images.sh: Debian bookworm with
python3, sudo, git, curl) on the host network, prepared as a CI runner image is: a non-root user
``runner`` (uid 1000) with passwordless sudo, Ansible on PATH (this machine's tool venv, mounted
read-only at its own path: the image is Debian 12 like this machine, so its interpreter resolves).
The job itself, run as ``runner`` and timed, is what the shipped definitions do:

1. ``git clone`` of the repository (a bundle of this checkout's HEAD, or of its working tree when
   it has uncommitted changes: ``git stash create``), as actions/checkout does;
2. restore ``~/.pyenv`` from the cache archive when there is one (actions/cache's restore);
3. ``ansible-playbook -i docs/ci/inventory.ci.yml playbooks/onboard.yml --skip-tags verify``, the
   connection and its secret from ``PROFILES_*`` environment variables (the CI inventory);
4. ``~/.local/bin/pb validate access`` on the project;
5. (first job only) save ``~/.pyenv`` to the cache archive (actions/cache's post step).

The project stage runs too (``profiles_project`` lays a pb project out of the warehouse's tables)
because the checkout here is the collection, not a pb project as in a real CI job.

Mirrors (the molecule scenarios' ones, /mirrors): pyenv and pyenv-virtualenv from local git
mirrors, the CPython source from the local tarball, so that no job reaches GitHub or python.org.
The pip cache is the one the fleet scenario shares (``profiles_pip_settings.cache_dir``) unless
``pip_cache`` says otherwise; the cache archive holds ``~/.pyenv`` only, as the shipped workflow's:
pb's virtualenv is inside it, so a warm job does not call pip to install anything.

``simulate_build=True`` (the test's mode) gives python-build a definition that links Debian's
3.11.2 instead of compiling CPython (as the macos scenario does): the test proves the CI flow and
that a restored job does not build; bench/ci_cache.py compiles for real and measures the ratio.
"""
import json
import os
import shlex
import subprocess
import tempfile
import time
import uuid

from devtools.role_defaults import role_default

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.environ.get("PROFILES_MOLECULE_IMAGE", "localhost/rudderstack-profiles-molecule") + ":bookworm"
MIRRORS = os.environ.get("PROFILES_MOLECULE_MIRRORS", "/var/cache/rudderstack-profiles/molecule-mirrors")
PIP_CACHE = os.environ.get("PROFILES_MOLECULE_PIP_CACHE", "/var/cache/rudderstack-profiles/pip-cache")
# Debian packages the first job downloads, kept between runs on this machine (not in the archive).
APT_ARCHIVES = os.environ.get("PROFILES_CI_JOB_APT_ARCHIVES", "/var/cache/rudderstack-profiles/apt-archives")
PYTHON_VERSION = "3.11.2"   # the CPython whose source tarball the mirrors hold
USER = "runner"
HOME = "/home/runner"
SIMULATED_DEFINITIONS = "/opt/simulated-python-definitions"
SIMULATED_DEFINITION = r"""# Simulation: Debian's own Python 3.11.2 stands in for a CPython build.
mkdir -p "$PREFIX_PATH/bin"
ln -sf /usr/bin/python3.11 "$PREFIX_PATH/bin/python3.11"
ln -sf python3.11 "$PREFIX_PATH/bin/python3"
ln -sf python3.11 "$PREFIX_PATH/bin/python"
# The build-time variables a shared build's unpacker reads to move it (python_relocate); Python
# itself never imports this name.
mkdir -p "$PREFIX_PATH/lib/python3.11"
printf "build_time_vars = {'prefix': '%s', 'Py_ENABLE_SHARED': 0}\n" "$PREFIX_PATH" \
  > "$PREFIX_PATH/lib/python3.11/_sysconfigdata__simulated.py"
"""


def podman(*args, check=True, timeout=600, input_text=None):
    proc = subprocess.run(["podman"] + list(args), capture_output=True, text=True, timeout=timeout,
                          input=input_text, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("podman %s: rc %d\n%s\n%s" % (" ".join(args[:3]), proc.returncode,
                                                         proc.stdout[-3000:], proc.stderr[-3000:]))
    return proc


def bundle_checkout(dest):
    """A git bundle of this checkout (its working tree, uncommitted tracked changes included)."""
    rev = subprocess.run(["git", "-C", REPO, "stash", "create"], capture_output=True, text=True,
                         check=True).stdout.strip() or "HEAD"
    subprocess.run(["git", "-C", REPO, "branch", "-f", "ci-job-checkout", rev], check=True, capture_output=True)
    try:
        subprocess.run(["git", "-C", REPO, "bundle", "create", "-q", dest, "ci-job-checkout"],
                       check=True, capture_output=True)
    finally:
        subprocess.run(["git", "-C", REPO, "branch", "-D", "ci-job-checkout"], check=False, capture_output=True)
    os.chmod(dest, 0o644)


def job_vars(simulate_build, python_version, build_env=None):
    """The role variables a CI job here adds to the CI inventory's: the local mirrors."""
    values = {
        "pyenv_git_url": "file:///mirrors/pyenv.git",
        "pyenv_version": "master",
        "pyenv_virtualenv_git_url": "file:///mirrors/pyenv-virtualenv.git",
        "pyenv_virtualenv_version": "v1.4.0",
        "pyenv_python_build_cache_path": "/mirrors/python",
        "pyenv_python_build_env": dict({"_PYTHON_BUILD_FORCE_SKIP_XZ": "1"}, **(build_env or {})),
        "pyenv_python_configure_opts": "--disable-test-modules",
        "pyenv_python_build_timeout": 3600,
        "profiles_pip_settings": {"ca_bundle": "/etc/ssl/certs/ca-certificates.crt", "cache_dir": "/var/cache/pip",
                                  "timeout": 60},
        "profiles_project_input_tables": {"rsIdentifies": "events.identifies", "rsTracks": "events.tracks"},
    }
    if simulate_build:
        values["pyenv_python_build_env"]["PYTHON_BUILD_DEFINITIONS"] = SIMULATED_DEFINITIONS
        # Nothing is compiled, so sudo apt installs only what Debian's Python needs to make the
        # virtualenv (its venv package; a runner image has it), not CPython's build dependencies
        # (a minute of dpkg that bench.ci_cache keeps). Extra vars win over the role's include_vars.
        values["pyenv_os_packages"] = ["python3.11-venv"]
    return values


class Job:
    """One CI job in a new container. ``run()`` returns a dict: seconds, rc, log, ansible (the
    ansible.posix.json result of the playbook, or None), validate (pb's output)."""

    def __init__(self, workdir, warehouse, *, restore, save, simulate_build=True, pip_cache=PIP_CACHE,
                 python_version=PYTHON_VERSION, pb_version=None, build_env=None):
        self.workdir = workdir
        self.name = "ci-job-" + uuid.uuid4().hex[:10]
        self.warehouse = warehouse
        self.restore, self.save = restore, save
        self.simulate_build = simulate_build
        self.pip_cache = pip_cache
        self.python_version = python_version
        self.pb_version = pb_version
        self.build_env = build_env
        self.label = "warm" if restore else "cold"

    # --- the runner image ------------------------------------------------------------------
    def start(self):
        venv_real = os.path.realpath(os.path.join(REPO, ".venv"))
        base = os.path.dirname(os.path.dirname(os.path.realpath(os.path.join(venv_real, "bin", "python"))))
        os.makedirs(APT_ARCHIVES, exist_ok=True)
        mounts = ["-v", "%s:/job:rw" % self.workdir, "-v", "%s:/mirrors:ro" % MIRRORS,
                  "-v", "%s:/var/cache/pip:rw" % self.pip_cache, "-v", "%s:/var/cache/apt/archives:rw" % APT_ARCHIVES]
        # The tool venv and the Python it was made from, at their own paths (Debian's own Python,
        # under /usr, is the image's too: not mounted over it).
        for path in sorted({venv_real, base} - {"/", "/usr", "/usr/local"}):
            mounts += ["-v", "%s:%s:ro" % (path, path)]
        podman("run", "-d", "--name", self.name, "--network", "host", *mounts, IMAGE, "sleep", "infinity")
        prepare = [
            # The mirrors belong to root here; a runner's own clones would not.
            "git config --system --add safe.directory /mirrors/pyenv.git",
            "git config --system --add safe.directory /mirrors/pyenv-virtualenv.git",
            "chmod 0711 /root",   # where this machine's Python may live (mounted above)
            "useradd --create-home --uid 1000 --shell /bin/bash %s" % USER,
            "echo '%s ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/%s" % (USER, USER),
            "chmod 0440 /etc/sudoers.d/%s" % USER,
            "ln -s %s/bin/ansible-playbook %s/bin/ansible-galaxy %s/bin/ansible /usr/local/bin/" % ((venv_real,) * 3),
            "mkdir -p {d} && printf '%s' {text} > {d}/{v}".format(
                d=SIMULATED_DEFINITIONS, text=shlex.quote(SIMULATED_DEFINITION), v=self.python_version),
        ]
        podman("exec", self.name, "bash", "-euc", " && ".join(prepare))

    def remove(self):
        podman("rm", "-f", "-t", "0", self.name, check=False, timeout=120)

    # --- the job ---------------------------------------------------------------------------
    def script(self):
        steps = [
            'echo "== checkout"',
            "git clone -q -b ci-job-checkout /job/repo.bundle ~/work/repo",
            "cd ~/work/repo",
        ]
        if self.restore:
            steps += ['echo "== restore the cache"', "tar -C ~ -xf /job/cache.tar"]
        steps += [
            'echo "== onboard"',
            "mkdir -p ~/work/collections/ansible_collections/rudderstack",
            "ln -sfn ~/work/repo ~/work/collections/ansible_collections/rudderstack/profiles",
            "ANSIBLE_COLLECTIONS_PATH=~/work/collections ANSIBLE_STDOUT_CALLBACK=ansible.posix.json"
            " ansible-playbook -i docs/ci/inventory.ci.yml playbooks/onboard.yml --skip-tags verify"
            " -e @/job/vars.json > /job/ansible-%s.json" % self.label,
            'echo "== pb validate access"',
            "~/.local/bin/pb validate access -p ~/profiles-project 2>&1 | tee /job/validate.log",
        ]
        if self.save:
            steps += ['echo "== save the cache"', "tar -C ~ -cf /job/cache.tar .pyenv"]
        return "\n".join(steps)

    def env(self):
        settings = {"host": self.warehouse["host"], "port": int(self.warehouse["port"]),
                    "dbname": self.warehouse["dbname"], "user": self.warehouse["user"],
                    "password": self.warehouse["password"], "schema": self.warehouse["schema"]}
        env = {"PROFILES_PYTHON_VERSION": self.python_version, "PROFILES_WAREHOUSE": "postgres",
               "PROFILES_CONNECTION": "ci_pg", "PROFILES_CONNECTION_SETTINGS": json.dumps(settings)}
        env["PROFILES_PB_VERSION"] = self.pb_version or role_default("profiles_cli", "profiles_cli_rudderstack_version")
        return env

    def run(self, timeout=3600):
        with open(os.path.join(self.workdir, "vars.json"), "w") as handle:
            json.dump(job_vars(self.simulate_build, self.python_version, self.build_env), handle)
        for name in ("ansible-%s.json" % self.label, "validate.log"):
            if os.path.exists(os.path.join(self.workdir, name)):
                os.unlink(os.path.join(self.workdir, name))
        self.start()
        try:
            args = ["exec", "--user", USER, "--workdir", HOME, "-e", "HOME=" + HOME]
            for key, value in self.env().items():
                args += ["-e", "%s=%s" % (key, value)]
            start = time.monotonic()
            proc = podman(*args, self.name, "bash", "-euo", "pipefail", "-c", self.script(), check=False, timeout=timeout)
            seconds = time.monotonic() - start
            result = {"seconds": seconds, "rc": proc.returncode, "log": proc.stdout + proc.stderr,
                      "ansible": None, "validate": ""}
            path = os.path.join(self.workdir, "ansible-%s.json" % self.label)
            if os.path.exists(path) and os.path.getsize(path):
                with open(path) as handle:
                    text = handle.read()
                try:
                    result["ansible"] = json.loads(text[text.index("{"):])
                except ValueError:
                    result["log"] += text[-5000:]
                for name, host in task_results(result["ansible"]):
                    if host.get("failed") and not host.get("ignore_errors"):
                        result["log"] += "\nfailed task %r: %s" % (name, json.dumps(
                            {k: host.get(k) for k in ("msg", "stderr", "stdout", "rc", "results")})[-3000:])
            path = os.path.join(self.workdir, "validate.log")
            if os.path.exists(path):
                with open(path) as handle:
                    result["validate"] = handle.read()
            result["manifest"] = self.manifest()
            return result
        finally:
            self.remove()

    def manifest(self):
        """Every path under ~/.pyenv/versions/PYTHON with its size and modification time."""
        proc = podman("exec", "--user", USER, self.name, "bash", "-c",
                      "cd ~/.pyenv/versions/%s 2>/dev/null && find . -printf '%%p %%s %%T@\\n' | sort" % self.python_version,
                      check=False)
        return proc.stdout


def task_results(playbook_json):
    """(task name, result dict of localhost) for every task the playbook ran, in order."""
    out = []
    for play in (playbook_json or {}).get("plays", []):
        for task in play.get("tasks", []):
            host = task.get("hosts", {}).get("localhost")
            if host is not None:
                out.append((task["task"]["name"].split(" : ", 1)[-1], host))   # without "role : "
    return out


def changed_tasks(playbook_json):
    return [name for name, host in task_results(playbook_json) if host.get("changed")]


def seed_warehouse(server, dbname="ci_runner"):
    """A database on ``server`` (devtools.local_postgres's info) with the sample event tables and
    the output schema; returns the connection settings a CI job gets (superuser: CI grants
    nothing, and the grants are proven elsewhere)."""
    import psycopg2
    from devtools.seed_sample_events import IDENTIFIES, TRACKS

    def connect(db):
        conn = psycopg2.connect(host=server["host"], port=server["port"], dbname=db, user=server["user"],
                                password=server["password"])
        conn.autocommit = True
        return conn
    admin = connect(server["dbname"])
    admin.cursor().execute("DROP DATABASE IF EXISTS %s" % dbname)
    admin.cursor().execute("CREATE DATABASE %s" % dbname)
    admin.close()
    conn = connect(dbname)
    cur = conn.cursor()
    cur.execute("CREATE SCHEMA events")
    cur.execute("CREATE SCHEMA profiles_out")
    cur.execute("CREATE TABLE events.identifies (user_id text, anonymous_id text, email text, timestamp timestamp)")
    cur.execute("CREATE TABLE events.tracks (user_id text, anonymous_id text, timestamp timestamp, event text)")
    cur.executemany("INSERT INTO events.identifies VALUES (%s, %s, %s, %s)", IDENTIFIES)
    cur.executemany("INSERT INTO events.tracks VALUES (%s, %s, %s, %s)", TRACKS)
    conn.close()
    return dict(host=server["host"], port=server["port"], dbname=dbname, user=server["user"],
                password=server["password"], schema="profiles_out")


def run_pair(warehouse, simulate_build=True, pip_cache=PIP_CACHE, build_env=None):
    """The first job (cold, saves the cache) and the second (restores it), each in a new container."""
    workdir = tempfile.mkdtemp(prefix="ci-job-", dir="/var/tmp")
    os.chmod(workdir, 0o777)
    bundle_checkout(os.path.join(workdir, "repo.bundle"))
    first = Job(workdir, warehouse, restore=False, save=True, simulate_build=simulate_build,
                pip_cache=pip_cache, build_env=build_env).run()
    second = None
    if first["rc"] == 0:
        second = Job(workdir, warehouse, restore=True, save=False, simulate_build=simulate_build,
                     pip_cache=pip_cache, build_env=build_env).run()
    return workdir, first, second
