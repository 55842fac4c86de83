"""Bet lifecycle scenarios: only authorized → settled and authorized → rolled_back are allowed."""

from __future__ import annotations

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario(
    "bet-win-balance",
    needs_sandbox=False,
    rules=(
        "money-amount-decimal-string",
        "money-exact-minor-units",
        "money-balance-after-movement",
        "bet-authorize-holds",
        "bet-settle-captures-and-credits",
        "money-held-not-available",
    ),
)
def bet_win_balance(ctx: ScenarioContext) -> None:
    """A bet and its win move exactly the stake and the win, to the minor unit."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    # 0.29 and 0.57 are where binary floats go wrong (int(0.29 * 100) == 28).
    auth = ctx.authorize_body(player, session, "0.29")
    held = ctx.expect_status(ctx.authorize(auth), 200, what="authorize 0.29")
    ctx.expect(held.get("status") == "authorized", f"authorize status is {held.get('status')!r}")
    ctx.expect(
        held.get("stake") == {"amount": "0.29", "currency": "EUR"},
        f"authorize echoed stake {held.get('stake')!r}, expected 0.29 EUR",
    )
    ctx.expect_moved(
        before,
        ctx.money_of(held.get("balance")),
        "a 0.29 hold (balance in the authorize answer)",
        cash=-29,
        held=29,
        available=-29,
    )
    settled = ctx.expect_status(ctx.settle(ctx.settle_body(auth, "0.57")), 200, what="settle 0.57")
    ctx.expect(settled.get("status") == "settled", f"settle status is {settled.get('status')!r}")
    ctx.expect(
        settled.get("win") == {"amount": "0.57", "currency": "EUR"},
        f"settle echoed win {settled.get('win')!r}, expected 0.57 EUR",
    )
    money = ctx.expect_moved(
        before,
        ctx.money_of(settled.get("balance")),
        "- 0.29 + 0.57 with nothing held (balance in the settle answer)",
        cash=28,
        available=28,
    )
    ctx.expect(
        ctx.money(player) == money,
        "GET balance disagrees with the balance the settle reported",
    )


@scenario(
    "settle-without-authorize",
    needs_sandbox=False,
    rules=("bet-settle-unknown", "error-bet-not-found"),
)
def settle_without_authorize(ctx: ScenarioContext) -> None:
    """Settle of a bet that was never authorized is 404 BET_NOT_FOUND and credits nothing."""
    player, session = ctx.ready_player()
    ghost = ctx.authorize_body(player, session, "1.00")  # never sent
    ctx.expect_refused(
        player,
        lambda: ctx.settle(ctx.settle_body(ghost, "5.00")),
        404,
        "BET_NOT_FOUND",
        "settle before authorize",
    )


@scenario(
    "rollback-unknown-then-authorize",
    needs_sandbox=False,
    rules=(
        "bet-rollback-unknown-tombstone",
        "bet-tombstone-refuses-authorize",
        "error-bet-rolled-back",
    ),
)
def rollback_unknown_then_authorize(ctx: ScenarioContext) -> None:
    """Rollback of an unknown bet is a 200 tombstone; its late authorize is 409 BET_ROLLED_BACK."""
    player, session = ctx.ready_player()
    before = ctx.money_of(ctx.balance(player))
    auth = ctx.authorize_body(player, session, "1.00")
    reply = ctx.rollback(ctx.rollback_body(auth["bet_id"], player))
    body = ctx.expect_status(reply, 200, what="rollback of an unknown bet")
    ctx.expect(
        body.get("tombstone") is True,
        f"rollback of an unknown bet: tombstone is {body.get('tombstone')!r}",
    )
    ctx.expect(
        ctx.minor(body.get("released"), "released") == 0,
        f"a tombstone released {body.get('released')!r}",
    )
    ctx.expect_unchanged(player, before, "the tombstone moved money")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(auth),
        409,
        "BET_ROLLED_BACK",
        "authorize after the bet's rollback",
    )


@scenario(
    "rollback-after-settle",
    needs_sandbox=False,
    rules=("bet-rollback-after-settle", "error-bet-already-settled"),
)
def rollback_after_settle(ctx: ScenarioContext) -> None:
    """Rollback of a settled bet is 409 BET_ALREADY_SETTLED and takes nothing back."""
    player, auth = ctx.bet_for_new_player("2.00")
    ctx.expect_status(ctx.settle(ctx.settle_body(auth, "1.00")), 200, what="settle")
    ctx.expect_refused(
        player,
        lambda: ctx.rollback(ctx.rollback_body(auth["bet_id"], player)),
        409,
        "BET_ALREADY_SETTLED",
        "rollback after settle",
    )


@scenario(
    "settle-after-rollback",
    needs_sandbox=False,
    rules=("bet-settle-after-rollback", "error-bet-rolled-back"),
)
def settle_after_rollback(ctx: ScenarioContext) -> None:
    """Settle of a rolled-back bet is 409 BET_ROLLED_BACK and credits nothing."""
    player, auth = ctx.bet_for_new_player("2.00")
    ctx.expect_status(ctx.rollback(ctx.rollback_body(auth["bet_id"], player)), 200, what="rollback")
    ctx.expect_refused(
        player,
        lambda: ctx.settle(ctx.settle_body(auth, "4.00")),
        409,
        "BET_ROLLED_BACK",
        "settle after rollback",
    )


@scenario(
    "double-settle", needs_sandbox=False, rules=("bet-settle-twice", "error-bet-already-settled")
)
def double_settle(ctx: ScenarioContext) -> None:
    """A second settle of a bet (new key) is 409 BET_ALREADY_SETTLED; the win is credited once."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, "1.00")
    ctx.expect_status(ctx.settle(ctx.settle_body(auth, "3.00")), 200, what="first settle")
    ctx.expect_delta(player, before, "- 1.00 + 3.00", cash=200, available=200)
    ctx.expect_refused(
        player,
        lambda: ctx.settle(ctx.settle_body(auth, "3.00")),
        409,
        "BET_ALREADY_SETTLED",
        "second settle with a new key",
    )
