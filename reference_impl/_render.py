"""JSON shapes of the contract (Balance, Session, BetResult …) from stored rows."""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from croupier import format_minor
from croupier.reference_impl._domain import DEFAULT_CONTRIBUTIONS, Limits, iso, render_rate
from croupier.reference_impl._store import Bonus, Player, Pool, Session

__all__ = [
    "balance_json",
    "bonus_json",
    "canonical_json",
    "dumps",
    "limits_json",
    "money",
    "player_json",
    "pool_json",
    "session_json",
    "session_status",
]


def dumps(data: Any) -> bytes:
    """Compact JSON bytes: what the platform sends and stores for replays."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode()


def canonical_json(data: Any, sort_keys: bool = True) -> str:
    """Compact JSON text of a parsed body, numbers exactly as sent (Decimal stays its digits).

    `json.dumps` refuses the Decimals that `parse_json` keeps floats as; a free-form field
    (an event payload, `bonus_state`) may hold one. Nesting is bounded by `parse_json`.
    """
    if data is None or isinstance(data, bool | str):
        return json.dumps(data, ensure_ascii=False)
    if isinstance(data, int):
        return str(data)
    if isinstance(data, Decimal):
        if not data.is_finite():
            raise ValueError("not a finite number")
        return str(data)
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError("not a finite number")
        return repr(data)
    if isinstance(data, list | tuple):
        return "[" + ",".join(canonical_json(v, sort_keys) for v in data) + "]"
    if isinstance(data, dict):
        keys = sorted(data) if sort_keys else list(data)
        parts = (
            json.dumps(str(k), ensure_ascii=False) + ":" + canonical_json(data[k], sort_keys)
            for k in keys
        )
        return "{" + ",".join(parts) + "}"
    raise TypeError(f"not JSON: {type(data).__name__}")


def money(minor: int, currency: str) -> dict[str, str]:
    """The contract's Money."""
    return {"amount": format_minor(minor, currency), "currency": currency}


def balance_json(player: Player) -> dict[str, Any]:
    """The contract's Balance."""
    cur = player.currency
    return {
        "player_id": player.player_id,
        "currency": cur,
        "cash": money(player.cash, cur),
        "bonus": money(player.bonus, cur),
        "held": money(player.held_cash + player.held_bonus, cur),
        "available": money(player.cash + player.bonus, cur),
    }


def session_status(session: Session, now: datetime) -> str:
    """active, ended or expired."""
    if session.ended_at is not None:
        return "ended"
    if now >= session.expires_at:
        return "expired"
    return "active"


def session_json(session: Session, now: datetime) -> dict[str, Any]:
    """The contract's Session."""
    return {
        "session_id": session.session_id,
        "player_id": session.player_id,
        "game_id": session.game_id,
        "currency": session.currency,
        "locale": session.locale,
        "status": session_status(session, now),
        "created_at": iso(session.created_at),
        "expires_at": iso(session.expires_at),
        "ended_at": iso(session.ended_at),
    }


def pool_json(pool: Pool) -> dict[str, Any]:
    """The contract's JackpotPool."""
    return {
        "pool_id": pool.pool_id,
        "name": pool.name,
        "amount": money(pool.amount, pool.currency),
        "seed": money(pool.seed, pool.currency),
        "contribution_rate": render_rate(pool.rate_ppm),
        "updated_at": iso(pool.updated_at),
    }


def limits_json(limits: Limits, currency: str) -> dict[str, Any]:
    """sandbox.yaml's Limits."""
    return {
        "loss_limit": None
        if limits.loss_limit is None
        else {"amount": money(limits.loss_limit, currency), "period": limits.loss_period},
        "stake_limit": None if limits.stake_limit is None else money(limits.stake_limit, currency),
        "session_time_minutes": limits.session_time_minutes,
        "self_excluded": limits.self_excluded,
        "self_excluded_until": iso(limits.self_excluded_until),
        "reality_check_minutes": limits.reality_check_minutes,
    }


def bonus_json(bonus: Bonus) -> dict[str, Any]:
    """sandbox.yaml's Bonus."""
    cur = bonus.currency
    return {
        "bonus_id": bonus.bonus_id,
        "status": bonus.status,
        "amount": money(bonus.amount, cur),
        "balance": money(bonus.balance, cur),
        "wagering_required": money(bonus.wagering_required, cur),
        "wagered": money(bonus.wagered, cur),
        "max_bet": money(bonus.max_bet, cur),
        "expires_at": iso(bonus.expires_at),
        "contributions": {**DEFAULT_CONTRIBUTIONS, **(bonus.contributions or {})},
    }


def player_json(player: Player, bonuses: list[Bonus]) -> dict[str, Any]:
    """sandbox.yaml's TestPlayer."""
    return {
        "player_id": player.player_id,
        "currency": player.currency,
        "balance": balance_json(player),
        "kyc": player.kyc,
        "blocked": player.blocked,
        "limits": limits_json(Limits.from_json(player.limits), player.currency),
        "bonuses": [bonus_json(b) for b in bonuses],
    }
