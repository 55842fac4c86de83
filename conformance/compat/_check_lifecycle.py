"""Rules about deprecation, sunset dates and stability levels of operations, parameters, properties.

Removing something is a wire change (`_check_paths`, and `request-parameter-removed-*` here);
how it was announced is release policy: a deprecation needs an `x-sunset` date, a sunset date is
never deleted or moved earlier, and a stability level is never lowered. Those findings have
category `policy`, so they gate a merge only under `--check-policy`.
"""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, Change, Says, rule, show

__all__: list[str] = []

_POLICY = {"category": "policy"}
_PARAM = {"subject": "parameter"}
_PROP = {"subject": "property"}
_NEEDS_SUNSET = (
    "integrators plan their migration against the sunset date; without one, a deprecation "
    "promises nothing and the removal can come at any time"
)
_KEEP_SUNSET = (
    "integrators planned their migration against the announced sunset date; taking it back or "
    "moving it earlier cuts their migration window"
)
_STABILITY = (
    "integrators chose to depend on it at the announced stability; lowering it withdraws the "
    "promise they built on"
)


def _sunset_passed(c: Change) -> bool:
    return c.extra.get("sunset") is not None and c.extra["sunset"] <= c.extra["today"]


# --- operations -------------------------------------------------------------------------------


@rule(
    "api-deprecated-sunset-missing",
    ERR,
    "operation",
    on="operation-deprecated-sunset-missing",
    **_POLICY,
)
def api_deprecated_sunset_missing(c: Change) -> Says:
    """An operation was deprecated without a (readable) x-sunset date."""
    raw = c.extra.get("sunset")
    what = "without an x-sunset date" if raw is None else f"with an unreadable x-sunset {raw!r}"
    return Says(
        f"{c.operation} was deprecated {what}",
        _NEEDS_SUNSET,
        "declare `x-sunset: YYYY-MM-DD` on the operation and send the `Sunset` header",
    )


@rule("endpoint-reactivated", INFO, "operation", on="operation-reactivated")
def endpoint_reactivated(c: Change) -> Says:
    """A deprecated operation is no longer deprecated."""
    return Says(
        f"{c.operation} is no longer deprecated",
        "callers that had not migrated yet may keep using it",
        "stop sending the Deprecation and Sunset headers",
    )


@rule("sunset-deleted", ERR, "operation", on="operation-sunset-deleted", **_POLICY)
def sunset_deleted(c: Change) -> Says:
    """A deprecated operation's x-sunset date was deleted while it stays deprecated."""
    return Says(
        f"{c.operation}: x-sunset {show(c.extra['before'])} was deleted, deprecated: true kept",
        _KEEP_SUNSET,
        "keep the x-sunset date, or move it later",
    )


@rule(
    "api-sunset-date-changed-too-small",
    ERR,
    "operation",
    on="operation-sunset-moved-earlier",
    **_POLICY,
)
def api_sunset_date_changed_too_small(c: Change) -> Says:
    """A deprecated operation's x-sunset date moved earlier."""
    return Says(
        f"{c.operation}: x-sunset moved earlier, from {c.extra['before']} to {c.extra['after']}",
        _KEEP_SUNSET,
        "keep the announced sunset date, or move it later",
    )


@rule("api-stability-decreased", ERR, "operation", on="operation-stability-decreased", **_POLICY)
def api_stability_decreased(c: Change) -> Says:
    """An operation's x-stability-level was lowered (draft < alpha < beta < stable)."""
    return Says(
        f"{c.operation}: x-stability-level lowered from {c.extra['before']} to {c.extra['after']}",
        _STABILITY,
        "keep the stability level; publish an experimental variant as a new operation",
    )


@rule("api-stability-increased", INFO, "operation", on="operation-stability-increased", **_POLICY)
def api_stability_increased(c: Change) -> Says:
    """An operation's x-stability-level was raised: it now promises more."""
    return Says(
        f"{c.operation}: x-stability-level raised from {c.extra['before']} to {c.extra['after']}",
        "integrators may now depend on it at the higher level",
        "no action needed",
    )


@rule("api-invalid-stability-level", ERR, "operation", on="operation-stability-invalid", **_POLICY)
def api_invalid_stability_level(c: Change) -> Says:
    """An operation's x-stability-level is not one of draft, alpha, beta, stable."""
    return Says(
        f"{c.operation}: x-stability-level {show(c.extra['after'])} is not draft, alpha, "
        "beta or stable",
        "nobody can tell what the operation promises",
        "use one of draft, alpha, beta, stable",
    )


# --- parameters -------------------------------------------------------------------------------


@rule("request-parameter-deprecated", INFO, "request", on="parameter-deprecated", **_PARAM)
def request_parameter_deprecated(c: Change) -> Says:
    """A request parameter was marked deprecated: callers should stop sending it."""
    sunset = c.extra.get("sunset")
    return Says(
        f"{c.operation}: request parameter `{c.name}` is now deprecated"
        + (f" (sunset {sunset})" if sunset else ""),
        "nothing breaks yet; the parameter may be removed after its sunset date",
        "declare an x-sunset date on the parameter",
    )


