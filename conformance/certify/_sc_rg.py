"""Responsible-gaming scenarios: exclusion, loss, stake, session-time limits; expired sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from croupier import format_minor
from croupier.conformance.certify._context import ScenarioContext, parse_time
from croupier.conformance.certify._registry import NotApplicable, scenario

__all__ = ["stake_limited"]


def _limit_details(
    ctx: ScenarioContext, error: Any, code: str, keys: tuple[str, ...]
) -> dict[str, Any]:
    details = error.get("details") if isinstance(error, dict) else None
    ctx.expect(isinstance(details, dict), f"{code} must carry details, got {details!r}")
    assert isinstance(details, dict)
    missing = [k for k in keys if k not in details]
    ctx.expect(not missing, f"{code} details lack {missing}: {details!r}")
    return details


def _session_expires_at(ctx: ScenarioContext, session: str) -> Any:
    detail = ctx.expect_status(
        ctx.target.call("GET", f"/v1/sessions/{session}"), 200, what="reading the session"
    )
    return parse_time(detail.get("expires_at"), "the session's expires_at")


@scenario(
    "session-time-limit",
    needs_sandbox=False,
    rules=(
        "rg-session-time-limit",
        "rg-refusal-details",
        "owed-money-limit-reached",
        "error-rg-time-limit",
    ),
)
def session_time_limit(ctx: ScenarioContext) -> None:
    """Once a session outlives the player's session-time limit, authorize is 403 RG_TIME_LIMIT."""
    if ctx.sandbox:
        seconds = 62.0
        ctx.need_time(seconds, "a 1-minute session-time limit to run out")
        player, session = ctx.ready_player()
        ctx.set_limits(player, session_time_minutes=1)
    else:
        limited = ctx.fixtures.session_limited
        seconds = (limited.minutes if limited else 1) * 60 + 2.0
        ctx.need_time(seconds, "the session-time limit to run out")
        player = ctx.role("session_limited")
        session = ctx.open_session(player)
        if _session_expires_at(ctx, session) <= ctx.now() + timedelta(seconds=seconds + 5):
            raise NotApplicable(
                "the target's sessions expire before the session_limited player's limit runs "
                "out, so SESSION_EXPIRED would hide RG_TIME_LIMIT"
            )
    first = ctx.place_bet(player, session, "1.00")
    ctx.pass_time(seconds, "the session-time limit to run out")
    error = ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        403,
        "RG_TIME_LIMIT",
        f"authorize {seconds:.0f} s into the session-time limit",
    )
    _limit_details(ctx, error, "RG_TIME_LIMIT", ("limit", "remaining", "resets_at"))
    # Money owed is still paid.
    ctx.expect_status(
        ctx.settle(ctx.settle_body(first, "1.00")), 200, what="settle after the limit"
    )


@scenario(
    "self-excluded-pending-win-paid",
    needs_sandbox=False,
    rules=("rg-self-exclusion", "owed-money-excluded-player", "error-rg-self-excluded"),
)
def self_excluded_pending_win_paid(ctx: ScenarioContext) -> None:
    """A self-excluded player's bet is 403 RG_SELF_EXCLUDED while a pending win is still paid."""
    if not ctx.sandbox:
        _self_excluded_fixture(ctx)
        return
    player, session = ctx.ready_player()
    before = ctx.money(player)
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
    ctx.expect_moved(
        before,
        ctx.money_of(paid.get("balance")),
        "the pending 4.00 win on a 1.00 stake must be paid",
        cash=300,
        available=300,
    )


def _self_excluded_fixture(ctx: ScenarioContext) -> None:
    """Without the control surface: the fixture's excluded player is refused, owed money paid."""
    player = ctx.role("self_excluded")
    before = ctx.money(player)
    reply = ctx.target.call(
        "POST",
        "/v1/sessions",
        {
            "player_id": player,
            "game_id": ctx.game,
            "currency": ctx.currency_of(player),
            "locale": "en-GB",
        },
        idempotency_key=ctx.key("ses"),
    )
    error = ctx.expect_status(
        reply, 403, "RG_SELF_EXCLUDED", "a session for a self-excluded player"
    )
    _limit_details(ctx, error, "RG_SELF_EXCLUDED", ("resets_at",))
    # A rollback (money owed to the player) is accepted even now.
    rollback = ctx.rollback(ctx.rollback_body(ctx.unique("b"), player, "provider_error"))
    ctx.expect_status(rollback, 200, what="a rollback for a self-excluded player")
    ctx.expect_delta(player, before, "the refused session and a tombstone rollback")
    ctx.note(
        "pending-win half not run: paying a win after exclusion needs the control surface "
        "to exclude a player who has a bet open"
    )
    ctx.use("partial: pending-win half needs control")


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


