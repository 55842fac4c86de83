"""The reference implementation passes certification, on SQLite always and on PostgreSQL in CI."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.certify import CertifyOptions, Verdict, certify_target
from tests.conformance.certify.conftest import serve


def _certify_all(app: Any, contract: Any) -> None:
    with serve(app) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                seed=20261120,
                max_examples=2,
                latency_samples=5,
                # session-time-limit waits a real minute for the limit to pass; the measured
                # `croupier certify --sandbox` run covers it, the test suite stays short.
                skip={"session-time-limit"},
            ),
            contract,
        )
    bad = {
        r.id: [f.message for f in r.findings] or r.reason
        for r in run.results
        if r.verdict in (Verdict.FAILED, Verdict.ERROR)
    }
    assert bad == {}
    assert run.passed and run.sandbox_surface
    ran = {r.id for r in run.results if r.verdict == Verdict.PASSED}
    assert {"money-conservation", "trace-id-echoed", "slo-authorize-bet"} <= ran
    assert not [r.id for r in run.results if r.verdict == Verdict.NOT_APPLICABLE]


@pytest.mark.slow
def test_the_sandbox_on_sqlite_is_certified(sandbox_app: Any, contract: Any) -> None:
    _certify_all(sandbox_app(), contract)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_sandbox_on_postgres_is_certified(pg_url: str, contract: Any) -> None:
    from reference_impl import create_app

    _certify_all(create_app(pg_url), contract)


def test_without_the_sandbox_surface_scenarios_are_not_applicable(
    sandbox_app: Any, contract: Any
) -> None:
    from tests.conformance.certify.conftest import OneFault

    async def no_sandbox(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/sandbox/"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await inner(scope, receive, send)

    inner = OneFault(sandbox_app())
    with serve(no_sandbox) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                only={"double-settle", "money-conservation", "bad-signature"},
                phases=("scenarios",),
            ),
            contract,
        )
    verdicts = {r.id: r.verdict for r in run.results}
    assert verdicts["double-settle"] == Verdict.NOT_APPLICABLE
    assert verdicts["money-conservation"] == Verdict.NOT_APPLICABLE
    assert verdicts["bad-signature"] == Verdict.PASSED
    assert run.passed
