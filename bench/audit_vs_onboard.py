"""Benchmark: playbooks/audit.yml against a rerun of playbooks/onboard.yml on the same converged
workstation (target: the audit takes at most 1.5 times the rerun).

This host is the admin host and the one workstation (tests/helpers/local_onboard.py: a throwaway
home, a stand-in pyenv root and virtualenv with the real pb, a throwaway PostgreSQL on 127.0.0.2
with the sample events). It onboards once, then times ROUNDS reruns of onboard.yml and ROUNDS
audits, alternating, and prints the medians and their ratio. The fleet scenario's three containers
are not used here: their run belongs to molecule (docs/fleet.md).

Run by hand from the repository root:  PB_BIN=$PWD/.venv-pb/bin/pb .venv/bin/python -m bench.audit_vs_onboard
(BENCH_ROUNDS=3 by default.)
"""
import os
import pathlib
import shutil
import statistics
import sys
import tempfile

from devtools import local_postgres
from devtools.collection_path import make_importable

make_importable()
from tests.helpers.local_onboard import make_site, playbook  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET = 1.5


def main():
    pb_bin = os.environ.get("PB_BIN")
    if not pb_bin:
        print("set PB_BIN to the real pb (.venv-pb/bin/pb)")
        return 2
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-audit-"))
    datadir = tempfile.mkdtemp(prefix="bench-audit-pg-")
    collections = tmp / "collections" / "ansible_collections" / "rudderstack"
    collections.mkdir(parents=True)
    (collections / "profiles").symlink_to(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pg = local_postgres.start(datadir)
    try:
        (tmp / "site").mkdir()
        site = make_site(pg, tmp / "site", pb_bin)
        path = str(tmp / "collections")
        rc, _out = playbook(site, path, "onboard.yml")
        assert rc == 0, "the first onboard run failed"
        first = site["seconds"]
        reruns, audits = [], []
        for _round in range(ROUNDS):
            rc, _out = playbook(site, path, "onboard.yml")
            assert rc == 0, "an onboard rerun failed"
            reruns.append(site["seconds"])
            rc, _out = playbook(site, path, "audit.yml")
            assert rc == 0, "an audit failed"
            audits.append(site["seconds"])
        rerun, audit = statistics.median(reruns), statistics.median(audits)
        print()
        print("| run | seconds (median of %d) | ratio |" % ROUNDS)
        print("|---|---:|---:|")
        print("| onboard.yml, first run | %.1f | |" % first)
        print("| onboard.yml, rerun | %.1f | 1.00 |" % rerun)
        print("| audit.yml | %.1f | %.2f (target %.1f) |" % (audit, audit / rerun, TARGET))
    finally:
        local_postgres.stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)
        shutil.rmtree(str(tmp), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
