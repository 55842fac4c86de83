"""More event scenarios: payloads that match their movements, order, and provider events."""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify._context import ScenarioContext, parse_time
from croupier.conformance.certify._latency import _event as jackpot_won_event
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario("event-payloads-match-movements", rules=("events-match-movements", "events-player-order"))
def event_payloads_match_movements(ctx: ScenarioContext) -> None:
    """Event amounts and balance_after equal each movement and its answer, in causal order."""
    player, session = ctx.ready_player()
    won = ctx.authorize_body(player, session, "2.00")
    held = ctx.expect_status(ctx.authorize(won), 200, what="authorize 2.00")
    paid = ctx.expect_status(ctx.settle(ctx.settle_body(won, "3.00")), 200, what="settle 3.00")
    void = ctx.authorize_body(player, session, "1.00")
    held2 = ctx.expect_status(ctx.authorize(void), 200, what="authorize 1.00")
    back = ctx.expect_status(
        ctx.rollback(ctx.rollback_body(void["bet_id"], player)), 200, what="rollback"
    )
    events = ctx.events(player)

    def one(kind: str, bet_id: str) -> dict[str, Any]:
        found = [
            e["payload"]
            for e in events
            if e.get("event_type") == kind and e["payload"].get("bet_id") == bet_id
        ]
        ctx.expect(len(found) == 1, f"{len(found)} {kind} events for bet {bet_id}")
        return dict(found[0])

    def money(value: Any, what: str) -> int:
        return ctx.minor(value, what)

    for kind, bet_id, field, amount, answer in (
        ("wallet.debit", won["bet_id"], "amount", 200, held),
        ("bet.settled", won["bet_id"], "win", 300, paid),
        ("wallet.credit", won["bet_id"], "amount", 300, paid),
        ("wallet.debit", void["bet_id"], "amount", 100, held2),
        ("bet.rolled_back", void["bet_id"], "released", 100, back),
        ("wallet.credit", void["bet_id"], "amount", 100, back),
    ):
        payload = one(kind, bet_id)
        ctx.expect(
            money(payload.get(field), f"{kind}.{field}") == amount,
            f"{kind} of bet {bet_id} has {field} {payload.get(field)!r}, expected {amount} cents",
        )
        after = money(answer["balance"]["available"], "balance.available")
        ctx.expect(
            money(payload.get("balance_after"), f"{kind}.balance_after") == after,
            f"{kind} of bet {bet_id} says balance_after {payload.get('balance_after')!r}; the "
            f"answer's available balance was {answer['balance']['available']!r}",
        )
    order = [
        (e.get("event_type"), e["payload"].get("bet_id"))
        for e in events
        if str(e.get("event_type", "")).startswith("bet.")
    ]
    wanted = [
        ("bet.authorized", won["bet_id"]),
        ("bet.settled", won["bet_id"]),
        ("bet.authorized", void["bet_id"]),
        ("bet.rolled_back", void["bet_id"]),
    ]
    ctx.expect(order == wanted, f"the player's bet events came as {order}, expected {wanted}")
    times = [parse_time(e.get("occurred_at"), "occurred_at") for e in events]
    ctx.expect(times == sorted(times), "the player's events are not in occurred_at order")


@scenario(
    "published-events-validated",
    needs_sandbox=False,
    rules=(
        "events-provider-validated",
        "events-provider-deduplicated",
        "error-invalid-event",
        "error-unknown-event-type",
    ),
)
def published_events_validated(ctx: ScenarioContext) -> None:
    """A published event is 202 once, then duplicate; invalid and unknown types are 422."""
    player = ctx.funded("EUR")
    event = jackpot_won_event(ctx, player)
    first = ctx.expect_status(ctx.post("/v1/events", event), 202, what="publishing an event")
    ctx.expect(first.get("duplicate") is False, f"a new event answered {first}")
    again = ctx.expect_status(
        ctx.post("/v1/events", event), 202, what="publishing the same event id again"
    )
    ctx.expect(again.get("duplicate") is True, f"the same event id again answered {again}")
    broken = dict(jackpot_won_event(ctx, player), payload={"pool_id": "jp_daily"})
    ctx.expect_status(
        ctx.post("/v1/events", broken), 422, "INVALID_EVENT", "an event missing payload fields"
    )
    unknown = dict(jackpot_won_event(ctx, player), event_type="croupier.never_heard_of")
    ctx.expect_status(
        ctx.post("/v1/events", unknown), 422, "UNKNOWN_EVENT_TYPE", "an event type with no schema"
    )
