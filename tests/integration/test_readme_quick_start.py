"""The README's Quick start, read from the README itself and run on a copy of the checkout: the
build and install commands as written, then rudderstack.profiles.onboard with the README's
inventory (its variable names, its interpreter setting) for the admin play, against the real
PostgreSQL. The workstation play is what scripts/onboard-local.sh runs on a bare machine
(extensions/molecule/newcomer)."""
import json
import os
import re
import shlex
import subprocess
import sys
import uuid

import psycopg2
import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def quick_start():
    """The fenced blocks of the README's Quick start section: (info string, text)."""
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```(\w*)\n(.*?)^```$", section, re.S | re.M)


def commands(text):
    """Shell lines of a block, comments dropped."""
    return [shlex.split(line.split("  #", 1)[0]) for line in text.splitlines() if line.strip()]


@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout's files (tracked and untracked, not ignored), as a clone would have."""
    dest = tmp_path / "clone"
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = os.path.join(REPO.encode(), name)
        if not os.path.isfile(src):
            continue
        target = os.path.join(str(dest).encode(), name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(src, "rb") as fin, open(target, "wb") as fout:
            fout.write(fin.read())
    return dest


def test_the_quick_start_builds_installs_and_applies_the_privileges(pg, pg_connect, checkout, tmp_path):
    blocks = quick_start()
    setup = commands(blocks[0][1])
    inventory_block = [text for lang, text in blocks if lang == "yaml" and text.startswith("# inventory.yml")]
    run_line = [cmds for cmds in (commands(text) for lang, text in blocks if not lang)
                if cmds and cmds[0][0] == "ansible-playbook"]
    assert len(inventory_block) == 1 and len(run_line) == 1, blocks
    run = run_line[0][0]

    collections = tmp_path / "collections"
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"],
               ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false")
    # The build and install lines, as written. Galaxy is unreachable here: --no-deps, as the README
    # says for that case (community.general comes with the ansible package).
    galaxy = [argv for argv in setup if argv[:2] == ["ansible-galaxy", "collection"]]
    assert [argv[2] for argv in galaxy] == ["build", "install"], setup
    for argv in galaxy:
        argv = argv + (["--no-deps"] if argv[2] == "install" else [])
        proc = subprocess.run(argv, cwd=str(checkout), env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 0, "%s\n%s%s" % (argv, proc.stdout, proc.stderr)
    assert (collections / "ansible_collections" / "rudderstack" / "profiles" / "playbooks" / "onboard.yml").exists()

    # The inventory as written; the site's own values (where the warehouse is, who the admin is,
    # the secrets of the vault file) come as extra variables, as they would from host variables.
    inventory = checkout / "inventory.yml"
    inventory.write_text(inventory_block[0])
    admin_vars = yaml.safe_load(inventory_block[0])["all"]["children"]["profiles_admin"]["vars"]
    dbname = "quick_" + uuid.uuid4().hex[:8]
    principal = "qs_" + uuid.uuid4().hex[:8]   # roles are cluster-wide: one per test run
    cur = pg_connect().cursor()
    cur.execute('CREATE DATABASE "%s"' % dbname)
    pg_connect(dbname=dbname).cursor().execute(
        "CREATE SCHEMA website_eventstream; CREATE TABLE website_eventstream.tracks (id int)")
    site = {"warehouse_grants_login_host": pg["host"], "warehouse_grants_login_port": pg["port"],
            "warehouse_grants_login_user": pg["user"], "warehouse_grants_login_db": dbname,
            "warehouse_grants_principal": principal}
    assert set(site) <= set(admin_vars), sorted(admin_vars)
    # The vault file of the README, unencrypted here (no one to type the vault password).
    (checkout / "secrets.yml").write_text(yaml.safe_dump({
        "vault_admin_password": pg["password"], "vault_rudderstack_password": "quick-start-Pw-1"}))
    argv = [a for a in run if a != "--ask-vault-pass"]
    assert argv[:3] == ["ansible-playbook", "-i", "inventory.yml"] and argv[-1] == "rudderstack.profiles.onboard", run
    argv += ["--limit", "profiles_admin", "-e", json.dumps(site)]
    proc = subprocess.run(argv, cwd=str(checkout), env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"localhost +: ok=\d+ +changed=[1-9]\d* +unreachable=0 +failed=0", proc.stdout), proc.stdout

    # The principal pb will connect as exists, with the README's password, and owns the output schema.
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=dbname, user=principal,
                            password="quick-start-Pw-1")
    try:
        check = conn.cursor()
        check.execute("SELECT schema_owner FROM information_schema.schemata WHERE schema_name = %s",
                      (admin_vars["warehouse_grants_output_schema"],))
        assert check.fetchone() == (principal,)
        check.execute("SELECT has_table_privilege('website_eventstream.tracks', 'SELECT')")
        assert check.fetchone() == (True,)
    finally:
        conn.close()
