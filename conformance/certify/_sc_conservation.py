"""Property-based money conservation: random bet sequences against a model ledger (Hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from croupier import format_minor
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import NotApplicable, ScenarioFailure, scenario

__all__: list[str] = []

_START = 10000  # 100.00 EUR in minor units


@dataclass
class _Bet:
    body: dict[str, Any]
    stake: int
    state: str  # authorized | settled | rolled_back


@scenario("money-conservation", needs_sandbox=False, rules=("money-conservation",))
def money_conservation(ctx: ScenarioContext) -> None:
    """Random authorize/settle/rollback/replay sequences keep balances equal to a model ledger."""
    from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import (
        RuleBasedStateMachine,
        get_state_machine_test,
        initialize,
        invariant,
        precondition,
        rule,
    )

    steps: list[str] = []

    class Ledger(RuleBasedStateMachine):
        """The player's money as the contract says it must be."""

        def __init__(self) -> None:
            super().__init__()
            self.cash = _START
            self.held = 0
            self.bonus = 0
            self.bets: list[_Bet] = []
            self.writes: list[tuple[str, dict[str, Any], str, Any]] = []
            self.player = ""
            self.session = ""

        @initialize()
        def open(self) -> None:
            self.player, self.session = ctx.ready_player("EUR", format_minor(_START, "EUR"))
            # The model starts from the balance it observes (a fixture account's is unknown).
            start = ctx.money(self.player)
            if start["bonus"]:
                raise NotApplicable(
                    f"the funded EUR player {self.player} holds bonus funds; the model ledger "
                    "covers cash only"
                )
            self.cash, self.held = start["cash"], start["held"]
            steps.clear()
            steps.append(f"player {self.player} from {start}")

        def teardown(self) -> None:
            # Give back what this sequence left held, so the next one (and the account) is clean.
            for bet in self.bets:
                if bet.state == "authorized":
                    ctx.rollback(ctx.rollback_body(bet.body["bet_id"], self.player))

        def _write(self, path: str, body: dict[str, Any]) -> Any:
            key = ctx.key("prop")
            reply = ctx.post(path, body, key)
            steps.append(f"POST {path} {body.get('bet_id')} → {reply.describe()}")
            if 200 <= reply.status < 300:
                self.writes.append((path, body, key, reply))
            return reply

        def _check_reported(self, reply: Any) -> None:
            body = reply.json()
            if isinstance(body, dict) and isinstance(body.get("balance"), dict):
                self._compare(body["balance"], f"balance in the answer to {reply.describe()}")

        def _compare(self, balance: dict[str, Any], where: str) -> None:
            money = ctx.money_of(balance)
            model = {
                "cash": self.cash,
                "bonus": self.bonus,
                "held": self.held,
                "available": self.cash,
            }
            if money != model:
                raise ScenarioFailure(
                    f"{where} is {money}, the model ledger says {model} (minor units) "
                    f"after: " + " | ".join(steps[-6:])
                )

        @rule(stake=st.integers(min_value=1, max_value=4000))
        def authorize(self, stake: int) -> None:
            body = ctx.authorize_body(self.player, self.session, format_minor(stake, "EUR"))
            reply = self._write("/v1/bets/authorize", body)
            if stake <= self.cash:
                ctx.expect_status(reply, 200, what=f"authorize {body['stake']['amount']}")
                self.cash -= stake
                self.held += stake
                self.bets.append(_Bet(body, stake, "authorized"))
                self._check_reported(reply)
            else:
                ctx.expect_status(reply, 402, "INSUFFICIENT_FUNDS", "authorize above the balance")

        @precondition(lambda self: bool(self.bets))
        @rule(pick=st.integers(min_value=0, max_value=10_000), win=st.integers(0, 6000))
        def settle(self, pick: int, win: int) -> None:
            bet = self.bets[pick % len(self.bets)]
            reply = self._write(
                "/v1/bets/settle", ctx.settle_body(bet.body, format_minor(win, "EUR"))
            )
            if bet.state == "authorized":
                ctx.expect_status(reply, 200, what="settle of an authorized bet")
                self.held -= bet.stake
                self.cash += win
                bet.state = "settled"
                self._check_reported(reply)
            elif bet.state == "settled":
                ctx.expect_status(reply, 409, "BET_ALREADY_SETTLED", "settle of a settled bet")
            else:
                ctx.expect_status(reply, 409, "BET_ROLLED_BACK", "settle of a rolled-back bet")

        @precondition(lambda self: bool(self.bets))
        @rule(pick=st.integers(min_value=0, max_value=10_000))
        def rollback(self, pick: int) -> None:
            bet = self.bets[pick % len(self.bets)]
            reply = self._write(
                "/v1/bets/rollback", ctx.rollback_body(bet.body["bet_id"], self.player)
            )
            if bet.state == "authorized":
                ctx.expect_status(reply, 200, what="rollback of an authorized bet")
                self.held -= bet.stake
                self.cash += bet.stake
                bet.state = "rolled_back"
                self._check_reported(reply)
            elif bet.state == "settled":
                ctx.expect_status(reply, 409, "BET_ALREADY_SETTLED", "rollback of a settled bet")
            else:
                ctx.expect_status(reply, 409, "BET_ROLLED_BACK", "rollback of a rolled-back bet")

        @rule()
        def rollback_unknown(self) -> None:
            bet_id = ctx.unique("b")
            reply = self._write(
                "/v1/bets/rollback", ctx.rollback_body(bet_id, self.player, "provider_error")
            )
            ctx.expect_status(reply, 200, what="rollback of an unknown bet (tombstone)")
            self._check_reported(reply)

        @precondition(lambda self: bool(self.writes))
        @rule(pick=st.integers(min_value=0, max_value=10_000))
        def replay(self, pick: int) -> None:
            path, body, key, original = self.writes[pick % len(self.writes)]
            reply = ctx.post(path, body, key)
            steps.append(f"replay POST {path} {body.get('bet_id')} → {reply.describe()}")
            ctx.expect(
                reply.status == original.status and reply.content == original.content,
                f"replay of {path} answered {reply.describe()} with another body than the "
                f"original {original.describe()}",
            )
            ctx.expect(
                reply.headers.get("Idempotent-Replayed") == "true",
                f"replay of {path} lacks Idempotent-Replayed: true",
            )

        @invariant()
        def balance_matches(self) -> None:
            if self.player:
                self._compare(ctx.balance(self.player), "GET balance")

    test = get_state_machine_test(
        Ledger,
        settings=settings(
            max_examples=max(1, ctx.max_examples),
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
        ),
    )
    seed(ctx.seed)(test)()
    ctx.note(f"hypothesis seed {ctx.seed}, {max(1, ctx.max_examples)} sequences of up to 12 steps")
