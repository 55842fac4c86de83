"""Certify fails deliberately broken implementations, naming the right scenario or check.

Each broken platform is the real sandbox behind an ASGI middleware that gets exactly one thing
wrong, the way a real integration does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from croupier.conformance.certify import CertifyOptions, Verdict, certify_target
from tests.conformance.certify.conftest import json_body, resign, serve

# -- the faults ------------------------------------------------------------------------------


def _replay_debits_again() -> dict[str, Any]:
    """A replayed authorize is executed again: a new movement under a fresh bet id."""
    seen: set[str] = set()

    def on_request(scope: Any, headers: dict[str, str], body: bytes) -> Any:
        key = headers.get("x-idempotency-key", "")
        if scope["path"] == "/v1/bets/authorize" and key:
            if key in seen:
                data = json_body(body)
                if isinstance(data, dict) and "bet_id" in data:
                    data["bet_id"] = f"{data['bet_id']}x"[:64]
                    body = json.dumps(data, separators=(",", ":")).encode()
                headers["x-idempotency-key"] = f"{key}-again-{uuid.uuid4().hex[:6]}"
                headers = resign(scope, headers, body)
            seen.add(key)
        return headers, body

    return {"on_request": on_request}


def _fake(status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> Any:
    return status, headers, json.dumps(body).encode()


def _settle_before_authorize() -> dict[str, Any]:
    """Settle of an unknown bet is accepted (200) instead of BET_NOT_FOUND."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        if scope["path"] == "/v1/bets/settle" and status == 404:
            data = json_body(req) or {}
            money = {"amount": "0.00", "currency": "EUR"}
            balance = {
                "player_id": data.get("player_id", "p"),
                "currency": "EUR",
                "cash": money,
                "bonus": money,
                "held": money,
                "available": money,
            }
            fake = {
                "bet_id": data.get("bet_id", "b"),
                "round_id": data.get("round_id", "r"),
                "player_id": data.get("player_id", "p"),
                "status": "settled",
                "transaction_id": "tx_fake",
                "stake": money,
                "win": data.get("win", money),
                "balance": balance,
            }
            return _fake(200, fake, headers)
        return status, headers, body

    return {"on_response": on_response}


def _rollback_after_settle() -> dict[str, Any]:
    """Rollback of a settled bet is accepted (200) instead of BET_ALREADY_SETTLED."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        if scope["path"] == "/v1/bets/rollback" and b"BET_ALREADY_SETTLED" in body:
            data = json_body(req) or {}
            money = {"amount": "0.00", "currency": "EUR"}
            fake = {
                "bet_id": data.get("bet_id"),
                "player_id": data.get("player_id"),
                "status": "rolled_back",
                "tombstone": False,
                "transaction_id": "tx_fake",
                "released": money,
                "balance": {
                    "player_id": data.get("player_id"),
                    "currency": "EUR",
                    "cash": money,
                    "bonus": money,
                    "held": money,
                    "available": money,
                },
            }
            return _fake(200, fake, headers)
        return status, headers, body

    return {"on_response": on_response}


def _float_amounts() -> dict[str, Any]:
    """Amounts go through binary floats and are truncated to cents (0.29 → 0.28, 1.005 → 1.00)."""

    def through_float(money: Any) -> None:
        if isinstance(money, dict) and isinstance(money.get("amount"), str):
            try:
                value = float(money["amount"])
            except ValueError:
                return
            if value == value and value >= 0:  # NaN and negatives stay as they are
                money["amount"] = f"{int(value * 100) / 100:.2f}"

    def on_request(scope: Any, headers: dict[str, str], body: bytes) -> Any:
        if scope["path"] in ("/v1/bets/authorize", "/v1/bets/settle"):
            data = json_body(body)
            if isinstance(data, dict):
                through_float(data.get("stake"))
                through_float(data.get("win"))
                body = json.dumps(data, separators=(",", ":")).encode()
                headers = resign(scope, headers, body)
        return headers, body

    return {"on_request": on_request}


def _trace_id_dropped() -> dict[str, Any]:
    """Responses lose the X-Trace-Id header."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        return status, [(k, v) for k, v in headers if k.lower() != b"x-trace-id"], body

    return {"on_response": on_response}


