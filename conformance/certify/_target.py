"""The implementation under test as certify talks to it: signed contract calls, sandbox controls.

Every exchange is timed, kept as evidence of the case that sent it, announced as a `RequestSent`
event, and passed through the shared response checks.
"""

from __future__ import annotations

import contextlib
import json as _json
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from croupier import ALL_SCOPES, ClientTls, Contract, ContractClient, Credentials
from croupier.conformance.certify._checks import NO_SERVER_ERROR, ResponseView, run_response_checks
from croupier.conformance.certify._events import EventBus, RequestSent
from croupier.conformance.certify._model import Exchange, Finding
from croupier.conformance.certify._security import AuthFacts, classify_auth, verification_keys

__all__ = ["ConnectionSettings", "OAuthClient", "Reply", "Target", "TargetUnavailable"]

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


@dataclass(frozen=True)
class OAuthClient:
    """Where and as whom certify fetches bearer tokens (None: the credentials' OAuth client)."""

    token_url: str = "/oauth/token"  # relative to the base URL, or absolute
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ALL_SCOPES


@dataclass(frozen=True)
class ConnectionSettings:
    """How certify reaches the target: OAuth client, TLS, timeouts, extra headers, rate."""

    oauth: OAuthClient = field(default_factory=OAuthClient)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify_tls: bool = True
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 15.0
    rate_limit_per_s: float | None = None

    def described(self) -> dict[str, Any]:
        """The settings a report may show: no secret, no header value."""
        return {
            "token_url": self.oauth.token_url,
            "oauth_client_id": self.oauth.client_id,
            "scopes": list(self.oauth.scopes),
            "extra_headers": sorted(self.headers),
            "tls": {
                "ca_bundle": self.ca_bundle,
                "client_cert": self.client_cert,
                "verify": self.verify_tls,
            },
            "timeouts_s": {"connect": self.connect_timeout_s, "read": self.read_timeout_s},
            "rate_limit_per_s": self.rate_limit_per_s,
        }

    def ssl_context(self) -> ssl.SSLContext | bool:
        """The TLS settings for httpx: a context with the CA bundle and client certificate."""
        if self.ca_bundle is None and self.client_cert is None:
            return self.verify_tls
        context = ssl.create_default_context(cafile=self.ca_bundle)
        if self.client_cert is not None:
            context.load_cert_chain(self.client_cert, self.client_key)
        if not self.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


class TokenRefused(Exception):
    """The token endpoint refused the OAuth client; the message says how."""


