"""Start and stop a throwaway PostgreSQL server for tests and the local onboarding run.

The server runs as the ``postgres`` OS user (pg_ctl refuses root) from a private data
directory, with its socket in that directory, listening on 127.0.0.2 because pb rejects
hosts that resolve to 127.0.0.1. The superuser ``postgres`` gets a password so that every
client (psycopg2, pb, ansible modules) connects the same way: TCP + scram-sha-256.

Usage:
    local_postgres.py start DIR [--port N] [--host 127.0.0.2]   # prints JSON connection info
    local_postgres.py stop DIR
"""
import argparse
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys

SUPERUSER_PASSWORD = "postgres"  # throwaway local cluster only
DEFAULT_HOST = "127.0.0.2"


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
    return subprocess.run(argv, check=True, **kwargs)


def free_port(host=DEFAULT_HOST):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start(datadir, port=None, host=DEFAULT_HOST):
    """Create (if needed) and start a cluster in ``datadir``; return connection info."""
    bindir = _bindir()
    datadir = os.path.abspath(datadir)
    info_path = os.path.join(datadir, "connection.json")
    pgdata = os.path.join(datadir, "pgdata")
    saved = None
    if os.path.exists(info_path):
        with open(info_path) as f:
            saved = json.load(f)
        if os.path.exists(os.path.join(pgdata, "postmaster.pid")):
            return saved
        # Restarting a known cluster: keep its port so settings written from it stay valid.
        port = port or saved["port"]
    os.makedirs(datadir, exist_ok=True)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(datadir, pw.pw_uid, pw.pw_gid)
    os.chmod(datadir, 0o755)
    if not os.path.exists(os.path.join(pgdata, "PG_VERSION")):
        pwfile = os.path.join(datadir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(SUPERUSER_PASSWORD + "\n")
        os.chmod(pwfile, 0o644)
        _as_postgres([os.path.join(bindir, "initdb"), "-D", pgdata, "-U", "postgres",
                      "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                      "-E", "UTF8", "--locale=C.UTF-8"], stdout=subprocess.DEVNULL)
        os.unlink(pwfile)
    port = port or free_port(host)
    opts = "-c listen_addresses=%s -c port=%d -c unix_socket_directories=%s -c fsync=off" % (
        host, port, datadir)
    _as_postgres([os.path.join(bindir, "pg_ctl"), "-D", pgdata, "-l",
                  os.path.join(datadir, "server.log"), "-o", opts, "-w", "-t", "60", "start"],
                 stdout=subprocess.DEVNULL)
    info = {"host": host, "port": port, "user": "postgres", "password": SUPERUSER_PASSWORD,
            "dbname": "postgres", "socket_dir": datadir}
    with open(info_path, "w") as f:
        json.dump(info, f)
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
        print(json.dumps(start(args.datadir, args.port, args.host)))
    else:
        stop(args.datadir)


if __name__ == "__main__":
    main()
