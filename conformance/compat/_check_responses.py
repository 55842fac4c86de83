"""Rules about responses: status codes, media types, and every property of the response schemas."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show, where

__all__: list[str] = []

_P = {"subject": "property"}
_READERS = "clients that parse or validate responses against the old contract"


def _surprise(c: Change, what: str) -> Says:
    return Says(
        f"{c.operation}: {where(c)} {what} from {show(c.base)} to {show(c.revision)}",
        f"responses may now hold values {_READERS} never expected; strict readers reject them",
        "keep the old response shape; put the wider one in a new major path prefix",
    )


def _narrower(c: Change, what: str) -> Says:
    return Says(
        f"{c.operation}: {where(c)} {what} from {show(c.base)} to {show(c.revision)}",
        "every response is still valid for existing readers",
        "no action needed",
    )


@rule("response-success-status-removed", ERR, "response", on="status-removed")
def response_success_status_removed(c: Change) -> Says | None:
    """A success (2xx) response status was removed."""
    if not c.extra.get("success"):
        return None
    return Says(
        f"{c.operation}: success status {c.name} is no longer returned",
        "callers that branch on that status treat the new answer as unexpected or as a failure",
        "keep the status; add a new one only as an alternative",
    )


@rule("response-non-success-status-removed", WARN, "response", on="status-removed")
def response_non_success_status_removed(c: Change) -> Says | None:
    """A non-success response status was removed from the contract."""
    if c.extra.get("success"):
        return None
    return Says(
        f"{c.operation}: status {c.name} is no longer documented",
        "callers' error handling for it becomes dead code, or the server answers it undocumented",
        "keep documenting the status while the server can still return it",
    )


@rule("response-success-status-added", INFO, "response", on="status-added")
def response_success_status_added(c: Change) -> Says | None:
    """A new success (2xx) response status was documented."""
    if not c.extra.get("success"):
        return None
    return Says(
        f"{c.operation}: new success status {c.name}",
        "callers that accept only the old success statuses may treat it as a failure",
        "make sure callers treat every 2xx as success; bump the minor version",
    )


@rule("response-non-success-status-added", INFO, "response", on="status-added")
def response_non_success_status_added(c: Change) -> Says | None:
    """A new non-success response status was documented."""
    if c.extra.get("success"):
        return None
    return Says(
        f"{c.operation}: new status {c.name}",
        "callers fall back to their generic error handling for it",
        "document the status's error code in the error catalog",
    )


@rule("response-media-type-removed", ERR, "response", on="media-type-removed")
def response_media_type_removed(c: Change) -> Says:
    """A response media type is no longer produced."""
    return Says(
        f"{c.operation}: {c.extra.get('what')} no longer offers {c.name}",
        "callers asking for that media type get a 406 or a body they cannot parse",
        "keep producing the media type until the next major version",
    )


@rule("response-media-type-added", INFO, "response", on="media-type-added")
def response_media_type_added(c: Change) -> Says:
    """A response media type was added: an additive change."""
    return Says(
        f"{c.operation}: {c.extra.get('what')} now also offers {c.name}",
        "existing callers are unaffected",
        "bump the minor version",
    )


@rule("response-required-property-removed", ERR, "response", on="property-removed", **_P)
def response_property_removed(c: Change) -> Says | None:
    """A required response property was removed."""
    if not c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: {where(c)} was removed",
        f"{_READERS} read it and get nothing (or fail validation)",
        "keep sending the property; deprecate it and remove it in the next major",
    )


@rule(
    "response-optional-property-removed",
    WARN,
    "response",
    on="property-removed",
    **_P,
    note="oasdiff: INFO since 1.30; kept WARN, readers lose data",
)
def response_optional_property_removed(c: Change) -> Says | None:
    """An optional response property was removed: readers that used it lose it."""
    if c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: optional {where(c)} was removed",
        "readers had to cope with its absence, but those that used it lose information",
        "deprecate the property first and say what replaces it",
    )


@rule("response-required-property-added", INFO, "response", on="property-added", **_P)
def response_required_property_added(c: Change) -> Says | None:
    """A new required property was added to a response: an additive change."""
    if not c.extra.get("required"):
        return None
    return _narrower(c, "was added (required):")


@rule("response-optional-property-added", INFO, "response", on="property-added", **_P)
def response_optional_property_added(c: Change) -> Says | None:
    """A new optional property was added to a response: an additive change."""
    if c.extra.get("required"):
        return None
    return _narrower(c, "was added (optional):")


@rule("response-property-became-optional", ERR, "response", on="property-became-optional", **_P)
def response_property_became_optional(c: Change) -> Says:
    """A required response property became optional: readers relying on it may not get it."""
    return Says(
        f"{c.operation}: {where(c)} became optional",
        f"{_READERS} assume it is always present and break when it is missing",
        "keep the property required; add an optional replacement beside it",
    )


@rule("response-property-became-required", INFO, "response", on="property-became-required", **_P)
def response_property_became_required(c: Change) -> Says:
    """An optional response property became required: readers get more guarantees."""
    return _narrower(c, "became required:")


@rule(
    "response-property-type-changed",
    ERR,
    "response",
    on=("type-changed", "type-widened", "format-changed"),
    **_P,
    body="response-body-type-changed",
)
def response_property_type_changed(c: Change) -> Says:
    """A response property's type or format changed or widened."""
    return _surprise(c, "type/format changed")


