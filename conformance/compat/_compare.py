"""One verdict across the HTTP contract and the event schemas: run every check, sum up the bump."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from croupier.conformance.compat._avro import AvroError, compare_avro
from croupier.conformance.compat._jsonschema import POLICIES, compare_jsonschema
from croupier.conformance.compat._loader import CompatError, Loaded
from croupier.conformance.compat._openapi import diff_openapi, explain
from croupier.conformance.compat._registry import ERR, INFO, LEVELS, WARN, Change, Finding
from croupier.conformance.compat._semver import (
    declared_bump,
    event_version_changes,
    http_version_changes,
    required_bump,
)

__all__ = ["MODES", "CompatResult", "compare_loaded"]

MODES = (
    "backward",
    "forward",
    "full",
    "backward-transitive",
    "forward-transitive",
    "full-transitive",
)
_RANK = {ERR: 3, WARN: 2, INFO: 1}


@dataclass
class CompatResult:
    """The verdict: findings, the bump they require and the bump the contract declares."""

    findings: list[Finding]
    required_bump: str
    declared_bump: str
    base_label: str
    revision_label: str
    base_version: str = ""
    revision_version: str = ""
    revision_file: str = ""
    mode: str = "backward"
    policy: str = "croupier"
    checked_rules: list[str] = field(default_factory=list)
    check_policy: bool = False

    @property
    def wire(self) -> list[Finding]:
        """The findings about the wire: what callers and readers of the base meet."""
        return [f for f in self.findings if f.category == "wire"]

    @property
    def release_policy(self) -> list[Finding]:
        """The findings about release policy: semver, /v{major}/ prefixes, sunsets, stability."""
        return [f for f in self.findings if f.category == "policy"]

    @property
    def breaking(self) -> bool:
        """Whether any wire finding is an ERR (release policy never makes a change breaking)."""
        return any(f.level == ERR for f in self.wire)

    @property
    def policy_violated(self) -> bool:
        """Whether any release-policy finding is an ERR."""
        return any(f.level == ERR for f in self.release_policy)

    def reaches(self, fail_on: str) -> bool:
        """Whether any wire finding is at `fail_on` or above."""
        return any(_RANK[f.level] >= _RANK[fail_on] for f in self.wire)

    def fails(self, fail_on: str) -> bool:
        """The exit verdict: the wire reaches `fail_on`, or policy is checked and violated."""
        return self.reaches(fail_on) or (self.check_policy and self.policy_violated)

    def as_dict(self) -> dict[str, Any]:
        """The `--format json` shape: wire findings, and release policy in its own object."""
        wire, pol = self.wire, self.release_policy
        return {
            "breaking": self.breaking,
            "required_bump": self.required_bump,
            "declared_bump": self.declared_bump,
            "base": self.base_label,
            "revision": self.revision_label,
            "mode": self.mode,
            "policy": self.policy,
            "counts": {lvl: sum(f.level == lvl for f in wire) for lvl in LEVELS},
            "findings": [f.as_dict() for f in wire],
            "release_policy": {
                "checked": self.check_policy,
                "violated": self.policy_violated,
                "base_version": self.base_version,
                "revision_version": self.revision_version,
                "counts": {lvl: sum(f.level == lvl for f in pol) for lvl in LEVELS},
                "findings": [f.as_dict() for f in pol],
            },
        }


def _relevel(findings: list[Finding], levels: dict[str, str]) -> list[Finding]:
    out = []
    for f in findings:
        lvl = levels.get(f.id)
        if lvl and lvl != f.level:
            bump = "major" if lvl == ERR else ("minor" if f.bump == "major" else f.bump)
            f = dataclasses.replace(f, level=lvl, bump=bump)
        out.append(f)
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.id, f.location, f.operation, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _pair_singles(items: list[Loaded], attr: str) -> None:
    """Single files are compared whatever their names: give them the revision's name."""
    maps = [getattr(x, attr) for x in items]
    if all(x.kind != "contract" for x in items) and all(len(m) == 1 for m in maps if m):
        name = next(iter(maps[-1]), None)
        for m in maps:
            if m and name is not None:
                (value,) = m.values()
                m.clear()
                m[name] = value


