#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_project
short_description: Lay down a RudderStack Profiles project with pb and manage its settings
version_added: 0.1.0
description:
  - Creates a Profiles project the way C(pb init pb-project) does, by running the real C(pb) CLI,
    so the template and the C(schema_version) are always the ones of the installed pb.
  - Never runs C(pb init) over an existing project (pb's re-run corrupts C(pb_project.yaml)). On an
    existing project only the settings this module manages are changed, in place, keeping comments
    and user edits everywhere else; every edit is verified by re-parsing the file.
  - Optionally migrates the project to pb's schema version (C(pb migrate auto --inplace)) and lints
    it offline (C(pb show models)).
  - pb always runs with C(SF_DISABLE_MINICORE=true) and C(SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true),
    bounded by O(timeout), in a private temporary working directory (so pb's C(logs/pb.log) is
    not left in the project or the current directory).
author:
  - rudderstack.profiles contributors (@rudderlabs)
requirements:
  - PyYAML
  - the C(pb) CLI (pip package C(profiles-rudderstack)) on the host that runs the module
attributes:
  check_mode:
    support: full
    description:
      - On a new path reports the plan and the files pb would create, without running pb.
      - On an existing project with O(migrate) or O(lint), pb runs on a temporary copy.
  diff_mode:
    support: full
    description: Before and after values of the managed settings and the schema version.
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  path:
    description: Project folder. Created by pb if it does not exist (or is empty).
    type: path
    required: true
  connection:
    description:
      - Connection name written to C(connection:) in C(pb_project.yaml).
      - Must exist in the siteconfig, otherwise the module fails listing the available ones.
    type: str
    required: true
  siteconfig_path:
    description: The pb siteconfig that defines O(connection).
    type: path
    default: ~/.pb/siteconfig.yaml
  name:
    description: Project name (C(name:) in C(pb_project.yaml)). Left as it is when omitted.
    type: str
  id_types:
    description:
      - Replaces the whole top-level C(id_types) list of C(pb_project.yaml) (pb's own format,
        items with C(name) and optional C(filters)). Left as it is when omitted.
    type: list
    elements: dict
  entities:
    description:
      - Replaces the whole top-level C(entities) list of C(pb_project.yaml) (pb's own format,
        items with C(name), C(id_stitcher), C(id_types), C(feature_views)). Left as it is when omitted.
    type: list
    elements: dict
  inputs:
    description:
      - Replaces the whole C(inputs) list of C(models/inputs.yaml) (pb's own format).
      - The sample's C(models/profiles.yaml) refers to the inputs C(rsIdentifies) and C(rsTracks);
        keep those names or edit that file too (O(lint) finds dangling references).
    type: list
    elements: dict
  input_tables:
    description:
      - Points inputs at other tables, as a mapping of input name to table; only the C(table) line
        of each named input changes. The sample defines C(rsIdentifies) and C(rsTracks).
    type: dict
  migrate:
    description:
      - Run C(pb migrate auto --inplace) when the project's C(schema_version) is older than the
        installed pb's, then remove the C(original_project_folder) symlink pb leaves pointing at
        the project itself.
      - First, when C(python_requirements) in C(pb_project.yaml) names a pb release that excludes
        the installed one (C(profiles-rudderstack==0.25.*) after an upgrade to 0.26), that one line
        is moved to the installed pb's minor (C(==0.26.*)); pb refuses every command on such a
        project and its migration leaves the line alone. A line naming a newer pb than the
        installed one fails with a message instead (the project is never downgraded).
    type: bool
    default: false
  lint:
    description:
      - Check the project offline with C(pb show models) (without its debug dumps, so nothing is
        written); fails with pb's own message.
    type: bool
    default: false
  pb_path:
    description: The pb executable. Default is O(virtualenv)C(/bin/pb), else C(pb) on E(PATH).
    type: path
  virtualenv:
    description: Virtualenv with C(profiles-rudderstack) installed; its C(bin/pb) is used.
    type: path
  timeout:
    description: Seconds each pb call may take before it is killed.
    type: int
    default: 120
notes:
  - Options left unset are not managed; blocks set through O(id_types), O(entities) and O(inputs)
    are owned by the module (comments inside them are not kept).
seealso:
  - name: Profiles project structure
    description: pb_project.yaml and models/ reference.
    link: https://www.rudderstack.com/docs/profiles/dev-docs/
"""

EXAMPLES = r"""
- name: Lay down the analytics project
  rudderstack.profiles.profiles_project:
    path: ~/profiles/analytics
    connection: prod_snowflake
    name: analytics
    virtualenv: ~/.venvs/profiles
    input_tables:
      rsIdentifies: rudder_events.web.identifies
      rsTracks: rudder_events.web.tracks
    lint: true

- name: Keep an existing project on pb's current schema
  rudderstack.profiles.profiles_project:
    path: ~/profiles/analytics
    connection: prod_snowflake
    migrate: true
    pb_path: /opt/profiles/bin/pb
"""

RETURN = r"""
path:
  description: Absolute project folder.
  returned: always
  type: str
created:
  description: Whether the project was (or, in check mode, would be) laid down by C(pb init).
  returned: always
  type: bool
files:
  description: Project files created, or changed by setting edits and migration (relative paths).
  returned: always
  type: list
  elements: str
  sample: [pb_project.yaml, models/inputs.yaml]
migrated:
  description: Schema versions of a migration that ran (or would run), else null.
  returned: always
  type: dict
  sample: {from: 72, to: 99}
python_requirement:
  description: The C(python_requirements) entry for pb that was (or would be) moved, else null.
  returned: always
  type: dict
  sample: {from: profiles-rudderstack==0.25.*, to: profiles-rudderstack==0.26.*}
settings:
  description: The managed settings (and schema_version) after the run.
  returned: always
  type: dict
  sample: {name: analytics, connection: prod_snowflake, schema_version: 99}
plan:
  description: What was (or, in check mode, would be) done, in words.
  returned: when changed
  type: list
  elements: str
lint:
  description: Summary printed by C(pb show models) when O(lint) is set.
  returned: always
  type: str
commands:
  description: pb calls made, with exit code and duration in seconds.
  returned: always
  type: list
  elements: dict
  sample: [{cmd: [/venv/bin/pb, init, pb-project, -o, /p, -n, c, -c, /s.yaml], rc: 0, duration: 0.13}]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import cli as pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb import project


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            connection=dict(type="str", required=True),
            siteconfig_path=dict(type="path", default="~/.pb/siteconfig.yaml"),
            name=dict(type="str"),
            id_types=dict(type="list", elements="dict"),
            entities=dict(type="list", elements="dict"),
            inputs=dict(type="list", elements="dict"),
            input_tables=dict(type="dict"),
            migrate=dict(type="bool", default=False),
            lint=dict(type="bool", default=False),
            pb_path=dict(type="path"),
            virtualenv=dict(type="path"),
            timeout=dict(type="int", default=120),
        ),
        mutually_exclusive=[("inputs", "input_tables"), ("pb_path", "virtualenv")],
        supports_check_mode=True,
    )
    if project.yaml is None:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    params = module.params
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %d" % params["timeout"])
    for table_input, table in (params["input_tables"] or {}).items():
        if not isinstance(table, str) or not table.strip():
            module.fail_json(msg="input_tables.%s must be a non-empty table name" % table_input)

    def find_pb():
        try:
            return pb_cli.find_pb(params["pb_path"], params["virtualenv"])
        except pb_cli.PbNotFound as exc:
            raise project.ProjectError(str(exc))

    settings = dict((key, params[key]) for key in project.PROJECT_KEYS + project.INPUT_KEYS)
    task = project.ProjectTask(
        path=params["path"], connection=params["connection"], siteconfig_path=params["siteconfig_path"],
        settings=settings, migrate=params["migrate"], lint=params["lint"], timeout=params["timeout"],
        find_pb=find_pb, check_mode=module.check_mode, move_file=module.atomic_move)
    try:
        result = task.run()
    except (project.ProjectError, pb_cli.PbError, IOError, OSError) as exc:
        msg = str(exc)
        if isinstance(exc, (IOError, OSError)):
            msg = "cannot lay down or edit the project at %s: %s" % (task.path, exc)
        changed, written = task.written_before_failure()
        if written:
            msg = "%s (before failing, %s)" % (msg, written)
        module.fail_json(msg=msg, path=task.path, commands=task.commands, changed=changed,
                         files=task.written_files, created=task.created_project)
    if not module._diff:
        result.pop("diff", None)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