@rule(
    "request-parameter-deprecated-sunset-missing",
    ERR,
    "request",
    on="parameter-deprecated-sunset-missing",
    **_PARAM,
    **_POLICY,
)
def request_parameter_deprecated_sunset_missing(c: Change) -> Says:
    """A request parameter was deprecated without a (readable) x-sunset date."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` was deprecated without an x-sunset date",
        _NEEDS_SUNSET,
        "declare `x-sunset: YYYY-MM-DD` on the parameter",
    )


@rule("request-parameter-reactivated", INFO, "request", on="parameter-reactivated", **_PARAM)
def request_parameter_reactivated(c: Change) -> Says:
    """A deprecated request parameter is no longer deprecated."""
    return Says(
        f"{c.operation}: request parameter `{c.name}` is no longer deprecated",
        "callers may keep sending it",
        "no action needed",
    )


@rule(
    "request-parameter-sunset-deleted",
    ERR,
    "request",
    on="parameter-sunset-deleted",
    **_PARAM,
    **_POLICY,
)
def request_parameter_sunset_deleted(c: Change) -> Says:
    """A deprecated request parameter's x-sunset date was deleted while it stays deprecated."""
    return Says(
        f"{c.operation}: request parameter `{c.name}`: x-sunset {show(c.extra['before'])} deleted",
        _KEEP_SUNSET,
        "keep the x-sunset date, or move it later",
    )


@rule(
    "request-parameter-sunset-date-changed-too-small",
    ERR,
    "request",
    on="parameter-sunset-moved-earlier",
    **_PARAM,
    **_POLICY,
)
def request_parameter_sunset_date_changed_too_small(c: Change) -> Says:
    """A deprecated request parameter's x-sunset date moved earlier."""
    return Says(
        f"{c.operation}: request parameter `{c.name}`: x-sunset moved earlier, from "
        f"{c.extra['before']} to {c.extra['after']}",
        _KEEP_SUNSET,
        "keep the announced sunset date, or move it later",
    )


@rule("request-parameter-removed-before-sunset", ERR, "request", on="parameter-removed", **_PARAM)
def request_parameter_removed_before_sunset(c: Change) -> Says | None:
    """A deprecated request parameter was removed before its x-sunset date (or without one)."""
    if not c.extra.get("deprecated") or _sunset_passed(c):
        return None
    raw = c.extra.get("sunset_raw")
    when = f"its x-sunset {raw} has not passed" if raw else "it declares no x-sunset date"
    return Says(
        f"{c.operation}: deprecated request parameter `{c.name}` was removed, but {when}",
        "callers were promised the parameter until its sunset date; a server that now refuses "
        "or ignores it changes what their calls mean",
        "keep accepting the parameter until its x-sunset date has passed",
    )


@rule(
    "request-parameter-removed-with-deprecation",
    INFO,
    "request",
    on="parameter-removed",
    **_PARAM,
)
def request_parameter_removed_with_deprecation(c: Change) -> Says | None:
    """A deprecated request parameter was removed after its x-sunset date: its planned end."""
    if not c.extra.get("deprecated") or not _sunset_passed(c):
        return None
    return Says(
        f"{c.operation}: request parameter `{c.name}` was removed after its sunset date "
        f"{c.extra['sunset_raw']}",
        "the removal was announced; callers had the deprecation window to stop sending it",
        "note the removal in spec/CHANGELOG.md",
    )


# --- properties -------------------------------------------------------------------------------


def _deprecated(c: Change, side: str) -> Says:
    return Says(
        f"{c.operation}: {side} property `{c.name}` is now deprecated",
        "nothing breaks yet; the property may be removed in a later major version",
        "say what replaces it in its description",
    )


@rule("request-property-deprecated", INFO, "request", on="schema-deprecated", **_PROP)
def request_property_deprecated(c: Change) -> Says | None:
    """A request property was marked deprecated: callers should stop sending it."""
    return _deprecated(c, "request") if c.name else None


@rule("response-property-deprecated", INFO, "response", on="schema-deprecated", **_PROP)
def response_property_deprecated(c: Change) -> Says | None:
    """A response property was marked deprecated: readers should stop relying on it."""
    return _deprecated(c, "response") if c.name else None


def _stability_says(c: Change, side: str, lowered: bool) -> Says | None:
    if not c.name:
        return None
    verb = "lowered" if lowered else "raised"
    return Says(
        f"{c.operation}: {side} property `{c.name}` x-stability-level {verb} from "
        f"{c.extra.get('before')} to {c.extra.get('after')}",
        _STABILITY if lowered else "integrators may now depend on it at the higher level",
        "keep the stability level" if lowered else "no action needed",
    )


@rule(
    "request-property-stability-decreased",
    ERR,
    "request",
    on="schema-stability-decreased",
    **_PROP,
    **_POLICY,
)
def request_property_stability_decreased(c: Change) -> Says | None:
    """A request property's x-stability-level was lowered."""
    return _stability_says(c, "request", True)


@rule(
    "response-property-stability-decreased",
    ERR,
    "response",
    on="schema-stability-decreased",
    **_PROP,
    **_POLICY,
)
def response_property_stability_decreased(c: Change) -> Says | None:
    """A response property's x-stability-level was lowered."""
    return _stability_says(c, "response", True)


@rule(
    "request-property-stability-increased",
    INFO,
    "request",
    on="schema-stability-increased",
    **_PROP,
    **_POLICY,
)
def request_property_stability_increased(c: Change) -> Says | None:
    """A request property's x-stability-level was raised."""
    return _stability_says(c, "request", False)


@rule(
    "response-property-stability-increased",
    INFO,
    "response",
    on="schema-stability-increased",
    **_PROP,
    **_POLICY,
)
def response_property_stability_increased(c: Change) -> Says | None:
    """A response property's x-stability-level was raised."""
    return _stability_says(c, "response", False)
