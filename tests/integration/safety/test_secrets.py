"""Every module with -vvv, in normal mode and in check + diff mode, on success and on the failure
paths (wrong password, unreachable host, a bad key or CA file whose content is itself a secret):
no secret value used may appear in ansible's output, its log, the server log (log_statement=all)
or any file the runs left, except the siteconfig that must hold them. One playbook per warehouse
row and mode, so the whole scan costs a few ansible-playbook start-ups. (onboard.yml itself is
scanned in test_onboard.py.)"""
import os
import socket
import sys

import pytest
import yaml

from safety_helpers import WAREHOUSES, run_verbose_playbook

PB_BIN = os.environ.get("PB_BIN")
PEM = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n"


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.2", 0))
        return sock.getsockname()[1]


def _tasks(row, info, scanner, folder):
    """The tasks of one scan: (name, module, args) for every module and failure path. Secrets
    are variables from a vars file (as from ansible-vault), never literal in the playbook:
    ansible-core 2.19 prints the playbook lines around a failing task, which would show a
    literal secret of the task before (docs/security.md)."""
    secret = dict((label, "{{ vault_%s }}" % label) for label in scanner.values)
    principal = "secret_%s" % info["dbname"][-8:]
    not_a_cert = os.path.join(folder, "ca.crt")
    with open(not_a_cert, "w") as handle:
        handle.write(scanner.values["ca_file"] + "\n")
    bad_key = os.path.join(folder, "bad.p8")
    with open(bad_key, "w") as handle:
        handle.write(scanner.values["key_file"] + "\n")
    site = os.path.join(folder, ".pb", "siteconfig.yaml")
    pg = dict(host=info.get("host", "127.0.0.2"), port=info.get("port", 5432), dbname=info["dbname"])
    if row.libpq:
        grants = row.grants_args(info, principal, principal_password=secret["principal"],
                                 login_password=secret["admin"])
        grants_tasks = [
            ("grants: create the principal", grants),
            ("grants: rotate the password", dict(grants, update_password="always",
                                                 principal_password=secret["rotated"])),
            ("grants: wrong admin password", dict(grants, login_password=secret["wrong"])),
            ("grants: unreachable host", dict(grants, login_port=_closed_port(), connect_timeout=2)),
            ("grants: CA file holding a secret", dict(grants, sslmode="verify-full", ssl_rootcert=not_a_cert)),
            ("grants: password for a role", dict(grants, principal_type="role")),
        ]
    else:
        from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
        grants = row.grants_args(info, principal)
        credential = [k for k, v in grants.items() if v == info["password"]][0]   # the admin's
        if credential.endswith("_path"):   # a key file: the wrong one holds a secret of its own
            wrong = os.path.join(folder, "wrong-key.json")
            with open(wrong, "w") as handle:
                handle.write('{"type": "service_account", "private_key": "%s"}\n' % scanner.values["wrong"])
        else:
            grants[credential] = secret["admin"]
            wrong = secret["wrong"]
        grants_tasks = [
            ("grants: create the principal", grants),
            ("grants: wrong credential", dict(grants, **{credential: wrong})),
            # A refused port (the adapters say so at once; connect_timeout 1 bounds it regardless).
            ("grants: unreachable host", dict(grants, **row.endpoint_args(info, _closed_port(), 1))),
        ]
        if registry.ADAPTERS[row.name].PASSWORDS:
            grants["principal_password"] = secret["principal"]
            grants_tasks.append(("grants: rotate the password", dict(grants, update_password="always",
                                                                     principal_password=secret["rotated"])))
        else:
            grants_tasks.append(("grants: a password where none is used",
                                 dict(grants, principal_password=secret["principal"])))
        if row.name == "snowflake":   # a key-pair service user: its key generated, encrypted with a vaulted passphrase
            keyed = dict(grants, principal=principal + "_kp", principal_private_key_passphrase=secret["passphrase"],
                         principal_private_key_path=os.path.join(folder, "keys", "pb.p8"))
            del keyed["principal_password"]
            grants_tasks.append(("grants: key-pair principal", keyed))
    snowflake = {"path": site, "connection": "sf", "warehouse": "snowflake", "account": "xy12345",
                 "snowflake_warehouse": "wh", "dbname": "db", "role": "r", "user": "u", "schema": "s",
                 "private_key": "{{ vault_pem }}", "private_key_passphrase": secret["passphrase"]}
    tasks = [(name, "profiles_grants", args) for name, args in grants_tasks]
    if row is not WAREHOUSES[0]:   # the files' modules do not depend on the warehouse row
        return _as_tasks(tasks)
    tasks += [
        ("siteconfig: postgres", "profiles_siteconfig", {
            "path": site, "connection": "pg", "warehouse": "postgres", "host": pg["host"], "port": pg["port"],
            "dbname": pg["dbname"], "user": principal, "password": secret["principal"], "schema": "rs_profiles",
            "backup": True}),
        ("siteconfig: postgres password rotated", "profiles_siteconfig", {
            "path": site, "connection": "pg", "warehouse": "postgres", "host": pg["host"], "port": pg["port"],
            "dbname": pg["dbname"], "user": principal, "password": secret["rotated"], "schema": "rs_profiles",
            "backup": True}),
        ("siteconfig: snowflake key pair", "profiles_siteconfig", snowflake),
        ("siteconfig: databricks token", "profiles_siteconfig", {
            "path": site, "connection": "dbx", "warehouse": "databricks", "host": "adb-1.azuredatabricks.net",
            "http_endpoint": "/sql/1.0/warehouses/abc", "catalog": "main", "user": "u", "schema": "s",
            "access_token": secret["token"]}),
        ("siteconfig: redshift IAM keys", "profiles_siteconfig", {
            "path": site, "connection": "rs", "warehouse": "redshift", "redshift_driver": "v2", "dbname": "dev",
            "region": "us-east-1", "cluster_identifier": "c1", "user": "u", "schema": "s",
            "access_key_id": "AKIAEXAMPLE", "secret_access_key": secret["aws"]}),
        ("siteconfig: key file that is not a key", "profiles_siteconfig", dict(
            snowflake, connection="sf2", private_key=None, private_key_path=bad_key)),
        ("siteconfig: wrong type for the password", "profiles_siteconfig", dict(
            snowflake, connection="sf3", private_key=None, private_key_passphrase=None,
            password={"nested": secret["nested"]})),
    ]
    if PB_BIN:
        tasks += [
            ("project: lint with the siteconfig", "profiles_project", {
                "path": os.path.join(folder, "project"), "connection": "pg", "siteconfig_path": site,
                "virtualenv": os.path.dirname(os.path.dirname(PB_BIN)), "lint": True, "migrate": True}),
            ("project: pb missing", "profiles_project", {
                "path": os.path.join(folder, "project2"), "connection": "pg", "siteconfig_path": site,
                "pb_path": os.path.join(folder, "no-pb")}),
        ]
    return _as_tasks(tasks)


