"""Checks on the bet lifecycle as the provider drives it: rollback, settle, order of calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from croupier.conformance.provider._context import JudgeContext
from croupier.conformance.provider._registry import Finding, check
from croupier.conformance.provider._traffic import Exchange

__all__: list[str] = []


def _by_bet(ctx: JudgeContext, operation_id: str) -> dict[str, list[Exchange]]:
    out: dict[str, list[Exchange]] = defaultdict(list)
    for e in ctx.calls(operation_id):
        if e.bet_id:
            out[e.bet_id].append(e)
    return out


@check("rollback-after-failed-authorize", "lifecycle")
def rollback_after_failed_authorize(ctx: JudgeContext) -> Iterator[Finding]:
    """An authorize whose outcome stayed unknown (timeout, 5xx) is rolled back, to success."""
    rollbacks = _by_bet(ctx, "rollbackBet")
    for bet_id, attempts in _by_bet(ctx, "authorizeBet").items():
        if any(a.ok or a.refused for a in attempts) or not any(a.retryable for a in attempts):
            continue  # the outcome is known: authorized or refused
        last = attempts[-1]
        ctx.look(*attempts)
        later = [r for r in rollbacks.get(bet_id, []) if r.started >= last.started]
        ctx.look(*later)
        if not later:
            yield Finding(
                f"bet {bet_id}: {last.label()} left the outcome unknown and no rollback followed",
                (last.index,),
            )
        elif not any(r.ok for r in later):
            yield Finding(
                f"bet {bet_id}: the rollback after {last.label()} never succeeded "
                f"(last: {later[-1].label()})",
                (last.index, later[-1].index),
            )


@check("settle-retried-to-success", "lifecycle")
def settle_retried_to_success(ctx: JudgeContext) -> Iterator[Finding]:
    """A settle that timed out or failed with a retryable error is retried until it is answered."""
    for bet_id, attempts in _by_bet(ctx, "settleBet").items():
        if not any(a.retryable for a in attempts):
            continue
        ctx.look(*attempts)
        last = attempts[-1]
        if last.retryable:
            yield Finding(
                f"bet {bet_id}: the provider gave up on settling after {last.label()} "
                f"({len(attempts)} attempt(s))",
                (last.index,),
            )


@check("settle-after-authorize-answer", "lifecycle")
def settle_after_authorize_answer(ctx: JudgeContext) -> Iterator[Finding]:
    """A bet is settled only after its authorize was answered with success."""
    authorizes = _by_bet(ctx, "authorizeBet")
    for bet_id, settles in _by_bet(ctx, "settleBet").items():
        first = settles[0]
        ctx.look(first)
        done = [a for a in authorizes.get(bet_id, []) if a.ok and a.ended <= first.started]
        ctx.look(*authorizes.get(bet_id, []))
        if done:
            continue
        pending = [a for a in authorizes.get(bet_id, []) if a.started <= first.started]
        if pending:
            yield Finding(
                f"bet {bet_id}: {first.label()} was sent before {pending[-1].label()} "
                f"was answered with success",
                (pending[-1].index, first.index),
            )
        else:
            yield Finding(
                f"bet {bet_id}: {first.label()} was sent with no authorize", (first.index,)
            )
