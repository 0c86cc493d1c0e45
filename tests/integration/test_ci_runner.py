"""A CI job, as the shipped definitions run it (docs/ci/README.md), twice, each in a NEW container:

the first job on a fresh runner (non-root ``runner`` with passwordless sudo, the repository cloned,
the connection and its password from ``PROFILES_*`` environment variables through
docs/ci/inventory.ci.yml) onboards it with ``playbooks/onboard.yml`` and runs ``pb validate access``
against the real local PostgreSQL, then saves ``~/.pyenv`` to a cache archive; the second job
restores that archive first, as actions/cache does, and must neither install OS packages nor
build CPython nor install pb again, and pb must work.

The CPython "build" of the first job is python-build running a definition that links Debian's
3.11.2 (devtools/ci_job.py, as the macos scenario does), so the test costs about three minutes;
bench/ci_cache.py runs the same two jobs with a real CPython build and prints the warm/cold ratio.
"""
import os
import shutil
import subprocess

import pytest

from devtools import ci_job

pytestmark = pytest.mark.skipif(
    not shutil.which("podman") or subprocess.run(["podman", "image", "exists", ci_job.IMAGE], check=False).returncode != 0
    or not os.path.isdir(ci_job.MIRRORS),
    reason="podman, the image %s or the mirrors are missing (scripts/build_images.sh)" % ci_job.IMAGE)


@pytest.fixture
def warehouse(pg):
    return ci_job.seed_warehouse(pg)


def by_name(results, prefix):
    return [host for name, host in results if name.startswith(prefix)]


def test_a_ci_job_onboards_a_fresh_runner_and_a_restored_one_skips_the_build(warehouse):
    workdir, first, second = ci_job.run_pair(warehouse, simulate_build=True)
    try:
        assert first["rc"] == 0, first["log"][-6000:]
        cold = ci_job.task_results(first["ansible"])
        # The cold job: sudo apt for the build dependencies, pyenv cloned, Python "built", pb installed.
        [apt] = by_name(cold, "Install build dependencies (apt")
        assert apt.get("changed"), apt
        assert any(h.get("changed") for h in by_name(cold, "Build from source")), [pair[0] for pair in cold]
        assert any(h.get("changed") for h in by_name(cold, "Install the packages with")), [pair[0] for pair in cold]
        assert "All required access are available" in first["validate"], first["validate"]
        # The secret came from the environment and went only into the siteconfig, not into the log.
        assert warehouse["password"] not in first["log"]

        assert second is not None and second["rc"] == 0, second and second["log"][-6000:]
        print("ci job: first %.1f s, restored %.1f s, ratio %.2f (simulated build; bench.ci_cache builds for real)"
              % (first["seconds"], second["seconds"], second["seconds"] / first["seconds"]))
        warm = ci_job.task_results(second["ansible"])
        names = [pair[0] for pair in warm]
        # The restored job: no package manager, no python-build, no pip install; pb validates.
        for prefix in ("Install build dependencies", "Build from source", "Install the packages with"):
            assert not any(h.get("changed") for h in by_name(warm, prefix)), (prefix, names)
        assert all(h.get("skipped") for h in by_name(warm, "Install build dependencies")), names
        # ~/.pyenv/versions/3.11.2 (the Python and, in envs/, the virtualenv with pb) is the
        # archive's, file for file: sizes and times (whole seconds, what tar keeps). Compared as
        # sets: pytest's diff of two long texts would take minutes.

        def manifest(job):
            return {line.rsplit(".", 1)[0] for line in job["manifest"].splitlines()}
        assert len(manifest(first)) > 1000, first["manifest"][:2000]
        changed = sorted(manifest(first) ^ manifest(second))
        assert changed == [], changed[:20]
        assert "All required access are available" in second["validate"], second["validate"]
    finally:
        if os.environ.get("CI_JOB_KEEP"):
            print("kept", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
