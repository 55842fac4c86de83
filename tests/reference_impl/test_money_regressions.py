"""Money defects found by attack: reset, expired bonuses, expiry reports, the clock, lock order,
seeding by several workers. Each test failed before its fix."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._control import SEED_PLAYERS, Sandbox
from croupier.reference_impl._platform import Platform
from croupier.reference_impl._store import Control, Player, Store

from .conftest import (
    CONTRACT,
    PG_ENV,
    PG_SKIP,
    TestClient,
    authorize,
    balance,
    events,
    open_session,
    rollback,
)
from .conftest import settle as settle_bet
from .test_concurrency import _wallet_and_ledger
from .test_rg_bonus_jackpot import eur, issue_bonus


def _books_agree(database_url: str, player_id: str) -> None:
    wallet, sums = _wallet_and_ledger(database_url, player_id)
    assert sums == (wallet.cash, wallet.bonus, wallet.held_cash, wallet.held_bonus)


def _put_player(http: Any, player_id: str, cash: str) -> None:
    r = http.put(f"/sandbox/players/{player_id}", json={"currency": "EUR", "cash": cash})
    assert r.status_code == 200, r.text


def test_reset_closes_the_books_of_a_removed_player(api, http, database_url):
    """#7: a reset without wipe removed the player but left its open bet and ledger rows."""
    _put_player(http, "p_gone", "10.00")
    sid = open_session(api, player="p_gone")
    assert authorize(api, sid, "b-open", "2.00", player="p_gone").status_code == 200
    assert http.post("/sandbox/reset", json={"wipe": False}).status_code == 200
    _put_player(http, "p_gone", "5.00")
    r = settle_bet(api, "b-open", "4.00", player="p_gone")
    assert r.status_code == 409 and r.json()["code"] == "BET_ROLLED_BACK", r.text
    assert balance(api, "p_gone")["available"] == eur("5.00")
    kept = api.call("GET", "/v1/bets/b-open").json()  # kept for inspection
    assert kept["status"] == "rolled_back"
    assert [m["action"] for m in kept["history"]] == ["authorize", "rollback"]
    _books_agree(database_url, "p_gone")


