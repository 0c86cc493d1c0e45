"""uv against pip for the profiles_cli role's first run: 1 and 4 workstations, same run.

Each workstation is a fresh virtualenv (this machine's Python) and a fresh home, run by the real
profiles_cli role through ansible-playbook (one local host per workstation, all in parallel, as
a fleet's forks run them), installing the role's defaults (pb at its pin and pycorelib) with
`profiles_cli_installer: pip` and then `uv`. The workstations of one size and installer share one
cache directory (profiles_pip_settings.cache_dir, as the fleet scenario shares one; uv's is its
`uv` subdirectory, on the same file system as the virtualenvs, so uv hard-links from it): the
"cold" wave starts from an empty cache, then a "warm" wave of as many fresh workstations (new
virtualenvs and homes) runs on the cache the cold wave filled, as a fleet's next batch would.
The CPython build is not part of this (the pyenv role's cost is the same for both installers).

Every install writes about a gigabyte (pb's packages unpacked), and on a machine whose page cache
is full the kernel's reclaim adds to it: here three cold uv installs in a row took 3.4, 6.5 and
9.8 s (system time 1.9, 8.9, 15.3 s), and 3.6-4.0 s each after dropping the page cache. So before
each timed run the bench flushes the file systems and, as root, drops the page cache (as on a
workstation that has not just installed a gigabyte), then creates the workstations' virtualenvs
(as the pyenv role does just before this role, so their pip is in the page cache), runs
``--pairs`` (3) alternating pip/uv pairs on fresh workstations and caches, and prints medians,
with each pair's uv/pip ratio.

Prints per size and installer: the whole role run (s), the install step (the slowest
workstation's installer tasks: for uv the profiles_uv module run, which gets uv ready (its
install and pip's configuration read, shown apart as "uv setup", as the module times it), then
installs the packages and checks the virtualenv (`uv pip check`), plus choosing pip where uv
cannot; for pip its install and `pip check`), the installer's share of the run, and uv/pip
ratios (targets: install step at most 0.2 of pip's, whole run at most 0.6 of pip's).

Run by hand from the repository root (about 20 minutes with 3 pairs; network to the package index):

    .venv/bin/python -m bench.cli_installers [--sizes 1,4] [--pairs 3]
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
# The installer's tasks: the package install (uv's includes getting uv ready and its check),
# for uv choosing pip where uv cannot, for pip its check.
INSTALL_TASKS = ("Install the packages with", "Install with pip where uv cannot",
                 "Check that the virtualenv's requirements are consistent")


def _stamp(text):
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")


def settle():
    """Flush the file systems and, where allowed (root), drop the page cache."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError:
        pass


def run(size, installer, workdir, collections, wave):
    root = os.path.join(workdir, installer, wave)
    hosts = {}
    for i in range(size):
        ws = os.path.join(root, "ws%d" % i)
        os.makedirs(os.path.join(ws, "home"))
        hosts["ws%d" % i] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                             "profiles_cli_user_home": os.path.join(ws, "home"),
                             "profiles_cli_virtualenv": os.path.join(ws, "venv")}
    inventory = os.path.join(root, "inventory.json")
    with open(inventory, "w") as f:
        json.dump({"all": {"hosts": hosts}}, f)
    play = os.path.join(root, "play.yml")
    with open(play, "w") as f:
        play_vars = {"profiles_cli_installer": installer, "profiles_cli_shell_init": False,
                     "profiles_cli_user": os.environ.get("USER") or "root",
                     "profiles_pip_settings": {"cache_dir": os.path.join(os.path.dirname(root), "cache"),
                                               "ca_bundle": "/etc/ssl/certs/ca-certificates.crt"}}
        json.dump([{"hosts": "all", "gather_facts": False, "vars": play_vars,
                    "roles": ["rudderstack.profiles.profiles_cli"]}], f)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_FORKS=str(max(size, 5)), PATH=BIN + os.pathsep + os.environ["PATH"])
    settle()
    # After the page cache is dropped, as the pyenv role creates them just before this role.
    for host in hosts.values():
        subprocess.run([sys.executable, "-m", "venv", host["profiles_cli_virtualenv"]], check=True)
    start = time.time()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, play],
                          env=env, capture_output=True, text=True, check=False)
    total = time.time() - start
    report = json.loads(proc.stdout)
    if proc.returncode:
        raise SystemExit("%s x%d failed: %s" % (installer, size, proc.stdout[-3000:]))
    install = setup = 0.0
    for host in hosts:
        spent = uv_setup = 0.0
        for task in report["plays"][0]["tasks"]:
            if host in task["hosts"] and any(m in task["task"]["name"] for m in INSTALL_TASKS):
                d = task["task"]["duration"]
                spent += (_stamp(d["end"]) - _stamp(d["start"])).total_seconds()
                uv_setup += task["hosts"][host].get("durations", {}).get("setup", 0.0)
        if spent > install:
            install, setup = spent, uv_setup
    return total, install, setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-installers-")
    collections = os.path.join(workdir, "collections")
    os.makedirs(os.path.join(collections, "ansible_collections", "rudderstack"))
    os.symlink(REPO, os.path.join(collections, "ansible_collections", "rudderstack", "profiles"))
    # (size, wave) -> installer -> [(total, install, setup) per pair]
    got = {}
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            for pair in range(args.pairs):
                pair_dir = os.path.join(workdir, "%d-%d" % (size, pair))
                for wave in ("cold", "warm"):
                    for installer in ("pip", "uv"):
                        got.setdefault((size, wave), {}).setdefault(installer, []).append(
                            run(size, installer, pair_dir, collections, wave))
                shutil.rmtree(pair_dir)  # about 1 GB per pip virtualenv
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("| workstations | caches | installer | role run s | install step s | of which uv setup s | install share"
          " | uv/pip install | uv/pip run | uv/pip install per pair |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (size, wave), runs in got.items():
        pip = [statistics.median(column) for column in zip(*runs["pip"])]
        pairs = " ".join("%.2f" % (u[1] / p[1]) for p, u in zip(runs["pip"], runs["uv"]))
        for installer in ("pip", "uv"):
            total, install, setup = [statistics.median(column) for column in zip(*runs[installer])]
            ratio = ("%.2f" % (install / pip[1]), "%.2f" % (total / pip[0]), pairs) if installer == "uv" else ("", "", "")
            print("| %d | %s | %s | %.1f | %.1f | %.1f | %.2f | %s | %s | %s |"
                  % ((size, wave, installer, total, install, setup, install / total) + ratio))


if __name__ == "__main__":
    main()
