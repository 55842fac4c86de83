"""The judge on crafted and recorded traffic: formats, timing rules, registry, selection."""

from __future__ import annotations

import json
from typing import Any

import pytest

from croupier.conformance.provider import (
    TrafficError,
    Verdict,
    all_checks,
    check_catalog,
    judge,
    load_traffic,
    parse_traffic,
)
from croupier.conformance.provider._registry import check

from .conftest import CONTRACT, recorded

START = 1_796_000_000.0


def exchange(
    i: int,
    at_ms: float,
    status: int,
    *,
    op: str = "settleBet",
    key: str = "idem-settle-0001",
    bet: str = "b-1",
    elapsed_ms: float = 5,
    code: str | None = None,
    retryable: bool | None = None,
) -> dict[str, Any]:
    """One row of the sandbox's export format."""
    path = {"settleBet": "/v1/bets/settle", "authorizeBet": "/v1/bets/authorize"}[op]
    body = {"bet_id": bet, "round_id": "r-1", "player_id": "p_demo_1"}
    answer: dict[str, Any] = {"bet_id": bet}
    if status >= 400:
        code = code or {503: "TEMPORARY_ERROR", 504: "GATEWAY_TIMEOUT"}.get(status, "DUPLICATE")
        answer = {"code": code, "message": "m", "retryable": bool(retryable or status >= 500)}
    from datetime import UTC, datetime

    started = datetime.fromtimestamp(START + at_ms / 1000, UTC).isoformat()
    return {
        "id": i,
        "started_at": started,
        "elapsed_ms": elapsed_ms,
        "operation_id": op,
        "method": "POST",
        "path": path,
        "signature": {"verdict": "valid", "reason": None},
        "fault": None,
        "request": {
            "headers": {"x-trace-id": "trc-00000001", "x-idempotency-key": key},
            "body": json.dumps(body),
        },
        "response": {"status": status, "headers": {}, "body": json.dumps(answer)},
    }


def verdict(rows: list[dict[str, Any]], check_id: str) -> tuple[Verdict, list[str]]:
    run = judge(parse_traffic(rows, CONTRACT), CONTRACT, only={check_id})
    result = next(r for r in run.results if r.id == check_id)
    return result.verdict, [f.message for f in result.findings]


@pytest.mark.parametrize(
    ("times_ms", "expected"),
    [
        # answers at +5 ms; pauses of 100, 200, 400 ms: backoff
        ((0, 105, 310, 715), Verdict.PASSED),
        # a retry 10 ms after the answer
        ((0, 15), Verdict.FAILED),
        # pauses of 1000 then 60 ms: the gap shrank below half, beyond the clock slack
        ((0, 1005, 1070), Verdict.FAILED),
        # pauses of 399 then 155 ms: what a loaded sandbox recorded of a well-behaved
        # provider's equal-jitter backoff (100-200 ms after 50-100 ms) is within the slack
        ((0, 404, 564), Verdict.PASSED),
        # seven attempts within a second, each pause 100+ ms but never growing ... storm
        ((0, 110, 220, 330, 440, 550, 660), Verdict.FAILED),
    ],
)
def test_retry_backoff_thresholds(times_ms, expected):
    rows = [exchange(i, t, 503) for i, t in enumerate(times_ms, 1)]
    rows.append(exchange(len(rows) + 1, times_ms[-1] + 1500, 200))
    assert verdict(rows, "retry-backoff")[0] == expected


def test_a_retry_under_a_new_key_is_named():
    rows = [exchange(1, 0, 503), exchange(2, 200, 200, key="idem-other-0001")]
    found, messages = verdict(rows, "idempotency-key-reused-on-retry")
    assert found == Verdict.FAILED and "idem-other-0001" in messages[0]


def test_a_retry_of_a_definitive_refusal_fails_and_a_retryable_one_does_not():
    refused = [exchange(1, 0, 409, code="BET_ALREADY_SETTLED"), exchange(2, 300, 409)]
    assert verdict(refused, "stop-on-non-retryable")[0] == Verdict.FAILED
    busy = [
        exchange(1, 0, 409, code="REQUEST_IN_PROGRESS", retryable=True),
        exchange(2, 300, 200),
    ]
    assert verdict(busy, "stop-on-non-retryable")[0] == Verdict.PASSED


def test_nothing_to_look_at_is_not_applicable_and_no_traffic_no_certificate():
    run = judge([], CONTRACT)
    assert {r.verdict for r in run.results} == {Verdict.NOT_APPLICABLE}
    assert not run.passed


def test_only_and_skip_select_checks():
    run = judge([], CONTRACT, only={"retry-backoff"}, skip=set())
    assert [r.id for r in run.results if r.verdict != Verdict.SKIPPED] == ["retry-backoff"]


def test_the_catalog_is_stable_kebab_case_with_titles():
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids)) == 22
    assert {"requests-signed", "rollback-after-failed-authorize", "retry-backoff"} <= set(ids)
    assert all(entry["title"] and entry["level"] in ("ERR", "WARN") for entry in check_catalog())


def test_a_duplicate_or_malformed_id_raises_at_registration():
    def rule(ctx):  # pragma: no cover - never run
        """A rule."""
        yield from ()

    with pytest.raises(ValueError, match="twice"):
        check("retry-backoff", "retries")(rule)
    with pytest.raises(ValueError, match="kebab"):
        check("Retry_Backoff", "retries")(rule)


def test_har_and_json_exports_judge_alike(sandbox, play, tmp_path):
    run = play(sandbox)
    har = sandbox.get("/sandbox/recordings/har", params={"limit": 1000}).json()
    (tmp_path / "t.har").write_text(json.dumps(har))
    from_har = judge(load_traffic(tmp_path / "t.har", CONTRACT), CONTRACT)
    assert [(r.id, r.verdict) for r in from_har.results] == [(r.id, r.verdict) for r in run.results]
    # a HAR from another tool: no Croupier facts, operations found from the contract
    for entry in har["log"]["entries"]:
        del entry["_croupier"]
    plain = parse_traffic(har, CONTRACT)
    assert {e.operation_id for e in plain} >= {"authorizeBet", "settleBet", "createSession"}
    assert all(e.signature is None for e in plain)
    assert judge(plain, CONTRACT).passed
    assert len(plain) == len(parse_traffic(recorded(sandbox), CONTRACT))


@pytest.mark.parametrize(
    "data",
    [{"nothing": 1}, {"exchanges": [{"started_at": "now"}]}, {"log": {"entries": [{"x": 1}]}}],
)
def test_unreadable_traffic_is_a_traffic_error(data):
    with pytest.raises(TrafficError):
        parse_traffic(data, CONTRACT)


def test_public_surface():
    import croupier.conformance.provider as package

    assert package.__all__ == sorted(package.__all__)
    assert {"judge", "ProviderSimulator", "FLAWS", "write_reports", "load_traffic"} <= set(
        package.__all__
    )
