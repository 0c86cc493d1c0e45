"""Byte-for-byte comparison with files the real pb wrote (tests/unit/fixtures/pb-siteconfig/).

Each case gives the module options that correspond to the answers typed into
``pb init connection`` for that file, builds the siteconfig the way the module does, and
compares the rendered text with pb's file.
"""
import functools
import json
import os

import pytest

from siteconfig_loader import FIXTURES, fixture, load

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import goyaml as siteconfig_yaml

sc = load()

HOME_PATH = "/home/analyst/.pb/siteconfig.yaml"
HOME_CACHE = "/home/analyst/.pb/WhtCache"
PEM = "-----BEGIN PRIVATE KEY-----\n...key body elided...\n-----END PRIVATE KEY-----\n"
PEM_ENC = ("-----BEGIN ENCRYPTED PRIVATE KEY-----\n...key body elided...\n"
           "-----END ENCRYPTED PRIVATE KEY-----\n")
SSH_PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\n...key body elided...\n"
           "-----END OPENSSH PRIVATE KEY-----\n")
BQ_KEY = {
    "type": "service_account",
    "project_id": "my-gcp-project",
    "private_key_id": "0123456789abcdef",
    "private_key": PEM,
    "client_email": "pb-sa@my-gcp-project.iam.gserviceaccount.com",
    "client_id": "123456789012345678901",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                            "pb-sa%40my-gcp-project.iam.gserviceaccount.com",
    "universe_domain": "googleapis.com",
}

SF = dict(account="acct", snowflake_warehouse="WH", dbname="DB", role="R", user="USR",
          schema="SCH")
RS1 = dict(dbname="rsdb", host="rs-host.example.com", port=5439, user="rsuser", password="rspw",
           schema="rs_sch")
RS2 = dict(redshift_driver="v2", dbname="rsdb", user="rsuser", region="us-east-1",
           sslmode="disable", schema="rs_sch")
DB = dict(host="adb-1234567890123456.7.azuredatabricks.net", http_endpoint="/sql/1.0/warehouses/abc123",
          catalog="main", user="dbuser", schema="db_sch")
DB_SMALL = dict(access_token="tok", catalog="main", host="h", http_endpoint="/sql", user="u",
                schema="dsch")


def merged(*dicts, **extra):
    result = {}
    for d in dicts + (extra,):
        result.update(d)
    return result


