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

Prints per size and installer: the whole role run (s), the install step (the slowest
workstation's installer tasks: uv's own install and pip's configuration read, shown apart as
"uv setup", then the package install), the installer's share of the run, and uv/pip ratios (targets: install step at most 0.2 of pip's,
whole run at most 0.6 of pip's).

Run by hand from the repository root (about 10 minutes; network to the package index):

    .venv/bin/python -m bench.cli_installers [--sizes 1,4]
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
# uv's setup: the profiles_uv module run and working out uv's environment from what it read.
SETUP_TASKS = ("and get uv ready", "Choose the installer")
PACKAGE_TASKS = ("Install the packages with",)


def _stamp(text):
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")


def run(size, installer, workdir, collections, wave):
    root = os.path.join(workdir, "%s-%d" % (installer, size), wave)
    hosts = {}
    for i in range(size):
        ws = os.path.join(root, "ws%d" % i)
        os.makedirs(os.path.join(ws, "home"))
        subprocess.run([sys.executable, "-m", "venv", os.path.join(ws, "venv")], check=True)
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
    start = time.time()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, play],
                          env=env, capture_output=True, text=True, check=False)
    total = time.time() - start
    report = json.loads(proc.stdout)
    if proc.returncode:
        raise SystemExit("%s x%d failed: %s" % (installer, size, proc.stdout[-3000:]))
    install = setup = 0.0
    for host in hosts:
        spent = {"setup": 0.0, "packages": 0.0}
        for task in report["plays"][0]["tasks"]:
            name = task["task"]["name"]
            kind = "setup" if any(m in name for m in SETUP_TASKS) else "packages" if any(
                m in name for m in PACKAGE_TASKS) else None
            if kind and host in task["hosts"]:
                d = task["task"]["duration"]
                spent[kind] += (_stamp(d["end"]) - _stamp(d["start"])).total_seconds()
        if spent["setup"] + spent["packages"] > install:
            install, setup = spent["setup"] + spent["packages"], spent["setup"]
    return total, install, setup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-installers-")
    collections = os.path.join(workdir, "collections")
    os.makedirs(os.path.join(collections, "ansible_collections", "rudderstack"))
    os.symlink(REPO, os.path.join(collections, "ansible_collections", "rudderstack", "profiles"))
    rows = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            for wave in ("cold", "warm"):
                got = {}
                for installer in ("pip", "uv"):
                    got[installer] = run(size, installer, workdir, collections, wave)
                rows.append((size, wave, got))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("| workstations | caches | installer | role run s | install step s | of which uv setup s | install share"
          " | uv/pip install | uv/pip run |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for size, wave, got in rows:
        for installer in ("pip", "uv"):
            total, install, setup = got[installer]
            ratio = ("%.2f" % (install / got["pip"][1]), "%.2f" % (total / got["pip"][0])) if installer == "uv" else ("", "")
            print("| %d | %s | %s | %.1f | %.1f | %.1f | %.2f | %s | %s |"
                  % (size, wave, installer, total, install, setup, install / total, ratio[0], ratio[1]))


if __name__ == "__main__":
    main()
