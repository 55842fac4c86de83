"""Protocol mutants: headers, signatures, tokens, scopes, bodies and methods handled loosely."""

from __future__ import annotations

import re
from typing import Any

from croupier import new_trace_id
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_APP = "croupier.reference_impl._app"
_CALL = f"{_APP}.SandboxApp.contract_call"
_VERIFY = "croupier.reference_impl._auth.Authenticator.verify"


def _set_header(request: Any, name: bytes, value: bytes) -> None:
    request.scope["headers"] = [*request.scope["headers"], (name, value)]
    request.__dict__.pop("_headers", None)


@mutant(
    "trace-id-not-echoed",
    target="croupier.reference_impl._app.TraceMiddleware.__call__",
    rules=("header-trace-id-echoed",),
)
def trace_id_not_echoed(original: Any) -> Any:
    """Responses carry a trace id the platform made up instead of the caller's X-Trace-Id."""

    async def call(self: Any, scope: Any, receive: Any, send: Any) -> None:
        async def send_own(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-trace-id"]
                headers.append((b"x-trace-id", new_trace_id().encode()))
                message = {**message, "headers": headers}
            await send(message)

        await original(self, scope, receive, send_own)

    return call


@mutant("missing-trace-id-generated", target=_CALL, rules=("header-trace-id-required",))
def missing_trace_id_generated(original: Any) -> Any:
    """A call without X-Trace-Id is served under a generated one instead of refused."""

    async def contract_call(self: Any, request: Any, op: Any) -> Any:
        if not request.headers.get("x-trace-id"):
            request.state.trace_valid = True
        return await original(self, request, op)

    return contract_call


@mutant("idempotency-key-made-up", target=_CALL, rules=("header-idempotency-key-required",))
def idempotency_key_made_up(original: Any) -> Any:
    """A write without X-Idempotency-Key gets a key of the platform's making."""

    async def contract_call(self: Any, request: Any, op: Any) -> Any:
        if op.body_ref is not None and "x-idempotency-key" not in request.headers:
            _set_header(request, b"x-idempotency-key", f"gen-{new_trace_id()}".encode())
        return await original(self, request, op)

    return contract_call


@mutant("tenant-headers-defaulted", target=_CALL, rules=("header-tenant-required",))
def tenant_headers_defaulted(original: Any) -> Any:
    """A missing X-Brand-Id, X-Region or X-Provider-Id is taken as the platform's default."""
    defaults = {b"x-brand-id": b"brand_demo", b"x-region": b"MT", b"x-provider-id": b"prov_demo"}

    async def contract_call(self: Any, request: Any, op: Any) -> Any:
        for name, value in defaults.items():
            if name.decode() not in request.headers:
                _set_header(request, name, value)
        return await original(self, request, op)

    return contract_call


@mutant(
    "header-patterns-prefix-match",
    target="croupier.reference_impl._app._HEADERS",
    rules=("header-malformed",),
)
def header_patterns_prefix_match(original: Any) -> Any:
    """Mandatory headers are matched at their start only ("MT-anything" passes as a region)."""
    return {
        name: re.compile(pattern.pattern.rstrip("$") + ".*") for name, pattern in original.items()
    }


@mutant(
    "duplicate-auth-header-first-wins",
    target="croupier.reference_impl._auth.duplicated_header",
    rules=("header-sent-twice",),
)
def duplicate_auth_header_first_wins(original: Any) -> Any:
    """A signature or bearer token sent twice is not refused; whichever copy is read counts."""

    def duplicated_header(headers: Any) -> str | None:
        return None

    return duplicated_header


@mutant("signature-not-verified", target=_VERIFY, rules=("security-signature-required",))
def signature_not_verified(original: Any) -> Any:
    """A signature that does not verify is accepted when it names a known key."""

    def verify(self: Any, header: Any, method: str, target: str, body: bytes, headers: Any) -> Any:
        from croupier import SignatureError, parse_signature_header

        try:
            return original(self, header, method, target, body, headers)
        except SignatureError:
            if not header:
                raise
            try:
                kid = parse_signature_header(header).key_id
            except SignatureError:
                raise
            if kid not in self.keys:
                raise
            return self.keys[kid]

    return verify


@mutant("signature-key-id-ignored", target=_VERIFY, rules=("security-signature-required",))
def signature_key_id_ignored(original: Any) -> Any:
    """An unknown key id is verified with the default key's secret (one shared secret)."""

    def verify(self: Any, header: Any, method: str, target: str, body: bytes, headers: Any) -> Any:
        from croupier import (
            SANDBOX_CREDENTIALS,
            SignatureError,
            parse_signature_header,
            verify_signature,
        )

        try:
            return original(self, header, method, target, body, headers)
        except SignatureError:
            if not header:
                raise
            kid = parse_signature_header(header).key_id
            if kid in self.keys:
                raise
            default = self.keys[SANDBOX_CREDENTIALS.key_id]
            verify_signature(header, method, target, body, headers, {kid: default.verification})
            return default

    return verify


@mutant(
    "timestamp-window-one-hour",
    target="croupier._signing.verify_signature",
    rules=("security-timestamp-window",),
)
def timestamp_window_one_hour(original: Any) -> Any:
    """Signatures up to an hour old (or early) are accepted, so captured requests replay."""

    def verify_signature(*args: Any, **kwargs: Any) -> str:
        kwargs["skew_seconds"] = 3600
        return str(original(*args, **kwargs))

    return verify_signature


@mutant("rotation-key-refused", target=_VERIFY, rules=("security-key-rotation",))
def rotation_key_refused(original: Any) -> Any:
    """Only the newest key of a provider verifies: during rotation the second key is refused."""

    def verify(self: Any, header: Any, method: str, target: str, body: bytes, headers: Any) -> Any:
        from croupier import SANDBOX_ROTATION_CREDENTIALS, SignatureError

        key = original(self, header, method, target, body, headers)
        if key is self.keys.get(SANDBOX_ROTATION_CREDENTIALS.key_id):
            raise SignatureError("the signature does not verify")
        return key

    return verify


@mutant(
    "key-binding-not-checked",
    target="croupier.reference_impl._auth.Grant.check",
    rules=("security-key-tenant-binding",),
)
def key_binding_not_checked(original: Any) -> Any:
    """A key is accepted for any provider and brand the headers name."""

    def check(self: Any, identity: Any) -> None:
        if identity.region not in self.regions:
            original(self, identity)

    return check


@mutant(
    "key-region-not-checked",
    target="croupier.reference_impl._auth.Grant.check",
    rules=("security-key-region-binding",),
)
def key_region_not_checked(original: Any) -> Any:
    """A key is accepted for any region the headers name (data residency unchecked)."""

    def check(self: Any, identity: Any) -> None:
        if identity.provider != self.provider or identity.brand != self.brand:
            original(self, identity)

    return check


@mutant(
    "scope-not-checked",
    target="croupier.reference_impl._app.Operation.scope",
    rules=("security-scope-per-operation",),
)
def scope_not_checked(original: Any) -> Any:
    """Any valid token may call any operation: scopes are granted but never compared."""
    return property(lambda self: None)


@mutant(
    "token-client-not-compared",
    target="croupier.reference_impl._auth.Authenticator.check_token",
    rules=("security-token-bound-to-client",),
)
def token_client_not_compared(original: Any) -> Any:
    """A bearer token issued to one OAuth client works with another client's signing key."""

    def check_token(token_client: str, key: Any) -> None:
        return None

    return check_token


@mutant(
    "token-expiry-on-wall-clock",
    target="croupier.reference_impl._platform.Platform.clock_offset",
    rules=("security-token-expiry",),
)
def token_expiry_on_wall_clock(original: Any) -> Any:
    """Token expiry is judged on another clock than the platform's: expired tokens still work."""

    async def clock_offset(self: Any) -> int:
        return 0

    return clock_offset


@mutant(
    "body-size-not-limited",
    target=f"{_APP}.MAX_BODY_BYTES",
    rules=("body-size-limit",),
)
def body_size_not_limited(original: Any) -> Any:
    """Bodies of any size are read (no 64 KiB limit)."""
    return 64 * 1024 * 1024


@mutant(
    "content-type-not-checked",
    target=f"{_APP}._json_body",
    rules=("body-media-type",),
)
def content_type_not_checked(original: Any) -> Any:
    """A body is parsed as JSON whatever its Content-Type says."""

    def json_body(request: Any, raw: bytes, required: bool = True) -> Any:
        from croupier.reference_impl._validation import parse_json

        if raw.strip():
            return parse_json(raw)
        return original(request, raw, required)

    return json_body


@mutant(
    "duplicate-json-keys-last-wins",
    target="croupier.reference_impl._validation._no_duplicate_keys",
    rules=("body-strict-json",),
)
def duplicate_json_keys_last_wins(original: Any) -> Any:
    """An object with a duplicate key is taken with its last value (as most parsers do)."""

    def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return dict(pairs)

    return no_duplicate_keys


@mutant(
    "deep-nesting-accepted",
    target="croupier.reference_impl._validation.MAX_DEPTH",
    rules=("body-strict-json",),
)
def deep_nesting_accepted(original: Any) -> Any:
    """Bodies nested hundreds of levels deep are parsed (no nesting limit)."""
    return 10_000


@mutant(
    "malformed-json-crashes",
    target="croupier.reference_impl._validation.parse_json",
    rules=("body-strict-json",),
)
def malformed_json_crashes(original: Any) -> Any:
    """A body that is not JSON crashes the handler (500) instead of 400 MALFORMED_REQUEST."""

    def parse_json(raw: bytes) -> Any:
        import json

        json.loads(raw)
        return original(raw)

    return parse_json


@mutant("unknown-path-plain-text", target=f"{_APP}._error", rules=("path-unknown",))
def unknown_path_plain_text(original: Any) -> Any:
    """An unknown path answers a plain-text 404, not the Error schema."""

    def error(code: str, message: str, trace_id: str, *args: Any, **kwargs: Any) -> Any:
        from fastapi.responses import Response

        if code == "NOT_FOUND":
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        return original(code, message, trace_id, *args, **kwargs)

    return error
