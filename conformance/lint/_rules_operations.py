"""Operations: documentation fields, examples present and valid, deprecation with a sunset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from croupier._contract import ContractError
from croupier.conformance.lint._context import LintContext, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

FILE = "spec/openapi.yaml"
_DOC_URI = "urn:croupier:lint:document"


@rule("operation-metadata", ERR)
def operation_metadata(ctx: LintContext) -> Iterator[Hit]:
    """Every operation has a unique operationId, a summary, a description and tags."""
    seen: dict[str, str] = {}
    for op in ctx.operations():
        for key in ("operationId", "summary", "description"):
            value = op.node.get(key)
            if not (isinstance(value, str) and value.strip()):
                yield Hit(FILE, op.where, f"{op.label} has no {key}")
        tags = op.node.get("tags")
        if not (isinstance(tags, list) and tags):
            yield Hit(FILE, op.where, f"{op.label} has no tags")
        op_id = op.node.get("operationId")
        if isinstance(op_id, str):
            if op_id in seen:
                yield Hit(
                    FILE, op.where + "/operationId", f"operationId {op_id} repeats {seen[op_id]}"
                )
            seen[op_id] = op.label


def _has_examples(body: dict[str, Any]) -> bool:
    return bool(body.get("examples")) or "example" in body


@rule("operation-examples", ERR)
def operation_examples(ctx: LintContext) -> Iterator[Hit]:
    """Every request body and every response body of an operation carries examples."""
    for op in ctx.operations():
        request, where = ctx.deref(op.node.get("requestBody"))
        where = where or op.where + "/requestBody"
        content = request.get("content") if isinstance(request, dict) else None
        for media, body in (content or {}).items() if isinstance(content, dict) else ():
            if isinstance(body, dict) and not _has_examples(body):
                yield Hit(
                    FILE, where + pointer("content", media), f"{op.label}: request has no examples"
                )
        for status, resp, at in ctx.responses(op):
            content = resp.get("content")
            for media, body in (content or {}).items() if isinstance(content, dict) else ():
                if isinstance(body, dict) and not _has_examples(body):
                    yield Hit(
                        FILE,
                        at + pointer("content", media),
                        f"{op.label} {status}: response has no examples",
                    )


def _validator(document: Any, where: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        _DOC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{_DOC_URI}#{where}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _examples_in(doc: dict[str, Any], skip: set[str]) -> Iterator[tuple[str, str, Any]]:
    """(schema pointer, example pointer, value) for every example of a bundled document."""

    def media_examples(node: dict[str, Any], where: str, schema_at: str) -> Iterator[Any]:
        if "example" in node:
            yield schema_at, where + "/example", node["example"]
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, ex in examples.items():
                if isinstance(ex, dict) and "value" in ex:
                    yield schema_at, where + pointer("examples", name, "value"), ex["value"]

    def walk(node: Any, where: str) -> Iterator[Any]:
        if isinstance(node, dict):
            content = node.get("content")
            for media, body in content.items() if isinstance(content, dict) else ():
                if isinstance(body, dict) and isinstance(body.get("schema"), dict):
                    at = where + pointer("content", media)
                    yield from media_examples(body, at, at + "/schema")
            if "in" in node and "name" in node and isinstance(node.get("schema"), dict):
                yield from media_examples(node, where, where + "/schema")
            for key, value in node.items():
                if key not in ("example", "examples", "schemas"):
                    yield from walk(value, where + pointer(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, where + pointer(i))

    # Media types and parameters, wherever they sit (paths and components).
    for key in ("paths", "components"):
        if isinstance(doc.get(key), dict):
            yield from walk(doc[key], pointer(key))
    # Component schemas' own examples (aliases of schema files are checked in those files).
    schemas = doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items() if isinstance(schemas, dict) else ():
        if name in skip or not isinstance(schema, dict):
            continue
        at = pointer("components", "schemas", name)
        for i, value in enumerate(schema.get("examples") or ()):
            yield at, at + pointer("examples", i), value
        if "example" in schema:
            yield at, at + "/example", schema["example"]


@rule("example-valid", ERR)
def example_valid(ctx: LintContext) -> Iterator[Hit]:
    """Every example (request, response, parameter, schema) validates against its schema."""
    contract = ctx.contract
    documents = [("spec/openapi.yaml", contract.openapi_path, lambda: contract.bundled)]
    if contract.sandbox_path.is_file():
        documents.append(
            ("spec/sandbox.yaml", contract.sandbox_path, lambda: contract.sandbox_bundled)
        )
    for file, path, bundled in documents:
        try:
            doc = bundled()
            raw = ctx.contract.openapi if file == "spec/openapi.yaml" else None
        except ContractError:
            continue  # openapi-structure / sandbox-structure report it
        if raw is None:
            from croupier._contract import load_document

            raw = load_document(path)
        raw_schemas = (raw.get("components") or {}).get("schemas") or {}
        aliases = {
            name
            for name, s in raw_schemas.items()
            if isinstance(s, dict) and set(s) == {"$ref"} and not s["$ref"].startswith("#")
        }
        validators: dict[str, Any] = {}
        for schema_at, at, value in _examples_in(doc, aliases):
            if schema_at not in validators:
                try:
                    validators[schema_at] = _validator(doc, schema_at)
                except Exception as exc:  # an unresolvable schema: structure rules say why
                    yield Hit(file, schema_at, f"cannot build a validator: {exc}")
                    validators[schema_at] = None
            validator = validators[schema_at]
            if validator is None:
                continue
            try:
                errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path)))
            except Exception as exc:  # a $ref the bundled document cannot resolve
                yield Hit(file, at, f"cannot validate: {type(exc).__name__}: {exc}")
                continue
            for error in errors:
                inner = "/".join(map(str, error.absolute_path)) or "(root)"
                yield Hit(file, at, f"example does not validate at {inner}: {error.message}")
    # Examples inside schema files (events are checked by event-example-valid).
    for path in contract.schema_files():
        if "events" in path.relative_to(contract.schemas_dir).parts:
            continue
        yield from _schema_file_examples(ctx, path)


def _schema_file_examples(ctx: LintContext, path: Any) -> Iterator[Hit]:
    from jsonschema import Draft202012Validator

    from croupier._contract import load_document

    try:
        schema = load_document(path)
    except ContractError:
        return
    if not isinstance(schema, dict):
        return
    try:
        validator = Draft202012Validator(
            schema,
            registry=ctx.contract.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        for i, value in enumerate(schema.get("examples") or ()):
            for error in validator.iter_errors(value):
                inner = "/".join(map(str, error.absolute_path)) or "(root)"
                yield Hit(
                    ctx.rel(path),
                    pointer("examples", i),
                    f"example does not validate at {inner}: {error.message}",
                )
    except Exception as exc:  # broken $ref: json-schema-structure or the loader reports it
        yield Hit(ctx.rel(path), "", f"cannot validate examples: {type(exc).__name__}: {exc}")


@rule("deprecated-sunset", ERR)
def deprecated_sunset(ctx: LintContext) -> Iterator[Hit]:
    """A deprecated operation has ISO dates `x-sunset` and `x-deprecated-at` (not after it)."""

    def day(value: object) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    for op in ctx.operations():
        if op.node.get("deprecated") is not True:
            continue
        raw_sunset, raw_since = op.node.get("x-sunset"), op.node.get("x-deprecated-at")
        sunset, since = day(raw_sunset), day(raw_since)
        if sunset is None:
            yield Hit(
                FILE,
                op.where + "/x-sunset",
                f"{op.label} is deprecated but has no ISO date x-sunset (got {raw_sunset!r})",
            )
        elif since is None:
            # The runtime Deprecation header (RFC 9745) carries this date.
            yield Hit(
                FILE,
                op.where + "/x-deprecated-at",
                f"{op.label} is deprecated but has no ISO date x-deprecated-at "
                f"(got {raw_since!r}); the Deprecation header carries it",
            )
        elif since > sunset:
            yield Hit(
                FILE,
                op.where + "/x-deprecated-at",
                f"{op.label}: x-deprecated-at {since} is after its x-sunset {sunset}",
            )
