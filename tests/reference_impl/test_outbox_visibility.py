"""PostgreSQL outbox visibility: a reader never skips an event whose transaction commits late.

Positions are drawn at insert time, commits happen in another order. T1 inserts (lower
position) and stays open; T2 inserts (higher position) and commits. A reader paging by
position must not hand out T2's row yet, or it would move past T1's row for good.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from croupier import ContractClient
from reference_impl import create_app
from reference_impl._relay import Relay
from reference_impl._store import Store

from .conftest import CONTRACT, TestClient, check_response, open_session


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """A fresh PostgreSQL schema (skips with the usual message without CROUPIER_TEST_PG_URL)."""
    return pg_schema_url


@pytest.fixture
def pg_http(pg_url: str) -> Iterator[Any]:
    """The sandbox on PostgreSQL (the real endpoint), reset and wiped."""
    app = create_app(pg_url, nats_url=None, contract=CONTRACT)
    with TestClient(app, raise_server_exceptions=True) as client:
        client.event_hooks = {"request": [], "response": [check_response]}
        assert client.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        yield client


def _connect(url: str) -> psycopg.Connection[Any]:
    """A plain psycopg connection on the test schema (search_path from the URL)."""
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _template(http: Any) -> dict[str, Any]:
    """A real emitted event to copy (the response is checked against the spec)."""
    open_session(ContractClient(http))
    page = http.get("/sandbox/events").json()
    assert page["events"], page
    return dict(page["events"][-1]["event"])


def _insert(conn: psycopg.Connection[Any], event: dict[str, Any], event_id: str) -> int:
    body = json.dumps({**event, "event_id": event_id}, separators=(",", ":"))
    row = conn.execute(
        "INSERT INTO outbox (event_id, event_type, tenant_id, player_id, body, delivered)"
        " VALUES (%s, %s, %s, %s, %s, false) RETURNING position, txid",
        (event_id, event["event_type"], event["tenant_id"], event["player_id"], body),
    ).fetchone()
    assert row is not None
    assert row[1] is not None, "outbox.txid must default to the inserting transaction id"
    return int(row[0])


def _positions(http: Any, since: int) -> list[int]:
    page = http.get("/sandbox/events", params={"since": since, "limit": 1000}).json()
    return [e["position"] for e in page["events"]]


def _settled(http: Any, since: int, count: int) -> list[int]:
    """The page once `count` rows show. The snapshot xmin is cluster-wide, so a transaction
    of another client (a parallel test run) may hold rows back a moment longer."""
    deadline = time.monotonic() + 10
    got = _positions(http, since)
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        got = _positions(http, since)
    return got


def test_reader_waits_for_older_transactions(pg_http: Any, pg_url: str) -> None:
    template = _template(pg_http)
    since = _positions(pg_http, 0)[-1]
    with _connect(pg_url) as t1, _connect(pg_url) as t2:
        p1 = _insert(t1, template, "evt_visibility_t1")  # T1: lower position, still open
        p2 = _insert(t2, template, "evt_visibility_t2")
        t2.commit()  # T2: higher position, committed first
        assert p1 < p2
        # T2's row is committed, but T1 (older, still running) could precede it: hold it back.
        assert _positions(pg_http, since) == []
        t1.commit()
        assert _settled(pg_http, since, 2) == [p1, p2]


class _FakeJetStream:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def publish(self, subject: str, data: bytes, headers: Any = None) -> None:
        self.sent.append(json.loads(data)["event_id"])


def test_relay_waits_for_older_transactions(pg_http: Any, pg_url: str) -> None:
    template = _template(pg_http)

    async def pump(relay: Relay) -> list[str]:
        before = len(relay._js.sent)
        await relay.pump()
        return list(relay._js.sent[before:])

    async def scenario() -> None:
        store = Store(pg_url)
        relay = Relay(store, "nats://unused")
        relay._js = _FakeJetStream()
        try:
            await pump(relay)  # drain what the sandbox emitted so far
            with _connect(pg_url) as t1, _connect(pg_url) as t2:
                _insert(t1, template, "evt_relay_t1")
                _insert(t2, template, "evt_relay_t2")
                t2.commit()
                assert "evt_relay_t2" not in await pump(relay)
                t1.commit()
                sent: list[str] = []
                deadline = time.monotonic() + 10  # xmin is cluster-wide: see _settled
                while len(sent) < 2 and time.monotonic() < deadline:
                    sent += [e for e in await pump(relay) if e.startswith("evt_relay_")]
                    await asyncio.sleep(0.05)
                assert sent == ["evt_relay_t1", "evt_relay_t2"]
        finally:
            await store.dispose()

    asyncio.run(scenario())


def test_existing_outbox_gets_the_txid_column(pg_url: str) -> None:
    """A database made before the column existed gets it (with its default) at startup."""

    async def scenario() -> None:
        store = Store(pg_url)
        try:
            await store.create_all()
            with _connect(pg_url) as conn:
                conn.execute("ALTER TABLE outbox DROP COLUMN txid")
                conn.commit()
            await store.create_all()
            await store.create_all()  # idempotent
        finally:
            await store.dispose()

    asyncio.run(scenario())
    with _connect(pg_url) as conn:
        row = conn.execute(
            "SELECT column_default, is_nullable FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = 'outbox'"
            " AND column_name = 'txid'"
        ).fetchone()
    assert row is not None
    assert "pg_current_xact_id" in str(row[0]) and row[1] == "YES"
