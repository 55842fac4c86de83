"""The platform's operations on the database: sessions, bets, wallet, RG, jackpots, events.

HTTP-free: each operation takes the caller's context and a schema-valid body, runs in one
database transaction, and answers a status and a JSON body. Writes go through `write`,
which applies idempotency (a unique row per (provider, brand, key), inserted in the same
transaction as the money movement), fault rules and the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from croupier import Identity, InvalidAmount, parse_amount
from croupier.reference_impl import _tenancy as tenancy
from croupier.reference_impl._domain import (
    DEFAULT_CONTRIBUTIONS,
    BonusFunds,
    DomainError,
    Limits,
    LimitState,
    error_body,
    evaluate_rg,
    fund_stake,
    game_type,
    iso,
    jackpot_contribution,
    make_event,
    new_id,
    period_bounds,
    utcnow,
)
from croupier.reference_impl._dual_write import SESSION_KEY as DUAL_WRITE_KEY
from croupier.reference_impl._dual_write import DualWriter
from croupier.reference_impl._render import (
    balance_json,
    canonical_json,
    dumps,
    money,
    pool_json,
    session_json,
)
from croupier.reference_impl._store import (
    Bet,
    Bonus,
    Control,
    IdempotencyRecord,
    InboundEvent,
    LedgerEntry,
    Movement,
    OutboxEvent,
    Player,
    Pool,
    Session,
    Store,
)

__all__ = ["Answer", "CallContext", "Controls", "Platform", "request_hash"]

DEFAULT_DEGRADATION = {"new_sessions": True, "promotions": True, "jackpots": True}
# An injected error answers with the catalog code whose status it carries.
_FAULT_CODES = {500: "INTERNAL_ERROR", 503: "TEMPORARY_ERROR", 504: "GATEWAY_TIMEOUT"}


@dataclass(frozen=True)
class CallContext:
    """Who calls and how: the mandatory headers of one request."""

    provider: str
    brand: str
    region: str
    trace_id: str
    idempotency_key: str | None = None

    @property
    def identity(self) -> Identity:
        """The (provider, brand, region) of the call."""
        return Identity(self.provider, self.brand, self.region)


@dataclass
class Answer:
    """A status and the exact body bytes to send."""

    status: int
    body: bytes
    replayed: bool = False
    fault: dict[str, Any] | None = None


@dataclass
class Controls:
    """Fault rules, degradation modes and the clock offset in force."""

    faults: list[dict[str, Any]] = field(default_factory=list)
    degradation: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_DEGRADATION))
    clock_offset: int = 0

    def now(self) -> datetime:
        """The domain's "now": real time plus the sandbox clock offset."""
        return utcnow() + timedelta(seconds=self.clock_offset)


def request_hash(method: str, path: str, body: Any) -> str:
    """sha256 of the canonical request: method, path and canonical JSON body."""
    canonical = canonical_json(body)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


Handler = Callable[[AsyncSession, CallContext, Any, Controls, datetime], Awaitable[tuple[int, Any]]]


def _amount(value: dict[str, Any], currency: str, field_name: str, positive: bool) -> int:
    """Minor units of a Money in the expected currency, or INVALID_AMOUNT / WRONG_CURRENCY."""
    try:
        minor = parse_amount(value["amount"], value["currency"])
    except InvalidAmount as exc:
        raise DomainError("INVALID_AMOUNT", str(exc), {"field": field_name}) from None
    if positive and minor <= 0:
        raise DomainError(
            "INVALID_AMOUNT", f"{field_name} must be greater than zero", {"field": field_name}
        )
    if value["currency"] != currency:
        raise DomainError(
            "WRONG_CURRENCY",
            f"{field_name} is in {value['currency']}; the wallet is in {currency}",
            {"field": field_name, "expected": currency, "got": value["currency"]},
        )
    return minor


def _bet_result(bet: Bet, player: Player, tx: str) -> dict[str, Any]:
    """The contract's BetResult of an authorize or a settle."""
    cur = player.currency
    return {
        "bet_id": bet.bet_id,
        "round_id": bet.round_id,
        "player_id": player.player_id,
        "status": bet.status,
        "transaction_id": tx,
        "stake": money(bet.stake, cur),
        "win": None if bet.win is None else money(bet.win, cur),
        "balance": balance_json(player),
    }


def _rg_details(state: LimitState, currency: str) -> dict[str, Any]:
    if state.limit_amount is not None:
        limit: Any = money(state.limit_amount, currency)
        remaining: Any = money(state.remaining_amount or 0, currency)
    else:
        limit, remaining = state.limit_minutes, state.remaining_minutes
    return {
        "kind": state.kind,
        "limit": limit,
        "remaining": remaining,
        "resets_at": iso(state.resets_at),
    }


def _rg_limit_json(state: LimitState, currency: str) -> dict[str, Any]:
    return {
        "kind": state.kind,
        "limit_amount": None if state.limit_amount is None else money(state.limit_amount, currency),
        "remaining_amount": None
        if state.remaining_amount is None
        else money(state.remaining_amount, currency),
        "limit_minutes": state.limit_minutes,
        "remaining_minutes": state.remaining_minutes,
        "resets_at": iso(state.resets_at),
    }


