"""Dual-write: during a migration, an event goes out under its old major and its new one.

An event type's newer schema (`schemas/events/<type>/<N>.json`) opts in with

    "x-dual-write": {"from_major": 1, "rename": {"win": "payout"}}

`rename` maps top-level payload fields of the old major to their new names (optional). While
the feature flag is on for the type (`PUT /sandbox/dual-write`, kept in the controls row, so
every worker and a restart see it), each event of the old major is followed in the outbox, in
the same transaction, by its twin under the new major:

* `event_id` is the old event's id plus `.v<N>`, so a twin is recognisable and idempotent;
* `payload.lineage` is `{event_id, schema_version}` of the old event (the new schema must
  declare it), so a consumer reading both streams counts the fact once;
* everything else of the envelope (trace id, idempotency key, occurred_at, tenant,
  player) is the old event's.

At start every example of the old major is turned into its twin and validated against the new
schema; a pair whose twins do not validate cannot be switched on (the reason is given).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from croupier import Contract

__all__ = ["SESSION_KEY", "DualWriter", "Pair"]

log = logging.getLogger("croupier.dual_write")
# Where `Platform.controls` leaves the flag in force for `Platform._emit` (Session.info).
SESSION_KEY = "croupier.dual_write"


@dataclass(frozen=True)
class Pair:
    """One migration: an event type, the major consumers read today and the one they move to."""

    event_type: str
    from_major: int
    to_major: int
    schema_version: str
    rename: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The pair as GET /sandbox/dual-write lists it."""
        return {
            "event_type": self.event_type,
            "from_major": self.from_major,
            "to_major": self.to_major,
        }


def _declared(event_type: str, major: int, schema: dict[str, Any]) -> Pair | str | None:
    decl = schema.get("x-dual-write")
    if decl is None:
        return None
    if not isinstance(decl, dict):
        return "x-dual-write must be an object"
    source, rename = decl.get("from_major"), decl.get("rename") or {}
    if not isinstance(source, int) or isinstance(source, bool) or not 1 <= source < major:
        return f"x-dual-write.from_major must be an older major than {major}"
    if not isinstance(rename, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in rename.items()
    ):
        return "x-dual-write.rename maps old payload field names to new ones"
    version = schema.get("x-schema-version")
    if not isinstance(version, str) or not version.startswith(f"{major}."):
        return f"x-schema-version must be {major}.x.y"
    return Pair(event_type, source, major, version, dict(rename))


class DualWriter:
    """The contract's dual-write pairs and the twin of an event."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.pairs: dict[str, Pair] = {}
        self.broken: dict[str, str] = {}
        for ev in contract.events:
            found = _declared(ev.event_type, ev.major, ev.schema)
            if isinstance(found, str):
                self.broken[ev.event_type] = f"{ev.event_type}/{ev.major}.json: {found}"
            elif found is not None:
                self.pairs[ev.event_type] = found
        for event_type, pair in list(self.pairs.items()):
            reason = self._check_examples(pair)
            if reason:
                del self.pairs[event_type]
                self.broken[event_type] = reason
        for reason in self.broken.values():
            log.warning("dual-write unavailable: %s", reason)

    def _check_examples(self, pair: Pair) -> str | None:
        try:
            old = self.contract.event(pair.event_type, pair.from_major)
        except Exception:  # no such major: nothing to migrate from
            return f"{pair.event_type} has no major {pair.from_major} to migrate from"
        for path, example in old.examples:
            twin = self.twin(example, pair)
            errors = self.contract.validate_event(twin)
            if errors:
                return (
                    f"the twin of {path.name} does not validate against "
                    f"{pair.event_type}/{pair.to_major}.json: {errors[0][:200]}"
                )
        return None

    def available(self) -> list[dict[str, Any]]:
        """The pairs that can be switched on."""
        return [self.pairs[k].as_dict() for k in sorted(self.pairs)]

    def refusal(self, event_type: str) -> str | None:
        """Why the flag cannot be switched on for an event type (None: it can)."""
        if event_type in self.pairs:
            return None
        return self.broken.get(event_type) or (
            f"{event_type} has no newer major schema that declares x-dual-write"
        )

    @staticmethod
    def twin(event: dict[str, Any], pair: Pair) -> dict[str, Any]:
        """The event under the new major, carrying the old one's id as its lineage."""
        payload = {pair.rename.get(k, k): v for k, v in (event.get("payload") or {}).items()}
        payload["lineage"] = {
            "event_id": event["event_id"],
            "schema_version": event["schema_version"],
        }
        return {
            **event,
            "schema_version": pair.schema_version,
            "event_id": f"{event['event_id']}.v{pair.to_major}",
            "payload": payload,
        }

    def successor(self, event: dict[str, Any], enabled: Any) -> dict[str, Any] | None:
        """The twin to write after `event`, when the flag is on for its type and major."""
        pair = self.pairs.get(str(event.get("event_type")))
        if pair is None or pair.event_type not in enabled:
            return None
        if str(event.get("schema_version", "")).split(".", 1)[0] != str(pair.from_major):
            return None
        return self.twin(event, pair)
