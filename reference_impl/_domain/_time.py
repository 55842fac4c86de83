"""UTC clock helpers: the contract writes RFC 3339 with a Z."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["iso", "parse_iso", "utcnow"]


def utcnow() -> datetime:
    """Now, in UTC, at microsecond precision."""
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 UTC with a Z and whole seconds, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an RFC 3339 date-time (Z or offset) into an aware UTC datetime; ValueError if bad."""
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)
