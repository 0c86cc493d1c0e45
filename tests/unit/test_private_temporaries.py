"""Check-mode migrate and lint of profiles_project run pb on a copy of the project: the copy, and
the working directory of every pb call, are private (0700) and removed afterwards. A stand-in pb
(a shell script) records where it ran; the real pb runs the same path in the integration tests,
which check that the temporary directory is empty afterwards."""
import os
import tempfile

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import project

FAKE_PB = """#!/bin/sh
echo "$* | cwd $(stat -c %a "$PWD")" >> "{log}"
case "$1" in
  version) printf 'Current version of pb: v0.26.4\\nNative schema version: 99\\n' ;;
  show) dir=""; prev=""; for a in "$@"; do [ "$prev" = "-p" ] && dir="$a"; prev="$a"; done
        echo "copy $dir root $(stat -c %a "$(dirname "$dir")")" >> "{log}"; echo "models ok" ;;
esac
"""
SITECONFIG = "connections:\n    mine:\n        target: dev\n        outputs:\n            dev:\n                type: postgres\n"


def test_check_mode_copies_and_workdirs_are_private_and_removed(tmp_path, monkeypatch):
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    log = tmp_path / "pb.calls"
    pb = tmp_path / "pb"
    pb.write_text(FAKE_PB.format(log=log))
    os.chmod(str(pb), 0o755)
    site = tmp_path / "siteconfig.yaml"
    site.write_text(SITECONFIG)
    proj = tmp_path / "proj"
    (proj / "models").mkdir(parents=True)
    (proj / "pb_project.yaml").write_text("name: p\nschema_version: 99\nconnection: mine\n")
    (proj / "models" / "inputs.yaml").write_text("inputs: []\n")
    before = sorted(os.listdir(str(proj)))

    task = project.ProjectTask(str(proj), "mine", str(site), {"name": "renamed"}, migrate=True, lint=True,
                               find_pb=lambda: str(pb), check_mode=True)
    result = task.run()

    assert result["changed"] and "renamed" == result["settings"]["name"]
    calls = log.read_text().splitlines()
    assert calls and all(line.endswith("cwd 700") for line in calls if "| cwd" in line), calls
    copies = [line for line in calls if line.startswith("copy ")]
    assert copies and copies[0].endswith("root 700") and copies[0].split()[1].startswith(str(private_tmp)), copies
    assert os.listdir(str(private_tmp)) == []                    # every copy and workdir removed
    assert sorted(os.listdir(str(proj))) == before and "renamed" not in (proj / "pb_project.yaml").read_text()
