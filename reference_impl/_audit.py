"""The WORM audit log: every configuration change appends a hash-chained, append-only entry.

Watched, whatever code path makes the change (control surface, API, seeding): a player's
limits, KYC answer and blocked flag; bonuses issued or removed (their rules); jackpot pool
configuration (name, seed, contribution rate); the sandbox's degradation modes, fault rules
and clock. The entries are written by ORM hooks in the *same transaction* as the change, so
a change without its entry cannot commit.

Entry n carries `prev_hash` = entry n-1's `hash` (genesis: 64 zeros) and
`hash` = sha256 of the canonical JSON array [seq, at, actor, action, subject, data,
trace_id, prev_hash]. Database triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL); `verify_chain` finds the first broken link of a tampered table.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, BigInteger, Integer, String, Text, event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import get_history

from croupier.reference_impl._store import Base, Bonus, Control, Player, Pool

__all__ = [
    "GENESIS",
    "AuditEntry",
    "Break",
    "audit_actor",
    "entry_hash",
    "verify_chain",
]

GENESIS = "0" * 64
# Serializes appenders on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).
_ADVISORY_LOCK = 4243

# Who is changing things in this request: set by the HTTP layer per request.
_ACTOR: contextvars.ContextVar[tuple[str, str | None]] = contextvars.ContextVar(
    "croupier_audit_actor", default=("system", None)
)


def audit_actor(actor: str, trace_id: str | None) -> contextvars.Token[tuple[str, str | None]]:
    """Name the actor (and trace id) of the changes made from here on in this context."""
    return _ACTOR.set((actor, trace_id))


class AuditEntry(Base):
    """One audit entry; rows are never updated or deleted (triggers refuse it)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(160))
    data: Mapped[str] = mapped_column(Text)
    trace_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


_TABLE = AuditEntry.__table__
for _verb in ("UPDATE", "DELETE"):
    event.listen(
        _TABLE,
        "after_create",
        DDL(
            f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{_verb.lower()} BEFORE {_verb} ON "
            "audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        ).execute_if(dialect="sqlite"),
    )
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql"
    ).execute_if(dialect="postgresql"),
)
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    ).execute_if(dialect="postgresql"),
)
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    ).execute_if(dialect="postgresql"),
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    subject: str,
    data: str,
    trace_id: str | None,
    prev_hash: str,
) -> str:
    """The hash of one entry over its content and its predecessor's hash."""
    content = [seq, at, actor, action, subject, data, trace_id, prev_hash]
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


_PENDING = "croupier_audit_pending"


