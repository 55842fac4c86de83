"""The judge: run the provider-side checks over recorded traffic and give each a verdict."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from croupier import Contract
from croupier.conformance.provider._catalog import all_checks
from croupier.conformance.provider._context import JudgeContext, JudgeSettings
from croupier.conformance.provider._registry import ERR, Finding
from croupier.conformance.provider._traffic import Exchange

__all__ = ["CheckResult", "ProviderRun", "Verdict", "judge"]

# Evidence a report keeps per check: every failing exchange, and up to this many others.
EVIDENCE_ROWS = 25


class Verdict(StrEnum):
    """How one check came out."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # the traffic held nothing the check could look at
    SKIPPED = "skipped"  # deselected with --only / --skip


@dataclass
class CheckResult:
    """One check's verdict, its findings and the exchanges it looked at."""

    id: str
    title: str
    subject: str
    level: str
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    examined: list[int] = field(default_factory=list)

    @property
    def mandatory(self) -> bool:
        """An ERR check decides the verdict; a WARN one only reports."""
        return self.level == ERR

    def to_dict(self, traffic: dict[int, Exchange]) -> dict[str, Any]:
        """A JSON-ready dict with the evidence."""
        failing = sorted({i for f in self.findings for i in f.exchanges})
        others = [i for i in self.examined if i not in failing][:EVIDENCE_ROWS]
        evidence = [
            {**traffic[i].to_evidence(), "failing": i in failing}
            for i in sorted({*failing, *others})
            if i in traffic
        ]
        return {
            "id": self.id,
            "title": self.title,
            "subject": self.subject,
            "level": self.level,
            "mandatory": self.mandatory,
            "verdict": self.verdict.value,
            "findings": [
                {"message": f.message, "exchanges": list(f.exchanges)} for f in self.findings
            ],
            "examined": len(self.examined),
            "evidence": evidence,
            "evidence_elided": max(0, len(self.examined) - len(evidence)),
        }


@dataclass
class ProviderRun:
    """Everything one provider certification found."""

    source: str
    contract_version: str
    contract_sha256: str
    tool_version: str
    started_at: str
    traffic: list[Exchange]
    results: list[CheckResult]
    settings: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        """Some traffic was judged and no mandatory check failed (no traffic, no certificate)."""
        return bool(self.traffic) and not any(
            r.mandatory and r.verdict == Verdict.FAILED for r in self.results
        )

    def counts(self) -> dict[str, int]:
        """How many checks per verdict."""
        out = {v.value: 0 for v in Verdict}
        for r in self.results:
            out[r.verdict.value] += 1
        return out

    def failed_ids(self) -> list[str]:
        """Ids of the checks that failed."""
        return [r.id for r in self.results if r.verdict == Verdict.FAILED]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole run."""
        by_index = {e.index: e for e in self.traffic}
        return {
            "verdict": "passed" if self.passed else "failed",
            "source": self.source,
            "contract": {"version": self.contract_version, "sha256": self.contract_sha256},
            "tool_version": self.tool_version,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "settings": self.settings,
            "exchanges": len(self.traffic),
            "counts": self.counts(),
            "results": [r.to_dict(by_index) for r in self.results],
        }


def judge(
    traffic: list[Exchange],
    contract: Contract,
    *,
    source: str = "",
    settings: JudgeSettings | None = None,
    only: set[str] | None = None,
    skip: set[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ProviderRun:
    """Run every selected check over the traffic."""
    from croupier import __version__

    chosen = settings or JudgeSettings()
    started = time.perf_counter()
    results = []
    for c in all_checks():
        if (only is not None and c.id not in only) or c.id in (skip or set()):
            results.append(CheckResult(c.id, c.title, c.subject, c.level, Verdict.SKIPPED))
            continue
        ctx = JudgeContext(traffic, contract, chosen)
        findings = list(c.func(ctx))
        if findings:
            verdict = Verdict.FAILED
        elif ctx.examined:
            verdict = Verdict.PASSED
        else:
            verdict = Verdict.NOT_APPLICABLE
        results.append(
            CheckResult(c.id, c.title, c.subject, c.level, verdict, findings, sorted(ctx.examined))
        )
    return ProviderRun(
        source=source,
        contract_version=contract.version,
        contract_sha256=contract.sha256,
        tool_version=__version__,
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        traffic=traffic,
        results=results,
        settings={
            "min_retry_gap_ms": chosen.min_retry_gap_ms,
            "max_attempts_per_second": chosen.max_attempts_per_second,
            "shrink_tolerance": chosen.shrink_tolerance,
            "shrink_slack_ms": chosen.shrink_slack_ms,
            **(extra or {}),
        },
        duration_s=time.perf_counter() - started,
    )
