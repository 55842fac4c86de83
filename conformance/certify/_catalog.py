"""Every scenario module, imported explicitly so the whole set is visible in one place."""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify import (  # noqa: F401 - importing registers the scenarios
    _sc_bonus,
    _sc_conservation,
    _sc_delivery,
    _sc_events,
    _sc_idempotency,
    _sc_isolation,
    _sc_lifecycle,
    _sc_money,
    _sc_protocol,
    _sc_rg,
)
from croupier.conformance.certify._checks import CHECKS
from croupier.conformance.certify._registry import SCENARIOS, Scenario

__all__ = ["all_scenarios", "check_catalog", "scenario_catalog"]


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order."""
    return list(SCENARIOS.values())


def scenario_catalog() -> list[dict[str, Any]]:
    """The scenario catalog for the docs: id, title, mandatory, needs_sandbox, sorted by id."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "mandatory": s.mandatory,
            "needs_sandbox": s.needs_sandbox,
        }
        for s in sorted(SCENARIOS.values(), key=lambda s: s.id)
    ]


def check_catalog() -> list[dict[str, Any]]:
    """Croupier's own response checks (registered into Schemathesis too), sorted by id."""
    return [{"id": c.id, "title": c.title} for c in sorted(CHECKS.values(), key=lambda c: c.id)]
