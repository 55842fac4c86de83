"""Provider reports: JSON, JUnit XML, Markdown, the judged traffic and an integrity manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from croupier.conformance.provider._judge import ProviderRun, Verdict

__all__ = ["render_json", "render_junit", "render_markdown", "write_reports"]

_ICON = {
    Verdict.PASSED: "✅ passed",
    Verdict.FAILED: "❌ failed",
    Verdict.NOT_APPLICABLE: "➖ not applicable",
    Verdict.SKIPPED: "⏭ skipped",
}


def render_json(run: ProviderRun) -> str:
    """The whole run as JSON."""
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_junit(run: ProviderRun) -> str:
    """JUnit XML: one testsuite per check subject, one testcase per check."""
    suites = ET.Element(
        "testsuites", name="croupier certify-provider", time=f"{run.duration_s:.3f}"
    )
    subjects: dict[str, list[Any]] = {}
    for r in run.results:
        subjects.setdefault(r.subject, []).append(r)
    for subject, results in subjects.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=subject,
            tests=str(len(results)),
            failures=str(sum(r.verdict == Verdict.FAILED for r in results)),
            errors="0",
            skipped=str(
                sum(r.verdict in (Verdict.SKIPPED, Verdict.NOT_APPLICABLE) for r in results)
            ),
        )
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("source", run.source),
            ("contract_version", run.contract_version),
            ("contract_sha256", run.contract_sha256),
            ("tool_version", run.tool_version),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        for r in results:
            case = ET.SubElement(
                suite, "testcase", classname=f"croupier.provider.{subject}", name=r.id
            )
            if r.verdict == Verdict.FAILED:
                node = ET.SubElement(
                    case, "failure", message=r.findings[0].message[:500], type=r.id
                )
                node.text = "\n".join(f.message for f in r.findings[:50])
            elif r.verdict in (Verdict.SKIPPED, Verdict.NOT_APPLICABLE):
                ET.SubElement(case, "skipped", message=r.verdict.value)
            ET.SubElement(case, "system-out").text = f"{len(r.examined)} exchanges examined"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(run: ProviderRun) -> str:
    """The human provider certification report."""
    counts = run.counts()
    s = run.settings
    lines = [
        f"# Croupier provider certification report — {'PASSED' if run.passed else 'FAILED'}",
        "",
        "| Field | Value |",
        "|---|---|",
        f"| Traffic | {_cell(run.source)} ({len(run.traffic)} exchanges) |",
        f"| Contract | version {run.contract_version}, sha256 `{run.contract_sha256}` |",
        f"| Tool | croupier {run.tool_version} |",
        f"| Judged at | {run.started_at} |",
    ]
    if s.get("script"):
        lines.append(f"| Fault script | `{s['script']}`, seed `{s.get('seed')}` |")
    lines += [
        f"| Retry thresholds | at least {s.get('min_retry_gap_ms')} ms between an answer and "
        f"its retry, at most {s.get('max_attempts_per_second')} attempts per second per "
        f"request, gaps not below {s.get('shrink_tolerance')} of the previous (with "
        f"{s.get('shrink_slack_ms')} ms of clock slack) |",
        f"| Results | {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['not_applicable']} not applicable, {counts['skipped']} skipped |",
        "",
        "## Summary",
        "",
        "| check | subject | mandatory | examined | verdict |",
        "|---|---|---|---|---|",
    ]
    for r in run.results:
        lines.append(
            f"| `{r.id}` | {r.subject} | {'yes' if r.mandatory else 'no'} | "
            f"{len(r.examined)} | {_ICON[r.verdict]} |"
        )
    by_index = {e.index: e for e in run.traffic}
    failed = [r for r in run.results if r.verdict == Verdict.FAILED]
    if failed:
        lines += ["", "## Findings"]
    for r in failed:
        lines += ["", f"### `{r.id}` — {_ICON[r.verdict]}", "", r.title, ""]
        for f in r.findings[:10]:
            lines.append(f"- {_cell(f.message)[:500]}")
        if len(r.findings) > 10:
            lines.append(f"- … {len(r.findings) - 10} more (see report.json)")
        shown = sorted({i for f in r.findings[:10] for i in f.exchanges})[:12]
        if shown:
            lines += [
                "",
                "| # | request | status | trace id | idempotency key | fault |",
                "|---|---|---|---|---|---|",
            ]
            for i in shown:
                e = by_index[i]
                fault = ", ".join(f["step"] for f in e.fault or []) or "—"
                lines.append(
                    f"| {i} | `{e.method} {_cell(e.path)}` | {e.status or 'no answer'}"
                    f"{' ' + e.error_code if e.error_code else ''} | "
                    f"`{_cell(e.trace_id or '—')}` | `{_cell(e.idempotency_key or '—')}` | "
                    f"{_cell(fault)} |"
                )
    if not run.traffic:
        lines += ["", "No traffic was recorded: nothing to certify."]
    faulted = [e for e in run.traffic if e.fault]
    if faulted:
        lines += [
            "",
            "## Scripted faults the provider met",
            "",
            "| # | request | step | answer |",
            "|---|---|---|---|",
        ]
        for e in faulted[:40]:
            steps = ", ".join(f"{f['step']} ({f['action']})" for f in e.fault)
            lines.append(
                f"| {e.index} | `{e.method} {_cell(e.path)}` | {_cell(steps)} | "
                f"{e.status or 'no answer'}{' ' + e.error_code if e.error_code else ''} |"
            )
    return "\n".join(lines) + "\n"


def _traffic_json(run: ProviderRun) -> str:
    rows = [
        {
            "id": e.recorded_id,
            "started_at": e.to_evidence()["started_at"],
            "elapsed_ms": e.elapsed_ms,
            "operation_id": e.operation_id,
            "method": e.method,
            "path": e.path,
            "signature": {"verdict": e.signature, "reason": None},
            "fault": e.fault,
            "request": {"headers": e.request_headers, "body": e.request_body},
            "response": {
                "status": e.status or 0,
                "headers": e.response_headers,
                "body": e.response_body,
            },
        }
        for e in run.traffic
    ]
    return json.dumps({"exchanges": rows}, indent=1, ensure_ascii=False) + "\n"


def write_reports(run: ProviderRun, directory: str | Path) -> dict[str, Path]:
    """Write junit.xml, report.json, report.md, traffic.json and integrity.json; return paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        "junit": ("junit.xml", render_junit(run)),
        "json": ("report.json", render_json(run)),
        "markdown": ("report.md", render_markdown(run)),
        "traffic": ("traffic.json", _traffic_json(run)),
    }
    paths: dict[str, Path] = {}
    digests: dict[str, str] = {}
    for kind, (name, text) in texts.items():
        path = out / name
        data = text.encode("utf-8")
        path.write_bytes(data)
        paths[kind] = path
        digests[name] = hashlib.sha256(data).hexdigest()
    integrity = {
        "tool_version": run.tool_version,
        "contract_sha256": run.contract_sha256,
        "verdict": "passed" if run.passed else "failed",
        "files": digests,
    }
    paths["integrity"] = out / "integrity.json"
    paths["integrity"].write_text(json.dumps(integrity, indent=2) + "\n", encoding="utf-8")
    return paths
