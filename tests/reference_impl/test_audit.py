"""The WORM audit log: changes append hash-chained entries; tampering is refused or detected
(issue #12, item 6)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from croupier.cli import app as cli_app
from croupier.reference_impl import create_app

from .conftest import CONTRACT, PG_ENV, TestClient, check_response

LIMITS = {
    "loss_limit": None,
    "stake_limit": {"amount": "5.00", "currency": "EUR"},
    "session_time_minutes": 30,
    "self_excluded": False,
    "self_excluded_until": None,
    "reality_check_minutes": None,
}


@pytest.fixture
def db(database_url: str, http: Any) -> Iterator[sqlalchemy.Engine]:
    """A synchronous engine on the sandbox's database (the app is running on it)."""
    engine = create_engine(database_url.replace("+aiosqlite", ""))
    yield engine
    engine.dispose()


@pytest.fixture
def own_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own (the shared PostgreSQL schema keeps other tests' log)."""
    backend = request.node.callspec.params["database_url"]
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip("PostgreSQL backend: set " + PG_ENV)
    import psycopg

    schema = f"croupier_a_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def own(own_url: str) -> Iterator[tuple[TestClient, sqlalchemy.Engine]]:
    app = create_app(own_url, nats_url=None, contract=CONTRACT)
    engine = create_engine(own_url.replace("+aiosqlite", ""))
    with TestClient(app, raise_server_exceptions=True) as client:
        client.event_hooks = {"request": [], "response": [check_response]}
        yield client, engine
    engine.dispose()


def _verify(database_url: str) -> tuple[int, dict[str, Any]]:
    args = ["audit", "verify", "--db", database_url, "--format", "json"]
    result = CliRunner().invoke(cli_app, args)
    return result.exit_code, json.loads(result.stdout)


def _actions(db: sqlalchemy.Engine, since: int = 0) -> list[tuple[str, str, str]]:
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT action, subject, actor FROM audit_log WHERE seq > :s ORDER BY seq"),
            {"s": since},
        )
        return [tuple(r) for r in rows]


def _head(db: sqlalchemy.Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(text("SELECT MAX(seq) FROM audit_log")).scalar_one())


def test_configuration_changes_append_chained_entries(http, db, database_url):
    start = _head(db)
    assert http.put("/sandbox/players/p_demo_1/limits", json=LIMITS).status_code == 200
    assert http.put("/sandbox/players/p_demo_2/kyc", json={"status": "pending"}).status_code == 200
    off = {"new_sessions": False, "promotions": True, "jackpots": True}
    assert http.put("/sandbox/degradation", json=off).status_code == 200
    bonus = {
        "amount": {"amount": "10.00", "currency": "EUR"},
        "wagering_multiplier": 5,
        "max_bet": {"amount": "2.00", "currency": "EUR"},
        "expires_at": "2099-01-01T00:00:00Z",
    }
    assert http.post("/sandbox/players/p_demo_1/bonuses", json=bonus).status_code == 201
    assert http.put("/sandbox/clock", json={"offset_seconds": 60}).status_code == 200
    actions = _actions(db, start)
    assert [a[0] for a in actions] == [
        "player.limits.set",
        "player.kyc.set",
        "degradation.set",
        "bonus.issued",
        "clock.set",
    ]
    assert {a[2] for a in actions} == {"control"}
    code, report = _verify(database_url)
    assert code == 0 and report["intact"] and report["entries"] >= start + 5


def test_a_refused_change_appends_nothing(http, db):
    start = _head(db)
    bad = {**LIMITS, "stake_limit": {"amount": "5.00", "currency": "USD"}}
    r = http.put("/sandbox/players/p_demo_1/limits", json=bad)
    assert r.status_code == 422
    assert http.put("/sandbox/players/p_nobody/limits", json=LIMITS).status_code == 404
    assert _head(db) == start


def test_the_table_refuses_updates_and_deletes(http, db):
    for statement in (
        "UPDATE audit_log SET data = '{}' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
            with db.begin() as conn:
                conn.execute(text(statement))


def _without_triggers(db: sqlalchemy.Engine, statement: str) -> None:
    """What an attacker with DDL rights could do: lift the WORM triggers and write."""
    with db.begin() as conn:
        if db.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        # a limit quietly raised after the fact
        ("UPDATE audit_log SET data = '{}' WHERE seq = {k}", "does not match its content"),
        # an entry removed from the middle
        ("DELETE FROM audit_log WHERE seq = {k}", "missing"),
        # an entry's hash replaced
        ("UPDATE audit_log SET hash = '{f}' WHERE seq = {k}", "does not match its content"),
    ],
)
def test_tampering_is_detected_at_the_first_broken_link(
    database_url, own_url, own, statement, reason
):
    http, db = own
    assert http.put("/sandbox/players/p_demo_1/limits", json=LIMITS).status_code == 200
    assert http.put("/sandbox/clock", json={"offset_seconds": 5}).status_code == 200
    k = _head(db) - 1
    _without_triggers(db, statement.replace("{k}", str(k)).replace("{f}", "f" * 64))
    code, report = _verify(own_url)
    assert code == 1 and not report["intact"]
    assert report["first_break"]["seq"] == k and reason in report["first_break"]["reason"]
    assert report["verified"] == k - 1


def test_verify_without_an_audit_log_is_exit_2(tmp_path):
    result = CliRunner().invoke(
        cli_app, ["audit", "verify", "--db", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