@scenario(
    "loss-limit",
    needs_sandbox=False,
    rules=("rg-loss-limit", "rg-refusal-details", "error-rg-loss-limit"),
)
def loss_limit(ctx: ScenarioContext) -> None:
    """A stake past the daily loss limit is 403 RG_LOSS_LIMIT with limit and remaining."""
    if not ctx.sandbox:
        _loss_limit_fixture(ctx)
        return
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


def _loss_limit_fixture(ctx: ScenarioContext) -> None:
    """The fixture's loss-limited player: whatever it lost today, a stake past it is refused."""
    limited = ctx.fixtures.loss_limited
    player = ctx.role("loss_limited")
    assert limited is not None
    session = ctx.open_session(player)
    currency = ctx.currency_of(player)
    limit = ctx.minor({"amount": limited.limit, "currency": currency}, "fixture loss limit")
    unit = ctx.one_unit(player)
    over = format_minor(limit + 1, currency)

    def refused(stake: str, why: str) -> dict[str, Any]:
        error = ctx.expect_refused(
            player,
            lambda: ctx.authorize(ctx.authorize_body(player, session, stake)),
            403,
            "RG_LOSS_LIMIT",
            why,
        )
        return _limit_details(ctx, error, "RG_LOSS_LIMIT", ("limit", "remaining", "resets_at"))

    details = refused(over, f"a {over} stake, more than the whole {limited.limit} loss limit")
    ctx.expect(
        ctx.minor(details["limit"], "details.limit") == limit,
        f"details.limit should be the fixture's {limited.limit}, got {details['limit']!r}",
    )
    remaining = ctx.minor(details["remaining"], "details.remaining")
    ctx.expect(
        0 <= remaining <= limit,
        f"details.remaining {details['remaining']!r} is outside 0..{limited.limit}",
    )
    if remaining <= unit:
        ctx.note(
            f"only {format_minor(remaining, currency)} of the loss limit is left today: "
            "the losing-bet half did not run"
        )
        return
    # Lose one unit: what remains must drop by exactly that, and a stake of the old rest fails.
    lost = ctx.place_bet(player, session, format_minor(unit, currency))
    ctx.expect_status(
        ctx.settle(ctx.settle_body(lost, format_minor(0, currency))), 200, what="a losing settle"
    )
    rest = format_minor(remaining, currency)
    details = refused(rest, f"a {rest} stake after losing 1 more of the {limited.limit} limit")
    ctx.expect(
        ctx.minor(details["remaining"], "details.remaining") == remaining - unit,
        f"details.remaining should be {format_minor(remaining - unit, currency)} after losing "
        f"1 more, got {details['remaining']!r}",
    )


@scenario("loss-limit-period-reset", needs_sandbox=False, rules=("rg-loss-limit-resets",))
def loss_limit_period_reset(ctx: ScenarioContext) -> None:
    """A loss limit holds until its period ends (details.resets_at), then accepts stakes again."""
    # A day must pass: only the sandbox clock makes that practical.
    ctx.need_time(86400, "a daily loss limit's period to end")
    player, session = _lose_four_of_five(ctx)
    error = _stake_past_loss_limit(ctx, player, session, "same day")
    details = _limit_details(ctx, error, "RG_LOSS_LIMIT", ("limit", "remaining", "resets_at"))
    resets_at = parse_time(details["resets_at"], "RG_LOSS_LIMIT details.resets_at")
    now = ctx.now()
    ctx.expect(
        now < resets_at <= now + timedelta(days=1, seconds=5),
        f"a daily limit's resets_at {details['resets_at']} must be within a day of {now}",
    )
    # The session may expire on the way; the limit, not the session, is under test.
    ctx.pass_time_until(resets_at - timedelta(seconds=120), "the loss limit period", margin_s=0)
    _stake_past_loss_limit(ctx, player, ctx.open_session(player), "2 minutes before resets_at")
    ctx.pass_time_until(resets_at, "the loss limit period")
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, ctx.open_session(player), "2.00")),
        200,
        what="the same 2.00 stake just after the loss limit's resets_at",
    )


