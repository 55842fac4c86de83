"""Security scenarios: key bindings, headers sent twice or malformed, scopes, token lifetimes."""

from __future__ import annotations

from typing import Any

from croupier import (
    SANDBOX_CREDENTIALS,
    SANDBOX_ROTATION_CREDENTIALS,
    SIGNATURE_HEADER,
    Credentials,
    new_trace_id,
    sign_request,
)
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import NotApplicable, scenario
from croupier.conformance.certify._target import Reply

__all__: list[str] = []


def _signed(
    ctx: ScenarioContext,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    creds: Credentials | None = None,
    token: str | None = None,
    repeat: tuple[str, ...] = (),
) -> Reply:
    """A signed GET whose identity headers may differ from the profile's (signed as sent)."""
    creds = creds or ctx.target.credentials
    sent = {"X-Trace-Id": new_trace_id(), **ctx.target.credentials.identity.headers()}
    sent.update(headers or {})
    sent[SIGNATURE_HEADER] = sign_request(
        "GET", path, b"", creds.key_id, creds.signing_key, headers=sent
    )
    sent["Authorization"] = f"Bearer {token or ctx.target.client.token()}"
    pairs = list(sent.items()) + [(name, sent[name]) for name in repeat]
    return ctx.target.raw("GET", path, content=b"", headers=pairs)


def _token(ctx: ScenarioContext, scope: str, creds: Credentials | None = None) -> dict[str, Any]:
    """A token response for `scope` from the profile's token URL (or `creds`' client)."""
    oauth = ctx.target.connection.oauth
    creds = creds or ctx.target.credentials
    client_id = oauth.client_id if creds is ctx.target.credentials and oauth.client_id else None
    reply = ctx.target.http.post(
        oauth.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id or creds.oauth_client_id,
            "client_secret": (oauth.client_secret if client_id else None) or creds.secret,
            "scope": scope,
        },
    )
    if reply.status_code != 200:
        raise NotApplicable(f"the token endpoint answered {reply.status_code} for scope {scope}")
    return dict(reply.json())


@scenario(
    "key-bound-to-tenant-and-region",
    needs_sandbox=False,
    rules=(
        "security-key-tenant-binding",
        "security-key-region-binding",
        "error-tenant-mismatch",
        "error-region-not-allowed",
    ),
)
def key_bound_to_tenant_and_region(ctx: ScenarioContext) -> None:
    """Headers naming another brand or provider are 403 TENANT_MISMATCH, another region 403."""
    path = "/v1/jackpots"
    for header, value in (("X-Brand-Id", "brand-not-ours"), ("X-Provider-Id", "prov-not-ours")):
        ctx.expect_status(
            _signed(ctx, path, {header: value}),
            403,
            "TENANT_MISMATCH",
            f"a call signed with our key naming {header}: {value}",
        )
    ctx.expect_status(
        _signed(ctx, path, {"X-Region": "ZZ"}),
        403,
        "REGION_NOT_ALLOWED",
        "a call signed with our key for region ZZ",
    )


@scenario(
    "headers-malformed-or-twice",
    needs_sandbox=False,
    rules=("header-malformed", "header-sent-twice", "error-invalid-header"),
)
def headers_malformed_or_twice(ctx: ScenarioContext) -> None:
    """A header that only starts like its pattern, or one sent twice, is 400 INVALID_HEADER."""
    path = "/v1/jackpots"
    creds = ctx.target.credentials
    for header, value in (
        ("X-Region", f"{creds.region}X"),
        ("X-Brand-Id", f"{creds.brand}!"),
        ("X-Provider-Id", f"{creds.provider}."),
    ):
        ctx.expect_status(
            _signed(ctx, path, {header: value}), 400, "INVALID_HEADER", f"{header}: {value!r}"
        )
    for header in ("Authorization", SIGNATURE_HEADER):
        ctx.expect_status(
            _signed(ctx, path, repeat=(header,)), 400, "INVALID_HEADER", f"{header} sent twice"
        )


@scenario(
    "scope-per-operation",
    needs_sandbox=False,
    rules=("security-scope-per-operation", "error-insufficient-scope"),
)
def scope_per_operation(ctx: ScenarioContext) -> None:
    """A token with only sessions:write is 403 INSUFFICIENT_SCOPE on a settle."""
    granted = _token(ctx, "sessions:write")
    scopes = str(granted.get("scope", "sessions:write")).split()
    if "settlements:write" in scopes:
        raise NotApplicable(f"asked for sessions:write, the token endpoint granted {scopes}")
    body = {
        "bet_id": ctx.unique("b"),
        "round_id": ctx.unique("r"),
        "player_id": ctx.unique("p"),
        "win": {"amount": "1.00", "currency": "EUR"},
    }
    reply = ctx.post(
        "/v1/bets/settle", body, extra={"Authorization": f"Bearer {granted['access_token']}"}
    )
    ctx.expect_status(reply, 403, "INSUFFICIENT_SCOPE", "a settle with a sessions-only token")


@scenario("token-expires", rules=("security-token-expiry", "error-invalid-token"))
def token_expires(ctx: ScenarioContext) -> None:
    """A bearer token is refused 401 INVALID_TOKEN once its expires_in has passed."""
    granted = _token(ctx, "bets:write settlements:write sessions:write events:publish")
    lifetime = int(granted.get("expires_in", 0))
    if lifetime <= 0:
        raise NotApplicable(f"the token response says expires_in {granted.get('expires_in')!r}")
    ctx.need_time(lifetime + 5, "a bearer token to expire")
    token = str(granted["access_token"])
    ctx.expect_status(_signed(ctx, "/v1/jackpots", token=token), 200, what="a fresh token")
    ctx.pass_time(lifetime + 5, "the bearer token's lifetime")
    ctx.expect_status(
        _signed(ctx, "/v1/jackpots", token=token), 401, "INVALID_TOKEN", "an expired token"
    )


@scenario(
    "rotation-keys-and-token-binding",
    rules=("security-key-rotation", "security-token-bound-to-client", "error-invalid-token"),
)
def rotation_keys_and_token_binding(ctx: ScenarioContext) -> None:
    """Both rotation keys verify with their own token; a token of the other client is refused."""
    if ctx.target.credentials != SANDBOX_CREDENTIALS:
        raise NotApplicable("needs the sandbox's published rotation key pair")
    second = SANDBOX_ROTATION_CREDENTIALS
    theirs = str(_token(ctx, "bets:write", second)["access_token"])
    ctx.expect_status(
        _signed(ctx, "/v1/jackpots", creds=second, token=theirs),
        200,
        what=f"a call signed with the rotation key {second.key_id} and its client's token",
    )
    ctx.expect_status(
        _signed(ctx, "/v1/jackpots", token=theirs),
        401,
        "INVALID_TOKEN",
        f"a call signed with {ctx.target.credentials.key_id} bearing {second.key_id}'s token",
    )
