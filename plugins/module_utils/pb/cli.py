# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Running the RudderStack Profiles ``pb`` CLI: discovery, environment, timeouts, exit codes.

Plain Python (no Ansible imports) so unit tests call it directly.

Working directory: every pb call runs in a private temporary directory that is removed
afterwards. pb appends to ``./logs/pb.log`` in its working directory on every run; running it
in the project or in Ansible's working directory would leave a ``logs/`` folder behind that the
user did not ask for. Projects and siteconfigs are therefore always passed as absolute paths.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from ansible_collections.rudderstack.profiles.plugins.module_utils.warehouses import refuses_local_host

# pb's documented exit codes (pb 0.26); anything else is reported with its number.
EXIT_CODES = {
    0: "ok",
    1: "ambiguous connection (several connections in the siteconfig and none chosen)",
    2: "pb crashed",
    3: "command error (bad command line)",
    4: "configuration error (siteconfig or connection)",
    5: "project definition error",
    6: "connection error (warehouse unreachable or credentials refused)",
    10: "version incompatible (project schema_version does not match this pb)",
    50: "unknown error",
    130: "interrupted",
}

# The environment every pb run needs, defined here only; why: docs/pb-quirks.md ("Starting pb at
# all"). The profiles_cli role (pb_environment lookup), devtools/pb_env.py and the tests derive
# from it.
PB_ENV = {
    "SF_DISABLE_MINICORE": "true",
    "SNOWFLAKE_DISABLE_PLATFORM_DETECTION": "true",
}

DEFAULT_TIMEOUT = 120

# pb refuses a host that resolves to one of these, before connecting, for the warehouses whose
# catalogue entry says refuses_local_host: "Failed to create connection ... Actual error: invalid
# host name in credentials" (exit code 6).
REFUSED_HOST_ADDRESSES = ("127.0.0.1", "0.0.0.0")
REFUSED_HOST_MESSAGE = "invalid host name in credentials"

# pb's debug dumps are on by default: commands that only read (show models, validate access) would
# otherwise write an output/ folder into the project on every call.
NO_DUMP_FLAGS = ["--dump-material-graph=false", "--dump-bundles=false", "--dump-compile-context=false",
                 "--dump-registry=false", "--dump-seqnos=false", "--dump-timegrain=false"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}T\S+\s+\w+\s+")


class PbNotFound(Exception):
    """No pb executable where we were told to look."""


class PbError(Exception):
    """A pb call that failed, timed out or could not start."""

    def __init__(self, message, result=None):
        super(PbError, self).__init__(message)
        self.message = message
        self.result = result


class PbResult:
    def __init__(self, argv, rc, stdout, stderr, duration):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration

    def as_dict(self):
        return {"cmd": self.argv, "rc": self.rc, "duration": round(self.duration, 3)}


def find_pb(pb_path=None, virtualenv=None, search_path=None):
    """Return the pb executable: ``pb_path``, else ``<virtualenv>/bin/pb``, else pb on PATH."""
    if pb_path:
        candidate = os.path.expanduser(pb_path)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
        raise PbNotFound("pb_path %s is not an executable file" % pb_path)
    if virtualenv:
        candidate = os.path.join(os.path.expanduser(virtualenv), "bin", "pb")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
        raise PbNotFound("virtualenv %s has no executable bin/pb (install profiles-rudderstack in it)"
                         % virtualenv)
    if search_path is None:
        search_path = os.environ.get("PATH", "")
    found = _which("pb", search_path)
    if found:
        return found
    raise PbNotFound("pb not found on PATH; set pb_path or virtualenv (pip install profiles-rudderstack)")


def _which(name, search_path):
    for folder in search_path.split(os.pathsep):
        if not folder:
            continue
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


# pb unpacks a cache into $TMPDIR/go-graphviz, a directory owned by the first user who ran pb:
# with Linux's shared /tmp every other user's pb panics (docs/pb-quirks.md). Where TMPDIR is not
# set, pb runs with this private directory of the user's home (the ~/.local/bin/pb wrapper's too).
PB_PRIVATE_TMP = os.path.join(".cache", "rudderstack-pb", "tmp")


def private_tmpdir(home=None):
    """The user's private TMPDIR for pb (0700, made when missing); ``home``: the effective user's."""
    if home is None:
        import pwd
        home = pwd.getpwuid(os.geteuid()).pw_dir
    path = os.path.join(home, PB_PRIVATE_TMP)
    if not os.path.isdir(path):
        os.makedirs(path, 0o700)
    return path


def pb_environment(base=None, home=None):
    """``base`` (default: this process's environment) with PB_ENV, and where it sets no TMPDIR the
    private one of ``home`` (default: the effective user's home)."""
    env = dict(os.environ if base is None else base)
    env.update(PB_ENV)
    if not env.get("TMPDIR"):
        env["TMPDIR"] = private_tmpdir(home)
    return env


def explain_exit(rc):
    if rc in EXIT_CODES:
        return "exit code %d: %s" % (rc, EXIT_CODES[rc])
    return "exit code %d" % rc


