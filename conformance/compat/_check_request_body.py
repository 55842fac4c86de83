"""Rules about request bodies: required-ness, media types, and every property of the body schema."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show, where

__all__: list[str] = []

_P = {"subject": "property"}
_REFUSED = "callers that send what was valid before are now refused with a 4xx"
_NEW_MAJOR = (
    "keep the old schema; make the stricter one a new operation under a new major path prefix"
)


def _tight(c: Change, what: str) -> Says:
    return Says(
        f"{c.operation}: {where(c)} {what} from {show(c.base)} to {show(c.revision)}",
        f"request bodies that satisfied the old constraint fail the new one; {_REFUSED}",
        _NEW_MAJOR,
    )


def _loose(c: Change, what: str) -> Says:
    return Says(
        f"{c.operation}: {where(c)} {what} from {show(c.base)} to {show(c.revision)}",
        "every request valid before is still valid; existing callers are unaffected",
        "servers must accept the wider input",
    )


@rule("request-body-became-required", ERR, "request", on="body-became-required")
def request_body_became_required(c: Change) -> Says:
    """The request body became required (or a required body was added)."""
    return Says(
        f"{c.operation}: the request body is now required",
        f"callers that send no body get a 400; {_REFUSED}",
        "keep the body optional and apply defaults on the server",
    )


@rule("request-body-media-type-removed", ERR, "request", on="media-type-removed")
def request_body_media_type_removed(c: Change) -> Says:
    """A request body media type is no longer accepted."""
    return Says(
        f"{c.operation}: request body media type {c.name} is no longer accepted",
        "callers sending that Content-Type get a 415",
        "keep accepting the media type until the next major version",
    )


@rule("request-body-media-type-added", INFO, "request", on="media-type-added")
def request_body_media_type_added(c: Change) -> Says:
    """A new request body media type is accepted: an additive change."""
    return Says(
        f"{c.operation}: request body now also accepts {c.name}",
        "existing callers are unaffected",
        "bump the minor version",
    )


@rule("new-required-request-property", ERR, "request", on="property-added", **_P)
def new_required_request_property(c: Change) -> Says | None:
    """A new required property was added to a request body."""
    if not c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: new required {where(c)}",
        f"no existing caller sends it; {_REFUSED}",
        "add the property as optional with a server-side default",
    )


@rule("new-optional-request-property", INFO, "request", on="property-added", **_P)
def new_optional_request_property(c: Change) -> Says | None:
    """A new optional property was added to a request body: an additive change."""
    if c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: new optional {where(c)}",
        "existing callers are unaffected; servers must work when it is absent",
        "bump the minor version and document the default",
    )


@rule("request-property-removed", WARN, "request", on="property-removed", **_P)
def request_property_removed(c: Change) -> Says:
    """A request body property was removed: callers still send it."""
    closed = (
        " and the schema is closed, so those requests are refused" if c.extra.get("closed") else ""
    )
    return Says(
        f"{c.operation}: {where(c)} was removed",
        f"callers keep sending it; the server now ignores it{closed}, which can silently change "
        "what a call means",
        "deprecate the property first and keep accepting it until the next major",
    )


@rule("request-property-became-required", ERR, "request", on="property-became-required", **_P)
def request_property_became_required(c: Change) -> Says:
    """An optional request property became required."""
    return Says(
        f"{c.operation}: {where(c)} became required",
        f"callers that omit it (valid until now) fail validation; {_REFUSED}",
        "keep it optional and default it on the server",
    )


@rule("request-property-became-optional", INFO, "request", on="property-became-optional", **_P)
def request_property_became_optional(c: Change) -> Says:
    """A required request property became optional: callers may now omit it."""
    return _loose(c, "required-ness relaxed")


@rule(
    "request-property-type-changed",
    ERR,
    "request",
    on=("type-changed", "type-narrowed", "format-changed"),
    **_P,
    body="request-body-type-changed",
)
def request_property_type_changed(c: Change) -> Says:
    """A request property's type or format changed or narrowed."""
    return _tight(c, "type/format changed")


@rule(
    "request-property-type-generalized",
    INFO,
    "request",
    on="type-widened",
    **_P,
    body="request-body-type-generalized",
)
def request_property_type_widened(c: Change) -> Says:
    """A request property now accepts more types: every value valid before still is."""
    return _loose(c, "type widened")


@rule(
    "request-property-became-not-nullable",
    ERR,
    "request",
    on="null-removed",
    **_P,
    body="request-body-became-not-nullable",
)
def request_property_became_not_nullable(c: Change) -> Says:
    """A request property no longer accepts null (3.0 nullable or 3.1 type array)."""
    return _tight(c, "stopped accepting null: type")


@rule(
    "request-property-became-nullable",
    INFO,
    "request",
    on="null-added",
    **_P,
    body="request-body-became-nullable",
)
def request_property_became_nullable(c: Change) -> Says:
    """A request property now accepts null: every value valid before still is."""
    return _loose(c, "now accepts null: type")


