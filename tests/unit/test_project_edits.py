"""Unit tests of the in-place edits of pb's project files (plugins/module_utils/pb/project.py)."""
import os

import pytest
import yaml
from hypothesis import given, settings, strategies as st

# Import the collection's module_utils as Ansible would: ansible_collections is a namespace
# package, so a folder holding ansible_collections/rudderstack/profiles -> this checkout suffices.
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import project
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.project import ProjectError  # noqa: E402

# Written by `pb init pb-project -o proj -n pgconn` (profiles-rudderstack 0.26.4), verbatim.
PB_PROJECT = """\
# Project name
name: sample_attribution
# Project's yaml schema version
schema_version: 99
# WH Connection to use.
connection: pgconn
# Model folders to use.
model_folders:
  - models
# The id types are inherited from the library package listed below.
# To add / extend filters, check out the section on extends in id_types in documentation.
id_types:
  - name: user_id
  - name: anonymous_id
    filters:
      - type: exclude
        value: ""
      - type: exclude
        value: "unknown"
      - type: exclude
        value: "NaN"
  - name: email
    filters:
      - type: include
        regex: ".+@.+"
      - type: exclude
        value: "test@company.com"
# Entities in this project and their ids.
entities:
  - name: user
    id_stitcher: models/user_id_stitcher
    id_types:
      - user_id
      - anonymous_id
      - email
    feature_views:
      using_ids:
        - id: user_id
          name: with_user_id
        - id: email
          # Uncomment to customize the name of feature view model, defaults to with_email.
          # name: with_registered_email
python_requirements:
  - profiles-rudderstack==0.26.*
"""

INPUTS = """\
# This is a sample file, for detailed reference see: https://www.rudderstack.com/docs/profiles/overview/
inputs:
  - name: rsIdentifies
    app_defaults:
      table: rudder_events_production.web.identifies
      occurred_at_col: timestamp
      ids:
        - select: "user_id"
          type: user_id
          entity: user
        - select: "anonymous_id"
          type: anonymous_id
          entity: user
        - select: "lower(email)"
          type: email
          entity: user
  - name: rsTracks
    app_defaults:
      table: rudder_events_production.web.tracks
      occurred_at_col: timestamp
      ids:
        - select: "user_id"
          type: user_id
          entity: user
        - select: "anonymous_id"
          type: anonymous_id
          entity: user
"""


def load(text):
    return yaml.safe_load(text)


def changed_lines(old, new):
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


# ---- scalars -------------------------------------------------------------------------------

def test_set_name_changes_only_that_line():
    new = project.set_scalar(PB_PROJECT, "name", "analytics")
    assert changed_lines(PB_PROJECT, new) == [("name: sample_attribution", "name: analytics")]


def test_set_scalar_keeps_trailing_comment_and_crlf():
    text = "name: old   # our name\r\nconnection: c\r\n"
    assert project.set_scalar(text, "name", "new") == "name: new   # our name\r\nconnection: c\r\n"


def test_set_scalar_hash_inside_quotes_is_not_a_comment():
    assert project.set_scalar("name: 'a # b'  # real\n", "name", "c") == "name: c  # real\n"
    assert project.set_scalar('name: "a # b"\n', "name", "c") == "name: c\n"


def test_input_table_keeps_comment_after_quoted_hash():
    text = INPUTS.replace("table: rudder_events_production.web.tracks", "table: 'odd # name'  # why")
    new = project.edit_inputs_text(text, {"input_tables": {"rsTracks": "events.tracks"}})
    assert "      table: events.tracks  # why\n" in new


def test_set_scalar_appends_missing_key():
    assert project.set_scalar("name: x", "connection", "c") == "name: x\nconnection: c\n"


@pytest.mark.parametrize("value", ["yes", "123", "a: b", "with # hash", "", "null", "'quoted'", "tab\there"])
def test_set_scalar_quotes_what_yaml_would_misread(value):
    new = project.set_scalar(PB_PROJECT, "connection", value)
    assert load(new)["connection"] == value


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_set_scalar_round_trips_any_text(value):
    new = project.edit_project_text(PB_PROJECT, {"name": value})
    data = load(new)
    assert data["name"] == value
    assert dict(data, name="sample_attribution") == load(PB_PROJECT)


def test_set_scalar_refuses_multiline_value():
    with pytest.raises(ProjectError, match="not a one-line value"):
        project.set_scalar("name:\n  nested: 1\nx: 2\n", "name", "n")


def test_duplicate_top_level_key_is_refused():
    with pytest.raises(ProjectError, match="2 times"):
        project.set_scalar("name: a\nname: b\n", "name", "c")


# ---- blocks --------------------------------------------------------------------------------

