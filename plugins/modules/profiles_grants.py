#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0), a license
# compatible with the GNU General Public License version 3 that Ansible itself uses.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: profiles_grants
short_description: Idempotent warehouse privileges for RudderStack Profiles
version_added: 0.1.0
description:
  - Creates the principal (user or role) that C(pb) connects as, creates its output schema, and
    grants it what RudderStack Profiles needs - ALL on the output schema and its tables (now and
    future), USAGE and SELECT on the input schemas, database-level rights, and the language grant
    on Redshift.
  - Reads the current privileges first (a fixed number of queries, independent of the number of
    tables), computes a plan (to grant, to revoke, unchanged) and sends only the difference, all in
    one transaction where the warehouse has them (PostgreSQL, Redshift) - if any statement fails,
    nothing of the run is applied.
  - On PostgreSQL and Redshift a principal's password never travels in clear text in a statement (so
    the server's statement log never shows it) - on PostgreSQL the SCRAM-SHA-256 verifier is computed
    by libpq where the module runs and sent instead, on Redshift the documented MD5 hash string. On
    Snowflake the statement carries the password itself (inside HTTPS). The collection's
    C(docs/security.md) lists, per warehouse, what travels to the server and what does not.
  - Only explicit grants to the principal are counted; rights through PUBLIC or role membership
    are not. Privileges on objects the principal owns count as held and are never revoked.
  - On V(databricks) (Unity Catalog), the grants are read with the permissions API (every page) and
    only the principal's own additions and removals are sent (one C(PATCH) per securable, with
    C(changes[{principal, add, remove}])), so grants made to anyone else are never replaced. There
    are no transactions there; a run that fails half way is completed by the next one.
  - Each warehouse is one adapter; O(warehouse) lists them. Connection options differ per
    warehouse (each option says which warehouses use it); an option of another warehouse is an error.
  - Option names - the admin's endpoint and identity are O(login_host), O(login_port), O(login_user),
    O(login_password) and O(login_db), as in community.postgresql; every other setting has the name
    rudderstack.profiles.profiles_siteconfig gives it (O(account), O(private_key_path), O(role),
    O(project_id), O(credentials_path), O(catalog), O(access_token), O(client_id)...). The former
    names (C(snowflake_account), C(snowflake_private_key_path), C(snowflake_role), C(bigquery_project),
    C(bigquery_credentials_file), C(databricks_host), C(databricks_token), C(databricks_catalog)...)
    remain aliases.
