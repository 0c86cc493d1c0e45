"""profiles_project through ansible-playbook with the real pb: init, idempotence, check mode,
diff, settings edits that keep user comments, migrate and lint."""
import os

import pytest
import yaml

PB_BIN = os.environ.get("PB_BIN")
pytestmark = pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb, e.g. .venv-pb/bin/pb)")

# Same layout as `pb init connection` writes (4-space indent, sorted keys); see
# tests/unit/fixtures/pb-siteconfig/. No server behind it: these tests
# only need pb's offline commands (init, migrate, show models).
SITECONFIG = """\
connections:
    offline_pg:
        target: dev
        outputs:
            dev:
                dbname: analytics
                host: 127.0.0.2
                outputSchema: profiles_out
                password: secret
                port: 5432
                schema: profiles_out
                type: postgres
                user: profiles
    other_pg:
        target: dev
        outputs:
            dev:
                dbname: analytics
                host: 127.0.0.2
                outputSchema: other_out
                password: secret
                port: 5432
                schema: other_out
                type: postgres
                user: profiles
gitcreds: []
block_store_creds: []
py_models:
    enabled: false
    python_path: ""
    credentials_presets: null
    allowed_git_urls_regex: ""
cache_dir: {home}/.pb/WhtCache
filepath: {home}/.pb/siteconfig.yaml
"""


@pytest.fixture
def site(tmp_path):
    home = tmp_path / "home"
    (home / ".pb").mkdir(parents=True)
    path = home / ".pb" / "siteconfig.yaml"
    path.write_text(SITECONFIG.format(home=home))
    return str(path)


@pytest.fixture
def run(ansible, site):
    def run(path, check=False, diff=False, **args):
        args = dict({"path": str(path), "connection": "offline_pg", "siteconfig_path": site,
                     "pb_path": PB_BIN}, **args)
        return ansible.module("profiles_project", args, check=check, diff=diff)
    return run


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def tree(root):
    out = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(folder, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, root)] = f.read()
    return out


def test_new_project_is_pbs_template_with_our_settings(run, tmp_path):
    proj = tmp_path / "proj"
    res = run(proj, name="analytics", input_tables={"rsIdentifies": "public.identifies"})
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] and res["created"]
    assert sorted(res["files"]) == sorted(["pb_project.yaml", "models/inputs.yaml", "models/profiles.yaml",
                                           "models/optimizations.yaml", "README.md", ".gitignore"])
    data = load(proj / "pb_project.yaml")
    assert data["name"] == "analytics"
    assert data["connection"] == "offline_pg"
    assert data["schema_version"] == 99
    text = (proj / "pb_project.yaml").read_text()
    assert "# WH Connection to use." in text and text.count("python_requirements:") == 1
    inputs = {i["name"]: i["app_defaults"]["table"] for i in load(proj / "models/inputs.yaml")["inputs"]}
    assert inputs == {"rsIdentifies": "public.identifies", "rsTracks": "rudder_events_production.web.tracks"}
    # pb ran elsewhere: no logs/ in the project, no staging folders beside it
    assert not (proj / "logs").exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["home", "proj", "play.yml"])
    assert [c["cmd"][1:3] for c in res["commands"]] == [["init", "pb-project"]]

    before = tree(proj)
    again = run(proj, name="analytics", input_tables={"rsIdentifies": "public.identifies"})
    assert again["changed"] is False and again["commands"] == []
    assert tree(proj) == before


def test_check_mode_on_new_path_plans_without_running_pb(run, tmp_path):
    proj = tmp_path / "proj"
    res = run(proj, check=True, diff=True, name="analytics")
    assert res["changed"] and res["created"]
    assert "pb_project.yaml" in res["files"] and "models/inputs.yaml" in res["files"]
    assert res["commands"] == []
    assert res["diff"]["before"] == {} and res["diff"]["after"]["name"] == "analytics"
    assert res["plan"][0].startswith("pb init pb-project")
    assert not proj.exists()


def test_existing_project_edits_keep_user_comments_and_edits(run, tmp_path):
    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    pfile = proj / "pb_project.yaml"
    text = pfile.read_text()
    text = text.replace("name: sample_attribution", "name: sample_attribution  # keep this comment")
    text += "# user's own trailing note\nretention_period: 24h\n"
    pfile.write_text(text)
    ifile = proj / "models/inputs.yaml"
    itext = ifile.read_text().replace("occurred_at_col: timestamp", "occurred_at_col: sent_at  # user edit", 1)
    ifile.write_text(itext)
    profiles_before = (proj / "models/profiles.yaml").read_bytes()

    entities = [{"name": "user", "id_stitcher": "models/user_id_stitcher", "id_types": ["user_id", "anonymous_id", "email"]}]
    # models/inputs.yaml still selects email ids: dropping the id type would fail lint
    id_types = [{"name": "user_id"}, {"name": "anonymous_id"}, {"name": "email"}]
    args = dict(name="renamed", connection="other_pg", entities=entities, id_types=id_types,
                input_tables={"rsTracks": "public.tracks"})

    check = run(proj, check=True, diff=True, **args)
    assert check["changed"] and not check["created"]
    assert check["diff"]["before"]["name"] == "sample_attribution"
    assert check["diff"]["after"]["name"] == "renamed"
    assert check["diff"]["after"]["input_tables"] == {"rsTracks": "public.tracks"}
    assert pfile.read_text() == text and ifile.read_text() == itext  # check mode wrote nothing

    res = run(proj, diff=True, **args)
    assert res["changed"] and sorted(res["files"]) == ["models/inputs.yaml", "pb_project.yaml"]
    assert res["diff"]["after"] == check["diff"]["after"]
    new = pfile.read_text()
    assert "name: renamed  # keep this comment\n" in new
    assert "# user's own trailing note\nretention_period: 24h\n" in new
    assert "# Project's yaml schema version" in new and "# Entities in this project and their ids." in new
    data = load(pfile)
    assert data["connection"] == "other_pg" and data["entities"] == entities and data["id_types"] == id_types
    assert data["retention_period"] == "24h"
    assert data["python_requirements"] == ["profiles-rudderstack==0.26.*"]
    # pb's own style: sequences indented under their key
    assert "entities:\n  - name: user\n    id_stitcher: models/user_id_stitcher\n" in new
    inputs = load(ifile)["inputs"]
    assert inputs[1]["app_defaults"]["table"] == "public.tracks"
    assert inputs[0]["app_defaults"]["table"] == "rudder_events_production.web.identifies"
    assert "occurred_at_col: sent_at  # user edit" in ifile.read_text()
    assert (proj / "models/profiles.yaml").read_bytes() == profiles_before

    snapshot = tree(proj)
    again = run(proj, diff=True, lint=True, **args)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False and "diff" not in again
    assert tree(proj) == snapshot  # lint wrote nothing (no output/ dumps)


