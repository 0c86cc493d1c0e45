"""A CI job on a fresh runner against the same job with ~/.pyenv restored from the CI cache.

Two jobs as docs/ci/README.md describes them, each in a NEW container (devtools/ci_job.py: the
molecule bookworm image, a non-root ``runner`` with passwordless sudo, the repository cloned,
``playbooks/onboard.yml`` through docs/ci/inventory.ci.yml with the connection from environment
variables, ``pb validate access`` against a local PostgreSQL):

- **cold**: nothing cached. sudo apt installs CPython's build dependencies, pyenv is cloned, CPython
  is compiled for real (pyenv's default flags, --disable-test-modules) and pb is installed with
  pip into a new, empty pip cache (pb's 150 MB wheel and its dependencies downloaded), then
  ``~/.pyenv`` is archived (tar), as actions/cache saves it;
- **warm**: the archive is unpacked into the new runner's home first, as actions/cache restores it.

What differs from a real runner: pyenv and pyenv-virtualenv come from local git mirrors and the
CPython source from the local tarball (scripts/build_images.sh), not from GitHub and python.org;
Ansible is preinstalled (this machine's tool venv), so its install (the same in both jobs on a
real runner) is in neither time; the Debian packages come from a cache on this machine.

Prints the seconds of each job (checkout to pb's answer, the archive's save and restore
included) and warm/cold (target: at most 0.2).

Run by hand from the repository root (about 10 minutes on 2 cores; under the heavy lock):

    flock /work/heavy.lock .venv/bin/python -m bench.ci_cache [--warm-pip] [--cflags '-O1 -g0']
"""
import argparse
import os
import shutil
import tempfile

from devtools import ci_job, local_postgres


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--warm-pip", action="store_true",
                        help="use the fleet scenario's shared pip cache in the cold job instead of an empty one")
    parser.add_argument("--cflags", default="", help="PYTHON_CFLAGS for the CPython build (default: pyenv's)")
    args = parser.parse_args()

    datadir = tempfile.mkdtemp(prefix="bench-ci-pg-")
    pip_cache = ci_job.PIP_CACHE if args.warm_pip else tempfile.mkdtemp(prefix="bench-ci-pip-", dir="/var/tmp")
    if not args.warm_pip:
        os.chown(pip_cache, 1000, 1000)
    workdir = None
    try:
        warehouse = ci_job.seed_warehouse(local_postgres.start(datadir))
        build_env = {"PYTHON_CFLAGS": args.cflags} if args.cflags else None
        workdir, cold, warm = ci_job.run_pair(warehouse, simulate_build=False, pip_cache=pip_cache, build_env=build_env)
        if cold["rc"] != 0 or warm is None or warm["rc"] != 0:
            failed = cold if cold["rc"] != 0 else warm
            raise SystemExit("a job failed:\n" + (failed["log"][-6000:] if failed else ""))
        built = [n for n in ci_job.changed_tasks(cold["ansible"]) if n.startswith("Build from source")]
        rebuilt = [n for n in ci_job.changed_tasks(warm["ansible"]) if n.startswith("Build from source")]
        archive = os.path.getsize(os.path.join(workdir, "cache.tar")) / 1e6
        print("| job | seconds | CPython built | pb validate access |")
        print("|---|---:|---|---|")
        for label, job, b in (("cold", cold, built), ("warm (cache restored)", warm, rebuilt)):
            print("| %s | %.1f | %s | %s |" % (label, job["seconds"], "yes" if b else "no",
                                               "ok" if job["rc"] == 0 else "FAILED"))
        print("cache archive (~/.pyenv): %.0f MB; pip cache in the cold job: %s"
              % (archive, "shared, warm" if args.warm_pip else "empty"))
        print("warm/cold: %.2f (target at most 0.20)" % (warm["seconds"] / cold["seconds"]))
    finally:
        local_postgres.stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)
        if not args.warm_pip:
            shutil.rmtree(pip_cache, ignore_errors=True)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
