"""Semver: the bump findings require, the bump the contract declares, rules when they disagree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Finding, Says, rule, show

__all__ = [
    "BUMP_ORDER",
    "declared_bump",
    "event_version_changes",
    "http_version_changes",
    "parse_version",
    "required_bump",
]

BUMP_ORDER = {"none": 0, "patch": 1, "minor": 2, "major": 3}
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
)
_PREFIX = re.compile(r"^/v(\d+)/")


def parse_version(value: Any) -> tuple[int, int, int] | None:
    """`"1.4.2"` -> (1, 4, 2); None when the value is not a semantic version."""
    m = _SEMVER.match(str(value)) if value is not None else None
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def declared_bump(old: Any, new: Any) -> str:
    """The bump between two declared versions: major|minor|patch|none, or "invalid"/"downgrade"."""
    a, b = parse_version(old), parse_version(new)
    if a is None or b is None:
        return "invalid"
    if b < a:
        return "downgrade"
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    if b[2] > a[2]:
        return "patch"
    return "none"


def required_bump(findings: Iterable[Finding]) -> str:
    """The smallest bump covering every wire finding: major for any ERR, else the largest bump."""
    best = "none"
    for f in findings:
        if f.category != "wire":
            continue
        bump = "major" if f.level == ERR else f.bump
        if BUMP_ORDER.get(bump, 0) > BUMP_ORDER[best]:
            best = bump
    return best


def _too_small(required: str, declared: str) -> bool:
    if declared == "downgrade":
        return required != "none"
    return declared != "invalid" and BUMP_ORDER[declared] < BUMP_ORDER[required]


def _prefixes(doc: dict[str, Any]) -> set[int]:
    return {int(m[1]) for p in (doc.get("paths") or {}) if (m := _PREFIX.match(p))}


def http_version_changes(
    base: dict[str, Any], rev: dict[str, Any], findings: list[Finding]
) -> list[Change]:
    """Changes for the semver rules of the HTTP contract: declared vs required bump, path prefix."""
    old = (base.get("info") or {}).get("version")
    new = (rev.get("info") or {}).get("version")
    out: list[Change] = []
    for value, where in ((old, "base"), (new, "revision")):
        if parse_version(value) is None:
            out.append(
                Change(
                    "version-invalid",
                    "contract",
                    "version",
                    "",
                    "/info/version",
                    where,
                    value,
                    value,
                )
            )
    required = required_bump(findings)
    declared = declared_bump(old, new)
    if _too_small(required, declared):
        reasons = sorted(
            {
                f.id
                for f in findings
                if f.category == "wire" and (f.level == ERR or f.bump == required)
            }
        )
        out.append(
            Change(
                "bump-too-small",
                "contract",
                "version",
                "",
                "/info/version",
                "info.version",
                old,
                new,
                {"required": required, "declared": declared, "reasons": reasons},
            )
        )
    breaking_ops = sorted(
        {
            f.operation or "document-wide"
            for f in findings
            if f.level == ERR and f.category == "wire"
        }
    )
    if breaking_ops:
        new_major = (parse_version(new) or (0, 0, 0))[0]
        base_prefixes, rev_prefixes = _prefixes(base), _prefixes(rev)
        fresh = new_major in rev_prefixes and new_major not in base_prefixes
        kept = base_prefixes <= rev_prefixes
        if not (fresh and kept):
            out.append(
                Change(
                    "breaking-without-prefix",
                    "contract",
                    "version",
                    "",
                    "/paths",
                    f"/v{new_major}/",
                    sorted(base_prefixes),
                    sorted(rev_prefixes),
                    {"operations": breaking_ops, "fresh": fresh, "kept": kept},
                )
            )
    return out


def event_version_changes(
    name: str, pointer: str, base: dict[str, Any], rev: dict[str, Any], findings: list[Finding]
) -> list[Change]:
    """Changes for the semver rules of one event schema: x-schema-version vs the findings."""
    old, new = base.get("x-schema-version"), rev.get("x-schema-version")
    out: list[Change] = []
    if old is not None or new is not None:
        required = required_bump(findings)
        declared = declared_bump(old, new)
        if declared == "invalid" or _too_small(required, declared):
            out.append(
                Change(
                    "event-bump-too-small",
                    "event",
                    "version",
                    "",
                    pointer,
                    name,
                    old,
                    new,
                    {"required": required, "declared": declared},
                )
            )
    envelope = ((rev.get("properties") or {}).get("schema_version")) or {}
    if new is not None and isinstance(envelope, dict):
        ok = True
        if "const" in envelope:
            ok = envelope["const"] == new
        elif isinstance(envelope.get("enum"), list):
            ok = new in envelope["enum"]
        elif isinstance(envelope.get("pattern"), str):
            try:
                ok = re.search(envelope["pattern"], str(new)) is not None
            except re.error:
                ok = False
        if not ok:
            out.append(
                Change(
                    "event-version-mismatch",
                    "event",
                    "version",
                    "",
                    f"{pointer}/properties/schema_version",
                    name,
                    envelope,
                    new,
                )
            )
    return out


_POLICY = {"category": "policy"}


@rule("semver-version-invalid", WARN, "contract", on="version-invalid", **_POLICY)
def semver_version_invalid(c: Change) -> Says:
    """The contract's info.version is not a semantic version (MAJOR.MINOR.PATCH)."""
    return Says(
        f"the {c.name} info.version {show(c.base)} is not a semantic version",
        "without MAJOR.MINOR.PATCH nobody can tell from the version whether an upgrade is safe",
        "set info.version to MAJOR.MINOR.PATCH",
    )


