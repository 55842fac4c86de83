"""Responsible-gaming rules: which limit refuses a play, what remains, and when it resets.

When several limits refuse, the most restrictive wins, in the order of RG_ORDER:
self-exclusion (no play at all) > session time (this session must end) > loss (no more
stakes this period) > stake (a smaller stake would pass).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from croupier.reference_impl._domain._time import iso, parse_iso

__all__ = ["RG_ORDER", "LimitState", "Limits", "RgVerdict", "evaluate_rg", "period_bounds"]

RG_ORDER: tuple[str, ...] = ("self_exclusion", "session_time", "loss", "stake")

RG_CODES: dict[str, str] = {
    "self_exclusion": "RG_SELF_EXCLUDED",
    "session_time": "RG_TIME_LIMIT",
    "loss": "RG_LOSS_LIMIT",
    "stake": "RG_STAKE_LIMIT",
}


@dataclass(frozen=True)
class Limits:
    """A player's limits; money in minor units of the player's currency."""

    loss_limit: int | None = None
    loss_period: str = "day"
    stake_limit: int | None = None
    session_time_minutes: int | None = None
    self_excluded: bool = False
    self_excluded_until: datetime | None = None
    reality_check_minutes: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Storage form."""
        return {
            "loss_limit": self.loss_limit,
            "loss_period": self.loss_period,
            "stake_limit": self.stake_limit,
            "session_time_minutes": self.session_time_minutes,
            "self_excluded": self.self_excluded,
            "self_excluded_until": iso(self.self_excluded_until),
            "reality_check_minutes": self.reality_check_minutes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Limits:
        """Read the storage form."""
        if not data:
            return cls()
        until = data.get("self_excluded_until")
        return cls(
            loss_limit=data.get("loss_limit"),
            loss_period=data.get("loss_period") or "day",
            stake_limit=data.get("stake_limit"),
            session_time_minutes=data.get("session_time_minutes"),
            self_excluded=bool(data.get("self_excluded")),
            self_excluded_until=parse_iso(until) if until else None,
            reality_check_minutes=data.get("reality_check_minutes"),
        )


@dataclass(frozen=True)
class LimitState:
    """One limit and what remains of it; `refuses` when it stops the play."""

    kind: str
    limit_amount: int | None = None
    remaining_amount: int | None = None
    limit_minutes: int | None = None
    remaining_minutes: int | None = None
    resets_at: datetime | None = None
    refuses: bool = False

    @property
    def code(self) -> str:
        """The refusal code of this kind of limit."""
        return RG_CODES[self.kind]


@dataclass(frozen=True)
class RgVerdict:
    """Every limit's state and the refusal that wins, if any."""

    limits: list[LimitState] = field(default_factory=list)
    refusal: LimitState | None = None


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the calendar day, ISO week or month (UTC) holding `now`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def evaluate_rg(
    limits: Limits,
    *,
    now: datetime,
    net_loss: int = 0,
    session_started_at: datetime | None = None,
    stake: int | None = None,
) -> RgVerdict:
    """Apply every limit to a play (optionally a stake, optionally in a session).

    `net_loss` is the player's stakes minus wins in the loss limit's current period,
    counting stakes still on hold as lost.
    """
    states: list[LimitState] = []
    if limits.self_excluded:
        active = limits.self_excluded_until is None or limits.self_excluded_until > now
        states.append(
            LimitState("self_exclusion", resets_at=limits.self_excluded_until, refuses=active)
        )
    if limits.session_time_minutes is not None and session_started_at is not None:
        elapsed = max(0, int((now - session_started_at).total_seconds()))
        limit_s = limits.session_time_minutes * 60
        remaining_min = max(0, (limit_s - elapsed) // 60)
        states.append(
            LimitState(
                "session_time",
                limit_minutes=limits.session_time_minutes,
                remaining_minutes=remaining_min,
                resets_at=session_started_at + timedelta(seconds=limit_s),
                refuses=elapsed >= limit_s,
            )
        )
    elif limits.session_time_minutes is not None:
        states.append(
            LimitState(
                "session_time",
                limit_minutes=limits.session_time_minutes,
                remaining_minutes=limits.session_time_minutes,
            )
        )
    if limits.loss_limit is not None:
        _, resets = period_bounds(limits.loss_period, now)
        remaining = max(0, limits.loss_limit - max(0, net_loss))
        refuses = remaining == 0 if stake is None else stake > remaining
        states.append(
            LimitState(
                "loss",
                limit_amount=limits.loss_limit,
                remaining_amount=remaining,
                resets_at=resets,
                refuses=refuses,
            )
        )
    if limits.stake_limit is not None:
        states.append(
            LimitState(
                "stake",
                limit_amount=limits.stake_limit,
                remaining_amount=limits.stake_limit,
                refuses=stake is not None and stake > limits.stake_limit,
            )
        )
    refusing = [s for s in states if s.refuses]
    refusing.sort(key=lambda s: RG_ORDER.index(s.kind))
    return RgVerdict(limits=states, refusal=refusing[0] if refusing else None)
