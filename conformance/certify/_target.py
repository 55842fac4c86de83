"""The implementation under test as certify talks to it: signed contract calls, sandbox controls.

Every exchange is timed, kept as evidence of the case that sent it, announced as a `RequestSent`
event, and passed through the shared response checks.
"""

from __future__ import annotations

import json as _json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.certify._checks import ResponseView, run_response_checks
from conformance.certify._events import EventBus, RequestSent
from conformance.certify._model import Exchange, Finding
from croupier import ClientTls, Contract, ContractClient, Credentials

__all__ = ["Reply", "Target", "TargetUnavailable"]

_BODY_LIMIT = 2000
_KEPT_REQUEST_HEADERS = (
    "x-trace-id",
    "x-idempotency-key",
    "x-brand-id",
    "x-region",
    "x-provider-id",
    "x-signature",
    "content-type",
)
_KEPT_RESPONSE_HEADERS = ("x-trace-id", "idempotent-replayed", "content-type")


class TargetUnavailable(Exception):
    """The target cannot be certified at all (unreachable, credentials refused)."""


@dataclass
class Reply:
    """An answer to a call, with the evidence that recorded it."""

    response: httpx.Response
    exchange: Exchange

    @property
    def status(self) -> int:
        """HTTP status."""
        return self.response.status_code

    @property
    def content(self) -> bytes:
        """Raw body bytes."""
        return self.response.content

    @property
    def headers(self) -> httpx.Headers:
        """Response headers."""
        return self.response.headers

    @property
    def trace_id(self) -> str | None:
        """The trace id sent with the request."""
        return self.exchange.trace_id

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return self.response.json()
        except ValueError:
            return None

    @property
    def code(self) -> str | None:
        """The error code of an error body, if any."""
        body = self.json()
        return body.get("code") if isinstance(body, dict) else None

    def describe(self) -> str:
        """`STATUS CODE (trace …)` for failure messages."""
        code = f" {self.code}" if self.code else ""
        return f"{self.status}{code} (trace {self.trace_id})"


@dataclass
class _CaseSink:
    phase: str = ""
    case_id: str = ""
    evidence: list[Exchange] = field(default_factory=list)


class Target:
    """A certified implementation: base URL, credentials, recording of every exchange."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        contract: Contract,
        bus: EventBus,
        *,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        checks: set[str] | None = None,
        tls: ClientTls | None = None,
        control_token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.contract = contract
        self.bus = bus
        self.checks = checks
        self.tls = tls
        verify = tls.ssl_context() if tls is not None else True
        self.http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, verify=verify
        )
        self._control_headers = {"X-Control-Token": control_token} if control_token else {}
        self.client = ContractClient(self.http, credentials)
        self._lock = threading.Lock()
        self._sink = _CaseSink()
        # check id -> findings and number of responses it looked at, across every case
        self.check_findings: dict[str, list[Finding]] = defaultdict(list)
        self.checked_responses = 0
        self.check_evidence: dict[str, list[Exchange]] = defaultdict(list)

    # -- case bookkeeping -------------------------------------------------------------------
    def begin_case(
        self, phase: str, case_id: str, evidence: list[Exchange] | None = None
    ) -> list[Exchange]:
        """Start (or resume) recording for a case; returns the list its evidence lands in."""
        with self._lock:
            self._sink = _CaseSink(phase, case_id, evidence if evidence is not None else [])
            return self._sink.evidence

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    # -- preflight --------------------------------------------------------------------------
    def preflight(self) -> None:
        """Raise TargetUnavailable unless /health answers and the credentials get a token."""
        try:
            health = self.http.get("/health")
        except httpx.HTTPError as exc:
            raise TargetUnavailable(f"{self.base_url} is unreachable: {exc}") from None
        if health.status_code >= 500 or health.status_code == 404:
            raise TargetUnavailable(f"{self.base_url}/health answered {health.status_code}")
        try:
            self.client.token()
        except httpx.HTTPStatusError as exc:
            raise TargetUnavailable(
                f"credentials {self.credentials.key_id!r} were refused by "
                f"{self.client.token_path}: {exc.response.status_code}"
            ) from None
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise TargetUnavailable(f"cannot fetch a bearer token: {exc}") from None

    def forget_token(self) -> None:
        """Fetch a new bearer token on the next call (the sandbox clock moved)."""
        self.client._token = None

    def has_sandbox_surface(self) -> bool:
        """Whether the target offers the sandbox control surface (GET /sandbox/players)."""
        try:
            reply = self.http.get("/sandbox/players", headers=self._control_headers)
            return reply.status_code == 200
        except httpx.HTTPError:
            return False

    # -- calls ------------------------------------------------------------------------------
    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Reply:
        """A contract call through ContractClient (signed, mandatory headers, bearer)."""
        started = time.perf_counter()
        response = self.client.call(method, path, json, **kwargs)
        return self._record(response, time.perf_counter() - started)

    def control(self, method: str, path: str, json: Any = None, **params: Any) -> Reply:
        """A sandbox control call (unsigned, no mandatory headers)."""
        started = time.perf_counter()
        response = self.http.request(
            method, path, json=json, params=params or None, headers=self._control_headers
        )
        return self._record(response, time.perf_counter() - started)

    def raw(self, method: str, path: str, *, content: bytes, headers: dict[str, str]) -> Reply:
        """A request exactly as given (already signed, or deliberately not)."""
        started = time.perf_counter()
        response = self.http.request(method, path, content=content, headers=headers)
        return self._record(response, time.perf_counter() - started)

    def _record(self, response: httpx.Response, elapsed: float) -> Reply:
        request = response.request
        req_headers = {
            k: v for k, v in request.headers.items() if k.lower() in _KEPT_REQUEST_HEADERS
        }
        resp_headers = {
            k: v for k, v in response.headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS
        }
        path = request.url.raw_path.decode("ascii", "replace")
        exchange = Exchange(
            method=request.method,
            path=path,
            status=response.status_code,
            trace_id=request.headers.get("x-trace-id"),
            elapsed_ms=round(elapsed * 1000, 2),
            request_headers=req_headers,
            request_body=_text(request.content),
            response_headers=resp_headers,
            response_body=_text(response.content),
        )
        view = ResponseView(
            method=request.method,
            path=path,
            status=response.status_code,
            request_headers=dict(request.headers),
            response_headers=dict(response.headers),
            body=response.content,
        )
        failures = run_response_checks(view, self.contract, self.checks)
        with self._lock:
            sink = self._sink
            sink.evidence.append(exchange)
            self.checked_responses += 1
            for check_id, message in failures:
                self.check_findings[check_id].append(
                    Finding(
                        check_id,
                        message,
                        operation=f"{request.method} {path}",
                        trace_id=exchange.trace_id,
                        reproduce=f"scenario {sink.case_id}",
                    )
                )
                if len(self.check_evidence[check_id]) < 5:
                    self.check_evidence[check_id].append(exchange)
        self.bus.emit(RequestSent(sink.phase, sink.case_id, exchange))
        return Reply(response, exchange)


def _text(raw: bytes) -> str:
    text = raw[:_BODY_LIMIT].decode("utf-8", "replace")
    if len(raw) > _BODY_LIMIT:
        text += f"… ({len(raw)} bytes)"
    return text


def dumps(data: Any) -> bytes:
    """Compact JSON bytes, as ContractClient sends them."""
    return _json.dumps(data, separators=(",", ":")).encode()
