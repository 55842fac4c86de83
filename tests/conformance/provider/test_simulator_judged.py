"""The judge certifies the well-behaved simulator and fails each broken one for the right check."""

from __future__ import annotations

import pytest

from croupier.conformance.provider import FLAWS, Verdict, all_checks

from .conftest import SLOW_AUTHORIZE

# flaw -> the one check that must fail (and no other)
EXPECTED = {
    # retries
    "new-key-on-retry": "idempotency-key-reused-on-retry",
    "changes-body-on-retry": "retry-body-identical",
    "retry-storm": "retry-backoff",
    "retries-non-retryable": "stop-on-non-retryable",
    "duplicate-settle": "no-duplicate-write",
    # lifecycle
    "never-rolls-back": "rollback-after-failed-authorize",
    "gives-up-settle": "settle-retried-to-success",
    "settles-before-authorize-answer": "settle-after-authorize-answer",
    # headers
    "drops-trace-id": "trace-id-present",
    "static-trace-id": "trace-id-per-chain",
    "missing-idempotency-key": "idempotency-key-present",
    "unsigned-settles": "requests-signed",
    # limits and payloads
    "ignores-rg-refusal": "rg-refusal-honoured",
    "ignores-session-expiry": "session-expiry-honoured",
    "exceeds-max-bet": "bonus-max-bet-respected",
    "float-amounts": "money-decimal-strings",
    # events
    "invalid-events": "events-valid",
    "duplicate-event-ids": "event-ids-unique",
    "events-out-of-order": "events-ordered-per-player",
}


def test_every_flaw_has_its_expected_check():
    assert set(EXPECTED) == set(FLAWS)
    assert len(FLAWS) >= 15
    assert set(EXPECTED.values()) <= {c.id for c in all_checks()}


def test_the_well_behaved_simulator_passes_every_check(any_sandbox, play):
    run = play(any_sandbox)
    verdicts = {r.id: r.verdict for r in run.results}
    assert run.passed, [f.message for r in run.results for f in r.findings]
    # the default script gives every check something to look at (but the proxy's own two)
    contract = {c.id for c in all_checks() if c.subject == "contract"}
    assert {k for k, v in verdicts.items() if v == Verdict.NOT_APPLICABLE} == contract
    assert {v for k, v in verdicts.items() if k not in contract} == {Verdict.PASSED}, verdicts
    fired = {s["step"] for s in any_sandbox.get("/sandbox/script").json()["fired"]}
    assert {"authorize-timeout-after-hold", "settle-503-twice", "new-sessions-off"} <= fired


@pytest.mark.slow
@pytest.mark.parametrize("flaw", sorted(EXPECTED))
def test_each_broken_simulator_fails_exactly_its_check(sandbox, play, flaw):
    script = SLOW_AUTHORIZE if flaw == "settles-before-authorize-answer" else None
    run = play(sandbox, flaw, script)
    assert not run.passed
    assert run.failed_ids() == [EXPECTED[flaw]]
    failed = next(r for r in run.results if r.id == EXPECTED[flaw])
    assert failed.findings and all(f.exchanges for f in failed.findings)