# (fixture, connection, target, warehouse, options)
SINGLE = [
    ("01_snowflake_password.yaml", "sfconn", "dev", "snowflake",
     dict(account="myacct-xy12345", snowflake_warehouse="MY_WH", dbname="MY_DB", role="MY_ROLE",
          user="MY_USER", password="s3cretPW", schema="MY_SCHEMA")),
    ("02_snowflake_keypair_nopass.yaml", "sfkp", "dev", "snowflake",
     dict(account="acct-kp", snowflake_warehouse="WH", dbname="DB", role="ROLE_KP", user="USR",
          private_key=PEM, schema="SCH")),
    ("03_snowflake_keypair_encrypted.yaml", "sfkpe", "prod", "snowflake",
     dict(account="acct-kp", snowflake_warehouse="WH", dbname="DB", role="ROLE_KP", user="USR",
          private_key=PEM_ENC, private_key_passphrase="keypass", schema="SCH",
          output_schema="OUT_SCH")),
    ("04_snowflake_mfa_cache_Y.yaml", "sfmfa", "dev", "snowflake",
     merged(SF, password="pw", snowflake_enable_mfa_caching=True)),
    ("04_snowflake_mfa_cache_n.yaml", "sfmfa", "dev", "snowflake",
     merged(SF, password="pw", snowflake_enable_mfa_caching=False)),
    ("05_redshift_m1_password.yaml", "rsconn", "dev", "redshift", merged(RS1, sslmode="disable")),
    ("06_redshift_m1_ssh_tunnel.yaml", "rsconn", "dev", "redshift",
     merged(RS1, sslmode="require", ssh_host="bastion.example.com", ssh_port=2222,
            ssh_user="sshuser", ssh_private_key=SSH_PEM)),
    ("07_redshift_m2a_cluster.yaml", "rsconn", "dev", "redshift",
     merged(RS2, cluster_identifier="my-cluster", access_key_id="AKIAEXAMPLE",
            secret_access_key="SECRETEXAMPLE")),
    ("08_redshift_m2a_s.yaml", "rsconn", "dev", "redshift",
     merged(RS2, workgroup_name="my-wg", access_key_id="AKIAEXAMPLE",
            secret_access_key="SECRETEXAMPLE")),
    ("09_redshift_m2b_c.yaml", "rsconn", "dev", "redshift",
     merged(RS2, cluster_identifier="my-cluster", shared_profile="myprofile")),
    ("10_redshift_m2b_s.yaml", "rsconn", "dev", "redshift",
     merged(RS2, workgroup_name="my-wg", shared_profile="myprofile")),
    ("12_redshift_m2c_c.yaml", "rsconn", "dev", "redshift",
     merged(RS2, cluster_identifier="my-cluster",
            secrets_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:rs-abc")),
    ("13_redshift_m2c_s.yaml", "rsconn", "dev", "redshift",
     merged(RS2, workgroup_name="my-wg",
            secrets_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:rs-abc")),
    ("14_bigquery.yaml", "bqconn", "dev", "bigquery",
     dict(project_id="my-gcp-project", credentials=BQ_KEY, schema="bq_sch")),
    ("15_databricks_pat.yaml", "dbconn", "dev", "databricks", merged(DB, access_token="dapiXXXX")),
    ("16_databricks_oauth.yaml", "dbconn", "dev", "databricks",
     merged(DB, client_id="my-client-id", client_secret="my-client-secret")),
]


def fresh():
    return sc.new_siteconfig(HOME_PATH, HOME_CACHE)


def apply(data, connection, target, warehouse, options, default_target=False):
    output = sc.build_output(warehouse, options)
    return sc.set_output(data, connection, target, output, default_target)


@pytest.mark.parametrize("name,connection,target,warehouse,options", SINGLE,
                         ids=[case[0] for case in SINGLE])
def test_single_connection_matches_pb(name, connection, target, warehouse, options):
    data = apply(fresh(), connection, target, warehouse, options)
    assert sc.render_siteconfig(data) == fixture(name)


def test_bigquery_credentials_from_file_matches_pb(tmp_path):
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(BQ_KEY, indent=2))
    options = dict(project_id="my-gcp-project", credentials_path=str(key_file), schema="bq_sch")
    data = apply(fresh(), "bqconn", "dev", "bigquery", options)
    assert sc.render_siteconfig(data) == fixture("14_bigquery.yaml")


def test_snowflake_key_from_file_matches_pb(tmp_path):
    key_file = tmp_path / "rsa_key.p8"
    key_file.write_text(PEM)
    options = dict(SINGLE[1][4])
    del options["private_key"]
    options["private_key_path"] = str(key_file)
    data = apply(fresh(), "sfkp", "dev", "snowflake", options)
    assert sc.render_siteconfig(data) == fixture("02_snowflake_keypair_nopass.yaml")


def multi_steps():
    """The answers behind 20_, 21_ and 22_, applied one after the other like pb did."""
    sf = merged(SF, password="pw")
    step20 = apply(apply(fresh(), "conn_a", "dev", "snowflake", sf),
                   "conn_b", "dev", "databricks", DB_SMALL)
    step21 = apply(step20, "conn_a", "prod", "snowflake", sf)
    step22 = apply(step21, "conn_a", "dev", "snowflake", merged(sf, account="acct_CHANGED"))
    return step20, step21, step22


def test_two_connections_match_pb():
    assert sc.render_siteconfig(multi_steps()[0]) == fixture("20_multi_two_connections.yaml")


def test_second_target_matches_pb_and_keeps_default():
    step21 = multi_steps()[1]
    assert sc.render_siteconfig(step21) == fixture("21_multi_second_target.yaml")
    assert step21["connections"]["conn_a"]["target"] == "dev"


def test_overwrite_existing_target_matches_pb():
    assert sc.render_siteconfig(multi_steps()[2]) == fixture("22_multi_overwrite_existing_target.yaml")


def test_append_to_handwritten_file_matches_pb_but_keeps_unknown_key():
    before = sc.parse_siteconfig(fixture("30_handwritten_before.yaml"))
    after = apply(before, "conn_b", "dev", "databricks", DB_SMALL)
    after["filepath"], after["cache_dir"] = HOME_PATH, HOME_CACHE
    # pb drops the unknown top-level key; everything else is byte-identical.
    assert sc.render_siteconfig(after) == fixture("31_handwritten_after_append.yaml") + "unknown_top_level: 42\n"


@pytest.mark.parametrize("name", [case[0] for case in SINGLE] + [
    "20_multi_two_connections.yaml", "21_multi_second_target.yaml",
    "22_multi_overwrite_existing_target.yaml", "31_handwritten_after_append.yaml"])
def test_pb_files_round_trip_unchanged(name):
    text = fixture(name)
    assert sc.render_siteconfig(sc.parse_siteconfig(text)) == text


def test_connection_names_sorted():
    assert sc.connection_names(multi_steps()[0]) == ["conn_a", "conn_b"]
    assert sc.connection_names(None) == []
    assert sc.connection_names({}) == []


# --- the emitter on values the references do not cover ----------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("plain", "plain"),
    ("", '""'),
    ("123", '"123"'),
    ("0777", '"0777"'),
    ("1.5", '"1.5"'),
    ("1e3", '"1e3"'),
    ("true", '"true"'),
    ("False", '"False"'),
    ("null", '"null"'),
    ("~", '"~"'),
    ("yes", '"yes"'),
    ("off", '"off"'),
    ("2024-01-02", '"2024-01-02"'),
    ("1:20", '"1:20"'),
    ("<<", "<<"),  # in yaml.v3's map but never looked up: '<' gives no type hint
    ("a: b", "'a: b'"),
    ("has # hash", "'has # hash'"),
    ("a#b", "a#b"),
    ("- x", "'- x'"),
    ("-U", "-U"),
    (" lead", "' lead'"),
    ("trail ", "'trail '"),
    ("it's", "it's"),
    ("'quoted'", "'''quoted'''"),
    ("*star", "'*star'"),
    ("a\tb", '"a\\tb"'),
    ("p@ss:w0rd!", "p@ss:w0rd!"),
    ("https://x.example/a?b=c", "https://x.example/a?b=c"),
    ("caf\u00e9", "caf\u00e9"),
    (5439, "5439"),
    (True, "true"),
    (None, "null"),
    (1.5, "1.5"),
    (100.0, "100"),
])
def test_scalar_quoting_follows_yaml_v3(value, expected):
    assert siteconfig_yaml.emit([("k", value)]) == "k: %s\n" % expected


def test_literal_block_chomping():
    out = sc.render_siteconfig({"connections": {}, "x": "a\nb"})
    assert "x: |-\n    a\n    b\n" in out
    out = sc.render_siteconfig({"connections": {}, "x": "a\n\nb\n\n"})
    assert "x: |+\n    a\n\n    b\n\n" in out
    # trailing spaces before a line break rule out a block scalar
    assert 'x: "a \\nb"' in sc.render_siteconfig({"connections": {}, "x": "a \nb"})


def test_key_order_is_yaml_v3_natural_order():
    keys = ["b", "a_b", "ab", "target10", "target9", "Z", "a1", "a01"]
    ordered = sorted(keys, key=functools.cmp_to_key(siteconfig_yaml.go_key_cmp))
    assert ordered == ["Z", "a_b", "a1", "a01", "ab", "b", "target9", "target10"]


def test_gitcreds_entries_render_in_pb_field_order():
    data = sc.upsert_gitcreds(fresh(), [
        sc.gitcred_entry("git@github.com:org/*", key=PEM),
        sc.gitcred_entry("https://github.com/org/*", username="bot", password="tok"),
    ])
    text = sc.render_siteconfig(data)
    assert ("gitcreds:\n"
            "    - reporegex: git@github.com:org/*\n"
            "      key: |\n"
            "        -----BEGIN PRIVATE KEY-----\n"
            "        ...key body elided...\n"
            "        -----END PRIVATE KEY-----\n"
            "    - reporegex: https://github.com/org/*\n"
            "      basic_auth:\n"
            "        username: bot\n"
            "        password: tok\n"
            "block_store_creds: []\n") in text
    assert sc.parse_siteconfig(text)["gitcreds"] == data["gitcreds"]


def test_gitcreds_and_custom_path_match_pb():
    """40_ -> 41_: pb (recorded) appended connection dbc to a file with gitcreds, at a custom
    path; pb reorders the gitcreds entries' keys and drops their unknown keys (we keep them)."""
    before = sc.parse_siteconfig(fixture("40_gitcreds_custom_path_before.yaml.txt"))
    after = apply(before, "dbc", "dev", "databricks",
                  dict(host="h", port=443, http_endpoint="/sql", access_token="tok", user="u",
                       schema="dsch", output_schema="dsch", catalog="main"))
    after["filepath"] = "/tmp/scpty/custom/site.yaml"
    after["cache_dir"] = "/tmp/scpty/home/.pb/WhtCache"
    expected = fixture("41_gitcreds_custom_path_after.yaml.txt")
    expected = expected.replace("        -----END OPENSSH PRIVATE KEY-----\n",
                                "        -----END OPENSSH PRIVATE KEY-----\n      zextra: 1\n")
    expected = expected.replace("        password: tok\n", "        password: tok\n        extra: x\n")
    assert sc.render_siteconfig(after) == expected
    assert sc.render_siteconfig(sc.parse_siteconfig(fixture("41_gitcreds_custom_path_after.yaml.txt"))) \
        == fixture("41_gitcreds_custom_path_after.yaml.txt")


@pytest.mark.parametrize("name,path,connection,target,options", [
    ("42_quoting_databricks.yaml", "/tmp/scpty/q/site.yaml", "1234", "true",
     dict(host="12345", port=443, http_endpoint="a: b", access_token="*tok", user="yes",
          schema="has #hash", output_schema="0777", catalog="2024-01-02")),
    ("43_quoting_databricks_unicode.yaml", "/tmp/scpty/q2/site.yaml", "caf\u00e9-conn", "Target10",
     dict(host="1:20", port=443, http_endpoint="-U", access_token="it's", user="'q'",
          schema="null", output_schema="~", catalog="x # y")),
])
def test_quoting_matches_pb(name, path, connection, target, options):
    """Values that look like numbers, booleans, dates, nulls or YAML syntax, recorded from pb."""
    data = sc.new_siteconfig(path, "/tmp/scpty/home/.pb/WhtCache")
    data = apply(data, connection, target, "databricks", options)
    assert sc.render_siteconfig(data) == fixture(name)


def test_key_file_content_is_stored_exactly_like_pb():
    """pb stores the key file's bytes as they are; without a final newline that is a |- block."""
    options = dict(account="acct", snowflake_warehouse="WH", dbname="DB", role="R", user="U",
                   schema="SCH", private_key_path=os.path.join(FIXTURES, "44_key_no_trailing_newline.p8"))
    data = apply(sc.new_siteconfig("/tmp/scpty/s2/site.yaml", "/tmp/scpty/home/.pb/WhtCache"),
                 "sfc", "dev", "snowflake", options)
    assert sc.render_siteconfig(data) == fixture("44_snowflake_keypair_file_no_trailing_newline.yaml")


@pytest.mark.parametrize("name,path,connection,target,options", [
    # strings that look like numbers or dates but are not, to yaml.v3: written plain by pb
    ("45_quoting_databricks_not_numbers_or_dates.yaml.txt", "/tmp/scpty/q3/site.yaml", "0bad", "<<",
     dict(host="0b1_x", port=443, http_endpoint="2024-13-45", access_token="2024-02-30",
          user="2024-01-01T10:00:00", schema="2024-01-01 10:00:00 +01:00", output_schema="-0b2",
          catalog="0o8")),
    # Go's number and time parsers: what they accept is quoted, what they refuse is plain
    ("46_quoting_databricks_go_parsers.yaml.txt", "/tmp/scpty/q4/site.yaml", "1e400", "2024-1-1",
     dict(host="08", port=443, http_endpoint="2024-01-01  10:00:00",
          access_token="2024-01-01T10:00:00+25:00", user="0x_1", schema="1_0:20",
          output_schema="2024-01-01t10:00:00Z", catalog="-0b101")),
    ("47_quoting_databricks_ranges.yaml.txt", "/tmp/scpty/q5/site.yaml", "2023-02-29", "2024-02-29",
     dict(host="2024-01-01T24:00:00Z", port=443, http_endpoint="9223372036854775808",
          access_token="+", user="-0x", schema="2024-01-01 10:00:00,5",
          output_schema="18446744073709551616", catalog="?a")),
    # Go 1.26 (pb's build): any number of fractional digits, time zone offsets up to 24:60
    ("48_quoting_databricks_time_edges.yaml.txt", "/tmp/scpty/q6/site.yaml",
     "2024-01-01 10:00:00.1234567890", "2024-01-01T10:00:00+24:00",
     dict(host="2024-01-01T10:00:00+01:61", port=443, http_endpoint="2024-01-01T10:00:00+01:60",
          access_token="2024-1-1 1:2:3", user="2024-01-01T10:00:00.5Z", schema="1e-400",
          output_schema=".5_0", catalog="0b-1")),
])
def test_quoting_edges_match_pb(name, path, connection, target, options):
    data = sc.new_siteconfig(path, "/tmp/scpty/home/.pb/WhtCache")
    data = apply(data, connection, target, "databricks", options)
    assert sc.render_siteconfig(data) == fixture(name)
    assert sc.render_siteconfig(sc.parse_siteconfig(fixture(name))) == fixture(name)


def test_key_content_without_final_line_break_is_written_as_pb_writes_the_key_file():
    """A key given as content (templated from a file, it lost its final line break) is the key
    file pb would have read: 02_ was recorded from one that ends with a line break."""
    options = dict(SINGLE[1][4], private_key=PEM.rstrip("\n"))
    data = apply(fresh(), "sfkp", "dev", "snowflake", options)
    assert sc.render_siteconfig(data) == fixture("02_snowflake_keypair_nopass.yaml")
    tunnel = dict(SINGLE[6][4], ssh_private_key=SSH_PEM.rstrip("\n"))
    data = apply(fresh(), "rsconn", "dev", "redshift", tunnel)
    assert sc.render_siteconfig(data) == fixture("06_redshift_m1_ssh_tunnel.yaml")
