"""Malformed input to the three modules and to the roles, table-driven: every case must end in a
failure whose message names the option (or role variable) and says what to change, never a
traceback, and must leave nothing written or half-written: the warehouse's state, each case's own
directory and the temporary directory are compared before and after.

profiles_siteconfig, profiles_project and the roles run through the real ansible-playbook in
batches (one playbook per table, a block/rescue per case that records what failed), so a hundred
cases cost a few ansible-playbook start-ups, not a hundred. profiles_grants cases run once per row
of safety_helpers.WAREHOUSES (a warehouse that lands later gets them by adding its row), through
the module's own argument spec and registry.execute in this process: the warehouses' client
libraries take seconds to import, which a run per case would pay again and again."""
import os
import re
import subprocess
import sys

import pytest

from safety_helpers import (EXISTING_SITECONFIG, WAREHOUSES, catalog_changes, snapshot_changes, tree_snapshot)
from tests.helpers.safety_totals import TOTALS

PB_BIN = os.environ.get("PB_BIN")
LIBPQ = [r.name for r in WAREHOUSES if r.libpq]   # rows connecting with libpq's options
# Cases Ansible's argument validation rejects before any warehouse code runs: the same for every
# warehouse, so tried once (with the first row).
SHARED = [WAREHOUSES[0].name]
SUITE_TMP = "safety-tmp"   # TMPDIR of the modules: must be empty again after every batch
# ... except for what pb itself keeps there: the compilation cache of its graph renderer (wazero),
# created by any pb command and reused by the next (no secrets, not ours to remove).
PB_TMP_CACHE = {"go-graphviz"}


def case(case_id, args, needles, rows=None, setup=None):
    """One malformed input: ``args`` (dict, or a function of the case context returning one),
    the fragments its message must contain (the option, and what to change), the warehouse rows
    it applies to (None: all), and an optional ``setup(ctx)`` laying down a bad state first."""
    return {"id": case_id, "args": args, "needles": needles, "rows": rows, "setup": setup}


def without(key):
    return lambda args: dict((k, v) for k, v in args.items() if k != key)


def merged(**changes):
    return lambda args: dict(args, **changes)


def input_schema(**fields):
    spec = {"name": "website_eventstream"}
    spec.update(fields)
    return merged(input_schemas=[spec])


def output_schema(**fields):
    def change(args):
        out = dict(args["output_schema"])
        out.update(fields)
        return dict(args, output_schema=out)
    return change


