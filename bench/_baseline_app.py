"""The load bench's baseline: a bare FastAPI endpoint that validates a body and inserts one row.

Served by uvicorn exactly like the sandbox (same host, workers and database driver), so the
ratio sandbox / baseline says what the contract's semantics cost on this machine, today.
The database URL comes from BASELINE_DB_URL (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert
from sqlalchemy.ext.asyncio import create_async_engine

URL = os.environ.get("BASELINE_DB_URL", "sqlite+aiosqlite:///baseline.db")
metadata = MetaData()
rows = Table(
    "bench_rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bet_id", String(64), nullable=False),
    Column("amount", String(32), nullable=False),
)
engine = create_async_engine(URL)
if URL.startswith("sqlite"):

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()


class Money(BaseModel):
    amount: str = Field(pattern=r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,8})?$")
    currency: str = Field(pattern=r"^[A-Z]{3,5}$")


class Stake(BaseModel):
    bet_id: str = Field(min_length=1, max_length=64)
    stake: Money


@asynccontextmanager
async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/insert")
async def insert_one(body: Stake) -> dict[str, str]:
    async with engine.begin() as conn:
        await conn.execute(insert(rows).values(bet_id=body.bet_id, amount=body.stake.amount))
    return {"bet_id": body.bet_id, "status": "stored"}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