@rule(
    "response-property-type-specialized",
    INFO,
    "response",
    on="type-narrowed",
    **_P,
    body="response-body-type-specialized",
)
def response_property_type_narrowed(c: Change) -> Says:
    """A response property's type narrowed: every response is still valid for readers."""
    return _narrower(c, "type narrowed")


@rule(
    "response-property-became-nullable",
    ERR,
    "response",
    on="null-added",
    **_P,
    body="response-body-became-nullable",
)
def response_property_became_nullable(c: Change) -> Says:
    """A response property may now be null (3.0 nullable or 3.1 type array)."""
    return _surprise(c, "may now be null: type")


@rule(
    "response-property-became-not-nullable",
    INFO,
    "response",
    on="null-removed",
    **_P,
    body="response-body-became-not-nullable",
)
def response_property_became_not_nullable(c: Change) -> Says:
    """A response property can no longer be null: readers get more guarantees."""
    return _narrower(c, "can no longer be null: type")


@rule(
    "response-property-enum-value-added",
    WARN,
    "response",
    on="enum-value-added",
    **_P,
    body="response-body-enum-value-added",
    note=(
        "oasdiff: ERR; kept WARN: error-code and status enums grow within a major here, and "
        "clients must handle unknown values (say so with x-extensible-enum)"
    ),
)
def response_property_enum_value_added(c: Change) -> Says:
    """A value was added to a response property's enum: clients with exhaustive switches break."""
    return Says(
        f"{c.operation}: {where(c)} may now be {show(c.extra['values'])}",
        "clients that switch exhaustively over the enum (or generated enums) fail on the new value",
        "tell clients to handle unknown values; announce the value before servers send it",
    )


@rule("response-property-enum-value-removed", INFO, "response", on="enum-value-removed", **_P)
def response_property_enum_value_removed(c: Change) -> Says:
    """A value was removed from a response property's enum: readers just never see it again."""
    return _narrower(c, f"no longer returns {show(c.extra['values'])}: enum")


@rule("response-property-pattern-changed", ERR, "response", on="pattern-changed", **_P)
def response_property_pattern_changed(c: Change) -> Says:
    """A response property's pattern was added or changed."""
    return _surprise(c, "pattern changed")


@rule(
    "response-property-constraint-loosened",
    ERR,
    "response",
    on=("constraint-loosened", "became-not-enum"),
    **_P,
)
def response_property_constraint_loosened(c: Change) -> Says:
    """Another response property constraint was loosened (enum dropped, multipleOf, pattern)."""
    return _surprise(c, f"{c.extra.get('keyword')} loosened")


@rule(
    "response-property-constraint-tightened",
    INFO,
    "response",
    on=("constraint-tightened", "became-enum"),
    **_P,
)
def response_property_constraint_tightened(c: Change) -> Says:
    """A response property constraint was tightened: every response is still valid for readers."""
    return _narrower(c, f"{c.extra.get('keyword')} tightened")


@rule(
    "response-additional-properties-opened",
    ERR,
    "response",
    on="additional-properties-opened",
    **_P,
)
def response_additional_properties_opened(c: Change) -> Says:
    """A response schema that forbade undeclared properties now allows them."""
    return _surprise(c, "additionalProperties opened")


@rule(
    "response-property-one-of-added",
    ERR,
    "response",
    on="one-of-added",
    **_P,
    body="response-body-one-of-added",
)
def response_property_one_of_added(c: Change) -> Says:
    """A oneOf branch was added to a response schema: readers meet a shape they do not know."""
    return _surprise(c, "gained a oneOf branch:")


@rule(
    "response-property-any-of-added",
    ERR,
    "response",
    on="any-of-added",
    **_P,
    body="response-body-any-of-added",
)
def response_property_any_of_added(c: Change) -> Says:
    """An anyOf branch was added to a response schema: readers meet a shape they do not know."""
    return _surprise(c, "gained an anyOf branch:")


@rule(
    "response-property-all-of-removed",
    WARN,
    "response",
    on="all-of-removed",
    **_P,
    note="oasdiff: INFO since 1.30; kept WARN",
    body="response-body-all-of-removed",
)
def response_property_all_of_removed(c: Change) -> Says:
    """An allOf part was removed from a response schema: readers lose a guarantee."""
    return _surprise(c, "lost an allOf part:")


@rule(
    "response-property-composition-narrowed",
    INFO,
    "response",
    on=("one-of-removed", "any-of-removed", "all-of-added"),
    **_P,
)
def response_property_composition_narrowed(c: Change) -> Says:
    """A response schema lost a oneOf/anyOf branch or gained an allOf part: it promises more."""
    return _narrower(c, f"{c.extra.get('keyword')} narrowed:")