def compare_loaded(
    loaded: list[Loaded],
    *,
    mode: str = "backward",
    policy: str = "croupier",
    levels: dict[str, str] | None = None,
    today: dt.date | None = None,
    check_policy: bool = False,
    usage: dict[str, Any] | None = None,
) -> CompatResult:
    """Compare the revision (last) with the base (before it) and, transitively, the earlier ones.

    `usage` is a usage export (`GET /sandbox/usage`): removing an operation it shows in use is
    a release-policy ERR.
    """
    if len(loaded) < 2:
        raise CompatError("give at least BASE and REVISION")
    if mode not in MODES:
        raise CompatError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    if policy not in POLICIES:
        raise CompatError(f"--policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    levels = levels or {}
    for key, value in levels.items():
        if value not in LEVELS:
            raise CompatError(f"levels file: {key}: level must be one of {', '.join(LEVELS)}")
    _pair_singles(loaded, "events")
    _pair_singles(loaded, "avro")
    *earlier, base, rev = loaded
    transitive = mode.endswith("-transitive")
    findings: list[Finding] = []
    compared = False

    if base.openapi is not None and rev.openapi is not None:
        compared = True
        changes = diff_openapi(base.openapi, rev.openapi, today)
        if usage is not None:
            _attach_usage(changes, usage)
        http = list(explain(changes, levels))
        if transitive:
            for old in earlier:
                if old.openapi is not None:
                    http += explain(diff_openapi(old.openapi, rev.openapi, today), levels)
        http = _dedupe(http)
        http += explain(http_version_changes(base.openapi, rev.openapi, http), levels)
        findings += http

    if base.events and rev.events:
        compared = True
        findings += _events(base, rev, earlier if transitive else [], mode, policy, levels)
    if base.avro and rev.avro:
        compared = True
        for name in sorted(set(base.avro) | set(rev.avro)):
            if name in base.avro and name in rev.avro:
                older = [e.avro[name][1] for e in earlier if name in e.avro] if transitive else []
                try:
                    findings += _relevel(
                        compare_avro(
                            name, base.avro[name][1], rev.avro[name][1], mode=mode, earlier=older
                        ),
                        levels,
                    )
                except AvroError as exc:
                    raise CompatError(f"{name}: {exc}") from None

    if not compared:
        raise CompatError(
            f"nothing to compare: {base.label} is {base.kind} and {rev.label} is {rev.kind}"
        )
    findings = _dedupe(findings)
    findings.sort(key=lambda f: (-_RANK[f.level], f.operation, f.id, f.location))
    bv = str(((base.openapi or {}).get("info") or {}).get("version", ""))
    rv = str(((rev.openapi or {}).get("info") or {}).get("version", ""))
    if base.openapi is not None and rev.openapi is not None:
        declared = declared_bump(bv, rv)
    elif len(base.events) == 1 and len(rev.events) == 1:
        (_, bs), (_, rs) = next(iter(base.events.values())), next(iter(rev.events.values()))
        bv, rv = str(_get(bs, "x-schema-version")), str(_get(rs, "x-schema-version"))
        declared = declared_bump(bv, rv) if bv != "None" else "none"
    else:
        declared = "none"
    from croupier.conformance.compat._registry import RULES

    return CompatResult(
        findings=findings,
        required_bump=required_bump(findings),
        declared_bump=declared,
        base_label=base.label,
        revision_label=rev.label,
        base_version=bv,
        revision_version=rv,
        revision_file=rev.openapi_file or next(iter(rev.events.values()), ("", None))[0],
        mode=mode,
        policy=policy,
        checked_rules=sorted(RULES),
        check_policy=check_policy,
    )


def usage_by_operation(usage: Any) -> dict[str, dict[str, Any]]:
    """A usage export read as "METHOD /path" -> its entry; CompatError when malformed."""
    ops = usage.get("operations") if isinstance(usage, dict) else None
    if not isinstance(ops, list):
        raise CompatError("the usage export needs an `operations` list (GET /sandbox/usage)")
    out = {}
    for i, entry in enumerate(ops):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("method"), str)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("calls"), int)
            and not isinstance(entry.get("calls"), bool)
        ):
            raise CompatError(
                f"usage export: operations[{i}] needs method, path and an integer calls"
            )
        out[f"{entry['method'].upper()} {entry['path']}"] = entry
    return out


def _attach_usage(changes: list[Change], usage: dict[str, Any]) -> None:
    found = usage_by_operation(usage)
    for change in changes:
        if change.kind in ("operation-removed", "path-removed") and change.operation in found:
            change.extra["usage"] = found[change.operation]


def _dual_write_source(name: str, schema: Any, base: Loaded, rev: Loaded) -> str | None:
    """The old major a new event schema migrates from (x-dual-write), when both keep it."""
    decl = _get(schema, "x-dual-write")
    event_type, _, major = name.rpartition("/")
    source = decl.get("from_major") if isinstance(decl, dict) else None
    if not event_type or not isinstance(source, int) or str(source) == major:
        return None
    old = f"{event_type}/{source}"
    return old if old in base.events and old in rev.events else None


def _get(schema: Any, key: str) -> Any:
    return schema.get(key) if isinstance(schema, dict) else None


def _events(
    base: Loaded, rev: Loaded, earlier: list[Loaded], mode: str, policy: str, levels: dict[str, str]
) -> list[Finding]:
    out: list[Finding] = []
    lookup = {**base.lookup, **rev.lookup}
    for name in sorted(set(base.events) | set(rev.events)):
        if name not in rev.events:
            file, _ = base.events[name]
            out += explain([Change("event-removed", "event", "event", "", file, name)], levels)
            continue
        file, new = rev.events[name]
        if name not in base.events:
            pair = _dual_write_source(name, new, base, rev)
            if pair is not None:
                old_file, old = base.events[pair]
                # Judged as if v1 became v2 in place: what a v1 reader would meet without
                # the migration. Beside v1, none of it breaks anybody.
                in_place = compare_jsonschema(
                    pair, file + "#", old, new, mode=mode, policy=policy, lookup=lookup
                )
                change = Change(
                    "event-dual-write",
                    "event",
                    "event",
                    "",
                    file,
                    name,
                    pair,
                    name,
                    {"in_place": [f.message for f in in_place if f.level == ERR]},
                )
                out += explain([change], levels)
                continue
            out += explain([Change("event-added", "event", "event", "", file, name)], levels)
            continue
        _, old = base.events[name]
        older = [e.events[name][1] for e in earlier if name in e.events]
        found = _relevel(
            compare_jsonschema(
                name, file + "#", old, new, mode=mode, policy=policy, lookup=lookup, earlier=older
            ),
            levels,
        )
        out += found
        if isinstance(old, dict) and isinstance(new, dict):
            out += explain(event_version_changes(name, file + "#", old, new, found), levels)
    return out
