"""Render a verdict: text, json, markdown (a changelog section), junit, github, sarif."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

from croupier.conformance.compat._compare import CompatResult
from croupier.conformance.compat._positions import locate
from croupier.conformance.compat._registry import ERR, INFO, RULES, WARN, Finding

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "markdown", "junit", "github", "sarif")
_RANK = {ERR: 3, WARN: 2, INFO: 1}
_DEPRECATIONS = frozenset(
    {
        "endpoint-deprecated",
        "api-removed-with-deprecation",
        "api-path-removed-with-deprecation",
        "request-parameter-deprecated",
        "request-parameter-removed-with-deprecation",
        "request-property-deprecated",
        "response-property-deprecated",
    }
)


def _verdict(r: CompatResult) -> str:
    state = "BREAKING" if r.breaking else "compatible"
    return (
        f"{state}: {r.base_label} -> {r.revision_label}; required bump {r.required_bump}, "
        f"declared bump {r.declared_bump}"
    )


def _policy_verdict(r: CompatResult) -> str:
    state = "violated" if r.policy_violated else "kept"
    gate = "checked (--check-policy)" if r.check_policy else "reported only"
    return f"release policy {state}: {len(r.release_policy)} findings, {gate}"


def _counts(findings: list[Finding]) -> str:
    return ", ".join(f"{sum(f.level == lvl for f in findings)} {lvl}" for lvl in (ERR, WARN, INFO))


def _text_block(f: Finding) -> list[str]:
    where = f"{f.operation}  " if f.operation else ""
    lines = [f"{f.level:<4} {f.id}  {where}{f.location}", f"     {f.message}"]
    lines.append(f"     why: {f.explanation}")
    if f.advice:
        lines.append(f"     instead: {f.advice}")
    return lines


def _text(r: CompatResult) -> str:
    lines = [_verdict(r)]
    for f in r.wire:
        lines += _text_block(f)
    lines.append(f"{len(r.wire)} findings ({_counts(r.wire)})")
    if r.release_policy or r.check_policy:
        lines += ["", f"Release policy ({r.base_version or '?'} -> {r.revision_version or '?'})"]
        for f in r.release_policy:
            lines += _text_block(f)
        lines.append(_policy_verdict(r))
    return "\n".join(lines)


def _md_item(f: Finding) -> str:
    message = f.message
    if f.operation and message.startswith(f"{f.operation}: "):
        message = message[len(f.operation) + 2 :]  # the operation leads the item already
    where = f"`{f.operation}`: " if f.operation else ""
    return f"- {where}{message} (`{f.id}`) — {f.explanation}"


def _markdown(r: CompatResult) -> str:
    version = r.revision_version or r.revision_label
    out = [f"## {version} — {dt.date.today().isoformat()}", ""]
    groups: dict[str, list[Finding]] = {
        "Breaking": [],
        "Additive": [],
        "Deprecations": [],
        "Documentation": [],
    }
    for f in r.wire:
        if f.id in _DEPRECATIONS:
            groups["Deprecations"].append(f)
        elif f.level in (ERR, WARN):
            groups["Breaking"].append(f)
        elif f.bump == "patch":
            groups["Documentation"].append(f)
        else:
            groups["Additive"].append(f)
    for title, items in groups.items():
        if not items and title == "Documentation":
            continue
        out.append(f"### {title}")
        out.append("")
        out.extend(_md_item(f) + (" *(may break)*" if f.level == WARN else "") for f in items)
        if not items:
            out.append("- none")
        out.append("")
    if r.release_policy:
        out += ["### Release policy", ""]
        out.extend(_md_item(f) for f in r.release_policy)
        out.append("")
    out.append(f"Required bump: **{r.required_bump}**; declared: **{r.declared_bump}**.")
    return "\n".join(out)


def _junit(r: CompatResult, fail_on: str) -> str:
    suite = ET.Element("testsuite", name="croupier-compat")
    by_rule: dict[str, list[Finding]] = {}
    for f in r.findings:
        by_rule.setdefault(f.id, []).append(f)
    cases = 0
    failures = 0
    # One testcase per rule checked, then one per finding that no registered rule produced.
    names = list(r.checked_rules) + sorted(k for k in by_rule if k not in RULES)
    for rule_id in names:
        side = RULES[rule_id].side if rule_id in RULES else "event"
        found: list[Finding | None] = list(by_rule.get(rule_id, []))
        for item in found or [None]:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"compat.{side}",
                name=rule_id if item is None else f"{rule_id} {item.operation or item.location}",
            )
            cases += 1
            if item is None:
                continue
            f = item
            if f.category == "policy":
                failed = r.check_policy and f.level == ERR
            else:
                failed = _RANK[f.level] >= _RANK[fail_on]
            if failed:
                failures += 1
                fail = ET.SubElement(case, "failure", message=f.message, type=f.level)
                fail.text = f"{f.location}\nwhy: {f.explanation}\ninstead: {f.advice}"
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{f.level}: {f.message}"
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _source(r: CompatResult, f: Finding) -> tuple[str, tuple[int, int] | None]:
    """The file a finding points into and its (line, column) there, when it can be found."""
    file, pointer = r.revision_file, f.location
    if "#" in f.location:  # event schemas: "schemas/events/x/1.json#/properties/a"
        file, pointer = f.location.split("#", 1)
    if not file:
        return r.revision_label, None
    found = locate(file, pointer)
    return file, (found[0] if found else None)


def _level_for(r: CompatResult, f: Finding, kinds: dict[str, str]) -> str:
    kind = kinds[f.level]
    if f.category == "policy" and not r.check_policy and f.level == ERR:
        kind = kinds[WARN]  # release policy fails the build only under --check-policy
    return kind


def _github(r: CompatResult) -> str:
    kinds = {ERR: "error", WARN: "warning", INFO: "notice"}
    lines = []
    for f in r.wire + r.release_policy:
        src, pos = _source(r, f)
        file = _gh_escape(src, prop=True)
        if pos is not None:
            file += f",line={pos[0]},col={pos[1]}"
        title = _gh_escape(f.id, prop=True)
        kind = _level_for(r, f, kinds)
        where = f"{f.operation}: " if f.operation and f.operation not in f.message else ""
        body = _gh_escape(f"{where}{f.message} — {f.explanation}. Instead: {f.advice}")
        lines.append(f"::{kind} file={file},title={title}::{body}")
    lines.append(_verdict(r))
    if r.release_policy or r.check_policy:
        lines.append(_policy_verdict(r))
    return "\n".join(lines)


def _sarif(r: CompatResult) -> str:
    kinds = {ERR: "error", WARN: "warning", INFO: "note"}
    used = sorted({f.id for f in r.findings})
    rules = []
    for rule_id in used:
        entry = RULES.get(rule_id)
        rule = {"id": rule_id, "shortDescription": {"text": entry.doc if entry else rule_id}}
        if entry is not None:
            rule["defaultConfiguration"] = {"level": kinds[entry.level]}
            rule["properties"] = {"category": entry.category, "side": entry.side}
        rules.append(rule)
    results = []
    for f in r.wire + r.release_policy:
        src, pos = _source(r, f)
        physical: dict[str, object] = {"artifactLocation": {"uri": src}}
        if pos is not None:
            physical["region"] = {"startLine": pos[0], "startColumn": pos[1]}
        results.append(
            {
                "ruleId": f.id,
                "ruleIndex": used.index(f.id),
                "level": _level_for(r, f, kinds),
                "message": {"text": f"{f.message} — {f.explanation}. Instead: {f.advice}"},
                "locations": [
                    {
                        "physicalLocation": physical,
                        "logicalLocations": [{"fullyQualifiedName": f.location}],
                    }
                ],
                "properties": {
                    "category": f.category,
                    "operation": f.operation,
                    "bump": f.bump,
                },
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "croupier-compat", "rules": rules}},
                "results": results,
                "properties": {
                    "breaking": r.breaking,
                    "required_bump": r.required_bump,
                    "declared_bump": r.declared_bump,
                    "release_policy_violated": r.policy_violated,
                },
            }
        ],
    }
    return json.dumps(log, indent=2, default=str, ensure_ascii=False)


def render(result: CompatResult, fmt: str, fail_on: str = ERR) -> str:
    """The verdict in one of FORMATS."""
    if fmt == "json":
        return json.dumps(result.as_dict(), indent=2, default=str)
    if fmt == "markdown":
        return _markdown(result)
    if fmt == "junit":
        return _junit(result, fail_on)
    if fmt == "github":
        return _github(result)
    if fmt == "sarif":
        return _sarif(result)
    return _text(result)
