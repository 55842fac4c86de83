"""Rules about how values travel: serialization, media type schemas, x-extensible-enum, webhooks.

Parameter defaults are here too; body and property defaults are keyword rules (`_check_keywords`).
"""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show, where

__all__: list[str] = []

_P = {"subject": "parameter"}
_MISREAD = "the server parses what callers send the old way into different values, or refuses it"


# --- parameter serialization ----------------------------------------------------------------


@rule("request-parameter-style-changed", ERR, "request", on="parameter-style-changed", **_P)
def request_parameter_style_changed(c: Change) -> Says:
    """A request parameter's serialization style changed (for example form to pipeDelimited)."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` style changed from {c.base} to {c.revision}",
        f"callers serialize it the old way; {_MISREAD}",
        "keep the style; add a new parameter written the new way",
    )


@rule("request-parameter-explode-changed", ERR, "request", on="parameter-explode-changed", **_P)
def request_parameter_explode_changed(c: Change) -> Says:
    """A request parameter's explode changed (counting the style's default)."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` explode changed from {c.base} to "
        f"{c.revision}",
        f"callers write arrays and objects the old way (ids=1&ids=2 vs ids=1,2); {_MISREAD}",
        "keep explode as it was",
    )


@rule(
    "request-parameter-became-not-allow-reserved",
    ERR,
    "request",
    on="parameter-allow-reserved-removed",
    **_P,
)
def request_parameter_became_not_allow_reserved(c: Change) -> Says:
    """A request parameter no longer allows reserved characters unencoded."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` no longer allows reserved characters",
        f"callers send `/?#[]@!$&'()*+,;=` unencoded as they were allowed to; {_MISREAD}",
        "keep allowReserved: true",
    )


@rule(
    "request-parameter-became-allow-reserved",
    INFO,
    "request",
    on="parameter-allow-reserved-added",
    **_P,
)
def request_parameter_became_allow_reserved(c: Change) -> Says:
    """A request parameter now also accepts reserved characters unencoded."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` now allows reserved characters unencoded",
        "callers that percent-encode them are still understood",
        "no action needed",
    )


@rule(
    "request-parameter-allow-empty-value-removed",
    ERR,
    "request",
    on="parameter-allow-empty-value-removed",
    **_P,
    note="not in oasdiff",
)
def request_parameter_allow_empty_value_removed(c: Change) -> Says:
    """A request parameter no longer accepts an empty value (`?flag=`)."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` no longer accepts an empty value",
        "callers that send it empty, as they were allowed to, are refused with a 400",
        "keep allowEmptyValue: true",
    )


@rule(
    "request-parameter-allow-empty-value-added",
    INFO,
    "request",
    on="parameter-allow-empty-value-added",
    **_P,
    note="not in oasdiff",
)
def request_parameter_allow_empty_value_added(c: Change) -> Says:
    """A request parameter now accepts an empty value."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` now accepts an empty value",
        "existing callers are unaffected",
        "no action needed",
    )


# --- parameter defaults ---------------------------------------------------------------------


@rule(
    "request-parameter-default-value-changed",
    WARN,
    "request",
    on="default-value-changed",
    **_P,
    note="oasdiff: ERR; every request stays valid, hence WARN",
)
def request_parameter_default_value_changed(c: Change) -> Says:
    """A request parameter's default value changed: callers omitting it get other behaviour."""
    return Says(
        f"{c.operation}: {where(c)} default changed from {show(c.base)} to {show(c.revision)}",
        "callers that omit the parameter relied on the old default; the server now behaves "
        "differently for the same call (oasdiff: ERR; every request stays valid, hence WARN)",
        "keep the old default",
    )


@rule(
    "request-parameter-default-value-removed",
    WARN,
    "request",
    on="default-value-removed",
    **_P,
    note="oasdiff: ERR",
)
def request_parameter_default_value_removed(c: Change) -> Says:
    """A request parameter's default value was removed: omitting it no longer means that value."""
    return Says(
        f"{c.operation}: {where(c)} no longer defaults to {show(c.base)}",
        "callers that omit the parameter relied on the default",
        "keep the default, or make the server's behaviour without it explicit",
    )


@rule(
    "request-parameter-default-value-added",
    INFO,
    "request",
    on="default-value-added",
    **_P,
    note="oasdiff: ERR",
)
def request_parameter_default_value_added(c: Change) -> Says:
    """A request parameter gained a documented default value."""
    return Says(
        f"{c.operation}: {where(c)} now defaults to {show(c.revision)}",
        "existing callers are unaffected if the server already behaved that way",
        "make sure the documented default is what the server did before",
    )


# --- x-extensible-enum: a value set that is meant to grow ------------------------------------


def _values(c: Change) -> str:
    return show(c.extra["values"])


