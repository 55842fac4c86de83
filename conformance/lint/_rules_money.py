"""Money: money-named properties use `Money`, no JSON number anywhere, SLOs on money operations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from croupier.conformance.lint._context import LintContext, Operation, pointer, walk_schemas
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

FILE = "spec/openapi.yaml"
# A property is money-like when its last word (ignoring a trailing after/before) is one of these.
MONEY_WORDS = frozenset(
    "amount balance stake staked bet win won cash bonus held limit available released seed "
    "payout paid wagered contributed forfeited price fee jackpot deposit withdrawal".split()
)
_TRAILING = ("after", "before")
_SCALARS = {"number", "integer", "string"}


def is_money_name(name: str) -> bool:
    """True for `amount`, `stake`, `balance_after`, `limit_amount` …; False for `limit_minutes`."""
    words = [w for w in re.split(r"[_\-]|(?<=[a-z])(?=[A-Z])", name) if w]
    while len(words) > 1 and words[-1].lower() in _TRAILING:
        words.pop()
    return bool(words) and words[-1].lower() in MONEY_WORDS


def _scalar_type(schema: dict[str, Any]) -> str | None:
    """The scalar type a property schema declares (directly, in a type list or a oneOf)."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    for kind in kinds:
        if kind in _SCALARS:
            return str(kind)
    for key in ("oneOf", "anyOf"):
        for option in schema.get(key) or ():
            if isinstance(option, dict) and option.get("type") in _SCALARS:
                return str(option["type"])
    return None


def _is_money_schema(file: str, where: str) -> bool:
    """The Money schema itself is where a money amount may be a (patterned) string."""
    return (file.endswith("common/money.json") and where == "") or (
        file == FILE and where == "/components/schemas/Money"
    )


@rule("money-property-type", ERR)
def money_property_type(ctx: LintContext) -> Iterator[Hit]:
    """A money-named property (amount, stake, balance, win, cash, bonus, held, limit…) is `Money`, never a number, integer or bare string."""  # noqa: E501
    for file, _path, doc, _ in ctx.schema_documents():
        for node, where in walk_schemas(doc, ""):
            props = node.get("properties")
            if not isinstance(props, dict) or _is_money_schema(file, where):
                continue
            for name, schema in props.items():
                if not (isinstance(schema, dict) and is_money_name(str(name))):
                    continue
                kind = _scalar_type(schema)
                if kind is not None:
                    yield Hit(
                        file,
                        where + pointer("properties", name),
                        f"money property `{name}` is a {kind}; use the Money schema",
                    )


@rule("no-number-type", ERR)
def no_number_type(ctx: LintContext) -> Iterator[Hit]:
    """No schema in the contract has `type: number` (money is a decimal string; counts are integers)."""  # noqa: E501
    for file, _path, doc, _ in ctx.schema_documents():
        for node, where in walk_schemas(doc, ""):
            kind = node.get("type")
            if kind == "number" or (isinstance(kind, list) and "number" in kind):
                yield Hit(file, where + "/type", "type number is not allowed in the contract")


def _reaches_money(ctx: LintContext, node: Any, seen: set[str]) -> bool:
    if isinstance(node, dict):
        if ctx.is_money_ref(node, ctx.contract.openapi_path):
            return True
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                return False
            seen.add(ref)
            target, _ = ctx.deref(node)
            return _reaches_money(ctx, target, seen)
        return any(
            _reaches_money(ctx, v, seen)
            for k, v in node.items()
            if k not in ("example", "examples", "description")
        )
    if isinstance(node, list):
        return any(_reaches_money(ctx, v, seen) for v in node)
    return False


def is_money_operation(ctx: LintContext, op: Operation) -> bool:
    """Operations under /v{n}/bets, or whose request or 2xx response body carries Money."""
    if re.match(r"^/v\d+/bets(/|$)", op.path):
        return True
    bodies: list[Any] = [ctx.deref(op.node.get("requestBody"))[0]]
    bodies += [resp for status, resp, _ in ctx.responses(op) if status.startswith("2")]
    return any(
        _reaches_money(ctx, (b or {}).get("content"), set()) for b in bodies if isinstance(b, dict)
    )


@rule("money-operation-slo", ERR)
def money_operation_slo(ctx: LintContext) -> Iterator[Hit]:
    """Every money operation has `x-slo` with integer p95_ms <= p99_ms."""
    for op in ctx.operations():
        if not is_money_operation(ctx, op):
            continue
        slo = op.node.get("x-slo")
        p95 = slo.get("p95_ms") if isinstance(slo, dict) else None
        p99 = slo.get("p99_ms") if isinstance(slo, dict) else None
        if not (isinstance(p95, int) and isinstance(p99, int) and 0 < p95 <= p99):
            yield Hit(
                FILE,
                op.where + "/x-slo",
                f"{op.label} moves or reports money but has no x-slo {{p95_ms, p99_ms}}",
            )
