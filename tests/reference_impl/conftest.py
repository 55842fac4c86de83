"""Fixtures: the sandbox app on SQLite and PostgreSQL, and a client that checks every response."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from croupier import ContractClient, load_contract
from croupier.reference_impl import create_app

with warnings.catch_warnings():
    # Starlette nags about httpx vs httpx2; the TestClient works the same.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PG_ENV = "CROUPIER_TEST_PG_URL"
PG_SKIP = f"PostgreSQL backend: set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONTRACT = load_contract()
SPEC = OpenAPI.from_dict(CONTRACT.bundled)
SANDBOX_SPEC = OpenAPI.from_dict(CONTRACT.sandbox_bundled)
ERROR_SCHEMA = Draft202012Validator(CONTRACT.bundled["components"]["schemas"]["Error"])
CATALOG = CONTRACT.error_catalog
SERVER = "http://127.0.0.1:8000"


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        self.host_url = SERVER
        self.path = request.url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(dict(response.headers))


def check_response(response: httpx.Response) -> None:
    """Every response conforms: the contract (or sandbox.yaml) for its operation, else Error."""
    response.read()
    assert response.status_code != 500 or response.json()["code"] == "INTERNAL_ERROR"
    assert "x-trace-id" in response.headers, "X-Trace-Id must be echoed on every response"
    path = response.request.url.path
    status = response.status_code
    if path.startswith("/openapi."):
        return
    spec = SANDBOX_SPEC if path.startswith(("/sandbox", "/oauth", "/metrics")) else SPEC
    # Unknown paths and wrong methods are not operations of either spec; they still use Error.
    if status in (404, 405) and response.json().get("code") in ("NOT_FOUND", "METHOD_NOT_ALLOWED"):
        assert not list(ERROR_SCHEMA.iter_errors(response.json())), response.text
        assert response.json()["trace_id"] == response.headers["x-trace-id"]
        return
    spec.validate_response(_Request(response.request), _Response(response))
    if status >= 400:
        body = response.json()
        if response.headers.get("idempotent-replayed") != "true":
            # A replay returns the stored body byte for byte: its trace_id is the first call's.
            assert body["trace_id"] == response.headers["x-trace-id"]
        # The catalog fixes each code's status and retryable flag.
        entry = CATALOG[body["code"]]
        assert (status, body["retryable"]) == (entry["status"], entry["retryable"]), body


def _pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test session, dropped afterwards."""
    base = _pg_url()
    if base is None:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"croupier_t_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same tests on SQLite (a fresh file) and PostgreSQL (a fresh schema, wiped)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def http(database_url: str) -> Iterator[TestClient]:
    """A TestClient on a reset sandbox; every response is checked against the spec."""
    app = create_app(database_url, nats_url=None, contract=CONTRACT)
    with TestClient(app, raise_server_exceptions=True) as client:
        client.event_hooks = {"request": [], "response": [check_response]}
        assert client.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        yield client


@pytest.fixture
def api(http: TestClient) -> ContractClient:
    """A signed contract client with a bearer token."""
    return ContractClient(http)


def events(http: Any, **query: Any) -> list[dict[str, Any]]:
    """Events the sandbox emitted, each checked against schemas/."""
    page = http.get("/sandbox/events", params={"limit": 1000, **query}).json()
    out = [e["event"] for e in page["events"]]
    for event in out:
        assert CONTRACT.validate_event(event) == [], event
    return out


def open_session(
    api: ContractClient,
    player: str = "p_demo_1",
    game: str = "game_slots_demo",
    currency: str = "EUR",
) -> str:
    r = api.call(
        "POST",
        "/v1/sessions",
        {"player_id": player, "game_id": game, "currency": currency, "locale": "en-GB"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["session_id"])


def authorize(
    api: ContractClient,
    session_id: str,
    bet_id: str,
    amount: str = "1.00",
    player: str = "p_demo_1",
    currency: str = "EUR",
    game: str = "game_slots_demo",
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "bet_id": bet_id,
        "round_id": f"r-{bet_id}",
        "session_id": session_id,
        "player_id": player,
        "game_id": game,
        "stake": {"amount": amount, "currency": currency},
        **extra,
    }
    return api.call("POST", "/v1/bets/authorize", body, idempotency_key=key)


def settle(
    api: ContractClient,
    bet_id: str,
    win: str = "0.00",
    player: str = "p_demo_1",
    currency: str = "EUR",
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "bet_id": bet_id,
        "round_id": f"r-{bet_id}",
        "player_id": player,
        "win": {"amount": win, "currency": currency},
        **extra,
    }
    return api.call("POST", "/v1/bets/settle", body, idempotency_key=key)


def rollback(
    api: ContractClient, bet_id: str, player: str = "p_demo_1", key: str | None = None
) -> httpx.Response:
    body = {"bet_id": bet_id, "player_id": player, "reason": "timeout"}
    return api.call("POST", "/v1/bets/rollback", body, idempotency_key=key)


def balance(api: ContractClient, player: str = "p_demo_1") -> dict[str, Any]:
    r = api.call("GET", f"/v1/players/{player}/balance")
    assert r.status_code == 200, r.text
    return dict(r.json())


def contract_copy(
    root: Path,
    edit_spec: Any = None,
    extra_schemas: Path | None = None,
) -> Any:
    """A copy of the repository's contract under `root`, its openapi.yaml edited in place.

    `edit_spec` takes the parsed spec/openapi.yaml and changes it; `extra_schemas` is a folder
    laid out like schemas/ whose files are added (a test-only v2 event schema).
    """
    import shutil

    import yaml

    for part in ("spec", "schemas"):
        shutil.copytree(CONTRACT.root / part, root / part)
    if edit_spec is not None:
        path = root / "spec" / "openapi.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit_spec(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    if extra_schemas is not None:
        shutil.copytree(extra_schemas, root / "schemas", dirs_exist_ok=True)
    return load_contract(root)
