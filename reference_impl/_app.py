"""The HTTP layer: routes generated from the contract, the request pipeline, errors.

Order of checks on a `/v1` call: mandatory headers, body size, signature, bearer token and
scope, path parameters, then the body (content type, JSON, schema), then the platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from croupier import (
    SIGNATURE_HEADER,
    Contract,
    Identity,
    SignatureError,
    load_contract,
    new_trace_id,
)
from croupier.reference_impl._audit import audit_actor
from croupier.reference_impl._auth import (
    Authenticator,
    ControlGuard,
    SandboxKey,
    client_cert_provider,
    duplicated_header,
)
from croupier.reference_impl._control import Sandbox
from croupier.reference_impl._deprecation import Deprecation, UsageCounter, deprecation_of
from croupier.reference_impl._domain import DomainError, error_body
from croupier.reference_impl._domain._errors import catalog_entry
from croupier.reference_impl._domain._time import iso
from croupier.reference_impl._dual_write import DualWriter
from croupier.reference_impl._event_chaos import chaos_page
from croupier.reference_impl._lag import LagReport, lag_budget
from croupier.reference_impl._metrics import MetricsMiddleware, Observability
from croupier.reference_impl._platform import Answer, CallContext, Platform, request_hash
from croupier.reference_impl._recorder import CONTROL_OPERATIONS, Recorder, RecordingMiddleware
from croupier.reference_impl._render import dumps
from croupier.reference_impl._schema_registry import REGISTRY_PREFIX, SchemaRegistry
from croupier.reference_impl._store import Store
from croupier.reference_impl._tls import CLIENT_CN
from croupier.reference_impl._validation import OPENAPI_URI, SANDBOX_URI, BodyValidator, parse_json

__all__ = ["MAX_BODY_BYTES", "create_app", "route_set"]

log = logging.getLogger("croupier.sandbox")

MAX_BODY_BYTES = 64 * 1024
_TRACE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Mandatory headers other than the trace id: name -> pattern.
_HEADERS = {
    "X-Brand-Id": re.compile(r"^[a-z0-9_-]{1,64}$"),
    "X-Region": re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"),
    "X-Provider-Id": re.compile(r"^[a-z0-9_-]{1,64}$"),
}
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# GET /sandbox/events query parameters (spec/sandbox.yaml).
_QUERY_INT = re.compile(r"[0-9]{1,20}")
_QUERY_PLAYER = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_QUERY_EVENT_TYPE = re.compile(r"[a-z]+(\.[a-z_]+)+")

# Which not-found code a malformed path parameter earns.
_PARAM_NOT_FOUND = {
    "session_id": "SESSION_NOT_FOUND",
    "bet_id": "BET_NOT_FOUND",
    "player_id": "PLAYER_NOT_FOUND",
    "pool_id": "JACKPOT_NOT_FOUND",
}


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _error(
    code: str,
    message: str,
    trace_id: str,
    details: dict[str, Any] | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    status = status if status is not None else int(catalog_entry(code)["status"])
    return Response(
        dumps(error_body(code, message, trace_id, details)),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _domain_response(exc: DomainError, trace_id: str) -> Response:
    return _error(exc.code, exc.message, trace_id, exc.details, exc.status)


class TraceMiddleware:
    """Echo (or generate) X-Trace-Id on every response; turn any crash into INTERNAL_ERROR."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = [v for k, v in scope.get("headers", []) if k == b"x-trace-id"]
        raw = sent[0].decode("latin-1") if sent else None
        # A header sent twice is refused: which copy counts would be up to each proxy.
        valid = len(sent) == 1 and raw is not None and _TRACE.fullmatch(raw) is not None
        trace_id = raw if valid and raw is not None else new_trace_id()
        state = scope.setdefault("state", {})
        state["trace_id"] = trace_id
        state["trace_valid"] = valid
        path = str(scope.get("path", ""))
        audit_actor("control" if path.startswith("/sandbox") else "api", trace_id)
        started = False

        async def send_with_trace(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-trace-id"
                ]
                headers.append((b"x-trace-id", trace_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_trace)
        except Exception:
            log.exception("unhandled error, trace id %s", trace_id)
            if started:
                raise
            response = _error(
                "INTERNAL_ERROR", "the platform failed; report the trace id", trace_id
            )
            await response(scope, receive, send_with_trace)


@dataclass(frozen=True)
class Operation:
    """One operation of a spec document, as routed."""

    method: str
    path: str
    operation_id: str
    spec: dict[str, Any]

    @property
    def scope(self) -> str | None:
        """The OAuth2 scope the operation asks for, if any."""
        for requirement in self.spec.get("security") or []:
            for scope in requirement.get("oauth2") or []:
                return str(scope)
        return None

    @property
    def body_ref(self) -> str | None:
        """The $ref of the JSON request body's schema."""
        content = (self.spec.get("requestBody") or {}).get("content") or {}
        for media in content.values():
            ref = (media.get("schema") or {}).get("$ref")
            if ref:
                return str(ref)
        return None

    @property
    def path_params(self) -> dict[str, dict[str, Any]]:
        """Path parameters and their schemas (which may be a `$ref` into the document)."""
        out = {}
        for param in self.spec.get("parameters") or []:
            if param.get("in") == "path":
                out[str(param["name"])] = dict(param.get("schema") or {})
        return out


def _local(document: dict[str, Any], node: Any) -> Any:
    """`node`, or the object its local `$ref` (#/json/pointer) names in `document`."""
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document (path-level parameters merged, refs resolved)."""
    found = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters") or []
        for method in _HTTP_METHODS:
            if method in item:
                spec = dict(item[method])
                params = [*shared, *(spec.get("parameters") or [])]
                spec["parameters"] = [_local(document, p) for p in params]
                found.append(Operation(method.upper(), path, spec["operationId"], spec))
    return found


def route_set(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation route the app serves (not the /openapi.* documents)."""
    out: set[tuple[str, str]] = set()
    for route in app.routes:
        path = getattr(route, "path", None)
        if not isinstance(path, str) or path in ("/openapi.json", "/openapi.yaml"):
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                out.add((method, path))
    return out


def _signed_path(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    path = raw.decode("latin-1")
    return f"{path}?{query.decode('latin-1')}" if query else path


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _Refusal(
            _error(
                "PAYLOAD_TOO_LARGE",
                f"body of {declared} bytes exceeds {MAX_BODY_BYTES}",
                request.state.trace_id,
            )
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refusal(
                _error(
                    "PAYLOAD_TOO_LARGE",
                    f"body exceeds {MAX_BODY_BYTES} bytes",
                    request.state.trace_id,
                )
            )
        chunks.append(chunk)
    return b"".join(chunks)


# What _json_body answers for an empty body that may be left out (JSON null is a value).
_NO_BODY = object()


def _json_body(request: Request, raw: bytes, required: bool = True) -> Any:
    trace_id = request.state.trace_id
    ctype = request.headers.get("content-type")
    if (ctype is not None or raw) and (
        ctype is None or ctype.split(";")[0].strip().lower() != "application/json"
    ):
        raise _Refusal(
            _error("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", trace_id)
        )
    if not raw.strip():
        if not required:
            return _NO_BODY
        raise _Refusal(
            _error("MALFORMED_REQUEST", "the body is empty; send a JSON object", trace_id)
        )
    return parse_json(raw)


class SandboxApp:
    """State shared by the routes of one app."""

    def __init__(self, database_url: str, contract: Contract, **options: Any) -> None:
        self.contract = contract
        self.store = Store(database_url, pool_size=int(options.get("pool_size", 10)))
        self.platform = Platform(
            self.store, int(options.get("session_minutes", 60)), DualWriter(contract)
        )
        self.sandbox = Sandbox(self.platform, int(options.get("token_ttl", 3600)))
        self.validator = BodyValidator(contract.bundled, contract.sandbox_bundled)
        self.recorder = Recorder(self.store, self.sandbox, contract)
        self.nats_url: str | None = options.get("nats_url")
        self.auth = Authenticator(options.get("legacy_keys") or ())
        self.client_cert_binding = bool(options.get("client_cert_binding", False))
        self.control_guard = ControlGuard(
            bool(options.get("control", True)), options.get("control_token")
        )
        self._tokens: dict[str, tuple[set[str], float, str]] = {}
        self._param_validators: dict[tuple[str, str, str], Any] = {}
        self.relay: Any = None

    # ---------------------------------------------------------------- contract pipeline

    def _headers(self, request: Request, op: Operation, write: bool) -> tuple[str, str, str, str]:
        trace_id = request.state.trace_id
        if not request.state.trace_valid:
            sent = len(request.headers.getlist("x-trace-id"))
            raise _Refusal(
                _error(
                    "MISSING_TRACE_ID",
                    "X-Trace-Id is missing"
                    if not sent
                    else "X-Trace-Id is sent more than once"
                    if sent > 1
                    else "X-Trace-Id must be 8 to 128 of A-Z a-z 0-9 . _ : -",
                    trace_id,
                )
            )
        values = []
        for name in (*_HEADERS, "X-Idempotency-Key"):
            if len(request.headers.getlist(name)) > 1:
                raise _Refusal(
                    _error(
                        "INVALID_HEADER",
                        f"{name} is sent more than once",
                        trace_id,
                        {"header": name},
                    )
                )
        for name, pattern in _HEADERS.items():
            value = request.headers.get(name)
            if value is None:
                raise _Refusal(
                    _error("MISSING_HEADER", f"{name} is required", trace_id, {"header": name})
                )
            if not pattern.fullmatch(value):
                raise _Refusal(
                    _error("INVALID_HEADER", f"{name} is malformed", trace_id, {"header": name})
                )
            values.append(value)
        key = request.headers.get("x-idempotency-key")
        if write:
            if key is None:
                raise _Refusal(
                    _error(
                        "MISSING_IDEMPOTENCY_KEY",
                        "X-Idempotency-Key is required on every write.",
                        trace_id,
                    )
                )
            if not _IDEMPOTENCY_KEY.fullmatch(key):
                raise _Refusal(
                    _error(
                        "INVALID_HEADER",
                        "X-Idempotency-Key must be 8 to 128 of A-Z a-z 0-9 . _ : -",
                        trace_id,
                        {"header": "X-Idempotency-Key"},
                    )
                )
        return values[0], values[1], values[2], key or ""

    async def _token(self, request: Request, op: Operation, key: SandboxKey) -> None:
        trace_id = request.state.trace_id
        header = request.headers.get("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refusal(
                _error("INVALID_TOKEN", "a bearer token is required (Authorization)", trace_id)
            )
        token = token.strip()
        cached = self._tokens.get(token)
        if cached is None:
            found = await self.sandbox.token_scopes(token[:64])
            if found is not None:
                cached = (found[0], found[1].timestamp(), found[2])
                self._tokens[token] = cached
        if cached is None:
            raise _Refusal(_error("INVALID_TOKEN", "unknown bearer token", trace_id))
        scopes, expiry, client_id = cached
        self.auth.check_token(client_id, key)
        # Tokens expire on the sandbox clock (the signature skew check uses the real one).
        if time.time() + await self.platform.clock_offset() >= expiry:
            raise _Refusal(_error("INVALID_TOKEN", "the bearer token has expired", trace_id))
        if op.scope is not None and op.scope not in scopes:
            raise _Refusal(
                _error(
                    "INSUFFICIENT_SCOPE",
                    f"the token lacks the scope {op.scope}",
                    trace_id,
                    {"required": op.scope},
                )
            )

    def _path_params(self, request: Request, op: Operation, uri: str) -> dict[str, str]:
        """The path parameters, each checked against its schema (a malformed id is unknown)."""
        params = dict(request.path_params)
        for name, schema in op.path_params.items():
            key = (uri, op.operation_id, name)
            if key not in self._param_validators:
                self._param_validators[key] = self.validator.value_validator(uri, schema)
            value = params.get(name, "")
            if not self._param_validators[key].is_valid(value):
                shown = value[:64].encode("ascii", "backslashreplace").decode()
                if "404" not in (op.spec.get("responses") or {}):  # it creates (PUT a player)
                    raise _Refusal(
                        _error(
                            "VALIDATION_FAILED",
                            f"{name} {shown!r} is malformed",
                            request.state.trace_id,
                            {"errors": [{"field": name, "message": "does not match its pattern"}]},
                        )
                    )
                raise _Refusal(
                    _error(
                        _PARAM_NOT_FOUND.get(name, "NOT_FOUND"),
                        f"no such {name.removesuffix('_id')} {shown!r}",
                        request.state.trace_id,
                    )
                )
        return params

    async def contract_call(self, request: Request, op: Operation) -> Response:
        """The pipeline of every /v1 operation."""
        trace_id = request.state.trace_id
        write = op.body_ref is not None
        try:
            brand, region, provider, key = self._headers(request, op, write)
            if self.client_cert_binding:
                client_cert_provider(getattr(request.state, CLIENT_CN, None), provider)
            twice = duplicated_header(request.headers.items())
            if twice is not None:
                return _error(
                    "INVALID_HEADER", f"{twice} is sent more than once", trace_id, {"header": twice}
                )
            raw = await _read_body(request)
            try:
                signer = self.auth.verify(
                    request.headers.get(SIGNATURE_HEADER),
                    request.method,
                    _signed_path(request),
                    raw,
                    request.headers.items(),
                )
            except SignatureError as exc:
                return _error("INVALID_SIGNATURE", str(exc), trace_id)
            signer.grant.check(Identity(provider, brand, region))
            await self._token(request, op, signer)
            # Authenticated: from here on the call counts as this caller's use of the operation.
            request.state.caller = Identity(provider, brand, region)
            params = self._path_params(request, op, OPENAPI_URI)
            body: Any = dict(params)
            if write:
                parsed = _json_body(request, raw)
                if op.operation_id == "publishEvent":
                    self._check_event(parsed)
                else:
                    self.validator.check(OPENAPI_URI, op.body_ref or "", parsed)
                body = {**parsed, **params} if isinstance(parsed, dict) else parsed
            ctx = CallContext(provider, brand, region, trace_id, key or None)
            handler = getattr(self.platform, _HANDLERS[op.operation_id])
            if write:
                digest = request_hash(request.method, _signed_path(request), parsed)
                answer = await self.platform.write(ctx, op.operation_id, digest, handler, body)
            else:
                answer = await self.platform.read(ctx, op.operation_id, handler, body)
            return await self._answer(answer, trace_id)
        except _Refusal as refusal:
            return refusal.response
        except DomainError as exc:
            return _domain_response(exc, trace_id)

    def _check_event(self, event: Any) -> None:
        if not isinstance(event, dict):
            raise DomainError("INVALID_EVENT", "an event must be a JSON object")
        event_type, version = event.get("event_type"), event.get("schema_version")
        if isinstance(event_type, str) and isinstance(version, str):
            major = version.split(".", 1)[0]
            known = {(e.event_type, str(e.major)) for e in self.contract.events}
            if major.isdigit() and (event_type, major) not in known:
                raise DomainError(
                    "UNKNOWN_EVENT_TYPE",
                    f"no schema for event type {event_type!r} major {major}",
                    {"event_type": event_type, "schema_version": version},
                )
        errors = self.contract.validate_event(event)
        if errors:
            raise DomainError(
                "INVALID_EVENT",
                f"the event breaks its schema: {errors[0][:300]}",
                {"errors": [e[:300] for e in errors[:20]]},
            )

    async def _answer(self, answer: Answer, trace_id: str) -> Response:
        fault = answer.fault
        if fault is not None and fault["kind"] in ("delay", "timeout"):
            await asyncio.sleep(int(fault.get("delay_ms", 0)) / 1000)
        if fault is not None and fault["kind"] == "timeout":
            return _error(
                "GATEWAY_TIMEOUT",
                "injected fault: the work was done but the answer timed out",
                trace_id,
                {"fault": "timeout"},
            )
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
        return Response(
            answer.body, status_code=answer.status, media_type="application/json", headers=headers
        )

    async def health(self, request: Request) -> Response:
        """getHealth: liveness, contract version and the platform clock."""
        trace_id = request.state.trace_id
        try:
            controls = await self.platform.read_controls()
        except Exception:  # the database is down: say so in the contract's words
            log.exception("health check failed")
            return _error("TEMPORARY_ERROR", "the database is unreachable", trace_id)
        degraded = not all(controls.degradation.values())
        return Response(
            dumps(
                {
                    "status": "degraded" if degraded else "ok",
                    "version": self.contract.version,
                    "time": iso(controls.now()),
                }
            ),
            media_type="application/json",
        )

    # ---------------------------------------------------------------- sandbox surface

    async def control_call(self, request: Request, op: Operation) -> Response:
        """The pipeline of every sandbox.yaml operation (no signature, Error bodies)."""
        trace_id = request.state.trace_id
        try:
            raw = await _read_body(request)
            params = self._path_params(request, op, SANDBOX_URI)
            if op.operation_id != "issueToken":
                self.control_guard.check(request.headers.getlist("x-control-token"))
            if op.operation_id == "issueToken":
                status, data = await self._issue_token(request, raw)
                return Response(
                    dumps(data),
                    status_code=status,
                    media_type="application/json",
                    headers={"Cache-Control": "no-store"},
                )
            body = None
            ref = op.body_ref
            if ref is not None:
                required = bool(op.spec.get("requestBody", {}).get("required"))
                parsed = _json_body(request, raw, required=required)
                if parsed is not _NO_BODY:  # JSON null is a body, and the schema refuses it
                    self.validator.check(SANDBOX_URI, ref, parsed)
                    body = parsed
            status, data = await self._control(request, op.operation_id, params, body, trace_id)
            return Response(dumps(data), status_code=status, media_type="application/json")
        except _Refusal as refusal:
            return refusal.response
        except DomainError as exc:
            return _domain_response(exc, trace_id)

    def guarded(
        self, handler: Callable[[Request, Operation], Awaitable[Response]]
    ) -> Callable[[Request, Operation], Awaitable[Response]]:
        """A control route of its own, behind the control token like the others."""

        async def call(request: Request, op: Operation) -> Response:
            if not self.control_guard.allows(request.headers.items()):
                return _error(
                    "INVALID_TOKEN",
                    "the sandbox is protected: send X-Control-Token (or the token as a "
                    "Bearer or Basic credential)",
                    request.state.trace_id,
                    status=401,
                )
            return await handler(request, op)

        return call

    async def _issue_token(self, request: Request, raw: bytes) -> tuple[int, Any]:
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise _Refusal(
                _error(
                    "UNSUPPORTED_MEDIA_TYPE",
                    "send the token request as application/x-www-form-urlencoded",
                    request.state.trace_id,
                )
            )
        try:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        except UnicodeDecodeError:
            form = {}
        if form.get("grant_type") != "client_credentials":
            raise DomainError(
                "MALFORMED_REQUEST", "grant_type must be client_credentials", status=400
            )
        if not form.get("client_id") or not form.get("client_secret"):
            raise DomainError(
                "MALFORMED_REQUEST", "client_id and client_secret are required", status=400
            )
        return await self.sandbox.issue_token(
            form["client_id"], form["client_secret"], form.get("scope")
        )

    async def _control(
        self,
        request: Request,
        operation_id: str,
        params: dict[str, str],
        body: Any,
        trace_id: str,
    ) -> tuple[int, Any]:
        sb = self.sandbox
        if operation_id == "resetSandbox":
            self._tokens.clear() if (body or {}).get("wipe") else None
            return await sb.reset(body, trace_id)
        if operation_id == "listTestPlayers":
            return await sb.list_players()
        if operation_id == "getTestPlayer":
            return await sb.get_player(params["player_id"], trace_id)
        if operation_id == "putTestPlayer":
            return await sb.put_player(params["player_id"], body)
        if operation_id == "putPlayerLimits":
            return await sb.put_limits(params["player_id"], body)
        if operation_id == "putPlayerKyc":
            return await sb.put_kyc(params["player_id"], body)
        if operation_id == "issueBonus":
            return await sb.issue_bonus(params["player_id"], body, trace_id)
        if operation_id == "expireSession":
            return await sb.expire_session(params["session_id"])
        if operation_id == "triggerJackpot":
            return await sb.trigger_jackpot(params["pool_id"], body, trace_id)
        if operation_id == "getFaults":
            return await sb.get_faults()
        if operation_id == "putFaults":
            return await sb.put_faults(body)
        if operation_id == "clearFaults":
            return await sb.put_faults({"rules": []})
        if operation_id == "getSandboxClock":
            return await sb.get_clock()
        if operation_id == "setSandboxClock":
            return await sb.set_clock(body)
        if operation_id == "getDegradation":
            return await sb.get_degradation()
        if operation_id == "putDegradation":
            return await sb.put_degradation(body)
        if operation_id == "getDualWrite":
            return await sb.get_dual_write()
        if operation_id == "putDualWrite":
            return await sb.put_dual_write(body)
        if operation_id == "listEmittedEvents":
            query = self._event_query(request)
            status, page = await sb.list_events(*query)
            faults = (await self.platform.read_controls()).faults
            return status, await chaos_page(self.store, faults, page, query[2])
        if operation_id in CONTROL_OPERATIONS:
            return await self.recorder.control(operation_id, request, body)
        raise DomainError("NOT_FOUND", f"no control operation {operation_id}")

    def _event_query(self, request: Request) -> tuple[str | None, str | None, int, int]:
        q = request.query_params

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = q.get(name)
            if raw is None:
                return default
            # ASCII digits only (str.isdigit() also takes '²'), and few enough for any int.
            if not _QUERY_INT.fullmatch(raw) or not low <= int(raw) <= high:
                raise DomainError(
                    "VALIDATION_FAILED",
                    f"{name} must be an integer from {low} to {high}",
                    {"field": name},
                )
            return int(raw)

        for name in ("player_id", "event_type", "since", "limit"):
            if len(q.getlist(name)) > 1:
                raise DomainError(
                    "VALIDATION_FAILED", f"{name} is given more than once", {"field": name}
                )
        player_id, event_type = q.get("player_id"), q.get("event_type")
        if player_id is not None and not _QUERY_PLAYER.fullmatch(player_id):
            raise DomainError("VALIDATION_FAILED", "player_id is malformed", {"field": "player_id"})
        if event_type is not None and not _QUERY_EVENT_TYPE.fullmatch(event_type):
            raise DomainError(
                "VALIDATION_FAILED", "event_type is malformed", {"field": "event_type"}
            )
        return (
            player_id,
            event_type,
            number("since", 0, 0, 10**15),
            number("limit", 100, 1, 1000),
        )


# operationId -> Platform method.
_HANDLERS = {
    "createSession": "create_session",
    "getSession": "get_session",
    "endSession": "end_session",
    "authorizeBet": "authorize",
    "settleBet": "settle",
    "rollbackBet": "rollback",
    "getBet": "get_bet",
    "getBalance": "get_balance",
    "checkResponsibleGaming": "rg_check",
    "listJackpots": "list_jackpots",
    "getJackpot": "get_jackpot",
    "publishEvent": "publish_event",
}


def _endpoint(
    call: Callable[[Request, Operation], Awaitable[Response]],
    op: Operation,
    usage: UsageCounter | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    deprecation = deprecation_of(op.method, op.path, op.spec) if usage is not None else None

    async def endpoint(request: Request) -> Response:
        response = await call(request, op)
        if deprecation is not None and usage is not None:
            response.headers.update(deprecation.headers)
            caller = getattr(request.state, "caller", None)
            if caller is not None:
                await usage.record(op.operation_id, caller)
        return response

    endpoint.__name__ = op.operation_id
    endpoint.__doc__ = op.spec.get("summary")
    return endpoint


def create_app(database_url: str, **options: Any) -> Any:
    """Build the sandbox app on a database URL (sqlite+aiosqlite:/// or postgresql+psycopg://).

    Options: session_minutes (60), token_ttl (3600), nats_url (event relay to NATS JetStream;
    default $CROUPIER_NATS_URL), relay_interval (seconds, 0.2), pool_size (10), contract,
    registry_json_policy (the schema registry's JSON Schema policy, default confluent-strict),
    legacy_keys (key ids that still accept 1.0 signatures; none), control (False switches the
    control surface off), control_token (the control surface then needs X-Control-Token),
    client_cert_binding (mTLS: the client certificate's subject CN must be X-Provider-Id).
    """
    contract = options.pop("contract", None) or load_contract()
    options.setdefault("nats_url", os.environ.get("CROUPIER_NATS_URL") or None)
    state = SandboxApp(database_url, contract, **options)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.store.create_all()
        await state.sandbox.seed()
        await registry.preload()
        if state.nats_url:
            from croupier.reference_impl._relay import Relay

            state.relay = Relay(
                state.store, state.nats_url, float(options.get("relay_interval", 0.2))
            )
            await state.relay.start()
        try:
            yield
        finally:
            if state.relay is not None:
                await state.relay.stop()
            await state.store.dispose()

    app = FastAPI(
        # /v1/sessions/ is not an operation: 404 in the Error schema, not a bodyless 307.
        redirect_slashes=False,
        title=contract.bundled["info"]["title"],
        version=contract.version,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.sandbox = state
    registry = SchemaRegistry(
        state.store,
        contract,
        options.get("registry_json_policy"),
        authorize=lambda request: state.control_guard.allows(request.headers.items()),
    )
    app.mount(REGISTRY_PREFIX, registry.app)
    observed = Observability(
        LagReport(state.store, lag_budget(contract), relay=bool(state.nats_url))
    )
    deprecated: list[Deprecation] = [
        d
        for op in operations(contract.bundled)
        if (d := deprecation_of(op.method, op.path, op.spec)) is not None
    ]
    usage = UsageCounter(state.store, deprecated, contract.version)

    async def usage_export(request: Request, op: Operation) -> Response:
        return Response(dumps(await usage.export()), media_type="application/json")

    own_routes: dict[str, Callable[[Request, Operation], Awaitable[Response]]] = {
        "getEventLag": lambda request, op: observed.event_lag(request),
        "getMetrics": lambda request, op: observed.metrics(request),
        "getDeprecatedUsage": usage_export,
    }

    for op in operations(contract.bundled):
        if op.operation_id == "getHealth":
            app.add_api_route(op.path, state.health, methods=[op.method], include_in_schema=False)
            continue
        app.add_api_route(
            op.path,
            _endpoint(state.contract_call, op, usage),
            methods=[op.method],
            include_in_schema=False,
            name=op.operation_id,
        )
    for op in operations(contract.sandbox_bundled):
        control = op.path.startswith("/sandbox")
        if control and not state.control_guard.enabled:
            continue  # switched off: the control routes do not exist (404 NOT_FOUND)
        handler = own_routes.get(op.operation_id)
        if handler is not None:
            # /metrics too: a scraper sends the token as `Authorization: Bearer`.
            handler = state.guarded(handler)
        app.add_api_route(
            op.path,
            _endpoint(handler or state.control_call, op),
            methods=[op.method],
            include_in_schema=False,
            name=op.operation_id,
        )

    documents: dict[str, bytes] = {}

    async def openapi_json(request: Request) -> Response:
        if "json" not in documents:
            documents["json"] = dumps(contract.bundled)
        return Response(documents["json"], media_type="application/json")

    async def openapi_yaml(request: Request) -> Response:
        if "yaml" not in documents:
            text = yaml.safe_dump(contract.bundled, sort_keys=False, allow_unicode=True)
            documents["yaml"] = text.encode()
        return Response(documents["yaml"], media_type="application/yaml")

    app.add_api_route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False)
    app.add_api_route("/openapi.yaml", openapi_yaml, methods=["GET"], include_in_schema=False)

    async def http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        trace_id = request.state.trace_id
        if exc.status_code == 405:
            return _error(
                "METHOD_NOT_ALLOWED",
                f"{request.method} is not allowed on {request.url.path}",
                trace_id,
                headers=dict(exc.headers or {}),
            )
        if exc.status_code == 404:
            return _error("NOT_FOUND", f"no such path {request.url.path[:200]}", trace_id)
        return _error("MALFORMED_REQUEST", str(exc.detail)[:200], trace_id, status=exc.status_code)

    app.add_exception_handler(StarletteHTTPException, http_exception)
    app.add_middleware(RecordingMiddleware, recorder=state.recorder)
    app.add_middleware(TraceMiddleware)
    app.add_middleware(MetricsMiddleware, histogram=observed.requests)
    return app
