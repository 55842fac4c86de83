"""The results certify produces: verdicts, exchanges (evidence), results of checks and scenarios."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "ASSERTIONS_KEPT",
    "EVIDENCE_DETAILED",
    "EVIDENCE_ROWS",
    "Assertion",
    "EvidenceStep",
    "CaseResult",
    "Exchange",
    "Finding",
    "RunResult",
    "Verdict",
]

# Evidence kept per result in reports: one summary row (request, status, trace id, timing) per
# exchange up to EVIDENCE_ROWS, with every failing step kept beyond that; a result that did not
# pass shows its first EVIDENCE_DETAILED exchanges and its failing steps in full (headers,
# bodies). The rest are counted as elided.
EVIDENCE_DETAILED = 8
EVIDENCE_ROWS = 40
# Assertions kept per result: the first ASSERTIONS_KEPT that held, every one that failed; the
# rest are counted (money-conservation alone makes thousands).
ASSERTIONS_KEPT = 40


class Verdict(StrEnum):
    """How one check, scenario or budget came out."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the certifier could not finish it (a crash of ours or of the transport)
    NOT_APPLICABLE = "not_applicable"  # the target lacks what it needs (e.g. the sandbox surface)
    INCONCLUSIVE = "inconclusive"  # the evidence decides neither way (e.g. a too loaded machine)
    SKIPPED = "skipped"  # deselected with --only / --skip / --phases


@dataclass
class Exchange:
    """One request and its answer, kept as evidence."""

    method: str
    path: str
    status: int | None
    trace_id: str | None
    elapsed_ms: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """The facts of a passed step: request line, status, trace id, timing."""
        row: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "trace_id": self.trace_id,
            "elapsed_ms": self.elapsed_ms,
        }
        if self.note:
            row["note"] = self.note
        return row


@dataclass
class EvidenceStep:
    """One exchange as a report shows it: its 1-based step, and whether in full detail."""

    step: int
    exchange: Exchange
    detailed: bool
    failing: bool


@dataclass
class Assertion:
    """One thing a scenario asserted: what, the value it expected, the value it saw."""

    what: str
    expected: str
    actual: str
    passed: bool
    kind: str = "condition"  # status | balance | value | condition
    trace_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (no trace id key when there is none)."""
        row = asdict(self)
        if row["trace_id"] is None:
            del row["trace_id"]
        return row

    def line(self) -> str:
        """`what: expected X, got Y` for failure text."""
        trace = f" (trace {self.trace_id})" if self.trace_id else ""
        if not self.expected and not self.actual:  # a plain condition: its message says it all
            return f"{self.what}{trace}"
        return f"{self.what}: expected {self.expected}, got {self.actual}{trace}"


@dataclass
class Finding:
    """One failed assertion: which check or step, and why (and, when known, expected vs actual)."""

    check: str
    message: str
    operation: str = ""
    trace_id: str | None = None
    reproduce: str = ""
    expected: str | None = None
    actual: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (expected/actual only when known)."""
        row = asdict(self)
        for name in ("expected", "actual"):
            if row[name] is None:
                del row[name]
        return row

    def text(self) -> str:
        """The finding as failure text: operation, trace id (when known), message, expectation."""
        head = " ".join(
            part
            for part in (
                f"[{self.check}]",
                self.operation,
                f"trace={self.trace_id}" if self.trace_id else "",
            )
            if part
        )
        lines = [head, self.message]
        if self.expected is not None or self.actual is not None:
            lines.append(f"expected: {self.expected}\nactual:   {self.actual}")
        if self.reproduce:
            lines.append(self.reproduce)
        return "\n".join(lines)


