"""Bonus scenarios: a bonus past its deadline is forfeited, with its events (needs the clock)."""

from __future__ import annotations

from datetime import timedelta

from croupier.conformance.certify._context import ScenarioContext, rfc3339
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario("bonus-expiry-forfeits", rules=("bonus-expiry", "events-schema-valid"))
def bonus_expiry_forfeits(ctx: ScenarioContext) -> None:
    """A bonus past its deadline forfeits its funds, keeps the cash, emits bonus.expired once."""
    _, now = ctx.clock()  # not applicable before any setup when the target cannot move time
    player = ctx.new_player("EUR", "100.00")
    deadline = now + timedelta(hours=1)
    reply = ctx.target.control(
        "POST",
        f"/sandbox/players/{player}/bonuses",
        {
            "amount": {"amount": "20.00", "currency": "EUR"},
            "wagering_multiplier": 30,
            "max_bet": {"amount": "5.00", "currency": "EUR"},
            "expires_at": rfc3339(deadline),
        },
    )
    ctx.use("control: bonuses")
    bonus = ctx.expect_status(reply, 201, what="issuing a 20.00 bonus through the sandbox")
    bonus_id = bonus.get("bonus_id") if isinstance(bonus, dict) else None
    ctx.expect(isinstance(bonus_id, str), f"the issued bonus has no bonus_id: {bonus!r}")
    money = ctx.money_of(ctx.balance(player))
    ctx.expect(
        money["bonus"] == 2000 and money["cash"] == 10000,
        f"after issuing 20.00 bonus: expected cash 100.00 and bonus 20.00, got {money}",
    )
    ctx.advance_clock_past(deadline)
    money = ctx.money_of(ctx.balance(player))
    ctx.expect(
        money["bonus"] == 0 and money["cash"] == 10000 and money["available"] == 10000,
        f"past the deadline the 20.00 bonus must be forfeited and the 100.00 cash kept; "
        f"got {money} (minor units)",
    )
    events = ctx.events(player)
    expired = [
        e
        for e in events
        if e.get("event_type") == "bonus.expired"
        and isinstance(e.get("payload"), dict)
        and e["payload"].get("bonus_id") == bonus_id
    ]
    ctx.expect(len(expired) == 1, f"{len(expired)} bonus.expired events for bonus {bonus_id}")
    event = expired[0]
    problems = ctx.contract.validate_event(event)
    ctx.expect(not problems, f"bonus.expired breaks its schema: {problems[:3]}")
    ctx.expect(
        event["payload"].get("forfeited") == {"amount": "20.00", "currency": "EUR"},
        f"bonus.expired forfeited {event['payload'].get('forfeited')!r}, expected 20.00 EUR",
    )
    debits = [
        e
        for e in events
        if e.get("event_type") == "wallet.debit"
        and isinstance(e.get("payload"), dict)
        and e["payload"].get("reason") == "bonus_expiry"
    ]
    ctx.expect(
        len(debits) == 1
        and debits[0]["payload"].get("amount") == {"amount": "20.00", "currency": "EUR"},
        f"the forfeiture must emit one wallet.debit of 20.00 with reason bonus_expiry, "
        f"found {[d.get('payload') for d in debits]}",
    )
