"""Rules about security: requirement alternatives (OR of AND-sets), scopes, and security schemes."""

from __future__ import annotations

from croupier.conformance.compat._registry import ERR, INFO, Change, Says, rule, show

__all__: list[str] = []

_S = {"subject": "security"}


@rule(
    "api-security-removed",
    ERR,
    "request",
    on="security-removed",
    **_S,
    note="oasdiff: INFO; callers authenticating that way get a 401",
)
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


@rule(
    "api-security-scope-added",
    ERR,
    "request",
    on="security-scope-added",
    **_S,
    note="oasdiff: INFO; old tokens get a 403",
)
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


@rule(
    "api-security-weakened",
    INFO,
    "request",
    on="security-weakened",
    **_S,
    note="not in oasdiff (it reports the AND member as removed)",
)
def api_security_weakened(c: Change) -> Says:
    """An AND-set of schemes (or scopes) an operation needs got smaller: old callers still pass."""
    return Says(
        f"{c.operation}: security requirement `{c.name}` now asks only for `{c.extra['now']}`",
        "callers that met the old requirement meet the smaller one too",
        "no action needed",
    )


# --- the document-wide requirement (operations that inherit it) --------------------------------


@rule(
    "api-global-security-removed",
    ERR,
    "request",
    on="global-security-removed",
    **_S,
    note="oasdiff: INFO; callers authenticating that way get a 401",
)
def api_global_security_removed(c: Change) -> Says:
    """A document-wide way to authenticate (or anonymous access) is no longer accepted."""
    return Says(
        f"global security requirement `{c.name}` is no longer accepted",
        "callers of every operation inheriting it that authenticate that way now get a 401",
        "keep accepting the old requirement as an alternative until the next major",
    )


@rule("api-global-security-added", INFO, "request", on="global-security-added", **_S)
def api_global_security_added(c: Change) -> Says:
    """A new document-wide alternative way to authenticate is accepted."""
    return Says(
        f"global security requirement `{c.name}` is now accepted as an alternative",
        "existing callers keep authenticating the old way",
        "bump the minor version",
    )


@rule(
    "api-global-security-scope-added",
    ERR,
    "request",
    on="global-security-scope-added",
    **_S,
    note="oasdiff: INFO; old tokens get a 403",
)
def api_global_security_scope_added(c: Change) -> Says:
    """The document-wide requirement now needs more OAuth2 scopes."""
    return Says(
        f"global security `{c.name}` now also needs scopes {show(c.extra['scopes_changed'])}",
        "tokens issued with the old scopes are refused with 403 on every inheriting operation",
        "keep the old scopes sufficient; require the new one only under a new major path prefix",
    )


@rule(
    "api-global-security-scope-removed", INFO, "request", on="global-security-scope-removed", **_S
)
def api_global_security_scope_removed(c: Change) -> Says:
    """The document-wide requirement needs fewer OAuth2 scopes: existing tokens still work."""
    return Says(
        f"global security `{c.name}` no longer needs scopes {show(c.extra['scopes_changed'])}",
        "existing tokens keep working",
        "no action needed",
    )


@rule(
    "api-global-security-weakened",
    INFO,
    "request",
    on="global-security-weakened",
    **_S,
    note="not in oasdiff (it reports the AND member as removed)",
)
def api_global_security_weakened(c: Change) -> Says:
    """The document-wide AND-set of schemes got smaller: callers that met it still pass."""
    return Says(
        f"global security requirement `{c.name}` now asks only for `{c.extra['now']}`",
        "callers that met the old requirement meet the smaller one too",
        "no action needed",
    )


# --- components.securitySchemes (only schemes the revision still uses are compared) -------------

_SCHEME_ADVICE = (
    "keep the old scheme working; publish the new one under a new name as an alternative "
    "requirement, and retire the old one in the next major"
)


def _scheme(c: Change, what: str) -> Says:
    return Says(
        f"security scheme `{c.name}`: {what} changed from {show(c.base)} to {show(c.revision)}",
        "callers authenticate the way the old scheme said; they now fail with a 401",
        _SCHEME_ADVICE,
    )


@rule("api-security-component-added", INFO, "request", on="security-scheme-component-added", **_S)
def api_security_component_added(c: Change) -> Says:
    """A security scheme was added to components.securitySchemes."""
    return Says(
        f"security scheme `{c.name}` was added",
        "no existing caller is affected until a requirement uses it",
        "no action needed",
    )


@rule(
    "api-security-component-removed", INFO, "request", on="security-scheme-component-removed", **_S
)
def api_security_component_removed(c: Change) -> Says:
    """A security scheme was removed from components (requirements using it are judged apart)."""
    return Says(
        f"security scheme `{c.name}` was removed",
        "requirements that used it are reported by the api-security-* rules",
        "no action needed",
    )


