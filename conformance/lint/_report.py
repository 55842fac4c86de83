"""`croupier lint` reports: text, json, junit, sarif (2.1.0) and github (workflow commands).

Every finding carries its file, line and column, so editors, CI annotations and code-scanning
tools put it on the line it is about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from croupier.conformance.lint._registry import ERR, INFO, RULES, WARN, Finding

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "junit", "sarif", "github")
_SARIF_LEVEL = {ERR: "error", WARN: "warning", INFO: "note"}
_GITHUB_LEVEL = {ERR: "error", WARN: "warning", INFO: "notice"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {lvl: sum(f.level == lvl for f in findings) for lvl in (ERR, WARN, INFO)}


def _where(f: Finding) -> str:
    if not f.file:
        return "(contract)"
    return f"{f.file}:{f.line}:{f.column}" if f.line else f.file


def _text(findings: Sequence[Finding]) -> str:
    lines = [
        f"{_where(f)}: {f.level} {f.id}: {f.message}" + (f" [#{f.pointer}]" if f.pointer else "")
        for f in findings
    ]
    summary = ", ".join(f"{n} {lvl}" for lvl, n in _counts(findings).items())
    lines.append(f"croupier lint: {summary}" if findings else "croupier lint: clean")
    return "\n".join(lines)


def _json(findings: Sequence[Finding], root: Path, failed: bool) -> str:
    return json.dumps(
        {
            "root": str(root),
            "ok": not failed,
            "counts": _counts(findings),
            "findings": [f.as_dict() for f in findings],
        },
        indent=2,
    )


def _junit(findings: Sequence[Finding], failing: set[str]) -> str:
    """One testcase per rule; a failing rule's findings are its failure's text."""
    suite = ET.Element("testsuite", name="croupier lint")
    failures = 0
    for rule_id in sorted(RULES):
        case = ET.SubElement(suite, "testcase", classname="croupier.lint", name=rule_id)
        hits = [f for f in findings if f.id == rule_id]
        bad = [f for f in hits if f.level in failing]
        if bad:
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=f"{len(bad)} finding(s)", type=bad[0].level
            )
            failure.text = "\n".join(f"{_where(f)}: {f.message}" for f in bad)
        elif hits:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{_where(f)}: {f.level} {f.message}" for f in hits)
    suite.set("tests", str(len(RULES)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode")


def _sarif(findings: Sequence[Finding]) -> str:
    from croupier import __version__

    rules = sorted(RULES.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result: dict[str, object] = {
            "ruleId": f.id,
            "ruleIndex": index.get(f.id, -1),
            "level": _SARIF_LEVEL[f.level],
            "message": {"text": f.message},
        }
        if f.file:
            physical: dict[str, object] = {"artifactLocation": {"uri": f.file}}
            if f.line:
                physical["region"] = {"startLine": f.line, "startColumn": f.column}
            location: dict[str, object] = {"physicalLocation": physical}
            if f.pointer:
                location["logicalLocations"] = [{"fullyQualifiedName": f"#{f.pointer}"}]
            result["locations"] = [location]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "croupier lint",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r.id,
                                "shortDescription": {"text": r.doc},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[r.level]},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def _escape(value: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (data, and additionally `:` `,` in properties)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def _github(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        props = [f"title={_escape(f.id, prop=True)}"]
        if f.file:
            props.insert(0, f"file={_escape(f.file, prop=True)}")
            if f.line:
                props[1:1] = [f"line={f.line}", f"col={f.column}"]
        lines.append(f"::{_GITHUB_LEVEL[f.level]} {','.join(props)}::{_escape(f.message)}")
    summary = ", ".join(f"{n} {lvl}" for lvl, n in _counts(findings).items())
    lines.append(f"croupier lint: {summary}" if findings else "croupier lint: clean")
    return "\n".join(lines)


def render(findings: Sequence[Finding], fmt: str, root: Path, failing: set[str]) -> str:
    """The report in one of FORMATS; `failing` holds the levels that fail the run."""
    failed = any(f.level in failing for f in findings)
    if fmt == "json":
        return _json(findings, root, failed)
    if fmt == "junit":
        return _junit(findings, failing)
    if fmt == "sarif":
        return _sarif(findings)
    if fmt == "github":
        return _github(findings)
    return _text(findings)
