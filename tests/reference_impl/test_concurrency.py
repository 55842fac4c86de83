"""Correctness across processes: a real `croupier serve --workers 2` on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from croupier import ContractClient, sandbox_server
from croupier.reference_impl._store import LedgerEntry, Player

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """`croupier serve` with two workers on loopback, once per backend for this module."""
    if request.param == "sqlite":
        database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('serve') / 'sandbox.db'}"
    else:
        database_url = str(request.getfixturevalue("pg_schema_url"))
    with sandbox_server(database_url, workers=2, env={"CROUPIER_NATS_URL": ""}) as base:
        yield base, database_url


@pytest.fixture
def server(running: tuple[str, str]) -> tuple[str, str]:
    """The running server, wiped."""
    with httpx.Client(base_url=running[0], timeout=60) as http:
        assert http.post("/sandbox/reset", json={"wipe": True}).status_code == 200
    return running


def _sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite").replace("+psycopg", "+psycopg")


def _wallet_and_ledger(database_url: str, player_id: str) -> tuple[Player, tuple[int, ...]]:
    engine = create_engine(_sync_url(database_url))
    try:
        with engine.connect() as conn:
            wallet = conn.execute(select(Player).where(Player.player_id == player_id)).one()
            sums = conn.execute(
                select(
                    func.sum(LedgerEntry.cash_delta),
                    func.sum(LedgerEntry.bonus_delta),
                    func.sum(LedgerEntry.held_cash_delta),
                    func.sum(LedgerEntry.held_bonus_delta),
                ).where(LedgerEntry.player_id == player_id)
            ).one()
    finally:
        engine.dispose()
    return wallet, tuple(int(x or 0) for x in sums)


def _open_session(api: ContractClient, player: str) -> str:
    r = api.call(
        "POST",
        "/v1/sessions",
        {"player_id": player, "game_id": "game_slots_demo", "currency": "EUR", "locale": "en-GB"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["session_id"])


def test_one_key_racing_makes_one_hold(server):
    base, database_url = server
    limits = httpx.Limits(max_connections=60)
    with httpx.Client(base_url=base, timeout=60, limits=limits) as http:
        api = ContractClient(http)
        sid = _open_session(api, "p_demo_1")
        body = {
            "bet_id": "b-race",
            "round_id": "r-race",
            "session_id": sid,
            "player_id": "p_demo_1",
            "game_id": "game_slots_demo",
            "stake": {"amount": "7.00", "currency": "EUR"},
        }

        def call(_: int) -> httpx.Response:
            return api.call("POST", "/v1/bets/authorize", body, idempotency_key="idem-race-00001")

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(call, range(50)))
        statuses = Counter(r.status_code for r in answers)
        ok = [r for r in answers if r.status_code == 200]
        # Losers replay the winner's answer (or, rarely, are told to retry).
        assert set(statuses) <= {200, 409}, statuses
        assert all(
            r.json()["code"] == "REQUEST_IN_PROGRESS" for r in answers if r.status_code == 409
        )
        assert len({r.content for r in ok}) == 1
        assert sum("idempotent-replayed" not in r.headers for r in ok) == 1
        bal = api.call("GET", "/v1/players/p_demo_1/balance").json()
        assert bal["held"]["amount"] == "7.00" and bal["cash"]["amount"] == "93.00"
    wallet, sums = _wallet_and_ledger(database_url, "p_demo_1")
    assert (wallet.held_cash, wallet.cash) == (700, 9300)


def test_two_hundred_bets_for_a_hundred_stakes(server):
    base, database_url = server
    limits = httpx.Limits(max_connections=60)
    with httpx.Client(base_url=base, timeout=120, limits=limits) as http:
        assert (
            http.put(
                "/sandbox/players/p_race", json={"currency": "EUR", "cash": "100.00"}
            ).status_code
            == 200
        )
        api = ContractClient(http)
        sid = _open_session(api, "p_race")

        def bet(i: int) -> httpx.Response:
            body = {
                "bet_id": f"b-{i}",
                "round_id": f"r-{i}",
                "session_id": sid,
                "player_id": "p_race",
                "game_id": "game_slots_demo",
                "stake": {"amount": "1.00", "currency": "EUR"},
            }
            return api.call("POST", "/v1/bets/authorize", body)

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(bet, range(200)))
        statuses = Counter(r.status_code for r in answers)
        assert statuses == {200: 100, 402: 100}, statuses
        for r in answers:
            if r.status_code == 200:
                assert not r.json()["balance"]["available"]["amount"].startswith("-")
            else:
                assert r.json()["code"] == "INSUFFICIENT_FUNDS"
        bal = api.call("GET", "/v1/players/p_race/balance").json()
        assert bal["cash"]["amount"] == "0.00" and bal["held"]["amount"] == "100.00"
    wallet, sums = _wallet_and_ledger(database_url, "p_race")
    assert (
        sums == (wallet.cash, wallet.bonus, wallet.held_cash, wallet.held_bonus) == (0, 0, 10000, 0)
    )


def test_serve_uses_a_local_sqlite_file_by_default(tmp_path: Path):
    from croupier.reference_impl._store import default_database_url

    url = default_database_url(tmp_path / ".croupier")
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("/.croupier/sandbox.db")
    assert (tmp_path / ".croupier").is_dir()
