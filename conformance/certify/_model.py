"""The results certify produces: verdicts, exchanges (evidence), results of checks and scenarios."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["CaseResult", "Exchange", "Finding", "RunResult", "Verdict"]


class Verdict(StrEnum):
    """How one check, scenario or budget came out."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the certifier could not finish it (a crash of ours or of the transport)
    NOT_APPLICABLE = "not_applicable"  # the target lacks what it needs (e.g. the sandbox surface)
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


@dataclass
class Finding:
    """One failed assertion: which check or step, and why."""

    check: str
    message: str
    operation: str = ""
    trace_id: str | None = None
    reproduce: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


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

    def to_dict(self, evidence_limit: int | None = None) -> dict[str, Any]:
        """A JSON-ready dict; evidence may be capped."""
        evidence = self.evidence if evidence_limit is None else self.evidence[:evidence_limit]
        return {
            "id": self.id,
            "title": self.title,
            "phase": self.phase,
            "verdict": self.verdict.value,
            "mandatory": self.mandatory,
            "duration_s": round(self.duration_s, 3),
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
            "evidence": [e.to_dict() for e in evidence],
            "evidence_total": len(self.evidence),
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

    def to_dict(self, evidence_limit: int | None = None) -> dict[str, Any]:
        """A JSON-ready dict of the whole run."""
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
            "results": [r.to_dict(evidence_limit) for r in self.results],
        }
