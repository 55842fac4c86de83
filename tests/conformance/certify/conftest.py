"""Serve the sandbox (optionally wrapped in a one-fault ASGI middleware) on a loopback port."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from croupier import SANDBOX_CREDENTIALS, free_port, sign_request

Scope = dict[str, Any]
RequestHook = Callable[[Scope, dict[str, str], bytes], tuple[dict[str, str], bytes]]
ResponseHook = Callable[
    [Scope, bytes, int, list[tuple[bytes, bytes]], bytes],
    tuple[int, list[tuple[bytes, bytes]], bytes],
]


class OneFault:
    """An ASGI middleware that rewrites requests and/or responses of /v1 calls, buffering bodies."""

    def __init__(
        self,
        app: Any,
        on_request: RequestHook | None = None,
        on_response: ResponseHook | None = None,
    ) -> None:
        self.app = app
        self.on_request = on_request
        self.on_response = on_response

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Any
    ) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.on_request is not None:
            headers, body = self.on_request(scope, headers, body)
            headers["content-length"] = str(len(body))
            # Only a rewritten request is rebuilt: a header sent twice must reach the app twice.
            scope = dict(scope, headers=[(k.encode(), v.encode()) for k, v in headers.items()])
        sent = False

        async def replay_receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        if self.on_response is None:
            await self.app(scope, replay_receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay_receive, capture)
        status, out_headers, out_body = self.on_response(
            scope, body, start["status"], list(start.get("headers", [])), b"".join(chunks)
        )
        out_headers = [(k, v) for k, v in out_headers if k.lower() != b"content-length"]
        out_headers.append((b"content-length", str(len(out_body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": out_body})


def resign(scope: Scope, headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Sign a rewritten request again, as the broken platform would have received it."""
    creds = SANDBOX_CREDENTIALS
    path = scope["path"] + (
        ("?" + scope["query_string"].decode()) if scope.get("query_string") else ""
    )
    headers["x-signature"] = sign_request(
        scope["method"], path, body, creds.key_id, creds.secret, headers=headers
    )
    return headers


def json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        server.should_exit = True
        raise RuntimeError("the sandbox did not start")
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def sandbox_app(tmp_path: Path) -> Callable[..., Any]:
    """Build a fresh sandbox app on SQLite, optionally wrapped in a fault."""
    from croupier.reference_impl import create_app

    def build(nats_url: str | None = None, **fault: Any) -> Any:
        app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}", nats_url=nats_url)
        return OneFault(app, **fault) if fault else app

    return build
