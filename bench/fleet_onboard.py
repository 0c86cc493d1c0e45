"""How playbooks/onboard.yml scales over a fleet: 1, 2 and 4 workstations from bare containers,
then a rerun of the converged fleet, with the slowest tasks (profile_tasks) of each run.

Each size gets fresh Debian containers (the molecule images from scripts/build_images.sh, host
network, the local pyenv/CPython mirrors mounted as in the fleet scenario, and a pip cache shared by
the containers), one analyst per container with a different name, and one local PostgreSQL
warehouse on 127.0.0.2 for the admin play. The whole `ansible-playbook` run is timed. CPython is
built as in the fleet scenario (-O1 -g0, without its test modules), once per size and shared with
the other workstations (pyenv_python_share_dir, fresh for each size), or by every workstation
with --no-share.

Transport: by default SSH with pipelining into an sshd in each container (on a loopback port), as
a fleet is reached; --transport podman uses `podman exec`, which costs several processes per task
and no pipelining (measured both ways in bench/README.md).

Prints ratios: first run of N workstations / first run of 1 (target for 4: at most 1.5), and
rerun / first run (target: at most 0.10, and a rerun under 12 s).

Run by hand from the repository root, as root, after scripts/build_images.sh (takes 15-40 minutes):

    .venv/bin/python -m bench.fleet_onboard                       # this checkout
    .venv/bin/python -m bench.fleet_onboard --ref 72fd73b --sizes 1   # an older commit, for "before"

Options: --sizes 1,2,4   --ref GIT_REF (default: the working tree)   --suite bookworm
         --top 12 (slowest tasks shown)   --forks 10   --transport ssh|podman
         --no-share (every workstation builds CPython: no pyenv_python_share_dir)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from devtools import local_postgres, seed_sample_events
from devtools.role_defaults import role_default

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMAGE = os.environ.get("PROFILES_MOLECULE_IMAGE", "localhost/rudderstack-profiles-molecule")
MIRRORS = os.environ.get("PROFILES_MOLECULE_MIRRORS", "/var/cache/rudderstack-profiles/molecule-mirrors")
PIP_CACHE = os.environ.get("PROFILES_MOLECULE_PIP_CACHE", "/var/cache/rudderstack-profiles/pip-cache")
ANALYSTS = ["ana", "ben", "cy", "dee", "eve", "fay", "gus", "hal"]
PRINCIPAL_PASSWORD = "bench-principal-pw"


def sh(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def collection_tree(ref, workdir):
    """A collections path whose rudderstack.profiles is the working tree or REF."""
    root = os.path.join(workdir, "collections")
    ns = os.path.join(root, "ansible_collections", "rudderstack")
    os.makedirs(ns)
    target = os.path.join(ns, "profiles")
    if ref:
        os.makedirs(target)
        archive = subprocess.run(["git", "-C", REPO, "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    else:
        os.symlink(REPO, target)
    return root, target


def start_containers(names, suite):
    for name in names:
        subprocess.run(["podman", "rm", "-f", name], capture_output=True, check=False)
        sh(["podman", "run", "-d", "--name", name, "--network", "host",
            "-v", MIRRORS + ":/mirrors:ro", "-v", PIP_CACHE + ":/var/cache/pip",
            IMAGE + ":" + suite, "sleep", "infinity"])


def prepare_container(name, analyst, ssh_port=None, public_key=None, pip_conf=False):
    """A fresh laptop: the analyst (uid 1000, sudo), git trusting the mounted mirrors, and for the
    SSH transport an sshd on a loopback port that accepts the bench's key for root."""
    script = (
        "useradd -m -u 1000 -s /bin/bash {a} && "
        "echo '{a} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/{a} && chmod 0440 /etc/sudoers.d/{a} && "
        "git config --system --add safe.directory /mirrors/pyenv.git && "
        "git config --system --add safe.directory /mirrors/pyenv-virtualenv.git"
    ).format(a=analyst)
    if pip_conf:
        # Older refs (before profiles_pip_settings) gave the CA bundle to one pip call only; the
        # rest needed a pip.conf to get through this machine's TLS-intercepting egress.
        script += " && printf '[global]\\ncert = /etc/ssl/certs/ca-certificates.crt\\n' > /etc/pip.conf"
    if ssh_port:
        script += (
            " && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssh-server >/dev/null"
            " && mkdir -p /run/sshd /root/.ssh && chmod 700 /root/.ssh"
            " && printf '%s\\n' '{key}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys"
            " && /usr/sbin/sshd -o Port={port} -o ListenAddress=127.0.0.1 -o PasswordAuthentication=no"
        ).format(key=public_key.strip(), port=ssh_port)
    sh(["podman", "exec", name, "sh", "-c", script])


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def inventory(path, hosts, pg, ssh=None, share_dir=""):
    """``hosts``: [(container, analyst, ssh port or None)]; ``ssh``: the private key file;
    ``share_dir``: pyenv_python_share_dir (empty: every workstation builds its own Python)."""
    workstations = {}
    for name, analyst, port in hosts:
        host = {"ansible_python_interpreter": "/usr/bin/python3", "pyenv_user": analyst}
        if port:
            host.update(ansible_connection="ssh", ansible_host="127.0.0.1", ansible_port=port,
                        ansible_user="root", ansible_ssh_private_key_file=ssh,
                        ansible_ssh_common_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null")
        else:
            host["ansible_connection"] = "containers.podman.podman"
        workstations[name] = host
    connection = {"host": pg["host"], "port": pg["port"], "dbname": seed_sample_events.DBNAME,
                  "user": "rudderstack_admin", "password": PRINCIPAL_PASSWORD, "schema": "rs_profiles"}
    data = {"all": {"children": {
        "profiles_admin": {
            "hosts": {"localhost": {"ansible_connection": "local",
                                    "ansible_python_interpreter": sys.executable}},
            "vars": {
                "warehouse_grants_warehouse": "postgres",
                "warehouse_grants_login_host": pg["host"], "warehouse_grants_login_port": pg["port"],
                "warehouse_grants_login_user": pg["user"], "warehouse_grants_login_password": pg["password"],
                "warehouse_grants_login_db": seed_sample_events.DBNAME,
                "warehouse_grants_principal": "rudderstack_admin",
                "warehouse_grants_principal_password": PRINCIPAL_PASSWORD,
                "warehouse_grants_output_schema": "rs_profiles",
                "warehouse_grants_input_schemas": [{"name": "website_eventstream"},
                                                   {"name": "public", "tables": []}],
            }},
        "profiles_workstations": {
            "hosts": workstations,
            "vars": {
                "pyenv_git_url": "file:///mirrors/pyenv.git", "pyenv_version": "master",
                "pyenv_virtualenv_git_url": "file:///mirrors/pyenv-virtualenv.git",
                "pyenv_virtualenv_version": "v1.4.0", "pyenv_python_version": "3.11.2",
                "pyenv_python_build_cache_path": "/mirrors/python",
                "pyenv_python_build_env": {"_PYTHON_BUILD_FORCE_SKIP_XZ": "1", "PYTHON_CFLAGS": "-O1 -g0"},
                "pyenv_python_configure_opts": "--disable-test-modules",
                "pyenv_python_build_timeout": 5400,
                "pyenv_python_share_dir": share_dir,
                "pyenv_virtualenv_name": "profiles",
                "profiles_pip_settings": {"ca_bundle": "/etc/ssl/certs/ca-certificates.crt",
                                          "cache_dir": "/var/cache/pip"},
                "profiles_cli_pip_ca_bundle": "/etc/ssl/certs/ca-certificates.crt",  # older refs
                # This checkout's pin, also for the older refs a comparison runs.
                "profiles_cli_rudderstack_version": role_default("profiles_cli", "profiles_cli_rudderstack_version"),
                "profiles_cli_pycorelib": False,
                "profiles_connection_name": "bench_pg",
                "profiles_connection_warehouse": "postgres",
                "profiles_connection_settings": connection,
                "profiles_project_input_tables": {"rsIdentifies": "website_eventstream.identifies",
                                                  "rsTracks": "website_eventstream.tracks"},
            }},
    }}}
    with open(path, "w") as f:
        json.dump(data, f)


RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
BUILD_TASK = "Build from source"  # start of the CPython build task's name in roles/pyenv/tasks/python.yml
TASK_TIME = re.compile(r"^(.+?) -+ (\d+\.\d+)s$", re.M)


def run_playbook(collections, playbook, inv, forks, log):
    import ansible_collections  # the collections bundled with the ansible package (community.*, containers.podman)
    bundled = os.path.dirname(ansible_collections.__path__[0])
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections + os.pathsep + bundled,
               ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks", PROFILE_TASKS_TASK_OUTPUT_LIMIT="60",
               ANSIBLE_FORKS=str(forks), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="True",
               ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=120s")
    start = time.time()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                           "-i", inv, playbook], env=env, capture_output=True, text=True, check=False)
    elapsed = time.time() - start
    with open(log, "w") as f:
        f.write(proc.stdout + proc.stderr)
    recap = {m[0]: {"ok": int(m[1]), "changed": int(m[2]), "unreachable": int(m[3]), "failed": int(m[4])}
             for m in RECAP.findall(proc.stdout)}
    if proc.returncode != 0 or any(r["failed"] or r["unreachable"] for r in recap.values()):
        sys.exit("ansible-playbook failed (rc %d), see %s" % (proc.returncode, log))
    tasks = [(name.strip(), float(sec)) for name, sec in TASK_TIME.findall(proc.stdout.split("TASKS RECAP")[-1])]
    return elapsed, recap, tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4")
    parser.add_argument("--ref", default="")
    parser.add_argument("--suite", default="bookworm")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--transport", choices=["ssh", "podman"], default="ssh")
    parser.add_argument("--no-share", action="store_true",
                        help="every workstation builds its own CPython (no pyenv_python_share_dir)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    workdir = tempfile.mkdtemp(prefix="bench-fleet-")
    pgdir = tempfile.mkdtemp(prefix="bench-fleet-pg-", dir="/var/tmp")
    collections, tree = collection_tree(args.ref, workdir)
    playbook = os.path.join(tree, "playbooks", "onboard.yml")
    key = None
    public_key = None
    if args.transport == "ssh":
        key = os.path.join(workdir, "id_ed25519")
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        with open(key + ".pub") as f:
            public_key = f.read()
    pg = local_postgres.start(pgdir)
    seed_sample_events.seed(pg)
    label = args.ref or "working tree (%s)" % sh(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.strip()
    rows, profiles = [], {}
    try:
        for size in sizes:
            names = ["bench-fleet-%d" % i for i in range(size)]
            ports = [free_port() if args.transport == "ssh" else None for name in names]
            hosts = list(zip(names, ANALYSTS, ports))
            start_containers(names, args.suite)
            for name, analyst, port in hosts:
                prepare_container(name, analyst, port, public_key, pip_conf=bool(args.ref))
            inv = os.path.join(workdir, "inventory-%d.json" % size)
            inventory(inv, hosts, pg, key, "" if args.no_share else os.path.join(workdir, "pythons-%d" % size))
            first = run_playbook(collections, playbook, inv, args.forks, os.path.join(workdir, "first-%d.log" % size))
            rerun = run_playbook(collections, playbook, inv, args.forks, os.path.join(workdir, "rerun-%d.log" % size))
            changed = sum(r["changed"] for r in rerun[1].values())
            build = sum(sec for name, sec in first[2] if BUILD_TASK in name)
            rows.append((size, first[0], rerun[0], changed, build))
            profiles[size] = (first[2], rerun[2])
            for name in names:
                subprocess.run(["podman", "rm", "-f", name], capture_output=True, check=False)
            print("size %d: first %.1f s, rerun %.1f s (rerun changed=%d)" % (size, first[0], rerun[0], changed),
                  flush=True)
    finally:
        local_postgres.stop(pgdir)
        shutil.rmtree(pgdir, ignore_errors=True)

    print("\nonboard.yml over a fleet, collection: %s, Debian %s, forks %d, transport %s, %s\n"
          % (label, args.suite, args.forks, args.transport,
             "every workstation builds CPython" if args.no_share else "CPython built once and shared"))
    print_table(rows)
    for size in sorted(set(sizes)):
        for title, tasks in (("first run", profiles[size][0]), ("rerun", profiles[size][1])):
            print("\nslowest tasks, %d workstation(s), %s:\n" % (size, title))
            for name, sec in sorted(tasks, key=lambda t: -t[1])[:args.top]:
                print("    %7.2f s  %s" % (sec, name))
    print("\nlogs: %s" % workdir)


def print_table(rows):
    """rows: (workstations, first run s, rerun s, rerun changed, CPython build s); ratios are taken
    against a leading 1-workstation row. The CPython builds of all workstations share this machine's
    cores (a real fleet's laptops do not), so the first run is also shown without the build."""
    one = rows[0] if rows and rows[0][0] == 1 else None
    print("| workstations | first run s | first / first(1) | CPython build s | first without build s"
          " | without build / same for 1 | rerun s | rerun / first | rerun changed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, first, rerun, changed, build in rows:
        print("| %d | %.1f | %s | %.1f | %.1f | %s | %.1f | %.3f | %d |" % (
            size, first, "%.2f" % (first / one[1]) if one else "-", build, first - build,
            "%.2f" % ((first - build) / (one[1] - one[4])) if one else "-", rerun, rerun / first, changed))


if __name__ == "__main__":
    main()
