# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Key pairs of Snowflake service users (profiles_grants' principal key pair).

Snowflake's key-pair authentication (docs.snowflake.com/en/user-guide/key-pair-auth): an RSA key
of at least 2048 bits; the user holds the PUBLIC key (``RSA_PUBLIC_KEY``, a second slot
``RSA_PUBLIC_KEY_2`` for rotation), given in SQL as the base64 body of the PEM without its
delimiter lines; ``DESC USER`` shows each slot's fingerprint as ``RSA_PUBLIC_KEY_FP`` /
``RSA_PUBLIC_KEY_2_FP``: ``SHA256:`` + base64 of the SHA-256 of the key's DER
SubjectPublicKeyInfo. The private key stays where it was made: a PKCS#8 PEM file (encrypted when
a passphrase is given), which is what pb's siteconfig ``privateKey`` holds.

Plain Python over the ``cryptography`` package (a dependency of snowflake-connector-python); no
Ansible imports. Errors are GrantsError naming the option.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import traceback

from ansible_collections.rudderstack.profiles.plugins.module_utils.atomic_write import write_atomic
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError:
    serialization = rsa = None
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

KEY_BITS = 2048          # Snowflake's minimum
MIN_KEY_BITS = 2048


class KeyPair:
    """The public half as Snowflake wants it, and where the private half is (or will be)."""

    def __init__(self, body, fingerprint, private_key_path=None, new_private_pem=None):
        self.body = body                          # base64 DER, one line: RSA_PUBLIC_KEY's value
        self.fingerprint = fingerprint            # SHA256:..., as DESC USER prints it
        self.private_key_path = private_key_path  # where the private key is, or is to be written
        self.new_private_pem = new_private_pem    # bytes still to write there (a key generated this run)
        self.generated = new_private_pem is not None


def _need_cryptography(option):
    if serialization is None:
        raise GrantsError("%s: Snowflake key pairs need the Python package cryptography (a dependency of "
                          "snowflake-connector-python)" % option)


def fingerprint_of(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii"), "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _check_rsa(key, option):
    if not isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        raise GrantsError("%s: Snowflake key pairs are RSA keys; this is a %s key" % (option, type(key).__name__))
    if key.key_size < MIN_KEY_BITS:
        raise GrantsError("%s: the key has %d bits; Snowflake needs at least %d" % (option, key.key_size, MIN_KEY_BITS))


def public_key(text, option="principal_public_key"):
    """A public key given as PEM (``-----BEGIN PUBLIC KEY-----``) or as its base64 body alone
    (what ALTER USER takes) -> KeyPair without a private part."""
    _need_cryptography(option)
    text = (text or "").strip()
    if not text.startswith("-----BEGIN"):
        text = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % "".join(text.split())
    try:
        key = serialization.load_pem_public_key(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise GrantsError("%s: not an RSA public key in PEM (-----BEGIN PUBLIC KEY-----) or its base64 body: %s"
                          % (option, str(exc).splitlines()[0] if str(exc) else "unreadable"))
    _check_rsa(key, option)
    body, fingerprint = fingerprint_of(key)
    return KeyPair(body, fingerprint)


def private_key_pair(path, passphrase, generate, option="principal_private_key_path",
                     passphrase_option="principal_private_key_passphrase"):
    """The key pair whose private key is the PEM file ``path``: read when it exists; else, when
    ``generate``, a new RSA key (written by ``write_private_key`` only when the run applies its
    statements: check mode never writes). A generated key is PKCS#8, encrypted with
    ``passphrase`` when one is given (BestAvailableEncryption), as pb's siteconfig takes it."""
    _need_cryptography(option)
    secret = passphrase.encode("utf-8") if passphrase else None
    if os.path.exists(path):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            raise GrantsError("%s: cannot read %s: %s" % (option, path, exc.strerror or exc))
        try:
            key = serialization.load_pem_private_key(data, password=secret)
        except TypeError:
            if secret is None:
                raise GrantsError("%s: %s is encrypted; set %s" % (option, path, passphrase_option))
            raise GrantsError("%s: %s is not encrypted; remove %s" % (option, path, passphrase_option))
        except ValueError as exc:
            if secret is not None:
                raise GrantsError("%s: wrong passphrase for %s, or not a PEM private key (%s)"
                                  % (passphrase_option, path, str(exc).splitlines()[0] if str(exc) else "unreadable"))
            raise GrantsError("%s: %s is not a PEM private key" % (option, path))
        _check_rsa(key, option)
        body, fingerprint = fingerprint_of(key.public_key())
        return KeyPair(body, fingerprint, path)
    if not generate:
        raise GrantsError("%s: %s does not exist" % (option, path))
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    encryption = serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    body, fingerprint = fingerprint_of(key.public_key())
    return KeyPair(body, fingerprint, path, pem)


def write_private_key(pair, option="principal_private_key_path"):
    """Write a generated private key: mode 0600 from its first byte, its directory created 0700
    when missing; atomic, so a reader sees no key or the whole key."""
    if pair.new_private_pem is None:
        return
    directory = os.path.dirname(os.path.abspath(pair.private_key_path))
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        write_atomic(pair.private_key_path, pair.new_private_pem, mode=0o600)
    except (IOError, OSError) as exc:
        raise GrantsError("%s: cannot write the new private key to %s (nothing was sent to Snowflake): %s"
                          % (option, pair.private_key_path, exc.strerror or exc))
    pair.new_private_pem = None
