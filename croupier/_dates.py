"""Calendar dates the contract declares (`x-sunset`, `x-deprecated-at`), read leniently."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["parse_day"]


def parse_day(value: Any) -> dt.date | None:
    """An ISO date (or the date of an ISO datetime) as a date; None when absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
