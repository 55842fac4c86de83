"""Building blocks of mutants: wrap a Platform operation's input, answer or refusal.

An operation (`Platform.authorize` …) takes `(self, s, ctx, body, controls, now)` and answers
`(status, payload)` or raises DomainError. The wrappers here change one of those, and can read
the player's balance or a bet through the operation's public siblings in the same transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from croupier import format_minor
from croupier.reference_impl._domain import DomainError, new_id

__all__ = [
    "Handler",
    "balance",
    "bet",
    "catalog_fault",
    "fake_bet_result",
    "on_refusal",
    "rewrite_answer",
    "rewrite_body",
    "session",
]

Handler = Callable[..., Awaitable[tuple[int, Any]]]
Call = tuple[Any, Any, Any, Any, Any, Any]  # self, s, ctx, body, controls, now


def rewrite_body(
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[Handler], Handler]:
    """The operation runs on a changed copy of its (schema-valid) body."""

    def make(original: Handler) -> Handler:
        async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
            return await original(self, s, ctx, change(copy.deepcopy(body)), controls, now)

        return operation

    return make


def rewrite_answer(
    change: Callable[..., Awaitable[tuple[int, Any]]],
) -> Callable[[Handler], Handler]:
    """The operation runs unchanged; `change(call, status, payload)` rewrites its answer."""

    def make(original: Handler) -> Handler:
        async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
            status, payload = await original(self, s, ctx, body, controls, now)
            return await change((self, s, ctx, body, controls, now), status, payload)

        return operation

    return make


def on_refusal(
    code: str, instead: Callable[..., Awaitable[tuple[int, Any]]]
) -> Callable[[Handler], Handler]:
    """A refusal with `code` becomes what `instead(call, error)` answers (or raises)."""

    def make(original: Handler) -> Handler:
        async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
            try:
                return await original(self, s, ctx, body, controls, now)
            except DomainError as exc:
                if exc.code != code:
                    raise
                return await instead((self, s, ctx, body, controls, now), exc)

        return operation

    return make


async def balance(call: Call, player_id: str) -> dict[str, Any]:
    """The player's Balance now, through getBalance in the same transaction."""
    self, s, ctx, _, controls, now = call
    _, found = await self.get_balance(s, ctx, {"player_id": player_id}, controls, now)
    return dict(found)


async def bet(call: Call, bet_id: str) -> dict[str, Any] | None:
    """The bet as getBet shows it, or None."""
    self, s, ctx, _, controls, now = call
    try:
        _, found = await self.get_bet(s, ctx, {"bet_id": bet_id}, controls, now)
    except DomainError:
        return None
    return dict(found)


async def session(call: Call, session_id: str) -> dict[str, Any] | None:
    """The session as getSession shows it, or None."""
    self, s, ctx, _, controls, now = call
    try:
        _, found = await self.get_session(s, ctx, {"session_id": session_id}, controls, now)
    except DomainError:
        return None
    return dict(found)


async def fake_bet_result(call: Call, status: str) -> tuple[int, Any]:
    """A 200 that says the bet is `status` without moving money (an "already processed")."""
    body = call[3]
    held = await balance(call, body["player_id"])
    zero = {"amount": format_minor(0, held["currency"]), "currency": held["currency"]}
    result: dict[str, Any] = {
        "bet_id": body["bet_id"],
        "player_id": body["player_id"],
        "status": status,
        "transaction_id": new_id("tx"),
        "balance": held,
    }
    if status == "rolled_back":
        result.update(tombstone=False, released=zero)
    else:
        result.update(
            round_id=body.get("round_id") or new_id("r"),
            stake=body.get("stake", zero),
            win=body.get("win") if status == "settled" else None,
        )
    return 200, result


def catalog_fault(code: str, **change: Any) -> Callable[[Any], Any]:
    """The error catalog as the platform knows it gives `code` another status or retryable."""

    def make(original: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
        def catalog_entry(wanted: str) -> dict[str, Any]:
            entry = original(wanted)
            return {**entry, **change} if wanted == code else entry

        return catalog_entry

    return make