@rule("semver-bump-too-small", ERR, "contract", on="bump-too-small", **_POLICY)
def semver_bump_too_small(c: Change) -> Says:
    """info.version moved less than the changes require (major if breaking, minor if additive)."""
    return Says(
        f"info.version went {show(c.base)} -> {show(c.revision)} ({c.extra['declared']}), but the "
        f"changes require a {c.extra['required']} bump "
        f"(because of {', '.join(c.extra['reasons'])})",
        "integrators read the version to decide whether an upgrade is safe; a too-small bump "
        "tells them a breaking or additive change is not there",
        f"bump info.version by at least a {c.extra['required']} version",
    )


@rule(
    "breaking-change-without-new-path-prefix",
    ERR,
    "contract",
    on="breaking-without-prefix",
    **_POLICY,
)
def breaking_change_without_new_path_prefix(c: Change) -> Says:
    """A breaking HTTP change was made without a new /v{major}/ path prefix beside the old one."""
    ops = c.extra["operations"]
    shown = ", ".join(ops[:5]) + (f" and {len(ops) - 5} more" if len(ops) > 5 else "")
    why = "no new prefix was added" if not c.extra["fresh"] else "the old prefix was dropped"
    return Says(
        f"breaking changes to {shown} but {why} (prefixes before {c.base}, after {c.revision})",
        "callers pinned to the old prefix break on deploy; the contract promises that breaking "
        "changes live only under a new major prefix while the old one keeps working",
        f"publish the changed operations under {c.name} and keep the old prefix until its sunset",
    )


@rule("event-schema-version-bump-too-small", ERR, "event", on="event-bump-too-small", **_POLICY)
def event_schema_version_bump_too_small(c: Change) -> Says:
    """An event schema's x-schema-version did not move by as much as its changes require."""
    return Says(
        f"event {c.name}: x-schema-version went {show(c.base)} -> {show(c.revision)} "
        f"({c.extra['declared']}), but the changes require a {c.extra['required']} bump",
        "consumers pick their decoder by schema_version; a too-small bump hides the change",
        "bump x-schema-version (and the envelope's schema_version); a breaking change is a new "
        "file schemas/events/<type>/<major+1>.json",
    )


@rule("event-schema-version-mismatch", ERR, "event", on="event-version-mismatch", **_POLICY)
def event_schema_version_mismatch(c: Change) -> Says:
    """An event schema's envelope `schema_version` does not accept its own x-schema-version."""
    return Says(
        f"event {c.name}: envelope schema_version {show(c.base)} does not accept "
        f"x-schema-version {show(c.revision)}",
        "producers stamping events with the declared version fail their own schema",
        "make properties.schema_version (const, enum or pattern) match x-schema-version",
    )


@rule("event-schema-removed", ERR, "event", on="event-removed")
def event_schema_removed(c: Change) -> Says:
    """An event schema (type and major version) was removed from the contract."""
    return Says(
        f"event schema {c.name} was removed",
        "consumers still receive (or replay) events of that type and version and can no longer "
        "validate or decode them",
        "keep the schema file; a released event schema version is never removed",
    )


@rule(
    "event-dual-write-migration",
    INFO,
    "event",
    on="event-dual-write",
    note="not in oasdiff (events); Croupier's x-dual-write pairing",
)
def event_dual_write_migration(c: Change) -> Says:
    """A new major declares x-dual-write from an old one kept beside it: a migration, no break."""
    in_place = c.extra.get("in_place") or []
    shown = "; ".join(in_place[:3]) + (
        f" and {len(in_place) - 3} more" if len(in_place) > 3 else ""
    )
    return Says(
        f"event schema {c.revision} was added beside {c.base} as a dual-write migration"
        + (
            f"; in place it would break v{c.base.rpartition('/')[2]} readers: {shown}"
            if in_place
            else "; it would even be compatible in place"
        ),
        "producers write both majors while the flag is on, so readers of the old major keep "
        "getting it and move to the new one at their pace; the old major goes only after its "
        "readers have moved",
        "switch dual-write on (PUT /sandbox/dual-write), migrate consumers, then retire the old "
        "major in a later major release",
    )


@rule("event-schema-added", INFO, "event", on="event-added")
def event_schema_added(c: Change) -> Says:
    """A new event schema (type or major version) was added."""
    return Says(
        f"event schema {c.name} was added",
        "existing consumers ignore event types they do not subscribe to",
        "bump the contract's minor version",
    )
