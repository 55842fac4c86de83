"""Delivery scenarios: events reach the bus within the contract's lag budget."""

from __future__ import annotations

import time
from typing import Any

from croupier._contract import Contract, load_document
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import NotApplicable, scenario

__all__: list[str] = []

# How long the scenario waits for the relay to publish the events of its bet.
_WAIT_S = 5.0


def contract_lag_budget(contract: Contract) -> dict[str, int]:
    """The lag budget of schemas/delivery.yaml: {p95_ms, max_ms} (empty when undeclared)."""
    path = contract.schemas_dir / "delivery.yaml"
    data: Any = load_document(path) if path.is_file() else {}
    budget = (data or {}).get("lag_budget") or {}
    return {k: int(budget[k]) for k in ("p95_ms", "max_ms") if isinstance(budget.get(k), int)}


@scenario("event-lag-within-budget", mandatory=False, rules=("events-lag-budget",))
def event_lag_within_budget(ctx: ScenarioContext) -> None:
    """Events reach the bus within the contract's lag budget (p95 and max, outbox to bus)."""
    ctx.require_sandbox()
    budget = contract_lag_budget(ctx.contract)
    if not budget:
        raise NotApplicable("the contract declares no lag budget (schemas/delivery.yaml)")
    first = ctx.target.control("GET", "/sandbox/events/lag")
    if first.status == 404:
        raise NotApplicable("the target does not report its lag (GET /sandbox/events/lag)")
    before = ctx.expect_status(first, 200, what="reading the lag")
    ctx.place_bet(*ctx.ready_player(), "1.00")
    deadline = time.monotonic() + _WAIT_S
    lag = before
    while time.monotonic() < deadline:
        lag = ctx.expect_status(ctx.target.control("GET", "/sandbox/events/lag"), 200, what="lag")
        if lag.get("measured", 0) > 0 and lag.get("undelivered", 1) == 0:
            break
        time.sleep(0.2)
    if not lag.get("relay", True):
        raise NotApplicable("the target relays no events to a bus (run the sandbox with --nats)")
    ctx.expect(
        lag.get("undelivered", 0) == 0,
        f"{lag.get('undelivered')} events still in the outbox after {_WAIT_S:.0f} s "
        "(a stalled relay)",
    )
    ctx.note(
        f"lag over {lag['measured']} events: p50 {lag.get('p50_ms')} ms, p95 "
        f"{lag.get('p95_ms')} ms, max {lag.get('max_ms')} ms; budget p95 "
        f"{budget.get('p95_ms')} ms, max {budget.get('max_ms')} ms"
    )
    for key in ("p95_ms", "max_ms"):
        if key in budget and key in lag:
            ctx.expect(
                float(lag.get(key, 0)) <= budget[key],
                f"outbox-to-bus lag {key.removesuffix('_ms')} is {lag.get(key)} ms, over the "
                f"contract's budget of {budget[key]} ms",
            )
