"""Bonus and jackpot scenarios: funding order, max bet, wagering shares, pools and their wins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from croupier import format_minor
from croupier.conformance.certify._context import ScenarioContext, rfc3339
from croupier.conformance.certify._registry import NotApplicable, scenario

__all__: list[str] = []

_TABLE_GAME = "game_blackjack_demo"  # the sandbox's table game (fixture role games.table)


def _bonus(ctx: ScenarioContext, player: str, amount: str, max_bet: str = "50.00") -> str:
    """Issue a bonus through the sandbox; its id."""
    _, now = ctx.clock()
    reply = ctx.target.control(
        "POST",
        f"/sandbox/players/{player}/bonuses",
        {
            "amount": {"amount": amount, "currency": "EUR"},
            "wagering_multiplier": 30,
            "max_bet": {"amount": max_bet, "currency": "EUR"},
            "expires_at": rfc3339(now + timedelta(days=7)),
        },
    )
    ctx.use("control: bonuses")
    issued = ctx.expect_status(reply, 201, what=f"issuing a {amount} bonus through the sandbox")
    return str(issued["bonus_id"])


@scenario("bonus-funding-order", rules=("bonus-funding-order",))
def bonus_funding_order(ctx: ScenarioContext) -> None:
    """A stake is taken from cash first and from the bonus only for what cash cannot cover."""
    player, session = ctx.ready_player("EUR", "10.00")
    _bonus(ctx, player, "20.00")
    before = ctx.money(player)
    ctx.place_bet(player, session, "6.00")
    after = ctx.expect_delta(
        player, before, "a 6.00 stake with 10.00 cash", cash=-600, held=600, available=-600
    )
    ctx.place_bet(player, session, "7.00")
    ctx.expect_delta(
        player,
        after,
        "a 7.00 stake with 4.00 cash left: 4.00 cash then 3.00 bonus",
        cash=-400,
        bonus=-300,
        held=700,
        available=-700,
    )


@scenario("bonus-max-bet", rules=("bonus-max-bet", "error-max-bet-exceeded"))
def bonus_max_bet(ctx: ScenarioContext) -> None:
    """While a bonus is active, a stake over its max bet is 422 MAX_BET_EXCEEDED."""
    player, session = ctx.ready_player("EUR", "100.00")
    _bonus(ctx, player, "10.00", max_bet="5.00")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "5.01")),
        422,
        "MAX_BET_EXCEEDED",
        "a 5.01 stake under a 5.00 bonus max bet",
    )
    ctx.place_bet(player, session, "5.00")


@scenario("bonus-wagering-contribution", rules=("bonus-wagering-contribution",))
def bonus_wagering_contribution(ctx: ScenarioContext) -> None:
    """Wagering counts 100 % of a slots stake and 10 % of a table-game stake."""
    table = ctx.fixtures.games.get("table") or _TABLE_GAME
    player = ctx.new_player("EUR", "100.00")
    bonus_id = _bonus(ctx, player, "10.00")
    for game, share in ((ctx.game, 100), (table, 10)):
        session = ctx.open_session(player, game=game)
        auth = ctx.place_bet(player, session, "4.00", game=game)
        ctx.expect_status(ctx.settle(ctx.settle_body(auth, "0.00")), 200, what="a losing settle")
        progress = [
            e["payload"]
            for e in ctx.events(player)
            if e.get("event_type") == "wager.progress.updated"
            and e["payload"].get("bet_id") == auth["bet_id"]
        ]
        ctx.expect(len(progress) == 1, f"{len(progress)} wager.progress.updated for one bet")
        ctx.expect(
            progress[0].get("bonus_id") == bonus_id
            and progress[0].get("contribution_pct") == share
            and ctx.minor(progress[0].get("contributed"), "contributed") == 4 * share,
            f"a 4.00 stake on {game} should contribute {share} % ({4 * share} cents): "
            f"{progress[0]}",
        )


def _pool(ctx: ScenarioContext) -> str:
    named = ctx.fixtures.jackpot_pool
    if named:
        ctx.use("fixture: jackpot_pool")
        return named
    if ctx.sandbox:
        return "jp_daily"
    raise NotApplicable("the fixture file names no jackpot pool (role jackpot_pool)")


def _read_pool(ctx: ScenarioContext, pool: str) -> dict[str, Any]:
    reply = ctx.target.call("GET", f"/v1/jackpots/{pool}")
    return dict(ctx.expect_status(reply, 200, what=f"reading jackpot pool {pool}"))


@scenario(
    "jackpot-contribution",
    needs_sandbox=False,
    rules=("jackpot-contribution", "error-jackpot-not-found"),
)
def jackpot_contribution(ctx: ScenarioContext) -> None:
    """A stake grows the pool by stake × contribution_rate, rounded down to the minor unit."""
    pool = _pool(ctx)
    ctx.expect_status(
        ctx.target.call("GET", f"/v1/jackpots/{ctx.unique('jp-none')}"),
        404,
        "JACKPOT_NOT_FOUND",
        "reading an unknown pool",
    )
    before = _read_pool(ctx, pool)
    currency = before["amount"]["currency"]
    rate = str(before.get("contribution_rate", "0"))
    ppm = int((rate.split(".", 1)[1] if "." in rate else "0").ljust(6, "0")[:6])
    if not ppm:
        raise NotApplicable(f"pool {pool} has contribution rate {rate}")
    player, session = ctx.ready_player(currency)
    # 3.33 makes a rate of 0.01 give 3.33 cents: rounded down, 3.
    stake = 333 * ctx.one_unit(player) // 100 or 3
    body = dict(
        ctx.authorize_body(player, session, format_minor(stake, currency)),
        jackpot_pool_ids=[pool],
    )
    ctx.expect_status(ctx.authorize(body), 200, what="a bet that contributes to the pool")
    after = _read_pool(ctx, pool)
    grown = ctx.minor(after["amount"], "pool amount") - ctx.minor(before["amount"], "pool amount")
    wanted = stake * ppm // 1_000_000
    ctx.expect(
        grown == wanted,
        f"a {format_minor(stake, currency)} stake at rate {rate} grew pool {pool} by {grown} "
        f"minor units, expected {wanted} (rounded down)",
    )


@scenario(
    "jackpot-win-pays-pool",
    needs_sandbox=False,
    rules=("jackpot-win-pays-pool", "error-jackpot-amount-mismatch"),
)
def jackpot_win_pays_pool(ctx: ScenarioContext) -> None:
    """A jackpot part must equal the pool; it is paid and the pool restarts from its seed."""
    pool = _pool(ctx)
    current = _read_pool(ctx, pool)
    currency = current["amount"]["currency"]
    player, session = ctx.ready_player(currency)
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, ctx.amount(player, 1))
    amount = ctx.minor(current["amount"], "pool amount")
    zero = {"amount": format_minor(0, currency), "currency": currency}

    def settle(part: int) -> Any:
        money = {"amount": format_minor(part, currency), "currency": currency}
        body = dict(
            ctx.settle_body(auth, money["amount"]),
            win_breakdown={"base": zero, "jackpots": [{"pool_id": pool, "amount": money}]},
        )
        return ctx.settle(body)

    held = ctx.money(player)
    ctx.expect_refused(
        player,
        lambda: settle(amount - 1),
        409,
        "JACKPOT_AMOUNT_MISMATCH",
        f"a jackpot part 1 minor unit short of pool {pool}",
    )
    ctx.expect_unchanged(player, held, "the refused jackpot win")
    ctx.expect_status(settle(amount), 200, what=f"a win of pool {pool}'s whole amount")
    unit = ctx.one_unit(player)
    ctx.expect_delta(
        player,
        before,
        "the jackpot paid on a 1-unit stake",
        cash=amount - unit,
        available=amount - unit,
    )
    after = _read_pool(ctx, pool)
    ctx.expect(
        after["amount"] == current["seed"],
        f"after the win pool {pool} holds {after['amount']}, expected its seed {current['seed']}",
    )
