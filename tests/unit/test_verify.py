"""The verify stage's logic (plugins/module_utils/pb/verify.py) with stand-in pb scripts that record
how they were called; the real pb is exercised by the fleet molecule scenario."""
import os
import stat

import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import verify

# validate access must not write pb's debug dumps into the project (it only reads).
NO_DUMPS = " ".join(pb_cli.NO_DUMP_FLAGS)


def fake_pb(tmp_path, body):
    path = str(tmp_path / "pb")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho \"$@\" >> %s/calls\n%s\n" % (tmp_path, body))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def calls(tmp_path):
    with open(str(tmp_path / "calls")) as f:
        return f.read().splitlines()


def test_checks_run_in_the_guides_order_with_project_siteconfig_and_target(tmp_path):
    pb = fake_pb(tmp_path, "exit 0")
    result = verify.verify(pb, "/p", "/s.yaml", ["run", "validate_access", "compile"], target="dev")
    assert calls(tmp_path) == [
        "validate access %s -p /p -c /s.yaml -t dev" % NO_DUMPS,
        "compile -p /p -c /s.yaml -t dev",
        "run -p /p -c /s.yaml -t dev",
    ]
    assert [c["check"] for c in result["checks"]] == ["validate_access", "compile", "run"]
    assert all(c["rc"] == 0 for c in result["checks"])
    assert result["changed"] is True


def test_validate_access_alone_changes_nothing(tmp_path):
    pb = fake_pb(tmp_path, "exit 0")
    result = verify.verify(pb, "/p", "/s.yaml", ["validate_access"])
    assert result["changed"] is False
    assert calls(tmp_path) == ["validate access %s -p /p -c /s.yaml" % NO_DUMPS]


def test_check_mode_runs_only_the_read_only_check(tmp_path):
    pb = fake_pb(tmp_path, "exit 0")
    result = verify.verify(pb, "/p", "/s.yaml", ["validate_access", "compile", "run"], check_mode=True)
    assert calls(tmp_path) == ["validate access %s -p /p -c /s.yaml" % NO_DUMPS]
    assert [c.get("skipped", False) for c in result["checks"]] == [False, True, True]
    assert result["changed"] is True


def test_first_failure_stops_with_pbs_message_and_exit_code(tmp_path):
    pb = fake_pb(tmp_path, 'case "$1" in compile) echo "Error: schema rs_profiles does not exist" >&2; exit 6;; esac')
    with pytest.raises(verify.VerifyError) as err:
        verify.verify(pb, "/p", "/s.yaml", ["validate_access", "compile", "run"])
    assert "`pb compile` failed (exit code 6: connection error" in err.value.message
    assert "schema rs_profiles does not exist" in err.value.message
    assert [c["check"] for c in err.value.results] == ["validate_access", "compile"]
    assert len(calls(tmp_path)) == 2  # run was not attempted


def test_a_hanging_pb_is_killed_at_the_timeout(tmp_path):
    pb = fake_pb(tmp_path, "sleep 30")
    with pytest.raises(verify.VerifyError) as err:
        verify.verify(pb, "/p", "/s.yaml", ["validate_access"], timeout=1)
    assert "did not finish within 1 s (timeout)" in err.value.message
    assert err.value.results[0]["timed_out"] is True


def test_unknown_check_is_refused():
    with pytest.raises(ValueError, match="unknown checks deploy"):
        verify.verify("/bin/true", "/p", "/s.yaml", ["deploy"])


def test_runs_with_the_pb_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("SF_DISABLE_MINICORE", raising=False)
    pb = fake_pb(tmp_path, '[ "$SF_DISABLE_MINICORE" = true ] || exit 2')
    assert verify.verify(pb, "/p", "/s.yaml", ["validate_access"], runner=pb_cli.run_pb)["checks"][0]["rc"] == 0
