r"""Request bodies checked against the contract's own schemas (JSON Schema 2020-12).

Schema failures become VALIDATION_FAILED, except failures of a money amount (a float, a
sign, an exponent, too many digits), which are INVALID_AMOUNT, as the contract says.

Patterns are full matches: a JSON Schema `pattern` is an ECMA-262 regex, whose `$` (without
the multiline flag) matches only at the very end, while Python's `$` also matches before a
final newline. The `pattern` keyword here compiles each `$` outside a class as `\Z`, so
`"1.00\n"` fails `^…$` as the contract means it to.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from croupier.reference_impl._domain import DomainError

__all__ = ["MAX_DEPTH", "BodyValidator", "full_match_pattern", "parse_json"]

OPENAPI_URI = "urn:croupier:openapi"
SANDBOX_URI = "urn:croupier:sandbox"
_MONEY_FIELDS = {"amount", "cash"}
# Deepest nesting of arrays and objects a body may have (the contract's deepest is 4).
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=256)
def full_match_pattern(pattern: str) -> re.Pattern[str]:
    """Compile an ECMA-262 pattern for Python with ECMA's `$`: the end of the string only."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append("\\Z" if char == "$" and not in_class else char)
        i += 1
    return re.compile("".join(out))


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not full_match_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 with the ECMA `$` in `pattern`.
ContractValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def _parse_int(text: str) -> int | Decimal:
    # Python refuses int() of more than 4300 digits; a Decimal is never a JSON Schema integer,
    # so an absurd number becomes a clean 422 instead of an exception.
    return int(text) if len(text) <= 64 else Decimal(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:64]!r}")
        out[key] = value
    return out


def _check_shape(value: Any) -> None:
    """Bounded nesting and valid Unicode (no lone surrogate) everywhere, keys included."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise DomainError(
                    "MALFORMED_REQUEST", "the body holds a lone UTF-16 surrogate (not Unicode)"
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise DomainError("MALFORMED_REQUEST", f"the body nests deeper than {MAX_DEPTH} levels")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)


def parse_json(raw: bytes) -> Any:
    """Parse a body strictly; MALFORMED_REQUEST if it is not JSON we can take.

    No NaN/Infinity, floats kept exact (Decimal), no duplicate keys (which one would win is
    up to each parser), at most MAX_DEPTH levels of nesting, no lone surrogates.
    """
    try:
        parsed = json.loads(
            raw.decode("utf-8"),
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        message = str(exc).splitlines()[0][:200] if str(exc) else "not JSON"
        raise DomainError("MALFORMED_REQUEST", f"the body is not valid JSON: {message}") from None
    _check_shape(parsed)
    return parsed


def _leaves(error: ValidationError) -> list[ValidationError]:
    if error.context:
        inner = best_match(error.context)
        return _leaves(inner) if inner is not None else [error]
    return [error]


def _field(error: ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


class BodyValidator:
    """Validators for the request bodies of spec/openapi.yaml and spec/sandbox.yaml."""

    def __init__(self, openapi: dict[str, Any], sandbox: dict[str, Any]) -> None:
        self.registry = Registry().with_resources(
            [
                (OPENAPI_URI, DRAFT202012.create_resource(openapi)),
                (SANDBOX_URI, DRAFT202012.create_resource(sandbox)),
            ]
        )
        self._validators: dict[str, Any] = {}

    def validator(self, uri: str, ref: str) -> Any:
        """A validator for a schema `ref` (e.g. #/components/schemas/X) of a document."""
        key = uri + ref
        if key not in self._validators:
            self._validators[key] = ContractValidator(
                {"$ref": key},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[key]

    def resolve(self, uri: str, node: Any) -> Any:
        """`node`, or what its local `$ref` (#/…) points to in the document at `uri`."""
        while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#"):
            node = self.registry.resolver(base_uri=uri).lookup(uri + node["$ref"]).contents
        return node

    def value_validator(self, uri: str, schema: dict[str, Any]) -> Any:
        """A validator for an inline schema of the document at `uri` (a parameter's)."""
        if str(schema.get("$ref", "")).startswith("#"):
            return self.validator(uri, schema["$ref"])
        return ContractValidator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    def check(self, uri: str, ref: str, body: Any) -> None:
        """Raise VALIDATION_FAILED or INVALID_AMOUNT when the body breaks the schema."""
        errors = list(self.validator(uri, ref).iter_errors(body))
        if not errors:
            return
        leaves = [leaf for e in errors for leaf in _leaves(e)]
        listed = [
            {"field": _field(e), "message": e.message[:200]}
            for e in sorted(leaves, key=lambda e: _field(e))[:20]
        ]
        money_errors = [
            e
            for e in leaves
            if e.absolute_path
            and e.absolute_path[-1] in _MONEY_FIELDS
            and e.validator in ("type", "pattern", "maxLength")
        ]
        if len(money_errors) == len(leaves):
            first = listed[0]
            raise DomainError(
                "INVALID_AMOUNT",
                f'{first["field"]} must be a plain decimal string (e.g. "12.50")',
                {"field": first["field"], "errors": listed},
            )
        raise DomainError(
            "VALIDATION_FAILED",
            f"{listed[0]['field']}: {listed[0]['message']}",
            {"errors": listed},
        )
