"""Start and stop a throwaway PostgreSQL server for tests and the local onboarding run.

The server runs as the ``postgres`` OS user (pg_ctl refuses root) from a private data
directory, with its socket in that directory, listening on 127.0.0.2 because pb rejects
hosts that resolve to 127.0.0.1. The superuser ``postgres`` gets a password so that every
client (psycopg2, pb, ansible modules) connects the same way: TCP + scram-sha-256.

The password is random, made when the cluster is created and kept in ``DIR/superuser.password``
(mode 0600, owned by whoever ran ``start``); ``DIR/connection.json`` repeats it and is 0600 too.
It is never a word such as ``postgres``: Ansible masks every occurrence of a secret's value in
its output, and a password equal to the user name turned messages into ``cannot connect to the
******** warehouse``.

Usage:
    python -m devtools.local_postgres start DIR [--port N] [--host 127.0.0.2]   # prints JSON connection info
    python -m devtools.local_postgres stop DIR
"""
import argparse
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys

from devtools.collection_path import load_plain

# pb's rules for hosts live with the collection's pb runner (plain Python, no Ansible imports).
pb_cli = load_plain("pb/cli.py")

DEFAULT_HOST = "127.0.0.2"
PASSWORD_FILE = "superuser.password"
INFO_FILE = "connection.json"


def _bindir():
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    sys.exit("PostgreSQL server binaries not found (apt-get install postgresql)")


def _as_postgres(argv, **kwargs):
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
        # From a directory the postgres user may enter (not root's home, say).
        kwargs.setdefault("cwd", "/")
    return subprocess.run(argv, check=True, **kwargs)


def free_port(host=DEFAULT_HOST):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _write_private(path, text):
    """Write ``text`` to ``path``, readable by its owner only from the first byte on."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)  # an older file with a wider mode
    os.replace(tmp, path)


def new_password():
    """A random password: 32 URL-safe characters, no word Ansible's masking could hit."""
    return secrets.token_urlsafe(24)


def _set_password(bindir, datadir, port, password):
    """Give the superuser ``password`` over the cluster's own socket (trusted locally)."""
    sql = "ALTER ROLE postgres PASSWORD '%s'" % password.replace("'", "''")
    _as_postgres([os.path.join(bindir, "psql"), "-X", "-q", "-h", datadir, "-p", str(port),
                  "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                 stdout=subprocess.DEVNULL)


def _initdb(bindir, datadir, pgdata, password):
    # The password reaches initdb through a file the postgres user can read for an instant,
    # inside a directory only it and root can enter.
    tmpdir = os.path.join(datadir, "initdb-pw")
    os.mkdir(tmpdir, 0o700)
    pwfile = os.path.join(tmpdir, "pw")
    try:
        with open(pwfile, "w") as f:
            f.write(password + "\n")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(tmpdir, pw.pw_uid, pw.pw_gid)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        os.chmod(pwfile, 0o600)
        _as_postgres([os.path.join(bindir, "initdb"), "-D", pgdata, "-U", "postgres",
                      "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                      "-E", "UTF8", "--locale=C.UTF-8"], stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def start(datadir, port=None, host=DEFAULT_HOST):
    """Create (if needed) and start a cluster in ``datadir``; return connection info."""
    if pb_cli.refused_address(host):
        raise ValueError("--host %s: %s" % (host, pb_cli.refused_host_advice()))
    bindir = _bindir()
    datadir = os.path.abspath(datadir)
    info_path = os.path.join(datadir, INFO_FILE)
    password_path = os.path.join(datadir, PASSWORD_FILE)
    pgdata = os.path.join(datadir, "pgdata")
    if os.path.exists(info_path):
        with open(info_path) as f:
            saved = json.load(f)
        # A known cluster keeps its address and port, so settings written from it stay valid.
        host, port = saved["host"], port or saved["port"]
    os.makedirs(datadir, exist_ok=True)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(datadir, pw.pw_uid, pw.pw_gid)
    os.chmod(datadir, 0o755)
    password = None
    if os.path.exists(password_path):
        with open(password_path) as f:
            password = f.read().strip() or None
    if not os.path.exists(os.path.join(pgdata, "PG_VERSION")):
        password = new_password()
        _initdb(bindir, datadir, pgdata, password)
        _write_private(password_path, password + "\n")
    port = port or free_port(host)
    if not os.path.exists(os.path.join(pgdata, "postmaster.pid")):
        opts = "-c listen_addresses=%s -c port=%d -c unix_socket_directories=%s -c fsync=off" % (
            host, port, datadir)
        _as_postgres([os.path.join(bindir, "pg_ctl"), "-D", pgdata, "-l",
                      os.path.join(datadir, "server.log"), "-o", opts, "-w", "-t", "60", "start"],
                     stdout=subprocess.DEVNULL)
    if not password:
        # A cluster made before passwords were random (its superuser password was the word
        # "postgres"): give it a random one now.
        password = new_password()
        _set_password(bindir, datadir, port, password)
        _write_private(password_path, password + "\n")
    info = {"host": host, "port": port, "user": "postgres", "password": password,
            "dbname": "postgres", "socket_dir": datadir}
    _write_private(info_path, json.dumps(info))
    return info


def stop(datadir):
    pgdata = os.path.join(os.path.abspath(datadir), "pgdata")
    if os.path.exists(os.path.join(pgdata, "postmaster.pid")):
        _as_postgres([os.path.join(_bindir(), "pg_ctl"), "-D", pgdata, "-m", "immediate",
                      "-w", "stop"], stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("datadir")
    parser.add_argument("--port", type=int)
    parser.add_argument("--host", default=DEFAULT_HOST)
    args = parser.parse_args()
    if args.action == "start":
        try:
            print(json.dumps(start(args.datadir, args.port, args.host)))
        except ValueError as exc:
            sys.exit("devtools.local_postgres: %s" % exc)
    else:
        stop(args.datadir)


if __name__ == "__main__":
    main()
