"""Rules about request parameters (path, query, header, cookie): added, removed, moved, changed."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, WARN, Change, Says, rule, show

__all__: list[str] = []

_P = {"subject": "parameter"}
_CALLERS = "callers that send what was valid yesterday get a 400 today"


def _pname(c: Change) -> str:
    return c.extra.get("where") or f"parameter `{c.name}`"


@rule("new-required-request-parameter", ERR, "request", on="parameter-added", **_P)
def new_required_request_parameter(c: Change) -> Says | None:
    """A new required request parameter was added: existing callers do not send it."""
    if not c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: new required request parameter `{c.name}`",
        "every existing caller omits it and will be refused with a 400",
        "add the parameter as optional with a documented default; require it only under a new "
        "major path prefix",
    )


@rule("new-optional-request-parameter", INFO, "request", on="parameter-added", **_P)
def new_optional_request_parameter(c: Change) -> Says | None:
    """A new optional request parameter was added: an additive change."""
    if c.extra.get("required"):
        return None
    return Says(
        f"{c.operation}: new optional request parameter `{c.name}`",
        "existing callers are unaffected; servers must accept calls without it",
        "bump the minor version and document the default",
    )


@rule("request-parameter-removed", WARN, "request", on="parameter-removed", **_P)
def request_parameter_removed(c: Change) -> Says | None:
    """A request parameter was removed: callers still send it and the server now ignores it."""
    if c.extra.get("deprecated"):
        return None  # its deprecation and sunset decide (request-parameter-removed-*)
    return Says(
        f"{c.operation}: request parameter `{c.name}` was removed",
        "callers keep sending it; a server that ignores it silently changes what those calls "
        "mean, and a strict server refuses them",
        "deprecate the parameter first (`deprecated: true`) and accept it until the next major",
    )


@rule("request-parameter-became-required", ERR, "request", on="parameter-became-required", **_P)
def request_parameter_became_required(c: Change) -> Says:
    """An optional request parameter became required."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` became required",
        "callers that omit it (valid until now) get a 400",
        "keep it optional with a server-side default",
    )


@rule("request-parameter-became-optional", INFO, "request", on="parameter-became-optional", **_P)
def request_parameter_became_optional(c: Change) -> Says:
    """A required request parameter became optional: callers may now omit it."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` became optional",
        "existing callers keep sending it and are unaffected",
        "document the default the server applies",
    )


@rule("request-parameter-in-changed", ERR, "request", on="parameter-in-changed", **_P)
def request_parameter_in_changed(c: Change) -> Says:
    """A request parameter moved to another location (for example from query to header)."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` moved from {c.base} to {c.revision}",
        "callers still send it in the old place, so the server no longer sees it",
        "accept it in both places until the next major version",
    )


@rule(
    "request-parameter-type-changed",
    ERR,
    "request",
    on=("type-changed", "type-narrowed", "format-changed", "null-removed"),
    **_P,
)
def request_parameter_type_changed(c: Change) -> Says:
    """A request parameter's type or format changed or narrowed: callers' values no longer parse."""
    return Says(
        f"{c.operation}: {_pname(c)} type/format changed from {show(c.base)} to {show(c.revision)}",
        f"values callers send today may not be of the new type; {_CALLERS}",
        "add a new parameter with the new type and deprecate the old one",
    )


@rule(
    "request-parameter-type-generalized", INFO, "request", on=("type-widened", "null-added"), **_P
)
def request_parameter_type_widened(c: Change) -> Says:
    """A request parameter now accepts more types: every value valid before is still valid."""
    return Says(
        f"{c.operation}: {_pname(c)} type widened from {show(c.base)} to {show(c.revision)}",
        "existing callers are unaffected",
        "servers must accept the new types",
    )


@rule("request-parameter-enum-value-removed", ERR, "request", on="enum-value-removed", **_P)
def request_parameter_enum_value_removed(c: Change) -> Says:
    """A value was removed from a request parameter's enum."""
    return Says(
        f"{c.operation}: {_pname(c)} no longer accepts {show(c.extra['values'])}",
        f"callers that send the removed values get a 400; {_CALLERS}",
        "keep accepting the value (deprecate it in the description) until the next major",
    )


@rule("request-parameter-enum-value-added", INFO, "request", on="enum-value-added", **_P)
def request_parameter_enum_value_added(c: Change) -> Says:
    """A value was added to a request parameter's enum: callers may send it, none has to."""
    return Says(
        f"{c.operation}: {_pname(c)} now also accepts {show(c.extra['values'])}",
        "existing callers are unaffected",
        "bump the minor version",
    )


def _tightened(c: Change, what: str) -> Says:
    return Says(
        f"{c.operation}: {_pname(c)} {what} from {show(c.base)} to {show(c.revision)}",
        f"values that satisfied the old constraint are now refused; {_CALLERS}",
        "keep the old constraint; tighten it only under a new major path prefix",
    )


@rule("request-parameter-pattern-changed", ERR, "request", on="pattern-changed", **_P)
def request_parameter_pattern_changed(c: Change) -> Says:
    """A request parameter's pattern was added or changed."""
    return _tightened(c, "pattern changed")


@rule("request-parameter-constraint-tightened", ERR, "request", on="constraint-tightened", **_P)
def request_parameter_constraint_tightened(c: Change) -> Says:
    """Another request parameter constraint was tightened (multipleOf, uniqueItems)."""
    return _tightened(c, f"{c.extra.get('keyword')} tightened")


@rule(
    "request-parameter-constraint-loosened",
    INFO,
    "request",
    on="constraint-loosened",
    **_P,
)
def request_parameter_constraint_loosened(c: Change) -> Says:
    """A request parameter's constraint was loosened: every value valid before still is."""
    return Says(
        f"{c.operation}: {_pname(c)} {c.extra.get('keyword')} loosened from {show(c.base)} "
        f"to {show(c.revision)}",
        "existing callers are unaffected",
        "servers must accept the wider range",
    )


@rule("request-parameter-became-enum", ERR, "request", on="became-enum", subject="parameter")
def request_parameter_became_enum(c: Change) -> Says:
    """A request parameter was restricted to a list of enum values."""
    return _tightened(c, "restricted to an enum:")


@rule(
    "request-parameter-became-not-enum", INFO, "request", on="became-not-enum", subject="parameter"
)
def request_parameter_became_not_enum(c: Change) -> Says:
    """A request parameter is no longer restricted to a list of enum values."""
    return Says(
        f"{c.operation}: {_pname(c)} no longer restricted to {show(c.base)}",
        "every value valid before is still valid; existing callers are unaffected",
        "servers must accept the wider input",
    )
