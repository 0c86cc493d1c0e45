#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profiles_siteconfig
short_description: Manage a connection and target in the RudderStack Profiles site configuration
version_added: 0.1.0
description:
  - Adds, updates or removes one connection target in pb's site configuration file
    (C(~/.pb/siteconfig.yaml)), the file C(pb init connection) writes interactively.
  - The file is written in exactly pb's format (4-space indentation, sorted keys, integer ports and
    pb's fixed tail C(gitcreds), C(block_store_creds), C(py_models), C(cache_dir), C(filepath)), so
    for the same answers the result is byte-identical to what pb writes.
  - Other connections, other targets, and keys this module does not manage (custom output keys,
    unknown top-level keys) are kept. Comments are not kept (pb drops them too).
  - Unlike pb, the file is made mode C(0600) and its directory C(~/.pb) mode C(0700), because the
    file holds warehouse secrets. Writes are atomic; a malformed existing file is never overwritten.
  - Every option is validated for the chosen O(warehouse) before anything is written.
author:
  - rudderstack.profiles contributors (@rudderlabs)
requirements:
  - PyYAML (on the host where the module runs)
attributes:
  check_mode:
    support: full
    description: Computes the new file and the diff without writing anything.
  diff_mode:
    support: full
    description: Shows the file before and after, with every secret value replaced by C(<redacted>).
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  path:
    description:
      - The site configuration file, expanded on the target for the user the module runs as.
    type: path
    default: ~/.pb/siteconfig.yaml
  connection:
    description:
      - Name of the connection (the name a Profiles project's C(connection:) refers to).
    type: str
    required: true
  target:
    description:
      - Name of the target (pb's C(outputs) entry) inside the connection.
      - With O(state=present) it defaults to C(dev).
      - With O(state=absent), omit it to remove the whole connection.
    type: str
  state:
    description:
      - V(present) adds or updates the target; V(absent) removes the target, or the whole
        connection when O(target) is omitted. Removing a connection's only target removes the
        connection. Removing the default target of a connection that has other targets fails;
        make another target the default first.
    type: str
    choices: [present, absent]
    default: present
  default_target:
    description:
      - Make O(target) the connection's default target (pb's C(connections.NAME.target)).
      - A new connection always gets its first target as default (as pb does). For an existing
        connection the default is only changed when this is V(true).
    type: bool
    default: false
  warehouse:
    description:
      - Warehouse type (pb's C(type)). Required with O(state=present).
    type: str
    choices: [snowflake, redshift, bigquery, databricks, postgres]
  schema:
    description:
      - Schema (BigQuery dataset) pb reads from and writes to. Required with O(state=present).
    type: str
  output_schema:
    description:
      - Schema for pb's outputs (pb's C(outputSchema)). Defaults to O(schema), as pb does.
    type: str
  account:
    description: Snowflake account identifier.
    type: str
  snowflake_warehouse:
    description: Snowflake compute warehouse (pb's C(warehouse) key).
    type: str
  dbname:
    description: Database name (Snowflake, Redshift, PostgreSQL).
    type: str
  role:
    description: Snowflake role.
    type: str
  user:
    description:
      - Warehouse user (Snowflake, Redshift, PostgreSQL, Databricks).
      - For BigQuery, the service account e-mail; defaults to the key's C(client_email).
    type: str
  password:
    description:
      - Password (Snowflake password authentication, Redshift driver v1, PostgreSQL).
    type: str
  private_key:
    description:
      - Snowflake key pair authentication, the PEM private key content. pb stores the content in
        the file. Mutually exclusive with O(private_key_path) and O(password).
    type: str
  private_key_path:
    description:
      - Snowflake key pair authentication, a PEM private key file on the target, read by the
        module (fails if missing or unreadable); its content is stored, as pb does.
    type: path
  private_key_passphrase:
    description: Passphrase of an encrypted Snowflake private key.
    type: str
  snowflake_enable_mfa_caching:
    description: Snowflake password authentication with MFA, cache the MFA token (pb's C(enable_mfa_caching)).
    type: bool
  snowflake_passcode_in_password:
    description: Snowflake MFA, the passcode is appended to the password (pb's C(passcode_in_password)).
    type: bool
  snowflake_passcode:
    description: Snowflake MFA passcode (pb's C(passcode)).
    type: str
  redshift_driver:
    description:
      - Redshift driver. V(v1) connects to O(host)/O(port) with O(password) (optionally through an
        SSH tunnel); V(v2) uses the Redshift Data API with AWS credentials.
    type: str
    choices: [v1, v2]
    default: v1
  host:
    description:
      - Server host (Redshift v1, PostgreSQL, Databricks workspace host).
      - pb refuses Redshift and PostgreSQL hosts that resolve to C(127.0.0.1) or C(0.0.0.0) (such as
        C(localhost)); the module fails on them and says what to use instead (C(127.0.0.2) for a
        server on the same machine, or the machine's name where it resolves to another address).
    type: str
  port:
    description:
      - Server port, an integer from 1 to 65535. Defaults to 5439 (Redshift v1), 5432 (PostgreSQL),
        443 (Databricks).
    type: raw
  sslmode:
    description: SSL mode (Redshift, PostgreSQL), for example V(disable) or V(require). Omitted when not set.
    type: str
  ssh_host:
    description: Redshift v1 SSH tunnel, bastion host.
    type: str
  ssh_port:
    description: Redshift v1 SSH tunnel, bastion port (1-65535). Defaults to 22.
    type: raw
  ssh_user:
    description: Redshift v1 SSH tunnel, user on the bastion.
    type: str
  ssh_private_key:
    description: Redshift v1 SSH tunnel, PEM private key content.
    type: str
  ssh_private_key_path:
    description: Redshift v1 SSH tunnel, PEM private key file on the target (its content is stored).
    type: path
  region:
    description: Redshift v2, AWS region.
    type: str
  cluster_identifier:
    description: Redshift v2, provisioned cluster identifier. Mutually exclusive with O(workgroup_name).
    type: str
  workgroup_name:
    description: Redshift v2, serverless workgroup name.
    type: str
  access_key_id:
    description: Redshift v2, AWS access key ID (with O(secret_access_key)).
    type: str
  secret_access_key:
    description: Redshift v2, AWS secret access key.
    type: str
  session_token:
    description: Redshift v2, AWS session token (written as empty when not given, as pb does).
    type: str
  shared_profile:
    description: Redshift v2, AWS shared credentials profile name.
    type: str
  secrets_arn:
    description: Redshift v2, ARN of an AWS Secrets Manager secret holding the credentials.
    type: str
  project_id:
    description: BigQuery project ID.
    type: str
  credentials:
    description:
      - BigQuery service account key as a dict (the JSON key file's content).
      - Mutually exclusive with O(credentials_path).
    type: dict
  credentials_path:
    description: BigQuery service account JSON key file on the target; its content is stored, as pb does.
    type: path
  http_endpoint:
    description: Databricks SQL warehouse HTTP path, for example C(/sql/1.0/warehouses/abc123).
    type: str
  catalog:
    description: Databricks Unity Catalog catalog.
    type: str
  access_token:
    description: Databricks personal access token. Mutually exclusive with O(client_id)/O(client_secret).
    type: str
  client_id:
    description: Databricks OAuth (service principal) client ID.
    type: str
  client_secret:
    description: Databricks OAuth client secret.
    type: str
  py_models_enabled:
    description: Set pb's C(py_models.enabled) (Python models). Unchanged when omitted.
    type: bool
  py_models_python_path:
    description: Set pb's C(py_models.python_path), the Python that runs Python models. Unchanged when omitted.
    type: str
  gitcreds:
    description:
      - Entries to add to pb's C(gitcreds) (credentials for Git-hosted packages). An entry with the
        same O(gitcreds[].reporegex) as an existing one replaces it; other entries are kept.
    type: list
    elements: dict
    suboptions:
      reporegex:
        description: Regular expression of the repository URLs this entry applies to.
        type: str
        required: true
      key:
        description: SSH private key content (PEM).
        type: str
      key_path:
        description: SSH private key file on the target; its content is stored.
        type: path
      username:
        description: HTTPS basic auth user name.
        type: str
      password:
        description: HTTPS basic auth password or personal access token.
        type: str
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
notes:
  - pb writes secrets in clear text into this file; use ansible-vault for the values in inventories.
  - The parent directory is created with mode C(0700) when missing; an existing directory named
    C(.pb) is set to C(0700), other existing directories are left as they are.
seealso:
  - name: pb site configuration file
    description: RudderStack documentation of siteconfig.yaml.
    link: https://www.rudderstack.com/docs/profiles/dev-docs/site-configuration-file/
"""

EXAMPLES = r"""
- name: PostgreSQL connection for a local Profiles project
  rudderstack.profiles.profiles_siteconfig:
    connection: local_pg
    warehouse: postgres
    host: 127.0.0.2
    port: 5432
    dbname: analytics
    user: profiles
    password: "{{ vault_pg_password }}"
    schema: profiles_out

- name: Snowflake key pair authentication, prod target made the default
  rudderstack.profiles.profiles_siteconfig:
    connection: sf
    target: prod
    default_target: true
    warehouse: snowflake
    account: myorg-xy12345
    snowflake_warehouse: PROFILES_WH
    dbname: PROFILES_DB
    role: PROFILES_ROLE
    user: PROFILES_USER
    private_key_path: ~/.ssh/snowflake_rsa_key.p8
    private_key_passphrase: "{{ vault_sf_key_passphrase }}"
    schema: PROFILES_OUT

- name: Redshift Serverless through the Data API with a shared AWS profile
  rudderstack.profiles.profiles_siteconfig:
    connection: rs
    warehouse: redshift
    redshift_driver: v2
    workgroup_name: analytics-wg
    region: us-east-1
    shared_profile: profiles
    dbname: dev
    user: profiles
    sslmode: require
    schema: profiles_out

- name: BigQuery with a service account key file
  rudderstack.profiles.profiles_siteconfig:
    connection: bq
    warehouse: bigquery
    project_id: my-gcp-project
    credentials_path: ~/keys/profiles-sa.json
    schema: profiles_out

- name: Enable Python models
  rudderstack.profiles.profiles_siteconfig:
    connection: local_pg
    warehouse: postgres
    host: 127.0.0.2
    dbname: analytics
    user: profiles
    password: "{{ vault_pg_password }}"
    schema: profiles_out
    py_models_enabled: true
    py_models_python_path: "{{ ansible_env.HOME }}/.venvs/profiles/bin/python"

- name: Remove a whole connection
  rudderstack.profiles.profiles_siteconfig:
    connection: old_conn
    state: absent
"""

RETURN = r"""
path:
  description: Absolute path of the site configuration file.
  returned: always
  type: str
  sample: /home/analyst/.pb/siteconfig.yaml
connections:
  description: Connection names in the file after the change.
  returned: always
  type: list
  elements: str
  sample: [local_pg, sf]
default_target:
  description: The connection's default target after the change (null if the connection is gone).
  returned: always
  type: str
  sample: dev
targets:
  description: The connection's targets after the change.
  returned: always
  type: list
  elements: str
  sample: [dev, prod]
backup_file:
  description: Path of the backup copy, when O(backup=true) and the file changed.
  returned: changed and backup requested
  type: str
  sample: /home/analyst/.pb/siteconfig.yaml.12345.2026-01-01@00:00:00~
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.rudderstack.profiles.plugins.module_utils import pb_cli
from ansible_collections.rudderstack.profiles.plugins.module_utils import siteconfig as sc


def build_argument_spec():
    secret = dict(type="str", no_log=True)
    return dict(
        path=dict(type="path", default="~/.pb/siteconfig.yaml"),
        connection=dict(type="str", required=True),
        target=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        default_target=dict(type="bool", default=False),
        warehouse=dict(type="str", choices=list(sc.WAREHOUSES)),
        schema=dict(type="str"),
        output_schema=dict(type="str"),
        account=dict(type="str"),
        snowflake_warehouse=dict(type="str"),
        dbname=dict(type="str"),
        role=dict(type="str"),
        user=dict(type="str"),
        password=secret,
        private_key=secret,
        private_key_path=dict(type="path", no_log=False),
        private_key_passphrase=secret,
        snowflake_enable_mfa_caching=dict(type="bool"),
        snowflake_passcode_in_password=dict(type="bool", no_log=False),
        snowflake_passcode=secret,
        redshift_driver=dict(type="str", choices=["v1", "v2"], default="v1"),
        host=dict(type="str"),
        port=dict(type="raw"),
        sslmode=dict(type="str"),
        ssh_host=dict(type="str"),
        ssh_port=dict(type="raw"),
        ssh_user=dict(type="str"),
        ssh_private_key=secret,
        ssh_private_key_path=dict(type="path", no_log=False),
        region=dict(type="str"),
        cluster_identifier=dict(type="str"),
        workgroup_name=dict(type="str"),
        access_key_id=secret,
        secret_access_key=secret,
        session_token=secret,
        shared_profile=dict(type="str"),
        secrets_arn=dict(type="str", no_log=False),
        project_id=dict(type="str"),
        credentials=dict(type="dict", no_log=True),
        credentials_path=dict(type="path"),
        http_endpoint=dict(type="str"),
        catalog=dict(type="str"),
        access_token=secret,
        client_id=dict(type="str"),
        client_secret=secret,
        py_models_enabled=dict(type="bool"),
        py_models_python_path=dict(type="str"),
        gitcreds=dict(type="list", elements="dict", options=dict(
            reporegex=dict(type="str", required=True),
            key=secret,
            key_path=dict(type="path", no_log=False),
            username=dict(type="str"),
            password=secret,
        )),
        backup=dict(type="bool", default=False),
    )


def warehouse_params(params):
    """Module parameters as the module_utils builders take them (defaults not set by the
    user are dropped, so an option that does not apply to the warehouse can be detected)."""
    values = dict(params)
    if values.get("warehouse") != "redshift":
        values["redshift_driver"] = None
    return values


def plan(module, existing):
    """The new siteconfig data for the module's parameters, or fail_json on bad input."""
    p = module.params
    path = os.path.abspath(p["path"])
    data = existing if existing is not None else sc.new_siteconfig(path, sc.default_cache_dir())
    try:
        if p["state"] == "present":
            target = p["target"] or "dev"
            output = sc.build_output(p["warehouse"], warehouse_params(p))
            refused = pb_cli.check_output_host(output)
            if refused:
                raise sc.InvalidOption(refused)
            data = sc.set_output(data, p["connection"], target, output, p["default_target"])
        else:
            data = sc.remove_output(data, p["connection"], p["target"])
        if p["py_models_enabled"] is not None or p["py_models_python_path"] is not None:
            data = sc.set_py_models(data, p["py_models_enabled"], p["py_models_python_path"])
        if p["gitcreds"]:
            entries = [sc.gitcred_entry(e["reporegex"], e.get("key"), e.get("key_path"),
                                        e.get("username"), e.get("password")) for e in p["gitcreds"]]
            data = sc.upsert_gitcreds(data, entries)
    except sc.InvalidOption as exc:
        module.fail_json(msg=to_native(exc))
    if data == existing:
        return existing  # nothing to change: the file is left exactly as it is
    data["filepath"] = path  # pb records where the file is
    if not data.get("cache_dir"):
        data["cache_dir"] = sc.default_cache_dir()
    return data


def write_file(module, path, text):
    """Atomically replace ``path`` with ``text`` (created 0600 before any byte is written)."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".siteconfig.", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(to_bytes(text))
        # atomic_move gives a newly created file 0666 & ~umask: keep it private from the start
        old_umask = os.umask(0o077)
        try:
            module.atomic_move(tmp, path)
        finally:
            os.umask(old_umask)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def ensure_directory(module, directory):
    """Create the parent directory 0700 when missing; tighten an existing ``.pb`` to 0700."""
    changed = False
    if not os.path.isdir(directory):
        if module.check_mode:
            return True
        try:
            os.makedirs(directory, 0o700)
        except OSError as exc:
            module.fail_json(msg="path: cannot create directory %s: %s" % (directory, to_native(exc)))
        changed = True
        os.chmod(directory, 0o700)
    elif os.path.basename(directory) == ".pb":
        changed = module.set_mode_if_different(directory, "0700", False)
    return changed


def main():
    module = AnsibleModule(
        argument_spec=build_argument_spec(),
        required_if=[("state", "present", ("warehouse", "schema"))],
        supports_check_mode=True,
    )
    if not sc.HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=to_native(sc.YAML_IMPORT_ERROR))

    path = os.path.abspath(module.params["path"])
    try:
        existing = sc.load_siteconfig(path)
    except sc.SiteconfigError as exc:
        module.fail_json(msg="path: %s" % to_native(exc), path=path)
    old_text = None
    if existing is not None:
        with open(path, "rb") as handle:
            old_text = handle.read().decode("utf-8")

    new_data = plan(module, existing)
    result = dict(changed=False, path=path)
    conn = (new_data.get("connections") or {}).get(module.params["connection"])
    result["connections"] = sc.connection_names(new_data)
    result["default_target"] = conn.get("target") if conn else None
    result["targets"] = sorted((conn.get("outputs") or {}).keys()) if conn else []

    if existing is None and module.params["state"] == "absent":
        module.exit_json(**result)  # nothing to remove, and no file to create

    new_text = old_text if new_data is existing else sc.render_siteconfig(new_data)
    content_changed = new_text != old_text
    if content_changed:
        result["changed"] = True
        if module._diff:
            before = sc.render_siteconfig(sc.redact(existing)) if existing is not None else ""
            after = sc.render_siteconfig(sc.redact(new_data, existing))
            result["diff"] = dict(before=before, after=after,
                                  before_header="%s (secrets redacted)" % path,
                                  after_header="%s (secrets redacted)" % path)

    # A siteconfig symlinked from elsewhere (dotfiles) is updated where it lives.
    real_path = os.path.realpath(path)
    if ensure_directory(module, os.path.dirname(real_path)):
        result["changed"] = True
    if content_changed and not module.check_mode:
        if module.params["backup"] and existing is not None:
            result["backup_file"] = module.backup_local(real_path)
        write_file(module, real_path, new_text)
    if os.path.exists(real_path):
        file_args = module.load_file_common_arguments(dict(path=real_path, mode="0600"))
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
