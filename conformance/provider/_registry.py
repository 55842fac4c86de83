"""The registry of provider-side checks: stable kebab-case ids, a level, a one-line docstring."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from croupier.conformance.provider._context import JudgeContext

__all__ = ["ERR", "WARN", "Check", "Finding", "check", "registered"]

ERR = "ERR"
WARN = "WARN"
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Finding:
    """One thing the provider did wrong, and the exchanges (by index) that show it."""

    message: str
    exchanges: tuple[int, ...] = ()


CheckFunction = Callable[["JudgeContext"], Iterator[Finding]]


@dataclass(frozen=True)
class Check:
    """A provider-side check."""

    id: str
    level: str
    subject: str
    func: CheckFunction = field(compare=False)

    @property
    def title(self) -> str:
        """The docstring's first line (the catalog entry)."""
        return (self.func.__doc__ or "").strip().splitlines()[0]


_CHECKS: dict[str, Check] = {}


def check(
    check_id: str, subject: str, level: str = ERR
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check; a duplicate or malformed id raises at import."""

    def register(func: CheckFunction) -> CheckFunction:
        if not _ID.fullmatch(check_id):
            raise ValueError(f"check id {check_id!r} is not kebab-case")
        if check_id in _CHECKS:
            raise ValueError(f"check id {check_id!r} is registered twice")
        if not (func.__doc__ or "").strip():
            raise ValueError(f"check {check_id!r} has no docstring")
        _CHECKS[check_id] = Check(check_id, level, subject, func)
        return func

    return register


def registered() -> list[Check]:
    """Every registered check, in registration order."""
    return list(_CHECKS.values())