def other_warehouse_option(row):
    """An option only other warehouses have, if any (none while all rows share libpq's)."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    own = set(registry.ADAPTERS[row.name].CONNECTION_OPTIONS) | set(registry.ADAPTERS[row.name].DESIRED_OPTIONS)
    for kind in ("CONNECTION_OPTIONS", "DESIRED_OPTIONS"):
        for name, (entry, users) in registry.adapter_options(kind).items():
            if name not in own:
                return name, entry
    return None, None


# profiles_grants: ``args`` changes the row's usual options (PostgresRow.grants_args).
GRANTS_CASES = [
    case("unknown warehouse", merged(warehouse="oracle"), ["warehouse", "postgres", "redshift"], rows=SHARED),
    case("principal missing", without("principal"), ["principal"], rows=SHARED),
    case("principal empty", merged(principal=""), ["principal", "must not be empty"]),
    case("principal not a string", merged(principal=["a", "b"]), ["principal", "expected a name (string)"]),
    case("principal a number", merged(principal=2024), ["principal", "expected a name (string)"]),
    case("input table a mapping", input_schema(tables=[{"name": "tracks"}]), ["input_schemas[0].tables[0]", "string"]),
    case("principal with NUL", merged(principal="pb\x00user"), ["principal", "NUL"]),
    case("principal 64 bytes", merged(principal="é" * 32), ["principal", "64 bytes", "at most 63"],
         rows=["postgres"]),
    case("principal 128 bytes", merged(principal="é" * 64), ["principal", "128 bytes", "at most 127"],
         rows=["redshift"]),
    case("principal reserved pg_", merged(principal="pg_monitor"), ["principal", "reserved"], rows=["postgres"]),
    case("principal reserved public", merged(principal="public"), ["principal", "reserved"], rows=["postgres"]),
    case("principal upper case", merged(principal="RudderStack"), ["principal", "lower case", "rudderstack"],
         rows=["redshift"]),
    case("principal_type unknown", merged(principal_type="team"), ["principal_type", "user"], rows=SHARED),
    case("password for a role", merged(principal_type="role", principal_password="x"),
         ["principal_password", "principal_type user"],
         rows=LIBPQ),
    case("update_password unknown", merged(update_password="sometimes"), ["update_password", "on_create"], rows=SHARED),
    # Ansible's own validation of a dict option with suboptions reports a string without the
    # option's name (its first error; the later ones name it): the one message here not ours.
    case("output_schema not a dict", merged(output_schema="rs_profiles"), ["dictionary requested"], rows=SHARED),
    case("output_schema without name", merged(output_schema={"create": True}), ["output_schema", "name"], rows=SHARED),
    case("output schema reserved", output_schema(name="pg_profiles"), ["output_schema.name", "reserved"],
         rows=["postgres"]),
    case("output schema missing, create false", output_schema(name="no_such_out", create=False),
         ["output_schema.name", "does not exist", "output_schema.create"]),
    case("output schema privilege unknown", output_schema(privileges=["USAGE", "OWN"]),
         ["output_schema.privileges", "unknown privilege", "accepted"]),
    case("output table privilege unknown", output_schema(table_privileges=["SELEKT"]),
         ["output_schema.table_privileges", "unknown privilege", "accepted"]),
    case("input_schemas not a list", merged(input_schemas={"name": "website_eventstream"}), ["input_schemas"], rows=SHARED),
    case("input schema without name", merged(input_schemas=[{"tables": ["tracks"]}]), ["input_schemas", "name"], rows=SHARED),
    case("input schema missing", input_schema(name="no_such_events"),
         ["input_schemas[0].name", "does not exist", "never created"]),
    case("input table missing", input_schema(tables=["tracks", "no_such_table"]),
         ["input_schemas[0].tables", "no_such_table", "does not exist"]),
    case("input table empty name", input_schema(tables=[""]), ["input_schemas[0].tables[0]", "empty"]),
    case("input privilege unknown", input_schema(privileges=["SELCT"]),
         ["input_schemas[0].privileges", "unknown privilege", "accepted"]),
    case("input privileges joined", input_schema(privileges=["SELECT, UPDATE"]),
         ["input_schemas[0].privileges", "unknown privilege"]),
    case("future_tables with a table list", input_schema(tables=["tracks"], future_tables=True),
         ["input_schemas[0].future_tables", "tables is omitted"]),
    case("database privilege unknown", merged(database_privileges=["SELECT"]),
         ["database_privileges", "unknown privilege", "accepted"],
         rows=LIBPQ),
    case("language missing", merged(languages=["plperlu"]), ["languages", "plperlu", "does not exist"],
         rows=LIBPQ),
    case("future_tables_owners missing", merged(future_tables_owners=["nobody_at_all"]),
         ["future_tables_owners", "nobody_at_all", "not an existing"],
         rows=LIBPQ),
    case("mode unknown", merged(mode="replace"), ["mode", "append", "exclusive"], rows=SHARED),
    case("state unknown", merged(state="gone"), ["state", "present", "absent"], rows=SHARED),
    case("connect_timeout not a number", merged(connect_timeout="soon"), ["connect_timeout", "int"], rows=SHARED),
    case("login_port not a number", merged(login_port="fivefourthreetwo"), ["login_port", "int"],
         rows=LIBPQ),
    case("sslmode unknown", merged(sslmode="maybe"), ["sslmode", "verify-full"],
         rows=LIBPQ),
    case("wrong admin password", merged(login_password="not-the-password"),
         ["login_user", "login_password", "password authentication failed"],
         rows=LIBPQ),
    case("unknown admin user", merged(login_user="no_such_admin"), ["login_user", "no_such_admin"],
         rows=LIBPQ),
    case("database missing", merged(login_db="no_such_database"), ["login_db", "no_such_database"],
         rows=LIBPQ),
    case("endpoint refuses connections", lambda args: dict(args, login_port=args["closed_port"]),
         ["login_host", "login_port", "refused"],
         rows=LIBPQ),
    case("CA file missing", merged(sslmode="verify-full", ssl_rootcert="/nonexistent/root.crt"),
         ["ssl_rootcert", "/nonexistent/root.crt"],
         rows=LIBPQ),
    case("CA file not a certificate", lambda args: dict(args, sslmode="verify-full", ssl_rootcert=args["junk_file"]),
         ["ssl_rootcert"],
         rows=LIBPQ),
    case("option of another warehouse", lambda args: args["foreign_option"], ["not apply to warehouse", "its options"]),
    # Databricks (the workspace model): credentials, host, catalog, identities.
    case("wrong token", merged(access_token="dapi-not-the-token"), ["Invalid access token", "access_token"],
         rows=["databricks"]),
    case("token and OAuth client", merged(client_id="client-id-1",
                                          client_secret="client-secret-1"),
         ["access_token", "client_id"], rows=["databricks"]),
    # Refused at once by the adapter's own first connection (the SDK alone would retry for its whole
    # retry budget, set from connect_timeout); connect_timeout 1 bounds it if that ever regresses.
    case("workspace refuses connections", lambda args: dict(args, login_host="http://127.0.0.2:%d"
                                                            % args["closed_port"], connect_timeout=1),
         ["login_host", "127.0.0.2", "connection refused", "check login_host"], rows=["databricks"]),
    case("catalog missing", merged(catalog="no_such_catalog"),
         ["catalog", "no_such_catalog", "does not exist"], rows=["databricks"]),
    case("principal not in the workspace", merged(principal="nobody@example.com"),
         ["principal", "nobody@example.com"], rows=["databricks"]),
    case("password for a Databricks principal", merged(principal_password="x-secret"),
         ["principal_password"], rows=["databricks"]),
]

SITE_OK = {"connection": "pg", "warehouse": "postgres", "host": "127.0.0.2", "dbname": "analytics",
           "user": "analyst", "password": "pw", "schema": "profiles_out"}


def site(**changes):
    args = dict(SITE_OK)
    args.update(changes)
    return dict((k, v) for k, v in args.items() if v is not None)


def write(rel, text, mode=0o600):
    def setup(ctx):
        path = os.path.join(ctx["dir"], rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text.replace("{keyfile_secret}", ctx.get("keyfile_secret", "")))
        os.chmod(path, mode)
    return setup


def siteconfig_dir(ctx):
    os.makedirs(os.path.join(ctx["dir"], ".pb", "siteconfig.yaml"))


def symlink(target):
    def setup(ctx):
        os.makedirs(os.path.join(ctx["dir"], ".pb"))
        os.symlink(target.format(dir=ctx["dir"]), os.path.join(ctx["dir"], ".pb", "siteconfig.yaml"))
    return setup


def both(*setups):
    def setup(ctx):
        for s in setups:
            s(ctx)
    return setup


# profiles_siteconfig: path defaults to <case dir>/.pb/siteconfig.yaml; ``{dir}`` is the case dir.
SITECONFIG_CASES = [
    case("unknown warehouse", site(warehouse="oracle"), ["warehouse", "postgres", "snowflake"]),
    case("schema missing", site(schema=None), ["schema"]),
    case("connection missing", site(connection=None), ["connection"]),
    case("port not a number", site(port="fivefourthreetwo"), ["port", "integer from 1 to 65535"]),
    case("port out of range", site(port=70000), ["port", "integer from 1 to 65535"]),
    case("host missing", site(host=None), ["host", "warehouse=postgres requires"]),
    case("dbname missing", site(dbname=None), ["dbname", "warehouse=postgres requires"]),
    case("snowflake account missing", site(warehouse="snowflake", host=None, snowflake_warehouse="wh",
                                           role="r", account=None), ["account", "warehouse=snowflake requires"]),
    case("option of another warehouse", site(account="xy12345"), ["account", "do not apply to warehouse=postgres"]),
    case("redshift driver unknown", site(warehouse="redshift", redshift_driver="v3"), ["redshift_driver", "v1, v2"]),
    case("ssh_port not a number", site(warehouse="redshift", ssh_host="bastion", ssh_user="u",
                                       ssh_private_key_path="{dir}/id", ssh_port="twenty-two"), ["ssh_port"],
         setup=write("id", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n")),
    case("key file missing", site(warehouse="snowflake", host=None, password=None, account="a1", snowflake_warehouse="w",
                                  role="r", private_key_path="{dir}/missing.p8"),
         ["private_key_path", "missing.p8", "does not exist"]),
    case("key file is a directory", site(warehouse="snowflake", host=None, password=None, account="a1",
                                         snowflake_warehouse="w", role="r", private_key_path="{dir}"),
         ["private_key_path", "not a regular file"]),
    case("key file not PEM", site(warehouse="snowflake", host=None, password=None, account="a1", snowflake_warehouse="w",
                                  role="r", private_key_path="{dir}/key.p8"),
         ["private_key_path", "PEM private key"], setup=write("key.p8", "{keyfile_secret}\n")),
    case("key file not UTF-8", site(warehouse="snowflake", host=None, password=None, account="a1",
                                    snowflake_warehouse="w", role="r", private_key_path="{dir}/bin.p8"),
         ["private_key_path", "not UTF-8"], setup=lambda ctx: open(os.path.join(ctx["dir"], "bin.p8"), "wb").write(
             b"\xff\xfe\x00key")),
    case("key and key file", site(warehouse="snowflake", host=None, password=None, account="a1", snowflake_warehouse="w",
                                  role="r", private_key="-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
                                  private_key_path="{dir}/k.p8"),
         ["private_key", "private_key_path", "mutually exclusive"]),
    case("bigquery credentials file missing", site(warehouse="bigquery", host=None, dbname=None, password=None,
                                                   user=None, project_id="p", credentials_path="{dir}/sa.json"),
         ["credentials_path", "sa.json"]),
    case("gitcreds without reporegex", site(gitcreds=[{"username": "git", "password": "gitcreds-token"}]),
         ["gitcreds", "reporegex"]),
    case("existing file not YAML", site(), ["path", "not valid YAML", "at line", "left unchanged"],
         setup=write(".pb/siteconfig.yaml", "connections:\n  a: [unclosed\n")),
    case("existing file a list", site(), ["path", "must be a mapping", "left unchanged"],
         setup=write(".pb/siteconfig.yaml", "- a\n- b\n")),
    case("existing connection not a mapping", site(), ["path", "connections.mine", "left unchanged"],
         setup=write(".pb/siteconfig.yaml", "connections:\n    mine: 42\n")),
    case("existing file not UTF-8", site(), ["path", "not UTF-8"],
         setup=lambda ctx: (os.makedirs(os.path.join(ctx["dir"], ".pb")),
                            open(os.path.join(ctx["dir"], ".pb", "siteconfig.yaml"), "wb").write(b"a: \xff\n"))),
    case("siteconfig is a directory", site(), ["path", "directory"], setup=siteconfig_dir),
    case("siteconfig symlink loop", site(), ["path"], setup=symlink("{dir}/.pb/siteconfig.yaml")),
    case("siteconfig symlink to a directory", site(), ["path", "directory"], setup=symlink("{dir}")),
    case("parent is a file", site(path="{dir}/file/siteconfig.yaml"), ["path", "file"],
         setup=write("file", "not a directory\n")),
]

SITECONFIG_FOR_PROJECT = EXISTING_SITECONFIG


def project(**changes):
    args = {"path": "{dir}/project", "connection": "mine", "siteconfig_path": "{dir}/siteconfig.yaml",
            "virtualenv": "{venv}"}
    args.update(changes)
    return dict((k, v) for k, v in args.items() if v is not None)


WITH_SITE = write("siteconfig.yaml", SITECONFIG_FOR_PROJECT)
PB_PROJECT = "name: sample\nschema_version: 99\nconnection: mine\nmodel_folders:\n  - models\n"


# profiles_project: ``{venv}`` is a virtualenv whose bin/pb is the real pb.
PROJECT_CASES = [
    case("connection not in siteconfig", project(connection="other"),
         ["connection", "'other'", "not defined", "available connections: mine"], setup=WITH_SITE),
    case("siteconfig missing", project(), ["siteconfig", "does not exist"]),
    case("siteconfig not YAML", project(), ["siteconfig", "not valid YAML"],
         setup=write("siteconfig.yaml", "connections: [\n")),
    case("pb missing from the virtualenv", project(virtualenv="{dir}/emptyvenv"),
         ["virtualenv", "bin/pb", "profiles-rudderstack"],
         setup=both(WITH_SITE, write("emptyvenv/bin/python", "#!/bin/sh\n", 0o755))),
    case("pb_path not executable", project(virtualenv=None, pb_path="{dir}/pb.txt"), ["pb_path", "not an executable"],
         setup=both(WITH_SITE, write("pb.txt", "echo\n", 0o644))),
    case("pb_path and virtualenv", project(pb_path="{dir}/pb"), ["pb_path", "virtualenv", "mutually exclusive"],
         setup=WITH_SITE),
    case("path holds other files", project(), ["project", "not a Profiles project", "refusing"],
         setup=both(WITH_SITE, write("project/notes.txt", "mine\n"))),
    case("path is a file", project(), ["project", "not a Profiles project"],
         setup=both(WITH_SITE, write("project", "a file\n"))),
    case("timeout zero", project(timeout=0), ["timeout", "positive"], setup=WITH_SITE),
    case("input table empty", project(input_tables={"rsTracks": ""}), ["input_tables.rsTracks", "non-empty"],
         setup=WITH_SITE),
    case("inputs and input_tables", project(inputs=[{"name": "x"}], input_tables={"rsTracks": "a.b"}),
         ["inputs", "input_tables", "mutually exclusive"], setup=WITH_SITE),
    case("id_types not dicts", project(id_types="user_id"), ["id_types"], setup=WITH_SITE),
    case("existing project not YAML", project(), ["pb_project.yaml"],
         setup=both(WITH_SITE, write("project/pb_project.yaml", "name: [broken\n"))),
    case("project newer than pb", project(migrate=True), ["schema_version", "999", "upgrade pb"],
         setup=both(WITH_SITE, write("project/pb_project.yaml", PB_PROJECT.replace("99", "999")),
                    write("project/models/inputs.yaml", "inputs: []\n"))),
]


def _block(case_id, task):
    """A case as a block whose rescue records the failure (so the play goes on)."""
    return {"name": "case " + case_id, "block": [dict(task, name="under test: " + case_id)],
            "rescue": [{"name": "record: " + case_id, "ansible.builtin.debug": {"msg": {
                "case": case_id, "task": "{{ ansible_failed_task.name }}",
                # A looped task (warehouse_grants, one run per principal) fails with "One or more
                # items failed"; the user reads each failed item's own message below it.
                "msg": "{{ ansible_failed_result.results | default([]) | selectattr('failed', 'defined') | selectattr('failed')"
                       " | map(attribute='msg') | join('; ') if ansible_failed_result.results is defined"
                       " else ansible_failed_result.msg | default('') }}",
                "exception": "{{ ansible_failed_result.exception | default('') }}",
                "module_stderr": "{{ ansible_failed_result.module_stderr | default('') }}"}}}]}


def _run_batch(ansible, cases, build_task, env=None, check=False):
    """Run every case's task in one playbook; return {case id: failure record or None}."""
    tasks = [_block(c["id"], build_task(c)) for c in cases]
    results = ansible.playbook(tasks, extra_env=env, check=check)
    records = dict((c["id"], None) for c in cases)
    for result in results:
        msg = result.get("msg")
        if isinstance(msg, dict) and msg.get("case") in records:
            records[msg["case"]] = msg
    return records


