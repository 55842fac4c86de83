"""The scenario registry: a decorator with a stable kebab-case id; duplicates raise at import."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.certify._context import ScenarioContext

__all__ = ["SCENARIOS", "NotApplicable", "Scenario", "ScenarioFailure", "scenario"]

_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class ScenarioFailure(AssertionError):
    """The target broke a rule the scenario checks; the message says which and how."""


class NotApplicable(Exception):
    """The target lacks something the scenario needs; the message says what."""


@dataclass(frozen=True)
class Scenario:
    """One certification scenario."""

    id: str
    title: str
    func: Callable[[ScenarioContext], None]
    mandatory: bool
    needs_sandbox: bool
    module: str
    defers: bool = False


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    scenario_id: str,
    *,
    mandatory: bool = True,
    needs_sandbox: bool = True,
    defers: bool = False,
) -> Callable[[Callable[[ScenarioContext], None]], Callable[[ScenarioContext], None]]:
    """Register a scenario under a stable kebab-case id; its docstring's first line is its title.

    `defers` marks a scenario that finishes later (`ctx.later`); it runs first so that its wait
    overlaps the other scenarios.
    """
    if not _ID.match(scenario_id):
        raise ValueError(f"scenario id {scenario_id!r} is not kebab-case")

    def register(func: Callable[[ScenarioContext], None]) -> Callable[[ScenarioContext], None]:
        if scenario_id in SCENARIOS:
            raise ValueError(
                f"scenario id {scenario_id!r} is registered twice "
                f"({SCENARIOS[scenario_id].module} and {func.__module__})"
            )
        doc = (func.__doc__ or "").strip()
        if not doc:
            raise ValueError(f"scenario {scenario_id!r} needs a one-line docstring")
        SCENARIOS[scenario_id] = Scenario(
            id=scenario_id,
            title=doc.splitlines()[0],
            func=func,
            mandatory=mandatory,
            needs_sandbox=needs_sandbox,
            module=func.__module__,
            defers=defers,
        )
        return func

    return register
