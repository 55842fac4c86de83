"""Rules about paths and operations: removed (with or without deprecation), added, deprecated."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, Change, Says, rule

__all__: list[str] = []

_ADVICE = (
    "keep the operation, mark it `deprecated: true` with an `x-sunset` date and a `Sunset` "
    "header, publish its replacement under a new `/v{major}/` prefix, and remove it only after "
    "the sunset date"
)


def _unstable(c: Change) -> bool:
    return bool(c.extra.get("unstable"))


def _sunset_passed(c: Change) -> bool:
    return c.extra.get("sunset") is not None and c.extra["sunset"] <= c.extra["today"]


def _before_sunset(c: Change, what: str) -> Says | None:
    if not c.extra.get("deprecated") or _sunset_passed(c) or _unstable(c):
        return None
    raw = c.extra.get("sunset_raw")
    when = f"its x-sunset {raw} has not passed" if raw else "it declares no x-sunset date"
    return Says(
        f"{c.operation} was {what} while deprecated, but {when}",
        "callers were promised the operation until its sunset date; removing it earlier "
        "breaks every integration that has not migrated yet",
        "keep the operation until the x-sunset date has passed (and declare one if missing)",
    )


def _without_deprecation(c: Change, what: str) -> Says | None:
    if c.extra.get("deprecated") or _unstable(c):
        return None
    return Says(
        f"{c.operation} was {what} without being deprecated first",
        "callers of this operation get 404/405 with no warning period; the provider side "
        "of every integration using it breaks on deploy",
        _ADVICE,
    )


@rule("api-path-removed-without-deprecation", ERR, "operation", on="path-removed")
def api_path_removed_without_deprecation(c: Change) -> Says | None:
    """A whole path (with this operation) was removed without first being deprecated."""
    return _without_deprecation(c, "removed together with its path")


@rule("api-path-removed-before-sunset", ERR, "operation", on="path-removed")
def api_path_removed_before_sunset(c: Change) -> Says | None:
    """A deprecated path was removed before its x-sunset date (or without one)."""
    return _before_sunset(c, "removed together with its path")


@rule("api-removed-without-deprecation", ERR, "operation", on="operation-removed")
def api_removed_without_deprecation(c: Change) -> Says | None:
    """An operation was removed (its path stays) without first being deprecated."""
    return _without_deprecation(c, "removed")


@rule("api-removed-before-sunset", ERR, "operation", on="operation-removed")
def api_removed_before_sunset(c: Change) -> Says | None:
    """A deprecated operation was removed before its x-sunset date (or without one)."""
    return _before_sunset(c, "removed")


def _after_sunset(c: Change) -> Says | None:
    if not c.extra.get("deprecated") or not _sunset_passed(c) or _unstable(c):
        return None
    return Says(
        f"{c.operation} was removed after its sunset date {c.extra['sunset_raw']}",
        "the removal was announced by the deprecation and its sunset date; callers had the "
        "whole deprecation window to move to the replacement",
        "note the removal in spec/CHANGELOG.md",
    )


@rule("api-removed-with-deprecation", INFO, "operation", on="operation-removed")
def api_removed_with_deprecation(c: Change) -> Says | None:
    """A deprecated operation was removed after its x-sunset date passed: its planned end."""
    return _after_sunset(c)


@rule("api-path-removed-with-deprecation", INFO, "operation", on="path-removed")
def api_path_removed_with_deprecation(c: Change) -> Says | None:
    """A deprecated path was removed after its x-sunset date passed: its planned end."""
    return _after_sunset(c)


@rule(
    "api-removed-while-in-use",
    ERR,
    "operation",
    on=("path-removed", "operation-removed"),
    category="policy",
    note="not in oasdiff: it reads a usage export (`--usage`, the sandbox's /sandbox/usage)",
)
def api_removed_while_in_use(c: Change) -> Says | None:
    """An operation was removed while the usage export (--usage) shows calls above zero."""
    usage = c.extra.get("usage")
    if not usage or int(usage.get("calls", 0)) <= 0:
        return None
    callers = usage.get("callers") or []
    named = ", ".join(
        f"{x.get('provider_id')}/{x.get('brand_id')}/{x.get('region')} ({x.get('calls')})"
        for x in callers[:3]
    ) + (f" and {len(callers) - 3} more" if len(callers) > 3 else "")
    return Says(
        f"{c.operation} was removed while the usage export shows {usage['calls']} call(s)"
        + (f" by {named}" if named else "")
        + (f", the last at {callers[-1].get('last_call')}" if callers else ""),
        "the callers in the export have not migrated yet; whatever the sunset date says, "
        "removing the operation breaks them on deploy",
        "keep the operation until the callers have moved (their count stays at zero for a "
        "whole usage window), and tell them with the Deprecation and Sunset headers",
    )


@rule("endpoint-added", INFO, "operation", on="operation-added")
def endpoint_added(c: Change) -> Says:
    """A new operation was added: an additive change (a minor version)."""
    return Says(
        f"{c.operation} was added",
        "existing callers are unaffected; implementations of the platform side must now serve it",
        "bump the minor version",
    )


@rule("endpoint-deprecated", INFO, "operation", on="operation-deprecated")
def endpoint_deprecated(c: Change) -> Says:
    """An operation was marked deprecated: callers should start migrating."""
    sunset = c.extra.get("sunset")
    return Says(
        f"{c.operation} is now deprecated"
        + (f" (sunset {sunset})" if sunset else " (no x-sunset yet)"),
        "nothing breaks yet; the operation may be removed after its sunset date",
        "declare an `x-sunset` date and send `Deprecation` and `Sunset` response headers",
    )


@rule(
    "api-unstable-removed",
    INFO,
    "operation",
    on=("path-removed", "operation-removed"),
    note="not in oasdiff (it reports nothing for draft/alpha removals)",
)
def api_unstable_removed(c: Change) -> Says | None:
    """An operation at x-stability-level draft or alpha was removed: it carried no promise."""
    if not _unstable(c):
        return None
    return Says(
        f"{c.operation} (x-stability-level draft/alpha) was removed",
        "draft and alpha operations make no stability promise; callers were told they may go",
        "note the removal in spec/CHANGELOG.md",
    )