@rule(
    "request-property-x-extensible-enum-value-removed",
    ERR,
    "request",
    on="extensible-enum-value-removed",
    subject="property",
)
def request_property_x_extensible_enum_value_removed(c: Change) -> Says:
    """A value was removed from a request property's x-extensible-enum."""
    return Says(
        f"{c.operation}: {where(c)} x-extensible-enum no longer lists {_values(c)}",
        "callers that send the removed values are refused",
        "keep the value; an extensible enum only grows",
    )


@rule(
    "request-parameter-x-extensible-enum-value-removed",
    ERR,
    "request",
    on="extensible-enum-value-removed",
    **_P,
)
def request_parameter_x_extensible_enum_value_removed(c: Change) -> Says:
    """A value was removed from a request parameter's x-extensible-enum."""
    return Says(
        f"{c.operation}: {where(c)} x-extensible-enum no longer lists {_values(c)}",
        "callers that send the removed values are refused",
        "keep the value; an extensible enum only grows",
    )


@rule(
    "request-property-x-extensible-enum-value-added",
    INFO,
    "request",
    on="extensible-enum-value-added",
    subject="property",
    note="not in oasdiff",
)
def request_property_x_extensible_enum_value_added(c: Change) -> Says:
    """A value was added to a request property's x-extensible-enum."""
    return Says(
        f"{c.operation}: {where(c)} x-extensible-enum now also lists {_values(c)}",
        "existing callers are unaffected",
        "bump the minor version",
    )


@rule(
    "response-property-x-extensible-enum-value-added",
    INFO,
    "response",
    on="extensible-enum-value-added",
    subject="property",
    note="not in oasdiff",
)
def response_property_x_extensible_enum_value_added(c: Change) -> Says:
    """A value was added to a response property's x-extensible-enum: readers expect new values."""
    return Says(
        f"{c.operation}: {where(c)} x-extensible-enum now also lists {_values(c)}",
        "an extensible enum tells readers to handle values they do not know; nobody breaks",
        "bump the minor version",
    )


@rule(
    "response-property-x-extensible-enum-value-removed",
    INFO,
    "response",
    on="extensible-enum-value-removed",
    subject="property",
    note="not in oasdiff",
)
def response_property_x_extensible_enum_value_removed(c: Change) -> Says:
    """A value was removed from a response property's x-extensible-enum."""
    return Says(
        f"{c.operation}: {where(c)} x-extensible-enum no longer lists {_values(c)}",
        "readers just never see the value again",
        "no action needed",
    )


# --- a media type that had no schema, or loses it ------------------------------------------


@rule("request-body-media-type-schema-added", ERR, "request", on="media-type-schema-added")
def request_body_media_type_schema_added(c: Change) -> Says:
    """A request media type that accepted anything now has a schema."""
    return Says(
        f"{c.operation}: request body media type {c.name} now has a schema",
        "bodies were accepted whatever they held; those that do not match the schema are refused",
        "keep the media type schemaless; add the schema under a new media type or major prefix",
    )


@rule("request-body-media-type-schema-removed", INFO, "request", on="media-type-schema-removed")
def request_body_media_type_schema_removed(c: Change) -> Says:
    """A request media type lost its schema: it accepts any body now."""
    return Says(
        f"{c.operation}: request body media type {c.name} no longer has a schema",
        "every body valid before is still accepted",
        "no action needed",
    )


@rule("response-body-media-type-schema-added", INFO, "response", on="media-type-schema-added")
def response_body_media_type_schema_added(c: Change) -> Says:
    """A response media type gained a schema: readers learn what it holds."""
    return Says(
        f"{c.operation}: {c.extra.get('what')} {c.name} now has a schema",
        "readers get a description of what they already received",
        "no action needed",
    )


@rule("response-body-media-type-schema-removed", WARN, "response", on="media-type-schema-removed")
def response_body_media_type_schema_removed(c: Change) -> Says:
    """A response media type lost its schema: readers lose every guarantee about it."""
    return Says(
        f"{c.operation}: {c.extra.get('what')} {c.name} no longer has a schema",
        "readers that parse it as the old schema get no promise any more",
        "keep the schema",
    )


# --- webhooks ---------------------------------------------------------------------------------


@rule("webhook-removed", ERR, "operation", on="webhook-removed")
def webhook_removed(c: Change) -> Says:
    """A webhook was removed: receivers that rely on it are no longer called."""
    return Says(
        f"webhook `{c.name}` was removed",
        "integrations that react to it stop hearing about the event",
        "keep sending the webhook until the next major version",
    )


@rule("webhook-added", INFO, "operation", on="webhook-added")
def webhook_added(c: Change) -> Says:
    """A webhook was added."""
    return Says(
        f"webhook `{c.name}` was added",
        "existing receivers are unaffected until they subscribe",
        "bump the minor version",
    )
