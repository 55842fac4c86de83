"""The validating proxy: between a real provider and a real platform, it checks and records.

Every request is forwarded to the target unchanged and its answer returned unchanged. On the
way, the request is validated against the contract (the provider's side) and the answer too
(the platform's side); each exchange is appended, with what the validation found, to a JSON
Lines file that `croupier certify-provider --recording` judges.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from starlette.requests import Request
from starlette.responses import Response
from werkzeug.datastructures import Headers, ImmutableMultiDict

from croupier import Contract

__all__ = ["ValidatingProxy"]

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones httpx recomputes are not copied.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-encoding",
}


class _OpenAPIRequest:
    def __init__(
        self, server: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> None:
        self.host_url = server
        self.path = path
        self.method = method.lower()
        self.body = body or None
        self.content_type = headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )


class _OpenAPIResponse:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.data = body
        self.status_code = status
        self.content_type = headers.get("content-type", "").split(";")[0]
        self.headers = Headers(headers)


def _problems(exc: Exception) -> list[str]:
    out = [f"{type(exc).__name__}: {exc}"]
    inner = exc.__cause__ or exc.__context__
    details = getattr(inner, "schema_errors", None) or getattr(exc, "schema_errors", None)
    for error in details or []:
        out.append(str(getattr(error, "message", error))[:300])
    return [p[:500] for p in out[:10]]


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class ValidatingProxy:
    """Forward to `forward` (an httpx client on the target), validate, record to `record`."""

    contract: Contract
    forward: httpx.Client
    record: Path | None = None
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.spec = OpenAPI.from_dict(self.contract.bundled)
        server = (self.contract.bundled.get("servers") or [{"url": "http://localhost"}])[0]
        self.server = str(server["url"]).rstrip("/")

    def validate_request(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> list[str]:
        """What the contract says is wrong with a request (empty when nothing)."""
        try:
            with warnings.catch_warnings():
                # openapi-core warns that it cannot check mutualTLS; the platform checks it.
                warnings.simplefilter("ignore", UserWarning)
                self.spec.validate_request(
                    _OpenAPIRequest(self.server, method, path, query, headers, body)
                )
        except Exception as exc:  # openapi-core raises one class per kind of problem
            return _problems(exc)
        return []

    def validate_response(
        self,
        method: str,
        path: str,
        query: str,
        request_headers: dict[str, str],
        body: bytes,
        status: int,
        headers: dict[str, str],
        answer: bytes,
    ) -> list[str]:
        """What the contract says is wrong with an answer (empty when nothing)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                self.spec.validate_response(
                    _OpenAPIRequest(self.server, method, path, query, request_headers, body),
                    _OpenAPIResponse(status, headers, answer),
                )
        except Exception as exc:
            return _problems(exc)
        return []

    def _exchange(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, dict[str, Any]]:
        started = time.time()
        clock = time.perf_counter()
        target = path + (f"?{query}" if query else "")
        sent = {k: v for k, v in headers.items() if k not in _HOP}
        try:
            response = self.forward.request(method, target, content=body, headers=sent)
            status, answer = response.status_code, response.content
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except httpx.HTTPError as exc:
            status, answer = 502, json.dumps({"proxy_error": str(exc)[:300]}).encode()
            answer_headers = {"content-type": "application/json"}
        elapsed_ms = (time.perf_counter() - clock) * 1000
        violations: dict[str, list[str]] = {"request": [], "response": []}
        if path.startswith("/v1/"):
            violations["request"] = self.validate_request(method, path, query, headers, body)
            if status != 502:
                violations["response"] = self.validate_response(
                    method, path, query, headers, body, status, answer_headers, answer
                )
        row = {
            "started_at": _iso(started),
            "elapsed_ms": round(elapsed_ms, 3),
            "method": method,
            "path": path,
            "query": query,
            "signature": {"verdict": None, "reason": None},
            "fault": None,
            "violations": violations,
            "request": {"headers": headers, "body": body.decode("utf-8", errors="replace")},
            "response": {
                "status": status,
                "headers": answer_headers,
                "body": answer.decode("utf-8", errors="replace"),
            },
        }
        with self._lock:
            row["id"] = len(self.exchanges) + 1
            self.exchanges.append(row)
            if self.record is not None:
                with self.record.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return status, answer_headers, answer, row

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """The ASGI app: every path, every method."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        request = Request(scope, receive)
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, answer_headers, answer, _ = await anyio.to_thread.run_sync(
            self._exchange,
            request.method,
            request.url.path,
            request.url.query,
            headers,
            body,
        )
        kept = {k: v for k, v in answer_headers.items() if k not in _HOP}
        response = Response(answer, status_code=status, headers=kept)
        await response(scope, receive, send)
