"""mTLS: `croupier serve --tls-cert --tls-key --client-ca` requires a client certificate and
binds its subject to the provider (issue #12, item 3). The tests make their own CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from croupier import ClientTls, ContractClient, sandbox_server

pytestmark = pytest.mark.slow


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write(
    folder: Path, stem: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    (folder / f"{stem}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _ca(folder: Path, stem: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{stem} test CA"))
        .issuer_name(_name(f"{stem} test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(folder, stem, key, cert)
    return key, cert


def _leaf(
    folder: Path,
    stem: str,
    cn: str,
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    server: bool = False,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca[1].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if server:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    _write(folder, stem, key, builder.sign(ca[0], hashes.SHA256()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    ca = _ca(folder, "ca")
    _leaf(folder, "server", "127.0.0.1", ca, server=True)
    _leaf(folder, "prov_demo", "prov_demo", ca)
    _leaf(folder, "prov_other", "prov_other", ca)
    _leaf(folder, "rogue", "prov_demo", _ca(folder, "rogue-ca"))  # the right name, wrong CA
    return folder


@pytest.fixture
def base(pki: Path, database_url: str) -> Iterator[str]:
    args = [
        "--tls-cert", str(pki / "server.pem"),
        "--tls-key", str(pki / "server.key"),
        "--client-ca", str(pki / "ca.pem"),
    ]  # fmt: skip
    tls = ClientTls(str(pki / "ca.pem"), str(pki / "prov_demo.pem"), str(pki / "prov_demo.key"))
    with sandbox_server(database_url, args=args, tls=tls) as url:
        assert url.startswith("https://")
        yield url


def _client(pki: Path, base: str, who: str | None) -> httpx.Client:
    tls = ClientTls(
        str(pki / "ca.pem"),
        str(pki / f"{who}.pem") if who else None,
        str(pki / f"{who}.key") if who else None,
    )
    return httpx.Client(base_url=base, verify=tls.ssl_context(), timeout=10)


def test_the_providers_certificate_opens_the_contract(pki, base):
    with _client(pki, base, "prov_demo") as http:
        r = ContractClient(http).call("GET", "/v1/players/p_demo_1/balance")
        assert r.status_code == 200, r.text


def test_a_certificate_of_another_provider_is_tenant_mismatch(pki, base):
    with _client(pki, base, "prov_other") as http:
        r = ContractClient(http).call("GET", "/v1/players/p_demo_1/balance")
        assert r.status_code == 403 and r.json()["code"] == "TENANT_MISMATCH", r.text


@pytest.mark.parametrize("who", [None, "rogue"])
def test_no_certificate_or_one_of_another_ca_gets_no_connection(pki, base, who):
    with _client(pki, base, who) as http, pytest.raises((httpx.HTTPError, ssl.SSLError)):
        http.get("/health").raise_for_status()


def test_certify_presents_the_client_certificate(pki, database_url, base):
    if not database_url.startswith("sqlite"):
        pytest.skip("certify over mTLS once is enough: TLS does not depend on the database")
    from croupier import load_contract
    from croupier.conformance.certify import CertifyOptions, Verdict, certify_target

    tls = ClientTls(str(pki / "ca.pem"), str(pki / "prov_demo.pem"), str(pki / "prov_demo.key"))
    options = CertifyOptions(
        base_url=base,
        seed=7,
        max_examples=1,
        phases=("contract", "scenarios"),
        only={"error-body-conforms", "bad-signature", "idempotent-replay-authorize"},
        tls=tls,
    )
    run = certify_target(options, load_contract())
    verdicts = {r.id: r.verdict for r in run.results if r.verdict != Verdict.SKIPPED}
    reasons = {r.id: r.reason for r in run.results if r.verdict != Verdict.PASSED}
    assert verdicts and set(verdicts.values()) == {Verdict.PASSED}, reasons
    assert run.sandbox_surface
