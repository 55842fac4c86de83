"""The recording sandbox: every /v1 exchange stored per provider, and the fault script played.

An ASGI middleware between the trace middleware and the routes. It reads each /v1 request,
lets the fault script (`_scripts`) act on it, passes it on (or answers in its place), and
stores the exchange as the provider saw it: request method, path, headers (bearer token
redacted), body, the signature verdict, the answer's status, headers and body, timing and
the fault that fired. The control operations of spec/sandbox.yaml read it back (JSON or HAR
1.2) and load scripts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import BigInteger, Index, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from croupier import Contract
from croupier.reference_impl._control import Sandbox
from croupier.reference_impl._domain import DomainError, error_body
from croupier.reference_impl._render import dumps
from croupier.reference_impl._scripts import (
    ANSWERING,
    BUILTIN_SCRIPTS,
    Firing,
    ScriptEngine,
    ScriptError,
    builtin_script,
)
from croupier.reference_impl._store import Base, BigId, JSONText, Store

__all__ = [
    "CONTROL_OPERATIONS",
    "RecordedExchange",
    "Recorder",
    "RecordingMiddleware",
    "har_document",
]

log = logging.getLogger("croupier.sandbox")

# Control operations of sandbox.yaml this module answers.
CONTROL_OPERATIONS = (
    "listRecordings",
    "exportRecordingsHar",
    "clearRecordings",
    "getFaultScript",
    "loadFaultScript",
    "clearFaultScript",
)
# Bodies beyond this are passed through but recorded cut (the platform refuses them anyway).
_BODY_KEEP = 64 * 1024
# Oldest rows are pruned past this many, checked every _PRUNE_EVERY inserts.
MAX_ROWS = 100_000
_PRUNE_EVERY = 1000
# Refusals that come before the signature stage of the pipeline: the signature was not judged.
_BEFORE_SIGNATURE = {
    "MISSING_TRACE_ID",
    "MISSING_HEADER",
    "INVALID_HEADER",
    "MISSING_IDEMPOTENCY_KEY",
    "PAYLOAD_TOO_LARGE",
}
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_FILTERS = ("provider_id", "brand_id", "session_id", "bet_id", "player_id")


class RecordedExchange(Base):
    """One /v1 exchange as the provider saw it."""

    __tablename__ = "recorded_exchanges"
    __table_args__ = (Index("ix_recorded_provider_time", "provider_id", "started_us"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_us: Mapped[int] = mapped_column(BigInteger, index=True)
    elapsed_us: Mapped[int] = mapped_column(BigInteger)
    provider_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    brand_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region: Mapped[str | None] = mapped_column(String(16), nullable=True)
    operation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    query: Mapped[str] = mapped_column(Text, default="")
    trace_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    bet_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    round_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    player_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    signature: Mapped[str] = mapped_column(String(16))
    signature_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    fault: Mapped[Any] = mapped_column(JSONText, nullable=True)
    request_headers: Mapped[Any] = mapped_column(JSONText)
    request_body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    response_headers: Mapped[Any] = mapped_column(JSONText)
    response_body: Mapped[str] = mapped_column(Text, default="")

    def to_json(self) -> dict[str, Any]:
        """sandbox.yaml's RecordedExchange."""
        return {
            "id": self.id,
            "started_at": _iso_us(self.started_us),
            "elapsed_ms": round(self.elapsed_us / 1000, 3),
            "provider_id": self.provider_id,
            "brand_id": self.brand_id,
            "region": self.region,
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "trace_id": self.trace_id,
            "idempotency_key": self.idempotency_key,
            "session_id": self.session_id,
            "bet_id": self.bet_id,
            "round_id": self.round_id,
            "player_id": self.player_id,
            "signature": {"verdict": self.signature, "reason": self.signature_reason},
            "fault": self.fault,
            "request": {"headers": self.request_headers, "body": self.request_body},
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
                "error_code": self.error_code,
            },
        }


