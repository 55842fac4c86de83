"""Lifecycle of operations, parameters, properties: `deprecated`, `x-sunset`, `x-stability-level`.

`lifecycle_changes` compares two nodes (operations or parameters) and returns change kinds with
their details; the schema walker uses `schema_lifecycle` for properties. Stability levels are
ordered draft < alpha < beta < stable, as oasdiff orders them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from croupier import parse_day

__all__ = ["STABILITY", "lifecycle_changes", "parse_sunset", "schema_lifecycle", "unstable"]

STABILITY = {"draft": 0, "alpha": 1, "beta": 2, "stable": 3}


def parse_sunset(value: Any) -> dt.date | None:
    """Read an `x-sunset` value (ISO date or datetime) as a date; None when absent or unreadable."""
    return parse_day(value)


def unstable(node: Any) -> bool:
    """Whether a node declares a stability below beta (draft or alpha): no promise to keep it."""
    return isinstance(node, dict) and node.get("x-stability-level") in ("draft", "alpha")


def _stability(b: dict[str, Any], r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    bs, rs = b.get("x-stability-level"), r.get("x-stability-level")
    if bs == rs:
        return []
    if rs is not None and rs not in STABILITY:
        return [("stability-invalid", {"before": bs, "after": rs})]
    # An absent level reads as stable: the contract promises what it does not qualify.
    bl, rl = STABILITY.get(str(bs), 3), STABILITY.get(str(rs), 3)
    if rl < bl:
        return [("stability-decreased", {"before": bs or "stable", "after": rs})]
    if rl > bl:
        return [("stability-increased", {"before": bs, "after": rs or "stable"})]
    return []


def lifecycle_changes(b: dict[str, Any], r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, details) for a kept operation or parameter whose lifecycle fields changed."""
    out: list[tuple[str, dict[str, Any]]] = []
    bd, rd = bool(b.get("deprecated")), bool(r.get("deprecated"))
    bsun, rsun = b.get("x-sunset"), r.get("x-sunset")
    bdate, rdate = parse_sunset(bsun), parse_sunset(rsun)
    if rd and not bd:
        out.append(("deprecated", {"sunset": rsun}))
        if rsun is None or rdate is None:
            out.append(("deprecated-sunset-missing", {"sunset": rsun}))
    elif bd and not rd:
        out.append(("reactivated", {}))
    elif bd and rd:
        if bsun is not None and rsun is None:
            out.append(("sunset-deleted", {"before": bsun}))
        elif bdate and rdate and rdate < bdate:
            out.append(("sunset-moved-earlier", {"before": bsun, "after": rsun}))
    out += _stability(b, r)
    return out


def schema_lifecycle(b: dict[str, Any], r: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, details) for a property schema: deprecation and stability (no sunsets on schemas)."""
    out: list[tuple[str, dict[str, Any]]] = []
    if r.get("deprecated") is True and b.get("deprecated") is not True:
        out.append(("deprecated", {"sunset": r.get("x-sunset")}))
    out += _stability(b, r)
    return out
