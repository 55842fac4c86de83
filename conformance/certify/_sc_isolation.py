"""Isolation scenarios: players and rounds never see each other's money."""

from __future__ import annotations

from conformance.certify._context import ScenarioContext
from conformance.certify._registry import scenario

__all__: list[str] = []


@scenario("two-players-isolated")
def two_players_isolated(ctx: ScenarioContext) -> None:
    """Bets of two players move only their own balances."""
    alice, alice_session = ctx.ready_player("EUR", "50.00")
    bob, bob_session = ctx.ready_player("EUR", "70.00")
    a = ctx.authorize_body(alice, alice_session, "5.00")
    b = ctx.authorize_body(bob, bob_session, "7.00")
    ctx.expect_status(ctx.authorize(a), 200, what="alice's authorize")
    ctx.expect_status(ctx.authorize(b), 200, what="bob's authorize")
    ctx.expect_status(ctx.settle(ctx.settle_body(a, "20.00")), 200, what="alice's win")
    ctx.expect_status(ctx.rollback(ctx.rollback_body(b["bet_id"], bob)), 200, what="bob's rollback")
    alice_money = ctx.money_of(ctx.balance(alice))
    bob_money = ctx.money_of(ctx.balance(bob))
    ctx.expect(
        alice_money["cash"] == 6500 and alice_money["held"] == 0,
        f"alice: 50 - 5 + 20 = 65.00 expected, got {alice_money} (minor units)",
    )
    ctx.expect(
        bob_money["cash"] == 7000 and bob_money["held"] == 0,
        f"bob: 70.00 untouched after his rollback expected, got {bob_money} (minor units)",
    )
    # A bet id is looked up for its own player only: bob cannot settle alice's bet.
    cross = ctx.settle(dict(ctx.settle_body(a, "1.00"), player_id=bob))
    ctx.expect(cross.status >= 400, f"settling alice's bet as bob answered {cross.describe()}")
    ctx.expect(
        ctx.money_of(ctx.balance(bob)) == bob_money, "a cross-player settle moved bob's money"
    )


@scenario("parallel-rounds-isolated")
def parallel_rounds_isolated(ctx: ScenarioContext) -> None:
    """Two interleaved rounds of one player settle and roll back independently."""
    player, session = ctx.ready_player("EUR", "100.00")
    r1 = ctx.authorize_body(player, session, "10.00")
    r2 = ctx.authorize_body(player, session, "3.00")
    r2b = ctx.authorize_body(player, session, "2.00", round_id=r2["round_id"])
    for body in (r1, r2, r2b):
        ctx.expect_status(ctx.authorize(body), 200, what=f"authorize {body['bet_id']}")
    held = ctx.money_of(ctx.balance(player))
    ctx.expect(held["held"] == 1500, f"three holds 10 + 3 + 2 = 15.00 expected, got {held}")
    ctx.expect_status(ctx.settle(ctx.settle_body(r2, "6.00")), 200, what="settle round 2, bet 1")
    ctx.expect_status(
        ctx.rollback(ctx.rollback_body(r1["bet_id"], player)), 200, what="roll back round 1"
    )
    ctx.expect_status(ctx.settle(ctx.settle_body(r2b, "0.00")), 200, what="settle round 2, bet 2")
    money = ctx.money_of(ctx.balance(player))
    ctx.expect(
        money["cash"] == 10100 and money["held"] == 0,
        f"100 - 3 + 6 - 2 = 101.00 with nothing held expected, got {money} (minor units)",
    )
    states = {}
    for body in (r1, r2, r2b):
        detail = ctx.expect_status(
            ctx.target.call("GET", f"/v1/bets/{body['bet_id']}"), 200, what="read a bet"
        )
        states[body["bet_id"]] = detail.get("status")
    expected = {r1["bet_id"]: "rolled_back", r2["bet_id"]: "settled", r2b["bet_id"]: "settled"}
    ctx.expect(states == expected, f"bet states {states} differ from {expected}")