@pytest.mark.parametrize("read_balance_first", [True, False])
def test_rollback_after_the_bonus_expired_releases_only_the_cash(api, http, read_balance_first):
    """#8: the answer and wallet.credit said the whole stake came back; only cash did."""
    _put_player(http, "p_demo_1", "3.00")
    deadline = datetime.now(UTC) + timedelta(days=1)
    issue_bonus(http, "10.00", multiplier=1, expires=deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    sid = open_session(api)
    r = authorize(api, sid, "b-mix", "5.00")  # 3.00 cash + 2.00 bonus
    assert r.status_code == 200, r.text
    assert http.put("/sandbox/clock", json={"offset_seconds": 2 * 86400}).status_code == 200
    api._token = None  # the token expired on the moved clock
    if read_balance_first:
        assert balance(api)["bonus"] == eur("0.00")  # the read forfeits the expired bonus
    r = rollback(api, "b-mix")
    assert r.status_code == 200, r.text
    assert r.json()["released"] == eur("3.00")
    assert r.json()["balance"]["available"] == eur("3.00")
    credits = [e for e in events(http, event_type="wallet.credit") if e["payload"]["bet_id"]]
    assert [c["payload"]["amount"] for c in credits] == [eur("3.00")]
    rolled = events(http, event_type="bet.rolled_back")
    assert rolled[-1]["payload"]["released"] == eur("3.00")


def test_session_expiry_is_reported_once(api, http):
    """#9: each refused authorize emitted another session.ended (the flag rolled back)."""
    sid = open_session(api)
    assert http.post(f"/sandbox/sessions/{sid}/expire").status_code == 200
    for bet_id in ("b-late-1", "b-late-2", "b-late-3"):
        r = authorize(api, sid, bet_id)
        assert r.status_code == 409 and r.json()["code"] == "SESSION_EXPIRED"
    ended = events(http, event_type="session.ended")
    assert [e["payload"]["session_id"] for e in ended] == [sid]


def test_session_duration_is_never_negative_after_the_clock_moves_back(api, http):
    """#10: ending a session after moving the clock back gave a negative duration."""
    assert http.put("/sandbox/clock", json={"offset_seconds": 1800}).status_code == 200
    api._token = None
    sid = open_session(api)
    assert http.put("/sandbox/clock", json={"offset_seconds": 0}).status_code == 200
    r = api.call("POST", f"/v1/sessions/{sid}/end", {"reason": "player_logout"})
    assert r.status_code == 200, r.text
    ended = events(http, event_type="session.ended")  # each event is schema-checked
    assert ended[-1]["payload"]["duration_seconds"] == 0


def test_resets_racing_bets_of_a_player_with_a_bonus(api, http):
    """#11 on both backends: resets and bonus-funded authorizes in parallel never answer 500."""
    _put_player(http, "p_demo_1", "1.00")
    issue_bonus(http, "50.00", multiplier=1, max_bet="5.00")
    sid = open_session(api)

    def bet(i: int) -> int:
        return authorize(api, sid, f"b-race-{i}", "2.00", key=f"idem-race-{i:04d}").status_code

    def reset(i: int) -> int:
        return int(http.post("/sandbox/reset", json={"wipe": False}).status_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(reset if i % 4 == 0 else bet, i) for i in range(16)]
        statuses = [f.result() for f in futures]
    assert 500 not in statuses and set(statuses) <= {200, 402}, statuses


def _pg(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _wait_for_lock_waiter(conn: psycopg.Connection[Any], timeout: float = 10.0) -> None:
    """Until another backend of this database waits on a lock (the request under test)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(conn.info.dsn, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> %s",
                (conn.info.backend_pid,),
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the request never waited on the held lock")


def test_reset_takes_the_player_before_its_bonuses(pg_schema_url):
    """#11 in lock step on PostgreSQL: authorize locks player then bonuses; so must reset.

    Here a transaction plays authorize's order by hand: it holds p_demo_1, a reset starts
    (and waits for the player), then the transaction asks for the bonuses. A reset that had
    locked the bonuses first would deadlock with it.
    """
    app = create_app(pg_schema_url, nats_url=None, contract=CONTRACT)
    with TestClient(app) as http:
        assert http.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        issue_bonus(http, "10.00")
        with _pg(pg_schema_url) as conn:
            conn.execute("SET lock_timeout = '20s'")
            conn.execute("SELECT 1 FROM players WHERE player_id = 'p_demo_1' FOR UPDATE")
            answer: dict[str, Any] = {}
            worker = threading.Thread(
                target=lambda: answer.update(r=http.post("/sandbox/reset", json={"wipe": False}))
            )
            worker.start()
            _wait_for_lock_waiter(conn)
            conn.execute("SELECT 1 FROM bonuses WHERE player_id = 'p_demo_1' FOR UPDATE")
            conn.commit()
            worker.join(30)
        assert answer["r"].status_code == 200, answer["r"].text


def _hold_seed_rows(database_url: str) -> Any:
    """An open transaction that has inserted the control row and a seed player."""
    if database_url.startswith("sqlite"):
        import sqlite3

        conn: Any = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn = _pg(database_url)
    conn.execute(
        "INSERT INTO controls (id, faults, degradation, clock_offset) VALUES (1, '[]', '{}', 0)"
    )
    conn.execute(
        "INSERT INTO players (player_id, currency, cash, bonus, held_cash, held_bonus, kyc,"
        " blocked, limits, seeded) VALUES ('p_demo_1', 'EUR', 1, 0, 0, 0, 'allow', false, '{}',"
        " true)"
    )
    return conn


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database no sandbox has started on yet: a new SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    schema = f"croupier_f_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_two_workers_seeding_a_fresh_database(fresh_database_url):
    """#12: a second worker's seed inserted the control row again and died on the key."""
    database_url = fresh_database_url
    store = Store(database_url)
    asyncio.run(store.create_all())
    asyncio.run(store.dispose())
    other = _hold_seed_rows(database_url)  # the first worker, seeding, not yet committed
    failure: list[BaseException] = []

    async def seed() -> None:
        second = Store(database_url)
        try:
            await Sandbox(Platform(second)).seed()
        finally:
            await second.dispose()

    def run() -> None:
        try:
            asyncio.run(seed())
        except BaseException as exc:  # noqa: BLE001 - reported below
            failure.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.5)  # the second worker is now waiting for the first one's rows
    other.commit()
    other.close()
    worker.join(60)
    assert not failure, failure

    async def counts() -> tuple[int, int]:
        check = Store(database_url)
        try:
            async with check.session() as s:
                controls = (await s.execute(select(func.count()).select_from(Control))).scalar()
                players = (await s.execute(select(func.count()).select_from(Player))).scalar()
        finally:
            await check.dispose()
        return int(controls or 0), int(players or 0)

    # one control row, and the whole seed kit exactly once
    assert asyncio.run(counts()) == (1, len(SEED_PLAYERS))
    # and the sandbox starts on it
    with TestClient(create_app(database_url, nats_url=None, contract=CONTRACT)) as http:
        assert http.get("/health").status_code == 200
        assert ContractClient(http).call("GET", "/v1/players/p_demo_1/balance").status_code == 200