def test_unknown_connection_fails_listing_available(run, tmp_path):
    res = run(tmp_path / "proj", connection="nope")
    assert res["failed"]
    assert "'nope' is not defined" in res["msg"] and "offline_pg, other_pg" in res["msg"]
    assert not (tmp_path / "proj").exists()


def test_refuses_non_project_folder(run, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "notes.txt").write_text("mine")
    res = run(proj)
    assert res["failed"] and "not a Profiles project" in res["msg"]
    assert os.listdir(proj) == ["notes.txt"]


def test_unknown_input_name_fails_and_writes_nothing(run, tmp_path):
    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    snapshot = tree(proj)
    res = run(proj, input_tables={"rsPages": "public.pages"})
    assert res["failed"] and "rsPages" in res["msg"] and "rsIdentifies, rsTracks" in res["msg"]
    assert tree(proj) == snapshot


@pytest.mark.parametrize("old_version", [54, 72])
def test_migrate_from_older_schema(run, tmp_path, old_version):
    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    pfile = proj / "pb_project.yaml"
    pfile.write_text(pfile.read_text().replace("schema_version: 99", "schema_version: %d" % old_version))

    check = run(proj, check=True, migrate=True)
    assert check["changed"] and check["migrated"] == {"from": old_version, "to": 99}
    assert load(pfile)["schema_version"] == old_version  # check mode migrated a copy only
    assert not os.path.lexists(proj / "original_project_folder")

    res = run(proj, migrate=True, lint=True)
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] and res["migrated"] == {"from": old_version, "to": 99}
    assert "pb_project.yaml" in res["files"]
    assert load(pfile)["schema_version"] == 99
    assert not os.path.lexists(proj / "original_project_folder")
    assert not (proj / "logs").exists()
    assert "id_stitcher" in res["lint"] and "Total" in res["lint"]  # pb's model summary
    assert [c["cmd"][1:3] for c in res["commands"]] == [["version"], ["migrate", "auto"], ["show", "models"]]

    again = run(proj, migrate=True)
    assert again["changed"] is False and again["migrated"] is None
    assert [c["cmd"][1] for c in again["commands"]] == ["version"]


def test_lint_fails_with_pbs_message(run, tmp_path):
    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    prof = proj / "models/profiles.yaml"
    prof.write_text(prof.read_text().replace("from: inputs/rsTracks", "from: inputs/rsNope"))
    res = run(proj, lint=True)
    assert res["failed"]
    assert "exit code 5: project definition error" in res["msg"]
    assert "A wrong path is used to refer to a model named rsNope" in res["msg"]
    assert res["commands"][-1]["rc"] == 5


def test_failed_run_that_rewrote_files_reports_changed_and_names_them(run, tmp_path):
    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    prof = proj / "models/profiles.yaml"
    prof.write_text(prof.read_text().replace("from: inputs/rsTracks", "from: inputs/rsNope"))
    res = run(proj, lint=True, name="renamed")
    assert res["failed"] and res["changed"] is True
    assert res["files"] == ["pb_project.yaml"]
    assert "before failing, this run had already rewritten pb_project.yaml in %s" % proj in res["msg"]
    assert load(str(proj / "pb_project.yaml"))["name"] == "renamed"
    # Nothing written by the failed run: changed stays false.
    again = run(proj, lint=True, name="renamed")
    assert again["failed"] and again["changed"] is False and "before failing" not in again["msg"]


def test_missing_pb_fails_clearly_but_check_mode_still_plans(run, tmp_path):
    missing = str(tmp_path / "no-such-venv" / "bin" / "pb")
    res = run(tmp_path / "new", pb_path=missing)
    assert res["failed"] and "pb_path %s is not an executable file" % missing in res["msg"]
    assert not (tmp_path / "new").exists()

    proj = tmp_path / "proj"
    assert not run(proj).get("failed")
    check = run(proj, check=True, diff=True, pb_path=missing, name="planned", lint=True, migrate=True)
    assert not check.get("failed"), check.get("msg")
    assert check["changed"] and check["diff"]["after"]["name"] == "planned"
    assert any("migrate/lint skipped" in w for w in check.get("warnings", []))
    assert load(proj / "pb_project.yaml")["name"] == "sample_attribution"
