"""The real pb, connecting as the granted principal: `pb validate access` fails before the
grants and passes after, and `pb run` then builds the id stitcher from the input tables."""
import os
import subprocess

import pytest
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.cli import PB_ENV

from tests.helpers.grants import login_args, unique

PB = os.environ.get("PB_BIN")
pytestmark = pytest.mark.skipif(not PB, reason="PB_BIN (the pb CLI) is not set")
PASSWORD = "pb-Secret-1"


def siteconfig(db, principal, password, warehouse="postgres", schema="rs_profiles"):
    """A siteconfig in the format `pb init connection` writes (4-space indent, sorted keys)."""
    fields = {"dbname": db["dbname"], "host": db["host"], "outputSchema": schema, "password": password,
              "port": db["port"], "schema": schema, "type": warehouse, "user": principal}
    if warehouse == "redshift":
        fields.update({"driver": "v1", "sslmode": "disable"})
    lines = ["connections:", "    conn:", "        target: dev", "        outputs:", "            dev:"]
    lines += ["                %s: %s" % (k, fields[k]) for k in sorted(fields)]
    return "\n".join(lines) + "\n"


def pb(args, cwd, timeout=120):
    env = dict(os.environ, **PB_ENV)
    return subprocess.run([PB] + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def make_project(tmp_path, site):
    (tmp_path / "siteconfig.yaml").write_text(site)
    init = pb(["init", "pb-project", "-o", "proj", "-n", "conn", "-c", "siteconfig.yaml"], str(tmp_path), 60)
    assert init.returncode == 0, init.stdout + init.stderr
    inputs = tmp_path / "proj" / "models" / "inputs.yaml"
    inputs.write_text(inputs.read_text().replace("rudder_events_production.web.", "website_eventstream."))
    return str(tmp_path / "proj")


def event_tables(db):
    db["run"]("""
        CREATE SCHEMA website_eventstream;
        CREATE TABLE website_eventstream.identifies (user_id text, anonymous_id text, email text, "timestamp" timestamp);
        CREATE TABLE website_eventstream.tracks (user_id text, anonymous_id text, "timestamp" timestamp);
        INSERT INTO website_eventstream.identifies VALUES ('u1', 'a1', 'u1@x.com', now()),
            ('u2', 'a2', 'u2@x.com', now()), (NULL, 'a3', 'u1@x.com', now());
        INSERT INTO website_eventstream.tracks VALUES ('u1', 'a4', now()), (NULL, 'a5', now());
    """)


def test_pb_validates_and_runs_only_after_grants(ansible, db, tmp_path):
    # PUBLIC loses its default rights, so only what the module grants counts.
    db["run"]('REVOKE ALL ON DATABASE "%s" FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM PUBLIC;'
              'CREATE EXTENSION pgcrypto SCHEMA public' % db["dbname"])
    event_tables(db)
    principal = unique("pbuser")
    db["run"]('CREATE ROLE "%s" LOGIN PASSWORD %%s' % principal, (PASSWORD,))
    proj = make_project(tmp_path, siteconfig(db, principal, PASSWORD))

    before = pb(["validate", "access", "-c", "../siteconfig.yaml"], proj)
    assert before.returncode != 0, before.stdout + before.stderr
    assert "permission denied" in before.stdout + before.stderr

    args = login_args(db, warehouse="postgres", principal=principal, principal_password=PASSWORD,
                      output_schema={"name": "rs_profiles", "owned_by_principal": True},
                      input_schemas=[{"name": "website_eventstream"}, {"name": "public", "tables": []}])
    granted = ansible.module("profiles_grants", args)
    assert granted["changed"] is True and not granted.get("failed"), granted

    after = pb(["validate", "access", "-c", "../siteconfig.yaml"], proj)
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-3000:]
    run = pb(["run", "-c", "../siteconfig.yaml"], proj, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = db["run"]("SELECT count(*), count(DISTINCT user_main_id) FROM rs_profiles.user_id_stitcher")
    assert rows == [(9, 3)]
    # pb's own objects belong to the principal; the grants are still converged.
    again = ansible.module("profiles_grants", args)
    assert again["changed"] is False and again["queries"] == [], again


def test_pb_redshift_validate_access_after_redshift_grants(ansible, redshift_db, tmp_path):
    """pb's own Redshift access check (has_schema_privilege, has_table_privilege and
    svv_language_privileges for plpythonu), run against the svv_* MODEL on PostgreSQL."""
    db = redshift_db
    event_tables(db)
    principal = unique("rsuser")
    db["run"]('CREATE USER "%s" PASSWORD %%s' % principal, (PASSWORD,))
    proj = make_project(tmp_path, siteconfig(db, principal, PASSWORD, warehouse="redshift"))
    db["run"]('CREATE SCHEMA rs_profiles')  # pb needs the output schema to exist

    before = pb(["validate", "access", "-c", "../siteconfig.yaml"], proj)
    assert before.returncode != 0, before.stdout + before.stderr
    assert "GRANT" in before.stdout + before.stderr

    args = login_args(db, warehouse="redshift", principal=principal, principal_password=PASSWORD,
                      output_schema={"name": "rs_profiles", "create": False,
                                     "table_privileges": ["SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES"]},
                      input_schemas=[{"name": "website_eventstream"}])
    granted = ansible.module("profiles_grants", args)
    assert granted["changed"] is True and not granted.get("failed"), granted
    assert 'GRANT USAGE ON LANGUAGE "plpythonu" TO "%s"' % principal in granted["queries"]

    after = pb(["validate", "access", "-c", "../siteconfig.yaml"], proj)
    output = after.stdout + after.stderr
    assert after.returncode == 0, output[-3000:]
    assert "ERROR" not in output, output[-3000:]