ENTITIES = [{"name": "customer", "id_stitcher": "models/customer_id_stitcher",
             "id_types": ["user_id", "anonymous_id"]}]


def test_replace_entities_keeps_neighbours_and_their_comments():
    new = project.edit_project_text(PB_PROJECT, {"entities": ENTITIES})
    assert load(new)["entities"] == ENTITIES
    assert dict(load(new), entities=load(PB_PROJECT)["entities"]) == load(PB_PROJECT)
    # the comment above the block belongs to it and stays; what follows the block stays too
    assert ("# Entities in this project and their ids.\nentities:\n  - name: customer\n"
            "    id_stitcher: models/customer_id_stitcher\n    id_types:\n      - user_id\n"
            "      - anonymous_id\npython_requirements:\n  - profiles-rudderstack==0.26.*\n") in new
    assert new.startswith(PB_PROJECT.split("# Entities in this project", maxsplit=1)[0])


def test_replace_id_types_stops_before_the_next_keys_comment():
    id_types = [{"name": "user_id"}]
    new = project.edit_project_text(PB_PROJECT, {"id_types": id_types})
    assert "id_types:\n  - name: user_id\n# Entities in this project and their ids.\nentities:\n" in new
    assert "The id types are inherited" in new


def test_replace_block_with_column_zero_sequence_and_inner_comment():
    text = "a: 1\nid_types:\n- name: x\n# inside\n- name: y\nafter: 2  # keep\n"
    new = project.replace_block(text, "id_types", [{"name": "z"}])
    assert new == "a: 1\nid_types:\n  - name: z\nafter: 2  # keep\n"


def test_replace_flow_block_and_block_at_end_without_newline():
    assert project.replace_block("entities: []\nx: 1\n", "entities", ENTITIES[:0] + ["e"]) == \
        "entities:\n  - e\nx: 1\n"
    assert project.replace_block("x: 1\nentities:\n  - a", "entities", ["b"]) == "x: 1\nentities:\n  - b\n"


def test_block_already_right_is_not_reformatted():
    data = load(PB_PROJECT)
    settings = {"entities": data["entities"], "id_types": data["id_types"], "name": data["name"],
                "connection": data["connection"]}
    assert project.edit_project_text(PB_PROJECT, settings) == PB_PROJECT


def test_edit_is_idempotent():
    settings = {"name": "n", "connection": "c", "entities": ENTITIES, "id_types": [{"name": "user_id"}]}
    once = project.edit_project_text(PB_PROJECT, settings)
    assert project.edit_project_text(once, settings) == once


def test_anchor_used_elsewhere_is_refused_not_broken():
    text = "entities: &ents\n  - name: user\nother: *ents\n"
    with pytest.raises(ProjectError, match="invalid YAML"):
        project.edit_project_text(text, {"entities": ENTITIES})


def test_quoted_top_level_keys_are_edited_not_duplicated():
    text = '"name": old\n\'entities\':\n  - name: user\nx: 1\n'
    new = project.edit_project_text(text, {"name": "new", "entities": ENTITIES})
    assert new.count("name: new") == 1 and new.count("entities:") == 1
    assert load(new) == {"name": "new", "entities": ENTITIES, "x": 1}


def test_verification_refuses_edits_beyond_the_managed_keys():
    settings = {"name": "new"}
    good = PB_PROJECT.replace("name: sample_attribution", "name: new")
    project._verify(PB_PROJECT, good, "pb_project.yaml", project.expected_project_data, settings)
    bad = good.replace("schema_version: 99", "schema_version: 98")
    with pytest.raises(ProjectError, match="change more than the managed settings"):
        project._verify(PB_PROJECT, bad, "pb_project.yaml", project.expected_project_data, settings)
    dup = good + "name: new\n"
    with pytest.raises(ProjectError, match="duplicate key"):
        project._verify(PB_PROJECT, dup, "pb_project.yaml", project.expected_project_data, settings)


# ---- inputs --------------------------------------------------------------------------------

def test_input_tables_change_only_table_lines():
    tables = {"rsIdentifies": "events.identifies", "rsTracks": "events.tracks"}
    new = project.edit_inputs_text(INPUTS, {"input_tables": tables})
    assert changed_lines(INPUTS, new) == [
        ("      table: rudder_events_production.web.identifies", "      table: events.identifies"),
        ("      table: rudder_events_production.web.tracks", "      table: events.tracks")]
    assert project.edit_inputs_text(new, {"input_tables": tables}) == new


def test_input_tables_unknown_name_lists_known_inputs():
    with pytest.raises(ProjectError, match="rsPages.*rsIdentifies, rsTracks"):
        project.edit_inputs_text(INPUTS, {"input_tables": {"rsPages": "events.pages"}})