def _judge(cases, records, untouched, wording=True):
    """Assert every case failed cleanly; count them. ``untouched(case)`` lists what it changed.
    ``wording``: check every needle; else only the first (the option), for warehouses whose
    adapters word the same problem their own way (Snowflake's identifier rules, BigQuery's roles)."""
    problems = []
    for c in cases:
        TOTALS.bad_inputs += 1
        record = records[c["id"]]
        if record is None:
            problems.append("%s: accepted (no failure)" % c["id"])
            continue
        text = record["msg"]
        missing = [n for n in (c["needles"] if wording else c["needles"][:1]) if n not in text]
        # ansible-core 2.19 puts "(traceback unavailable)" in every failure; a crash has a real one.
        crash = [k for k in ("exception", "module_stderr") if "Traceback (most recent call last)" in record[k]]
        crash += ["traceback in msg"] if "Traceback" in text or "MODULE FAILURE" in text else []
        changes = untouched(c)
        if missing or crash or changes:
            problems.append("%s: message %r lacks %s%s%s" % (
                c["id"], text, missing, "; crashed: %s" % crash if crash else "",
                "; changed: %s" % changes if changes else ""))
        else:
            TOTALS.bad_inputs_clean += 1
    assert not problems, "\n".join(problems)


def _fill(value, ctx):
    if isinstance(value, str):
        return value.format(**ctx)
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    if isinstance(value, dict):
        return dict((k, _fill(v, ctx)) for k, v in value.items())
    return value


