"""Reporters that write files: JUnit XML, JSON, the Markdown report, and the bundle's manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from croupier.conformance.certify._bundle import write_manifest
from croupier.conformance.certify._model import Assertion, CaseResult, RunResult, Verdict

__all__ = ["redact", "render_json", "render_junit", "render_markdown", "write_reports"]

_ICON = {
    Verdict.PASSED: "✅ passed",
    Verdict.FAILED: "❌ failed",
    Verdict.ERROR: "⚠️ error",
    Verdict.NOT_APPLICABLE: "➖ not applicable",
    Verdict.INCONCLUSIVE: "❔ inconclusive",
    Verdict.SKIPPED: "⏭ skipped",
}
_PHASE_TITLES = {
    "contract": "Phase 1 — the contract (Schemathesis and Croupier checks)",
    "scenarios": "Phase 2 — certification scenarios",
    "latency": "Phase 3 — latency against x-slo",
    "load": "Phase 4 — load (Locust)",
}


def render_json(run: RunResult) -> str:
    """The whole run as JSON (evidence capped per result, failing steps always kept)."""
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_junit(run: RunResult) -> str:
    """JUnit XML: one testsuite per phase, one testcase per check, scenario and budget."""
    suites = ET.Element("testsuites", name="croupier certify", time=f"{run.duration_s:.3f}")
    for phase in ("contract", "scenarios", "latency"):
        results = [r for r in run.results if r.phase == phase]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=phase,
            tests=str(len(results)),
            failures=str(sum(r.verdict == Verdict.FAILED for r in results)),
            errors=str(sum(r.verdict == Verdict.ERROR for r in results)),
            skipped=str(
                sum(
                    r.verdict in (Verdict.SKIPPED, Verdict.NOT_APPLICABLE, Verdict.INCONCLUSIVE)
                    for r in results
                )
            ),
            # the phase's wall time: its checks share one Schemathesis run, its scenarios overlap
            # their waits, so the sum of the cases' times would count the same seconds again
            time=f"{run.phase_durations_s.get(phase, sum(r.duration_s for r in results)):.3f}",
        )
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("target", run.target),
            ("contract_version", run.contract_version),
            ("contract_sha256", run.contract_sha256),
            ("seed", str(run.seed)),
            ("tool_version", run.tool_version),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"croupier.certify.{phase}",
                name=r.id,
                time=f"{r.duration_s:.3f}",
            )
            if r.verdict == Verdict.FAILED:
                message = r.findings[0].message if r.findings else "failed"
                node = ET.SubElement(case, "failure", message=message[:500], type=r.id)
                node.text = "\n\n".join(f.text() for f in r.findings)
            elif r.verdict == Verdict.ERROR:
                ET.SubElement(case, "error", message=r.reason[:500], type="error")
            elif r.verdict in (Verdict.SKIPPED, Verdict.NOT_APPLICABLE, Verdict.INCONCLUSIVE):
                ET.SubElement(case, "skipped", message=f"{r.verdict.value}: {r.reason}")
            steps, elided = r.evidence_view()
            lines = _assertion_lines(r)
            lines += [
                f"{s.step}. {s.exchange.method} {s.exchange.path} → {s.exchange.status}"
                + (f" trace={s.exchange.trace_id}" if s.exchange.trace_id else "")
                + f" {s.exchange.elapsed_ms} ms"
                + (" (failing step)" if s.failing else "")
                for s in steps
            ]
            if elided:
                lines.append(f"… {elided} more exchanges elided")
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _assertion_lines(result: CaseResult) -> list[str]:
    if not result.assertions_total:
        return []
    lines = [
        f"assertions: {result.assertions_total} made, {len(result.assertions)} shown "
        f"(✓ held, ✗ failed)"
    ]
    lines += [f"{'✓' if a.passed else '✗'} {a.line()}" for a in result.assertions]
    return [*lines, ""]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _evidence_table(result: CaseResult, limit: int = 12) -> list[str]:
    if not result.evidence:
        return []
    lines = [
        "",
        "| # | request | status | trace id | ms |",
        "|---|---|---|---|---|",
    ]
    steps, elided = result.evidence_view(rows=limit)
    for s in steps:
        e = s.exchange
        replayed = (
            " (replayed)"
            if e.response_headers.get("idempotent-replayed")
            or e.response_headers.get("Idempotent-Replayed")
            else ""
        )
        failing = " **(failing step)**" if s.failing else ""
        lines.append(
            f"| {s.step} | `{_cell(e.method)} {_cell(e.path)}` | {e.status}{replayed}{failing} | "
            f"{f'`{_cell(e.trace_id)}`' if e.trace_id else '—'} | {e.elapsed_ms} |"
        )
    if elided:
        lines.append(f"| … | {elided} more exchanges (see report.json) | | | |")
    return lines


def _assertion_table(result: CaseResult, limit: int = 15) -> list[str]:
    if not result.assertions_total:
        return []
    shown: list[tuple[int, Assertion]] = [
        (i, a) for i, a in enumerate(result.assertions, 1) if i <= limit or not a.passed
    ]
    lines = [
        "",
        f"Assertions: {result.assertions_total} made; expected against actual (balance deltas "
        f"in minor units):",
        "",
        "| # | asserted | expected | actual | held |",
        "|---|---|---|---|---|",
    ]
    for index, a in shown:
        lines.append(
            f"| {index} | {_cell(a.what)[:160]} | {_cell(a.expected) or '—'} | "
            f"{_cell(a.actual) or '—'} | {'✅' if a.passed else '❌ **no**'} |"
        )
    rest = result.assertions_total - len(shown)
    if rest > 0:
        lines.append(
            f"| … | {rest} more (plain conditions are counted only; see report.json) | | | |"
        )
    return lines


def _security_section(run: RunResult) -> list[str]:
    rows = run.security.get("mechanisms") if run.security else None
    if not rows:
        return []
    exercised = sum(bool(r["exercised"]) for r in rows)
    lines = [
        "",
        "## Security summary",
        "",
        f"What the run's requests presented and how the target answered, read off every request "
        f"(each signature checked again here with the run's key `{run.security['key_id']}`, "
        f"signing with {run.security['signing_algorithm']}). {exercised} of {len(rows)} "
        f"mechanisms were exercised; a **bold** figure is an answer that breaks a rule.",
        "",
        "| mechanism | exercised | how |",
        "|---|---|---|",
    ]
    for r in rows:
        mark = "⚠️ problem" if r["problem"] else ("yes" if r["exercised"] else "**no**")
        lines.append(f"| {_cell(r['title'])} | {mark} | {_cell(r['how'])} |")
    return lines


def _coverage_section(run: RunResult) -> list[str]:
    cov = run.coverage
    if not cov or not cov.get("operations"):
        return []
    t = cov.get("totals", {})
    lines = [
        "",
        "## Coverage of the contract",
        "",
        f"Every answer of the run (Schemathesis's and the scenarios') by operation, status and "
        f"error code, against what spec/openapi.yaml declares: "
        f"{t.get('statuses_seen', 0)} of {t.get('statuses_declared', 0)} declared statuses and "
        f"{t.get('codes_seen', 0)} of {t.get('codes_declared', 0)} declared (status, error code) "
        f"pairs were seen; {len(cov.get('seen_undeclared', []))} answers were not declared. "
        f"*never seen* marks what the run did not prove; **undeclared** an answer the contract "
        f"does not allow.",
        "",
        "| operation | status | seen | error codes |",
        "|---|---|---|---|",
    ]
    for op in cov["operations"]:
        for row in op["statuses"]:
            status = row["status"] if row["declared"] else f"**{row['status']} undeclared**"
            seen = str(row["seen"]) if row["seen"] else "*never seen*"
            codes = []
            for c in row["codes"]:
                if not c["declared"]:
                    codes.append(f"**{c['code']} undeclared ×{c['seen']}**")
                elif c["seen"]:
                    codes.append(f"{c['code']} ×{c['seen']}")
                else:
                    codes.append(f"*{c['code']} never seen*")
            lines.append(f"| `{op['operation']}` | {status} | {seen} | {', '.join(codes) or '—'} |")
    if cov.get("seen_undeclared"):
        lines += ["", "Seen but not declared:", ""]
        lines += [f"- **{_cell(item)}**" for item in cov["seen_undeclared"]]
    if cov.get("undefined_methods"):
        answers = ", ".join(f"{k} ×{n}" for k, n in sorted(cov["undefined_methods"].items()))
        lines += [
            "",
            f"Methods the contract does not define on a path (Schemathesis's "
            f"`unsupported_method`) were answered: {answers}.",
        ]
    if cov.get("unmatched_requests"):
        lines += ["", "Requests to paths no operation declares:", ""]
        lines += [f"- `{k}` ×{n}" for k, n in cov["unmatched_requests"].items()]
    return lines


def _schemathesis_summary(run: RunResult, results: list[CaseResult]) -> list[str]:
    data = next((r.data for r in results if "schemathesis_phases" in r.data), None)
    if data is None:
        return []
    lines = [
        "",
        f"Schemathesis with seed `{run.seed}`: {data.get('requests', 0)} requests over "
        f"{data.get('operations', 0)} operations. The same seed generates the same cases; "
        f"each phase's fingerprint (sha256 of the generated requests) shows it.",
        "",
        "| Schemathesis phase | status | requests | fingerprint |",
        "|---|---|---|---|",
    ]
    for name, facts in data["schemathesis_phases"].items():
        lines.append(
            f"| {name} | {facts.get('status')} | {facts.get('requests')} | "
            f"`{facts.get('fingerprint') or '-'}` |"
        )
    if data.get("operations_missing"):
        lines += ["", f"Never exercised: {', '.join(data['operations_missing'])}."]
    for error in data.get("engine_errors", []):
        lines += ["", f"Engine error: {_cell(error)[:300]}"]
    return lines


def render_markdown(run: RunResult) -> str:
    """The human certification report."""
    verdict = "PASSED" if run.passed else "FAILED"
    counts = run.counts()
    lines = [
        f"# Croupier certification report — {verdict}",
        "",
        "| Field | Value |",
        "|---|---|",
        f"| Target | `{run.target}` |",
        f"| Contract | version {run.contract_version}, sha256 `{run.contract_sha256}` |",
        f"| Tool | croupier {run.tool_version} |",
        f"| Date | {run.started_at} → {run.finished_at} ({run.duration_s:.1f} s) |",
        f"| Seeds | `{run.seed}` seeds Schemathesis (every phase), Hypothesis "
        f"(money-conservation) and each scenario's random choices — replay with "
        f"`croupier certify --seed {run.seed} …` |",
        f"| Settings | max examples {run.settings.get('max_examples')}, phases "
        f"{', '.join(run.settings.get('phases', []))}, latency samples "
        f"{run.settings.get('latency_samples')} |",
        f"| Credentials | key `{run.settings.get('key_id')}`, brand `{run.settings.get('brand')}`, "
        f"region `{run.settings.get('region')}`, provider `{run.settings.get('provider')}` |",
        f"| Sandbox control surface | {'yes' if run.sandbox_surface else 'no'} |",
        f"| Results | {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['error']} errors, "
        f"{counts['not_applicable']} not applicable, {counts['inconclusive']} inconclusive, "
        f"{counts['skipped']} skipped |",
        "",
        "## Summary",
        "",
        "| id | phase | mandatory | verdict |",
        "|---|---|---|---|",
    ]
    for r in run.results:
        lines.append(
            f"| `{r.id}` | {r.phase} | {'yes' if r.mandatory else 'no'} | {_ICON[r.verdict]} |"
        )
    latency = [r for r in run.results if r.phase == "latency" and r.data.get("samples")]
    if latency:
        lines += [
            "",
            "## Latency against x-slo",
            "",
            "| operation | samples | p50 ms | p95 ms (budget) | p99 ms (budget) | errors | "
            "verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in latency:
            d = r.data

            def ci(name: str, d: dict[str, Any] = d) -> str:
                return _interval(d, name)

            lines.append(
                f"| `{d['operation']}` | {d['samples']} × {len(d.get('rounds', [])) or 1} | "
                f"{ci('p50')} | {ci('p95')} ({d['budget_p95_ms']}) | {ci('p99')} "
                f"({d['budget_p99_ms']}) | {d.get('error_rate', 0):.1%} | {_ICON[r.verdict]} |"
            )
        load = next((r.data["load"] for r in latency if r.data.get("load")), None)
        if load:
            lines += [
                "",
                f"Percentiles with their 95 % intervals (order statistics). Machine during the "
                f"last round: {'**loaded**' if load['loaded'] else 'not loaded'} (probe "
                f"overshoot p90 {load['probe_overshoot_p90_ms']} ms, `/health` p50 "
                f"{load['reference_p50_ms']} ms, load average {load['loadavg_1m']} on "
                f"{load['cpus']} CPUs). A budget fails only when an interval's lower bound is "
                f"over it in two rounds of three; a miss the load explains is inconclusive.",
            ]
    lines += _load_table(run)
    not_applicable = [r for r in run.results if r.verdict == Verdict.NOT_APPLICABLE]
    if not_applicable:
        lines += ["", "## Not applicable", ""]
        lines += [f"- `{r.id}` — {r.reason}" for r in not_applicable]
    used = [r for r in run.results if r.phase == "scenarios" and r.data.get("uses")]
    if used:
        lines += [
            "",
            "## Test accounts and controls used",
            "",
            "| scenario | fixture roles, controls and waits it used |",
            "|---|---|",
        ]
        lines += [f"| `{r.id}` | {_cell('; '.join(r.data['uses']))} |" for r in used]
    lines += _security_section(run)
    lines += _coverage_section(run)
    for phase, title in _PHASE_TITLES.items():
        results = [r for r in run.results if r.phase == phase and r.verdict != Verdict.SKIPPED]
        if not results:
            continue
        lines += ["", f"## {title}"]
        if phase == "contract":
            lines += _schemathesis_summary(run, results)
        for r in results:
            lines += ["", f"### `{r.id}` — {_ICON[r.verdict]}", "", r.title]
            if r.reason:
                lines += ["", f"Reason: {r.reason}"]
            if r.phase == "contract" and r.data:
                d = r.data
                lines += [
                    "",
                    f"Responses checked: {d.get('responses_checked', 0)} in the contract phase, "
                    f"{d.get('scenario_responses_checked', 0)} in scenarios and latency.",
                ]
            for f in r.findings[:10]:
                where = f" on `{f.operation}`" if f.operation else ""
                trace = f" (trace `{f.trace_id}`)" if f.trace_id else ""
                lines += ["", f"- **{f.check}**{where}{trace}: {_cell(f.message)[:600]}"]
                if f.expected is not None or f.actual is not None:
                    lines += [
                        f"  expected: {_cell(f.expected or '—')[:300]}; "
                        f"actual: {_cell(f.actual or '—')[:300]}"
                    ]
                if f.reproduce and f.reproduce.startswith("curl"):
                    lines += ["", "  ```", "  " + f.reproduce.replace("\n", "\n  "), "  ```"]
            for note in r.data.get("notes", []):
                lines += ["", f"Note: {note}"]
            lines += _assertion_table(r)
            lines += _evidence_table(r)
    return "\n".join(lines) + "\n"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every secret value replaced by `***` (longest first)."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def write_reports(
    run: RunResult,
    directory: str | Path,
    secrets: tuple[str, ...] = (),
    signing_key: Any = None,
) -> dict[str, Path]:
    """Write junit.xml, report.json, report.md and manifest.json into `directory`.

    The profile's secrets never reach a report: any that an answer echoed is replaced. The
    manifest holds the sha256 of each file and of the contract; with `signing_key` (an Ed25519
    private key object, see `load_signing_key`) it is signed into manifest.sig. Returns every
    path written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "junit": out / "junit.xml",
        "json": out / "report.json",
        "markdown": out / "report.md",
    }
    paths["junit"].write_text(redact(render_junit(run), secrets), encoding="utf-8")
    paths["json"].write_text(redact(render_json(run), secrets), encoding="utf-8")
    paths["markdown"].write_text(redact(render_markdown(run), secrets), encoding="utf-8")
    paths.update(write_manifest(out, run, list(paths.values()), signing_key))
    return paths


