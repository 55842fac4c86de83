"""Provider-side certification: the judge of recorded traffic, its check catalog, a simulator.

May import `croupier`, httpx and rich; never `reference_impl` (a sandbox is reached over HTTP)
nor `conformance.certify`. Nothing imports it but `croupier.cli` (through `_command`) and
the docs generator (through `check_catalog`).
"""

from conformance.provider._catalog import all_checks, check_catalog
from conformance.provider._context import JudgeSettings
from conformance.provider._judge import CheckResult, ProviderRun, Verdict, judge
from conformance.provider._registry import Check, Finding
from conformance.provider._reports import (
    render_json,
    render_junit,
    render_markdown,
    write_reports,
)
from conformance.provider._simulator import (
    FLAWS,
    ProviderSimulator,
    SimulatorOptions,
    SimulatorResult,
)
from conformance.provider._traffic import Exchange, TrafficError, load_traffic, parse_traffic

__all__ = [
    "Check",
    "CheckResult",
    "Exchange",
    "FLAWS",
    "Finding",
    "JudgeSettings",
    "ProviderRun",
    "ProviderSimulator",
    "SimulatorOptions",
    "SimulatorResult",
    "TrafficError",
    "Verdict",
    "all_checks",
    "check_catalog",
    "judge",
    "load_traffic",
    "parse_traffic",
    "render_json",
    "render_junit",
    "render_markdown",
    "write_reports",
]
