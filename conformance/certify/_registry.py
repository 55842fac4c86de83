"""The scenario registry: a decorator with a stable kebab-case id; duplicates raise at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from croupier._registry import Registry

if TYPE_CHECKING:
    from croupier.conformance.certify._context import ScenarioContext
    from croupier.conformance.certify._model import Assertion

__all__ = ["SCENARIOS", "NotApplicable", "Scenario", "ScenarioFailure", "scenario"]


class ScenarioFailure(AssertionError):
    """The target broke a rule the scenario checks; the message says which and how.

    `assertion`, when the failure came from a context helper, holds what was expected and seen.
    """

    def __init__(self, message: str, assertion: Assertion | None = None) -> None:
        super().__init__(message)
        self.assertion = assertion


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
    rules: tuple[str, ...] = ()  # ids of the contract rules it verifies (conformance._rules)


SCENARIOS: Registry[Scenario] = Registry("scenario")


def scenario(
    scenario_id: str,
    *,
    mandatory: bool = True,
    needs_sandbox: bool = True,
    rules: tuple[str, ...] = (),
) -> Callable[[Callable[[ScenarioContext], None]], Callable[[ScenarioContext], None]]:
    """Register a scenario under a stable kebab-case id; its docstring's first line is its title.

    `rules` names the contract rules (conformance.certify._rules) the scenario verifies.
    """
    SCENARIOS.check(scenario_id)

    def register(func: Callable[[ScenarioContext], None]) -> Callable[[ScenarioContext], None]:
        SCENARIOS.add(
            scenario_id,
            Scenario(
                id=scenario_id,
                title=SCENARIOS.doc(scenario_id, func),
                func=func,
                mandatory=mandatory,
                needs_sandbox=needs_sandbox,
                module=func.__module__,
                rules=tuple(rules),
            ),
        )
        return func

    return register
