"""The terminal reporter: a live rich progress display while the run goes, a summary table after."""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify._events import (
    CaseFinished,
    CaseStarted,
    CheckFailed,
    Event,
    PhaseFinished,
    PhaseStarted,
    Progress,
    RequestSent,
    RunStarted,
)
from croupier.conformance.certify._model import RunResult, Verdict

__all__ = ["TerminalReporter", "summary_table"]

_STYLE = {
    Verdict.PASSED: "green",
    Verdict.FAILED: "bold red",
    Verdict.ERROR: "bold yellow",
    Verdict.NOT_APPLICABLE: "dim",
    Verdict.INCONCLUSIVE: "yellow",
    Verdict.SKIPPED: "dim",
}


class TerminalReporter:
    """Listens to engine events and shows progress on a rich console (stderr by default)."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[phase]:<9}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task: Any = None
        self.requests = 0  # requests of the current phase reported one by one

    def __enter__(self) -> TerminalReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: Event) -> None:
        """Handle one event."""
        if isinstance(event, RunStarted):
            self.console.print(
                f"[bold]croupier certify[/] {event.target} — contract {event.contract_version}, "
                f"seed {event.seed}"
            )
        elif isinstance(event, PhaseStarted):
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task("", total=event.total or None, phase=event.phase)
            self.requests = 0
        elif isinstance(event, PhaseFinished):
            # The Schemathesis phase reports its count at the end, not request by request.
            sent = self.requests if event.requests is None else self.requests + event.requests
            self.console.print(f"[dim]{event.phase} phase done ({sent} requests)[/]")
        elif isinstance(event, CaseStarted) and self.task is not None:
            self.progress.update(self.task, description=event.id)
        elif isinstance(event, Progress) and self.task is not None:
            self.progress.update(self.task, description=event.message[:60])
        elif isinstance(event, RequestSent):
            self.requests += 1
        elif isinstance(event, CheckFailed):
            finding = event.finding
            self.console.print(
                f"  [red]✗ {event.case_id}[/]: {finding.message[:200]}",
                markup=True,
                highlight=False,
            )
            if finding.expected is not None or finding.actual is not None:
                self.console.print(
                    f"    expected {finding.expected}, got {finding.actual}"
                    + (f" (trace {finding.trace_id})" if finding.trace_id else ""),
                    markup=False,
                    highlight=False,
                )
        elif isinstance(event, CaseFinished):
            result = event.result
            if self.task is not None and result.phase != "contract":
                self.progress.advance(self.task)
            style = _STYLE[result.verdict]
            self.console.print(
                f"  [{style}]{result.verdict.value:<14}[/] {result.id} "
                f"[dim]{result.duration_s:.2f} s[/]"
            )


def summary_table(run: RunResult) -> Any:
    """A rich table: one row per check, scenario and budget that ran."""
    from rich.table import Table

    table = Table(title=f"certification {'PASSED' if run.passed else 'FAILED'} — seed {run.seed}")
    table.add_column("phase")
    table.add_column("id")
    table.add_column("verdict")
    table.add_column("detail", overflow="fold", max_width=70)
    for r in run.results:
        if r.verdict == Verdict.SKIPPED:
            continue
        detail = r.findings[0].message[:160] if r.findings else r.reason[:160]
        if r.findings and r.findings[0].actual is not None:
            detail = (
                f"expected {str(r.findings[0].expected)[:80]}, got {r.findings[0].actual[:60]} "
                f"— {detail}"
            )
        if r.phase == "latency" and r.data.get("samples"):
            detail = (
                f"p50 {r.data['p50_ms']} / p95 {r.data['p95_ms']} ({r.data['budget_p95_ms']}) / "
                f"p99 {r.data['p99_ms']} ({r.data['budget_p99_ms']}) ms"
            )
            if r.verdict == Verdict.INCONCLUSIVE:
                detail += f" — {r.reason[:120]}"
        table.add_row(r.phase, r.id, f"[{_STYLE[r.verdict]}]{r.verdict.value}[/]", detail)
    return table
