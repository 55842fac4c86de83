"""Bet lifecycle mutants: forbidden transitions, forgotten tombstones, owed money withheld."""

from __future__ import annotations

from typing import Any

from croupier import format_minor
from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._mutants._kit import (
    bet,
    fake_bet_result,
    on_refusal,
    rewrite_answer,
    rewrite_body,
    session,
)
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_AUTHORIZE = "croupier.reference_impl._platform.Platform.authorize"
_SETTLE = "croupier.reference_impl._platform.Platform.settle"
_ROLLBACK = "croupier.reference_impl._platform.Platform.rollback"
_GET_BET = "croupier.reference_impl._platform.Platform.get_bet"


def _accept(code: str, status: str) -> Any:
    async def instead(call: Any, error: Any) -> Any:
        return await fake_bet_result(call, status)

    return on_refusal(code, instead)


@mutant("settle-unknown-bet-accepted", target=_SETTLE, rules=("bet-settle-unknown",))
def settle_unknown_bet_accepted(original: Any) -> Any:
    """A win for a bet that was never authorized is answered 200 settled."""
    return _accept("BET_NOT_FOUND", "settled")(original)


@mutant("rollback-unknown-bet-refused", target=_ROLLBACK, rules=("bet-rollback-unknown-tombstone",))
def rollback_unknown_bet_refused(original: Any) -> Any:
    """Rollback of an unknown bet is 404 BET_NOT_FOUND instead of a 200 tombstone."""

    async def rollback(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        if await bet((self, s, ctx, body, controls, now), body["bet_id"]) is None:
            raise DomainError("BET_NOT_FOUND", f"no bet {body['bet_id']}")
        return await original(self, s, ctx, body, controls, now)

    return rollback


@mutant(
    "rollback-unknown-leaves-no-tombstone",
    target=_ROLLBACK,
    rules=("bet-tombstone-refuses-authorize",),
)
def rollback_unknown_leaves_no_tombstone(original: Any) -> Any:
    """Rollback of an unknown bet answers 200 but remembers nothing: its late authorize holds."""

    async def rollback(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        call = (self, s, ctx, body, controls, now)
        if await bet(call, body["bet_id"]) is None:
            status, answer = await fake_bet_result(call, "rolled_back")
            return status, dict(answer, tombstone=True, transaction_id=None)
        return await original(*call)

    return rollback


@mutant(
    "tombstone-ignored-by-authorize", target=_AUTHORIZE, rules=("bet-tombstone-refuses-authorize",)
)
def tombstone_ignored_by_authorize(original: Any) -> Any:
    """An authorize of a tombstoned bet id answers 200 authorized."""
    return _accept("BET_ROLLED_BACK", "authorized")(original)


@mutant("rollback-after-settle-accepted", target=_ROLLBACK, rules=("bet-rollback-after-settle",))
def rollback_after_settle_accepted(original: Any) -> Any:
    """Rollback of a settled bet answers 200 rolled back (a cancel after the credit)."""
    return _accept("BET_ALREADY_SETTLED", "rolled_back")(original)


@mutant("settle-after-rollback-accepted", target=_SETTLE, rules=("bet-settle-after-rollback",))
def settle_after_rollback_accepted(original: Any) -> Any:
    """Settle of a rolled-back bet answers 200 settled."""
    return _accept("BET_ROLLED_BACK", "settled")(original)


@mutant("second-settle-accepted", target=_SETTLE, rules=("bet-settle-twice",))
def second_settle_accepted(original: Any) -> Any:
    """A second settle of a bet under a new key answers 200 ("already processed")."""
    return _accept("BET_ALREADY_SETTLED", "settled")(original)


@mutant("second-rollback-accepted", target=_ROLLBACK, rules=("bet-rollback-twice",))
def second_rollback_accepted(original: Any) -> Any:
    """A second rollback of a bet under a new key answers 200 instead of BET_ROLLED_BACK."""
    return _accept("BET_ROLLED_BACK", "rolled_back")(original)


@mutant("rollback-reports-nothing-released", target=_ROLLBACK, rules=("bet-rollback-releases",))
def rollback_reports_nothing_released(original: Any) -> Any:
    """A rollback answers `released` as zero although the stake went back."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        cur = payload["released"]["currency"]
        zero = {"amount": format_minor(0, cur), "currency": cur}
        return status, dict(payload, released=zero)

    return rewrite_answer(change)(original)


@mutant("one-bet-per-round", target=_AUTHORIZE, rules=("bet-round-several-bets",))
def one_bet_per_round(original: Any) -> Any:
    """A second bet in a round is refused as a duplicate (one debit per round only)."""
    rounds: set[str] = set()

    async def authorize(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        if body["round_id"] in rounds:
            raise DomainError("DUPLICATE", f"round {body['round_id']} already has a bet")
        answer = await original(self, s, ctx, body, controls, now)
        rounds.add(body["round_id"])
        return answer

    return authorize


@mutant("bet-found-for-any-player", target=_SETTLE, rules=("bet-player-scoped",))
def bet_found_for_any_player(original: Any) -> Any:
    """A bet is looked up by its id alone: another player's settle pays the bet's owner."""

    async def settle(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        found = await bet((self, s, ctx, body, controls, now), body["bet_id"])
        if found is not None:
            body = dict(body, player_id=found["player_id"])
        return await original(self, s, ctx, body, controls, now)

    return settle


@mutant("settle-round-not-compared", target=_SETTLE, rules=("bet-round-matches",))
def settle_round_not_compared(original: Any) -> Any:
    """Settle takes any round id: a win sent for another round settles the bet."""

    async def settle(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        found = await bet((self, s, ctx, body, controls, now), body["bet_id"])
        if found is not None and found.get("round_id"):
            body = dict(body, round_id=found["round_id"])
        return await original(self, s, ctx, body, controls, now)

    return settle


@mutant("bet-status-never-updated", target=_GET_BET, rules=("bet-history-readable",))
def bet_status_never_updated(original: Any) -> Any:
    """A bet read keeps answering the status a bet was authorized with."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        return status, dict(payload, status="authorized")

    return rewrite_answer(change)(original)


@mutant("bet-history-drops-settle", target=_GET_BET, rules=("bet-history-readable",))
def bet_history_drops_settle(original: Any) -> Any:
    """A bet's history lists the authorize only, not the settle or rollback that followed."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        history = [m for m in payload.get("history", []) if m.get("action") == "authorize"]
        return status, dict(payload, history=history or payload.get("history", [])[:1])

    return rewrite_answer(change)(original)


@mutant("bet-history-loses-trace", target=_GET_BET, rules=("bet-history-readable",))
def bet_history_loses_trace(original: Any) -> Any:
    """A bet's history carries the trace id of the read, not of the call that moved the money."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        trace = call[2].trace_id
        history = [dict(m, trace_id=trace) for m in payload.get("history", [])]
        return status, dict(payload, history=history)

    return rewrite_answer(change)(original)


# -- owed money ------------------------------------------------------------------------------


async def _expired(call: Any) -> bool:
    found = await bet(call, call[3]["bet_id"])
    if found is None or not found.get("session_id"):
        return False
    opened = await session(call, found["session_id"])
    return opened is not None and opened.get("status") == "expired"


def _refuse_on_expired(original: Any) -> Any:
    async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        if await _expired((self, s, ctx, body, controls, now)):
            raise DomainError("SESSION_EXPIRED", "the bet's session has expired")
        return await original(self, s, ctx, body, controls, now)

    return operation


@mutant("win-refused-on-expired-session", target=_SETTLE, rules=("owed-money-expired-session",))
def win_refused_on_expired_session(original: Any) -> Any:
    """A win for a bet whose session expired is refused SESSION_EXPIRED (token checked on wins)."""
    return _refuse_on_expired(original)


@mutant(
    "rollback-refused-on-expired-session", target=_ROLLBACK, rules=("owed-money-expired-session",)
)
def rollback_refused_on_expired_session(original: Any) -> Any:
    """A rollback for a bet whose session expired is refused SESSION_EXPIRED."""
    return _refuse_on_expired(original)


def _refuse_when_limited(original: Any, codes: tuple[str, ...]) -> Any:
    async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        found = await bet((self, s, ctx, body, controls, now), body["bet_id"])
        check = {"player_id": body["player_id"]}
        if found is not None and found.get("session_id"):
            check["session_id"] = found["session_id"]
        try:
            _, verdict = await self.rg_check(s, ctx, check, controls, now)
        except DomainError:
            verdict = {}
        if verdict.get("code") in codes:
            raise DomainError(verdict["code"], "responsible gaming refuses the player")
        return await original(self, s, ctx, body, controls, now)

    return operation


@mutant("win-withheld-from-excluded-player", target=_SETTLE, rules=("owed-money-excluded-player",))
def win_withheld_from_excluded_player(original: Any) -> Any:
    """A pending win of a player who self-excluded since the bet is refused RG_SELF_EXCLUDED."""
    return _refuse_when_limited(original, ("RG_SELF_EXCLUDED",))


@mutant(
    "rollback-withheld-from-excluded-player",
    target=_ROLLBACK,
    rules=("owed-money-excluded-player",),
)
def rollback_withheld_from_excluded_player(original: Any) -> Any:
    """A rollback for a self-excluded player is refused RG_SELF_EXCLUDED."""
    return _refuse_when_limited(original, ("RG_SELF_EXCLUDED",))


@mutant("win-withheld-past-time-limit", target=_SETTLE, rules=("owed-money-limit-reached",))
def win_withheld_past_time_limit(original: Any) -> Any:
    """A win arriving after the session-time limit ran out is refused RG_TIME_LIMIT."""
    return _refuse_when_limited(original, ("RG_TIME_LIMIT",))


@mutant("win-breakdown-not-checked", target=_SETTLE, rules=("win-breakdown-adds-up",))
def win_breakdown_not_checked(original: Any) -> Any:
    """The win breakdown is ignored: parts that do not add up to the win are accepted."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        body.pop("win_breakdown", None)
        return body

    return rewrite_body(change)(original)


@mutant("win-breakdown-base-only", target=_SETTLE, rules=("win-breakdown-adds-up",))
def win_breakdown_base_only(original: Any) -> Any:
    """Only the base part of a win breakdown is credited; promo parts are dropped."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        parts = body.get("win_breakdown")
        if isinstance(parts, dict) and parts.get("promo") and not parts.get("jackpots"):
            body["win"] = parts["base"]
            body["win_breakdown"] = {"base": parts["base"]}
        return body

    return rewrite_body(change)(original)
