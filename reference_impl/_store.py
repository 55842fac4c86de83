"""Storage: SQLAlchemy 2 async models, the engine (SQLite WAL or PostgreSQL) and seed data.

Money is integer minor units in BigInteger columns. Writers serialize through the database,
never through Python locks: PostgreSQL takes row locks (`SELECT … FOR UPDATE`) and unique
constraints; SQLite opens every transaction with `BEGIN IMMEDIATE`, so one writer at a time
holds the file across every process.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    FetchedValue,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "Bet",
    "Bonus",
    "Control",
    "IdempotencyRecord",
    "InboundEvent",
    "LedgerEntry",
    "Movement",
    "OutboxEvent",
    "Player",
    "Pool",
    "Session",
    "Store",
    "Token",
    "default_database_url",
    "now_us",
]

# Execution option marking a connection that only reads.
_READ_ONLY = "croupier_read_only"

# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


def now_us() -> int:
    """Wall-clock time in microseconds since the epoch."""
    return time.time_ns() // 1000


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            from datetime import UTC

            value = value.replace(tzinfo=UTC)
        return value


class JSONText(TypeDecorator[Any]):
    """JSON kept as text, identical on SQLite and PostgreSQL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    """Declarative base of the sandbox schema."""


class Player(Base):
    """A wallet: cash, bonus funds, stakes on hold, KYC answer, limits."""

    __tablename__ = "players"
    player_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(8))
    cash: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus: Mapped[int] = mapped_column(BigInteger, default=0)
    held_cash: Mapped[int] = mapped_column(BigInteger, default=0)
    held_bonus: Mapped[int] = mapped_column(BigInteger, default=0)
    kyc: Mapped[str] = mapped_column(String(16), default="allow")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    limits: Mapped[Any] = mapped_column(JSONText, default=dict)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Tenancy and residency: only this brand sees the player, only in this region.
    brand_id: Mapped[str] = mapped_column(
        String(64), default="brand_demo", server_default="brand_demo"
    )
    region: Mapped[str] = mapped_column(String(16), default="MT", server_default="MT")


class Session(Base):
    """A game session."""

    __tablename__ = "sessions"
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    player_id: Mapped[str] = mapped_column(String(64), index=True)
    game_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expiry_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    staked: Mapped[int] = mapped_column(BigInteger, default=0)
    won: Mapped[int] = mapped_column(BigInteger, default=0)
    last_reality_check_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Bet(Base):
    """A bet (or a tombstone), unique per (provider, brand, bet id)."""

    __tablename__ = "bets"
    __table_args__ = (UniqueConstraint("provider_id", "brand_id", "bet_id", name="uq_bet"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[str] = mapped_column(String(64))
    bet_id: Mapped[str] = mapped_column(String(64))
    round_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    player_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    game_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    currency: Mapped[str] = mapped_column(String(8))
    stake: Mapped[int] = mapped_column(BigInteger, default=0)
    held_cash: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_parts: Mapped[Any] = mapped_column(JSONText, default=list)
    win: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    tombstone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Movement(Base):
    """One step in a bet's history."""

    __tablename__ = "movements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bet_pk: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    trace_id: Mapped[str] = mapped_column(String(128))


class LedgerEntry(Base):
    """One wallet movement; per player the deltas sum to the wallet's columns."""

    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    player_id: Mapped[str] = mapped_column(String(64), index=True)
    transaction_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    bet_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cash_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    held_cash_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    held_bonus_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Bonus(Base):
    """A bonus, its funds and its wagering progress."""

    __tablename__ = "bonuses"
    bonus_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    player_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)
    wagering_required: Mapped[int] = mapped_column(BigInteger)
    wagered: Mapped[int] = mapped_column(BigInteger, default=0)
    max_bet: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contributions: Mapped[Any] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Pool(Base):
    """A jackpot pool."""

    __tablename__ = "pools"
    pool_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BigInteger)
    seed: Mapped[int] = mapped_column(BigInteger)
    rate_ppm: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """A write's idempotency key, its request hash and its stored answer."""

    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("provider_id", "brand_id", "key", name="uq_idempotency"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(String(64))
    brand_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxEvent(Base):
    """An emitted event, written in the transaction of the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_undelivered", "delivered"),
        Index("ix_outbox_seq", "seq", unique=True),
    )
    position: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    player_id: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    # PostgreSQL: the inserting transaction's id (a column default, see `_OUTBOX_TXID_DEFAULT`),
    # kept to trace a row to its transaction. NULL on SQLite.
    txid: Mapped[int | None] = mapped_column(
        BigInteger, nullable=True, server_default=FetchedValue()
    )
    # Wall-clock microseconds (never the sandbox clock): written, and published by the relay;
    # their difference is the event's outbox-to-bus lag (`croupier.reference_impl._lag`).
    created_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=now_us)
    published_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The commit-ordered sequence number readers page by: NULL until `Store.sequence_outbox`
    # numbers the row after its transaction committed.
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class InboundEvent(Base):
    """An event a provider published, de-duplicated by event id."""

    __tablename__ = "inbound_events"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Token(Base):
    """An OAuth2 access token with its scopes and expiry."""

    __tablename__ = "tokens"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(String(256))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Control(Base):
    """The sandbox's switches: fault rules, degradation modes and the clock offset (one row)."""

    __tablename__ = "controls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    faults: Mapped[Any] = mapped_column(JSONText, default=list)
    degradation: Mapped[Any] = mapped_column(JSONText, default=dict)
    clock_offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last outbox sequence number handed out (never goes back, not even on a wipe).
    outbox_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Event types written under their old and new major (`reference_impl._dual_write`).
    dual_write: Mapped[Any] = mapped_column(JSONText, default=list, nullable=True)


# Columns added after a release: (table, column, DDL type). create_all() does not alter an
# existing table, so a database made by an older sandbox gets them here.
_ADDED_COLUMNS = (
    ("controls", "clock_offset", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "txid", "BIGINT"),
    ("outbox", "created_us", "BIGINT"),
    ("outbox", "published_us", "BIGINT"),
    ("players", "brand_id", "VARCHAR(64) NOT NULL DEFAULT 'brand_demo'"),
    ("players", "region", "VARCHAR(16) NOT NULL DEFAULT 'MT'"),
    ("outbox", "seq", "BIGINT"),
    ("controls", "outbox_seq", "BIGINT NOT NULL DEFAULT 0"),
    ("controls", "dual_write", "TEXT"),
)

# PostgreSQL (>= 13) fills outbox.txid with the inserting transaction's id.
_OUTBOX_TXID_DEFAULT = "pg_current_xact_id()::text::bigint"


def _add_missing_columns(conn: Connection) -> None:
    inspector = inspect(conn)
    for table, column, ddl in _ADDED_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ix_outbox_seq ON outbox (seq)"))
    if conn.dialect.name == "postgresql":
        # A fresh inspector: the one above cached the columns from before the ALTERs.
        columns = inspect(conn).get_columns("outbox")
        txid = next(c for c in columns if c["name"] == "txid")
        if not txid.get("default"):
            conn.execute(
                text(f"ALTER TABLE outbox ALTER COLUMN txid SET DEFAULT {_OUTBOX_TXID_DEFAULT}")
            )


def default_database_url(folder: str | Path = ".croupier") -> str:
    """The embedded default: a SQLite file under ./.croupier/ (created on first start)."""
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path / 'sandbox.db'}"


