"""Rules about operation security: alternatives (OR) of schemes (AND) and OAuth2 scopes."""

from __future__ import annotations

from conformance.compat._registry import ERR, INFO, Change, Says, rule, show

__all__: list[str] = []

_S = {"subject": "security"}


@rule("api-security-removed", ERR, "request", on="security-removed", **_S)
def api_security_removed(c: Change) -> Says:
    """A way to authenticate an operation is no longer accepted (including anonymous access)."""
    return Says(
        f"{c.operation}: security requirement `{c.name}` is no longer accepted",
        "callers authenticating that way (or calling anonymously) now get a 401",
        "keep accepting the old requirement as an alternative until the next major",
    )


@rule("api-security-added", INFO, "request", on="security-added", **_S)
def api_security_added(c: Change) -> Says:
    """A new alternative way to authenticate an operation is accepted."""
    return Says(
        f"{c.operation}: security requirement `{c.name}` is now accepted as an alternative",
        "existing callers keep authenticating the old way",
        "bump the minor version",
    )


@rule("api-security-scope-added", ERR, "request", on="security-scope-added", **_S)
def api_security_scope_added(c: Change) -> Says:
    """An operation now needs more OAuth2 scopes."""
    return Says(
        f"{c.operation}: `{c.name}` now also needs scopes {show(c.extra['scopes_changed'])}",
        "tokens issued with the old scopes are refused with 403 INSUFFICIENT_SCOPE",
        "keep the old scopes sufficient; require the new one only under a new major path prefix",
    )


@rule("api-security-scope-removed", INFO, "request", on="security-scope-removed", **_S)
def api_security_scope_removed(c: Change) -> Says:
    """An operation needs fewer OAuth2 scopes: existing tokens still work."""
    return Says(
        f"{c.operation}: `{c.name}` no longer needs scopes {show(c.extra['scopes_changed'])}",
        "existing tokens keep working",
        "no action needed",
    )