def _suite_tmp(tmp_path):
    path = tmp_path / SUITE_TMP
    path.mkdir()
    return str(path)


def _grants_in_process(args):
    """profiles_grants without an ansible-playbook per case: its argument spec validated as
    AnsibleModule validates it (the first error is the message), then registry.execute as the
    module's main() calls it. Returns the failure record, or None when the input was accepted;
    anything else raised (a traceback) fails the test. The real module runs through
    ansible-playbook on every warehouse's failure paths in test_secrets.py."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.rudderstack.profiles.plugins.modules import profiles_grants
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model, registry
    validation = ArgumentSpecValidator(profiles_grants.argument_spec()).validate(args)
    message = validation.errors.msg if validation.error_messages else None
    if message is None:
        try:
            registry.execute(validation.validated_parameters, False)
        except model.GrantsError as exc:
            message = str(exc)
    return None if message is None else {"msg": message, "exception": "", "module_stderr": ""}


@pytest.mark.parametrize("row", WAREHOUSES, ids=[r.name for r in WAREHOUSES])
def test_grants_bad_input(make_warehouse, row, tmp_path, closed_port):
    info = make_warehouse(row)
    junk = tmp_path / "root.crt"
    junk.write_text("not a certificate\n")
    cases = [c for c in GRANTS_CASES if c["rows"] is None or row.name in c["rows"]]
    foreign, entry = other_warehouse_option(row)
    if foreign is None:
        cases = [c for c in cases if c["id"] != "option of another warehouse"]

    def build(c):
        base = row.grants_args(info, "bad_%s" % re.sub(r"\W", "_", c["id"]).lower()[:40])
        base.update(closed_port=closed_port, junk_file=str(junk),
                    foreign_option=dict(base, **{foreign or "x": {"int": 1, "bool": True}.get(
                        (entry or {}).get("type"), "x")}))
        args = c["args"](base)
        for key in ("closed_port", "junk_file", "foreign_option"):
            args.pop(key, None)
        return args

    before = row.snapshot(info)
    records = dict((c["id"], _grants_in_process(build(c))) for c in cases)
    changes = catalog_changes(before, row.snapshot(info))
    _judge(cases, records, lambda c: [], wording=row.libpq or row.name == "databricks")
    assert changes == [], "a rejected run changed the warehouse: %s" % changes


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.2", 0))
        return sock.getsockname()[1]


def _file_cases(tmp_path, cases, extra_ctx=None):
    """Give every case its own directory, lay down its bad state, and snapshot it."""
    prepared = []
    for index, c in enumerate(cases):
        folder = tmp_path / "cases" / ("%02d" % index)
        folder.mkdir(parents=True)
        ctx = {"dir": str(folder)}
        ctx.update(extra_ctx or {})
        if c["setup"]:
            c["setup"](ctx)
        prepared.append((c, ctx, tree_snapshot(str(folder))))
    return prepared


def test_siteconfig_bad_input(ansible, tmp_path, scanner):
    keyfile_secret = scanner.new("keyfile")
    cases = _file_cases(tmp_path, SITECONFIG_CASES, {"keyfile_secret": keyfile_secret})
    by_id = dict((c["id"], (ctx, snap)) for c, ctx, snap in cases)

    def build(c):
        ctx = by_id[c["id"]][0]
        args = _fill(c["args"], ctx)
        args.setdefault("path", os.path.join(ctx["dir"], ".pb", "siteconfig.yaml"))
        return {"rudderstack.profiles.profiles_siteconfig": args}

    tmpdir = _suite_tmp(tmp_path)
    records = _run_batch(ansible, SITECONFIG_CASES, build, env={"TMPDIR": tmpdir})
    assert os.listdir(tmpdir) == []
    # The key file held a secret: no message may quote it.
    assert scanner.scan("profiles_siteconfig bad-input results", repr(records)) == []
    _judge(SITECONFIG_CASES, records,
           lambda c: snapshot_changes(by_id[c["id"]][1], tree_snapshot(by_id[c["id"]][0]["dir"])))


@pytest.mark.skipif(not PB_BIN, reason="PB_BIN is not set (path to the real pb)")
def test_project_bad_input(ansible, tmp_path):
    venv = os.path.dirname(os.path.dirname(PB_BIN))
    cases = _file_cases(tmp_path, PROJECT_CASES, {"venv": venv})
    by_id = dict((c["id"], (ctx, snap)) for c, ctx, snap in cases)

    def build(c):
        return {"rudderstack.profiles.profiles_project": _fill(c["args"], by_id[c["id"]][0])}

    tmpdir = _suite_tmp(tmp_path)
    records = _run_batch(ansible, PROJECT_CASES, build, env={"TMPDIR": tmpdir})
    assert set(os.listdir(tmpdir)) <= PB_TMP_CACHE
    _judge(PROJECT_CASES, records,
           lambda c: snapshot_changes(by_id[c["id"]][1], tree_snapshot(by_id[c["id"]][0]["dir"])))


def _machine_pyenv_root():
    import shutil
    pyenv = shutil.which("pyenv")
    if not pyenv:
        return None
    proc = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


PYENV_ROOT = _machine_pyenv_root()
# The pyenv role kept away from everything that would change this machine (as in
# tests/integration/test_roles_validation.py): the machine's pyenv read as it is.
PYENV_READ_ONLY = {"pyenv_root": PYENV_ROOT, "pyenv_install_build_dependencies": False,
                   "pyenv_shell_init": False, "pyenv_virtualenv_name": ""}
CLI = {"profiles_cli_virtualenv": "{venv}", "profiles_cli_shell_init": False, "profiles_cli_pb_wrapper": "",
       "profiles_cli_pycorelib": False,
       "profiles_pip_settings": {"ca_bundle": "/etc/ssl/certs/ca-certificates.crt"}}
CONNECTION = {"profiles_connection_name": "pg", "profiles_connection_siteconfig_path": "{dir}/.pb/siteconfig.yaml",
              "profiles_connection_python": sys.executable,
              "profiles_connection_settings": {"host": "127.0.0.2", "dbname": "analytics", "user": "analyst",
                                               "password": "pw", "schema": "profiles_out"}}
PROJECT = {"profiles_project_path": "{dir}/project", "profiles_project_connection": "mine",
           "profiles_project_siteconfig_path": "{dir}/siteconfig.yaml", "profiles_project_virtualenv": "{venv}",
           "profiles_project_python": sys.executable}


def role(name, base, **changes):
    """A role run: its base variables ("grants": the warehouse's, known at run time) changed."""
    return {"role": name, "base": base, "changes": changes}


def connection_settings(**changes):
    settings = dict(CONNECTION["profiles_connection_settings"])
    settings.update(changes)
    return dict((k, v) for k, v in settings.items() if v is not None)


# Role variables: ``{dir}`` is the case's own directory, ``{venv}`` a virtualenv with the real pb
# (already installed; pip present), ``grants`` the warehouse_grants base variables.
ROLE_CASES = [
    case("warehouse_grants: unknown warehouse", role("warehouse_grants", "grants", warehouse_grants_warehouse="oracle"),
         ["warehouse_grants_warehouse", "postgres"]),
    case("warehouse_grants: input schemas a string", role("warehouse_grants", "grants",
                                                          warehouse_grants_input_schemas="website_eventstream"),
         ["warehouse_grants_input_schemas"]),
    case("warehouse_grants: principal a list", role("warehouse_grants", "grants", warehouse_grants_principal=["a"]),
         ["principal", "expected a name (string)"]),
    case("warehouse_grants: output schema empty", role("warehouse_grants", "grants", warehouse_grants_output_schema=""),
         ["output_schema.name", "must not be empty"]),
    case("warehouse_grants: mode unknown", role("warehouse_grants", "grants", warehouse_grants_mode="replace"),
         ["warehouse_grants_mode", "append", "exclusive"]),
    case("warehouse_grants: wrong admin password", role("warehouse_grants", "grants",
                                                        warehouse_grants_login_password="wrong-password"),
         ["login_user", "login_password", "password authentication failed"]),
    case("profiles_connection: settings a string", role("profiles_connection", CONNECTION,
                                                        profiles_connection_settings="postgres://analyst@127.0.0.2/analytics"),
         ["profiles_connection_settings", "dict"]),
    case("profiles_connection: unknown warehouse", role("profiles_connection", CONNECTION,
                                                        profiles_connection_warehouse="oracle"),
         ["profiles_connection_warehouse", "postgres"]),
    case("profiles_connection: port not a number", role("profiles_connection", CONNECTION,
                                                        profiles_connection_settings=connection_settings(port="abc")),
         ["port", "integer from 1 to 65535"]),
    case("profiles_connection: password missing", role("profiles_connection", CONNECTION,
                                                       profiles_connection_settings=connection_settings(password=None)),
         ["password", "warehouse=postgres requires"]),
    case("profiles_project: input tables a list", role("profiles_project", PROJECT,
                                                       profiles_project_input_tables=["website_eventstream.tracks"]),
         ["profiles_project_input_tables", "dict"], setup=WITH_SITE),
    case("profiles_project: unknown connection", role("profiles_project", PROJECT, profiles_project_connection="nope"),
         ["connection", "'nope'", "not defined"], setup=WITH_SITE),
    case("profiles_project: pb missing", role("profiles_project", PROJECT, profiles_project_virtualenv="{dir}/novenv"),
         ["virtualenv", "bin/pb"], setup=WITH_SITE),
    case("pyenv: Python version a number", role("pyenv", PYENV_READ_ONLY, pyenv_python_version=3.1),
         ["pyenv_python_version", "quoted string"]),
    case("pyenv: Python pyenv cannot build", role("pyenv", PYENV_READ_ONLY, pyenv_python_version="3.99.1"),
         ["pyenv_python_version", "pyenv install --list"]),
    case("pyenv: virtualenv name with a space", role("pyenv", PYENV_READ_ONLY, pyenv_virtualenv_name="my env"),
         ["pyenv_virtualenv_name"]),
    case("profiles_cli: pin outside the supported range", role("profiles_cli", CLI, profiles_cli_rudderstack_version="0.0.999"),
         ["profiles_cli_rudderstack_version", "outside the pb releases this collection supports"]),
    case("profiles_cli: pin that does not exist", role("profiles_cli", CLI, profiles_cli_rudderstack_version="0.26.999"),
         ["profiles_cli_rudderstack_version", "there is no version of profiles-rudderstack==0.26.999"]),
    case("profiles_cli: pin not a version", role("profiles_cli", CLI,
                                                 profiles_cli_rudderstack_version="0.26.4 or newer"),
         ["profiles_cli_rudderstack_version"]),
    case("profiles_cli: virtualenv missing", role("profiles_cli", CLI, profiles_cli_virtualenv="{dir}/novenv"),
         ["novenv", "pyenv_virtualenv_name"]),
]


@pytest.mark.skipif(not (PB_BIN and PYENV_ROOT), reason="needs PB_BIN and the machine's pyenv")
def test_role_bad_input(ansible, make_warehouse, tmp_path):
    from safety_helpers import WAREHOUSES as ROWS, seeded_virtualenv
    info = make_warehouse(ROWS[0])
    grants = dict(("warehouse_grants_" + k, v) for k, v in ROWS[0].grants_args(info, "bad_role_case").items()
                  if k not in ("output_schema", "input_schemas"))
    grants.update(warehouse_grants_output_schema="rs_profiles",
                  warehouse_grants_input_schemas=[{"name": "website_eventstream"}])
    venv = seeded_virtualenv(str(tmp_path / "venv"), PB_BIN)
    cases = _file_cases(tmp_path, ROLE_CASES, {"venv": venv})
    by_id = dict((c["id"], (ctx, snap)) for c, ctx, snap in cases)
    pyenv_versions = sorted(os.listdir(os.path.join(PYENV_ROOT, "versions")))
    venv_before = tree_snapshot(venv)

    def build(c):
        spec = c["args"]
        role_vars = dict(grants if spec["base"] == "grants" else spec["base"])
        role_vars.update(spec["changes"])
        return {"ansible.builtin.include_role": {"name": "rudderstack.profiles." + spec["role"]},
                "vars": _fill(role_vars, by_id[c["id"]][0])}

    before = ROWS[0].snapshot(info)
    tmpdir = _suite_tmp(tmp_path)
    tasks = [_block(c["id"], build(c)) for c in ROLE_CASES]
    results = ansible.playbook(tasks, extra_env={"TMPDIR": tmpdir}, gather_facts=True)
    records = dict((c["id"], None) for c in ROLE_CASES)
    for result in results:
        msg = result.get("msg")
        if isinstance(msg, dict) and msg.get("case") in records:
            records[msg["case"]] = msg
    assert catalog_changes(before, ROWS[0].snapshot(info)) == []
    assert sorted(os.listdir(os.path.join(PYENV_ROOT, "versions"))) == pyenv_versions
    assert snapshot_changes(venv_before, tree_snapshot(venv)) == []
    assert set(os.listdir(tmpdir)) <= PB_TMP_CACHE
    _judge(ROLE_CASES, records,
           lambda c: snapshot_changes(by_id[c["id"]][1], tree_snapshot(by_id[c["id"]][0]["dir"])))
