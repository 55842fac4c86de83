"""The rule registry: every OpenAPI compatibility rule, its stable id, level, side and catalog line.

A rule is a function decorated with `@rule(id, level, side, on=...)`. The engine
(`_openapi.py`) turns two documents into low-level `Change`s, each with a `kind`; every rule
listening on that kind (and side/subject) is asked to explain it, or to decline with None.
The rule modules are imported explicitly at the bottom, so the whole set is visible here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from croupier._registry import ERR, INFO, LEVELS, WARN, Registry

__all__ = [
    "CATEGORIES",
    "ERR",
    "INFO",
    "LEVELS",
    "RULES",
    "WARN",
    "Change",
    "Finding",
    "Rule",
    "Says",
    "rule",
    "rule_catalog",
    "rules_for",
    "show",
    "where",
]

SIDES = ("request", "response", "operation", "contract", "docs", "event")
# `wire`: does a client or reader built on the base fail against the revision?
# `policy`: did the release follow the project's governance (semver, /v{major}/, sunsets)?
CATEGORIES = ("wire", "policy")
BUMPS = ("major", "minor", "patch", "none")


@dataclass(frozen=True)
class Change:
    """One low-level difference the engine found, before any rule explains it."""

    kind: str
    side: str  # request | response | operation | contract | docs | event
    subject: str  # parameter | property | body | header | response | operation | security | ...
    operation: str  # "POST /v1/bets/settle", or "" for document-wide changes
    pointer: str  # JSON pointer into the revision (into the base when the thing was removed)
    name: str = ""  # human name: property path, parameter "query.limit", status code …
    base: Any = None
    revision: Any = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Says:
    """What a rule says about a change: the message, why it breaks whom, and what to do instead."""

    message: str
    explanation: str
    advice: str = ""


@dataclass(frozen=True)
class Finding:
    """One reported finding: a rule's explanation of a change, at a level."""

    id: str
    level: str
    message: str
    location: str
    explanation: str
    advice: str = ""
    operation: str = ""
    side: str = ""
    bump: str = "none"
    category: str = "wire"

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of a finding."""
        return {
            "id": self.id,
            "level": self.level,
            "message": self.message,
            "location": self.location,
            "explanation": self.explanation,
            "advice": self.advice,
            "operation": self.operation,
            "side": self.side,
            "bump": self.bump,
            "category": self.category,
        }


@dataclass(frozen=True)
class Rule:
    """A registered rule: id, default level, side, the change kinds it explains and its function."""

    id: str
    level: str
    side: str
    on: tuple[str, ...]
    subject: str | None
    bump: str
    doc: str
    func: Callable[[Change], Says | None]
    category: str = "wire"
    note: str = ""  # where the level (or meaning) differs from oasdiff's check of the same id

    def explain(self, change: Change, level: str | None = None) -> Finding | None:
        """Run the rule on a change; a Finding when it applies, None when it declines."""
        said = self.func(change)
        if said is None:
            return None
        lvl = level or self.level
        if self.category == "policy":
            bump = "none"  # release policy judges the bump; it never requires one itself
        else:
            bump = "major" if lvl == ERR else self.bump
        return Finding(
            id=self.id,
            level=lvl,
            message=said.message,
            location=change.pointer,
            explanation=said.explanation,
            advice=said.advice,
            operation=change.operation,
            side=self.side,
            bump=bump,
            category=self.category,
        )


RULES: Registry[Rule] = Registry("compat rule")
_BY_KIND: dict[tuple[str, str], list[Rule]] = {}


def rule(
    id: str,
    level: str,
    side: str,
    *,
    on: str | Iterable[str],
    subject: str | None = None,
    bump: str | None = None,
    category: str = "wire",
    note: str = "",
    body: str | None = None,
) -> Callable[[Callable[[Change], Says | None]], Callable[[Change], Says | None]]:
    """Register a rule; a duplicate id, an unknown level or side, or a missing docstring raises.

    `body` names the rule's twin for the body schema itself (oasdiff's `request-body-*` beside
    `request-property-*`): the twin explains the changes whose property path is empty, this rule
    the others.
    """
    RULES.check(id, level)
    if side not in SIDES:
        raise ValueError(f"rule {id}: side {side!r} is not one of {SIDES}")
    if category not in CATEGORIES:
        raise ValueError(f"rule {id}: category {category!r} is not one of {CATEGORIES}")
    kinds = (on,) if isinstance(on, str) else tuple(on)
    # Without an explicit bump: an ERR is a major change, anything else an additive (minor) one.
    the_bump = bump or ("major" if level == ERR else "minor")
    if category == "policy":
        the_bump = "none"  # release policy judges the bump; it never requires one
    if the_bump not in BUMPS:
        raise ValueError(f"rule {id}: bump {the_bump!r} is not one of {BUMPS}")

    def add(rule_id: str, doc: str, func: Callable[[Change], Says | None]) -> None:
        entry = RULES.add(
            rule_id,
            Rule(rule_id, level, side, kinds, subject, the_bump, doc, func, category, note),
        )
        for kind in kinds:
            _BY_KIND.setdefault((kind, side), []).append(entry)

    def register(func: Callable[[Change], Says | None]) -> Callable[[Change], Says | None]:
        doc = RULES.doc(id, func)
        if body is None:
            add(id, doc, func)
            return func
        RULES.check(body, level)

        def on_property(c: Change) -> Says | None:
            return func(c) if c.name else None

        def on_body(c: Change) -> Says | None:
            return None if c.name else func(c)

        add(id, doc, on_property)
        add(body, f"{doc.rstrip('.')} (on the body schema itself).", on_body)
        return func

    return register


def where(change: Change) -> str:
    """Human words for where a change sits: "request body (application/json) property `a.b`"."""
    place = change.extra.get("where", "")
    if not change.name:
        return place or "schema"
    return f"{place} property `{change.name}`" if place else f"`{change.name}`"


def show(value: Any) -> str:
    """A value as it appears in a message (short, JSON-like)."""
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(map(show, value)) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def rules_for(change: Change) -> list[Rule]:
    """The rules that may explain a change (same kind, side and, when they name one, subject)."""
    return [
        r
        for r in _BY_KIND.get((change.kind, change.side), ())
        if r.subject is None or r.subject == change.subject
    ]


def rule_catalog() -> list[dict[str, str]]:
    """Every registered rule as {id, level, side, bump, category, note, doc}, sorted by id."""
    return [
        {
            "id": r.id,
            "level": r.level,
            "side": r.side,
            "bump": r.bump,
            "category": r.category,
            "note": r.note,
            "doc": r.doc,
        }
        for r in sorted(RULES.values(), key=lambda r: r.id)
    ]


# The set of rule modules, in one place. Each import registers its rules.
from croupier.conformance.compat import (  # noqa: E402, F401
    _check_bounds,
    _check_docs,
    _check_headers,
    _check_keywords,
    _check_lifecycle,
    _check_parameters,
    _check_paths,
    _check_request_body,
    _check_responses,
    _check_security,
    _check_serialization,
    _semver,
)
