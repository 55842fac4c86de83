"""Event envelopes (schemas/common/envelope.json) built from the call that caused them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from croupier.reference_impl._domain._time import iso

__all__ = ["SCHEMA_VERSION", "make_event", "new_id"]

SCHEMA_VERSION = "1.0.0"


def new_id(prefix: str, length: int = 20) -> str:
    """A fresh random id such as tx_3f2a… or evt_…, matching the contract's id pattern."""
    return f"{prefix}_{uuid.uuid4().hex[:length]}"


def make_event(
    event_type: str,
    *,
    player_id: str,
    payload: dict[str, Any],
    tenant_id: str,
    region: str,
    trace_id: str,
    idempotency_key: str | None,
    at: datetime,
) -> dict[str, Any]:
    """One event in the envelope."""
    return {
        "event_type": event_type,
        "schema_version": SCHEMA_VERSION,
        "event_id": new_id("evt", 26),
        "occurred_at": iso(at),
        "tenant_id": tenant_id,
        "region": region,
        "player_id": player_id,
        "trace_id": trace_id,
        "payload": payload,
        "idempotency_key": idempotency_key,
    }
