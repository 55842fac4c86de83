"""Structural validity: OpenAPI 3.1 for both specs, the 2020-12 meta-schema for schema files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from croupier._contract import ContractError, load_document
from croupier.conformance.lint._context import LintContext, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []


def _openapi_errors(doc: Any, file: str) -> Iterator[Hit]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    if not isinstance(doc, dict):
        yield Hit(file, "", "an OpenAPI document must be a mapping")
        return
    for error in OpenAPIV31SpecValidator(doc).iter_errors():
        path = tuple(getattr(error, "absolute_path", None) or getattr(error, "path", None) or ())
        message = str(getattr(error, "message", error)).splitlines()[0]
        yield Hit(file, pointer(*path), message)


def _bundled(ctx: LintContext, which: str) -> tuple[Any, Hit | None]:
    contract = ctx.contract
    path = contract.openapi_path if which == "openapi" else contract.sandbox_path
    try:
        return (contract.bundled if which == "openapi" else contract.sandbox_bundled), None
    except ContractError as exc:
        return None, Hit(ctx.rel(path), "", f"cannot bundle: {exc}")


@rule("openapi-structure", ERR)
def openapi_structure(ctx: LintContext) -> Iterator[Hit]:
    """spec/openapi.yaml (bundled) is a valid OpenAPI 3.1 document."""
    doc, problem = _bundled(ctx, "openapi")
    if problem:
        yield problem
        return
    yield from _openapi_errors(doc, "spec/openapi.yaml")


@rule("sandbox-structure", ERR)
def sandbox_structure(ctx: LintContext) -> Iterator[Hit]:
    """spec/sandbox.yaml (bundled), when present, is a valid OpenAPI 3.1 document."""
    if not ctx.contract.sandbox_path.is_file():
        return
    doc, problem = _bundled(ctx, "sandbox")
    if problem:
        yield problem
        return
    yield from _openapi_errors(doc, "spec/sandbox.yaml")


@rule("json-schema-structure", ERR)
def json_schema_structure(ctx: LintContext) -> Iterator[Hit]:
    """Every file under schemas/ is valid against the JSON Schema 2020-12 meta-schema."""
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for path in ctx.contract.schema_files():
        file = ctx.rel(path)
        try:
            data = load_document(path)
        except ContractError as exc:
            yield Hit(file, "", str(exc))
            continue
        if isinstance(data, dict) and data.get("$schema") not in (
            None,
            "https://json-schema.org/draft/2020-12/schema",
        ):
            yield Hit(file, "/$schema", f"$schema must be 2020-12, not {data['$schema']!r}")
        for error in sorted(meta.iter_errors(data), key=lambda e: list(map(str, e.path))):
            yield Hit(file, pointer(*error.absolute_path), error.message)