class Store:
    """The engine and a session factory for one database URL."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # SQLite has one writer at a time anyway: one connection per process queues
            # requests in the pool (FIFO) instead of in SQLite's sleeping busy handler.
            self.engine: AsyncEngine = create_async_engine(
                url,
                connect_args={"timeout": 60},
                pool_size=1,
                max_overflow=0,
                pool_timeout=300,
            )
            self._sqlite_hooks()
        else:
            self.engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=120
            )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def _sqlite_hooks(self) -> None:
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            # Take transaction control from the driver, so BEGIN IMMEDIATE below is ours.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(sync_engine, "begin")
        def _begin(conn: Any) -> None:
            # Every transaction takes the write lock up front: writers serialize across
            # processes and a read-then-write never fails half way on a busy database.
            # A connection marked read-only (`reader`) reads a WAL snapshot instead.
            if conn.get_execution_options().get(_READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    async def create_all(self) -> None:
        """Create the schema (idempotent across workers starting together)."""
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # Two workers creating tables at once would race; serialize on a lock.
                await conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(_add_missing_columns)

    async def drop_all(self) -> None:
        """Drop the schema (tests)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)

    async def sequence_outbox(self, batch: int = 5000) -> int:
        """Number committed, unnumbered outbox rows in commit order; return how many.

        Positions are drawn at insert time and transactions commit in another order, so a
        reader paging by position could read N+1 before N commits and page past N for good.
        Readers page by `seq` instead, which only this step hands out: under the control
        row's lock (one sequencer at a time, across workers), to rows whose transaction has
        committed (the only ones it can see), each above every number handed out before. A
        late commit is numbered late, so a page by `seq` never skips a row, and an open
        transaction elsewhere (another database, an idle client) holds nothing back.
        """
        async with self.reader() as conn:
            pending = await conn.execute(
                select(OutboxEvent.position).where(OutboxEvent.seq.is_(None)).limit(1)
            )
            if pending.first() is None:  # the common case: no write lock taken
                return 0
        async with self.session() as s:
            async with s.begin():
                control = (
                    await s.execute(select(Control).where(Control.id == 1).with_for_update())
                ).scalar_one_or_none()
                if control is None:
                    return 0
                positions = (
                    (
                        await s.execute(
                            select(OutboxEvent.position)
                            .where(OutboxEvent.seq.is_(None))
                            .order_by(OutboxEvent.position)
                            .limit(batch)
                        )
                    )
                    .scalars()
                    .all()
                )
                if not positions:
                    return 0
                last = int(control.outbox_seq or 0)
                await s.execute(
                    update(OutboxEvent),
                    [{"position": p, "seq": last + i} for i, p in enumerate(positions, 1)],
                )
                control.outbox_seq = last + len(positions)
                return len(positions)

    def session(self) -> AsyncSession:
        """A new ORM session."""
        return self.sessions()

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one read-only transaction (on SQLite it takes no write lock)."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(**{_READ_ONLY: True})

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
