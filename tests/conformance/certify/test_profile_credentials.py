"""A profile's credentials as a real platform issues them: an OAuth client apart from the signing
key, an Ed25519 private key, and mutual TLS against `croupier serve --tls-cert --client-ca`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from croupier import (
    SANDBOX_ED25519_CREDENTIALS,
    SANDBOX_SPLIT_CREDENTIALS,
    ClientTls,
    ContractClient,
    sandbox_server,
)
from croupier._keys import new_key_pair
from croupier.cli import app
from croupier.conformance.certify._fixtures import SANDBOX_KIT
from croupier.conformance.certify._profile import ProfileError, parse_profile
from tests.conformance.certify.conftest import serve
from tests.conformance.certify.test_preflight import _preflight
from tests.docs.test_examples import blocks
from tests.reference_impl.test_mtls import _ca, _leaf

SPLIT = SANDBOX_SPLIT_CREDENTIALS


def test_the_sandbox_oauth_client_is_apart_from_its_signing_key(sandbox_app: Any) -> None:
    assert SPLIT.oauth_client_id != SPLIT.key_id
    assert SPLIT.oauth_client_secret != SPLIT.secret
    with serve(sandbox_app()) as base_url, httpx.Client(base_url=base_url) as http:
        ok = ContractClient(http, SPLIT).call("GET", "/v1/players/p_demo_1/balance")
        assert ok.status_code == 200, ok.text
        # The key id and signing secret are no OAuth client: the token endpoint refuses them.
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": SPLIT.key_id,
                "client_secret": SPLIT.secret,
            },
        )
        assert token.status_code == 401 and token.json()["code"] == "INVALID_TOKEN"
        # Nor is the signing secret the client's secret.
        mixed = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": SPLIT.oauth_client_id,
                "client_secret": SPLIT.secret,
            },
        )
        assert mixed.status_code == 401


def _split_profile(base_url: str) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "oauth": {"client_id": SPLIT.oauth_client_id, "client_secret": "${OAUTH}"},
        "signing": {"key_id": SPLIT.key_id, "secret": "${SIGNING}"},
    }


def test_a_profile_with_both_passes_preflight_and_each_secret_is_its_own(
    sandbox_app: Any, contract: Any
) -> None:
    env = {"OAUTH": SPLIT.oauth_client_secret, "SIGNING": SPLIT.secret}
    with serve(sandbox_app()) as base_url:

        def preflight(environ: dict[str, str]) -> str:
            profile = parse_profile(_split_profile(base_url), Path("."), environ)
            assert profile.credentials is not None
            return _preflight(base_url, contract, profile.credentials, profile.connection.oauth)

        assert preflight(env) == ""
        # Swapped secrets: the token endpoint refuses the client...
        swapped = preflight({"OAUTH": SPLIT.secret, "SIGNING": SPLIT.oauth_client_secret})
        assert swapped.startswith("token endpoint /oauth/token refused OAuth client")
        # ...and the client's secret is no signing secret.
        unsigned = preflight({**env, "SIGNING": SPLIT.oauth_client_secret})
        assert "refused the request signature of key 'sbx-sig-2026a'" in unsigned


def test_an_ed25519_profile_signs_with_the_private_key_file(tmp_path: Path) -> None:
    pem = tmp_path / "signing.pem"
    pem.write_text(SANDBOX_ED25519_CREDENTIALS.private_key or "", encoding="utf-8")
    data = {
        "signing": {"key_id": "sbx-ed-2026a", "private_key_file": "signing.pem"},
        "oauth": {"client_id": "sbx-2026a", "client_secret": "sandbox-secret-a"},
    }
    profile = parse_profile(data, tmp_path, {})
    assert profile.credentials is not None
    assert profile.credentials.private_key == SANDBOX_ED25519_CREDENTIALS.private_key
    assert profile.credentials.oauth_client_id == "sbx-2026a"
    assert profile.credentials.private_key in profile.secrets  # never into a report
    # A key pair from `croupier keys new` is one too.
    fresh = new_key_pair("prov-ed-2027a")
    (tmp_path / "fresh.pem").write_text(fresh.private_pem, encoding="utf-8")
    data["signing"] = {"key_id": fresh.key_id, "private_key_file": "fresh.pem"}
    assert parse_profile(data, tmp_path, {}).credentials is not None


@pytest.mark.parametrize(
    ("signing", "oauth", "message"),
    [
        ({"algorithm": "ed25519"}, True, "signing.private_key_file is required"),
        ({"private_key_file": "public.pem"}, True, "signing.private_key_file is not an "),
        ({"private_key_file": "ec.pem"}, True, "signing.private_key_file is not an Ed25519 key"),
        ({"private_key_file": "ed.pem"}, False, "oauth.client_id is missing"),
        ({"private_key_file": "ed.pem", "secret": "s"}, True, "signing.secret is for algorithm"),
        (
            {"private_key_file": "ed.pem", "algorithm": "hmac-sha256", "secret": "s"},
            True,
            "signing.private_key_file is for algorithm ed25519 only",
        ),
    ],
)
def test_a_bad_ed25519_profile_names_its_key(
    tmp_path: Path, signing: dict[str, str], oauth: bool, message: str
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pair = new_key_pair("k")
    (tmp_path / "ed.pem").write_text(pair.private_pem, encoding="utf-8")
    (tmp_path / "public.pem").write_text(pair.public_pem, encoding="utf-8")
    (tmp_path / "ec.pem").write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    data: dict[str, Any] = {"signing": {"key_id": "k", **signing}}
    if oauth:
        data["oauth"] = {"client_id": "c", "client_secret": "cs"}
    with pytest.raises(ProfileError) as error:
        parse_profile(data, tmp_path, {})
    assert message in str(error.value) and "\n" not in str(error.value)
    assert "PRIVATE KEY" not in str(error.value)


PAGE = "guide/certify-your-platform.md"


def test_the_docs_kit_file_is_the_sandbox_kit(tmp_path: Path) -> None:
    (tmp_path / "croupier-kit.yaml").write_text(blocks(PAGE)["croupier-kit.yaml"], "utf-8")
    profile = parse_profile({"fixtures": "croupier-kit.yaml"}, tmp_path, {})
    assert profile.fixtures == SANDBOX_KIT


@pytest.mark.slow
def test_the_docs_ed25519_mtls_profile_certifies_serve_with_client_ca(tmp_path: Path) -> None:
    pki = tmp_path / "certs"
    pki.mkdir()
    ca = _ca(pki, "staging-ca")
    _leaf(pki, "server", "127.0.0.1", ca, server=True)
    _leaf(pki, "provider", "prov_demo", ca)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "signing.pem").write_text(
        SANDBOX_ED25519_CREDENTIALS.private_key or "", encoding="utf-8"
    )
    (tmp_path / "croupier-kit.yaml").write_text(blocks(PAGE)["croupier-kit.yaml"], "utf-8")
    body = blocks(PAGE)["croupier-target-mtls.toml"]
    profile = tmp_path / "croupier-target-mtls.toml"
    profile.write_text(body, encoding="utf-8")
    args = [
        "--tls-cert", str(pki / "server.pem"),
        "--tls-key", str(pki / "server.key"),
        "--client-ca", str(pki / "staging-ca.pem"),
    ]  # fmt: skip
    probe = ClientTls(
        str(pki / "staging-ca.pem"), str(pki / "provider.pem"), str(pki / "provider.key")
    )
    only = (
        "bad-signature,idempotent-replay-authorize,missing-bearer-token,error-body-conforms,"
        "kyc-pending-refused,kyc-denied-refused"
    )
    command = ["certify", "--target", str(profile), "--phases", "contract,scenarios"]
    command += ["--only", only, "--seed", "3", "--max-examples", "1", "--control", "off"]
    command += ["--report-dir", str(tmp_path / "report")]
    with sandbox_server(args=args, tls=probe) as base_url:
        assert base_url.startswith("https://")
        env = {"CROUPIER_TARGET_URL": base_url, "CROUPIER_OAUTH_SECRET": "sandbox-secret-a"}
        result = CliRunner().invoke(app, command, env=env)
        # Without the client certificate the TLS handshake is refused, and certify says where.
        lines = body.splitlines(keepends=True)
        profile.write_text(
            "".join(line for line in lines if not line.startswith(("client_cert", "client_key"))),
            encoding="utf-8",
        )
        refused = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    verdicts = {r["id"]: r["verdict"] for r in report["results"] if r["verdict"] != "skipped"}
    assert set(verdicts) == set(only.split(",")) and set(verdicts.values()) == {"passed"}
    assert report["settings"]["signing_algorithm"] == "ed25519"
    assert report["settings"]["tls"]["client_cert"].endswith("provider.pem")
    # sbx-ed-2026a is registered with its public key only: every signed call the scenarios
    # and Schemathesis made (and the sandbox accepted) was signed with the Ed25519 key.
    assert report["settings"]["key_id"] == "sbx-ed-2026a"
    # The kit file's players stood in for the control surface.
    uses = {r["id"]: r["data"].get("uses", []) for r in report["results"]}
    assert "fixture: kyc_pending" in uses["kyc-pending-refused"]
    assert refused.exit_code == 2
    assert "(check tls.ca_bundle / tls.client_cert)" in refused.output, refused.output
    for name in ("report.json", "report.md", "junit.xml"):
        text = (tmp_path / "report" / name).read_text(encoding="utf-8")
        assert "sandbox-secret-a" not in text and "PRIVATE KEY" not in text
