"""adapter.check_endpoint: the one connection the HTTP warehouses' adapters make before their
client (whose retries would turn these failures into a timeout minutes later), against real
loopback listeners: a self-signed TLS server, a closed port, a proxy that carries the requests."""
import datetime
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import check_endpoint
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.model import GrantsError


@pytest.fixture
def self_signed(tmp_path):
    """A TLS listener on 127.0.0.1 whose certificate (for 127.0.0.1) signs itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u"127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def serve():
        while True:
            try:
                conn, dummy = server.accept()
            except OSError:
                return
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()
    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], str(tmp_path / "cert.pem")
    server.close()


def test_an_untrusted_certificate_is_named_as_such(self_signed, monkeypatch):
    port, cafile = self_signed
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(GrantsError) as err:
        check_endpoint("https://127.0.0.1:%d" % port, "login_host", 5, "the Databricks workspace")
    assert str(err.value).startswith("cannot connect to the Databricks workspace: TLS failed: the certificate of "
                                     "127.0.0.1:%d is not trusted (self-signed certificate" % port), str(err.value)
    assert "check login_host, or give the CA file in REQUESTS_CA_BUNDLE" in str(err.value)
    # The CA file the HTTP clients are given is the one checked against: then it passes.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cafile)
    check_endpoint("https://127.0.0.1:%d" % port, "login_host", 5, "the Databricks workspace")


def test_a_closed_port_is_refused_at_once(monkeypatch):
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    start = time.monotonic()
    with pytest.raises(GrantsError) as err:
        check_endpoint("http://127.0.0.1:%d" % port, "bigquery_api_endpoint", 10, "the Google bigquery endpoint")
    assert time.monotonic() - start < 1
    assert "connection refused by 127.0.0.1:%d" % port in str(err.value) and "check bigquery_api_endpoint" in str(err.value)


def test_an_endpoint_behind_a_proxy_is_left_to_the_client(monkeypatch):
    """With HTTPS_PROXY the client never reaches the host itself: no direct connection is tried
    (the name below would not even resolve), unless NO_PROXY exempts the host."""
    monkeypatch.setenv("https_proxy", "http://proxy.example.invalid:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    check_endpoint("https://xy12345.snowflakecomputing.invalid", "login_host", 5, "Snowflake account xy12345")
    monkeypatch.setenv("no_proxy", ".invalid")
    with pytest.raises(GrantsError) as err:
        check_endpoint("https://xy12345.snowflakecomputing.invalid", "login_host", 5, "Snowflake account xy12345")
    assert "DNS lookup failed: cannot resolve the host name xy12345.snowflakecomputing.invalid" in str(err.value)
