"""Responsible-gaming scenarios: exclusion, loss, stake, session-time limits; expired sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance.certify._context import ScenarioContext, parse_time
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


@scenario("session-time-limit")
def session_time_limit(ctx: ScenarioContext) -> None:
    """Once a session outlives the player's session-time limit, authorize is 403 RG_TIME_LIMIT."""
    ctx.clock()  # not applicable before any setup when the target cannot move time
    player, session = ctx.ready_player()
    ctx.set_limits(player, session_time_minutes=1)
    first = ctx.place_bet(player, session, "1.00")
    ctx.advance_clock(62)
    error = ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        403,
        "RG_TIME_LIMIT",
        "authorize 62 s into a 1-minute session-time limit",
    )
    _limit_details(ctx, error, "RG_TIME_LIMIT", ("limit", "remaining", "resets_at"))
    # Money owed is still paid.
    ctx.expect_status(
        ctx.settle(ctx.settle_body(first, "1.00")), 200, what="settle after the limit"
    )


@scenario("self-excluded-pending-win-paid")
def self_excluded_pending_win_paid(ctx: ScenarioContext) -> None:
    """A self-excluded player's bet is 403 RG_SELF_EXCLUDED while a pending win is still paid."""
    player, session = ctx.ready_player()
    pending = ctx.place_bet(player, session, "1.00")
    ctx.set_limits(player, self_excluded=True)
    error = ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        403,
        "RG_SELF_EXCLUDED",
        "authorize of a self-excluded player",
    )
    _limit_details(ctx, error, "RG_SELF_EXCLUDED", ("resets_at",))
    paid = ctx.expect_status(
        ctx.settle(ctx.settle_body(pending, "4.00")), 200, what="settle of the pending bet"
    )
    money = ctx.money_of(paid.get("balance"))
    ctx.expect(
        money["cash"] == 10300 and money["held"] == 0,
        f"the pending 4.00 win must be paid (100 - 1 + 4 = 103.00), got {money} (minor units)",
    )


def _lose_four_of_five(ctx: ScenarioContext) -> tuple[str, str]:
    """A fresh player under a 5.00 daily loss limit who has lost 4.00 of it."""
    player, session = ctx.ready_player()
    ctx.set_limits(
        player, loss_limit={"amount": {"amount": "5.00", "currency": "EUR"}, "period": "day"}
    )
    lost = ctx.place_bet(player, session, "4.00")
    ctx.expect_status(ctx.settle(ctx.settle_body(lost, "0.00")), 200, what="a losing settle")
    return player, session


def _stake_past_loss_limit(ctx: ScenarioContext, player: str, session: str, when: str) -> Any:
    return ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "2.00")),
        403,
        "RG_LOSS_LIMIT",
        f"a 2.00 stake after losing 4.00 of a 5.00 daily limit ({when})",
    )


@scenario("loss-limit")
def loss_limit(ctx: ScenarioContext) -> None:
    """A stake past the daily loss limit is 403 RG_LOSS_LIMIT with limit and remaining."""
    player, session = _lose_four_of_five(ctx)
    error = _stake_past_loss_limit(ctx, player, session, "same day")
    details = _limit_details(ctx, error, "RG_LOSS_LIMIT", ("limit", "remaining", "resets_at"))
    ctx.expect(
        ctx.minor(details["limit"], "details.limit") == 500,
        f"details.limit should be 5.00, got {details['limit']!r}",
    )
    ctx.expect(
        ctx.minor(details["remaining"], "details.remaining") == 100,
        f"details.remaining should be 1.00 after losing 4.00, got {details['remaining']!r}",
    )


@scenario("loss-limit-period-reset")
def loss_limit_period_reset(ctx: ScenarioContext) -> None:
    """A loss limit holds until its period ends (details.resets_at), then accepts stakes again."""
    ctx.clock()  # not applicable before any setup when the target cannot move time
    player, session = _lose_four_of_five(ctx)
    error = _stake_past_loss_limit(ctx, player, session, "same day")
    details = _limit_details(ctx, error, "RG_LOSS_LIMIT", ("limit", "remaining", "resets_at"))
    resets_at = parse_time(details["resets_at"], "RG_LOSS_LIMIT details.resets_at")
    _, now = ctx.clock()
    ctx.expect(
        now < resets_at <= now + timedelta(days=1, seconds=5),
        f"a daily limit's resets_at {details['resets_at']} must be within a day of {now}",
    )
    # The session may expire on the way; the limit, not the session, is under test.
    ctx.advance_clock_past(resets_at - timedelta(seconds=120), margin_s=0)
    _stake_past_loss_limit(ctx, player, ctx.open_session(player), "2 minutes before resets_at")
    ctx.advance_clock_past(resets_at)
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, ctx.open_session(player), "2.00")),
        200,
        what="the same 2.00 stake just after the loss limit's resets_at",
    )


@scenario("stake-limit")
def stake_limit(ctx: ScenarioContext) -> None:
    """A stake above the stake limit is 403 RG_STAKE_LIMIT; a stake at the limit is accepted."""
    player, session = ctx.ready_player()
    ctx.set_limits(player, stake_limit={"amount": "5.00", "currency": "EUR"})
    error = ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "5.01")),
        403,
        "RG_STAKE_LIMIT",
        "a 5.01 stake under a 5.00 stake limit",
    )
    _limit_details(ctx, error, "RG_STAKE_LIMIT", ("limit", "remaining"))
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, "5.00")), 200, what="a stake at the limit"
    )


@scenario("expired-session-win-accepted")
def expired_session_win_accepted(ctx: ScenarioContext) -> None:
    """On an expired session bets are 409 SESSION_EXPIRED while wins and rollbacks are accepted."""
    player, session = ctx.ready_player()
    win = ctx.place_bet(player, session, "1.00")
    void = ctx.place_bet(player, session, "2.00")
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


@scenario("session-expires-at-deadline")
def session_expires_at_deadline(ctx: ScenarioContext) -> None:
    """A session takes bets until its expires_at, then is 409 SESSION_EXPIRED and emits one end."""
    ctx.clock()  # not applicable before any setup when the target cannot move time
    player, session = ctx.ready_player()
    detail = ctx.expect_status(
        ctx.target.call("GET", f"/v1/sessions/{session}"), 200, what="reading the session"
    )
    deadline = parse_time(detail.get("expires_at"), "the session's expires_at")
    ctx.advance_clock_past(deadline - timedelta(seconds=60), margin_s=0)
    ctx.place_bet(player, session, "1.00")
    ctx.advance_clock_past(deadline)
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        409,
        "SESSION_EXPIRED",
        "authorize just after the session's expires_at",
    )
    ended = [
        e
        for e in ctx.events(player)
        if e.get("event_type") == "session.ended"
        and isinstance(e.get("payload"), dict)
        and e["payload"].get("session_id") == session
    ]
    ctx.expect(
        len(ended) == 1 and ended[0]["payload"].get("reason") == "expired",
        f"an expired session must emit one session.ended with reason expired, found "
        f"{[e.get('payload') for e in ended]}",
    )
