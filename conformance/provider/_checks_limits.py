"""Checks that the provider honours what the platform refused: RG, session expiry, bonus max bet."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from croupier.conformance.provider._context import JudgeContext
from croupier.conformance.provider._registry import Finding, check
from croupier.conformance.provider._traffic import Exchange

__all__: list[str] = []

# Refusals after which the player may not bet again in the window.
_STOP_PLAYER = (
    "RG_SELF_EXCLUDED",
    "RG_LOSS_LIMIT",
    "RG_TIME_LIMIT",
    "PLAYER_BLOCKED",
    "KYC_DENIED",
)


def _stake(e: Exchange) -> Decimal | None:
    body = e.body if isinstance(e.body, dict) else {}
    stake = body.get("stake")
    if not isinstance(stake, dict):
        return None
    try:
        return Decimal(str(stake.get("amount")))
    except InvalidOperation:
        return None


def _limit(e: Exchange, *names: str) -> Decimal | None:
    answer = e.answer if isinstance(e.answer, dict) else {}
    details: Any = answer.get("details") or {}
    for name in names:
        value = details.get(name) if isinstance(details, dict) else None
        if isinstance(value, dict):
            value = value.get("amount")
        if isinstance(value, str):
            try:
                return Decimal(value)
            except InvalidOperation:
                return None
    return None


def _new_bets_after(ctx: JudgeContext, refusal: Exchange) -> list[Exchange]:
    return [
        e
        for e in ctx.calls("authorizeBet", "createSession")
        if e.started > refusal.started
        and e.player_id == refusal.player_id
        and (e.operation_id == "createSession" or e.bet_id != refusal.bet_id)
    ]


@check("rg-refusal-honoured", "limits")
def rg_refusal_honoured(ctx: JudgeContext) -> Iterator[Finding]:
    """After an RG refusal the player gets no new bet or session (stake limit: no larger stake)."""
    for refusal in ctx.calls("authorizeBet", "createSession"):
        code = refusal.error_code
        if code not in (*_STOP_PLAYER, "RG_STAKE_LIMIT") or refusal.player_id is None:
            continue
        ctx.look(refusal)
        later = _new_bets_after(ctx, refusal)
        if code == "RG_STAKE_LIMIT":
            limit = _limit(refusal, "limit", "remaining")
            later = [
                e
                for e in later
                if e.operation_id == "authorizeBet"
                and limit is not None
                and (_stake(e) or Decimal(0)) > limit
            ]
        ctx.look(*later)
        if later:
            yield Finding(
                f"player {refusal.player_id}: {later[0].label()} after {refusal.label()}",
                (refusal.index, later[0].index),
            )


@check("session-expiry-honoured", "limits")
def session_expiry_honoured(ctx: JudgeContext) -> Iterator[Finding]:
    """After SESSION_EXPIRED or SESSION_CLOSED, no new bet is placed on that session."""
    for refusal in ctx.calls("authorizeBet"):
        if refusal.error_code not in ("SESSION_EXPIRED", "SESSION_CLOSED"):
            continue
        ctx.look(refusal)
        later = [
            e
            for e in ctx.calls("authorizeBet")
            if e.started > refusal.started
            and e.session_id == refusal.session_id
            and e.bet_id != refusal.bet_id
        ]
        ctx.look(*later)
        if later:
            yield Finding(
                f"session {refusal.session_id}: {later[0].label()} after {refusal.label()}",
                (refusal.index, later[0].index),
            )


@check("bonus-max-bet-respected", "limits")
def bonus_max_bet_respected(ctx: JudgeContext) -> Iterator[Finding]:
    """After MAX_BET_EXCEEDED, the player's stakes stay within the bonus's max bet."""
    for refusal in ctx.calls("authorizeBet"):
        if refusal.error_code != "MAX_BET_EXCEEDED":
            continue
        ctx.look(refusal)
        cap = _limit(refusal, "max_bet")
        later = [
            e
            for e in ctx.calls("authorizeBet")
            if e.started > refusal.started
            and e.player_id == refusal.player_id
            and e.bet_id != refusal.bet_id
        ]
        ctx.look(*later)
        over = [e for e in later if cap is not None and (_stake(e) or Decimal(0)) > cap]
        if over:
            yield Finding(
                f"player {refusal.player_id}: {over[0].label()} stakes {_stake(over[0])} after "
                f"{refusal.label()} set the max bet to {cap}",
                (refusal.index, over[0].index),
            )
