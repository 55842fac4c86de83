"""Request bodies checked against the contract's own schemas (JSON Schema 2020-12).

Schema failures become VALIDATION_FAILED, except failures of a money amount (a float, a
sign, an exponent, too many digits), which are INVALID_AMOUNT, as the contract says.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from reference_impl._domain import DomainError

__all__ = ["BodyValidator", "parse_json"]

OPENAPI_URI = "urn:croupier:openapi"
SANDBOX_URI = "urn:croupier:sandbox"
_MONEY_FIELDS = {"amount", "cash"}


def _parse_int(text: str) -> int | Decimal:
    # Python refuses int() of more than 4300 digits; a Decimal is never a JSON Schema integer,
    # so an absurd number becomes a clean 422 instead of an exception.
    return int(text) if len(text) <= 64 else Decimal(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Parse a body strictly (no NaN/Infinity; floats kept exact); MALFORMED_REQUEST if not JSON."""
    try:
        return json.loads(
            raw.decode("utf-8"),
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        message = str(exc).splitlines()[0][:200] if str(exc) else "not JSON"
        raise DomainError("MALFORMED_REQUEST", f"the body is not valid JSON: {message}") from None


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
        self._validators: dict[str, Draft202012Validator] = {}

    def validator(self, uri: str, ref: str) -> Draft202012Validator:
        """A validator for a schema `ref` (e.g. #/components/schemas/X) of a document."""
        key = uri + ref
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(
                {"$ref": key},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[key]

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
