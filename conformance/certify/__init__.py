"""Certify: live checks of an implementation of the contract, with a verdict and evidence.

May import `croupier`, Schemathesis, Hypothesis, httpx and rich; never `reference_impl` (the
sandbox is started as a subprocess). Nothing imports it but `croupier.cli` (through `_command`)
and the docs generator (through `scenario_catalog`).
"""

from croupier.conformance.certify._catalog import (
    all_scenarios,
    check_catalog,
    check_rules,
    rule_checks,
    scenario_catalog,
)
from croupier.conformance.certify._engine import PHASES, CertifyOptions, certify_target, known_ids
from croupier.conformance.certify._events import (
    CaseFinished,
    CaseStarted,
    CheckFailed,
    Event,
    EventBus,
    PhaseFinished,
    PhaseStarted,
    Progress,
    RequestSent,
    RunFinished,
    RunStarted,
)
from croupier.conformance.certify._model import CaseResult, Exchange, Finding, RunResult, Verdict
from croupier.conformance.certify._registry import (
    NotApplicable,
    Scenario,
    ScenarioFailure,
    scenario,
)
from croupier.conformance.certify._reports import (
    render_json,
    render_junit,
    render_markdown,
    write_reports,
)
from croupier.conformance.certify._rules import RULES, rule_catalog
from croupier.conformance.certify._target import TargetUnavailable

__all__ = [
    "CaseFinished",
    "CaseResult",
    "CaseStarted",
    "CertifyOptions",
    "CheckFailed",
    "Event",
    "EventBus",
    "Exchange",
    "Finding",
    "NotApplicable",
    "PHASES",
    "PhaseFinished",
    "PhaseStarted",
    "Progress",
    "RULES",
    "RequestSent",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "Scenario",
    "ScenarioFailure",
    "TargetUnavailable",
    "Verdict",
    "all_scenarios",
    "certify_target",
    "check_catalog",
    "check_rules",
    "known_ids",
    "render_json",
    "render_junit",
    "render_markdown",
    "rule_catalog",
    "rule_checks",
    "scenario",
    "scenario_catalog",
    "write_reports",
]