extends_documentation_fragment:
  - rudderstack.profiles.warehouse
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the state and returns the planned statements in RV(queries); writes nothing.
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  principal:
    description:
      - The user or role that pb connects as (or that is granted to it). A string.
      - On V(databricks), a user's e-mail, a group's name, or a service principal's application id
        or display name (compared as the application id the API returns). Databricks identities
        are never created by this module; they must exist.
    type: raw
    required: true
  principal_password:
    description:
      - Password for a new user. Never shown in RV(queries) or the diff.
      - Used only when the user is created, unless O(update_password=always).
      - On Redshift, without a password the user is created with C(PASSWORD DISABLE).
    type: str
  update_password:
    description:
      - V(on_create) sets the password only when the user is created.
      - V(always) also sets it on existing users whose password differs, so changing the password
        (in a vault) rotates it on the next run. PostgreSQL and Redshift find out by logging in as
        the principal with the new password (the stored hash cannot be read there); where that
        login fails for another reason than the password (no CONNECT, pg_hba), or on warehouses
        that cannot tell, the password is set, and the task reports a change, on every run.
    type: str
    choices: [on_create, always]
    default: on_create
  output_schema:
    description:
      - The schema pb writes to (C(outputSchema) in the siteconfig).
    type: dict
    suboptions:
      name:
        description: Schema name (a string; case-sensitive, always quoted).
        type: raw
        required: true
      create:
        description: Create the schema if missing. If V(false), a missing schema fails the task.
        type: bool
        default: true
      owned_by_principal:
        description:
          - Create the schema with C(AUTHORIZATION principal) so the principal owns it.
          - pb must own what is in its output schema to replace its views; owning the schema
            avoids clashes with objects created by others. Ignored if the schema exists.
          - Ignored on BigQuery, where a dataset has no single owner (list
            C(roles/bigquery.dataOwner) in O(output_schema.privileges) instead).
        type: bool
        default: false
      privileges:
        description:
          - Schema privileges; V(ALL) means USAGE and CREATE.
          - On V(databricks), V(ALL) is C(ALL PRIVILEGES), which Unity Catalog keeps as one privilege
            (it does not include C(MANAGE) or C(EXTERNAL USE SCHEMA)). Names may be written in SQL
            (C(USE SCHEMA)) or REST (C(USE_SCHEMA)) spelling.
        type: list
        elements: str
        default: [ALL]
      table_privileges:
        description:
          - Privileges on every table and view in the schema. V(ALL) expands to each privilege
            the warehouse has on tables, granted one by one so that the state reads back equal.
        type: list
        elements: str
        default: [ALL]
      future_tables:
        description:
          - Also set default privileges so tables that O(future_tables_owners) create later get
            O(output_schema.table_privileges).
          - On V(databricks), privileges on a schema are inherited by its current and future tables;
            table privileges for all tables are granted on the schema.
        type: bool
        default: true
  input_schemas:
    description:
      - Schemas pb reads (event stream tables). They must exist; they are never created.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Schema name (a string).
        type: raw
        required: true
      tables:
        description:
          - Tables (or views) to grant on. Omit for all tables in the schema.
          - An empty list grants only the schema privileges (for example USAGE on C(public),
            where PostgreSQL's C(pgcrypto) functions that pb calls usually live).
        type: list
        elements: raw
      privileges:
        description: Table privileges.
        type: list
        elements: str
        default: [SELECT]
      schema_privileges:
        description:
          - Schema privileges.
          - On V(databricks), V(USAGE) means C(USE SCHEMA); with O(input_schemas[].tables) omitted,
            O(input_schemas[].privileges) are granted on the schema (inherited by all its tables).
        type: list
        elements: str
        default: [USAGE]
      future_tables:
        description:
          - Also cover tables created later (default privileges). Defaults to V(true) when
            O(input_schemas[].tables) is omitted; not allowed with a table list.
        type: bool
  future_tables_owners:
    description:
      - Users whose future tables the default privileges cover (C(ALTER DEFAULT PRIVILEGES FOR
        USER ...)). Default privileges apply per creating user; list the loader user that
        creates the event tables.
      - Defaults to O(login_user).
    type: list
    elements: raw
  database_privileges:
    description:
      - Privileges on the connected database (O(login_db)).
      - Default for V(postgres) is C(CONNECT) and C(TEMPORARY) (what pb needs); for V(redshift)
        none. An empty list leaves database privileges unmanaged.
      - On V(databricks), privileges on the catalog O(catalog); default C(USE CATALOG).
    type: list
    elements: str
  languages:
    description:
      - Languages to grant USAGE on.
      - Default for V(redshift) is C(plpythonu), as in RudderStack's setup guide and checked by
        C(pb validate access). AWS stops new Python UDFs, but the grant is still documented;
        set V([]) to skip it. Default for V(postgres) is none.
    type: list
    elements: raw
  mode:
    description:
      - V(append) only adds privileges.
      - V(exclusive) also revokes privileges the principal holds on the named objects (the
        database, the schemas, their tables, the default privileges and languages named) that are
        not desired. Ownership is never changed.
    type: str
    choices: [append, exclusive]
    default: append
  state:
    description:
      - V(absent) revokes the privileges this task would grant (the principal and schemas stay).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Names (of the principal, schemas, tables, owners and languages) must be strings; a list, number
    or mapping given for a name is rejected, never turned into text that would become a name.
  - Names are always quoted and kept exactly as written; names the warehouse cannot store unchanged
    (NUL, too long, upper case on Redshift) are rejected with the option named.
  - On Redshift, state is read from C(pg_user), C(pg_namespace), C(pg_class) and the
    C(svv_*_privileges) views, which show explicit grants.
  - On Snowflake, unquoted names fold to upper case and must be valid unquoted identifiers; a name
    in double quotes keeps its case. Every grant goes to O(role), which is granted to the
    principal user last. Snowflake DDL is not transactional - each statement commits by itself - so
    the statements are ordered such that a run stopped midway leaves a state the next run completes
    (see docs/snowflake.md in the collection). State is read with SHOW commands, a number of round
    trips that depends on the schemas named, not on the number of tables.
  - On BigQuery the principal is an existing service account (its e-mail), a schema is a dataset
    (C([PROJECT.]DATASET)) and the database is the project. O(database_privileges) are project IAM
    roles (default C(roles/bigquery.jobUser)); dataset privileges are the roles
    C(roles/bigquery.dataEditor), C(dataViewer), C(dataOwner) (or C(WRITER), C(READER), C(OWNER));
    V(ALL) means Data Editor and V(USAGE)/V(SELECT) Data Viewer, and a dataset's table privileges
    fold into its roles (a dataset role covers its tables, now and later).
  - On BigQuery the project IAM policy (version 3) and each dataset's access list are
    read-modify-written with their etags, retried on a concurrent change; only the principal's own
    entries are added or removed, conditional bindings never. V(exclusive) revokes the principal's
    other C(roles/bigquery.*) project roles and other roles on the named datasets. There is no
    transaction across calls, so a failed run is completed by the next one. RV(queries) lists the API
    calls.
seealso:
  - name: RudderStack Profiles warehouse setup
    description: The privileges RudderStack documents per warehouse.
    link: https://www.rudderstack.com/docs/profiles/
author:
  - rudderstack.profiles contributors (@rudderlabs)
"""

EXAMPLES = r"""
- name: Grant pb what it needs on Redshift
  rudderstack.profiles.profiles_grants:
    warehouse: redshift
    login_host: examplecluster.abc123.us-west-2.redshift.amazonaws.com
    login_user: admin
    login_password: "{{ redshift_admin_password }}"
    login_db: dev
    sslmode: verify-full
    principal: rudderstack_admin
    principal_password: "{{ rudderstack_admin_password }}"
    output_schema:
      name: rs_profiles
    input_schemas:
      - name: website_eventstream

- name: Snowflake, the setup guide's role, user, schema and warehouse grants
  rudderstack.profiles.profiles_grants:
    warehouse: snowflake
    account: myorg-myaccount
    login_user: ADMIN
    private_key_path: ~/.ssh/snowflake_admin.p8
    private_key_passphrase: "{{ snowflake_key_passphrase }}"
    snowflake_admin_role: ACCOUNTADMIN
    login_db: YOUR_RUDDERSTACK_DB
    principal: PROFILES_TEST_USER
    # A TYPE = SERVICE user with a key pair (the default); the key is generated here on the first
    # run (0600, encrypted with the passphrase). To rotate, point it at a new file.
    principal_private_key_path: "{{ playbook_dir }}/keys/profiles_test_user.p8"
    principal_private_key_passphrase: "{{ vault_profiles_key_passphrase }}"
    role: PROFILES_ROLE
    snowflake_warehouse: RUDDER_WAREHOUSE
    output_schema:
      name: RS_PROFILES
    input_schemas:
      - name: EVENTSSCHEMA
  register: snowflake_grants   # snowflake_grants.principal_key: fingerprint, public_key, private_key_path

- name: Snowflake, legacy password sign-in (warns; Snowflake is ending it for service users)
  rudderstack.profiles.profiles_grants:
    warehouse: snowflake
    account: myorg-myaccount
    login_user: ADMIN
    private_key_path: ~/.ssh/snowflake_admin.p8
    login_db: YOUR_RUDDERSTACK_DB
    principal: PROFILES_TEST_USER
    snowflake_principal_auth: password
    principal_password: "{{ profiles_user_password }}"
    role: PROFILES_ROLE

- name: Same on PostgreSQL, revoking anything extra on the named objects
  rudderstack.profiles.profiles_grants:
    warehouse: postgres
    login_host: db.example.com
    login_user: postgres
    login_password: "{{ pg_admin_password }}"
    login_db: warehouse
    principal: rudderstack_admin
    principal_password: "{{ rudderstack_admin_password }}"
    output_schema:
      name: rs_profiles
      owned_by_principal: true
    input_schemas:
      - name: website_eventstream
        future_tables: true
      - name: public
        tables: []
    future_tables_owners: [rudder_loader]
    mode: exclusive

- name: BigQuery - jobUser on the project, Data Editor on the output dataset, Data Viewer on the inputs
  rudderstack.profiles.profiles_grants:
    warehouse: bigquery
    project_id: my-gcp-project
    credentials: "{{ lookup('file', 'grants-admin-key.json') }}"   # JSON text, vaulted
    principal: rudderstack@my-gcp-project.iam.gserviceaccount.com
    output_schema:
      name: rs_profiles
    bigquery_location: EU
    input_schemas:
      - name: website_eventstream
      - name: other-project.shared_events   # a dataset in another project

- name: Databricks Unity Catalog, personal access token of an admin, for a user
  rudderstack.profiles.profiles_grants:
    warehouse: databricks
    login_host: https://adb-1234567890123456.7.azuredatabricks.net
    access_token: "{{ databricks_admin_token }}"
    catalog: main
    connect_timeout: 30
    principal: rudderstack@example.com
    output_schema:
      name: rs_profiles
    input_schemas:
      - name: website_eventstream

- name: Databricks, OAuth machine-to-machine, for a service principal named by display name
  rudderstack.profiles.profiles_grants:
    warehouse: databricks
    login_host: adb-1234567890123456.7.azuredatabricks.net
    client_id: "{{ databricks_admin_client_id }}"
    client_secret: "{{ databricks_admin_client_secret }}"
    catalog: main
    principal: rudderstack-profiles
    principal_type: service_principal
    output_schema:
      name: rs_profiles
    input_schemas:
      - name: website_eventstream
        tables: [tracks, identifies]
"""

RETURN = r"""
principal_key:
  description:
    - Snowflake key-pair principal (O(snowflake_principal_auth=key_pair)) - its public key and where its
      private key is. Never the private key.
  returned: when the principal is a key-pair user with a key given or generated
  type: dict
  contains:
    fingerprint:
      description: The public key's fingerprint as C(DESC USER) prints it (C(RSA_PUBLIC_KEY_FP)).
      type: str
      sample: SHA256:nvnONUsfiuycCLMXIEWG4eTp4FjhVUZQUQbNpbSHXiA=
    public_key:
      description: The public key's base64 body, as set in the user's key slot.
      type: str
    private_key_path:
      description: O(principal_private_key_path), or null when only O(principal_public_key) was given.
      type: str
    generated:
      description: Whether this run generated the key pair (written only outside check mode).
      type: bool
queries:
  description:
    - Statements executed, or planned in check mode. Passwords appear as C('********').
    - On BigQuery, the API calls (C(datasets.insert), C(projects.setIamPolicy), C(datasets.patch));
      a write refused because of a concurrent change appears again after its re-read.
    - On V(databricks), the API calls that write, in order - method, path and JSON body, for example
      C(PATCH /api/2.1/unity-catalog/permissions/schema/main.rs_profiles) followed by the JSON
      body with its C(changes) list.
  returned: always
  type: list
  elements: str
  sample:
    - CREATE ROLE "rudderstack_admin" WITH LOGIN PASSWORD '********'
    - GRANT USAGE ON SCHEMA "website_eventstream" TO "rudderstack_admin"
applied:
  description:
    - The writes (statements or API calls, as in RV(queries)) that took effect. After a successful
      run, the same as RV(queries) without re-reads; in check mode empty.
    - Also returned when the run fails while writing. PostgreSQL and Redshift apply everything in
      one transaction, so a failure leaves this empty; Snowflake, BigQuery and Databricks have no
      transaction for these writes, so those before the failure are listed here, stay applied, and
      the failed task reports C(changed=true) (the next run completes the rest).
  returned: always, and on failure
  type: list
  elements: str
  sample:
    - CREATE ROLE "rudderstack_admin" WITH LOGIN PASSWORD '********'
unknown:
  description:
    - Returned when the run fails while writing - writes whose outcome could not be learnt (the
      connection to PostgreSQL or Redshift was lost while the server committed them). The task then
      reports C(changed=true); the next run reads the state and completes them either way.
  returned: on failure
  type: list
  elements: str
not_applied:
  description:
    - Returned when the run fails while writing - the write that failed and those planned after it,
      none of which took effect (on PostgreSQL and Redshift, every statement of the rolled-back
      transaction).
  returned: on failure
  type: list
  elements: str
plan:
  description: What differs between the desired and the current state.
  returned: always
  type: dict
  contains:
    create_principal:
      description: Whether the principal is created.
      type: bool
      returned: always
    set_login:
      description: Whether an existing role without LOGIN is given LOGIN (O(principal_type=user), PostgreSQL).
      type: bool
      returned: always
    set_password:
      description: Whether the password of an existing user is set.
      type: bool
      returned: always
    create_schemas:
      description: Schemas created.
      type: list
      elements: str
      returned: always
    to_grant:
      description: Privileges granted, one per line.
      type: list
      elements: str
      returned: always
      sample: ['SELECT ON TABLE "website_eventstream"."tracks"']
    to_revoke:
      description: Privileges revoked.
      type: list
      elements: str
      returned: always
    unchanged:
      description: Desired privileges already held.
      type: list
      elements: str
      returned: always
    actions:
      description: Changes besides grants that the warehouse's adapter plans (for example a role granted to a user).
      type: list
      elements: str
      returned: always
read_round_trips:
  description:
    - Queries sent to read the current state (independent of the number of tables).
    - On V(databricks), the API reads (one per securable and page; listed tables are one securable each).
  returned: always
  type: int
  sample: 1
attempts:
  description:
    - Times the state was read and the plan applied. More than 1 when a concurrent run changed
      the same objects first; the losing run was rolled back, read the state again and applied
      what was still missing.
  returned: always
  type: int
  sample: 1
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError


def argument_spec():
    spec = registry.argument_spec()
    spec.update(
        # Names are "raw": Ansible would turn a list or a number into text silently, and that text
        # would become a role or schema name; model.validate_identifier rejects non-strings.
        principal=dict(type="raw", required=True),
        principal_type=dict(type="str", choices=registry.principal_types()),
        principal_password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"],
                             no_log=False),
        output_schema=dict(type="dict", options=dict(
            name=dict(type="raw", required=True),
            create=dict(type="bool", default=True),
            owned_by_principal=dict(type="bool", default=False),
            privileges=dict(type="list", elements="str", default=["ALL"]),
            table_privileges=dict(type="list", elements="str", default=["ALL"]),
            future_tables=dict(type="bool", default=True),
        )),
        input_schemas=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="raw", required=True),
            tables=dict(type="list", elements="raw"),
            privileges=dict(type="list", elements="str", default=["SELECT"]),
            schema_privileges=dict(type="list", elements="str", default=["USAGE"]),
            future_tables=dict(type="bool"),
        )),
        future_tables_owners=dict(type="list", elements="raw"),
        database_privileges=dict(type="list", elements="str"),
        languages=dict(type="list", elements="raw"),
        mode=dict(type="str", default="append", choices=["append", "exclusive"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    adapter_class = registry.ADAPTERS[module.params["warehouse"]]
    import_error = adapter_class.client_import_error()
    if import_error:
        packages = warehouses.get(module.params["warehouse"]).packages
        module.fail_json(msg=missing_required_lib(" ".join(packages)), exception=import_error)
    try:
        result = registry.execute(module.params, module.check_mode)
    except GrantsError as exc:
        # changed is true when writes took effect before the failure (listed in applied).
        module.fail_json(msg=str(exc), **exc.result())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
