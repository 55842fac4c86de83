"""Rules about response headers (request headers are parameters, see `_check_parameters`)."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show

__all__: list[str] = []

_H = {"subject": "header"}


@rule(
    "required-response-header-removed",
    ERR,
    "response",
    on="header-removed",
    **_H,
)
def response_required_header_removed(c: Change) -> Says | None:
    """A required response header was removed."""
    if not c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: required response header `{c.name}` ({c.extra['status']}) was removed",
        "clients that read it (trace ids, idempotency replay flags, rate limits) get nothing",
        "keep sending the header until the next major version",
    )


@rule(
    "optional-response-header-removed",
    WARN,
    "response",
    on="header-removed",
    **_H,
    note="oasdiff: INFO since 1.30; kept WARN, clients that used it lose it",
)
def response_optional_header_removed(c: Change) -> Says | None:
    """An optional response header was removed: clients that used it lose it."""
    if c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: optional response header `{c.name}` ({c.extra['status']}) was removed",
        "clients had to cope with its absence, but those that used it lose information",
        "deprecate the header first",
    )


@rule("response-header-became-optional", ERR, "response", on="header-became-optional", **_H)
def response_header_became_optional(c: Change) -> Says:
    """A required response header became optional."""
    return Says(
        f"{c.operation}: response header `{c.name}` ({c.extra['status']}) became optional",
        "clients that rely on it being present break when it is missing",
        "keep the header required",
    )


@rule("response-header-added", INFO, "response", on="header-added", **_H)
def response_header_added(c: Change) -> Says:
    """A response header was added: an additive change."""
    return Says(
        f"{c.operation}: new response header `{c.name}` ({c.extra['status']})",
        "existing clients ignore headers they do not know",
        "bump the minor version",
    )


@rule(
    "response-header-type-changed",
    ERR,
    "response",
    on=("type-changed", "type-widened", "format-changed", "null-added"),
    **_H,
)
def response_header_type_changed(c: Change) -> Says:
    """A response header's schema type or format changed or widened."""
    return Says(
        f"{c.operation}: {c.extra.get('where')} type/format changed from {show(c.base)} "
        f"to {show(c.revision)}",
        "clients that parse the header as the old type fail",
        "add a new header with the new type and deprecate the old one",
    )


@rule("response-header-enum-value-added", WARN, "response", on="enum-value-added", **_H)
def response_header_enum_value_added(c: Change) -> Says:
    """A value was added to a response header's enum."""
    return Says(
        f"{c.operation}: {c.extra.get('where')} may now be {show(c.extra['values'])}",
        "clients that switch exhaustively over the header's values fail on the new one",
        "tell clients to handle unknown values",
    )
