"""Idempotency mutants: keys forgotten, compared loosely, or replays that are not the original."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from datetime import timedelta
from typing import Any

from croupier.reference_impl._mutants._kit import fake_bet_result, on_refusal
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_WRITE = "croupier.reference_impl._platform.Platform.write"
_CALL_CONTEXT = "croupier.reference_impl._platform.CallContext"


def _with_key(ctx: Any, key: str) -> Any:
    return dataclasses.replace(ctx, idempotency_key=key)


def _fresh(key: str) -> str:
    return f"{key[:100]}-m{uuid.uuid4().hex[:12]}"


@mutant("replay-runs-again", target=_CALL_CONTEXT, rules=("idempotency-replay-moves-once",))
def replay_runs_again(original: Any) -> Any:
    """Every request is processed as new: the idempotency key is never looked up."""

    def call_context(*args: Any, **kwargs: Any) -> Any:
        ctx = original(*args, **kwargs)
        return _with_key(ctx, _fresh(ctx.idempotency_key)) if ctx.idempotency_key else ctx

    return call_context


@mutant("replay-without-header", target=_WRITE, rules=("idempotency-replay-header",))
def replay_without_header(original: Any) -> Any:
    """A replay answers the stored body but never says `Idempotent-Replayed: true`."""

    async def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = await original(self, *args, **kwargs)
        answer.replayed = False
        return answer

    return write


@mutant("replay-body-re-rendered", target=_WRITE, rules=("idempotency-replay-stored-answer",))
def replay_body_re_rendered(original: Any) -> Any:
    """A replay re-renders the stored answer (same JSON, other bytes) instead of the bytes sent."""

    async def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = await original(self, *args, **kwargs)
        if answer.replayed:
            answer.body = json.dumps(json.loads(answer.body), indent=1).encode()
        return answer

    return write


@mutant("replay-current-balance", target=_WRITE, rules=("idempotency-replay-stored-answer",))
def replay_current_balance(original: Any) -> Any:
    """A replay answers the player's current balance, not the one stored with the answer."""

    async def write(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        answer = await original(self, ctx, *args, **kwargs)
        if not answer.replayed:
            return answer
        body = json.loads(answer.body)
        if isinstance(body, dict) and isinstance(body.get("balance"), dict):
            now = await self.read(
                ctx, "getBalance", self.get_balance, {"player_id": body["player_id"]}
            )
            if now.status == 200:
                body["balance"] = json.loads(now.body)
                answer.body = json.dumps(body, separators=(",", ":")).encode()
        return answer

    return write


@mutant(
    "key-compared-on-bet-id-only",
    target="croupier.reference_impl._platform.request_hash",
    rules=("idempotency-mismatch",),
)
def key_compared_on_bet_id_only(original: Any) -> Any:
    """A reused key is compared on the bet id only: another stake under it replays the first."""

    def request_hash(method: str, path: str, body: Any) -> str:
        bet = body.get("bet_id") if isinstance(body, dict) else None
        if bet is None:
            return str(original(method, path, body))
        return hashlib.sha256(f"{method}\n{path}\n{bet}".encode()).hexdigest()

    return request_hash


@mutant("refusal-not-stored", target=_WRITE, rules=("idempotency-refusals-stored",))
def refusal_not_stored(original: Any) -> Any:
    """A final refusal is not stored: its retry with the same key is processed again."""
    refused: set[str] = set()

    async def write(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        key = ctx.idempotency_key
        if key in refused:
            ctx = _with_key(ctx, _fresh(key))
        answer = await original(self, ctx, *args, **kwargs)
        if key and answer.status >= 400 and not answer.replayed:
            refused.add(key)
        return answer

    return write


@mutant("retryable-refusal-stored", target=_WRITE, rules=("idempotency-retryable-not-stored",))
def retryable_refusal_stored(original: Any) -> Any:
    """A retryable refusal (503, KYC pending) is stored, so every retry with its key fails too."""
    stored: dict[str, Any] = {}

    async def write(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        key = ctx.idempotency_key
        if key in stored:
            answer = dataclasses.replace(stored[key], replayed=True, fault=None)
            return answer
        answer = await original(self, ctx, *args, **kwargs)
        body = json.loads(answer.body) if answer.status >= 400 else {}
        if key and isinstance(body, dict) and body.get("retryable") is True:
            stored[key] = answer
        return answer

    return write


@mutant("key-kept-one-day", target=_WRITE, rules=("idempotency-retention",))
def key_kept_one_day(original: Any) -> Any:
    """Idempotency keys are kept 24 hours (a vendor's window), not the contract's 120 days."""
    first_seen: dict[str, Any] = {}

    async def write(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        key = ctx.idempotency_key
        now = (await self.read_controls()).now()
        seen = first_seen.setdefault(key, now)
        if now - seen > timedelta(days=1):
            ctx = _with_key(ctx, _fresh(key))
        return await original(self, ctx, *args, **kwargs)

    return write


@mutant("racing-twin-runs-again", target=_WRITE, rules=("idempotency-race-one-movement",))
def racing_twin_runs_again(original: Any) -> Any:
    """A second request with a key still in flight is processed as a new one."""
    in_flight: set[str] = set()

    async def write(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> Any:
        key = ctx.idempotency_key
        if key in in_flight:
            return await original(self, _with_key(ctx, _fresh(key)), *args, **kwargs)
        in_flight.add(key)
        try:
            return await original(self, ctx, *args, **kwargs)
        finally:
            in_flight.discard(key)

    return write


@mutant(
    "duplicate-bet-answered-ok",
    target="croupier.reference_impl._platform.Platform.authorize",
    rules=("idempotency-duplicate-bet",),
)
def duplicate_bet_answered_ok(original: Any) -> Any:
    """A known bet id under a new key answers 200 authorized ("already processed")."""

    async def instead(call: Any, error: Any) -> Any:
        return await fake_bet_result(call, "authorized")

    return on_refusal("DUPLICATE", instead)(original)


@mutant("ids-not-scoped-by-provider", target=_CALL_CONTEXT, rules=("idempotency-scope",))
def ids_not_scoped_by_provider(original: Any) -> Any:
    """Bets and idempotency keys are stored per brand only: every provider shares one space."""

    def call_context(*args: Any, **kwargs: Any) -> Any:
        ctx = original(*args, **kwargs)
        return dataclasses.replace(ctx, provider="shared")

    return call_context
