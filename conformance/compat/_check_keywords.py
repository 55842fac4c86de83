"""Rules for the JSON Schema 2020-12 keywords of request and response bodies (OpenAPI 3.1).

One rule per keyword change, side and place, named as oasdiff names them: `request-body-*`
when the change is on the body schema itself, `request-property-*` when it is on a property
(and the same for `response-*`). The level follows the change's direction (`_keywords.DIRECTION`):
a request schema that accepts less refuses callers (ERR) and one that accepts more is additive
(INFO); a response schema that may hold more surprises strict readers (ERR) and one that holds
less only gives them more guarantees (INFO); a change both ways is an ERR on either side. A
discriminator added or removed changes no value's validity (INFO); a changed default changes
what an absent value means (WARN; oasdiff: INFO).
"""

from __future__ import annotations

from collections.abc import Callable

from croupier.conformance.compat._keywords import (
    BOTH,
    KEYWORD_KINDS,
    NARROWS,
    NEUTRAL,
    SEMANTIC,
    WIDENS,
)
from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show, where

__all__ = ["KEYWORD_RULES"]

# What each change did, in words ("the request body `contains` …").
_WHAT = {
    "contains-added": "gained a `contains` constraint",
    "contains-removed": "lost its `contains` constraint",
    "min-contains-increased": "minContains increased",
    "min-contains-decreased": "minContains decreased",
    "max-contains-decreased": "maxContains decreased (or was set)",
    "max-contains-increased": "maxContains increased (or was removed)",
    "prefix-items-added": "gained a positional `prefixItems` schema",
    "prefix-items-removed": "lost a positional `prefixItems` schema",
    "dependent-required-added": "gained (or extended) a `dependentRequired` entry",
    "dependent-required-removed": "lost (or shrank) a `dependentRequired` entry",
    "dependent-required-changed": "changed a `dependentRequired` entry",
    "dependent-schema-added": "gained a `dependentSchemas` entry",
    "dependent-schema-removed": "lost a `dependentSchemas` entry",
    "pattern-property-added": "gained a `patternProperties` entry",
    "pattern-property-removed": "lost a `patternProperties` entry",
    "property-names-added": "gained a `propertyNames` constraint",
    "property-names-removed": "lost its `propertyNames` constraint",
    "unevaluated-properties-added": "now forbids unevaluated properties",
    "unevaluated-properties-removed": "no longer forbids unevaluated properties",
    "unevaluated-items-added": "now forbids unevaluated items",
    "unevaluated-items-removed": "no longer forbids unevaluated items",
    "const-added": "gained a `const`",
    "const-removed": "lost its `const`",
    "const-changed": "changed its `const`",
    "if-added": "gained an `if` condition",
    "if-removed": "lost its `if` condition",
    "then-added": "gained a `then` schema",
    "then-removed": "lost its `then` schema",
    "else-added": "gained an `else` schema",
    "else-removed": "lost its `else` schema",
    "content-schema-added": "gained a `contentSchema`",
    "content-schema-removed": "lost its `contentSchema`",
    "content-media-type-changed": "contentMediaType changed",
    "content-encoding-changed": "contentEncoding changed",
    "discriminator-added": "gained a discriminator",
    "discriminator-removed": "lost its discriminator",
    "discriminator-property-name-changed": "discriminator propertyName changed",
    "discriminator-mapping-deleted": "discriminator lost mapping keys",
    "discriminator-mapping-added": "discriminator gained mapping keys",
    "discriminator-mapping-changed": "discriminator mapping now points elsewhere",
    "default-value-added": "gained a default value",
    "default-value-removed": "lost its default value",
    "default-value-changed": "default value changed",
}

_WHY = {
    ("request", "bad"): "request bodies valid before may fail the new schema; callers that send "
    "what was valid yesterday are refused with a 4xx",
    ("request", "ok"): "every request valid before is still valid; existing callers are unaffected",
    ("response", "bad"): "responses may now hold what readers validating against the old contract "
    "never expected; strict readers (and generated clients) reject them",
    ("response", "ok"): "every response is still valid for existing readers",
    ("request", "meaning"): "every request stays valid, but a caller that omits the value now "
    "gets a different behaviour from the server",
    ("response", "meaning"): "every response stays valid, but a reader that fills in an absent "
    "value from the contract now fills in a different one",
}
_ADVICE = {
    "bad": "keep the old schema; make the change under a new major path prefix",
    "ok": "no action needed",
    "meaning": "keep the old default; callers that need another value can send it",
}


def _level(side: str, direction: str) -> str:
    if direction == NEUTRAL:
        return INFO
    if direction == SEMANTIC:
        return WARN
    if direction == BOTH:
        return ERR
    harmful = NARROWS if side == "request" else WIDENS
    return ERR if direction == harmful else INFO


def _make(kind: str, side: str, place: str) -> Callable[[Change], Says | None]:
    on_body = place == "body"
    level = _level(side, KEYWORD_KINDS[kind])
    tone = {ERR: "bad", WARN: "meaning"}.get(level, "ok")

    def check(c: Change) -> Says | None:
        if on_body == bool(c.name):
            return None  # the other place's rule explains this change
        detail = ""
        if c.base is not None or c.revision is not None:
            detail = f" ({show(c.base)} -> {show(c.revision)})"
        return Says(
            f"{c.operation}: {where(c)} {_WHAT[kind]}{detail}",
            _WHY[(side, tone)],
            _ADVICE[tone],
        )

    check.__doc__ = f"The {side} {'body schema' if on_body else 'property'} {_WHAT[kind]}."
    check.__name__ = f"{side}_{place}_{kind}".replace("-", "_")
    return check


def _note(kind: str, side: str, level: str) -> str:
    """Where the level differs from oasdiff's check of the same id."""
    if kind.startswith("prefix-items-"):
        return "oasdiff reads prefixItems the other way round; here a new position constrains"
    if kind.startswith("discriminator-") and level != INFO:
        return "oasdiff: INFO; the server routes on the discriminator"
    if kind == "default-value-changed" or kind == "default-value-removed":
        return "oasdiff: INFO" if side == "request" else ""
    return ""


def _register() -> list[str]:
    ids = []
    for kind, direction in KEYWORD_KINDS.items():
        for side in ("request", "response"):
            for place in ("body", "property"):
                rule_id = f"{side}-{place}-{kind}"
                level = _level(side, direction)
                rule(
                    rule_id,
                    level,
                    side,
                    on=kind,
                    subject="property",
                    note=_note(kind, side, level),
                )(_make(kind, side, place))
                ids.append(rule_id)
    return ids


KEYWORD_RULES: list[str] = _register()