def stake_limited(ctx: ScenarioContext) -> tuple[str, str, str]:
    """A player under a stake limit (fresh at 5.00, or the fixture's), a session, the limit."""
    if ctx.sandbox:
        player, session = ctx.ready_player()
        ctx.set_limits(player, stake_limit={"amount": "5.00", "currency": "EUR"})
        return player, session, "5.00"
    limited = ctx.fixtures.stake_limited
    player = ctx.role("stake_limited")
    assert limited is not None
    return player, ctx.open_session(player), limited.limit


@scenario("stake-limit", needs_sandbox=False, rules=("rg-stake-limit", "error-rg-stake-limit"))
def stake_limit(ctx: ScenarioContext) -> None:
    """A stake above the stake limit is 403 RG_STAKE_LIMIT; a stake at the limit is accepted."""
    player, session, limit = stake_limited(ctx)
    currency = ctx.currency_of(player)
    minor = ctx.minor({"amount": limit, "currency": currency}, "the stake limit")
    above = format_minor(minor + 1, currency)
    error = ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, above)),
        403,
        "RG_STAKE_LIMIT",
        f"a {above} stake under a {limit} stake limit",
    )
    _limit_details(ctx, error, "RG_STAKE_LIMIT", ("limit", "remaining"))
    at = format_minor(minor, currency)
    ctx.expect_status(
        ctx.authorize(ctx.authorize_body(player, session, at)), 200, what="a stake at the limit"
    )


@scenario(
    "expired-session-win-accepted",
    needs_sandbox=False,
    rules=("owed-money-expired-session", "session-expiry", "error-session-expired"),
)
def expired_session_win_accepted(ctx: ScenarioContext) -> None:
    """On an expired session bets are 409 SESSION_EXPIRED while wins and rollbacks are accepted."""
    if not ctx.sandbox:
        ctx.need_some_time("the session to expire")
    player, session = ctx.ready_player()
    wait = 0.0
    if not ctx.sandbox:
        wait = (_session_expires_at(ctx, session) - ctx.now()).total_seconds() + 5
        ctx.need_time(wait, "the session to expire")
    win = ctx.place_bet(player, session, "1.00")
    void = ctx.place_bet(player, session, "2.00")
    if ctx.sandbox:
        ctx.expire_session(session)
    else:
        ctx.pass_time(wait, "the session to expire")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        409,
        "SESSION_EXPIRED",
        "authorize on an expired session",
    )
    before = ctx.money(player)
    ctx.expect_status(
        ctx.settle(ctx.settle_body(win, "2.00")), 200, what="settle on an expired session"
    )
    ctx.expect_status(
        ctx.rollback(ctx.rollback_body(void["bet_id"], player)),
        200,
        what="rollback on an expired session",
    )
    ctx.expect_delta(
        player,
        before,
        "a 2.00 win on the 1.00 stake and the 2.00 stake released",
        cash=400,
        held=-300,
        available=400,
    )


@scenario(
    "session-expires-at-deadline",
    needs_sandbox=False,
    rules=("session-expiry", "error-session-expired"),
)
def session_expires_at_deadline(ctx: ScenarioContext) -> None:
    """A session takes bets until its expires_at, then is 409 SESSION_EXPIRED and emits one end."""
    ctx.need_some_time("the session to expire")
    player, session = ctx.ready_player()
    deadline = _session_expires_at(ctx, session)
    ctx.need_time((deadline - ctx.now()).total_seconds() + 5, "the session to expire")
    ctx.pass_time_until(deadline - timedelta(seconds=60), "the session's last minute", margin_s=0)
    ctx.place_bet(player, session, "1.00")
    ctx.pass_time_until(deadline, "the session to expire")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        409,
        "SESSION_EXPIRED",
        "authorize just after the session's expires_at",
    )
    if not ctx.sandbox:
        ctx.note("session.ended event not checked: reading events needs the control surface")
        ctx.use("partial: session.ended event needs control")
        return
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