def _load_table(run: RunResult) -> list[str]:
    """The load phase's Locust figures: per operation, then the retry-storm count."""
    ops = [r for r in run.results if r.phase == "load" and r.data.get("requests")]
    if not ops:
        return []
    first = ops[0].data
    lines = [
        "",
        "## Load (Locust)",
        "",
        f"{first['users']} users for {first['duration_s']:g} s, "
        + (f"{first['workers']} Locust workers" if first["workers"] else "one Locust process")
        + (
            f", target {first['target_rate_per_s']:g} rounds/s"
            if first["target_rate_per_s"]
            else ""
        )
        + f"; {first['rounds_per_s']} rounds/s reached. Machine "
        + ("**saturated**" if first["generator_loaded"] else "not saturated")
        + f" (load average up to {first['loadavg_1m_peak']} on {first['cpus']} CPUs).",
        "",
        "| operation | requests | req/s | p50 ms | p95 ms (budget) | p99 ms (budget) | errors | "
        "verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ops:
        d = r.data

        def ci(name: str, d: dict[str, Any] = d) -> str:
            return _interval(d, name)

        lines.append(
            f"| `{d['operation']}` | {d['requests']} | {d['rps']} | {ci('p50')} | {ci('p95')} "
            f"({d['budget_p95_ms']}) | {ci('p99')} ({d['budget_p99_ms']}) | "
            f"{d['error_rate']:.1%} | {_ICON[r.verdict]} |"
        )
    storm = next((r for r in run.results if r.id == "load-retry-storm" and r.data), None)
    if storm is not None and "sends" in storm.data:
        d = storm.data
        lines += [
            "",
            f"Idempotency keys: {d['sends']} sends, {d['repeated_keys']} repeats (retries of a "
            f"retryable answer), at most {d['max_repeated_keys_per_s']} in one second; "
            f"{d['storm_seconds']} storm seconds ({d['storm_rule']}).",
        ]
    return lines


def _interval(d: dict[str, Any], name: str) -> str:
    """`estimate [low–high]` of a percentile and its 95 % interval (ms)."""
    low, high = d.get(f"{name}_ci_ms") or ("?", "?")
    return f"{d[f'{name}_ms']} [{low}–{high}]"
