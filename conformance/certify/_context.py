"""What a scenario works with: the target, unique test players, bet helpers and assertions."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.certify._registry import NotApplicable, ScenarioFailure
from conformance.certify._target import Reply, Target
from croupier import Contract, InvalidAmount, new_idempotency_key, parse_amount

__all__ = ["DEMO_GAME", "ScenarioContext"]

# The game every scenario plays; the sandbox seeds it in the operator's catalog.
DEMO_GAME = "game_slots_demo"

# One counter for the process: ids stay unique across scenarios, threads and runs.
_IDS = itertools.count(1)


@dataclass
class ScenarioContext:
    """One scenario's view of the run."""

    target: Target
    contract: Contract
    scenario_id: str
    seed: int
    run_tag: str
    sandbox: bool
    max_examples: int = 25
    rng: random.Random = field(init=False)
    notes: list[str] = field(default_factory=list)
    deferred: tuple[float, Callable[[], None]] | None = None
    _currency: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.scenario_id}")

    # -- identities --------------------------------------------------------------------------
    def unique(self, prefix: str) -> str:
        """An id unique to this run (ids match the contract's Identifier pattern)."""
        return f"{prefix}-{self.run_tag}-{next(_IDS)}"

    def key(self, label: str = "k") -> str:
        """A fresh idempotency key."""
        return new_idempotency_key(f"cert-{label}")

    def later(self, seconds: float, step: Callable[[], None]) -> None:
        """Finish the scenario with `step` after `seconds` (other scenarios run meanwhile)."""
        self.deferred = (time.monotonic() + seconds, step)

    def note(self, text: str) -> None:
        """Add a line to the scenario's evidence narrative."""
        self.notes.append(text)

    # -- assertions --------------------------------------------------------------------------
    def fail(self, message: str) -> None:
        """Fail the scenario."""
        raise ScenarioFailure(message)

    def expect(self, condition: bool, message: str) -> None:
        """Fail the scenario with `message` unless `condition` holds."""
        if not condition:
            raise ScenarioFailure(message)

    def expect_status(
        self, reply: Reply, status: int, code: str | None = None, what: str = ""
    ) -> Any:
        """Fail unless the reply has `status` (and error `code`); return its JSON body."""
        label = f"{what}: " if what else ""
        wanted = f"{status}{' ' + code if code else ''}"
        if reply.status != status or (code is not None and reply.code != code):
            self.fail(
                f"{label}expected {wanted}, got {reply.describe()} "
                f"on {reply.exchange.method} {reply.exchange.path}: "
                f"{reply.exchange.response_body[:300]}"
            )
        return reply.json()

    # -- sandbox control surface -------------------------------------------------------------
    def require_sandbox(self) -> None:
        """Raise NotApplicable when the target has no sandbox control surface."""
        if not self.sandbox:
            raise NotApplicable(
                "the target has no sandbox control surface (GET /sandbox/players is not 200), "
                "so this scenario cannot set up its players"
            )

    def new_player(
        self,
        currency: str = "EUR",
        cash: str = "100.00",
        *,
        kyc: str = "allow",
        blocked: bool = False,
    ) -> str:
        """Create a fresh test player through PUT /sandbox/players/{id}."""
        self.require_sandbox()
        player = self.unique("pc")
        reply = self.target.control(
            "PUT",
            f"/sandbox/players/{player}",
            {"currency": currency, "cash": cash, "kyc": kyc, "blocked": blocked},
        )
        if reply.status != 200:
            raise NotApplicable(f"PUT /sandbox/players/{player} answered {reply.describe()}")
        self._currency[player] = currency
        return player

    def set_limits(self, player: str, **limits: Any) -> None:
        """Replace a player's responsible-gaming limits (unnamed limits are removed)."""
        body: dict[str, Any] = {
            "loss_limit": None,
            "stake_limit": None,
            "session_time_minutes": None,
            "self_excluded": False,
            "self_excluded_until": None,
            "reality_check_minutes": None,
        }
        body.update(limits)
        reply = self.target.control("PUT", f"/sandbox/players/{player}/limits", body)
        self.expect_status(reply, 200, what="setting limits through the sandbox")

    def expire_session(self, session_id: str) -> None:
        """Expire a session now through the sandbox."""
        reply = self.target.control("POST", f"/sandbox/sessions/{session_id}/expire")
        self.expect_status(reply, 200, what="expiring the session through the sandbox")

    def events(self, player: str) -> list[dict[str, Any]]:
        """Every event the sandbox emitted for a player, oldest first."""
        found: list[dict[str, Any]] = []
        since = 0
        for _ in range(50):
            reply = self.target.control(
                "GET", "/sandbox/events", player_id=player, since=since, limit=1000
            )
            page = self.expect_status(reply, 200, what="reading /sandbox/events")
            items = page.get("events", [])
            found.extend(item["event"] for item in items)
            if not items or page.get("next_since", since) == since:
                break
            since = page["next_since"]
        return found

    # -- contract calls ----------------------------------------------------------------------
    def currency_of(self, player: str) -> str:
        """The currency a player was created with."""
        return self._currency.get(player, "EUR")

    def open_session(self, player: str, currency: str | None = None) -> str:
        """Open a session for the player; fail the scenario when refused."""
        reply = self.target.call(
            "POST",
            "/v1/sessions",
            {
                "player_id": player,
                "game_id": DEMO_GAME,
                "currency": currency or self.currency_of(player),
                "locale": "en-GB",
            },
            idempotency_key=self.key("ses"),
        )
        body = self.expect_status(reply, 201, what="opening a session")
        return str(body["session_id"])

    def ready_player(self, currency: str = "EUR", cash: str = "100.00") -> tuple[str, str]:
        """A fresh player with money and an open session."""
        player = self.new_player(currency, cash)
        return player, self.open_session(player)

    def authorize_body(
        self,
        player: str,
        session: str,
        stake: str = "1.00",
        *,
        currency: str | None = None,
        bet_id: str | None = None,
        round_id: str | None = None,
    ) -> dict[str, Any]:
        """The body of an authorize."""
        return {
            "bet_id": bet_id or self.unique("b"),
            "round_id": round_id or self.unique("r"),
            "session_id": session,
            "player_id": player,
            "game_id": DEMO_GAME,
            "stake": {"amount": stake, "currency": currency or self.currency_of(player)},
        }

    def post(self, path: str, body: Any, key: str | None = None, **kwargs: Any) -> Reply:
        """Signed POST of a contract write with a given (or fresh) idempotency key."""
        return self.target.call("POST", path, body, idempotency_key=key or self.key(), **kwargs)

    def authorize(self, body: dict[str, Any], key: str | None = None, **kwargs: Any) -> Reply:
        """POST /v1/bets/authorize."""
        return self.post("/v1/bets/authorize", body, key, **kwargs)

    def settle_body(
        self, authorize: dict[str, Any], win: str = "0.00", currency: str | None = None
    ) -> dict[str, Any]:
        """The body of a settle for an authorize body."""
        return {
            "bet_id": authorize["bet_id"],
            "round_id": authorize["round_id"],
            "player_id": authorize["player_id"],
            "win": {"amount": win, "currency": currency or authorize["stake"]["currency"]},
        }

    def settle(self, body: dict[str, Any], key: str | None = None, **kwargs: Any) -> Reply:
        """POST /v1/bets/settle."""
        return self.post("/v1/bets/settle", body, key, **kwargs)

    def rollback_body(self, bet_id: str, player: str, reason: str = "timeout") -> dict[str, Any]:
        """The body of a rollback."""
        return {"bet_id": bet_id, "player_id": player, "reason": reason}

    def rollback(self, body: dict[str, Any], key: str | None = None, **kwargs: Any) -> Reply:
        """POST /v1/bets/rollback."""
        return self.post("/v1/bets/rollback", body, key, **kwargs)

    def balance(self, player: str) -> dict[str, Any]:
        """GET /v1/players/{id}/balance; fail unless 200."""
        reply = self.target.call("GET", f"/v1/players/{player}/balance")
        return dict(self.expect_status(reply, 200, what="reading the balance"))

    # -- money -------------------------------------------------------------------------------
    def minor(self, money: Any, field_name: str = "amount") -> int:
        """Integer minor units of a Money object; fail when it is not a contract amount."""
        self.expect(
            isinstance(money, dict) and "amount" in money and "currency" in money,
            f"{field_name} is not a Money object: {money!r}",
        )
        try:
            return parse_amount(money["amount"], money["currency"])
        except InvalidAmount as exc:
            self.fail(f"{field_name} {money!r} is not a contract amount: {exc}")
            raise  # unreachable: fail raises

    def money_of(self, balance: Any) -> dict[str, int]:
        """cash, bonus, held, available of a Balance, in minor units."""
        self.expect(isinstance(balance, dict), f"balance is not an object: {balance!r}")
        return {
            name: self.minor(balance.get(name), f"balance.{name}")
            for name in ("cash", "bonus", "held", "available")
        }
