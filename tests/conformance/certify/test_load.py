"""The load phase (`--load`): Locust drives Croupier's signed bet/settle player against a target.

Short and small on purpose (a few users for a few seconds on a shared 2-core machine): the tests
show the wiring — Locust's statistics in the report, a master with two workers, retry storms
found, a slow platform failed — not the sandbox's capacity (that is bench/'s business).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from croupier import sandbox_server
from croupier.cli import app
from croupier.conformance.certify import CertifyOptions, Verdict, certify_target
from croupier.conformance.certify._load import LOAD_IDS, LoadSettings, _storm_result
from croupier.conformance.certify._model import CaseResult
from tests.conformance.certify.conftest import serve
from tests.conformance.certify.test_latency import _SlowAuthorize

pytestmark = pytest.mark.slow


def _load_run(base_url: str, contract: Any, **settings: Any) -> dict[str, Any]:
    run = certify_target(
        CertifyOptions(base_url=base_url, seed=2, phases=("load",), load=LoadSettings(**settings)),
        contract,
    )
    return {r.id: r for r in run.results if r.phase == "load"}


def test_a_master_and_two_workers_drive_the_sandbox(contract: Any, tmp_path: Path) -> None:
    # The platform in its own process, Locust's master and workers in three more.
    with sandbox_server() as base_url:
        result = CliRunner().invoke(
            app,
            ["certify", "--base-url", base_url, "--phases", "scenarios", "--only", "load-retry-"
             "storm,load-authorize-bet,load-settle-bet,load-event-lag", "--load",
             "--load-users", "4", "--load-duration", "8", "--load-workers", "2",
             "--load-rate", "20", "--report-dir", str(tmp_path)],
        )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    load = {r["id"]: r for r in report["results"] if r["phase"] == "load"}
    assert set(load) == set(LOAD_IDS)
    authorize, settle = load["load-authorize-bet"], load["load-settle-bet"]
    for r in (authorize, settle):
        assert r["data"]["workers"] == 2, r
        # A shared machine may be slow: any traffic shows the wiring; none of it may fail.
        assert r["data"]["requests"] > 0 and r["data"]["failures"] == 0
        assert r["data"]["p95_ci_ms"][0] <= r["data"]["p95_ms"] <= r["data"]["p95_ci_ms"][1]
        # A correct platform is never failed on this machine: passed, or too loaded to judge.
        assert r["verdict"] in ("passed", "inconclusive"), r
    # Every round settled what it authorized; the counts came back through the worker reports.
    assert abs(authorize["data"]["requests"] - settle["data"]["requests"]) <= 4
    storm = load["load-retry-storm"]
    assert storm["verdict"] == "passed" and storm["data"]["repeated_keys"] == 0
    assert storm["data"]["sends"] >= authorize["data"]["requests"] + settle["data"]["requests"]
    assert load["load-event-lag"]["verdict"] == "not_applicable"  # no --nats: no relay
    assert report["settings"]["load"]["workers"] == 2
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Load (Locust)" in text and "`authorizeBet`" in text


class _FlakyAuthorize:
    """Answers 503 TEMPORARY_ERROR (retryable) to half of the idempotency keys, every time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/bets/authorize":
            headers = dict(scope["headers"])
            key = headers.get(b"x-idempotency-key", b"")
            if zlib.crc32(key) % 2 == 0:
                body = json.dumps(
                    {
                        "code": "TEMPORARY_ERROR",
                        "message": "try again",
                        "retryable": True,
                        "trace_id": headers.get(b"x-trace-id", b"trc-x").decode(),
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def test_a_platform_that_keeps_answering_retryable_errors_causes_a_retry_storm(
    sandbox_app: Any, contract: Any
) -> None:
    with serve(_FlakyAuthorize(sandbox_app())) as base_url:
        results = _load_run(base_url, contract, users=8, duration_s=6)
    storm = results["load-retry-storm"]
    assert storm.verdict == Verdict.FAILED, storm.data
    assert storm.data["repeated_keys"] > 0 and storm.data["gave_up"] > 0
    assert "retry storm in" in storm.findings[0].message
    authorize = results["load-authorize-bet"]
    assert authorize.verdict == Verdict.FAILED
    assert authorize.data["error_rate"] > 0.3
    assert any("503" in reason for reason in authorize.data["failure_reasons"])


def test_a_slow_platform_fails_under_load(sandbox_app: Any, contract: Any) -> None:
    with serve(_SlowAuthorize(sandbox_app())) as base_url:
        results = _load_run(base_url, contract, users=3, duration_s=8)
    slow = results["load-authorize-bet"]
    assert slow.verdict == Verdict.FAILED, (
        slow.reason,
        slow.data,
        results["load-retry-storm"].reason,
    )
    assert slow.data["p50_ci_ms"][0] > 200
    assert "over budget under load" in slow.findings[0].message
    assert results["load-retry-storm"].verdict == Verdict.PASSED


def test_the_storm_rule_counts_repeated_keys_per_second() -> None:
    calm = CaseResult("load-retry-storm", "t", "load", Verdict.PASSED)
    _storm_result(calm, {"100": [100, 4, 0], "101": [40, 3, 0]})  # a few retries: fine
    assert calm.verdict == Verdict.PASSED and calm.data["max_repeated_keys_per_s"] == 4
    storm = CaseResult("load-retry-storm", "t", "load", Verdict.PASSED)
    _storm_result(storm, {"100": [100, 2, 0], "101": [60, 12, 3]})  # 20 % of one second
    assert storm.verdict == Verdict.FAILED and storm.data["storm_seconds"] == 1
