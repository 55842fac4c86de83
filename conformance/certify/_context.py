"""What a scenario works with: the target, unique test players, bet helpers and assertions."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.certify._registry import NotApplicable, ScenarioFailure
from conformance.certify._target import Reply, Target
from croupier import Contract, InvalidAmount, new_idempotency_key, parse_amount

__all__ = ["DEMO_GAME", "ScenarioContext", "parse_time", "rfc3339"]

# The game every scenario plays; the sandbox seeds it in the operator's catalog.
DEMO_GAME = "game_slots_demo"


def parse_time(value: Any, what: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime; a scenario failure when it is not one."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ScenarioFailure(f"{what} is not an RFC 3339 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise ScenarioFailure(f"{what} has no time zone: {value!r}")
    return moment


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC with a Z and whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    _currency: dict[str, str] = field(default_factory=dict)
    _clock_restore: int | None = None  # the clock offset to put back after the scenario

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.scenario_id}")

    # -- identities --------------------------------------------------------------------------
    def unique(self, prefix: str) -> str:
        """An id unique to this run (ids match the contract's Identifier pattern)."""
        return f"{prefix}-{self.run_tag}-{next(_IDS)}"

    def key(self, label: str = "k") -> str:
        """A fresh idempotency key."""
        return new_idempotency_key(f"cert-{label}")

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

    def clock(self) -> tuple[int, datetime]:
        """The sandbox clock's offset and shifted now; NotApplicable when it has none."""
        reply = self.target.control("GET", "/sandbox/clock")
        if reply.status != 200:
            raise NotApplicable(
                f"the target has no sandbox clock control (GET /sandbox/clock answered "
                f"{reply.describe()}), so this scenario cannot move time forward"
            )
        body = reply.json()
        self.expect(
            isinstance(body, dict)
            and isinstance(body.get("offset_seconds"), int)
            and isinstance(body.get("now"), str),
            f"GET /sandbox/clock answered {reply.exchange.response_body[:200]!r}",
        )
        return body["offset_seconds"], parse_time(body["now"], "the sandbox clock's now")

    def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox clock `seconds` ahead (restored after the scenario); the new now."""
        offset, before = self.clock()
        if self._clock_restore is None:
            self._clock_restore = offset
        reply = self.target.control(
            "PUT", "/sandbox/clock", {"offset_seconds": offset + int(round(seconds))}
        )
        body = self.expect_status(reply, 200, what="moving the sandbox clock")
        # A bearer token fetched before the move may have expired in the shifted time.
        self.target.forget_token()
        now = parse_time(body.get("now") if isinstance(body, dict) else None, "clock now")
        # A clock control that answers 200 without moving would blame the rule under test.
        self.expect(
            now >= before + timedelta(seconds=seconds - 2),
            f"PUT /sandbox/clock +{seconds:.0f} s answered now {rfc3339(now)}, "
            f"but the clock read {rfc3339(before)} just before: the clock did not move",
        )
        self.note(f"sandbox clock moved {seconds:.0f} s ahead, to {rfc3339(now)}")
        return now

    def advance_clock_past(self, moment: datetime, margin_s: float = 5.0) -> datetime:
        """Move the sandbox clock to `margin_s` after `moment`; the new now."""
        _, now = self.clock()
        return self.advance_clock(max(0.0, (moment - now).total_seconds()) + margin_s)

    def cleanup(self) -> None:
        """Undo what the scenario changed on the target (the clock offset)."""
        if self._clock_restore is None:
            return
        offset, self._clock_restore = self._clock_restore, None
        reply = self.target.control("PUT", "/sandbox/clock", {"offset_seconds": offset})
        self.target.forget_token()
        body = self.expect_status(reply, 200, what="restoring the sandbox clock")
        restored = body.get("offset_seconds") if isinstance(body, dict) else None
        self.expect(
            restored == offset, f"the clock offset is {restored!r} after restoring {offset}"
        )

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

    def place_bet(
        self, player: str, session: str, stake: str = "1.00", **body: Any
    ) -> dict[str, Any]:
        """Authorize a bet and fail unless 200; returns the authorize body."""
        auth = self.authorize_body(player, session, stake, **body)
        self.expect_status(self.authorize(auth), 200, what=f"authorize {stake}")
        return auth

    def bet_for_new_player(
        self, stake: str = "1.00", cash: str = "100.00"
    ) -> tuple[str, dict[str, Any]]:
        """A fresh EUR player with an authorized bet; returns the player and the authorize body."""
        player, session = self.ready_player("EUR", cash)
        return player, self.place_bet(player, session, stake)

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

    def expect_unchanged(self, player: str, before: dict[str, int], why: str) -> None:
        """Fail unless the player's balance (minor units) still equals `before`."""
        after = self.money_of(self.balance(player))
        self.expect(after == before, f"{why}: balance moved from {before} to {after} (minor units)")

    def expect_refused(
        self, player: str, reply: Callable[[], Reply], status: int, code: str, what: str
    ) -> Any:
        """Send `reply`, demand `status` `code`, and that it moved no money; the error body."""
        before = self.money_of(self.balance(player))
        error = self.expect_status(reply(), status, code, what)
        self.expect_unchanged(player, before, f"{what} was refused but")
        return error

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