def _iso_us(us: int) -> str:
    moment = datetime.fromtimestamp(us / 1_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cut(value: str | None, size: int) -> str | None:
    if value is None:
        return None
    return value.replace("\x00", "\ufffd")[:size]


def _text(raw: bytes) -> str:
    return raw[:_BODY_KEEP].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _template(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(pattern)


class _Routes:
    """(method, path) -> operationId and path parameters, from the contract's paths."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        for path, item in document.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.routes.append((method.upper(), _template(path), op["operationId"]))

    def match(self, method: str, path: str) -> tuple[str | None, dict[str, str]]:
        for verb, pattern, operation_id in self.routes:
            found = pattern.fullmatch(path)
            if found and verb == method:
                return operation_id, found.groupdict()
        return None, {}


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        if key == "authorization":
            scheme = text.partition(" ")[0]
            text = f"{scheme} <redacted>"
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def _identity(params: dict[str, str], body: Any, answer: Any) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    sources = [
        params,
        body if isinstance(body, dict) else {},
        answer if isinstance(answer, dict) else {},
    ]
    for name in ("session_id", "bet_id", "round_id", "player_id"):
        value = None
        for source in sources:
            candidate = source.get(name)
            if isinstance(candidate, str):
                value = candidate
                break
        found[name] = _cut(value, 64)
    return found


class Recorder:
    """The recording store, the fault script engine and their control operations."""

    def __init__(self, store: Store, sandbox: Sandbox, contract: Contract) -> None:
        self.store = store
        self.sandbox = sandbox
        self.routes = _Routes(contract.bundled)
        self.scripts = ScriptEngine()
        self._inserts = 0

    # ---------------------------------------------------------------- recording

    async def exchange(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Play the script on one /v1 exchange, pass it on, record it, answer."""
        started = time.time()
        clock = time.perf_counter()
        chunks: list[Message] = []
        body = bytearray()
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > _BODY_KEEP * 4:
                break

        async def replay() -> Message:
            if chunks:
                return chunks.pop(0)
            return await receive()

        request_headers = _headers(list(scope.get("headers", [])))
        state = scope.setdefault("state", {})
        trace_id = str(state.get("trace_id") or "")
        provider = request_headers.get("x-provider-id", "")
        brand = request_headers.get("x-brand-id", "")
        method, path = scope["method"], scope["path"]
        operation_id, params = self.routes.match(method, path)
        parsed = _json(bytes(body))
        firings = self.scripts.match(provider, brand, operation_id)
        for firing in firings:
            self.scripts.note(firing, provider, trace_id, _iso_us(int(started * 1e6)))
            if firing.action not in ANSWERING:
                await self._prepare(firing, params, parsed, trace_id, (provider, brand))
        answering = next((f for f in firings if f.action in ANSWERING), None)

        start: Message = {}
        out = bytearray()
        if answering is not None and answering.action == "error":
            start, out = self._injected(answering, trace_id, "error")
        else:

            async def capture(message: Message) -> None:
                nonlocal start
                if message["type"] == "http.response.start":
                    start = message
                elif message["type"] == "http.response.body":
                    out.extend(message.get("body", b""))

            await app(scope, replay, capture)
            if answering is not None and answering.action in ("delay", "timeout"):
                await asyncio.sleep(int(answering.step.get("delay_ms", 0)) / 1000)
            if answering is not None and answering.action == "timeout":
                start, out = self._injected(answering, trace_id, "timeout")
        status = int(start.get("status", 500))
        response_headers = _headers(list(start.get("headers", [])))
        response_headers["x-trace-id"] = trace_id
        answer = _json(bytes(out))
        error_code = answer.get("code") if isinstance(answer, dict) and status >= 400 else None
        verdict, reason = self._signature(state, request_headers, error_code, answer, answering)
        fault = [f.to_json() for f in firings] or None
        row = RecordedExchange(
            started_us=int(started * 1_000_000),
            elapsed_us=int((time.perf_counter() - clock) * 1_000_000),
            provider_id=_cut(provider or None, 64),
            brand_id=_cut(brand or None, 64),
            region=_cut(request_headers.get("x-region"), 16),
            operation_id=operation_id,
            method=method[:16],
            path=_cut(path, 512) or "",
            query=_text(scope.get("query_string") or b""),
            trace_id=_cut(trace_id or None, 128),
            idempotency_key=_cut(request_headers.get("x-idempotency-key"), 128),
            signature=verdict,
            signature_reason=reason,
            fault=fault,
            request_headers=request_headers,
            request_body=_text(bytes(body)),
            status=status,
            error_code=_cut(error_code if isinstance(error_code, str) else None, 64),
            response_headers=response_headers,
            response_body=_text(bytes(out)),
            **_identity(params, parsed, answer),
        )
        await send(start)
        await send({"type": "http.response.body", "body": bytes(out)})
        # Stored after the answer has gone: the recording never delays the provider.
        try:
            await self._store(row)
        except Exception:  # a recording lost must not become a crash of the exchange
            log.exception("could not record the exchange, trace id %s", trace_id)

    def _injected(self, firing: Firing, trace_id: str, kind: str) -> tuple[Message, bytearray]:
        code = firing.error_code
        message = (
            "scripted fault: the work was done but the answer timed out"
            if kind == "timeout"
            else "scripted fault: answering without doing the work"
        )
        data = dumps(
            error_body(code, message, trace_id, {"fault": kind, "step": firing.step["id"]})
        )
        status = 504 if kind == "timeout" else int(firing.step.get("status", 503))
        start: Message = {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
        return start, bytearray(data)

    def _signature(
        self,
        state: dict[str, Any],
        headers: dict[str, str],
        error_code: Any,
        answer: Any,
        answering: Firing | None,
    ) -> tuple[str, str | None]:
        """The sandbox's signature verdict: what its auth said, else read off its answer."""
        told = state.get("signature_verdict")
        if isinstance(told, str):
            return told[:16], _cut(state.get("signature_reason"), 500)
        if answering is not None and answering.action == "error":
            return "unchecked", "a scripted fault answered before the pipeline"
        if error_code == "INVALID_SIGNATURE":
            message = answer.get("message") if isinstance(answer, dict) else None
            verdict = "missing" if "x-signature" not in headers else "invalid"
            return verdict, _cut(str(message or ""), 500)
        if error_code in _BEFORE_SIGNATURE:
            return "unchecked", f"refused with {error_code} before the signature check"
        return "valid", None

    async def _store(self, row: RecordedExchange) -> None:
        async with self.store.session() as s, s.begin():
            s.add(row)
            await s.flush()
            self._inserts += 1
            if self._inserts % _PRUNE_EVERY == 0:
                await s.execute(
                    delete(RecordedExchange).where(RecordedExchange.id <= row.id - MAX_ROWS)
                )

    async def _prepare(
        self,
        firing: Firing,
        params: dict[str, str],
        body: Any,
        trace_id: str,
        who: tuple[str, str],
    ) -> None:
        """Change the sandbox's state as a step says, just before the request goes through."""
        data = {**(body if isinstance(body, dict) else {}), **params}
        step = firing.step
        sb = self.sandbox
        try:
            if firing.action == "expire_session" and isinstance(data.get("session_id"), str):
                await sb.expire_session(data["session_id"])
            elif firing.action in ("rg_self_exclude", "rg_stake_limit", "issue_bonus"):
                player_id = data.get("player_id")
                if not isinstance(player_id, str):
                    return
                _, player = await sb.get_player(player_id, trace_id)
                currency = player["currency"]
                if firing.action == "issue_bonus":
                    _, clock = await sb.get_clock()
                    now = datetime.fromisoformat(clock["now"].replace("Z", "+00:00"))
                    await sb.issue_bonus(
                        player_id,
                        {
                            "amount": {"amount": step["amount"], "currency": currency},
                            "wagering_multiplier": int(step.get("wagering_multiplier", 1)),
                            "max_bet": {"amount": step["max_bet"], "currency": currency},
                            "expires_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        },
                        trace_id,
                    )
                    return
                limits = dict(player["limits"])
                if firing.action == "rg_self_exclude":
                    limits.update(self_excluded=True, self_excluded_until=None)
                else:
                    limits["stake_limit"] = {"amount": step["amount"], "currency": currency}
                await sb.put_limits(player_id, limits)
            elif firing.action == "degrade":
                engine_key = (*who, str(firing.step["id"]))
                if firing.restore:
                    saved = self.scripts.saved_modes.pop(engine_key, None)
                    if saved is not None:
                        await sb.put_degradation(saved)
                else:
                    _, modes = await sb.get_degradation()
                    self.scripts.saved_modes.setdefault(engine_key, dict(modes))
                    await sb.put_degradation({**modes, **step["modes"]})
        except DomainError:
            # The request names an unknown player or session: the platform will say so.
            return

    # ---------------------------------------------------------------- control surface

    async def control(self, operation_id: str, request: Request, body: Any) -> tuple[int, Any]:
        """Answer one of CONTROL_OPERATIONS."""
        if operation_id == "listRecordings":
            rows, next_after = await self._query(request, default_limit=100, max_limit=1000)
            return 200, {"exchanges": [r.to_json() for r in rows], "next_after": next_after}
        if operation_id == "exportRecordingsHar":
            rows, _ = await self._query(request, default_limit=1000, max_limit=10000)
            base = str(request.base_url).rstrip("/")
            return 200, har_document([r.to_json() for r in rows], base)
        if operation_id == "clearRecordings":
            async with self.store.session() as s, s.begin():
                count = (await s.execute(select(func.count(RecordedExchange.id)))).scalar_one()
                await s.execute(delete(RecordedExchange))
            return 200, {"deleted": int(count)}
        if operation_id == "getFaultScript":
            return 200, self._script_state()
        if operation_id == "loadFaultScript":
            try:
                script = builtin_script(body["name"]) if "name" in body else body["script"]
                self.scripts.load(script, body.get("seed"))
            except ScriptError as exc:
                raise DomainError("VALIDATION_FAILED", str(exc), {"field": "script"}) from None
            return 200, self._script_state()
        if operation_id == "clearFaultScript":
            self.scripts.clear()
            return 200, self._script_state()
        raise DomainError("NOT_FOUND", f"no control operation {operation_id}")

    def _script_state(self) -> dict[str, Any]:
        return {**self.scripts.state(), "builtin": list(BUILTIN_SCRIPTS)}

    async def _query(
        self, request: Request, default_limit: int, max_limit: int
    ) -> tuple[list[RecordedExchange], int]:
        q = request.query_params
        query = select(RecordedExchange)
        for name in _FILTERS:
            value = q.get(name)
            if value is None:
                continue
            if not _ID.fullmatch(value):
                raise DomainError("VALIDATION_FAILED", f"{name} is malformed", {"field": name})
            query = query.where(getattr(RecordedExchange, name) == value)
        for name, compare in (("since", "ge"), ("until", "lt")):
            raw = q.get(name)
            if raw is None:
                continue
            moment = _parse_time(raw, name)
            column = RecordedExchange.started_us
            query = query.where(column >= moment if compare == "ge" else column < moment)
        after = _number(q.get("after"), "after", 0, 0, 10**15)
        limit = _number(q.get("limit"), "limit", default_limit, 1, max_limit)
        query = query.where(RecordedExchange.id > after).order_by(RecordedExchange.id).limit(limit)
        async with self.store.session() as s, s.begin():
            rows = list((await s.execute(query)).scalars().all())
        return rows, rows[-1].id if rows else after


def _parse_time(raw: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(
            "VALIDATION_FAILED", f"{name} must be an RFC 3339 date-time", {"field": name}
        ) from None
    if moment.tzinfo is None:
        raise DomainError(
            "VALIDATION_FAILED", f"{name} must carry a time zone (Z)", {"field": name}
        )
    try:
        return int(moment.timestamp() * 1_000_000)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00:00+23:59 is before year 1 in UTC
        raise DomainError(
            "VALIDATION_FAILED", f"{name} is out of range in UTC", {"field": name}
        ) from None


_DIGITS = re.compile(r"[0-9]{1,20}")


def _number(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    # ASCII digits only (str.isdigit() also takes '²'); zero padding does not skip the bounds.
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise DomainError(
            "VALIDATION_FAILED", f"{name} must be an integer from {low} to {high}", {"field": name}
        )
    return int(raw)


def har_document(exchanges: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """HAR 1.2 of recorded exchanges; Croupier's facts ride in `_croupier` per entry."""
    from croupier import __version__

    entries = []
    for e in exchanges:
        query = e["query"]
        url = f"{base_url}{e['path']}" + (f"?{query}" if query else "")
        request_headers = e["request"]["headers"]
        response_headers = e["response"]["headers"]
        request: dict[str, Any] = {
            "method": e["method"],
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in request_headers.items()],
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(query)],
            "headersSize": -1,
            "bodySize": len(e["request"]["body"].encode()),
        }
        if e["request"]["body"]:
            request["postData"] = {
                "mimeType": request_headers.get("content-type", "application/json"),
                "text": e["request"]["body"],
            }
        entries.append(
            {
                "startedDateTime": e["started_at"],
                "time": e["elapsed_ms"],
                "request": request,
                "response": {
                    "status": e["response"]["status"],
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": [{"name": k, "value": v} for k, v in response_headers.items()],
                    "content": {
                        "size": len(e["response"]["body"].encode()),
                        "mimeType": response_headers.get("content-type", "application/json"),
                        "text": e["response"]["body"],
                    },
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(e["response"]["body"].encode()),
                },
                "cache": {},
                "timings": {"send": 0, "wait": e["elapsed_ms"], "receive": 0},
                "_croupier": {
                    k: e[k]
                    for k in (
                        "id",
                        "provider_id",
                        "brand_id",
                        "operation_id",
                        "session_id",
                        "bet_id",
                        "round_id",
                        "player_id",
                        "signature",
                        "fault",
                    )
                },
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "croupier", "version": __version__},
            "entries": entries,
        }
    }


class RecordingMiddleware:
    """Hand every /v1 exchange to the recorder; everything else passes untouched."""

    def __init__(self, app: ASGIApp, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        await self.recorder.exchange(self.app, scope, receive, send)
