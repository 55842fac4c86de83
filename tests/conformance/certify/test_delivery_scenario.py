"""event-lag-within-budget: passes on a relaying sandbox, fails on a stalled relay."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from croupier.conformance.certify import CertifyOptions, Verdict, certify_target
from tests.conformance.certify.conftest import serve

NATS_URL = os.environ.get("CROUPIER_TEST_NATS_URL") or None
ONLY = {"event-lag-within-budget"}


def _run(base_url: str, contract: Any) -> Any:
    options = CertifyOptions(base_url=base_url, seed=3, only=ONLY, phases=("scenarios",))
    (result,) = [r for r in certify_target(options, contract).results if r.id in ONLY]
    return result


def test_without_a_relay_the_lag_is_not_applicable(sandbox_app: Any, contract: Any) -> None:
    with serve(sandbox_app()) as base_url:
        result = _run(base_url, contract)
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert "--nats" in result.reason


@pytest.mark.nats
def test_a_stalled_relay_fails_and_a_working_one_passes(sandbox_app: Any, contract: Any) -> None:
    if not NATS_URL:
        pytest.skip("NATS relay: set CROUPIER_TEST_NATS_URL=nats://127.0.0.1:4222")
    with serve(sandbox_app(nats_url=NATS_URL)) as base_url:
        working = _run(base_url, contract)
        stall = {"rules": [{"operation_id": "*", "kind": "stall"}]}
        assert httpx.put(f"{base_url}/sandbox/faults", json=stall).status_code == 200
        stalled = _run(base_url, contract)
    assert working.verdict == Verdict.PASSED, (working.findings, working.reason)
    assert stalled.verdict == Verdict.FAILED
    assert any("still in the outbox" in f.message for f in stalled.findings), stalled.findings