@dataclass
class _ProfileClient(ContractClient):
    """ContractClient whose bearer tokens come from the profile's own OAuth client."""

    oauth: OAuthClient = field(default_factory=OAuthClient)
    granted: tuple[str, ...] = ()

    def token(self) -> str:
        """A cached bearer token from the profile's token URL and OAuth client.

        Without a profile client it is the signing key's (key id, secret), as for the sandbox.
        The scopes the token endpoint granted are kept for preflight and the security summary.
        """
        if self.oauth.client_id is None:
            client_id, secret = self.credentials.oauth_client_id, self.credentials.secret
        else:
            client_id, secret = self.oauth.client_id, self.oauth.client_secret or ""
        if self._token is None or time.time() > self._token_expiry - 30:
            response = self.http.post(
                self.token_path,
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                    "scope": " ".join(self.scopes),
                },
            )
            response.raise_for_status()
            body = response.json()
            self._token = str(body["access_token"])
            self._token_expiry = time.time() + float(body.get("expires_in", 300))
            self.granted = tuple(str(body.get("scope", " ".join(self.scopes))).split())
        return self._token


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

    @property
    def echoed_trace_id(self) -> str | None:
        """The X-Trace-Id the answer carries (the platform's own when the request had none)."""
        return self.response.headers.get("X-Trace-Id")

    def describe(self) -> str:
        """`STATUS CODE (trace …)` for failure messages; no trace part when there is none."""
        code = f" {self.code}" if self.code else ""
        trace = self.trace_id or self.echoed_trace_id
        return f"{self.status}{code}" + (f" (trace {trace})" if trace else "")


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
        connection: ConnectionSettings | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.contract = contract
        self.bus = bus
        self.checks = checks
        self._control_headers = {"X-Control-Token": control_token} if control_token else {}
        self.connection = connection or ConnectionSettings()
        conn = self.connection
        verify = tls.ssl_context() if tls is not None else conn.ssl_context()
        if tls is None and (conn.ca_bundle or conn.client_cert):
            # The profile's [tls] table, for every client of the run (Schemathesis too).
            tls = ClientTls(conn.ca_bundle, conn.client_cert, conn.client_key)
        self.tls = tls
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(conn.read_timeout_s, connect=conn.connect_timeout_s)
            if connection is not None
            else timeout,
            transport=transport,
            headers=conn.headers,
            verify=verify,
        )
        self.client = _ProfileClient(
            self.http,
            credentials,
            scopes=conn.oauth.scopes,
            token_path=conn.oauth.token_url,
            oauth=conn.oauth,
        )
        self._min_interval = 1.0 / conn.rate_limit_per_s if conn.rate_limit_per_s else 0.0
        self._next_send = 0.0
        self._lock = threading.Lock()
        self._sink = _CaseSink()
        self._local = threading.local()  # a thread's own case, over the shared one
        self._others: dict[str, ContractClient] = {}  # key id -> a client of other credentials
        # check id -> findings and number of responses it looked at, across every case
        self.check_findings: dict[str, list[Finding]] = defaultdict(list)
        self.checked_responses = 0
        self.check_evidence: dict[str, list[Exchange]] = defaultdict(list)
        # What the security summary checks each request's signature and token against.
        try:
            self._verification_keys = verification_keys(credentials)
        except (ValueError, TypeError):  # an unusable private key fails at signing, not here
            self._verification_keys = {}
        self.issued_tokens: set[str] = set()

    def auth_facts(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        sent_at: float | None = None,
    ) -> AuthFacts:
        """How a request authenticated: its signature checked with the run's key, its token."""
        token = self.client._token
        if token:
            self.issued_tokens.add(token)
        return classify_auth(
            method, target, body, headers, self._verification_keys, self.issued_tokens, sent_at
        )

    # -- case bookkeeping -------------------------------------------------------------------
    def begin_case(
        self, phase: str, case_id: str, evidence: list[Exchange] | None = None
    ) -> list[Exchange]:
        """Start (or resume) recording for a case; returns the list its evidence lands in."""
        with self._lock:
            self._sink = _CaseSink(phase, case_id, evidence if evidence is not None else [])
            return self._sink.evidence

    @contextlib.contextmanager
    def bind_case(
        self, phase: str, case_id: str, evidence: list[Exchange]
    ) -> Iterator[list[Exchange]]:
        """Record this thread's exchanges into a case for the block (parallel latency samples)."""
        previous = getattr(self._local, "sink", None)
        self._local.sink = _CaseSink(phase, case_id, evidence)
        try:
            yield evidence
        finally:
            self._local.sink = previous

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    # -- preflight --------------------------------------------------------------------------
    def preflight(self) -> None:
        """Raise TargetUnavailable unless /health answers and every credential is accepted.

        Each step says what refused: the connection (TLS), the token endpoint, the scopes it
        granted, or the platform (signature, token, headers) on one signed read.
        """
        try:
            health = self.http.get("/health")
        except httpx.HTTPError as exc:
            # A TLS 1.3 server that wants a client certificate hangs up after the handshake.
            tls_refusal = "SSL" in str(exc) or (
                self.base_url.startswith("https://")
                and isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
            )
            hint = " (check tls.ca_bundle / tls.client_cert)" if tls_refusal else ""
            raise TargetUnavailable(f"{self.base_url} is unreachable: {exc}{hint}") from None
        if health.status_code >= 500 or health.status_code == 404:
            raise TargetUnavailable(f"{self.base_url}/health answered {health.status_code}")
        oauth = self.connection.oauth
        client_id = oauth.client_id or self.credentials.oauth_client_id
        try:
            self.client.token()
        except httpx.HTTPStatusError as exc:
            raise TargetUnavailable(
                f"token endpoint {oauth.token_url} refused OAuth client {client_id!r}: "
                f"{exc.response.status_code}{_code(exc.response)}"
            ) from None
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise TargetUnavailable(
                f"token endpoint {oauth.token_url} gave no bearer token: {exc}"
            ) from None
        missing = [s for s in oauth.scopes if self.client.granted and s not in self.client.granted]
        if missing:
            raise TargetUnavailable(
                f"token endpoint {oauth.token_url} did not grant scope(s) {', '.join(missing)} "
                f"to OAuth client {client_id!r}"
            )
        try:
            probe = self.client.call("GET", "/v1/jackpots")
        except httpx.HTTPError as exc:
            raise TargetUnavailable(f"a signed GET /v1/jackpots failed: {exc}") from None
        step = {
            "INVALID_SIGNATURE": f"the request signature of key {self.credentials.key_id!r}",
            "INVALID_TOKEN": f"the bearer token from {oauth.token_url}",
            "INSUFFICIENT_SCOPE": f"the scopes granted to OAuth client {client_id!r}",
            "INVALID_HEADER": "the brand/region/provider headers",
            "MISSING_HEADER": "the brand/region/provider headers",
        }.get(_code(probe).strip(" "), "")
        if probe.status_code in (400, 401, 403) and step:
            raise TargetUnavailable(
                f"the platform refused {step} on a signed GET /v1/jackpots: "
                f"{probe.status_code}{_code(probe)}"
            )

    @contextlib.contextmanager
    def ordered_unavailability(self) -> Iterator[None]:
        """For the block, a 503 or 504 is what the scenario ordered, not a server error."""
        previous = getattr(self._local, "ordered", False)
        self._local.ordered = True
        try:
            yield
        finally:
            self._local.ordered = previous

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
    def _throttle(self) -> None:
        """Keep to the profile's request rate (requests per second), across threads."""
        if not self._min_interval:
            return
        with self._lock:
            now = time.monotonic()
            wait = self._next_send - now
            self._next_send = max(now, self._next_send) + self._min_interval
        if wait > 0:
            time.sleep(wait)

    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Reply:
        """A contract call through ContractClient (signed, mandatory headers, bearer)."""
        self._throttle()
        started = time.perf_counter()
        response = self.client.call(method, path, json, **kwargs)
        return self._record(response, time.perf_counter() - started)

    def call_as(
        self, credentials: Credentials, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> Reply:
        """A contract call signed, and authorized with a token, as other credentials."""
        client = self._others.get(credentials.key_id)
        if client is None:
            client = ContractClient(
                self.http, credentials, token_path=self.connection.oauth.token_url
            )
            self._others[credentials.key_id] = client
        self._throttle()
        started = time.perf_counter()
        response = client.call(method, path, json, **kwargs)
        return self._record(response, time.perf_counter() - started)

    def control(self, method: str, path: str, json: Any = None, **params: Any) -> Reply:
        """A sandbox control call (unsigned, no mandatory headers)."""
        self._throttle()
        started = time.perf_counter()
        response = self.http.request(
            method, path, json=json, params=params or None, headers=self._control_headers
        )
        return self._record(response, time.perf_counter() - started)

    def raw(
        self,
        method: str,
        path: str,
        *,
        content: bytes,
        headers: dict[str, str] | list[tuple[str, str]],
    ) -> Reply:
        """A request exactly as given (signed or deliberately not); pairs may repeat a header."""
        self._throttle()
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
        if getattr(self._local, "ordered", False) and response.status_code in (503, 504):
            failures = [(c, m) for c, m in failures if c != NO_SERVER_ERROR]
        auth = self.auth_facts(
            request.method, path, dict(request.headers), request.content, time.time() - elapsed
        )
        with self._lock:
            sink = getattr(self._local, "sink", None) or self._sink
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
        self.bus.emit(RequestSent(sink.phase, sink.case_id, exchange, auth=auth))
        return Reply(response, exchange)


def _code(response: httpx.Response) -> str:
    """` CODE` of an error body, or nothing."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return f" {code}" if isinstance(code, str) else ""


def _text(raw: bytes) -> str:
    text = raw[:_BODY_LIMIT].decode("utf-8", "replace")
    if len(raw) > _BODY_LIMIT:
        text += f"… ({len(raw)} bytes)"
    return text


def dumps(data: Any) -> bytes:
    """Compact JSON bytes, as ContractClient sends them."""
    return _json.dumps(data, separators=(",", ":")).encode()
