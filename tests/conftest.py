"""Shared pytest fixtures: the collection on an Ansible collections path, a throwaway
PostgreSQL server, and a runner that executes one module through ansible-playbook."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import pytest
import yaml

from devtools import local_postgres
from devtools.collection_path import make_importable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Make this checkout importable as ansible_collections.rudderstack.profiles, so unit tests import
# module_utils the way the modules do.
make_importable()

BIN = os.path.dirname(sys.executable)

# Bytecode for every process the tests start (ansible-playbook, each module run, pb's helpers):
# setup.sh installs the venvs with --no-compile, and where PYTHONDONTWRITEBYTECODE is set (it is
# on the project's machines) nothing imported was ever cached, so every module run compiled its
# client library again (databricks-sdk alone: about 3 s of CPU a run). The cache lives outside
# the checkout (PYTHONPYCACHEPREFIX), so no __pycache__ lands in the tree or in the collection
# copy. docs/testing.md, CI time.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "rudderstack-profiles", "pycache"))


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A collections root where rudderstack.profiles is this checkout."""
    root = tmp_path_factory.mktemp("collections")
    ns = root / "ansible_collections" / "rudderstack"
    ns.mkdir(parents=True)
    (ns / "profiles").symlink_to(REPO)
    return str(root)


@pytest.fixture(scope="session")
def pg():
    """A real PostgreSQL server on 127.0.0.2 for the whole session (superuser postgres)."""
    # Not under pytest's tmp dir: that is 0700 root and the server runs as postgres.
    datadir = tempfile.mkdtemp(prefix="pbtest-pg-")
    info = local_postgres.start(datadir)
    yield info
    local_postgres.stop(datadir)
    shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
def pg_connect(pg):
    """Open psycopg2 connections to the test server; all closed after the test."""
    import psycopg2

    opened = []

    def connect(dbname=None, user=None, password=None, autocommit=True):
        conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=dbname or pg["dbname"],
                                user=user or pg["user"], password=password or pg["password"])
        conn.autocommit = autocommit
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


class AnsibleRunner:
    """Runs tasks through the real ansible-playbook against localhost and returns results."""

    def __init__(self, collections_path, workdir):
        self.collections_path = collections_path
        self.workdir = workdir
        self.last_task_names = []   # names of the tasks of the last playbook run, in order
        self.last_stats = {}        # its recap (ok, changed, failures, ...)

    def env(self, extra=None):
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "PATH": BIN + os.pathsep + env.get("PATH", ""),
        })
        env.update(extra or {})
        return env

    def playbook(self, tasks, check=False, diff=False, extra_env=None, extra_vars=None,
                 gather_facts=False):
        """Run ``tasks`` (list of task dicts) in one play; return the list of task results."""
        play = [{"hosts": "localhost", "gather_facts": gather_facts, "tasks": tasks,
                 "vars": {"ansible_python_interpreter": sys.executable}}]
        path = os.path.join(self.workdir, "play.yml")
        with open(path, "w") as f:
            yaml.safe_dump(play, f, sort_keys=False)
        argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path]
        if check:
            argv.append("--check")
        if diff:
            argv.append("--diff")
        if extra_vars:
            argv += ["-e", json.dumps(extra_vars)]
        proc = subprocess.run(argv, env=self.env(extra_env), cwd=self.workdir,
                              capture_output=True, text=True, timeout=600, check=False)
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError("ansible-playbook printed no JSON (rc %d):\n%s\n%s"
                                 % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
        tasks = report["plays"][0]["tasks"]
        self.last_task_names = [t["task"]["name"] for t in tasks]
        self.last_stats = report["stats"]["localhost"]
        return [t["hosts"]["localhost"] for t in tasks]

    def module(self, name, args, check=False, diff=False, extra_env=None):
        """Run one module once; return its result dict (``failed`` set on failure)."""
        if "." not in name:
            name = "rudderstack.profiles." + name
        task = {"name": "under test", name: args, "ignore_errors": True}
        return self.playbook([task], check=check, diff=diff, extra_env=extra_env)[0]


@pytest.fixture
def ansible(collections_path, tmp_path):
    return AnsibleRunner(collections_path, str(tmp_path))


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


# In CI (CI=true, as CI systems set it; docs/testing.md) a skipped test fails the run: a test
# that silently stops running proves nothing, and every precondition the tests have (PB_BIN, the
# PostgreSQL binaries, a pyenv checkout) is one CI provides. A test that may skip in CI is listed
# here, by node id without parameters, with the reason it may.
CI_MAY_SKIP = {
    # "tests/integration/test_example.py::test_name": "why skipping it in CI is fine",
}


def _in_ci():
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _fail_skip_in_ci(report, nodeid):
    if not (report.skipped and _in_ci()) or hasattr(report, "wasxfail"):
        return
    if nodeid.split("[")[0] in CI_MAY_SKIP:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        "skipped in CI: %s\n%s would not have run. In CI (CI=%s) a skip fails the run: provide what "
        "the test needs, or add it to CI_MAY_SKIP in tests/conftest.py with the reason it may skip."
        % (reason, nodeid, os.environ.get("CI")))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip_in_ci(outcome.get_result(), item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):  # a whole module skipped (pytest.skip(allow_module_level=True))
    outcome = yield
    _fail_skip_in_ci(outcome.get_result(), collector.nodeid)


_INTERRUPTED = []


def pytest_keyboard_interrupt(excinfo):
    """Interrupted (tests/run-all.sh's deadline sends SIGINT): keep where the run was, the frames
    of this checkout and the innermost three, for the summary."""
    import traceback
    frames = traceback.extract_tb(excinfo.tb)
    ours = tuple(os.path.join(REPO, d) + os.sep for d in ("tests", "plugins", "devtools"))
    kept = [f for n, f in enumerate(frames) if f.filename.startswith(ours) or n >= len(frames) - 3]
    _INTERRUPTED.append("".join(traceback.format_list(kept)))


def _threads_that_hold_the_exit():
    """Threads Python waits for before the process can exit: non-daemon threads and the workers
    of concurrent.futures executors (joined at exit), with where each one is."""
    import threading
    import traceback
    frames = sys._current_frames()  # pylint: disable=protected-access
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.ident not in frames:
            continue
        if not thread.daemon or thread.name.startswith("ThreadPoolExecutor"):
            yield "%s (daemon=%s):\n%s" % (thread.name, thread.daemon, "".join(traceback.format_stack(frames[thread.ident])))


def pytest_terminal_summary(terminalreporter):
    """The safety suite's totals (tests/helpers/safety_totals.py), quoted in the README; and the
    threads a test left behind that keep the process from exiting, so a run that hangs after its
    summary says why."""
    from tests.helpers.safety_totals import TOTALS
    lines = TOTALS.lines()
    if lines:
        terminalreporter.section("rudderstack.profiles safety totals")
        for line in lines:
            terminalreporter.write_line(line)
    for text in _INTERRUPTED:
        terminalreporter.section("where pytest was when it was interrupted")
        terminalreporter.write_line(text)
    left = list(_threads_that_hold_the_exit())
    if left:
        terminalreporter.section("threads still running; the process exits without waiting for them")
        for text in left:
            terminalreporter.write_line(text)


_EXIT_STATUS = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """The results are final and the summary lists the threads a test left: exit now rather than
    wait for them (a thread blocked for good would hold the run until CI's limit)."""
    if _EXIT_STATUS and any(True for dummy in _threads_that_hold_the_exit()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])  # pylint: disable=protected-access
