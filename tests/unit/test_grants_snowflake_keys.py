"""Snowflake key-pair principals, offline: key loading and generation (keypair.py), the plan over
the user's key slots read from DESC USER (rotation), and the errors naming the option. The whole
cycle against the model of Snowflake, with pb reading the siteconfig, is in
tests/integration/grants/test_grants_snowflake.py."""
import base64
import hashlib
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import keypair, model
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import snowflake as sf


def _public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def rsa_keys():
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for dummy in range(3)]


def test_fingerprint_is_what_desc_user_prints(rsa_keys):
    pem = _public_pem(rsa_keys[0])
    pair = keypair.public_key(pem)
    der = base64.b64decode(pair.body)
    assert pair.fingerprint == "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert "\n" not in pair.body and "BEGIN" not in pair.body          # ALTER USER takes the body alone
    assert keypair.public_key(pair.body).fingerprint == pair.fingerprint  # the body alone is accepted too


def test_bad_public_keys_name_the_option():
    with pytest.raises(model.GrantsError, match="^principal_public_key: not an RSA public key"):
        keypair.public_key("not a key")
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(model.GrantsError, match="1024 bits; Snowflake needs at least 2048"):
        keypair.public_key(_public_pem(small))
    with pytest.raises(model.GrantsError, match="are RSA keys"):
        keypair.public_key(_public_pem(ec.generate_private_key(ec.SECP256R1())))


def test_generated_key_is_written_0600_encrypted_only_when_asked(tmp_path):
    path = str(tmp_path / "keys" / "pb.p8")
    pair = keypair.private_key_pair(path, "vault pass", generate=True)
    assert pair.generated and not os.path.exists(path)        # nothing written yet (check mode stops here)
    keypair.write_private_key(pair)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path, "rb") as handle:
        pem = handle.read()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(pem, password=b"vault pass")
    assert key.key_size == 2048
    again = keypair.private_key_pair(path, "vault pass", generate=True)
    assert not again.generated and again.fingerprint == pair.fingerprint   # read back: the same key
    with pytest.raises(model.GrantsError, match="^principal_private_key_passphrase: wrong passphrase"):
        keypair.private_key_pair(path, "wrong", generate=True)
    with pytest.raises(model.GrantsError, match="is encrypted; set principal_private_key_passphrase"):
        keypair.private_key_pair(path, None, generate=True)
    plain = keypair.private_key_pair(str(tmp_path / "plain.p8"), None, generate=True)
    keypair.write_private_key(plain)
    assert (tmp_path / "plain.p8").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def adapter_for(params):
    a = sf.SnowflakeAdapter(params=params)
    a.login_role, a.database = "SECURITYADMIN", "DB"
    return a


BASE = {"warehouse": "snowflake", "principal": "pb_user", "role": "pb_role", "database_privileges": []}


def plan_with(rsa_keys, slots, wanted=0, user_type="SERVICE", has_password="false"):
    params = dict(BASE, principal_public_key=_public_pem(rsa_keys[wanted]))
    a = adapter_for(params)
    desired = model.build_desired(params, a)
    current = model.Current("SECURITYADMIN", "DB", principal_exists=True)
    current.extra.update(role_exists=True, role_users={"PB_USER"},
                         user={"name": "PB_USER", "default_role": "PB_ROLE", "type": user_type,
                               "has_password": has_password})
    props = {"TYPE": user_type}
    for slot, index in zip(sf.KEY_SLOTS, slots):
        props[slot + "_FP"] = keypair.public_key(_public_pem(rsa_keys[index])).fingerprint if index is not None else "null"
    current.extra["user_props"] = props
    plan = model.plan_grants(desired, current, a)
    return [s.text for s in a.render(plan, desired, current)], plan


def test_key_slots_rotate_without_downtime(rsa_keys):
    body = {i: keypair.public_key(_public_pem(k)).body for i, k in enumerate(rsa_keys)}
    # the key in use: nothing to do
    assert plan_with(rsa_keys, (0, None))[0] == []
    # a new key goes into the free slot; the old one stays valid
    statements, plan = plan_with(rsa_keys, (0, None), wanted=1)
    assert statements == ["ALTER USER \"PB_USER\" SET RSA_PUBLIC_KEY_2 = '%s'" % body[1]]
    assert "RSA_PUBLIC_KEY stays valid until the next run" in plan.actions[0]
    # the next run: the old slot is cleared
    assert plan_with(rsa_keys, (0, 1), wanted=1)[0] == ['ALTER USER "PB_USER" UNSET RSA_PUBLIC_KEY']
    # the rotation after that uses slot 1 again
    assert plan_with(rsa_keys, (None, 1), wanted=2)[0] == ["ALTER USER \"PB_USER\" SET RSA_PUBLIC_KEY = '%s'" % body[2]]
    assert plan_with(rsa_keys, (2, 1), wanted=2)[0] == ['ALTER USER "PB_USER" UNSET RSA_PUBLIC_KEY_2']
    # both slots hold other keys: refused before anything is sent
    with pytest.raises(model.GrantsError, match="^principal_public_key: user \"PB_USER\" holds two other keys"):
        plan_with(rsa_keys, (0, 1), wanted=2)


def test_a_person_user_with_a_password_becomes_a_service_user(rsa_keys):
    statements, plan = plan_with(rsa_keys, (None, None), user_type="null", has_password="true")
    assert statements[1:] == ['ALTER USER "PB_USER" UNSET PASSWORD', 'ALTER USER "PB_USER" SET TYPE = SERVICE']
    assert statements[0].startswith('ALTER USER "PB_USER" SET RSA_PUBLIC_KEY = ')   # the key first
    assert "make user \"PB_USER\" a service user" in plan.actions[-1]


@pytest.mark.parametrize("extra,message", [
    ({"principal_password": "pw", "snowflake_principal_auth": "key_pair"},
     "principal_password: the user signs in with a key pair"),
    ({"snowflake_principal_auth": "key_pair"}, "principal_public_key: a key-pair principal"),
    ({"snowflake_principal_auth": "password", "principal_public_key": "x"},
     "principal_public_key: applies to snowflake_principal_auth key_pair"),
    ({"principal_type": "role", "role": None, "principal_public_key": "x"},
     "principal_public_key: with principal_type role no user is managed"),
])
def test_contradictions_name_the_option(extra, message):
    params = dict(BASE, **extra)
    with pytest.raises(model.GrantsError) as err:
        model.build_desired(params, adapter_for(params))
    assert str(err.value).startswith(message)


def test_password_is_the_legacy_choice_and_warns():
    params = dict(BASE, principal_password="pw")
    a = adapter_for(params)
    desired = model.build_desired(params, a)
    assert desired.extra["auth"] == "password" and a.key_pair is None
    assert len(a.warnings) == 1 and a.warnings[0].startswith("snowflake_principal_auth password: the Snowflake user")
    assert "pw" not in a.warnings[0].split("user")[0]


def test_a_new_user_without_a_key_is_refused_before_writing():
    a = adapter_for(dict(BASE))
    desired = model.build_desired(dict(BASE), a)
    current = model.Current("SECURITYADMIN", "DB")
    current.extra.update(role_exists=False, user=None)
    with pytest.raises(model.GrantsError, match='^principal_public_key: user "PB_USER" does not exist'):
        model.plan_grants(desired, current, a)
