"""More bet scenarios: second rollbacks, rounds, bet history, win breakdowns, stored refusals."""

from __future__ import annotations

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario(
    "rollback-twice",
    needs_sandbox=False,
    rules=("bet-rollback-twice", "bet-rollback-releases", "error-bet-rolled-back"),
)
def rollback_twice(ctx: ScenarioContext) -> None:
    """A rollback releases the whole stake once; a second one (new key) is 409 BET_ROLLED_BACK."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, "2.50")
    released = ctx.expect_status(
        ctx.rollback(ctx.rollback_body(auth["bet_id"], player)), 200, what="rollback"
    )
    ctx.expect(
        released.get("tombstone") is False,
        f"the rollback of a held bet says tombstone {released.get('tombstone')!r}",
    )
    ctx.expect(
        ctx.minor(released.get("released"), "released") == 250,
        f"the rollback of a 2.50 stake reports released {released.get('released')!r}",
    )
    ctx.expect_moved(before, ctx.money_of(released.get("balance")), "a 2.50 hold released (answer)")
    ctx.expect_refused(
        player,
        lambda: ctx.rollback(ctx.rollback_body(auth["bet_id"], player)),
        409,
        "BET_ROLLED_BACK",
        "a second rollback with a new key",
    )


@scenario(
    "settle-other-round",
    needs_sandbox=False,
    rules=("bet-round-matches",),
)
def settle_other_round(ctx: ScenarioContext) -> None:
    """A settle naming another round than the bet's is refused, moves nothing, then settles."""
    player, session = ctx.ready_player()
    auth = ctx.place_bet(player, session, "1.00")
    wrong = dict(ctx.settle_body(auth, "5.00"), round_id=ctx.unique("r"))
    before = ctx.money(player)
    reply = ctx.settle(wrong)
    # The contract fixes no code for this refusal, only that it is one (and moves nothing).
    ctx.expect(
        400 <= reply.status < 500 and reply.code is not None,
        f"a settle naming another round answered {reply.describe()}",
    )
    ctx.expect_unchanged(player, before, "the settle for another round was refused but")
    ctx.expect_status(ctx.settle(ctx.settle_body(auth, "5.00")), 200, what="the right settle")


@scenario("bet-history-records-movements", needs_sandbox=False, rules=("bet-history-readable",))
def bet_history_records_movements(ctx: ScenarioContext) -> None:
    """GetBet shows each bet's status and one history entry per movement, with its trace id."""
    player, session = ctx.ready_player()
    for outcome in ("settle", "rollback"):
        auth = ctx.authorize_body(player, session, "1.20")
        first = ctx.authorize(auth)
        held = ctx.expect_status(first, 200, what="authorize")
        if outcome == "settle":
            second = ctx.settle(ctx.settle_body(auth, "0.70"))
            amount, status = 70, "settled"
        else:
            second = ctx.rollback(ctx.rollback_body(auth["bet_id"], player))
            amount, status = 120, "rolled_back"
        done = ctx.expect_status(second, 200, what=outcome)
        bet = ctx.expect_status(
            ctx.target.call("GET", f"/v1/bets/{auth['bet_id']}"), 200, what="reading the bet"
        )
        ctx.expect(bet.get("status") == status, f"the bet reads {bet.get('status')!r}")
        history = bet.get("history") or []
        steps = [(m.get("action"), ctx.minor(m.get("amount"), "amount")) for m in history]
        ctx.expect(
            steps == [("authorize", 120), (outcome, amount)],
            f"the {status} bet's history is {steps}, expected authorize 1.20 then {outcome}",
        )
        wanted = [
            (first.trace_id, held.get("transaction_id")),
            (second.trace_id, done.get("transaction_id")),
        ]
        got = [(m.get("trace_id"), m.get("transaction_id")) for m in history]
        ctx.expect(
            got == wanted,
            f"history (trace id, transaction id) {got} differ from the calls' {wanted}",
        )


@scenario(
    "win-breakdown-adds-up",
    needs_sandbox=False,
    rules=("win-breakdown-adds-up", "error-win-breakdown-mismatch"),
)
def win_breakdown_adds_up(ctx: ScenarioContext) -> None:
    """A breakdown whose parts miss the win is 422 WIN_BREAKDOWN_MISMATCH; a matching one pays."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, "1.00")
    eur = "EUR"
    wrong = dict(
        ctx.settle_body(auth, "2.00"),
        win_breakdown={
            "base": {"amount": "1.00", "currency": eur},
            "promo": {"amount": "0.50", "currency": eur},
        },
    )
    ctx.expect_refused(
        player, lambda: ctx.settle(wrong), 422, "WIN_BREAKDOWN_MISMATCH", "1.00 + 0.50 as 2.00"
    )
    right = dict(
        ctx.settle_body(auth, "1.50"),
        win_breakdown={
            "base": {"amount": "1.00", "currency": eur},
            "promo": {"amount": "0.50", "currency": eur},
        },
    )
    ctx.expect_status(ctx.settle(right), 200, what="a 1.50 win of base 1.00 and promo 0.50")
    ctx.expect_delta(player, before, "- 1.00 + 1.50", cash=50, available=50)


@scenario(
    "refusal-replayed",
    needs_sandbox=False,
    rules=("idempotency-refusals-stored", "idempotency-replay-header"),
)
def refusal_replayed(ctx: ScenarioContext) -> None:
    """A final refusal (402) replayed with its key and body answers the stored bytes again."""
    player = ctx.new_player("EUR", "0.50") if ctx.sandbox else ctx.role("low_balance")
    session = ctx.open_session(player)
    before = ctx.money(player)
    body = ctx.authorize_body(player, session, "5.00")
    key = ctx.key("refused")
    first = ctx.authorize(body, key)
    ctx.expect_status(first, 402, "INSUFFICIENT_FUNDS", "a stake above the balance")
    again = ctx.authorize(body, key)
    ctx.expect(
        again.status == 402 and again.content == first.content,
        f"the replayed refusal answered {again.describe()} with other bytes than the first "
        f"({first.exchange.response_body[:200]})",
    )
    ctx.expect(
        again.headers.get("Idempotent-Replayed") == "true",
        "the replayed refusal lacks Idempotent-Replayed: true",
    )
    ctx.expect_unchanged(player, before, "two refused stakes")


@scenario(
    "win-in-another-currency",
    needs_sandbox=False,
    rules=("money-currency-matches-wallet", "error-wrong-currency"),
)
def win_in_another_currency(ctx: ScenarioContext) -> None:
    """A win in another currency than the wallet's is 422 WRONG_CURRENCY and credits nothing."""
    player, auth = ctx.bet_for_new_player("1.00")
    ctx.expect_refused(
        player,
        lambda: ctx.settle(ctx.settle_body(auth, "5.00", currency="USD")),
        422,
        "WRONG_CURRENCY",
        "a USD win on a EUR bet",
    )
    ctx.expect_status(ctx.settle(ctx.settle_body(auth, "5.00")), 200, what="the EUR win")
