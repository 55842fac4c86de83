"""Avro schema compatibility, decided by the `avro` library's ReaderWriterCompatibilityChecker.

Backward: the new schema reads data written with the old one. Forward: the old schema reads
data written with the new one. Full: both. The transitive modes check every earlier version.
"""

from __future__ import annotations

import json
from typing import Any

from croupier.conformance.compat._registry import ERR, Finding

__all__ = ["AvroError", "compare_avro"]

_WHY = {
    "reader_field_missing_default_value": (
        "the reader has a field the writer's data lacks, and no default to fill it with"
    ),
    "type_mismatch": "the reader's type cannot be promoted from the writer's type",
    "missing_enum_symbols": "the writer may write enum symbols the reader does not know",
    "missing_union_branch": "the writer may write a union branch the reader has no match for",
    "name_mismatch": "the named types (record, enum, fixed) have different names and no alias",
    "fixed_size_mismatch": "the fixed types have different sizes",
}


class AvroError(ValueError):
    """An Avro schema could not be parsed."""


def _parse(schema: Any) -> Any:
    import avro.errors
    import avro.schema

    try:
        return avro.schema.parse(json.dumps(schema))
    except (avro.errors.AvroException, json.JSONDecodeError, TypeError, ValueError) as exc:
        raise AvroError(f"not a valid Avro schema: {exc}") from None


def compare_avro(
    name: str, base: Any, rev: Any, *, mode: str = "backward", earlier: list[Any] | None = None
) -> list[Finding]:
    """Findings for an Avro schema evolving from `base` to `rev` in one of the six modes."""
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

    checker = ReaderWriterCompatibilityChecker()
    new = _parse(rev)
    previous = [*(earlier or []), base] if mode.endswith("-transitive") else [base]
    findings: list[Finding] = []
    for i, old_raw in enumerate(previous):
        old = _parse(old_raw)
        label = "" if old_raw is base else f", against earlier version {i + 1}"
        pairs = []
        if mode.startswith(("backward", "full")):
            pairs.append(("backward", new, old, "the new schema reading data written with the old"))
        if mode.startswith(("forward", "full")):
            pairs.append(("forward", old, new, "the old schema reading data written with the new"))
        for direction, reader, writer, words in pairs:
            result = checker.get_compatibility(reader, writer)
            if result.compatibility is SchemaCompatibilityType.compatible:
                continue
            locations = sorted(result.locations) or ["/"]
            for kind in result.incompatibilities:
                findings.append(
                    Finding(
                        id="avro-" + kind.value.replace("_", "-"),
                        level=ERR,
                        message=(
                            f"avro {name}: {kind.value} ({direction}{label}): "
                            f"{'; '.join(sorted(map(str, result.messages)))}"
                        ),
                        location=locations[0],
                        explanation=f"{_WHY.get(kind.value, kind.value)}; checked as {words}",
                        advice="give new fields a default, keep enum symbols and union branches, "
                        "or publish the change as a new major version",
                        side="event",
                        bump="major",
                    )
                )
    return findings
