"""The docs' code examples run, and say what the docs claim: signature, quickstart, curl."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from croupier import (
    SANDBOX_CREDENTIALS,
    SANDBOX_ED25519_CREDENTIALS,
    ContractClient,
    VerificationKey,
    sandbox_server,
    sign_request,
    verify_signature,
)
from croupier.reference_impl._auth import SANDBOX_ED25519_PUBLIC_PEM

from .conftest import ROOT, build_env

DOCS = ROOT / "docs"
FIXED_TS = 1795000000
BODY = (
    b'{"bet_id":"b-1001","round_id":"r-5001","session_id":"ses_4f9c1a2b3c4d5e6f",'
    b'"player_id":"p_demo_1","game_id":"game_slots_demo",'
    b'"stake":{"amount":"1.00","currency":"EUR"}}'
)
HEADERS = {
    "X-Trace-Id": "trc-worked-example-1",
    "X-Brand-Id": "brand_demo",
    "X-Provider-Id": "prov_demo",
    "X-Region": "MT",
    "X-Idempotency-Key": "idem-worked-example-1",
}
SECRETS = {SANDBOX_CREDENTIALS.key_id: SANDBOX_CREDENTIALS.secret}


def blocks(page: str) -> dict[str, str]:
    """Titled fenced code blocks of a docs page: title -> code."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found = re.findall(r'^```\w+ title="([^"]+)"\n(.*?)^```$', text, flags=re.S | re.M)
    return {title: code for title, code in found}


def _run(cmd: list[str], code: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [*cmd, code] if cmd[-1] == "-c" else cmd,
        input=None if cmd[-1] == "-c" else code,
        capture_output=True,
        text=True,
        timeout=60,
        env={**build_env(), **(env or {})},
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _needs_openssl() -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; the shell examples use it")


# The worked example of the security page, in Python and in the shell.


def test_security_page_has_the_worked_examples():
    assert {
        "sign_example.py",
        "sign_example.sh",
        "sign_example.out",
        "send_signed.sh",
        "sign_ed25519.py",
    } <= set(blocks("security.md"))


def test_python_worked_example_prints_what_the_core_signs():
    example = blocks("security.md")
    out = _run([sys.executable, "-c"], example["sign_example.py"])
    assert out == example["sign_example.out"]
    expected = sign_request(
        "POST",
        "/v1/bets/authorize",
        BODY,
        "sbx-2026a",
        "sandbox-secret-a",
        FIXED_TS,
        headers=HEADERS,
    )
    assert f"X-Signature: {expected}\n" in out
    # ...and the platform's verifier accepts it at that time, and only with those headers.
    header = out.split("X-Signature: ", 1)[1].strip()
    target = "/v1/bets/authorize"
    assert verify_signature(header, "POST", target, BODY, HEADERS, SECRETS, now=FIXED_TS)
    with pytest.raises(ValueError):
        other = {**HEADERS, "X-Brand-Id": "brand_other"}
        verify_signature(header, "POST", target, BODY, other, SECRETS, now=FIXED_TS)


def test_ed25519_example_verifies_with_the_sandbox_public_key():
    out = _run([sys.executable, "-c"], blocks("security.md")["sign_ed25519.py"])
    header = out.strip()
    assert header.startswith(f"kid={SANDBOX_ED25519_CREDENTIALS.key_id},") and "alg=ed25519" in out
    keys = {
        SANDBOX_ED25519_CREDENTIALS.key_id: VerificationKey(
            SANDBOX_ED25519_CREDENTIALS.key_id, "ed25519", SANDBOX_ED25519_PUBLIC_PEM
        )
    }
    signed = verify_signature(
        header, "POST", "/v1/bets/authorize", BODY, HEADERS, keys, now=FIXED_TS
    )
    assert signed == SANDBOX_ED25519_CREDENTIALS.key_id


def test_shell_worked_example_prints_the_same_signature():
    _needs_openssl()
    example = blocks("security.md")
    assert _run(["bash", "-s"], example["sign_example.sh"]) == example["sign_example.out"]


def test_shell_example_with_a_current_timestamp_is_accepted_by_the_verifier():
    _needs_openssl()
    example = blocks("security.md")
    now = int(time.time())
    out = _run(["bash", "-s"], example["sign_example.sh"], env={"TS": str(now)})
    header = out.split("X-Signature: ", 1)[1].strip()
    body = re.search(r"^BODY='(.*)'$", example["sign_example.sh"], flags=re.M).group(1)
    assert body.encode() == BODY
    assert verify_signature(header, "POST", "/v1/bets/authorize", BODY, HEADERS, SECRETS)


# Against a live sandbox: the quickstart and the signed curl call succeed.


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with sandbox_server(env=build_env(), cwd=ROOT, timeout=30) as base:
        yield base


def test_quickstart_curl_places_a_bet(sandbox):
    _needs_openssl()
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = _run(["bash", "-s"], blocks("quickstart.md")["quickstart.sh"], env={"BASE": sandbox})
    assert '"status":"authorized"' in out.replace(" ", ""), out


def test_quickstart_python_places_and_settles_a_bet(sandbox):
    out = _run(
        [sys.executable, "-c"], blocks("quickstart.md")["quickstart.py"], env={"BASE": sandbox}
    )
    lines = out.splitlines()
    assert lines[0].startswith("200 authorized"), out
    assert lines[1].startswith("200 settled"), out


def test_signed_curl_call_of_the_security_page_is_accepted(sandbox):
    _needs_openssl()
    example = blocks("security.md")
    token = httpx.post(
        sandbox + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": SANDBOX_CREDENTIALS.key_id,
            "client_secret": SANDBOX_CREDENTIALS.secret,
        },
    ).json()["access_token"]
    script = example["sign_example.sh"] + example["send_signed.sh"] + '\necho " $?"\n'
    out = _run(["bash", "-s"], script, env={"BASE": sandbox, "TOKEN": token})
    # The session in the example does not exist in a fresh sandbox: what matters is that the
    # signature and token pass, so the platform answers about the bet, not about security.
    assert "INVALID_SIGNATURE" not in out and "INVALID_TOKEN" not in out, out
    assert '"code"' in out or '"status"' in out, out


def test_readme_first_bet_runs_against_the_sandbox(sandbox):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r'^```python title="first_bet.py"\n(.*?)^```$', text, flags=re.S | re.M)
    assert code, "README.md lost its first_bet.py example"
    script = code.group(1).replace('BASE = "http://127.0.0.1:8000"', f"BASE = {sandbox!r}")
    assert script != code.group(1), "the example no longer names its BASE"
    with httpx.Client(base_url=sandbox) as http:
        balance = ContractClient(http).call("GET", "/v1/players/p_demo_1/balance")
    before = balance.json()["available"]["amount"]
    # Run twice, as a reader would: fresh ids each time, so both bets are held.
    for run in (1, 2):
        out = _run([sys.executable, "-c"], script)
        status, available = out.split(" ", 1)
        assert status == "200", out
        after = f"{Decimal(before) - run * Decimal('1.00'):.2f}"
        assert available.strip() == str({"amount": after, "currency": "EUR"}), out


def test_sandbox_page_harness_example_runs():
    out = _run([sys.executable, "-c"], blocks("sandbox.md")["harness.py"])
    assert "'player_id': 'p_demo_1'" in out and "'available'" in out, out