def _as_tasks(tasks):
    return [{"name": name, "rudderstack.profiles." + module: dict((k, v) for k, v in args.items() if v is not None),
             "ignore_errors": True} for name, module, args in tasks]


SECRETS = ["principal", "rotated", "wrong", "ca_file", "key_file", "private_key", "passphrase", "token", "aws",
           "nested"]


def _scans():
    """(row, mode) pairs: every row in normal mode; in check + diff mode the rows whose
    principals have passwords (the planned statements carry them) and the first row (which also
    runs the file modules). The others' check-mode output differs only by the plan."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    pairs = [(row, "normal") for row in WAREHOUSES]
    pairs += [(row, "check+diff") for row in WAREHOUSES
              if row is WAREHOUSES[0] or registry.ADAPTERS[row.name].PASSWORDS]
    return pairs


@pytest.mark.parametrize("row, mode", _scans(), ids=["%s-%s" % (r.name, m) for r, m in _scans()])
def test_no_secret_in_any_output(row, mode, make_warehouse, scanner, server_log, collections_path, tmp_path):
    for label in SECRETS:
        scanner.new(label)
    info = make_warehouse(row)
    folder = str(tmp_path / "work")
    os.makedirs(folder)
    tmpdir = str(tmp_path / "tmp")
    os.makedirs(tmpdir)
    playbook = os.path.join(folder, "scan.yml")
    secrets_file = os.path.join(folder, "secrets.yml")
    with open(secrets_file, "w") as handle:
        values = dict(("vault_" + label, value) for label, value in scanner.values.items())
        values["vault_pem"] = PEM % scanner.values["private_key"]
        yaml.safe_dump(values, handle)
    os.chmod(secrets_file, 0o600)
    with open(playbook, "w") as handle:
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "vars": {"ansible_python_interpreter": sys.executable},
                         "tasks": _tasks(row, info, scanner, folder)}], handle, sort_keys=False)
    mark = server_log.mark()
    proc, log = run_verbose_playbook(collections_path, folder, playbook, check=(mode != "normal"), diff=True,
                                     extra_vars_file=secrets_file, env={"TMPDIR": tmpdir, "HOME": folder})
    assert "PLAY RECAP" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "task path" in proc.stdout and "invocation" in proc.stdout  # -vvv really was on
    server = server_log.text(since=mark)
    if mode == "normal" and row.libpq:
        assert "CREATE" in server and "ALTER" in server, "the server log holds none of the run's statements"
    site = os.path.join(folder, ".pb", "siteconfig.yaml")
    pg = dict(host=info.get("host", "127.0.0.2"), port=info.get("port", 5432), dbname=info["dbname"])
    leaks = (scanner.scan("%s %s: stdout" % (row.name, mode), proc.stdout)
             + scanner.scan("%s %s: stderr" % (row.name, mode), proc.stderr)
             + scanner.scan("%s %s: ansible log" % (row.name, mode), log)
             + scanner.scan("%s %s: server log" % (row.name, mode), server))
    # Files the runs left: the key and CA files hold their own secrets by design, the siteconfig
    # (and its backups) hold the connection secrets; nothing else may.
    keep = set([os.path.join(folder, "ca.crt"), os.path.join(folder, "bad.p8"), os.path.join(folder, "wrong-key.json"),
                site, secrets_file])
    if os.path.isdir(os.path.join(folder, ".pb")):
        keep.update(os.path.join(folder, ".pb", f) for f in os.listdir(os.path.join(folder, ".pb"))
                    if f.startswith("siteconfig.yaml."))
    leaks += scanner.scan_tree(folder, skip=keep)
    leaks += scanner.scan_tree(tmpdir)
    assert leaks == [], "\n".join("%s in %s: ...%s..." % leak for leak in leaks)
    if mode == "normal" and row is WAREHOUSES[0]:
        with open(site) as handle:   # the scan would have seen them: they exist, in the right place
            text = handle.read()
        assert secret_in(scanner, "rotated", text) and secret_in(scanner, "token", text)


def secret_in(scanner, label, text):
    return scanner.values[label] in text


def _scram_matches(verifier, password):
    """Whether a SCRAM-SHA-256 verifier (RFC 5803 form, as PostgreSQL stores it) was made from
    ``password``: recomputed here from its salt and iteration count (ASCII passwords need no
    SASLprep)."""
    import base64
    import hashlib
    import hmac
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return (method == "SCRAM-SHA-256"
            and base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
            and base64.b64encode(hmac.new(salted, b"Server Key", hashlib.sha256).digest()).decode() == server_key)


@pytest.mark.parametrize("row", [r for r in WAREHOUSES if r.libpq], ids=[r.name for r in WAREHOUSES if r.libpq])
def test_the_server_stores_what_was_computed_client_side(ansible, make_warehouse, row, scanner):
    """PostgreSQL stores the SCRAM verifier computed where the module ran (and the principal
    logs in with the password); the Redshift form is Redshift's documented MD5 string."""
    import hashlib
    import psycopg2
    info = make_warehouse(row)
    principal = "stored_" + info["dbname"][-8:]
    password = scanner.new("stored")
    result = ansible.module("profiles_grants", row.grants_args(info, principal, principal_password=password))
    assert not result.get("failed"), result
    stored = info["run"]("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (principal,))[0][0]
    if row.name == "postgres":
        assert _scram_matches(stored, password) and not _scram_matches(stored, password + "x")
        psycopg2.connect(host=info["host"], port=info["port"], dbname=info["dbname"], user=principal,
                         password=password).close()
    else:
        assert stored == "md5" + hashlib.md5((password + principal).encode()).hexdigest()
