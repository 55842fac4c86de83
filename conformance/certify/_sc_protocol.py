"""Protocol scenarios: mandatory headers, signatures, tokens and malformed bodies."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from croupier import sign_request
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []

# These run against any target: the header and signature checks come before any business rule,
# so the player and bet named need not exist.
_PLAYER = "p_demo_1"


def _settle_body(ctx: ScenarioContext) -> dict[str, object]:
    return {
        "bet_id": ctx.unique("b"),
        "round_id": ctx.unique("r"),
        "player_id": _PLAYER,
        "win": {"amount": "1.00", "currency": "EUR"},
    }


@scenario(
    "missing-trace-id",
    needs_sandbox=False,
    rules=("header-trace-id-required", "error-missing-trace-id"),
)
def missing_trace_id(ctx: ScenarioContext) -> None:
    """A call without X-Trace-Id is 400 MISSING_TRACE_ID and still answers an X-Trace-Id."""
    reply = ctx.target.call("GET", f"/v1/players/{_PLAYER}/balance", drop=("X-Trace-Id",))
    ctx.expect_status(reply, 400, "MISSING_TRACE_ID", "balance read without X-Trace-Id")
    ctx.expect(
        bool(reply.headers.get("X-Trace-Id")),
        "the 400 for a missing trace id must still carry a (generated) X-Trace-Id",
    )
    write = ctx.post("/v1/bets/settle", _settle_body(ctx), drop=("X-Trace-Id",))
    ctx.expect_status(write, 400, "MISSING_TRACE_ID", "settle without X-Trace-Id")


@scenario(
    "missing-idempotency-key",
    needs_sandbox=False,
    rules=("header-idempotency-key-required", "error-missing-idempotency-key"),
)
def missing_idempotency_key(ctx: ScenarioContext) -> None:
    """A write without X-Idempotency-Key is 400 MISSING_IDEMPOTENCY_KEY."""
    for path, body in (
        ("/v1/bets/settle", _settle_body(ctx)),
        (
            "/v1/bets/rollback",
            {"bet_id": ctx.unique("b"), "player_id": _PLAYER, "reason": "timeout"},
        ),
    ):
        reply = ctx.target.call("POST", path, body, auto_key=False)
        ctx.expect_status(reply, 400, "MISSING_IDEMPOTENCY_KEY", f"POST {path} without a key")


@scenario(
    "missing-brand-header",
    needs_sandbox=False,
    rules=("header-tenant-required", "error-missing-header"),
)
def missing_brand_header(ctx: ScenarioContext) -> None:
    """A call without X-Brand-Id, X-Region or X-Provider-Id is 400 MISSING_HEADER."""
    for header in ("X-Brand-Id", "X-Region", "X-Provider-Id"):
        reply = ctx.target.call("GET", f"/v1/players/{_PLAYER}/balance", drop=(header,))
        ctx.expect_status(reply, 400, "MISSING_HEADER", f"balance read without {header}")


@scenario(
    "bad-signature",
    needs_sandbox=False,
    rules=("security-signature-required", "error-invalid-signature"),
)
def bad_signature(ctx: ScenarioContext) -> None:
    """Unsigned, wrongly signed and unknown-key requests are 401 INVALID_SIGNATURE."""
    creds = ctx.target.credentials
    body = _settle_body(ctx)
    unsigned = ctx.post("/v1/bets/settle", body, sign=False)
    ctx.expect_status(unsigned, 401, "INVALID_SIGNATURE", "unsigned settle")
    path = "/v1/bets/settle"
    headers = creds.identity.headers()
    key = creds.signing_key
    other = sign_request("POST", path, b'{"other":1}', creds.key_id, key, headers=headers)
    wrong = ctx.post(path, body, extra={"X-Signature": other})
    ctx.expect_status(wrong, 401, "INVALID_SIGNATURE", "settle signed over another body")
    # Another secret, or another Ed25519 key, under the right key id.
    wrong_key: Any = Ed25519PrivateKey.generate() if creds.private_key else creds.secret + "x"
    wrong_secret = sign_request("POST", path, b"{}", creds.key_id, wrong_key, headers=headers)
    forged = ctx.post(path, {}, extra={"X-Signature": wrong_secret})
    ctx.expect_status(forged, 401, "INVALID_SIGNATURE", "settle signed with a wrong key")
    unknown = sign_request("POST", path, b"{}", "no-such-key", key, headers=headers)
    reply = ctx.post(path, {}, extra={"X-Signature": unknown})
    ctx.expect_status(reply, 401, "INVALID_SIGNATURE", "settle signed with an unknown key id")


@scenario(
    "stale-timestamp",
    needs_sandbox=False,
    rules=("security-timestamp-window", "error-invalid-signature"),
)
def stale_timestamp(ctx: ScenarioContext) -> None:
    """A signature more than 60 s off the platform's clock is 401 INVALID_SIGNATURE."""
    now = int(time.time())
    for offset in (-600, 600):
        reply = ctx.post("/v1/bets/settle", _settle_body(ctx), timestamp=now + offset)
        ctx.expect_status(reply, 401, "INVALID_SIGNATURE", f"signature {offset:+d} s off")


@scenario(
    "missing-bearer-token",
    needs_sandbox=False,
    rules=("security-token-required", "error-invalid-token"),
)
def missing_bearer_token(ctx: ScenarioContext) -> None:
    """A signed call without a bearer token, or with an unknown one, is 401 INVALID_TOKEN."""
    reply = ctx.post("/v1/bets/settle", _settle_body(ctx), bearer=False)
    ctx.expect_status(reply, 401, "INVALID_TOKEN", "settle without a bearer token")
    forged = ctx.post(
        "/v1/bets/settle", _settle_body(ctx), extra={"Authorization": "Bearer not-a-real-token"}
    )
    ctx.expect_status(forged, 401, "INVALID_TOKEN", "settle with an unknown bearer token")


@scenario(
    "malformed-json", needs_sandbox=False, rules=("body-strict-json", "error-malformed-request")
)
def malformed_json(ctx: ScenarioContext) -> None:
    """A body that is not JSON is 400 MALFORMED_REQUEST, never a 5xx."""
    for raw in (b'{"bet_id": ', b"not json at all", b"\xff\xfe"):
        reply = ctx.target.call(
            "POST", "/v1/bets/authorize", content=raw, idempotency_key=ctx.key("bad")
        )
        ctx.expect_status(reply, 400, "MALFORMED_REQUEST", f"authorize with body {raw!r}")