@dataclass
class CaseResult:
    """The outcome of one check, scenario or latency budget (one JUnit testcase)."""

    id: str
    title: str
    phase: str  # contract | scenarios | latency
    verdict: Verdict
    mandatory: bool = True
    duration_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    evidence: list[Exchange] = field(default_factory=list)
    reason: str = ""  # why not applicable / skipped / error
    data: dict[str, Any] = field(default_factory=dict)  # phase-specific facts (latency, counts)
    assertions: list[Assertion] = field(default_factory=list)  # kept ones (see ASSERTIONS_KEPT)
    assertions_total: int = 0  # every assertion made, kept or not

    def evidence_view(
        self, detailed: int = EVIDENCE_DETAILED, rows: int = EVIDENCE_ROWS
    ) -> tuple[list[EvidenceStep], int]:
        """The steps a report keeps (first ones, failing ones) and how many it elides."""
        failing_traces = {f.trace_id for f in self.findings if f.trace_id}
        failed = self.verdict in (Verdict.FAILED, Verdict.ERROR)
        if not failed:
            detailed = 0
        # The last exchange stands for the failure only when no finding names its own: a latency
        # miss names its slowest call, not whichever call happened to come last.
        last = len(self.evidence) - 1 if not failing_traces else -1
        kept: list[EvidenceStep] = []
        for index, exchange in enumerate(self.evidence):
            failing = exchange.trace_id in failing_traces or (failed and index == last)
            if failing or len(kept) < rows:
                kept.append(EvidenceStep(index + 1, exchange, failing or index < detailed, failing))
        return kept, len(self.evidence) - len(kept)

    def to_dict(self, evidence_limit: int | None = EVIDENCE_ROWS) -> dict[str, Any]:
        """A JSON-ready dict; evidence capped (None keeps every exchange in full)."""
        if evidence_limit is None:
            steps = [EvidenceStep(i, e, True, False) for i, e in enumerate(self.evidence, 1)]
            elided = 0
        else:
            steps, elided = self.evidence_view(
                min(EVIDENCE_DETAILED, evidence_limit), evidence_limit
            )
        evidence = [
            {"step": s.step, **(s.exchange.to_dict() if s.detailed else s.exchange.summary())}
            | ({"failing": True} if s.failing else {})
            for s in steps
        ]
        return {
            "id": self.id,
            "title": self.title,
            "phase": self.phase,
            "verdict": self.verdict.value,
            "mandatory": self.mandatory,
            "duration_s": round(self.duration_s, 3),
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
            "assertions": [a.to_dict() for a in self.assertions],
            "assertions_total": self.assertions_total,
            "evidence": evidence,
            "evidence_total": len(self.evidence),
            "evidence_elided": elided,
            "data": self.data,
        }


@dataclass
class RunResult:
    """Everything one certification run found."""

    target: str
    contract_version: str
    contract_sha256: str
    tool_version: str
    started_at: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)
    results: list[CaseResult] = field(default_factory=list)
    finished_at: str = ""
    duration_s: float = 0.0
    sandbox_surface: bool = False
    phase_durations_s: dict[str, float] = field(default_factory=dict)  # wall time per phase
    coverage: dict[str, Any] = field(default_factory=dict)  # operation x status x code
    security: dict[str, Any] = field(default_factory=dict)  # auth mechanisms exercised

    @property
    def passed(self) -> bool:
        """True when no mandatory check failed or errored."""
        return not any(
            r.mandatory and r.verdict in (Verdict.FAILED, Verdict.ERROR) for r in self.results
        )

    def counts(self) -> dict[str, int]:
        """How many results per verdict."""
        out = {v.value: 0 for v in Verdict}
        for r in self.results:
            out[r.verdict.value] += 1
        return out

    def to_dict(self, evidence_limit: int | None = EVIDENCE_ROWS) -> dict[str, Any]:
        """A JSON-ready dict of the whole run (evidence capped per result)."""
        return {
            "verdict": "passed" if self.passed else "failed",
            "target": self.target,
            "contract": {"version": self.contract_version, "sha256": self.contract_sha256},
            "tool_version": self.tool_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 2),
            "seed": self.seed,
            "settings": self.settings,
            "sandbox_surface": self.sandbox_surface,
            "counts": self.counts(),
            "phase_durations_s": {k: round(v, 3) for k, v in self.phase_durations_s.items()},
            "results": [r.to_dict(evidence_limit) for r in self.results],
            "coverage": self.coverage,
            "security": self.security,
        }
