"""What a scenario works with: the target, its test accounts, bet helpers and assertions.

A scenario asks for accounts by role (`funded`, `role`); when the target offers the sandbox
control surface (and the profile allows it) each one is a fresh player made for the scenario,
otherwise it is the fixture file's account. Either way a scenario asserts on the balance
deltas it observes, so it never depends on a starting balance it did not set. What each
scenario used (fixture roles, controls, real-time waits) is recorded for the report, and so is
what it asserted: every `expect_status`, `expect_moved`/`expect_delta`, `expect_unchanged` and
`expect_equal` keeps the expected and the actual value (a plain `expect` is counted, and shown
when it fails), so a report shows what was checked, not only what was sent.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from croupier import (
    CURRENCY_EXPONENTS,
    Contract,
    InvalidAmount,
    format_minor,
    new_idempotency_key,
    parse_amount,
)
from croupier.conformance.certify._fixtures import Fixtures
from croupier.conformance.certify._model import ASSERTIONS_KEPT, Assertion
from croupier.conformance.certify._registry import NotApplicable, ScenarioFailure
from croupier.conformance.certify._target import Reply, Target

__all__ = ["DEMO_GAME", "Parker", "ScenarioContext", "parse_time", "rfc3339"]

# The game scenarios play on the sandbox; the sandbox seeds it in the operator's catalog.
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


class Parker(Protocol):
    """Lets a waiting scenario step aside so others run meanwhile (the engine's runner)."""

    def park(self, seconds: float) -> None:
        """Block the calling scenario for `seconds` while other scenarios run."""


@dataclass
class ScenarioContext:
    """One scenario's view of the run."""

    target: Target
    contract: Contract
    scenario_id: str
    seed: int
    run_tag: str
    sandbox: bool  # the sandbox control surface is present and may be used
    max_examples: int = 25
    fixtures: Fixtures = field(default_factory=Fixtures)
    max_wait_s: float = 0.0  # longest real-time wait a scenario may make without a clock
    parker: Parker | None = None
    rng: random.Random = field(init=False)
    notes: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)  # fixture roles, controls, waits
    assertions: list[Assertion] = field(default_factory=list)  # kept for the report
    assertions_total: int = 0
    _currency: dict[str, str] = field(default_factory=dict)
    _fixture_players: set[str] = field(default_factory=set)
    _open_bets: dict[str, str] = field(default_factory=dict)  # bet id -> fixture player
    _clock_restore: int | None = None  # seconds this scenario moved the clock (to take back)
    _has_clock: bool | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.scenario_id}")

    def use(self, what: str) -> None:
        """Record a fixture role, control or wait the scenario relied on (once each)."""
        if what not in self.uses:
            self.uses.append(what)

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
    def _assert(self, assertion: Assertion, message: str | None = None) -> None:
        """Keep an assertion for the report; raise ScenarioFailure when it did not hold."""
        self.assertions_total += 1
        held = sum(a.passed for a in self.assertions)
        if (assertion.passed and held < ASSERTIONS_KEPT) or (
            not assertion.passed and len(self.assertions) - held < 20
        ):
            self.assertions.append(assertion)
        if not assertion.passed:
            raise ScenarioFailure(message or assertion.line(), assertion)

    def fail(self, message: str) -> None:
        """Fail the scenario."""
        self._assert(Assertion(message, "", "", False), message)

    def expect(
        self,
        condition: bool,
        message: str,
        *,
        what: str | None = None,
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        """Fail the scenario with `message` unless `condition` holds.

        With `what` (and `expected`/`actual`) the assertion is shown in the report whether it
        held or not; without, it is counted, and shown only when it fails.
        """
        if what is not None:
            self._assert(
                Assertion(what, _shown(expected), _shown(actual), bool(condition), "value"),
                message,
            )
        elif condition:
            self.assertions_total += 1
        else:
            self._assert(Assertion(message, "", "", False), message)

    def expect_equal(self, actual: Any, expected: Any, what: str) -> Any:
        """Fail unless `actual == expected`; the report shows both either way. Returns `actual`."""
        self._assert(
            Assertion(what, _shown(expected), _shown(actual), actual == expected, "value"),
            f"{what}: expected {_shown(expected)}, got {_shown(actual)}",
        )
        return actual

    def expect_status(
        self, reply: Reply, status: int, code: str | None = None, what: str = ""
    ) -> Any:
        """Fail unless the reply has `status` (and error `code`); return its JSON body."""
        label = f"{what}: " if what else ""
        wanted = f"{status}{' ' + code if code else ''}"
        held = reply.status == status and (code is None or reply.code == code)
        got = f"{reply.status}{' ' + reply.code if reply.code else ''}"
        self._assert(
            Assertion(
                what or f"{reply.exchange.method} {reply.exchange.path}",
                wanted,
                got,
                held,
                "status",
                reply.trace_id or reply.echoed_trace_id,
            ),
            f"{label}expected {wanted}, got {reply.describe()} "
            f"on {reply.exchange.method} {reply.exchange.path}: "
            f"{reply.exchange.response_body[:300]}",
        )
        return reply.json()

    # -- test accounts -----------------------------------------------------------------------
    def require_sandbox(self) -> None:
        """Raise NotApplicable when the target has no (usable) sandbox control surface."""
        if not self.sandbox:
            raise NotApplicable(
                "needs the sandbox control surface (absent, or not allowed by the profile): "
                "no fixture role can stand in for it"
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
        self.use("control: fresh players")
        return player

    def _fixture(self, player: str, role: str, currency: str | None = None) -> str:
        self._fixture_players.add(player)
        if currency is not None:
            self._currency[player] = currency
        self.use(f"fixture: {role}")
        return player

    def funded(self, currency: str = "EUR", cash: str = "100.00") -> str:
        """A player with money in `currency`: fresh (`cash`) or the fixture's funded one."""
        if self.sandbox:
            return self.new_player(currency, cash)
        players = self.fixtures.funded.get(currency)
        if not players:
            raise NotApplicable(
                f"the fixture file names no funded {currency} player (role funded.{currency})"
            )
        return self._fixture(players[0], f"funded.{currency}", currency)

    def funded_players(self, count: int) -> list[str]:
        """`count` distinct funded players (any currency on a fixture file, EUR fresh ones)."""
        if self.sandbox:
            return [self.new_player("EUR", "100.00") for _ in range(count)]
        found = self.fixtures.funded_players()
        if len(found) < count:
            raise NotApplicable(
                f"needs {count} distinct funded players; the fixture file names {len(found)} "
                f"(role funded)"
            )
        return [self._fixture(p, f"funded.{c}", c) for p, c in found[:count]]

    def role(self, name: str) -> str:
        """The fixture file's player for a role; NotApplicable naming the role when absent."""
        value = getattr(self.fixtures, name, None)
        player = getattr(value, "player", value)
        if not isinstance(player, str):
            raise NotApplicable(f"the fixture file names no {name} player (role {name})")
        return self._fixture(player, name)

    @property
    def game(self) -> str:
        """The game scenarios play: the fixture's slots game, or the sandbox's demo game."""
        named = self.fixtures.game()
        if named is not None:
            if not self.sandbox:
                self.use("fixture: games")
            return named
        if self.sandbox:
            return DEMO_GAME
        raise NotApplicable("the fixture file names no game (role games)")

    def amount(self, player: str, major: int, cents: int = 0) -> str:
        """`major.cents` in the player's currency, as the contract writes it."""
        currency = self.currency_of(player)
        exponent = CURRENCY_EXPONENTS.get(currency, 2)
        minor = major * 10**exponent + (cents * 10**exponent) // 100
        return format_minor(minor, currency)

    def one_unit(self, player: str) -> int:
        """One major unit of the player's currency, in minor units (100 for EUR, 1 for JPY)."""
        return int(10 ** CURRENCY_EXPONENTS.get(self.currency_of(player), 2))

    def set_limits(self, player: str, **limits: Any) -> None:
        """Replace a player's responsible-gaming limits (unnamed limits are removed)."""
        self.require_sandbox()
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
        self.use("control: limits")

    # -- time ----------------------------------------------------------------------------------
    def can_wait(self, seconds: float) -> bool:
        """Whether a real-time wait of `seconds` is allowed (the profile's max_wait_s)."""
        return seconds <= self.max_wait_s

    def wait(self, seconds: float, why: str) -> None:
        """Let `seconds` of real time pass (other scenarios run meanwhile when the engine can)."""
        if not self.can_wait(seconds):
            raise NotApplicable(
                f"{why} needs the sandbox clock or a real-time wait of {seconds:.0f} s, "
                f"longer than max_wait_s = {self.max_wait_s:.0f}"
            )
        self.use(f"wait: {seconds:.0f} s real time")
        self.note(f"waited {seconds:.0f} s of real time: {why}")
        if self.parker is not None:
            self.parker.park(seconds)
        else:
            time.sleep(seconds)
        self.target.forget_token()

    def has_clock(self) -> bool:
        """Whether the target's sandbox clock can be moved (asked once per scenario)."""
        if self._has_clock is None:
            self._has_clock = (
                self.sandbox and self.target.control("GET", "/sandbox/clock").status == 200
            )
        return self._has_clock

    def need_time(self, seconds: float, why: str) -> bool:
        """Before any set-up: NotApplicable unless `seconds` can pass (clock, or a wait).

        True when the sandbox clock will move time, False when real time will be waited.
        """
        if self.has_clock():
            return True
        if not self.can_wait(seconds):
            self.wait(seconds, why)  # raises NotApplicable with the reason
        return False

    def need_some_time(self, why: str) -> None:
        """Before any set-up: NotApplicable unless time can pass at all (clock, or waits)."""
        if not self.has_clock() and self.max_wait_s <= 0:
            raise NotApplicable(
                f"{why} needs the sandbox clock or real-time waits, and max_wait_s is 0"
            )

    def now(self) -> datetime:
        """The target's now: the sandbox clock when there is one, else this machine's clock."""
        if self.has_clock():
            return self.clock()[1]
        return datetime.now(UTC)

    def pass_time(self, seconds: float, why: str) -> datetime:
        """Let `seconds` pass on the target: move the sandbox clock, or wait; the new now."""
        if seconds <= 0:
            return self.now()
        if self.has_clock():
            return self.advance_clock(seconds)
        self.wait(seconds, why)
        return datetime.now(UTC)

    def pass_time_until(self, moment: datetime, why: str, margin_s: float = 5.0) -> datetime:
        """Let time pass until `margin_s` after `moment` (clock or wait); the new now."""
        seconds = max(0.0, (moment - self.now()).total_seconds()) + margin_s
        return self.pass_time(seconds, why)

    def expire_session(self, session_id: str) -> None:
        """Expire a session now through the sandbox."""
        self.require_sandbox()
        self.use("control: expire session")
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
        self.use("control: clock")
        # Remember only this scenario's own moves: a scenario waiting aside may overlap
        # another that moves the clock too, so restoring an absolute offset would undo theirs.
        self._clock_restore = (self._clock_restore or 0) + int(round(seconds))
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
        """Undo what the scenario changed: holds left on fixture players, the clock offset."""
        try:
            self._release_holds()
        finally:
            self._restore_clock()

    def _release_holds(self) -> None:
        # A fixture account outlives the run: give back every stake the scenario left held.
        open_bets, self._open_bets = self._open_bets, {}
        for bet_id, player in open_bets.items():
            detail = self.target.call("GET", f"/v1/bets/{bet_id}")
            body = detail.json()
            if detail.status == 200 and isinstance(body, dict):
                if body.get("status") != "authorized":
                    continue
            reply = self.rollback(self.rollback_body(bet_id, player, "provider_error"))
            self.expect(
                reply.status == 200 or reply.code in ("BET_ALREADY_SETTLED", "BET_ROLLED_BACK"),
                f"releasing the hold of bet {bet_id} on fixture player {player} after the "
                f"scenario answered {reply.describe()}",
            )

    def _restore_clock(self) -> None:
        if self._clock_restore is None:
            return
        moved, self._clock_restore = self._clock_restore, None
        current, _ = self.clock()
        offset = current - moved
        reply = self.target.control("PUT", "/sandbox/clock", {"offset_seconds": offset})
        self.target.forget_token()
        body = self.expect_status(reply, 200, what="restoring the sandbox clock")
        restored = body.get("offset_seconds") if isinstance(body, dict) else None
        self.expect(
            restored == offset, f"the clock offset is {restored!r} after restoring {offset}"
        )

    def events(self, player: str) -> list[dict[str, Any]]:
        """Every event the sandbox emitted for a player, oldest first."""
        self.require_sandbox()
        self.use("control: events")
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
        """The player's currency: as created or named by the fixtures, else from its balance."""
        if player not in self._currency:
            cash = self.balance(player).get("cash")
            self._currency[player] = (
                str(cash["currency"]) if isinstance(cash, dict) and "currency" in cash else "EUR"
            )
        return self._currency[player]

    def open_session(
        self, player: str, currency: str | None = None, game: str | None = None
    ) -> str:
        """Open a session for the player (on `game`, else the slots game); fail when refused."""
        reply = self.target.call(
            "POST",
            "/v1/sessions",
            {
                "player_id": player,
                "game_id": game or self.game,
                "currency": currency or self.currency_of(player),
                "locale": "en-GB",
            },
            idempotency_key=self.key("ses"),
        )
        body = self.expect_status(reply, 201, what="opening a session")
        return str(body["session_id"])

    def ready_player(self, currency: str = "EUR", cash: str = "100.00") -> tuple[str, str]:
        """A funded player (fresh with `cash`, or the fixture's) and an open session."""
        player = self.funded(currency, cash)
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
        game: str | None = None,
    ) -> dict[str, Any]:
        """The body of an authorize."""
        return {
            "bet_id": bet_id or self.unique("b"),
            "round_id": round_id or self.unique("r"),
            "session_id": session,
            "player_id": player,
            "game_id": game or self.game,
            "stake": {"amount": stake, "currency": currency or self.currency_of(player)},
        }

    def post(self, path: str, body: Any, key: str | None = None, **kwargs: Any) -> Reply:
        """Signed POST of a contract write with a given (or fresh) idempotency key."""
        reply = self.target.call("POST", path, body, idempotency_key=key or self.key(), **kwargs)
        if (
            reply.status == 200
            and isinstance(body, dict)
            and body.get("player_id") in self._fixture_players
        ):
            bet_id = str(body.get("bet_id"))
            if path == "/v1/bets/authorize":
                self._open_bets[bet_id] = str(body["player_id"])
            elif path in ("/v1/bets/settle", "/v1/bets/rollback"):
                self._open_bets.pop(bet_id, None)
        return reply

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
        """A funded EUR player with an authorized bet; returns the player and the authorize body."""
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
        moved = {name: after[name] - before[name] for name in before}
        self._assert(
            Assertion(why, "balance unchanged", _delta_text(moved), after == before, "balance"),
            f"{why}: balance moved from {before} to {after} (minor units)",
        )

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

    def money(self, player: str) -> dict[str, int]:
        """The player's balance now, in minor units."""
        return self.money_of(self.balance(player))

    def expect_delta(
        self, player: str, before: dict[str, int], why: str, **delta: int
    ) -> dict[str, int]:
        """Fail unless the balance moved from `before` by exactly `delta` (unnamed parts: 0)."""
        after = self.money(player)
        return self.expect_moved(before, after, why, **delta)

    def expect_moved(
        self, before: dict[str, int], after: dict[str, int], why: str, **delta: int
    ) -> dict[str, int]:
        """Fail unless `after` is `before` moved by `delta` (minor units; unnamed parts: 0)."""
        moved = {name: after[name] - before[name] for name in before}
        wanted = {name: delta.get(name, 0) for name in before}
        self._assert(
            Assertion(why, _delta_text(wanted), _delta_text(moved), moved == wanted, "balance"),
            f"{why}: the balance moved by {moved}, expected {wanted} (minor units; "
            f"before {before}, after {after})",
        )
        return after

    def money_of(self, balance: Any) -> dict[str, int]:
        """cash, bonus, held, available of a Balance, in minor units."""
        self.expect(isinstance(balance, dict), f"balance is not an object: {balance!r}")
        return {
            name: self.minor(balance.get(name), f"balance.{name}")
            for name in ("cash", "bonus", "held", "available")
        }


def _shown(value: Any) -> str:
    """A value as an assertion row shows it: strings bare, the rest as Python writes them."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _delta_text(delta: dict[str, int]) -> str:
    """`cash -100, held +100` (minor units); `no change` when nothing moved."""
    parts = [f"{name} {value:+d}" for name, value in delta.items() if value]
    return ", ".join(parts) + " (minor units)" if parts else "no change"
