"""Provider-side certification: the judge of recorded traffic, its check catalog, a simulator.

May import `croupier`, httpx and rich; never `croupier.reference_impl` (a sandbox is reached
over HTTP) nor `croupier.conformance.certify`. Nothing imports it but `croupier.cli` (through
`_command`) and the docs generator (through `check_catalog`).
"""

from croupier.conformance.provider._catalog import all_checks, check_catalog
from croupier.conformance.provider._context import JudgeSettings
from croupier.conformance.provider._judge import CheckResult, ProviderRun, Verdict, judge
from croupier.conformance.provider._registry import Check, Finding
from croupier.conformance.provider._reports import (
    render_json,
    render_junit,
    render_markdown,
    write_reports,
)
from croupier.conformance.provider._simulator import (
    FLAWS,
    ProviderSimulator,
    SimulatorOptions,
    SimulatorResult,
)
from croupier.conformance.provider._traffic import (
    Exchange,
    TrafficError,
    load_traffic,
    parse_traffic,
)

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
