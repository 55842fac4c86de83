"""The certification test-account kit: the accounts a platform provides for certify, by role.

A fixture file (the `[fixtures]` table of a target profile) names them; every role is optional,
and a scenario that needs a role the file lacks is "not applicable" naming that role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from croupier import InvalidAmount, parse_amount

__all__ = [
    "ROLES",
    "SANDBOX_KIT",
    "Fixtures",
    "FixtureError",
    "LossLimited",
    "SessionLimited",
    "StakeLimited",
    "parse_fixtures",
]

# role key -> what the operator sets up (the docs' kit table is written from this).
ROLES: dict[str, str] = {
    "funded": "one funded player per currency (at least EUR and one more), `CUR = id` or a list",
    "low_balance": "a player whose available balance is below 1.00 of its currency",
    "self_excluded": "a self-excluded player",
    "stake_limited": "a player with only a stake limit: `{player, limit}`",
    "loss_limited": "a player with only a daily loss limit: `{player, limit, period}`",
    "session_limited": "a player with only a session-time limit: `{player, minutes}`",
    "kyc_pending": "a player whose KYC answer is pending",
    "kyc_denied": "a player whose KYC answer is deny",
    "games": "a game id per game type (`slots`, `table`, `live`, `crash`)",
    "jackpot_pool": "the id of a jackpot pool",
}

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_CURRENCY = re.compile(r"[A-Z]{3,5}")


class FixtureError(ValueError):
    """A fixture value is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class StakeLimited:
    """A player with a stake limit (amount string in the player's currency)."""

    player: str
    limit: str


@dataclass(frozen=True)
class LossLimited:
    """A player with a loss limit per period."""

    player: str
    limit: str
    period: str = "day"


@dataclass(frozen=True)
class SessionLimited:
    """A player with a session-time limit in minutes."""

    player: str
    minutes: int


