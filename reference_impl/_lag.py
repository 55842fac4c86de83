"""Outbox-to-bus lag: per event, from its outbox write to the relay's acknowledged publish.

Both instants are wall-clock microseconds on the outbox row (`created_us`, `published_us`), so
every worker's relay adds to one shared measurement, and the sandbox clock (time travel)
never enters it. The budget is the contract's (`schemas/delivery.yaml`, `lag_budget`).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import case, func, select

from croupier import Contract, load_document
from croupier.reference_impl._store import OutboxEvent, Store

__all__ = ["LAG_BUCKETS", "LagReport", "lag_budget"]

# Histogram bucket bounds in seconds, up to the five-minute budget and past it.
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
WINDOW = 1000


def lag_budget(contract: Contract) -> dict[str, int]:
    """The contract's lag budget {p95_ms, max_ms} (empty when the contract declares none)."""
    path = contract.schemas_dir / "delivery.yaml"
    if not path.is_file():
        return {}
    budget = (load_document(path) or {}).get("lag_budget") or {}
    return {k: int(budget[k]) for k in ("p95_ms", "max_ms") if isinstance(budget.get(k), int)}


def _rank(sorted_ms: list[float], q: float) -> float:
    # Nearest rank: the smallest sample with at least q of the samples at or below it.
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


_LAG_US = OutboxEvent.published_us - OutboxEvent.created_us
_MEASURED = (OutboxEvent.published_us.is_not(None), OutboxEvent.created_us.is_not(None))


class LagReport:
    """Reads the lag of delivered events from the outbox."""

    def __init__(self, store: Store, budget: dict[str, int], relay: bool = False) -> None:
        self.store = store
        self.budget = budget
        self.relay = relay

    async def summary(self) -> dict[str, Any]:
        """getEventLag: p50/p95/max of the last WINDOW published events, against the budget."""
        async with self.store.reader() as conn:
            recent = (
                await conn.execute(
                    select(_LAG_US)
                    .where(*_MEASURED)
                    .order_by(OutboxEvent.published_us.desc())
                    .limit(WINDOW)
                )
            ).scalars()
            lags = sorted(max(0, int(us)) / 1000 for us in recent if us is not None)
            waiting = (
                await conn.execute(
                    select(func.count(), func.min(OutboxEvent.created_us)).where(
                        OutboxEvent.delivered.is_(False)
                    )
                )
            ).one()
        out: dict[str, Any] = {
            "relay": self.relay,
            "measured": len(lags),
            "window": WINDOW,
            "undelivered": int(waiting[0] or 0),
            "budget": self.budget,
        }
        if lags:
            out |= {
                "p50_ms": round(_rank(lags, 0.50), 3),
                "p95_ms": round(_rank(lags, 0.95), 3),
                "max_ms": round(lags[-1], 3),
            }
        if lags and self.budget:
            out["within_budget"] = out["p95_ms"] <= self.budget.get("p95_ms", math.inf) and out[
                "max_ms"
            ] <= self.budget.get("max_ms", math.inf)
        return out

    async def histogram(self) -> tuple[list[tuple[float, int]], int, float]:
        """Cumulative bucket counts (seconds), count and sum over every published event."""
        columns = [
            func.sum(case((_LAG_US <= int(bound * 1_000_000), 1), else_=0)) for bound in LAG_BUCKETS
        ]
        async with self.store.reader() as conn:
            row = (
                await conn.execute(
                    select(func.count(), func.sum(_LAG_US), *columns).where(*_MEASURED)
                )
            ).one()
        count, total = int(row[0] or 0), float(row[1] or 0) / 1_000_000
        buckets = [(bound, int(n or 0)) for bound, n in zip(LAG_BUCKETS, row[2:], strict=True)]
        return buckets, count, total
