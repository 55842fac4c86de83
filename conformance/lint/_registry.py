"""The lint rule registry: every house rule, its stable id, level and one-line catalog entry.

A rule is a function `(ctx: LintContext) -> Iterable[Hit]` decorated with `@rule(id, level)`;
a duplicate id, an unknown level or a docstring that is not one line raises at import. The rule
modules are imported explicitly at the bottom, so the whole set is visible here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from croupier._registry import ERR, INFO, LEVELS, WARN, Registry

__all__ = [
    "ERR",
    "INFO",
    "LEVELS",
    "RULES",
    "WARN",
    "Finding",
    "Hit",
    "Rule",
    "rule",
    "rule_catalog",
]


@dataclass(frozen=True)
class Hit:
    """What a rule reports: the file (relative to the contract root), a JSON pointer, a message."""

    file: str
    pointer: str
    message: str


@dataclass(frozen=True)
class Finding:
    """One reported finding: a hit with its rule id and level."""

    id: str
    level: str
    file: str
    pointer: str
    message: str
    line: int = 0  # 1-based position of `pointer` in `file`; 0 when unknown
    column: int = 0

    def as_dict(self) -> dict[str, str | int]:
        """The JSON shape of a finding."""
        return {
            "id": self.id,
            "level": self.level,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "message": self.message,
        }


@dataclass(frozen=True)
class Rule:
    """A registered rule: id, default level, catalog line and the function that checks."""

    id: str
    level: str
    doc: str
    func: Callable[[Any], Iterable[Hit]]


RULES: Registry[Rule] = Registry("lint rule")


def rule(
    id: str, level: str
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register a lint rule; a duplicate or malformed id, a bad level or docstring raises."""
    RULES.check(id, level)

    def register(func: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        RULES.add(id, Rule(id, level, RULES.doc(id, func), func))
        return func

    return register


def rule_catalog() -> list[dict[str, str]]:
    """Every lint rule as {id, level, doc}, sorted by id: the docs site's rule catalog."""
    return [
        {"id": r.id, "level": r.level, "doc": r.doc}
        for r in sorted(RULES.values(), key=lambda r: r.id)
    ]


# The set of rule modules, in one place. Each import registers its rules.
from croupier.conformance.lint import (  # noqa: E402, F401
    _rules_asyncapi,
    _rules_errors,
    _rules_events,
    _rules_headers,
    _rules_money,
    _rules_operations,
    _rules_refs,
    _rules_schemas,
    _rules_structure,
)