def test_input_tables_refuses_an_input_without_table():
    text = INPUTS.replace("      table: rudder_events_production.web.tracks", "      view: events.v_tracks")
    with pytest.raises(ProjectError, match="rsTracks has no `table:` lines"):
        project.edit_inputs_text(text, {"input_tables": {"rsTracks": "events.tracks"}})


def test_input_table_quoted_value_kept_when_already_right():
    text = INPUTS.replace("table: rudder_events_production.web.tracks", 'table: "events.tracks"  # ours')
    assert project.edit_inputs_text(text, {"input_tables": {"rsTracks": "events.tracks"}}) == text


def test_replace_inputs_block():
    ids = [{"select": "user_id", "type": "user_id", "entity": "user"}]
    inputs = [{"name": "rsIdentifies", "app_defaults": {"table": "e.i", "occurred_at_col": "ts", "ids": ids}}]
    new = project.edit_inputs_text(INPUTS, {"inputs": inputs})
    assert load(new) == {"inputs": inputs}
    assert new.startswith("# This is a sample file")


# ---- files on disk -------------------------------------------------------------------------

def write_project(root):
    os.makedirs(os.path.join(root, "models"))
    with open(os.path.join(root, "pb_project.yaml"), "w") as f:
        f.write(PB_PROJECT)
    with open(os.path.join(root, "models", "inputs.yaml"), "w") as f:
        f.write(INPUTS)


def test_apply_settings_writes_atomically_and_keeps_mode(tmp_path):
    root = str(tmp_path / "p")
    write_project(root)
    os.chmod(os.path.join(root, "pb_project.yaml"), 0o640)
    settings = {"name": "n", "connection": "pgconn", "input_tables": {"rsTracks": "e.t"}}
    assert project.apply_settings(root, settings, write=False) == ["pb_project.yaml", os.path.join("models", "inputs.yaml")]
    assert open(os.path.join(root, "pb_project.yaml")).read() == PB_PROJECT  # dry run wrote nothing
    assert project.apply_settings(root, settings) == ["pb_project.yaml", os.path.join("models", "inputs.yaml")]
    assert load(open(os.path.join(root, "pb_project.yaml")).read())["name"] == "n"
    assert os.stat(os.path.join(root, "pb_project.yaml")).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(root)) == ["models", "pb_project.yaml"]  # no temp files left
    assert project.apply_settings(root, settings) == []


def test_read_settings_reports_managed_values(tmp_path):
    root = str(tmp_path / "p")
    write_project(root)
    got = project.read_settings(root, {"input_tables": {"rsTracks": "x"}, "entities": ENTITIES})
    assert got == {"schema_version": 99, "name": "sample_attribution", "connection": "pgconn",
                   "entities": load(PB_PROJECT)["entities"],
                   "input_tables": {"rsTracks": "rudder_events_production.web.tracks"}}


def test_remove_migration_link_only_when_self_pointing(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "original_project_folder").symlink_to(tmp_path)
    assert project.remove_migration_link(str(root)) is False
    (root / "original_project_folder").unlink()
    (root / "original_project_folder").symlink_to(root)
    assert project.remove_migration_link(str(root)) is True
    assert not os.path.lexists(str(root / "original_project_folder"))


def test_siteconfig_connection_names(tmp_path):
    path = tmp_path / "siteconfig.yaml"
    path.write_text("connections:\n    b:\n        target: dev\n    a:\n        target: dev\n")
    assert project.siteconfig_connection_names(str(path)) == ["a", "b"]
    with pytest.raises(ProjectError, match="does not exist"):
        project.siteconfig_connection_names(str(tmp_path / "missing.yaml"))


def test_task_fails_listing_connections_before_touching_anything(tmp_path):
    site = tmp_path / "siteconfig.yaml"
    site.write_text("connections:\n    a:\n        target: dev\n")
    task = project.ProjectTask(str(tmp_path / "p"), "nope", str(site), {}, find_pb=lambda: 1 / 0)
    with pytest.raises(ProjectError, match="'nope' is not defined .*available connections: a"):
        task.run()
    assert not (tmp_path / "p").exists()


def test_task_check_mode_new_path_needs_no_pb(tmp_path):
    site = tmp_path / "siteconfig.yaml"
    site.write_text("connections:\n    a:\n        target: dev\n")
    task = project.ProjectTask(str(tmp_path / "p"), "a", str(site), {"name": "n"}, lint=True,
                               find_pb=lambda: 1 / 0, check_mode=True)
    result = task.run()
    assert result["changed"] and result["created"] and "pb_project.yaml" in result["files"]
    assert result["diff"] == {"before": {}, "after": {"name": "n", "connection": "a"}}
    assert not (tmp_path / "p").exists()
