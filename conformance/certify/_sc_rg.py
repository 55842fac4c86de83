"""Responsible-gaming scenarios: exclusion, loss, stake, session-time limits; expired sessions."""

from __future__ import annotations

from typing import Any

from conformance.certify._context import ScenarioContext
from conformance.certify._registry import scenario

__all__: list[str] = []


def _limit_details(
    ctx: ScenarioContext, error: Any, code: str, keys: tuple[str, ...]
) -> dict[str, Any]:
    details = error.get("details") if isinstance(error, dict) else None
    ctx.expect(isinstance(details, dict), f"{code} must carry details, got {details!r}")
    assert isinstance(details, dict)
    missing = [k for k in keys if k not in details]
    ctx.expect(not missing, f"{code} details lack {missing}: {details!r}")
    return details


@scenario("session-time-limit", defers=True)
def session_time_limit(ctx: ScenarioContext) -> None:
    """Once a session outlives the player's session-time limit, authorize is 403 RG_TIME_LIMIT."""
    player, session = ctx.ready_player()
    ctx.set_limits(player, session_time_minutes=1)
    first = ctx.authorize_body(player, session, "1.00")
    ctx.expect_status(ctx.authorize(first), 200, what="authorize inside the time limit")

    def after_the_limit() -> None:
        before = ctx.money_of(ctx.balance(player))
        late = ctx.authorize_body(player, session, "1.00")
        error = ctx.expect_status(
            ctx.authorize(late),
            403,
            "RG_TIME_LIMIT",
            "authorize after 1 minute of a 1-minute limit",
        )
        _limit_details(ctx, error, "RG_TIME_LIMIT", ("limit", "remaining", "resets_at"))
        after = ctx.money_of(ctx.balance(player))
        ctx.expect(after == before, f"a refused bet moved money: {before} → {after}")
        # Money owed is still paid.
        ctx.expect_status(
            ctx.settle(ctx.settle_body(first, "1.00")), 200, what="settle after the limit"
        )

    ctx.later(62.0, after_the_limit)


@scenario("self-excluded-pending-win-paid")
def self_excluded_pending_win_paid(ctx: ScenarioContext) -> None:
    """A self-excluded player's bet is 403 RG_SELF_EXCLUDED while a pending win is still paid."""
    player, session = ctx.ready_player()
    pending = ctx.authorize_body(player, session, "1.00")
    ctx.expect_status(ctx.authorize(pending), 200, what="authorize before the exclusion")
    ctx.set_limits(player, self_excluded=True)
    before = ctx.money_of(ctx.balance(player))
    refused = ctx.authorize(ctx.authorize_body(player, session, "1.00"))
    error = ctx.expect_status(
        refused, 403, "RG_SELF_EXCLUDED", "authorize of a self-excluded player"
    )
    _limit_details(ctx, error, "RG_SELF_EXCLUDED", ("resets_at",))
    ctx.expect(
        ctx.money_of(ctx.balance(player)) == before,
        "the refused bet of an excluded player moved money",
    )
    paid = ctx.expect_status(
        ctx.settle(ctx.settle_body(pending, "4.00")), 200, what="settle of the pending bet"
    )
    money = ctx.money_of(paid.get("balance"))
    ctx.expect(
        money["cash"] == 10300 and money["held"] == 0,
        f"the pending 4.00 win must be paid (100 - 1 + 4 = 103.00), got {money} (minor units)",
    )


@scenario("loss-limit")
def loss_limit(ctx: ScenarioContext) -> None:
    """A stake past the daily loss limit is 403 RG_LOSS_LIMIT with limit and remaining."""
    player, session = ctx.ready_player()
    ctx.set_limits(
        player, loss_limit={"amount": {"amount": "5.00", "currency": "EUR"}, "period": "day"}
    )
    lost = ctx.authorize_body(player, session, "4.00")
    ctx.expect_status(ctx.authorize(lost), 200, what="a 4.00 stake under a 5.00 loss limit")
    ctx.expect_status(ctx.settle(ctx.settle_body(lost, "0.00")), 200, what="a losing settle")
    before = ctx.money_of(ctx.balance(player))
    error = ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, "2.00")),
        403,
        "RG_LOSS_LIMIT",
        "a 2.00 stake after losing 4.00 of 5.00",
    )
    details = _limit_details(ctx, error, "RG_LOSS_LIMIT", ("limit", "remaining", "resets_at"))
    ctx.expect(
        ctx.minor(details["limit"], "details.limit") == 500,
        f"details.limit should be 5.00, got {details['limit']!r}",
    )
    ctx.expect(
        ctx.minor(details["remaining"], "details.remaining") == 100,
        f"details.remaining should be 1.00 after losing 4.00, got {details['remaining']!r}",
    )
    ctx.expect(ctx.money_of(ctx.balance(player)) == before, "the refused bet moved money")


@scenario("stake-limit")
def stake_limit(ctx: ScenarioContext) -> None:
    """A stake above the stake limit is 403 RG_STAKE_LIMIT; a stake at the limit is accepted."""
    player, session = ctx.ready_player()
    ctx.set_limits(player, stake_limit={"amount": "5.00", "currency": "EUR"})
    before = ctx.money_of(ctx.balance(player))
    error = ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, "5.01")),
        403,
        "RG_STAKE_LIMIT",
        "a 5.01 stake under a 5.00 stake limit",
    )
    _limit_details(ctx, error, "RG_STAKE_LIMIT", ("limit", "remaining"))
    ctx.expect(ctx.money_of(ctx.balance(player)) == before, "the refused bet moved money")
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, "5.00")), 200, what="a stake at the limit"
    )


@scenario("expired-session-win-accepted")
def expired_session_win_accepted(ctx: ScenarioContext) -> None:
    """On an expired session bets are 409 SESSION_EXPIRED while wins and rollbacks are accepted."""
    player, session = ctx.ready_player()
    win = ctx.authorize_body(player, session, "1.00")
    ctx.expect_status(ctx.authorize(win), 200, what="authorize")
    void = ctx.authorize_body(player, session, "2.00")
    ctx.expect_status(ctx.authorize(void), 200, what="authorize")
    ctx.expire_session(session)
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        409,
        "SESSION_EXPIRED",
        "authorize on an expired session",
    )
    ctx.expect_status(
        ctx.settle(ctx.settle_body(win, "2.00")), 200, what="settle on an expired session"
    )
    ctx.expect_status(
        ctx.rollback(ctx.rollback_body(void["bet_id"], player)),
        200,
        what="rollback on an expired session",
    )
    money = ctx.money_of(ctx.balance(player))
    ctx.expect(
        money["cash"] == 10100 and money["held"] == 0,
        f"100 - 1 + 2 (win) with the 2.00 released must be 101.00, got {money} (minor units)",
    )