class Platform:
    """Every operation of spec/openapi.yaml on one database."""

    def __init__(
        self, store: Store, session_minutes: int = 60, dual_write: DualWriter | None = None
    ) -> None:
        self.store = store
        self.session_minutes = session_minutes
        self.dual_write = dual_write

    # ----------------------------------------------------------------- plumbing

    async def controls(self, s: AsyncSession, for_update: bool = False) -> tuple[Control, Controls]:
        """The control row and its parsed contents."""
        query = select(Control).where(Control.id == 1)
        if for_update:
            query = query.with_for_update()
        row = (await s.execute(query)).scalar_one_or_none()
        if row is None:
            row = Control(id=1, faults=[], degradation=dict(DEFAULT_DEGRADATION))
            s.add(row)
            await s.flush()
        degradation = {**DEFAULT_DEGRADATION, **(row.degradation or {})}
        # Every event this transaction emits sees the dual-write flag as read here.
        s.info[DUAL_WRITE_KEY] = frozenset(row.dual_write or ())
        return row, Controls(list(row.faults or []), degradation, int(row.clock_offset or 0))

    async def now(self, s: AsyncSession) -> datetime:
        """The domain's "now" (the sandbox clock) inside a transaction."""
        _, controls = await self.controls(s)
        return controls.now()

    async def read_controls(self) -> Controls:
        """The controls in force, read without a write lock or the ORM (for getHealth).

        A missing row reads as the defaults `controls()` would insert.
        """
        query = select(Control.faults, Control.degradation, Control.clock_offset).where(
            Control.id == 1
        )
        async with self.store.reader() as conn:
            row = (await conn.execute(query)).one_or_none()
        if row is None:
            return Controls([], dict(DEFAULT_DEGRADATION), 0)
        faults, degradation, offset = row
        return Controls(
            list(faults or []), {**DEFAULT_DEGRADATION, **(degradation or {})}, int(offset or 0)
        )

    async def clock_offset(self) -> int:
        """The sandbox clock offset, read without a write lock (for the token check)."""
        async with self.store.reader() as conn:
            offset = (
                await conn.execute(select(Control.clock_offset).where(Control.id == 1))
            ).scalar_one_or_none()
        return int(offset or 0)

    async def _fire_fault(
        self, s: AsyncSession, row: Control, controls: Controls, operation_id: str
    ) -> dict[str, Any] | None:
        """The first HTTP fault rule that fires for this operation (its count is spent)."""
        for index, rule in enumerate(controls.faults):
            if rule["kind"] not in ("delay", "timeout", "error"):
                continue
            if rule["operation_id"] not in ("*", operation_id):
                continue
            if random.random() >= float(rule.get("probability", "1")):
                continue
            if rule.get("count") is not None:
                rules = [dict(r) for r in controls.faults]
                rules[index]["count"] -= 1
                if rules[index]["count"] <= 0:
                    rules.pop(index)
                # Re-read under lock so two workers spending the same count serialize.
                locked, _ = await self.controls(s, for_update=True)
                locked.faults = rules
                await s.flush()
            return dict(rule)
        return None

    def _fault_answer(self, rule: dict[str, Any], ctx: CallContext) -> Answer:
        status = int(rule.get("status", 503))
        code = _FAULT_CODES[status]
        body = error_body(
            code,
            f"injected fault: answering {status} without doing the work",
            ctx.trace_id,
            {"fault": "error"},
        )
        return Answer(status, dumps(body), fault=rule)

    async def write(
        self,
        ctx: CallContext,
        operation_id: str,
        req_hash: str,
        handler: Handler,
        body: Any,
    ) -> Answer:
        """Run a write once per idempotency key; replay the stored answer afterwards."""
        for _ in range(20):
            try:
                return await self._write_once(ctx, operation_id, req_hash, handler, body)
            except IntegrityError:
                # Another request with the same key (or bet id) committed first; the next
                # attempt reads its stored answer or sees the bet.
                await asyncio.sleep(0.01)
        return Answer(
            409,
            dumps(
                error_body(
                    "REQUEST_IN_PROGRESS",
                    "a request with this idempotency key is still being processed",
                    ctx.trace_id,
                )
            ),
        )

    async def _write_once(
        self,
        ctx: CallContext,
        operation_id: str,
        req_hash: str,
        handler: Handler,
        body: Any,
    ) -> Answer:
        async with self.store.session() as s, s.begin():
            row, controls = await self.controls(s)
            now = controls.now()
            fault = await self._fire_fault(s, row, controls, operation_id)
            if fault is not None and fault["kind"] == "error":
                return self._fault_answer(fault, ctx)
            key = ctx.idempotency_key or ""
            record = (
                await s.execute(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.provider_id == ctx.provider,
                        IdempotencyRecord.brand_id == ctx.brand,
                        IdempotencyRecord.key == key,
                    )
                )
            ).scalar_one_or_none()
            if record is not None:
                if record.request_hash != req_hash:
                    err = error_body(
                        "IDEMPOTENCY_MISMATCH",
                        f"X-Idempotency-Key {key} was used with another request",
                        ctx.trace_id,
                    )
                    return Answer(409, dumps(err), fault=fault)
                if record.status is None or record.body is None:
                    err = error_body(
                        "REQUEST_IN_PROGRESS",
                        "a request with this idempotency key is still being processed",
                        ctx.trace_id,
                    )
                    return Answer(409, dumps(err), fault=fault)
                return Answer(record.status, record.body.encode(), replayed=True, fault=fault)
            record = IdempotencyRecord(
                provider_id=ctx.provider,
                brand_id=ctx.brand,
                key=key,
                request_hash=req_hash,
                created_at=now,
            )
            s.add(record)
            await s.flush()  # on PostgreSQL a racing twin waits here, then fails unique
            try:
                async with s.begin_nested():
                    status, payload = await handler(s, ctx, body, controls, now)
            except DomainError as exc:
                refusal = dumps(error_body(exc.code, exc.message, ctx.trace_id, exc.details))
                if exc.retryable:
                    # A retry with the same key may succeed: keep no answer for it.
                    await s.delete(record)
                    return Answer(exc.status, refusal, fault=fault)
                for ev in exc.events:
                    self._emit(s, ev)
                for ev in await exc.after(s) if exc.after is not None else ():
                    self._emit(s, ev)
                status, data = exc.status, refusal
            else:
                data = dumps(payload)
            record.status = status
            record.body = data.decode()
            return Answer(status, data, fault=fault)

    async def read(
        self, ctx: CallContext, operation_id: str, handler: Handler, body: Any = None
    ) -> Answer:
        """Run a read (it may still expire bonuses, so it runs in a write transaction)."""
        async with self.store.session() as s, s.begin():
            row, controls = await self.controls(s)
            now = controls.now()
            fault = await self._fire_fault(s, row, controls, operation_id)
            if fault is not None and fault["kind"] == "error":
                return self._fault_answer(fault, ctx)
            try:
                status, payload = await handler(s, ctx, body, controls, now)
            except DomainError as exc:
                err = dumps(error_body(exc.code, exc.message, ctx.trace_id, exc.details))
                return Answer(exc.status, err, fault=fault)
            return Answer(status, dumps(payload), fault=fault)

    def _emit(self, s: AsyncSession, event: dict[str, Any]) -> None:
        """Write an event to the outbox (and, under dual-write, its new-major twin after it)."""
        twin = None
        if self.dual_write is not None:
            twin = self.dual_write.successor(event, s.info.get(DUAL_WRITE_KEY, ()))
        for ev in (event, twin) if twin is not None else (event,):
            s.add(
                OutboxEvent(
                    event_id=ev["event_id"],
                    event_type=ev["event_type"],
                    tenant_id=ev["tenant_id"],
                    player_id=ev["player_id"],
                    body=canonical_json(ev, sort_keys=False),
                )
            )

    def _event(
        self,
        ctx: CallContext,
        event_type: str,
        player_id: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> dict[str, Any]:
        return make_event(
            event_type,
            player_id=player_id,
            payload=payload,
            tenant_id=ctx.brand,
            region=ctx.region,
            trace_id=ctx.trace_id,
            idempotency_key=ctx.idempotency_key,
            at=now,
        )

    async def _player(
        self, s: AsyncSession, player_id: str, lock: bool = True, ctx: CallContext | None = None
    ) -> Player:
        query = select(Player).where(Player.player_id == player_id)
        if lock:
            query = query.with_for_update()
        player = (await s.execute(query)).scalar_one_or_none()
        if player is None or (ctx is not None and not tenancy.player_visible(player, ctx)):
            raise DomainError("PLAYER_NOT_FOUND", f"no player {player_id}")
        return player

    async def _bet(self, s: AsyncSession, ctx: CallContext, bet_id: str) -> Bet | None:
        return (
            await s.execute(
                select(Bet).where(
                    Bet.provider_id == ctx.provider,
                    Bet.brand_id == ctx.brand,
                    Bet.bet_id == bet_id,
                )
            )
        ).scalar_one_or_none()

    async def _session(
        self, s: AsyncSession, session_id: str, lock: bool = False, ctx: CallContext | None = None
    ) -> Session:
        query = select(Session).where(Session.session_id == session_id)
        if lock:
            query = query.with_for_update()
        session = (await s.execute(query)).scalar_one_or_none()
        if session is None or (ctx is not None and not tenancy.session_visible(session, ctx)):
            raise DomainError("SESSION_NOT_FOUND", f"no session {session_id}")
        return session

    async def active_bonuses(self, s: AsyncSession, player_id: str) -> list[Bonus]:
        """A player's active bonuses, oldest first, locked."""
        return list(
            (
                await s.execute(
                    select(Bonus)
                    .where(Bonus.player_id == player_id, Bonus.status == "active")
                    .order_by(Bonus.seq, Bonus.created_at)
                    .with_for_update()
                )
            ).scalars()
        )

    def _ledger(
        self,
        s: AsyncSession,
        player: Player,
        kind: str,
        now: datetime,
        *,
        tx: str,
        bet_id: str | None = None,
        cash: int = 0,
        bonus: int = 0,
        held_cash: int = 0,
        held_bonus: int = 0,
    ) -> None:
        """Move money on the wallet and record the movement in the ledger."""
        player.cash += cash
        player.bonus += bonus
        player.held_cash += held_cash
        player.held_bonus += held_bonus
        if min(player.cash, player.bonus, player.held_cash, player.held_bonus) < 0:
            raise RuntimeError(f"wallet of {player.player_id} would go negative")
        s.add(
            LedgerEntry(
                player_id=player.player_id,
                transaction_id=tx,
                kind=kind,
                bet_id=bet_id,
                cash_delta=cash,
                bonus_delta=bonus,
                held_cash_delta=held_cash,
                held_bonus_delta=held_bonus,
                at=now,
            )
        )

    def _movement(
        self,
        s: AsyncSession,
        ctx: CallContext,
        bet: Bet,
        action: str,
        amount: int,
        tx: str | None,
        now: datetime,
    ) -> None:
        """One step of a bet's history (getBet)."""
        s.add(
            Movement(
                bet_pk=bet.id,
                action=action,
                at=now,
                amount=amount,
                currency=bet.currency,
                transaction_id=tx,
                trace_id=ctx.trace_id,
            )
        )

    def _emit_wallet(
        self,
        s: AsyncSession,
        ctx: CallContext,
        player: Player,
        direction: str,
        *,
        tx: str,
        bet_id: str | None,
        amount: int,
        reason: str,
        now: datetime,
    ) -> None:
        """Emit wallet.debit or wallet.credit for a movement, with the balance after it."""
        cur = player.currency
        payload = {
            "transaction_id": tx,
            "bet_id": bet_id,
            "amount": money(amount, cur),
            "reason": reason,
            "balance_after": money(player.cash + player.bonus, cur),
        }
        self._emit(s, self._event(ctx, f"wallet.{direction}", player.player_id, payload, now))

    async def _locked_pools(self, s: AsyncSession, pool_ids: list[str]) -> list[Pool]:
        """The named jackpot pools, locked in id order (no deadlock between two bets)."""
        query = select(Pool).where(Pool.pool_id.in_(pool_ids)).order_by(Pool.pool_id)
        return list((await s.execute(query.with_for_update())).scalars())

    async def _bet_session(self, s: AsyncSession, bet: Bet) -> Session | None:
        """The session a bet was placed in, locked; None for a tombstone or a purged session."""
        if not bet.session_id:
            return None
        query = select(Session).where(Session.session_id == bet.session_id).with_for_update()
        return (await s.execute(query)).scalar_one_or_none()

    def _session_ended(
        self, ctx: CallContext, session: Session, reason: str, ended_at: datetime, now: datetime
    ) -> dict[str, Any]:
        """The session.ended event of a session that ended (or expired) at `ended_at`."""
        payload = {
            "session_id": session.session_id,
            "reason": reason,
            # The sandbox clock may have been moved back since the session started.
            "duration_seconds": max(0, int((ended_at - session.created_at).total_seconds())),
        }
        return self._event(ctx, "session.ended", session.player_id, payload, now)

    async def expire_bonuses(
        self, s: AsyncSession, ctx: CallContext, player: Player, now: datetime
    ) -> list[Bonus]:
        """Forfeit bonuses past their deadline; return the still active ones, oldest first."""
        active = []
        for bonus in await self.active_bonuses(s, player.player_id):
            if bonus.expires_at > now:
                active.append(bonus)
                continue
            forfeited = bonus.balance
            bonus.status = "expired"
            bonus.balance = 0
            cur = player.currency
            expiry_ctx = CallContext(ctx.provider, ctx.brand, ctx.region, ctx.trace_id, None)
            if forfeited:
                tx = new_id("tx")
                self._ledger(s, player, "bonus_expiry", now, tx=tx, bonus=-forfeited)
                self._emit_wallet(
                    s,
                    expiry_ctx,
                    player,
                    "debit",
                    tx=tx,
                    bet_id=None,
                    amount=forfeited,
                    reason="bonus_expiry",
                    now=now,
                )
            self._emit(
                s,
                self._event(
                    expiry_ctx,
                    "bonus.expired",
                    player.player_id,
                    {"bonus_id": bonus.bonus_id, "forfeited": money(forfeited, cur)},
                    now,
                ),
            )
        return active

    async def net_loss(self, s: AsyncSession, player_id: str, since: datetime) -> int:
        """Stakes minus wins of bets placed since `since`; stakes on hold count as lost."""
        staked = (
            await s.execute(
                select(func.coalesce(func.sum(Bet.stake), 0)).where(
                    Bet.player_id == player_id,
                    Bet.created_at >= since,
                    Bet.status.in_(("authorized", "settled")),
                )
            )
        ).scalar_one()
        won = (
            await s.execute(
                select(func.coalesce(func.sum(Bet.win), 0)).where(
                    Bet.player_id == player_id,
                    Bet.created_at >= since,
                    Bet.status == "settled",
                )
            )
        ).scalar_one()
        return int(staked or 0) - int(won or 0)

    async def rg_verdict(
        self,
        s: AsyncSession,
        player: Player,
        now: datetime,
        session: Session | None,
        stake: int | None,
    ) -> Any:
        """Evaluate every responsible-gaming limit of a player."""
        limits = Limits.from_json(player.limits)
        loss = 0
        if limits.loss_limit is not None:
            start, _ = period_bounds(limits.loss_period, now)
            loss = await self.net_loss(s, player.player_id, start)
        return evaluate_rg(
            limits,
            now=now,
            net_loss=loss,
            session_started_at=session.created_at if session is not None else None,
            stake=stake,
        )

    def _rg_refusal(
        self,
        ctx: CallContext,
        player: Player,
        refusal: LimitState,
        now: datetime,
        stake: int | None,
    ) -> DomainError:
        cur = player.currency
        payload = {
            "code": refusal.code,
            **{k: v for k, v in _rg_limit_json(refusal, cur).items()},
            "attempted_stake": None if stake is None else money(stake, cur),
        }
        event = self._event(ctx, "rg.limit.hit", player.player_id, payload, now)
        messages = {
            "self_exclusion": "the player is self-excluded",
            "session_time": "the session-time limit is reached",
            "loss": "the stake would exceed the loss limit",
            "stake": "the stake exceeds the stake limit",
        }
        return DomainError(
            refusal.code, messages[refusal.kind], _rg_details(refusal, cur), events=(event,)
        )

    def _kyc(self, player: Player) -> None:
        if player.blocked:
            raise DomainError("PLAYER_BLOCKED", f"player {player.player_id} is blocked")
        if player.kyc == "deny":
            raise DomainError("KYC_DENIED", f"player {player.player_id} failed KYC/AML checks")
        if player.kyc == "pending":
            raise DomainError("KYC_PENDING", f"KYC of player {player.player_id} is pending")

    def _reality_check(
        self,
        s: AsyncSession,
        ctx: CallContext,
        player: Player,
        session: Session,
        now: datetime,
    ) -> None:
        interval = Limits.from_json(player.limits).reality_check_minutes
        if not interval or now - session.last_reality_check_at < timedelta(minutes=interval):
            return
        session.last_reality_check_at = now
        elapsed = max(0, int((now - session.created_at).total_seconds() // 60))
        self._emit(
            s,
            self._event(
                ctx,
                "rg.reality_check",
                player.player_id,
                {
                    "session_id": session.session_id,
                    "elapsed_minutes": elapsed,
                    "interval_minutes": interval,
                    "staked": money(session.staked, session.currency),
                    "won": money(session.won, session.currency),
                },
                now,
            ),
        )

    # ----------------------------------------------------------------- sessions

    async def create_session(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation createSession."""
        if not controls.degradation["new_sessions"]:
            raise DomainError(
                "NEW_SESSIONS_DISABLED", "new sessions are disabled; open sessions keep working"
            )
        player = await self._player(s, body["player_id"], ctx=ctx)
        if game_type(body["game_id"]) is None:
            raise DomainError("GAME_NOT_FOUND", f"game {body['game_id']} is not in the catalog")
        if body["currency"] != player.currency:
            raise DomainError(
                "WRONG_CURRENCY",
                f"the wallet of {player.player_id} is in {player.currency}",
                {"field": "currency", "expected": player.currency, "got": body["currency"]},
            )
        self._kyc(player)
        verdict = await self.rg_verdict(s, player, now, None, None)
        if verdict.refusal is not None and verdict.refusal.kind == "self_exclusion":
            raise self._rg_refusal(ctx, player, verdict.refusal, now, None)
        session = Session(
            session_id=new_id("ses", 16),
            player_id=player.player_id,
            game_id=body["game_id"],
            currency=player.currency,
            locale=body["locale"],
            tenant_id=ctx.brand,
            region=ctx.region,
            created_at=now,
            expires_at=now + timedelta(minutes=self.session_minutes),
            last_reality_check_at=now,
        )
        s.add(session)
        self._emit(
            s,
            self._event(
                ctx,
                "session.started",
                player.player_id,
                {
                    "session_id": session.session_id,
                    "game_id": session.game_id,
                    "currency": session.currency,
                    "locale": session.locale,
                    "expires_at": iso(session.expires_at),
                },
                now,
            ),
        )
        return 201, session_json(session, now)

    async def get_session(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation getSession."""
        return 200, session_json(await self._session(s, body["session_id"], ctx=ctx), now)

    async def end_session(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation endSession."""
        session = await self._session(s, body["session_id"], lock=True, ctx=ctx)
        if session.ended_at is not None:
            raise DomainError("SESSION_CLOSED", f"session {session.session_id} already ended")
        if now >= session.expires_at:
            raise DomainError("SESSION_CLOSED", f"session {session.session_id} has expired")
        session.ended_at = now
        session.end_reason = body["reason"]
        self._emit(s, self._session_ended(ctx, session, body["reason"], now, now))
        return 200, session_json(session, now)

    def _report_expiry(
        self, session_id: str, ended: dict[str, Any]
    ) -> Callable[[AsyncSession], Awaitable[tuple[dict[str, Any], ...]]]:
        """After a SESSION_EXPIRED refusal: session.ended once per session, ever.

        The refusal rolls the operation back, so the flag is set after it, by a conditional
        update: of two racing refusals only the one that flips it reports the end.
        """

        async def report(s: AsyncSession) -> tuple[dict[str, Any], ...]:
            flipped = await s.execute(
                update(Session)
                .where(Session.session_id == session_id, Session.expiry_reported.is_(False))
                .values(expiry_reported=True)
                .execution_options(synchronize_session=False)
            )
            return (ended,) if getattr(flipped, "rowcount", 0) == 1 else ()

        return report

    # ----------------------------------------------------------------- bets

    async def authorize(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """authorizeBet: hold the stake (cash first, then bonus)."""
        player = await self._player(s, body["player_id"], ctx=ctx)
        cur = player.currency
        stake = _amount(body["stake"], cur, "stake", positive=True)
        existing = await self._bet(s, ctx, body["bet_id"])
        if existing is not None:
            if existing.status == "rolled_back":
                raise DomainError("BET_ROLLED_BACK", f"bet {body['bet_id']} was rolled back")
            raise DomainError("DUPLICATE", f"bet {body['bet_id']} already exists under another key")
        gtype = game_type(body["game_id"])
        if gtype is None:
            raise DomainError("GAME_NOT_FOUND", f"game {body['game_id']} is not in the catalog")
        session = await self._session(s, body["session_id"], lock=True, ctx=ctx)
        if session.player_id != player.player_id:
            raise DomainError(
                "VALIDATION_FAILED",
                f"session {session.session_id} belongs to another player",
                {"field": "player_id"},
            )
        if session.game_id != body["game_id"]:
            raise DomainError(
                "VALIDATION_FAILED",
                f"session {session.session_id} is for game {session.game_id}",
                {"field": "game_id"},
            )
        if session.ended_at is not None:
            raise DomainError("SESSION_CLOSED", f"session {session.session_id} was ended")
        if now >= session.expires_at:
            ended = self._session_ended(ctx, session, "expired", session.expires_at, now)
            raise DomainError(
                "SESSION_EXPIRED",
                f"session {session.session_id} has expired",
                after=self._report_expiry(session.session_id, ended),
            )
        self._kyc(player)
        verdict = await self.rg_verdict(s, player, now, session, stake)
        if verdict.refusal is not None:
            raise self._rg_refusal(ctx, player, verdict.refusal, now, stake)
        promotions = controls.degradation["promotions"]
        bonuses = await self.expire_bonuses(s, ctx, player, now)
        if promotions and bonuses:
            max_bet = min(b.max_bet for b in bonuses)
            if stake > max_bet:
                raise DomainError(
                    "MAX_BET_EXCEEDED",
                    "the stake is over the active bonus's max bet",
                    {"max_bet": money(max_bet, cur)},
                )
        pools: list[Pool] = []
        pool_ids = sorted(set(body.get("jackpot_pool_ids") or []))
        if pool_ids:
            if not controls.degradation["jackpots"]:
                raise DomainError("FEATURE_DISABLED", "jackpots are switched off")
            pools = await self._locked_pools(s, pool_ids)
            missing = sorted(set(pool_ids) - {p.pool_id for p in pools})
            if missing:
                raise DomainError("JACKPOT_NOT_FOUND", f"no jackpot pool {missing[0]}")
            for pool in pools:
                if pool.currency != cur:
                    raise DomainError(
                        "WRONG_CURRENCY",
                        f"pool {pool.pool_id} is in {pool.currency}; the wallet is in {cur}",
                        {"field": "jackpot_pool_ids", "expected": cur, "got": pool.currency},
                    )
        funds = [BonusFunds(b.bonus_id, b.balance) for b in bonuses]
        funding = fund_stake(stake, player.cash, funds, use_bonus=promotions)
        if funding is None:
            if not promotions and fund_stake(stake, player.cash, funds) is not None:
                raise DomainError(
                    "FEATURE_DISABLED", "promotions are switched off: bonus funds cannot be used"
                )
            raise DomainError(
                "INSUFFICIENT_FUNDS",
                f"available balance {money(player.cash + player.bonus, cur)['amount']} {cur} "
                f"does not cover the stake {body['stake']['amount']} {cur}",
                {"balance": balance_json(player)},
            )
        from_cash, bonus_parts = funding
        tx = new_id("tx")
        from_bonus = sum(amount for _, amount in bonus_parts)
        self._ledger(
            s,
            player,
            "hold",
            now,
            tx=tx,
            bet_id=body["bet_id"],
            cash=-from_cash,
            bonus=-from_bonus,
            held_cash=from_cash,
            held_bonus=from_bonus,
        )
        by_id = {b.bonus_id: b for b in bonuses}
        events: list[dict[str, Any]] = []
        for bonus_id, amount in bonus_parts:
            by_id[bonus_id].balance -= amount
            events.append(
                self._event(
                    ctx,
                    "bonus.consumed",
                    player.player_id,
                    {
                        "bonus_id": bonus_id,
                        "bet_id": body["bet_id"],
                        "amount": money(amount, cur),
                        "bonus_balance_after": money(by_id[bonus_id].balance, cur),
                    },
                    now,
                )
            )
        bet = Bet(
            provider_id=ctx.provider,
            brand_id=ctx.brand,
            bet_id=body["bet_id"],
            round_id=body["round_id"],
            player_id=player.player_id,
            session_id=session.session_id,
            game_id=body["game_id"],
            currency=cur,
            stake=stake,
            held_cash=from_cash,
            bonus_parts=[[b, a] for b, a in bonus_parts],
            status="authorized",
            created_at=now,
        )
        s.add(bet)
        await s.flush()
        self._movement(s, ctx, bet, "authorize", stake, tx, now)
        session.staked += stake
        for pool in pools:
            part = jackpot_contribution(stake, pool.rate_ppm)
            if part <= 0:
                continue
            pool.amount += part
            pool.updated_at = now
            events.append(
                self._event(
                    ctx,
                    "jackpot.contributed",
                    player.player_id,
                    {
                        "pool_id": pool.pool_id,
                        "bet_id": bet.bet_id,
                        "amount": money(part, cur),
                        "pool_amount_after": money(pool.amount, cur),
                    },
                    now,
                )
            )
        available = money(player.cash + player.bonus, cur)
        self._emit(
            s,
            self._event(
                ctx,
                "bet.authorized",
                player.player_id,
                {
                    "bet_id": bet.bet_id,
                    "round_id": bet.round_id,
                    "session_id": session.session_id,
                    "game_id": bet.game_id,
                    "game_type": gtype,
                    "stake": money(stake, cur),
                    "funded_from": {
                        "cash": money(from_cash, cur),
                        "bonus": money(from_bonus, cur),
                    },
                    "balance_after": available,
                },
                now,
            ),
        )
        self._emit_wallet(
            s, ctx, player, "debit", tx=tx, bet_id=bet.bet_id, amount=stake, reason="bet", now=now
        )
        for ev in events:
            self._emit(s, ev)
        self._reality_check(s, ctx, player, session, now)
        return 200, _bet_result(bet, player, tx)

    async def settle(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """settleBet: capture the hold, credit the win (jackpot parts from their pools)."""
        player = await self._player(s, body["player_id"], ctx=ctx)
        cur = player.currency
        bet = await self._bet(s, ctx, body["bet_id"])
        if bet is None or bet.player_id != player.player_id:
            raise DomainError(
                "BET_NOT_FOUND", f"no bet {body['bet_id']} for this provider and brand"
            )
        if bet.status == "rolled_back":
            raise DomainError("BET_ROLLED_BACK", f"bet {bet.bet_id} was rolled back")
        if bet.status == "settled":
            raise DomainError("BET_ALREADY_SETTLED", f"bet {bet.bet_id} is already settled")
        if body["round_id"] != bet.round_id:
            raise DomainError(
                "VALIDATION_FAILED",
                f"bet {bet.bet_id} belongs to round {bet.round_id}",
                {"field": "round_id"},
            )
        win = _amount(body["win"], cur, "win", positive=False)
        breakdown = body.get("win_breakdown") or {"base": body["win"]}
        base = _amount(breakdown["base"], cur, "win_breakdown.base", positive=False)
        promo = (
            _amount(breakdown["promo"], cur, "win_breakdown.promo", positive=False)
            if "promo" in breakdown
            else 0
        )
        parts = []
        for i, part in enumerate(breakdown.get("jackpots") or []):
            where = f"win_breakdown.jackpots[{i}].amount"
            parts.append((part["pool_id"], _amount(part["amount"], cur, where, positive=False)))
        if base + promo + sum(a for _, a in parts) != win:
            raise DomainError(
                "WIN_BREAKDOWN_MISMATCH",
                "base + promo + jackpot parts do not add up to the win",
                {"win": money(win, cur)},
            )
        if promo and not controls.degradation["promotions"]:
            raise DomainError("FEATURE_DISABLED", "promotions are switched off")
        events: list[dict[str, Any]] = []
        if parts:
            if not controls.degradation["jackpots"]:
                raise DomainError("FEATURE_DISABLED", "jackpots are switched off")
            ids = [p for p, _ in parts]
            if len(set(ids)) != len(ids):
                raise DomainError(
                    "VALIDATION_FAILED",
                    "a pool appears twice in the win breakdown",
                    {"field": "win_breakdown.jackpots"},
                )
            pools = {p.pool_id: p for p in await self._locked_pools(s, ids)}
            for pool_id, amount in parts:
                pool = pools.get(pool_id)
                if pool is None:
                    raise DomainError("JACKPOT_NOT_FOUND", f"no jackpot pool {pool_id}")
                if pool.currency != cur:
                    raise DomainError(
                        "WRONG_CURRENCY",
                        f"pool {pool_id} is in {pool.currency}",
                        {"field": "win_breakdown.jackpots", "expected": cur},
                    )
                if amount != pool.amount:
                    raise DomainError(
                        "JACKPOT_AMOUNT_MISMATCH",
                        f"pool {pool_id} pays {money(pool.amount, cur)['amount']} {cur}",
                        {"pool": pool_json(pool)},
                    )
                pool.amount = pool.seed
                pool.updated_at = now
                events.append(
                    self._event(
                        ctx,
                        "jackpot.won",
                        player.player_id,
                        {
                            "pool_id": pool_id,
                            "bet_id": bet.bet_id,
                            "amount": money(amount, cur),
                            "pool_reset_to": money(pool.seed, cur),
                        },
                        now,
                    )
                )
        held_bonus = sum(a for _, a in bet.bonus_parts or [])
        tx = new_id("tx")
        self._ledger(
            s,
            player,
            "capture",
            now,
            tx=tx,
            bet_id=bet.bet_id,
            held_cash=-bet.held_cash,
            held_bonus=-held_bonus,
        )
        if win:
            self._ledger(s, player, "win", now, tx=tx, bet_id=bet.bet_id, cash=win)
        bet.status = "settled"
        bet.win = win
        bet.settled_at = now
        self._movement(s, ctx, bet, "settle", win, tx, now)
        session = await self._bet_session(s, bet)
        if session is not None:
            session.won += win
        gtype = game_type(bet.game_id or "") or "other"
        bonuses = await self.expire_bonuses(s, ctx, player, now)
        if bonuses and controls.degradation["promotions"]:
            bonus = bonuses[0]
            pct = int({**DEFAULT_CONTRIBUTIONS, **(bonus.contributions or {})}.get(gtype, 0))
            contributed = bet.stake * pct // 100
            bonus.wagered += contributed
            completed = bonus.wagered >= bonus.wagering_required
            events.append(
                self._event(
                    ctx,
                    "wager.progress.updated",
                    player.player_id,
                    {
                        "bonus_id": bonus.bonus_id,
                        "bet_id": bet.bet_id,
                        "game_type": gtype,
                        "contribution_pct": pct,
                        "contributed": money(contributed, cur),
                        "wagered": money(bonus.wagered, cur),
                        "required": money(bonus.wagering_required, cur),
                        "completed": completed,
                    },
                    now,
                )
            )
            if completed:
                self._complete_bonus(s, player, bonus, now)
        available = money(player.cash + player.bonus, cur)
        self._emit(
            s,
            self._event(
                ctx,
                "bet.settled",
                player.player_id,
                {
                    "bet_id": bet.bet_id,
                    "round_id": bet.round_id,
                    "stake": money(bet.stake, cur),
                    "win": money(win, cur),
                    "win_breakdown": breakdown,
                    "bonus_state": body.get("bonus_state"),
                    "balance_after": available,
                },
                now,
            ),
        )
        if win:
            self._emit_wallet(
                s,
                ctx,
                player,
                "credit",
                tx=tx,
                bet_id=bet.bet_id,
                amount=win,
                reason="win",
                now=now,
            )
        for ev in events:
            self._emit(s, ev)
        if session is not None:
            self._reality_check(s, ctx, player, session, now)
        return 200, _bet_result(bet, player, tx)

    def _complete_bonus(self, s: AsyncSession, player: Player, bonus: Bonus, now: datetime) -> None:
        """Wagering done: the bonus's remaining funds become cash."""
        bonus.status = "completed"
        if bonus.balance:
            amount, bonus.balance = bonus.balance, 0
            self._ledger(
                s, player, "bonus_convert", now, tx=new_id("tx"), cash=amount, bonus=-amount
            )

    async def rollback(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """rollbackBet: release the hold, or leave a tombstone for an unknown bet."""
        player = await self._player(s, body["player_id"], ctx=ctx)
        cur = player.currency
        bet = await self._bet(s, ctx, body["bet_id"])
        if bet is None:
            bet = Bet(
                provider_id=ctx.provider,
                brand_id=ctx.brand,
                bet_id=body["bet_id"],
                round_id=body.get("round_id"),
                player_id=player.player_id,
                currency=cur,
                stake=0,
                held_cash=0,
                bonus_parts=[],
                status="rolled_back",
                tombstone=True,
                created_at=now,
            )
            s.add(bet)
            await s.flush()
            return self._rolled_back(s, ctx, player, bet, None, body["reason"], now)
        if bet.player_id != player.player_id:
            raise DomainError("BET_NOT_FOUND", f"no bet {bet.bet_id} of player {player.player_id}")
        if bet.status == "settled":
            raise DomainError("BET_ALREADY_SETTLED", f"bet {bet.bet_id} is settled")
        if bet.status == "rolled_back":
            raise DomainError("BET_ROLLED_BACK", f"bet {bet.bet_id} is already rolled back")
        if body.get("round_id") is not None and body["round_id"] != bet.round_id:
            raise DomainError(
                "VALIDATION_FAILED",
                f"bet {bet.bet_id} belongs to round {bet.round_id}",
                {"field": "round_id"},
            )
        tx = new_id("tx")
        self._ledger(
            s,
            player,
            "release",
            now,
            tx=tx,
            bet_id=bet.bet_id,
            cash=bet.held_cash,
            held_cash=-bet.held_cash,
        )
        # What goes back to the player's available balance: the cash part, and each bonus
        # part whose bonus is still active (or completed into cash); an expired bonus's part
        # is forfeit and is neither released nor reported as credited.
        released = bet.held_cash
        parts = bet.bonus_parts or []
        if parts:
            await self.expire_bonuses(s, ctx, player, now)  # a deadline passed counts as expired
            bonuses = {
                b.bonus_id: b
                for b in (
                    await s.execute(
                        select(Bonus)
                        .where(Bonus.bonus_id.in_([p for p, _ in parts]))
                        .with_for_update()
                    )
                ).scalars()
            }
            for bonus_id, amount in parts:
                bonus = bonuses.get(bonus_id)
                if bonus is not None and bonus.status == "active":
                    bonus.balance += amount
                    released += amount
                    self._ledger(
                        s,
                        player,
                        "release",
                        now,
                        tx=tx,
                        bet_id=bet.bet_id,
                        bonus=amount,
                        held_bonus=-amount,
                    )
                elif bonus is not None and bonus.status == "completed":
                    released += amount
                    self._ledger(
                        s,
                        player,
                        "release",
                        now,
                        tx=tx,
                        bet_id=bet.bet_id,
                        cash=amount,
                        held_bonus=-amount,
                    )
                else:  # the bonus expired (or was reset away) meanwhile: its funds are forfeit
                    self._ledger(
                        s,
                        player,
                        "release_forfeit",
                        now,
                        tx=tx,
                        bet_id=bet.bet_id,
                        held_bonus=-amount,
                    )
        bet.status = "rolled_back"
        session = await self._bet_session(s, bet)
        if session is not None:
            session.staked -= bet.stake
        return self._rolled_back(s, ctx, player, bet, tx, body["reason"], now, released)

    def _rolled_back(
        self,
        s: AsyncSession,
        ctx: CallContext,
        player: Player,
        bet: Bet,
        tx: str | None,
        reason: str,
        now: datetime,
        released: int = 0,
    ) -> tuple[int, Any]:
        """Record, report and answer a rollback: of a hold (tx) or a tombstone (no tx)."""
        cur = player.currency
        self._movement(s, ctx, bet, "rollback", released, tx, now)
        payload = {
            "bet_id": bet.bet_id,
            "round_id": bet.round_id,
            "released": money(released, cur),
            "tombstone": bet.tombstone,
            "reason": reason,
            "balance_after": money(player.cash + player.bonus, cur),
        }
        self._emit(s, self._event(ctx, "bet.rolled_back", player.player_id, payload, now))
        if tx is not None and released:
            self._emit_wallet(
                s,
                ctx,
                player,
                "credit",
                tx=tx,
                bet_id=bet.bet_id,
                amount=released,
                reason="rollback",
                now=now,
            )
        return 200, {
            "bet_id": bet.bet_id,
            "player_id": player.player_id,
            "status": "rolled_back",
            "tombstone": bet.tombstone,
            "transaction_id": tx,
            "released": money(released, cur),
            "balance": balance_json(player),
        }

    async def get_bet(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation getBet."""
        bet = await self._bet(s, ctx, body["bet_id"])
        if bet is None:
            raise DomainError(
                "BET_NOT_FOUND", f"no bet {body['bet_id']} for this provider and brand"
            )
        moves = (
            await s.execute(select(Movement).where(Movement.bet_pk == bet.id).order_by(Movement.id))
        ).scalars()
        return 200, {
            "bet_id": bet.bet_id,
            "round_id": bet.round_id,
            "player_id": bet.player_id,
            "session_id": bet.session_id,
            "game_id": bet.game_id,
            "status": bet.status,
            "stake": None if bet.tombstone else money(bet.stake, bet.currency),
            "win": None if bet.win is None else money(bet.win, bet.currency),
            "history": [
                {
                    "action": m.action,
                    "at": iso(m.at),
                    "amount": money(m.amount, m.currency),
                    "transaction_id": m.transaction_id,
                    "trace_id": m.trace_id,
                }
                for m in moves
            ],
        }

    # ----------------------------------------------------------------- wallet, RG, jackpots

    async def get_balance(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation getBalance (forfeits expired bonuses first)."""
        player = await self._player(s, body["player_id"], ctx=ctx)
        await self.expire_bonuses(s, ctx, player, now)
        return 200, balance_json(player)

    async def rg_check(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """checkResponsibleGaming: the authorize rules, without moving money."""
        player = await self._player(s, body["player_id"], lock=False, ctx=ctx)
        session = None
        if body.get("session_id") is not None:
            session = await self._session(s, body["session_id"], ctx=ctx)
        stake = None
        if body.get("stake") is not None:
            stake = _amount(body["stake"], player.currency, "stake", positive=True)
        verdict = await self.rg_verdict(s, player, now, session, stake)
        return 200, {
            "player_id": player.player_id,
            "allowed": verdict.refusal is None,
            "code": None if verdict.refusal is None else verdict.refusal.code,
            "limits": [_rg_limit_json(st, player.currency) for st in verdict.limits],
        }

    async def list_jackpots(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation listJackpots."""
        if not controls.degradation["jackpots"]:
            raise DomainError("FEATURE_DISABLED", "jackpots are switched off")
        pools = (await s.execute(select(Pool).order_by(Pool.pool_id))).scalars()
        return 200, {"pools": [pool_json(p) for p in pools]}

    async def get_jackpot(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """Operation getJackpot."""
        if not controls.degradation["jackpots"]:
            raise DomainError("FEATURE_DISABLED", "jackpots are switched off")
        pool = await s.get(Pool, body["pool_id"])
        if pool is None:
            raise DomainError("JACKPOT_NOT_FOUND", f"no jackpot pool {body['pool_id']}")
        return 200, pool_json(pool)

    async def publish_event(
        self, s: AsyncSession, ctx: CallContext, body: Any, controls: Controls, now: datetime
    ) -> tuple[int, Any]:
        """publishEvent: store once per event id (the body is already schema-valid)."""
        event_id = body["event_id"]
        if await s.get(InboundEvent, event_id) is not None:
            return 202, {"event_id": event_id, "duplicate": True}
        s.add(
            InboundEvent(
                event_id=event_id,
                event_type=body["event_type"],
                body=canonical_json(body, sort_keys=False),
                received_at=now,
            )
        )
        await s.flush()
        return 202, {"event_id": event_id, "duplicate": False}

    async def purge(self, s: AsyncSession) -> None:
        """Delete every bet, session, idempotency record and event (reset with wipe)."""
        for model in (
            Bet,
            Movement,
            LedgerEntry,
            Session,
            IdempotencyRecord,
            OutboxEvent,
            InboundEvent,
        ):
            await s.execute(delete(model))
