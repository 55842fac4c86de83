"""Isolation scenarios: players and rounds never see each other's money."""

from __future__ import annotations

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario(
    "two-players-isolated",
    needs_sandbox=False,
    rules=("bet-player-scoped", "money-exact-minor-units"),
)
def two_players_isolated(ctx: ScenarioContext) -> None:
    """Bets of two players move only their own balances."""
    alice, bob = ctx.funded_players(2)
    alice_session, bob_session = ctx.open_session(alice), ctx.open_session(bob)
    alice_before, bob_before = ctx.money(alice), ctx.money(bob)
    a = ctx.authorize_body(alice, alice_session, ctx.amount(alice, 5))
    b = ctx.authorize_body(bob, bob_session, ctx.amount(bob, 7))
    ctx.expect_status(ctx.authorize(a), 200, what="alice's authorize")
    ctx.expect_status(ctx.authorize(b), 200, what="bob's authorize")
    ctx.expect_status(
        ctx.settle(ctx.settle_body(a, ctx.amount(alice, 20))), 200, what="alice's win"
    )
    ctx.expect_status(ctx.rollback(ctx.rollback_body(b["bet_id"], bob)), 200, what="bob's rollback")
    won = 15 * ctx.one_unit(alice)
    ctx.expect_delta(alice, alice_before, "alice: - 5 + 20", cash=won, available=won)
    bob_money = ctx.expect_delta(bob, bob_before, "bob: a 7 hold rolled back")
    # A bet id is looked up for its own player only: bob cannot settle alice's bet.
    cross = ctx.settle(dict(ctx.settle_body(a, ctx.amount(alice, 1)), player_id=bob))
    ctx.expect(cross.status >= 400, f"settling alice's bet as bob answered {cross.describe()}")
    ctx.expect(ctx.money(bob) == bob_money, "a cross-player settle moved bob's money")


@scenario(
    "parallel-rounds-isolated",
    needs_sandbox=False,
    rules=("bet-round-several-bets", "bet-history-readable"),
)
def parallel_rounds_isolated(ctx: ScenarioContext) -> None:
    """Two interleaved rounds of one player settle and roll back independently."""
    player, session = ctx.ready_player("EUR", "100.00")
    before = ctx.money(player)
    r1 = ctx.authorize_body(player, session, "10.00")
    r2 = ctx.authorize_body(player, session, "3.00")
    r2b = ctx.authorize_body(player, session, "2.00", round_id=r2["round_id"])
    for body in (r1, r2, r2b):
        ctx.expect_status(ctx.authorize(body), 200, what=f"authorize {body['bet_id']}")
    ctx.expect_delta(
        player, before, "three holds 10 + 3 + 2", cash=-1500, held=1500, available=-1500
    )
    ctx.expect_status(ctx.settle(ctx.settle_body(r2, "6.00")), 200, what="settle round 2, bet 1")
    ctx.expect_status(
        ctx.rollback(ctx.rollback_body(r1["bet_id"], player)), 200, what="roll back round 1"
    )
    ctx.expect_status(ctx.settle(ctx.settle_body(r2b, "0.00")), 200, what="settle round 2, bet 2")
    ctx.expect_delta(player, before, "- 3 + 6 - 2 with nothing held", cash=100, available=100)
    states = {}
    for body in (r1, r2, r2b):
        detail = ctx.expect_status(
            ctx.target.call("GET", f"/v1/bets/{body['bet_id']}"), 200, what="read a bet"
        )
        states[body["bet_id"]] = detail.get("status")
    expected = {r1["bet_id"]: "rolled_back", r2["bet_id"]: "settled", r2b["bet_id"]: "settled"}
    ctx.expect(states == expected, f"bet states {states} differ from {expected}")