def _500_on_malformed_json() -> dict[str, Any]:
    """A body that is not JSON crashes the handler: 500 with a plain-text page."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        if req and json_body(req) is None:
            return 500, [(b"content-type", b"text/plain")], b"Internal Server Error"
        return status, headers, body

    return {"on_response": on_response}


def _time_limit_ignored() -> dict[str, Any]:
    """The session-time limit is never enforced: a bet past it is accepted (200)."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        if scope["path"] == "/v1/bets/authorize" and b"RG_TIME_LIMIT" in body:
            data = json_body(req) or {}
            money = {"amount": "0.00", "currency": "EUR"}
            fake = {
                "bet_id": data.get("bet_id"),
                "round_id": data.get("round_id"),
                "player_id": data.get("player_id"),
                "status": "authorized",
                "transaction_id": "tx_fake",
                "stake": data.get("stake", money),
                "balance": {
                    "player_id": data.get("player_id"),
                    "currency": "EUR",
                    "cash": money,
                    "bonus": money,
                    "held": money,
                    "available": money,
                },
            }
            return _fake(200, fake, headers)
        return status, headers, body

    return {"on_response": on_response}


def _kyc_pending_final() -> dict[str, Any]:
    """KYC_PENDING says retryable: false: a provider would never let the player try again."""

    def on_response(scope: Any, req: bytes, status: int, headers: Any, body: bytes) -> Any:
        data = json_body(body)
        if isinstance(data, dict) and data.get("code") == "KYC_PENDING":
            data["retryable"] = False
            return status, headers, json.dumps(data).encode()
        return status, headers, body

    return {"on_response": on_response}


BROKEN = [
    # fault, ids to run, exactly the ids that must fail
    (_replay_debits_again, "idempotent-replay-authorize", {"idempotent-replay-authorize"}),
    (_settle_before_authorize, "settle-without-authorize", {"settle-without-authorize"}),
    (_rollback_after_settle, "rollback-after-settle", {"rollback-after-settle"}),
    (
        _float_amounts,
        "bet-win-balance,amount-precision,insufficient-funds",
        {"bet-win-balance", "amount-precision"},
    ),
    # the 400 for a missing trace id must carry one too, so both fail
    (
        _trace_id_dropped,
        "missing-trace-id,bet-win-balance,trace-id-echoed",
        {"trace-id-echoed", "missing-trace-id"},
    ),
    (
        _500_on_malformed_json,
        "malformed-json,no-server-error,bad-signature",
        {"malformed-json", "no-server-error"},
    ),
    (_time_limit_ignored, "session-time-limit,loss-limit", {"session-time-limit"}),
    (_kyc_pending_final, "kyc-pending-refused,kyc-denied-refused", {"kyc-pending-refused"}),
]


@pytest.mark.parametrize(
    ("fault", "only", "failing_ids"),
    BROKEN,
    ids=[f.__name__.strip("_") for f, _, _ in BROKEN],
)
def test_certify_fails_a_broken_implementation(
    sandbox_app: Any, contract: Any, fault: Any, only: str, failing_ids: set[str]
) -> None:
    with serve(sandbox_app(**fault())) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url, seed=7, only=set(only.split(",")), phases=("scenarios",)
            ),
            contract,
        )
        # a scenario that failed after moving the sandbox clock still put it back
        clock = httpx.get(f"{base_url}/sandbox/clock").json()
    failed = {r.id for r in run.results if r.verdict == Verdict.FAILED}
    assert failed == failing_ids, run.to_dict(evidence_limit=0)
    assert clock["offset_seconds"] == 0
    assert not run.passed


def test_the_same_scenarios_pass_on_the_sandbox(sandbox_app: Any, contract: Any) -> None:
    ids = {i for _, only, _ in BROKEN for i in only.split(",")}
    with serve(sandbox_app()) as base_url:
        run = certify_target(
            CertifyOptions(base_url=base_url, seed=7, only=ids, phases=("scenarios",)), contract
        )
    failed = {r.id: r.findings for r in run.results if r.verdict in (Verdict.FAILED, Verdict.ERROR)}
    assert failed == {}
    assert run.passed
