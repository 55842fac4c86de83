"""Event mutants: envelopes, ids, payloads and provider events the way real outboxes break them."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from croupier import format_minor, parse_amount
from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._mutants._kit import rewrite_answer
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_MAKE_EVENT = "croupier.reference_impl._domain._events.make_event"


def _event_fault(change: Any) -> Any:
    def make(original: Any) -> Any:
        def make_event(event_type: str, **kwargs: Any) -> dict[str, Any]:
            return dict(change(original(event_type, **kwargs)))

        return make_event

    return make


@mutant("event-id-per-request", target=_MAKE_EVENT, rules=("events-unique-ids",))
def event_id_per_request(original: Any) -> Any:
    """Event ids are derived from the request's trace id, so one request's events share an id."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        digest = hashlib.sha256(event["trace_id"].encode()).hexdigest()[:26]
        return dict(event, event_id=f"evt_{digest}")

    return _event_fault(change)(original)


@mutant("event-trace-id-not-propagated", target=_MAKE_EVENT, rules=("events-carry-the-call",))
def event_trace_id_not_propagated(original: Any) -> Any:
    """Events get a trace id of their own instead of the request's X-Trace-Id."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        return dict(event, trace_id=f"trc-{uuid.uuid4().hex[:20]}")

    return _event_fault(change)(original)


@mutant("event-tenant-with-region", target=_MAKE_EVENT, rules=("events-carry-the-call",))
def event_tenant_with_region(original: Any) -> Any:
    """Events name the tenant as brand and region together, not the X-Brand-Id of the call."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        return dict(event, tenant_id=f"{event['tenant_id']}-{event['region'].lower()}")

    return _event_fault(change)(original)


@mutant("event-schema-version-two-part", target=_MAKE_EVENT, rules=("events-schema-valid",))
def event_schema_version_two_part(original: Any) -> Any:
    """Events say schema_version "1.0" instead of a full semantic version."""
    return _event_fault(lambda event: dict(event, schema_version="1.0"))(original)


@mutant(
    "wallet-event-balance-before-movement", target=_MAKE_EVENT, rules=("events-match-movements",)
)
def wallet_event_balance_before_movement(original: Any) -> Any:
    """wallet.debit and wallet.credit carry the balance from before the movement."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        kind = event["event_type"]
        payload = event["payload"]
        if kind not in ("wallet.debit", "wallet.credit"):
            return event
        cur = payload["amount"]["currency"]
        after = parse_amount(payload["balance_after"]["amount"], cur)
        moved = parse_amount(payload["amount"]["amount"], cur)
        before = after + moved if kind == "wallet.debit" else max(0, after - moved)
        money = {"amount": format_minor(before, cur), "currency": cur}
        return dict(event, payload=dict(payload, balance_after=money))

    return _event_fault(change)(original)


@mutant("settled-event-without-win", target=_MAKE_EVENT, rules=("events-match-movements",))
def settled_event_without_win(original: Any) -> Any:
    """bet.settled reports a zero win whatever the settle paid."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        if event["event_type"] != "bet.settled":
            return event
        cur = event["payload"]["win"]["currency"]
        zero = {"amount": format_minor(0, cur), "currency": cur}
        return dict(event, payload=dict(event["payload"], win=zero))

    return _event_fault(change)(original)


@mutant("debit-event-amount-is-balance", target=_MAKE_EVENT, rules=("events-match-movements",))
def debit_event_amount_is_balance(original: Any) -> Any:
    """wallet.debit's amount carries the balance after the debit, not the amount debited."""

    def change(event: dict[str, Any]) -> dict[str, Any]:
        if event["event_type"] != "wallet.debit":
            return event
        payload = event["payload"]
        if parse_amount(payload["balance_after"]["amount"], payload["amount"]["currency"]) == 0:
            return event
        return dict(event, payload=dict(payload, amount=payload["balance_after"]))

    return _event_fault(change)(original)


@mutant(
    "provider-event-not-validated",
    target="croupier.reference_impl._app.SandboxApp._check_event",
    rules=("events-provider-validated",),
)
def provider_event_not_validated(original: Any) -> Any:
    """Events a provider publishes are stored without being validated against schemas/."""

    def check_event(self: Any, event: Any) -> None:
        if not isinstance(event, dict) or "event_id" not in event:
            original(self, event)

    return check_event


@mutant(
    "unknown-event-type-called-invalid",
    target="croupier.reference_impl._app.SandboxApp._check_event",
    rules=("events-provider-validated",),
)
def unknown_event_type_called_invalid(original: Any) -> Any:
    """An event type without a schema is answered INVALID_EVENT, not UNKNOWN_EVENT_TYPE."""

    def check_event(self: Any, event: Any) -> None:
        try:
            original(self, event)
        except DomainError as exc:
            if exc.code != "UNKNOWN_EVENT_TYPE":
                raise
            raise DomainError("INVALID_EVENT", exc.message) from None

    return check_event


@mutant(
    "provider-event-not-deduplicated",
    target="croupier.reference_impl._platform.Platform.publish_event",
    rules=("events-provider-deduplicated",),
)
def provider_event_not_deduplicated(original: Any) -> Any:
    """A provider event published twice is answered as new both times."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        return status, dict(payload, duplicate=False)

    return rewrite_answer(change)(original)
