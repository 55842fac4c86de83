"""Errors: the one Error schema, the error catalog, codes and their statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from croupier.conformance.lint._context import LintContext, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

FILE = "spec/openapi.yaml"
ERROR_REF = "#/components/schemas/Error"


def _is_error_status(status: str) -> bool:
    return status[:1] in ("4", "5")


def _codes(ctx: LintContext, response: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    """(code, pointer) for each code a response names: x-error-codes and example bodies."""
    for i, code in enumerate(response.get("x-error-codes") or ()):
        yield str(code), f"{where}/x-error-codes/{i}"
    content = response.get("content")
    for media, body in (content or {}).items() if isinstance(content, dict) else ():
        if not isinstance(body, dict):
            continue
        examples = body.get("examples")
        for name, example in (examples or {}).items() if isinstance(examples, dict) else ():
            example, _ = ctx.deref(example)
            value = example.get("value") if isinstance(example, dict) else None
            if isinstance(value, dict) and "code" in value:
                yield (
                    str(value["code"]),
                    where + pointer("content", media, "examples", name, "value", "code"),
                )
        if isinstance(body.get("example"), dict) and "code" in body["example"]:
            yield str(body["example"]["code"]), where + pointer("content", media, "example", "code")


def _all_responses(ctx: LintContext) -> Iterator[tuple[dict[str, Any], str]]:
    """Every response object written in the file once: components.responses, then inline ones."""
    for name, resp in ctx.components("responses").items():
        if isinstance(resp, dict) and "$ref" not in resp and _is_error_response(resp):
            yield resp, pointer("components", "responses", name)
    for op in ctx.operations():
        responses = op.node.get("responses")
        for status, resp in responses.items() if isinstance(responses, dict) else ():
            if isinstance(resp, dict) and "$ref" not in resp and _is_error_status(str(status)):
                yield resp, op.where + pointer("responses", status)


def _is_error_response(resp: dict[str, Any]) -> bool:
    """A reusable response is an error response when it names codes or uses the Error schema."""
    if "x-error-codes" in resp:
        return True
    content = resp.get("content")
    body = content.get("application/json") if isinstance(content, dict) else None
    schema = body.get("schema") if isinstance(body, dict) else None
    return isinstance(schema, dict) and schema.get("$ref") == ERROR_REF


@rule("error-response-schema", ERR)
def error_response_schema(ctx: LintContext) -> Iterator[Hit]:
    """Every 4xx/5xx response has a JSON body whose schema is the one `Error` schema."""
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if not _is_error_status(status):
                continue
            content = resp.get("content")
            body = content.get("application/json") if isinstance(content, dict) else None
            schema = body.get("schema") if isinstance(body, dict) else None
            if not (isinstance(schema, dict) and schema.get("$ref") == ERROR_REF):
                yield Hit(
                    FILE,
                    where,
                    f"{op.label} {status}: the application/json body must be {ERROR_REF}",
                )


@rule("error-code-in-catalog", ERR)
def error_code_in_catalog(ctx: LintContext) -> Iterator[Hit]:
    """Every error code a response names (x-error-codes, example bodies) is in the error catalog."""
    catalog = ctx.contract.error_catalog
    seen = set()
    for resp, where in _all_responses(ctx):
        for code, at in _codes(ctx, resp, where):
            if code not in catalog and at not in seen:
                seen.add(at)
                yield Hit(FILE, at, f"error code {code} is not in components.x-error-catalog")


@rule("error-code-status", ERR)
def error_code_status(ctx: LintContext) -> Iterator[Hit]:
    """Each error code a response names has that response's HTTP status in the catalog."""
    catalog = ctx.contract.error_catalog
    seen = set()
    for op in ctx.operations():
        for status, resp, where in ctx.responses(op):
            if not _is_error_status(status):
                continue
            for code, at in _codes(ctx, resp, where):
                entry = catalog.get(code)
                if not isinstance(entry, dict) or (at, status) in seen:
                    continue
                if str(entry.get("status")) != status:
                    seen.add((at, status))
                    yield Hit(
                        FILE,
                        at,
                        f"{code} has status {entry.get('status')} in the catalog but is used "
                        f"for {status} ({op.label})",
                    )


@rule("error-catalog-enum", ERR)
def error_catalog_enum(ctx: LintContext) -> Iterator[Hit]:
    """The error catalog and the `Error.code` enum list the same codes, each catalog entry whole."""
    catalog = ctx.contract.error_catalog
    error = ctx.components("schemas").get("Error")
    code = (error or {}).get("properties", {}).get("code") if isinstance(error, dict) else None
    enum = code.get("enum") if isinstance(code, dict) else None
    where = "/components/schemas/Error/properties/code/enum"
    if not isinstance(enum, list):
        yield Hit(FILE, where, "Error.code has no enum of catalog codes")
        enum = []
    for missing in sorted(set(catalog) - set(enum)):
        yield Hit(FILE, where, f"{missing} is in the catalog but not in Error.code's enum")
    for extra in sorted(set(enum) - set(catalog)):
        yield Hit(FILE, where, f"{extra} is in Error.code's enum but not in the catalog")
    for name, entry in catalog.items():
        at = pointer("components", "x-error-catalog", name)
        if not isinstance(entry, dict):
            yield Hit(FILE, at, f"{name}: a catalog entry is a mapping")
            continue
        missing_keys = [
            k for k in ("status", "retryable", "description", "action") if k not in entry
        ]
        # An unquoted comma in a YAML flow mapping splits a sentence into stray keys.
        stray = sorted(map(str, set(entry) - {"status", "retryable", "description", "action"}))
        if stray:
            yield Hit(FILE, at, f"{name} has unexpected keys {stray} (quote text that has commas)")
        for key in ("description", "action"):
            if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
                yield Hit(FILE, f"{at}/{key}", f"{name}: {key} must be a non-empty sentence")
        if missing_keys:
            yield Hit(FILE, at, f"{name} lacks {', '.join(missing_keys)}")
        elif not isinstance(entry["status"], int) or not 400 <= entry["status"] <= 599:
            yield Hit(FILE, at + "/status", f"{name}: status must be a 4xx/5xx integer")
        elif not isinstance(entry["retryable"], bool):
            yield Hit(FILE, at + "/retryable", f"{name}: retryable must be true or false")
