"""Checks on what the provider sends: money as decimal strings, events that follow schemas/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from croupier import InvalidAmount, parse_amount
from croupier.conformance.provider._context import JudgeContext
from croupier.conformance.provider._registry import Finding, check

__all__: list[str] = []


def _money(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "amount" in node and "currency" in node:
            yield where or "(body)", node
        for key, value in node.items():
            yield from _money(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _money(value, f"{where}/{i}")


def _events(ctx: JudgeContext) -> list[Any]:
    return [(e, e.body) for e in ctx.calls("publishEvent")]


@check("money-decimal-strings", "payloads")
def money_decimal_strings(ctx: JudgeContext) -> Iterator[Finding]:
    """Every amount the provider sends is a decimal string within its currency's exponent."""
    for e in ctx.calls():
        body = e.body
        if body is None:
            continue
        for where, money in _money(body):
            ctx.look(e)
            try:
                parse_amount(money["amount"], str(money["currency"]))
            except InvalidAmount as exc:
                yield Finding(f"{e.label()}: {where}: {exc}", (e.index,))


@check("events-valid", "events")
def events_valid(ctx: JudgeContext) -> Iterator[Finding]:
    """Every published event validates against its schema in schemas/ (envelope and payload)."""
    for e, event in _events(ctx):
        ctx.look(e)
        errors = ctx.contract.validate_event(event)
        if errors:
            yield Finding(f"{e.label()}: {errors[0][:300]}", (e.index,))


@check("event-ids-unique", "events")
def event_ids_unique(ctx: JudgeContext) -> Iterator[Finding]:
    """Two different events never share an event_id (a resend of the same event may)."""
    first: dict[str, tuple[Any, Any]] = {}
    for e, event in _events(ctx):
        if not isinstance(event, dict) or not isinstance(event.get("event_id"), str):
            continue
        ctx.look(e)
        seen = first.setdefault(event["event_id"], (e, event))
        if seen[0] is not e and seen[1] != event:
            yield Finding(
                f"{e.label()}: event id {event['event_id']} was already used by "
                f"{seen[0].label()} for another event",
                (seen[0].index, e.index),
            )


@check("events-ordered-per-player", "events")
def events_ordered_per_player(ctx: JudgeContext) -> Iterator[Finding]:
    """Each player's events are published in the order they occurred."""
    last: dict[str, tuple[datetime, Any]] = {}
    for e, event in _events(ctx):
        if not isinstance(event, dict):
            continue
        try:
            moment = datetime.fromisoformat(str(event.get("occurred_at")).replace("Z", "+00:00"))
        except ValueError:
            continue
        player = f"{event.get('tenant_id')}/{event.get('player_id')}"
        ctx.look(e)
        before = last.get(player)
        if before is not None and moment < before[0]:
            yield Finding(
                f"{e.label()}: {event.get('event_type')} of {player} occurred at "
                f"{event.get('occurred_at')}, before the event {before[1].label()} published "
                "earlier",
                (before[1].index, e.index),
            )
        if before is None or moment >= before[0]:
            last[player] = (moment, e)
