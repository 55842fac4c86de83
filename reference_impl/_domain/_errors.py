"""Domain refusals carry a catalog code; the catalog fixes their HTTP status and retryability."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["DomainError", "catalog_entry", "error_body"]


@functools.cache
def _catalog() -> dict[str, dict[str, Any]]:
    from croupier import load_contract

    return load_contract().error_catalog


def catalog_entry(code: str) -> dict[str, Any]:
    """The catalog entry of a code (status, retryable); unknown codes are a platform bug."""
    return _catalog()[code]


class DomainError(Exception):
    """A refusal with a catalog code; `events` are still written (e.g. rg.limit.hit).

    The refused operation's changes roll back; `after` (given the transaction) runs once they
    have, and may record a lasting consequence of the refusal and return more events to write.
    """

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        events: tuple[dict[str, Any], ...] = (),
        status: int | None = None,
        after: Callable[[Any], Awaitable[tuple[dict[str, Any], ...]]] | None = None,
    ) -> None:
        super().__init__(message)
        entry = catalog_entry(code)
        self.code = code
        self.message = message
        self.details = details
        self.events = events
        self.after = after
        self.status = int(status if status is not None else entry["status"])
        self.retryable = bool(entry["retryable"])


def error_body(
    code: str, message: str, trace_id: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The contract's Error body."""
    body: dict[str, Any] = {
        "code": code,
        "message": message[:1000],
        "retryable": bool(catalog_entry(code)["retryable"]),
        "trace_id": trace_id,
    }
    if details is not None:
        body["details"] = details
    return body
