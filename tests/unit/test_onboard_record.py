"""The onboard record (module_utils/report/record.py) and the workstation reader
(module_utils/report/audit.py) on throwaway files: how runs merge into the record, what counts as
a change, which stages a run's tags select, and what the reader keeps of a siteconfig and of the
shell startup files."""
import os

from ansible_collections.rudderstack.profiles.plugins.module_utils.report import audit, record

T1, T2, T3 = "2026-12-01T10:00:00+00:00", "2026-12-02T10:00:00+00:00", "2026-12-03T10:00:00+00:00"
FACTS = {"analyst": "ana", "pb_version": "0.26.4", "connection": "c", "target": "dev"}


def test_a_failure_keeps_the_last_success_and_a_success_keeps_the_last_failure():
    first = record.merge(None, FACTS, "success", "verify", T1)
    assert (first["status"], first["last_success"], first["last_failure"]) == ("success", T1, None)
    failed = record.merge(first, {"pb_version": ""}, "failed", "cli", T2, "Run pb version", "x" * 5000)
    assert failed["last_success"] == T1 and failed["pb_version"] == "0.26.4"      # empty keeps
    assert failed["last_failure"] == {"time": T2, "stage": "cli", "task": "Run pb version", "message": "x" * 1000}
    again = record.merge(failed, FACTS, "success", "verify", T3)
    assert again["status"] == "success" and again["last_success"] == T3 and again["last_failure"]["stage"] == "cli"
    assert set(again) <= set(record.FIELDS)


def test_only_a_new_fact_is_a_change_not_the_run_times():
    first = record.merge(None, FACTS, "success", "verify", T1)
    assert record.changed(None, first)
    assert not record.changed(first, record.merge(first, FACTS, "success", "verify", T2))
    assert record.changed(first, record.merge(first, dict(FACTS, pb_version="0.26.5"), "success", "verify", T2))
    # A run limited with --tags connection: other stages, same outcome.
    assert not record.changed(first, record.merge(first, dict(FACTS, stages=["connection"]), "success", "connection", T2))
    failed = record.merge(first, {}, "failed", "cli", T2, "t", "m")
    assert record.changed(first, failed)
    assert not record.changed(failed, record.merge(failed, {}, "failed", "cli", T3, "t", "m"))


def test_stages_follow_the_run_tags():
    assert record.selected_stages(["all"], []) == list(record.STAGES)
    assert record.selected_stages(["connection"], []) == ["connection"]
    assert record.selected_stages(["all"], ["verify", "toolchain"]) == ["cli", "connection", "project"]


def test_project_schema_version_and_package_names(tmp_path):
    (tmp_path / "pb_project.yaml").write_text("name: x\nschema_version: 99\nconnection: c\n")
    assert record.project_schema_version(str(tmp_path)) == 99
    assert record.project_schema_version(str(tmp_path / "none")) is None
    assert record.profiles_packages({"profiles_rudderstack": "0.26.4", "Profiles.PyCoreLib": "0.26.0", "PyYAML": "6"}) == {
        "profiles-rudderstack": "0.26.4", "profiles-pycorelib": "0.26.0"}


def test_read_record_tells_missing_from_unreadable(tmp_path):
    assert record.read_record(str(tmp_path / "none.json")) is None
    (tmp_path / "bad.json").write_text("{not json")
    assert record.read_record(str(tmp_path / "bad.json")) == {}


def test_the_siteconfig_is_read_without_secrets(tmp_path):
    path = tmp_path / "siteconfig.yaml"
    path.write_text("connections:\n  c:\n    target: dev\n    outputs:\n      dev:\n        type: postgres\n"
                    "        user: u\n        password: hunter2\n        schema: s\n        port: 5432\n"
                    "        tunnel_info: {config: {sshPrivateKey: k}}\n")
    found = audit.read_siteconfig(str(path))
    assert found["connections"] == {"c": {"target": "dev", "outputs": {"dev": {
        "type": "postgres", "user": "u", "schema": "s", "port": 5432}}}}
    assert "hunter2" not in repr(found)
    assert audit.read_siteconfig(str(tmp_path / "none.yaml"))["exists"] is False


def test_shell_blocks_found_or_set_up_by_the_user(tmp_path):
    (tmp_path / ".bashrc").write_text("# BEGIN rudderstack.profiles pb\nexport X=1\n# END rudderstack.profiles pb\n"
                                      'eval "$(pyenv init -)"\n')
    files = audit.shell_files(str(tmp_path), {"pb": {"files": [".bashrc"]},
                                              "pyenv": {"files": [{"path": ".bashrc", "shell": "bash"}], "skip_if": "pyenv init"}})
    assert audit.read_shell_init(files) == {
        os.path.join(str(tmp_path), ".bashrc") + " (pb)": True, os.path.join(str(tmp_path), ".bashrc") + " (pyenv)": True}
    (tmp_path / ".bashrc").write_text("# mine\n")
    assert set(audit.read_shell_init(files).values()) == {False}


def test_pb_runs_in_a_scratch_home_on_a_copy_of_the_project(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "output").mkdir()
    (project / "pb_project.yaml").write_text("schema_version: 99\nconnection: c\n")
    seen = []

    def runner(argv, env=None, cwd=None, timeout=None):
        seen.append((argv, env["HOME"], cwd, sorted(os.listdir(argv[4])) if argv[1] == "show" else None))
        if argv[1] == "version":
            return 0, "Current version of pb: v0.26.4\nNative schema version:  99\n", ""
        return 5, "", "ERRO model reference not found\n"

    pb = tmp_path / "pb"
    pb.write_text("#!/bin/sh\n")
    pb.chmod(0o755)
    found, proj = audit.read_pb_and_project(str(pb), str(project), "/s.yaml", runner=runner)
    assert (found["version"], found["native_schema_version"]) == ("0.26.4", 99)
    assert (proj["schema_version"], proj["connection"], proj["lint_rc"]) == (99, "c", 5)
    assert proj["lint_message"] == "ERRO model reference not found"
    (version_argv, home, cwd, nothing), (show_argv, home2, cwd2, copied) = seen
    assert version_argv[1:] == ["version"] and nothing is None
    assert home == cwd == home2 == cwd2 and not os.path.exists(home)      # removed afterwards
    assert show_argv[4] != str(project) and copied == ["models", "pb_project.yaml"]   # no output/
    assert sorted(os.listdir(str(project))) == ["models", "output", "pb_project.yaml"]