def pb_message(text, limit=20):
    """pb's own error lines (``Error:`` / ``Hint:`` and ERROR log lines), without colours,
    timestamps and the trailing task summary; the last lines of output if none are marked."""
    lines = [_ANSI.sub("", line).rstrip() for line in text.splitlines()]
    picked = []
    for line in lines:
        stripped = _LOG_PREFIX.sub("", line) if _LOG_PREFIX.match(line) else line
        if line.startswith(("Error:", "Hint:")) or re.match(r"^\S+\s+(ERROR|FATAL)\s", line):
            picked.append(stripped.strip())
    if not picked:
        tail = [line for line in lines if line.strip()]
        summary = [i for i, line in enumerate(tail) if "Task Summary" in line]
        if summary:
            tail = tail[:summary[-1]]
        picked = tail[-limit:]
    return "\n".join(picked[:limit])


def run_pb(pb, args, timeout=DEFAULT_TIMEOUT, env=None):
    """Run ``pb args...`` in a throwaway working directory with the pb environment and a timeout.

    Returns a PbResult whatever the exit code; raises PbError if pb cannot start or times out.
    """
    argv = [pb] + list(args)
    workdir = tempfile.mkdtemp(prefix="pb-run-")
    start = time.time()
    try:
        try:
            proc = subprocess.Popen(argv, cwd=workdir, env=pb_environment(env), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except OSError as exc:
            raise PbError("cannot run %s: %s" % (pb, exc))
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # pb may have children (python model runners): end the whole session it leads.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            stdout, stderr = proc.communicate()
            result = PbResult(argv, None, _text(stdout), _text(stderr), time.time() - start)
            raise PbError("`%s` did not finish within %s s (timeout); last output:\n%s"
                          % (" ".join(argv[1:]), timeout, pb_message(result.stderr + result.stdout)),
                          result)
        return PbResult(argv, proc.returncode, _text(stdout), _text(stderr), time.time() - start)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_pb(pb, args, timeout=DEFAULT_TIMEOUT, env=None):
    """Run pb and raise PbError with pb's own message unless it exits 0."""
    result = run_pb(pb, args, timeout=timeout, env=env)
    if result.rc != 0:
        output = result.stderr + "\n" + result.stdout
        message = "`pb %s` failed (%s):\n%s" % (" ".join(args), explain_exit(result.rc), pb_message(output))
        if REFUSED_HOST_MESSAGE in output:
            message += "\n" + refused_host_advice()
        raise PbError(message, result)
    return result


def _ipv4_addresses(host):
    return socket.gethostbyname_ex(host)[2]


def refused_address(host, resolve=_ipv4_addresses):
    """The address pb refuses ``host`` for (127.0.0.1 or 0.0.0.0, itself or what it resolves to
    here), or None. A name that does not resolve here is pb's to judge."""
    if host in REFUSED_HOST_ADDRESSES:
        return host
    try:
        addresses = resolve(host)
    except (socket.error, UnicodeError, ValueError):
        return None
    for address in addresses:
        if address in REFUSED_HOST_ADDRESSES:
            return address
    return None


def refused_host_advice(resolve=_ipv4_addresses, hostname=socket.gethostname):
    """What to use instead of a host pb refuses: 127.0.0.2, or this machine's name when it
    resolves to an address pb accepts (Debian maps it to 127.0.1.1)."""
    advice = ("pb refuses warehouse hosts that resolve to 127.0.0.1 or 0.0.0.0. For a server on "
              "this machine use 127.0.0.2 (any 127.x.y.z address reaches this machine; the server "
              "must listen on it, e.g. PostgreSQL's listen_addresses = '127.0.0.2')")
    try:
        name = hostname()
    except (socket.error, UnicodeError, ValueError):
        name = None
    if name and not refused_address(name, resolve):
        try:
            address = resolve(name)[0]
        except (socket.error, UnicodeError, ValueError, IndexError):
            address = None
        if address:
            advice += " or this machine's name %s (it resolves to %s)" % (name, address)
    return advice + "."


def check_output_host(output, resolve=_ipv4_addresses, hostname=socket.gethostname):
    """None if pb will accept the host of a siteconfig ``output`` (a mapping as pb writes it),
    else a message saying what to change."""
    host = output.get("host")
    if not refuses_local_host(output.get("type")) or not isinstance(host, str) or not host:
        return None
    address = refused_address(host, resolve)
    if not address:
        return None
    shown = host if host == address else "%s (it resolves to %s here)" % (host, address)
    return "host: pb cannot connect to %s: %s" % (shown, refused_host_advice(resolve, hostname))


def pb_version(pb, timeout=DEFAULT_TIMEOUT, env=None):
    """Return (version, native schema version) as printed by ``pb version``."""
    return parse_version(check_pb(pb, ["version"], timeout=timeout, env=env).stdout)


# Blanks only, not newlines: an empty value must not capture the next line.
_VERSION_LINE = re.compile(r"version of pb:[ \t]*v?(\S+)")
_SCHEMA_LINE = re.compile(r"Native schema version:[ \t]*(\d+)")


def read_version(out):
    """``{"version": "0.26.4", "native_schema_version": 99}`` from ``pb version`` output; a
    value that is not there is ``""`` / None (the caller says what that means)."""
    version = _VERSION_LINE.search(out or "")
    schema = _SCHEMA_LINE.search(out or "")
    return {"version": version.group(1) if version else "",
            "native_schema_version": int(schema.group(1)) if schema else None}


def parse_version(out):
    """(version, native schema version) from ``pb version`` output."""
    found = read_version(out)
    if not found["version"] or found["native_schema_version"] is None:
        raise PbError("cannot read the version from `pb version` output:\n%s" % out.strip())
    return found["version"], found["native_schema_version"]


def _text(data):
    if data is None:
        return ""
    return data.decode("utf-8", "replace")