@rule(
    "api-security-component-type-changed",
    ERR,
    "request",
    on="security-scheme-type-changed",
    **_S,
    note="oasdiff: INFO; reported only for schemes in use",
)
def api_security_component_type_changed(c: Change) -> Says:
    """A security scheme in use changed its type (for example oauth2 to http)."""
    return _scheme(c, "type")


@rule(
    "api-security-component-scheme-changed",
    ERR,
    "request",
    on="security-scheme-scheme-changed",
    **_S,
    note="not in oasdiff",
)
def api_security_component_scheme_changed(c: Change) -> Says:
    """An HTTP security scheme in use changed its auth scheme (for example basic to bearer)."""
    return _scheme(c, "HTTP auth scheme")


@rule(
    "api-security-component-in-changed",
    ERR,
    "request",
    on="security-scheme-in-changed",
    **_S,
    note="not in oasdiff",
)
def api_security_component_in_changed(c: Change) -> Says:
    """An API key scheme in use moved (header, query or cookie)."""
    return _scheme(c, "API key location")


@rule(
    "api-security-component-name-changed",
    ERR,
    "request",
    on="security-scheme-name-changed",
    **_S,
    note="not in oasdiff",
)
def api_security_component_name_changed(c: Change) -> Says:
    """An API key scheme in use renamed its header, query parameter or cookie."""
    return _scheme(c, "API key name")


@rule(
    "api-security-component-openid-url-changed",
    ERR,
    "request",
    on="security-scheme-openid-url-changed",
    **_S,
    note="not in oasdiff",
)
def api_security_component_openid_url_changed(c: Change) -> Says:
    """An OpenID Connect scheme in use changed its discovery URL."""
    return _scheme(c, "openIdConnectUrl")


@rule(
    "api-security-component-oauth-token-url-changed",
    ERR,
    "request",
    on="security-scheme-token-url-changed",
    **_S,
    note="oasdiff: INFO; reported only for schemes in use",
)
def api_security_component_oauth_token_url_changed(c: Change) -> Says:
    """An OAuth2 flow in use changed its token URL: clients fetch tokens from the old one."""
    return _scheme(c, f"{c.extra['flow']} tokenUrl")


@rule(
    "api-security-component-oauth-url-changed",
    ERR,
    "request",
    on="security-scheme-auth-url-changed",
    **_S,
    note="oasdiff: INFO; reported only for schemes in use",
)
def api_security_component_oauth_url_changed(c: Change) -> Says:
    """An OAuth2 flow in use changed its authorization or refresh URL."""
    return _scheme(c, f"{c.extra['flow']} {c.extra['field']}")


@rule(
    "api-security-component-flow-removed",
    ERR,
    "request",
    on="security-scheme-flow-removed",
    **_S,
    note="not in oasdiff",
)
def api_security_component_flow_removed(c: Change) -> Says:
    """An OAuth2 scheme in use dropped a flow: clients using that grant get no token."""
    return Says(
        f"security scheme `{c.name}`: OAuth2 flow {c.extra['flow']} was removed",
        "clients that obtain tokens with that grant can no longer authenticate",
        _SCHEME_ADVICE,
    )


@rule(
    "api-security-component-flow-added",
    INFO,
    "request",
    on="security-scheme-flow-added",
    **_S,
    note="not in oasdiff",
)
def api_security_component_flow_added(c: Change) -> Says:
    """An OAuth2 scheme in use offers one more flow."""
    return Says(
        f"security scheme `{c.name}`: OAuth2 flow {c.extra['flow']} was added",
        "existing clients keep using their grant",
        "no action needed",
    )


@rule(
    "api-security-component-oauth-scope-removed",
    ERR,
    "request",
    on="security-scheme-scope-removed",
    **_S,
    note="oasdiff: INFO; reported only for schemes in use",
)
def api_security_component_oauth_scope_removed(c: Change) -> Says:
    """An OAuth2 flow in use no longer offers scopes: clients asking for them get no token."""
    return Says(
        f"security scheme `{c.name}` ({c.extra['flow']}) no longer offers scopes "
        f"{show(c.extra['scopes_changed'])}",
        "clients that request those scopes are refused a token (invalid_scope)",
        _SCHEME_ADVICE,
    )


@rule(
    "api-security-component-oauth-scope-added",
    INFO,
    "request",
    on="security-scheme-scope-added",
    **_S,
)
def api_security_component_oauth_scope_added(c: Change) -> Says:
    """An OAuth2 flow in use offers more scopes."""
    return Says(
        f"security scheme `{c.name}` ({c.extra['flow']}) now offers scopes "
        f"{show(c.extra['scopes_changed'])}",
        "existing clients keep their tokens",
        "no action needed",
    )