@rule(
    "request-property-enum-value-removed",
    ERR,
    "request",
    on="enum-value-removed",
    **_P,
    body="request-body-enum-value-removed",
)
def request_property_enum_value_removed(c: Change) -> Says:
    """A value was removed from a request property's enum."""
    return Says(
        f"{c.operation}: {where(c)} no longer accepts {show(c.extra['values'])}",
        f"callers that send the removed values fail validation; {_REFUSED}",
        "keep accepting the value (mark it deprecated in the description) until the next major",
    )


@rule(
    "request-property-enum-value-added",
    INFO,
    "request",
    on="enum-value-added",
    **_P,
    body="request-body-enum-value-added",
)
def request_property_enum_value_added(c: Change) -> Says:
    """A value was added to a request property's enum: callers may send it, none has to."""
    return Says(
        f"{c.operation}: {where(c)} now also accepts {show(c.extra['values'])}",
        "existing callers are unaffected",
        "bump the minor version",
    )


@rule("request-property-pattern-changed", ERR, "request", on="pattern-changed", **_P)
def request_property_pattern_changed(c: Change) -> Says:
    """A request property's pattern was added or changed."""
    return _tight(c, "pattern changed")


@rule(
    "request-property-constraint-tightened",
    ERR,
    "request",
    on="constraint-tightened",
    **_P,
    note="not in oasdiff: multipleOf, uniqueItems, not, if … by direction",
)
def request_property_constraint_tightened(c: Change) -> Says:
    """Another request property constraint was tightened (multipleOf, uniqueItems, not, if)."""
    return _tight(c, f"{c.extra.get('keyword')} tightened")


@rule(
    "request-property-constraint-loosened",
    INFO,
    "request",
    on="constraint-loosened",
    **_P,
    note="not in oasdiff: multipleOf, uniqueItems, not, if … by direction",
)
def request_property_constraint_loosened(c: Change) -> Says:
    """A request property constraint was loosened: every value valid before still is."""
    return _loose(c, f"{c.extra.get('keyword')} loosened")


@rule(
    "request-additional-properties-closed", ERR, "request", on="additional-properties-closed", **_P
)
def request_additional_properties_closed(c: Change) -> Says:
    """A request schema now forbids undeclared properties (additionalProperties: false)."""
    return Says(
        f"{c.operation}: {where(c)} now sets additionalProperties: false",
        f"callers that send any extra field (harmless until now) fail validation; {_REFUSED}",
        "keep the schema open; ignore unknown fields on the server instead",
    )


@rule(
    "request-property-one-of-removed",
    ERR,
    "request",
    on="one-of-removed",
    **_P,
    body="request-body-one-of-removed",
)
def request_property_one_of_removed(c: Change) -> Says:
    """A oneOf branch of a request schema was removed: bodies matching only it are refused."""
    return _tight(c, "lost a oneOf branch:")


@rule(
    "request-property-any-of-removed",
    ERR,
    "request",
    on="any-of-removed",
    **_P,
    body="request-body-any-of-removed",
)
def request_property_any_of_removed(c: Change) -> Says:
    """An anyOf branch of a request schema was removed: bodies matching only it are refused."""
    return _tight(c, "lost an anyOf branch:")


@rule(
    "request-property-all-of-added",
    ERR,
    "request",
    on="all-of-added",
    **_P,
    body="request-body-all-of-added",
)
def request_property_all_of_added(c: Change) -> Says:
    """An allOf part was added to a request schema: bodies must now satisfy one more schema."""
    return _tight(c, "gained an allOf part:")


@rule(
    "request-property-composition-widened",
    INFO,
    "request",
    on=("one-of-added", "any-of-added", "all-of-removed"),
    **_P,
)
def request_property_composition_widened(c: Change) -> Says:
    """A request schema gained a oneOf/anyOf branch or lost an allOf part: it accepts more."""
    return _loose(c, f"{c.extra.get('keyword')} widened:")


@rule(
    "request-property-became-enum",
    ERR,
    "request",
    on="became-enum",
    subject="property",
    body="request-body-became-enum",
)
def request_property_became_enum(c: Change) -> Says:
    """A request property was restricted to a list of enum values."""
    return _tight(c, "restricted to an enum:")


@rule(
    "request-property-became-not-enum",
    INFO,
    "request",
    on="became-not-enum",
    subject="property",
    body="request-body-became-not-enum",
)
def request_property_became_not_enum(c: Change) -> Says:
    """A request property is no longer restricted to a list of enum values."""
    return Says(
        f"{c.operation}: {where(c)} no longer restricted to {show(c.base)}",
        "every value valid before is still valid; existing callers are unaffected",
        "servers must accept the wider input",
    )
