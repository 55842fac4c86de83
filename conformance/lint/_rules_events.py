"""Event schemas: id and version match the file, at least two examples, each valid."""

from __future__ import annotations

import re
from collections.abc import Iterator

from croupier._contract import SCHEMA_BASE_URI
from croupier.conformance.lint._context import LintContext, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@rule("event-schema-id", ERR)
def event_schema_id(ctx: LintContext) -> Iterator[Hit]:
    """Every event schema's `$id` is https://croupier.dev/schemas/ plus its path under schemas/."""
    for ev in ctx.contract.events:
        expected = SCHEMA_BASE_URI + ev.path.relative_to(ctx.contract.schemas_dir).as_posix()
        if ev.schema.get("$id") != expected:
            yield Hit(ctx.rel(ev.path), "/$id", f"$id is {ev.schema.get('$id')!r}, not {expected}")


@rule("event-schema-version", ERR)
def event_schema_version(ctx: LintContext) -> Iterator[Hit]:
    """Every event schema has a semver `x-schema-version` whose major is its file's major."""
    for ev in ctx.contract.events:
        version = ev.schema.get("x-schema-version")
        match = _SEMVER.match(version) if isinstance(version, str) else None
        if not match:
            yield Hit(ctx.rel(ev.path), "/x-schema-version", f"{version!r} is not a semver")
        elif int(match.group(1)) != ev.major:
            yield Hit(
                ctx.rel(ev.path),
                "/x-schema-version",
                f"x-schema-version {version} has major {match.group(1)}, the file is {ev.major}",
            )


@rule("event-examples", ERR)
def event_examples(ctx: LintContext) -> Iterator[Hit]:
    """Every event schema has at least two example files in examples/."""
    for ev in ctx.contract.events:
        if len(ev.examples) < 2:
            yield Hit(
                ctx.rel(ev.path),
                "",
                f"{ev.event_type} major {ev.major} has {len(ev.examples)} example(s); needs 2",
            )


@rule("event-example-valid", ERR)
def event_example_valid(ctx: LintContext) -> Iterator[Hit]:
    """Every event example validates against its schema (envelope and payload)."""
    for ev in ctx.contract.events:
        try:
            validator = ctx.contract.event_validator(ev.event_type, ev.major)
            for path, example in ev.examples:
                for error in validator.iter_errors(example):
                    inner = "/".join(map(str, error.absolute_path)) or "(root)"
                    yield Hit(
                        ctx.rel(path),
                        pointer(*error.absolute_path),
                        f"does not validate at {inner}: {error.message}",
                    )
        except Exception as exc:  # an unresolvable $ref: json-schema-structure explains it
            yield Hit(
                ctx.rel(ev.path), "", f"cannot validate examples: {type(exc).__name__}: {exc}"
            )
