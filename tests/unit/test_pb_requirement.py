"""python_requirements after a pb upgrade (pb/project.py pb_requirement_edit): the one line naming
profiles-rudderstack moves to the installed pb's minor, every other byte stays; a project from a
newer pb is refused, never downgraded."""
import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.project import ProjectError, pb_requirement_edit

# As `pb init pb-project` (0.26.4) writes it, with a user's comments and an extra requirement.
PROJECT = """\
# Project name
name: my_project
schema_version: 99   # bumped by pb migrate
connection: test
model_folders:
  - models
python_requirements:
  # pb itself
  - profiles-rudderstack==0.25.*   # keep in step with pb
  - "numpy>=1.2"
entities:
  - name: user
"""


def test_the_pb_line_moves_to_the_installed_minor_and_nothing_else_changes():
    new, old_spec, new_spec = pb_requirement_edit(PROJECT, "0.26.4")
    assert (old_spec, new_spec) == ("==0.25.*", "==0.26.*")
    assert new == PROJECT.replace("profiles-rudderstack==0.25.*   # keep", "profiles-rudderstack==0.26.*   # keep")


@pytest.mark.parametrize("line", ["profiles-rudderstack==0.26.*", "profiles-rudderstack==0.26.4",
                                  "profiles-rudderstack~=0.26.1", "profiles-rudderstack", "'profiles_rudderstack==0.26.*'"])
def test_a_line_that_admits_the_installed_pb_is_left_alone(line):
    text = PROJECT.replace("profiles-rudderstack==0.25.*", line)
    assert pb_requirement_edit(text, "0.26.4") == (text, None, None)


def test_quotes_are_kept():
    text = PROJECT.replace("profiles-rudderstack==0.25.*", '"profiles-rudderstack==0.24.*"')
    new, dummy, dummy2 = pb_requirement_edit(text, "0.26.4")
    assert '  - "profiles-rudderstack==0.26.*"   # keep in step with pb\n' in new


def test_a_project_of_a_newer_pb_is_refused():
    with pytest.raises(ProjectError, match="newer than the installed pb 0.26.4"):
        pb_requirement_edit(PROJECT.replace("0.25.*", "0.27.*"), "0.26.4")


def test_an_unreadable_spec_names_what_to_write():
    with pytest.raises(ProjectError, match=r"write it as profiles-rudderstack==0.26.\*"):
        pb_requirement_edit(PROJECT.replace("==0.25.*", ">=0.20,!=0.26.4"), "0.26.4")


def test_no_requirements_no_change():
    text = "name: x\nschema_version: 99\n"
    assert pb_requirement_edit(text, "0.26.4") == (text, None, None)


def test_minimal_rewrite_keeps_the_layout_where_only_values_changed():
    from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.project import minimal_rewrite

    # What pb 0.26.4's migration did to models/optimizations.yaml (98 -> 99): comments re-spaced.
    before = "optimizations:\n  bundle_entity_vars: false             # enable to group\n"
    after = "optimizations:\n  bundle_entity_vars: false # enable to group\n"
    assert minimal_rewrite(before, after) == before
    before = "# top\nname: p\nschema_version: 98   # note\n\nmodels: [a]\n"
    after = "name: p\nschema_version: 99 # note\nmodels: [a]\n"
    assert minimal_rewrite(before, after) == "# top\nname: p\nschema_version: 99   # note\n\nmodels: [a]\n"
    # A structural change stays pb's.
    assert minimal_rewrite("a: [1]\n", "a: [2]\n") is None
    assert minimal_rewrite("a: 1\n", "a: 1\nb: 2\n") is None
