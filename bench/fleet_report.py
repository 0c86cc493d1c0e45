"""Benchmark: the fleet report (plugins/module_utils/report) from 10, 100 and 1,000 synthetic
workstations (tests/helpers/fleet_records.py: every status and kind of drift) and a tenth as many
principals. Prints the time to judge and render all three files and the size of each, against
the targets (under 2 s and under 2 MB of HTML at 1,000 hosts) as ratios.

Run by hand from the repository root:  .venv/bin/python -m bench.fleet_report
(BENCH_SIZES="10 100" for fewer; BENCH_KEEP=DIR keeps the 1,000-host report there.)
"""
import os
import sys
import tempfile
import time

from devtools.collection_path import make_importable

make_importable()
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import build_report  # noqa: E402
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.writer import write_report  # noqa: E402
from tests.helpers import fleet_records  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10 100 1000").split()]
TARGET_SECONDS, TARGET_HTML = 2.0, 2 * 1024 * 1024
REPEAT = 3


def main():
    print("| hosts | principals | seconds (best of %d) | ratio to 2 s | HTML KiB | ratio to 2 MiB | JSON KiB | JUnit KiB |"
          % REPEAT)
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in SIZES:
        workstations, principals = fleet_records.fleet(n)
        best = None
        dest = os.environ.get("BENCH_KEEP") if n == max(SIZES) and os.environ.get("BENCH_KEEP") else tempfile.mkdtemp(prefix="fleet-report-")
        for _round in range(REPEAT):
            start = time.perf_counter()
            report = build_report(workstations, principals, "2026-12-06T12:00:00+00:00", pb_pin=fleet_records.PIN)
            paths = write_report(report, dest)
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        sizes = dict((fmt, os.path.getsize(path)) for fmt, path in paths.items())
        print("| %d | %d | %.3f | %.2f | %.0f | %.2f | %.0f | %.0f |" % (
            n, len(principals), best, best / TARGET_SECONDS, sizes["html"] / 1024.0, sizes["html"] / float(TARGET_HTML),
            sizes["json"] / 1024.0, sizes["junit"] / 1024.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
