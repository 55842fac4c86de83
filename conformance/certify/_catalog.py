"""Every scenario module, imported explicitly so the whole set is visible in one place."""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify import (  # noqa: F401 - importing registers the scenarios
    _sc_bets,
    _sc_bonus,
    _sc_conservation,
    _sc_delivery,
    _sc_events,
    _sc_http,
    _sc_idempotency,
    _sc_isolation,
    _sc_kyc,
    _sc_lifecycle,
    _sc_limits,
    _sc_money,
    _sc_promotions,
    _sc_protocol,
    _sc_replays,
    _sc_rg,
    _sc_security,
    _sc_sessions,
    _sc_streams,
    _sc_tenancy,
)
from croupier.conformance.certify._checks import CHECKS
from croupier.conformance.certify._registry import SCENARIOS, Scenario
from croupier.conformance.certify._rules import CHECK_RULES, RULES

__all__ = ["all_scenarios", "check_catalog", "check_rules", "rule_checks", "scenario_catalog"]


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


def check_rules() -> dict[str, tuple[str, ...]]:
    """Every check and scenario id (latency budgets as `slo-*`) -> the rule ids it verifies."""
    out = {s.id: s.rules for s in SCENARIOS.values()}
    out.update(CHECK_RULES)
    return out


def rule_checks() -> dict[str, list[str]]:
    """Every rule id -> the checks and scenarios that verify it (scenarios first, by id)."""
    out: dict[str, list[str]] = {rule_id: [] for rule_id in RULES}
    for check_id, rules in sorted(
        check_rules().items(), key=lambda kv: (kv[0] not in SCENARIOS, kv[0])
    ):
        for rule_id in rules:
            if rule_id in out:
                out[rule_id].append(check_id)
    return out
