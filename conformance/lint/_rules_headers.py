"""Headers and paths: mandatory headers, the idempotency key on writes, versioned paths."""

from __future__ import annotations

import re
from collections.abc import Iterator

from croupier.conformance.lint._context import LintContext, Operation, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

FILE = "spec/openapi.yaml"
MANDATORY = ("X-Trace-Id", "X-Brand-Id", "X-Region", "X-Provider-Id")
IDEMPOTENCY = "X-Idempotency-Key"


def _required_headers(ctx: LintContext, op: Operation) -> set[str]:
    found = set()
    for params in (op.path_item.get("parameters"), op.node.get("parameters")):
        for param in params if isinstance(params, list) else ():
            target, _ = ctx.deref(param)
            if (
                isinstance(target, dict)
                and target.get("in") == "header"
                and target.get("required") is True
                and isinstance(target.get("name"), str)
            ):
                found.add(target["name"].lower())
    return found


@rule("mandatory-headers", ERR)
def mandatory_headers(ctx: LintContext) -> Iterator[Hit]:
    """Every versioned operation requires X-Trace-Id, X-Brand-Id, X-Region and X-Provider-Id."""
    for op in ctx.operations():
        if op.unversioned:
            continue
        have = _required_headers(ctx, op)
        missing = [h for h in MANDATORY if h.lower() not in have]
        if missing:
            yield Hit(
                FILE,
                op.where + "/parameters",
                f"{op.label} does not require {', '.join(missing)}",
            )


@rule("write-idempotency-key", ERR)
def write_idempotency_key(ctx: LintContext) -> Iterator[Hit]:
    """Every write (non-GET/HEAD/OPTIONS) operation requires X-Idempotency-Key."""
    for op in ctx.operations():
        if op.method in ("get", "head", "options", "trace") or op.unversioned:
            continue
        if IDEMPOTENCY.lower() not in _required_headers(ctx, op):
            yield Hit(FILE, op.where + "/parameters", f"{op.label} does not require {IDEMPOTENCY}")


@rule("versioned-path", ERR)
def versioned_path(ctx: LintContext) -> Iterator[Hit]:
    """Every path (except x-unversioned ones) starts with /v{major}/, the major of info.version."""
    version = str(ctx.openapi.get("info", {}).get("version", ""))
    match = re.match(r"^(\d+)\.", version)
    if not match:
        yield Hit(FILE, "/info/version", f"info.version {version!r} is not a semantic version")
        return
    prefix = f"/v{int(match.group(1))}/"
    paths = ctx.openapi.get("paths")
    for path, item in (paths or {}).items() if isinstance(paths, dict) else ():
        if isinstance(item, dict) and item.get("x-unversioned") is True:
            continue
        if not str(path).startswith(prefix):
            yield Hit(
                FILE,
                pointer("paths", path),
                f"path {path} does not start with {prefix} (info.version {version})",
            )