@dataclass(frozen=True)
class Fixtures:
    """The test accounts a target provides, by role (each optional)."""

    funded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    low_balance: str | None = None
    self_excluded: str | None = None
    stake_limited: StakeLimited | None = None
    loss_limited: LossLimited | None = None
    session_limited: SessionLimited | None = None
    kyc_pending: str | None = None
    kyc_denied: str | None = None
    games: dict[str, str] = field(default_factory=dict)
    jackpot_pool: str | None = None

    @property
    def empty(self) -> bool:
        """True when the file names no account at all."""
        return self == Fixtures()

    def funded_players(self) -> list[tuple[str, str]]:
        """(player, currency) of every funded player, EUR first, each player once."""
        out: list[tuple[str, str]] = []
        for currency in sorted(self.funded, key=lambda c: (c != "EUR", c)):
            out.extend((p, currency) for p in self.funded[currency] if p not in dict(out))
        return out

    def game(self) -> str | None:
        """The game a scenario plays: the slots game, else any named one."""
        return self.games.get("slots") or next(iter(self.games.values()), None)

    def described(self) -> dict[str, Any]:
        """The roles as a report shows them (ids only; nothing here is secret)."""
        out: dict[str, Any] = {}
        if self.funded:
            out["funded"] = {c: list(p) for c, p in sorted(self.funded.items())}
        for name in ("low_balance", "self_excluded", "kyc_pending", "kyc_denied", "jackpot_pool"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ("stake_limited", "loss_limited", "session_limited"):
            value = getattr(self, name)
            if value is not None:
                out[name] = dict(vars(value))
        if self.games:
            out["games"] = dict(sorted(self.games.items()))
        return out


# The sandbox's seeded kit (reference_impl seeds these players on first start).
SANDBOX_KIT = Fixtures(
    funded={"EUR": ("p_demo_1",), "USD": ("p_demo_2",), "JPY": ("p_demo_jpy",)},
    low_balance="p_low_balance",
    self_excluded="p_blocked_rg",
    stake_limited=StakeLimited("p_limit_stake", "5.00"),
    loss_limited=LossLimited("p_limit_loss", "5.00", "day"),
    session_limited=SessionLimited("p_limit_session", 1),
    kyc_pending="p_kyc_pending",
    kyc_denied="p_kyc_denied",
    games={
        "slots": "game_slots_demo",
        "table": "game_blackjack_demo",
        "live": "game_live_roulette",
        "crash": "game_crash_demo",
    },
    jackpot_pool="jp_mega",
)


def _player(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise FixtureError(f"{key} must be a player id (letters, digits, . _ : -), got {value!r}")
    return value


def _amount(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise FixtureError(f'{key} must be a decimal string such as "5.00", got {value!r}')
    try:
        parse_amount(value, "BTC")  # the widest exponent; the player's currency is checked live
    except InvalidAmount as exc:
        raise FixtureError(f"{key} is not an amount: {exc}") from None
    return value


def _table(value: Any, key: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FixtureError(f"{key} must be a table with {', '.join(sorted(required))}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise FixtureError(f"{key}.{unknown[0]} is not a known key (known: {sorted(allowed)})")
    missing = sorted(required - set(value))
    if missing:
        raise FixtureError(f"{key}.{missing[0]} is missing")
    return value


def parse_fixtures(data: Any, where: str = "fixtures") -> Fixtures:
    """Read a fixtures table; FixtureError names the first bad key."""
    if data is None:
        return Fixtures()
    if not isinstance(data, dict):
        raise FixtureError(f"{where} must be a table of roles")
    unknown = sorted(set(data) - set(ROLES))
    if unknown:
        raise FixtureError(f"{where}.{unknown[0]} is not a role (roles: {', '.join(ROLES)})")
    funded: dict[str, tuple[str, ...]] = {}
    raw_funded = data.get("funded", {})
    if not isinstance(raw_funded, dict):
        raise FixtureError(f"{where}.funded must be a table of CURRENCY = player id(s)")
    for currency, players in raw_funded.items():
        key = f"{where}.funded.{currency}"
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise FixtureError(f"{key}: {currency!r} is not a currency code")
        listed = players if isinstance(players, list) else [players]
        if not listed:
            raise FixtureError(f"{key} names no player")
        funded[currency] = tuple(_player(p, key) for p in listed)
    singles = {
        name: _player(data[name], f"{where}.{name}") if name in data else None
        for name in ("low_balance", "self_excluded", "kyc_pending", "kyc_denied", "jackpot_pool")
    }
    stake = loss = session = None
    if "stake_limited" in data:
        key = f"{where}.stake_limited"
        t = _table(data["stake_limited"], key, {"player", "limit"}, {"player", "limit"})
        stake = StakeLimited(_player(t["player"], f"{key}.player"), _amount(t["limit"], key))
    if "loss_limited" in data:
        key = f"{where}.loss_limited"
        t = _table(data["loss_limited"], key, {"player", "limit", "period"}, {"player", "limit"})
        period = t.get("period", "day")
        if period not in ("day", "week", "month"):
            raise FixtureError(f"{key}.period must be day, week or month, got {period!r}")
        loss = LossLimited(
            _player(t["player"], f"{key}.player"), _amount(t["limit"], f"{key}.limit"), period
        )
    if "session_limited" in data:
        key = f"{where}.session_limited"
        t = _table(data["session_limited"], key, {"player", "minutes"}, {"player", "minutes"})
        minutes = t["minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise FixtureError(f"{key}.minutes must be a whole number of minutes ≥ 1")
        session = SessionLimited(_player(t["player"], f"{key}.player"), minutes)
    games = data.get("games", {})
    if not isinstance(games, dict):
        raise FixtureError(f"{where}.games must be a table of game type = game id")
    return Fixtures(
        funded=funded,
        stake_limited=stake,
        loss_limited=loss,
        session_limited=session,
        games={str(k): _player(v, f"{where}.games.{k}") for k, v in games.items()},
        **singles,
    )
