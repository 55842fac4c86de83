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
    # isoformat, not strftime("%Y"): the year keeps its four digits below 1000 too.
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    """Parse an RFC 3339 date-time (Z or offset) into an aware UTC datetime; ValueError if bad."""
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+23:59 is before year 1 in UTC
        raise ValueError(f"{text!r} is out of range in UTC") from None
