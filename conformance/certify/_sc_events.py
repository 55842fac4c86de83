"""Event scenarios: every money movement emits its events, valid and uniquely identified."""

from __future__ import annotations

from collections import Counter
from typing import Any

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario(
    "movement-events-emitted",
    rules=(
        "events-per-movement",
        "events-schema-valid",
        "events-unique-ids",
        "events-carry-the-call",
    ),
)
def movement_events_emitted(ctx: ScenarioContext) -> None:
    """Authorize, settle and rollback emit their events once, valid against schemas/, ids unique."""
    player, session = ctx.ready_player()
    won = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("auth")
    first = ctx.authorize(won, key)
    ctx.expect_status(first, 200, what="authorize")
    ctx.expect_status(ctx.authorize(won, key), 200, what="replayed authorize")
    settle = ctx.settle(ctx.settle_body(won, "1.50"))
    ctx.expect_status(settle, 200, what="settle with a win")
    void = ctx.authorize_body(player, session, "2.00")
    held = ctx.authorize(void)
    ctx.expect_status(held, 200, what="authorize")
    rollback = ctx.rollback(ctx.rollback_body(void["bet_id"], player))
    ctx.expect_status(rollback, 200, what="rollback")

    events = ctx.events(player)
    problems: list[str] = []
    for event in events:
        for error in ctx.contract.validate_event(event):
            problems.append(f"{event.get('event_type')} {event.get('event_id')}: {error}")
    ctx.expect(not problems, "events break their schemas:\n  " + "\n  ".join(problems[:10]))
    ids = Counter(str(e.get("event_id")) for e in events)
    dupes = sorted(i for i, n in ids.items() if n > 1)
    ctx.expect(not dupes, f"event ids are not unique: {dupes}")
    creds = ctx.target.credentials
    for event in events:
        ctx.expect(event.get("player_id") == player, f"event for another player: {event}")
        ctx.expect(
            event.get("tenant_id") == creds.brand and event.get("region") == creds.region,
            f"event tenant/region {event.get('tenant_id')}/{event.get('region')} differ from "
            f"the call's {creds.brand}/{creds.region}",
        )

    def of(kind: str, bet_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in events
            if e.get("event_type") == kind
            and isinstance(e.get("payload"), dict)
            and e["payload"].get("bet_id") == bet_id
        ]

    wanted = [
        ("bet.authorized", won["bet_id"], 1, first.trace_id),
        ("wallet.debit", won["bet_id"], 1, first.trace_id),
        ("bet.settled", won["bet_id"], 1, settle.trace_id),
        ("wallet.credit", won["bet_id"], 1, settle.trace_id),
        ("bet.authorized", void["bet_id"], 1, held.trace_id),
        ("wallet.debit", void["bet_id"], 1, held.trace_id),
        ("bet.rolled_back", void["bet_id"], 1, rollback.trace_id),
        ("wallet.credit", void["bet_id"], 1, rollback.trace_id),
    ]
    for kind, bet_id, count, trace_id in wanted:
        found = of(kind, bet_id)
        ctx.expect(
            len(found) == count,
            f"{kind} for bet {bet_id}: {len(found)} events, expected {count} "
            f"(a replay must not emit again)",
        )
        ctx.expect(
            all(e.get("trace_id") == trace_id for e in found),
            f"{kind} for bet {bet_id} does not carry the trace id {trace_id} of its request",
        )
    started = [e for e in events if e.get("event_type") == "session.started"]
    ctx.expect(len(started) == 1, f"{len(started)} session.started events for one session")
