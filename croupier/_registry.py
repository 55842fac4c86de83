"""The one registry shape behind lint rules, compat rules and certification scenarios.

Each entry has a stable kebab-case id that never changes meaning, a level where it has one,
and a one-line docstring that becomes its line in the generated docs catalog. Registering
the same id twice raises at import, so a catalog can never hold two meanings for one id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ERR", "INFO", "LEVELS", "WARN", "Registry"]

ERR, WARN, INFO = "ERR", "WARN", "INFO"
LEVELS = (ERR, WARN, INFO)

_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

E = TypeVar("E")


class Registry(dict[str, E]):
    """Entries by id; refuses malformed ids, unknown levels, missing docs and duplicates."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def check(self, entry_id: str, level: str | None = None) -> None:
        """Raise ValueError unless the id is kebab-case and the level (when given) is known."""
        if not _KEBAB.fullmatch(entry_id):
            raise ValueError(f"{self.kind} id {entry_id!r} is not kebab-case")
        if level is not None and level not in LEVELS:
            raise ValueError(f"{self.kind} {entry_id}: level {level!r} is not one of {LEVELS}")

    def doc(self, entry_id: str, func: Callable[..., Any]) -> str:
        """The function's one-line docstring (its catalog line), or ValueError."""
        doc = (func.__doc__ or "").strip()
        if not doc or "\n" in doc:
            raise ValueError(
                f"{self.kind} {entry_id}: needs a one-line docstring (its catalog line)"
            )
        return doc

    def add(self, entry_id: str, entry: E) -> E:
        """Store an entry under a new id; a second registration of the id raises."""
        if entry_id in self:
            raise ValueError(f"duplicate {self.kind} id {entry_id!r}")
        self[entry_id] = entry
        return entry
