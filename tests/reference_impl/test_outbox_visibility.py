"""PostgreSQL outbox visibility: a reader never skips an event whose transaction commits late.

Insert positions are drawn at insert time, commits happen in another order. T1 inserts
(lower position) and stays open; T2 inserts (higher position) and commits. The position a
reader pages by is a sequence number handed out in commit order, so T2's row is read first
and T1's row, committed later, is numbered after it: nothing is skipped, and nothing waits
for transactions that are not the outbox's.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._relay import Relay
from croupier.reference_impl._store import Store

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


def _page(http: Any, since: int) -> list[tuple[int, str]]:
    page = http.get("/sandbox/events", params={"since": since, "limit": 1000}).json()
    return [(e["position"], e["event"]["event_id"]) for e in page["events"]]


def _last_position(http: Any) -> int:
    return int(http.get("/sandbox/events", params={"limit": 1000}).json()["next_since"])


def test_a_late_commit_is_numbered_late_never_skipped(pg_http: Any, pg_url: str) -> None:
    """T1 inserts first and commits last: a reader paging by position still gets its row."""
    template = _template(pg_http)
    since = _last_position(pg_http)
    with _connect(pg_url) as t1, _connect(pg_url) as t2:
        p1 = _insert(t1, template, "evt_visibility_t1")  # T1: lower insert position, still open
        p2 = _insert(t2, template, "evt_visibility_t2")
        assert p1 < p2
        t2.commit()  # T2: committed first, so it is numbered (and read) first
        first = _page(pg_http, since)
        assert [e for _, e in first] == ["evt_visibility_t2"]
        t1.commit()
        second = _page(pg_http, first[-1][0])  # read on from where the reader stood
        assert [e for _, e in second] == ["evt_visibility_t1"]
        assert first[-1][0] < second[0][0]


def _idle_transaction(database_url: str) -> Any:
    """A transaction left open by another client: in another database on PostgreSQL (holding
    a transaction id), a read snapshot of the same file on SQLite."""
    if database_url.startswith("sqlite"):
        conn: Any = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM outbox").fetchone()
        return conn
    other_db = database_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    conn = psycopg.connect(other_db.rsplit("/", 1)[0] + "/postgres")
    conn.execute("SELECT pg_current_xact_id()")  # takes an xid, then sits idle
    return conn


def test_an_idle_transaction_elsewhere_holds_nothing_back(http: Any, database_url: str) -> None:
    """#16: a transaction open anywhere on the server stalled /sandbox/events on PostgreSQL."""
    since = _last_position(http)
    idle = _idle_transaction(database_url)
    try:
        open_session(ContractClient(http))
        assert [e for _, e in _page(http, since)], "the new event must show at once"
    finally:
        idle.rollback()
        idle.close()


class _FakeJetStream:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def publish(self, subject: str, data: bytes, headers: Any = None) -> None:
        self.sent.append(json.loads(data)["event_id"])


def test_relay_publishes_in_commit_order(pg_http: Any, pg_url: str) -> None:
    template = _template(pg_http)

    async def published(relay: Relay, count: int) -> list[str]:
        """This test's events the relay publishes, pumping until `count` went out (bounded).

        A pump may publish nothing while another relay on this database holds the relay lock
        (parallel test runs share it), so one empty pump proves nothing.
        """
        sent: list[str] = []
        deadline = time.monotonic() + 15
        while len(sent) < count and time.monotonic() < deadline:
            before = len(relay._js.sent)
            await relay.pump()
            sent += [e for e in relay._js.sent[before:] if e.startswith("evt_relay_")]
            await asyncio.sleep(0.05)
        return sent

    async def scenario() -> None:
        store = Store(pg_url)
        relay = Relay(store, "nats://unused")
        relay._js = _FakeJetStream()
        try:
            with _connect(pg_url) as t1, _connect(pg_url) as t2:
                _insert(t1, template, "evt_relay_t1")
                _insert(t2, template, "evt_relay_t2")
                t2.commit()
                assert await published(relay, 1) == ["evt_relay_t2"]  # T1 still open
                t1.commit()
                assert await published(relay, 1) == ["evt_relay_t1"]
            # an idle transaction in another database does not stall the relay either
            other_db = pg_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
            with psycopg.connect(other_db.rsplit("/", 1)[0] + "/postgres") as idle:
                idle.execute("SELECT pg_current_xact_id()")
                with _connect(pg_url) as t3:
                    _insert(t3, template, "evt_relay_t3")
                    t3.commit()
                assert await published(relay, 1) == ["evt_relay_t3"]
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