def _append(conn: Connection, entries: list[tuple[str, str, str, str, str | None]]) -> None:
    """Chain and insert (at, actor, action, subject, data, trace_id) entries at the head."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
    head = conn.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (0, GENESIS) if head is None else (int(head[0]), str(head[1]))
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = []
    for actor, action, subject, payload, trace_id in entries:
        seq += 1
        digest = entry_hash(seq, at, actor, action, subject, payload, trace_id, prev)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "data": payload,
                "trace_id": trace_id,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(AuditEntry), rows)


def _collect(session: OrmSession, action: str, subject: str, data: Any) -> None:
    actor, trace_id = _ACTOR.get()
    pending = session.info.setdefault(_PENDING, [])
    pending.append((actor, action, subject, _canonical(data), trace_id))


# class -> (subject prefix, primary key attribute, watched attributes or None for "inserts")
_PLAYER_ATTRS = ("limits", "kyc", "blocked")
_POOL_ATTRS = ("name", "seed", "rate_ppm")
_CONTROL_ATTRS = {"degradation": "degradation.set", "faults": "faults.set"}
_BONUS_RULES = ("amount", "wagering_required", "max_bet", "expires_at", "contributions")


def _changed(obj: Any, attrs: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for attr in attrs:
        history = get_history(obj, attr)
        if history.added or history.deleted:
            out[attr] = getattr(obj, attr)
    return out


def _entries(session: OrmSession) -> list[tuple[str, str, Any]]:
    found: list[tuple[str, str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Player):
            settings = {a: getattr(obj, a) for a in _PLAYER_ATTRS}
            found.append(("player.created", f"player:{obj.player_id}", settings))
        elif isinstance(obj, Bonus):
            rules = {a: getattr(obj, a) for a in _BONUS_RULES}
            found.append(("bonus.issued", f"player:{obj.player_id}/bonus:{obj.bonus_id}", rules))
        elif isinstance(obj, Pool):
            config = {a: getattr(obj, a) for a in _POOL_ATTRS}
            found.append(("jackpot.configured", f"pool:{obj.pool_id}", config))
        elif isinstance(obj, Control):
            found.append(("controls.created", "controls", {"degradation": obj.degradation}))
    for obj in session.dirty:
        if isinstance(obj, Player):
            for attr, value in _changed(obj, _PLAYER_ATTRS).items():
                found.append((f"player.{attr}.set", f"player:{obj.player_id}", {attr: value}))
        elif isinstance(obj, Pool):
            config = _changed(obj, _POOL_ATTRS)
            if config:
                found.append(("jackpot.configured", f"pool:{obj.pool_id}", config))
        elif isinstance(obj, Control):
            for attr, action in _CONTROL_ATTRS.items():
                change = _changed(obj, (attr,))
                if change:
                    found.append((action, "controls", change))
            offset = _changed(obj, ("clock_offset",))
            if offset:
                found.append(("clock.set", "controls", offset))
        elif isinstance(obj, Bonus):
            rules = _changed(obj, _BONUS_RULES)
            if rules:
                found.append(("bonus.rules.set", f"bonus:{obj.bonus_id}", rules))
    for obj in session.deleted:
        if isinstance(obj, Player):
            found.append(("player.deleted", f"player:{obj.player_id}", {}))
        elif isinstance(obj, Bonus):
            found.append(("bonus.deleted", f"bonus:{obj.bonus_id}", {}))
        elif isinstance(obj, Pool):
            found.append(("jackpot.deleted", f"pool:{obj.pool_id}", {}))
    return found


@event.listens_for(OrmSession, "before_flush")
def _before_flush(session: OrmSession, flush_context: Any, instances: Any) -> None:
    for action, subject, data in _entries(session):
        _collect(session, action, subject, data)


_BULK = {"bonuses": "bonus", "pools": "jackpot", "players": "player"}


@event.listens_for(OrmSession, "do_orm_execute")
def _bulk_delete(state: ORMExecuteState) -> None:
    # `delete(Bonus)` and the like bypass the flush: record them as they run.
    if not state.is_delete or state.bind_mapper is None:
        return
    table = getattr(state.bind_mapper.local_table, "name", "")
    if table in _BULK:
        _collect(state.session, f"{_BULK[table]}.deleted_all", table, {})


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    # Written last, when the transaction holds every row lock it will take: appenders wait
    # only for each other (the chain's head), never in a cycle with row locks.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session.connection(), pending)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class Break:
    """The first broken link of the chain."""

    seq: int
    reason: str


def verify_chain(rows: list[AuditEntry]) -> tuple[int, Break | None, str]:
    """Check rows (in seq order): (entries checked, first break or None, head hash)."""
    prev = GENESIS
    expected_seq = 1
    for row in rows:
        if row.seq != expected_seq:
            return expected_seq - 1, Break(expected_seq, f"entry {expected_seq} is missing"), prev
        if row.prev_hash != prev:
            return (
                row.seq - 1,
                Break(row.seq, f"prev_hash does not match entry {row.seq - 1}'s hash"),
                prev,
            )
        recomputed = entry_hash(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.subject,
            row.data,
            row.trace_id,
            row.prev_hash,
        )
        if recomputed != row.hash:
            return row.seq - 1, Break(row.seq, "its hash does not match its content"), prev
        prev = row.hash
        expected_seq += 1
    return len(rows), None, prev
