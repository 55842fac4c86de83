"""The sandbox control surface (spec/sandbox.yaml).

Test players, limits, KYC, bonuses, pools,
faults, degradation, the event outbox, and OAuth2 tokens.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from croupier import SANDBOX_CREDENTIALS, InvalidAmount, parse_amount
from croupier.reference_impl._auth import CLIENTS
from croupier.reference_impl._domain import (
    DEFAULT_CONTRIBUTIONS,
    DomainError,
    Limits,
    iso,
    new_id,
    parse_iso,
    parse_rate,
    utcnow,
)
from croupier.reference_impl._platform import DEFAULT_DEGRADATION, CallContext, Controls, Platform
from croupier.reference_impl._render import (
    balance_json,
    bonus_json,
    money,
    player_json,
    pool_json,
    session_json,
)
from croupier.reference_impl._store import Bet, Bonus, Control, OutboxEvent, Player, Pool, Token
from croupier.reference_impl._tenancy import DEFAULT_BRAND, DEFAULT_REGION

__all__ = ["CLIENTS", "SEED_PLAYERS", "SEED_POOLS", "Sandbox"]

# player id -> (currency, cash, limits)
SEED_PLAYERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "p_demo_1": ("EUR", "100.00", {}),
    "p_demo_2": ("USD", "200.00", {}),
    "p_blocked_rg": ("EUR", "100.00", {"self_excluded": True}),
    "p_low_balance": ("EUR", "0.50", {}),
    # The rest of the certification test-account kit (docs/guide/certify-your-platform.md),
    # so that `croupier serve --no-control` looks like an operator's staging.
    "p_demo_jpy": ("JPY", "10000", {}),
    "p_limit_stake": ("EUR", "100.00", {"stake_limit": 500}),
    "p_limit_loss": ("EUR", "100.00", {"loss_limit": 500, "loss_period": "day"}),
    "p_limit_session": ("EUR", "100.00", {"session_time_minutes": 1}),
    "p_kyc_pending": ("EUR", "100.00", {"kyc": "pending"}),
    "p_kyc_denied": ("EUR", "100.00", {"kyc": "deny"}),
}

# pool id -> (name, currency, seed, contribution rate)
SEED_POOLS: dict[str, tuple[str, str, str, str]] = {
    "jp_mega": ("Mega", "EUR", "10000.00", "0.01"),
    "jp_daily": ("Daily drop", "EUR", "100.00", "0.005"),
}

SANDBOX_TENANT = SANDBOX_CREDENTIALS.brand
SANDBOX_REGION = SANDBOX_CREDENTIALS.region


def _money_in(value: dict[str, Any], currency: str, field: str, positive: bool = True) -> int:
    try:
        minor = parse_amount(value["amount"], value["currency"])
    except InvalidAmount as exc:
        raise DomainError("INVALID_AMOUNT", str(exc), {"field": field}) from None
    if value["currency"] != currency:
        raise DomainError(
            "WRONG_CURRENCY",
            f"{field} is in {value['currency']}; the player's wallet is in {currency}",
            {"field": field},
        )
    if positive and minor <= 0:
        raise DomainError("INVALID_AMOUNT", f"{field} must be greater than zero", {"field": field})
    return minor


def _clock_json(controls: Controls) -> dict[str, Any]:
    return {"offset_seconds": controls.clock_offset, "now": iso(controls.now())}


class Sandbox:
    """Sandbox-only operations."""

    def __init__(self, platform: Platform, token_ttl: int = 3600) -> None:
        self.platform = platform
        self.store = platform.store
        self.token_ttl = token_ttl

    def _ctx(self, trace_id: str) -> CallContext:
        return CallContext("sandbox", SANDBOX_TENANT, SANDBOX_REGION, trace_id, None)

    async def seed(self) -> None:
        """Seed players, pools and controls on first start (never overwrites).

        Several workers start at once on a fresh database: each row is an insert that does
        nothing when another worker's row is already there (check-then-insert would race).
        """
        control = Control(id=1, faults=[], degradation=dict(DEFAULT_DEGRADATION), clock_offset=0)
        async with self.store.session() as s, s.begin():
            await self._insert_missing(s, [control])
            now = await self.platform.now(s)
            await self._insert_missing(s, [self._seed_player(p) for p in SEED_PLAYERS])
            await self._insert_missing(s, [self._seed_pool(p, now) for p in SEED_POOLS])

    async def _insert_missing(self, s: AsyncSession, rows: list[Any]) -> None:
        """INSERT … ON CONFLICT (primary key) DO NOTHING of ORM rows of one model."""
        insert = sqlite_insert if self.store.is_sqlite else pg_insert
        for row in rows:
            table = row.__table__
            # Unset attributes are left to the column defaults.
            values = {c.key: getattr(row, c.key) for c in table.columns}
            values = {k: v for k, v in values.items() if v is not None}
            keys = [c.key for c in table.primary_key.columns]
            stmt = insert(table).values(values).on_conflict_do_nothing(index_elements=keys)
            await s.execute(stmt)

    def _seed_player(self, player_id: str) -> Player:
        currency, cash, seeded = SEED_PLAYERS[player_id]
        limits = {k: v for k, v in seeded.items() if k != "kyc"}
        return Player(
            player_id=player_id,
            currency=currency,
            cash=parse_amount(cash, currency),
            bonus=0,
            held_cash=0,
            held_bonus=0,
            kyc=str(seeded.get("kyc", "allow")),
            blocked=False,
            limits=Limits.from_json(limits).to_json(),
            seeded=True,
        )

    def _seed_pool(self, pool_id: str, now: datetime) -> Pool:
        name, currency, seed, rate = SEED_POOLS[pool_id]
        minor = parse_amount(seed, currency)
        return Pool(
            pool_id=pool_id,
            name=name,
            currency=currency,
            amount=minor,
            seed=minor,
            rate_ppm=parse_rate(rate),
            updated_at=now,
        )

    async def _bonuses(self, s: AsyncSession, player_id: str) -> list[Bonus]:
        return list(
            (
                await s.execute(
                    select(Bonus)
                    .where(Bonus.player_id == player_id)
                    .order_by(Bonus.seq.desc(), Bonus.created_at.desc())
                )
            ).scalars()
        )

    async def _player_view(self, s: AsyncSession, player: Player) -> dict[str, Any]:
        return player_json(player, await self._bonuses(s, player.player_id))

    async def _players(self, s: AsyncSession) -> dict[str, Any]:
        players = (await s.execute(select(Player).order_by(Player.player_id))).scalars().all()
        return {"players": [await self._player_view(s, p) for p in players]}

    async def reset(self, body: dict[str, Any] | None, trace_id: str) -> tuple[int, Any]:
        """Operation resetSandbox."""
        wipe = bool((body or {}).get("wipe", False))
        now = utcnow()  # the reset also puts the clock back to real time
        async with self.store.session() as s, s.begin():
            row, _ = await self.platform.controls(s, for_update=True)
            row.faults = []
            row.degradation = dict(DEFAULT_DEGRADATION)
            row.clock_offset = 0
            row.dual_write = []
            # Players first, in id order: every money operation locks its player before its
            # session, bonuses or pools, so taking them in another order here deadlocks.
            players = (
                (await s.execute(select(Player).order_by(Player.player_id).with_for_update()))
                .scalars()
                .all()
            )
            if wipe:
                await self.platform.purge(s)
            await s.execute(delete(Bonus))
            for player in players:
                if player.player_id not in SEED_PLAYERS:
                    if not wipe:
                        await self._retire_player(s, player, now, trace_id)
                    await s.delete(player)
                    continue
                fresh = self._seed_player(player.player_id)
                if not wipe:
                    # Keep the ledger summing to the wallet: record the reset as a movement.
                    self.platform._ledger(
                        s,
                        player,
                        "reset",
                        now,
                        tx=new_id("tx"),
                        cash=fresh.cash - player.cash,
                        bonus=-player.bonus,
                    )
                else:
                    player.cash, player.bonus = fresh.cash, 0
                    player.held_cash = player.held_bonus = 0
                player.kyc, player.blocked, player.limits = fresh.kyc, False, fresh.limits
            for player_id in SEED_PLAYERS:
                if await s.get(Player, player_id) is None:
                    s.add(self._seed_player(player_id))
            await s.execute(delete(Pool))
            for pool_id in SEED_POOLS:
                s.add(self._seed_pool(pool_id, now))
            await s.flush()
            return 200, await self._players(s)

    async def _retire_player(
        self, s: AsyncSession, player: Player, now: datetime, trace_id: str
    ) -> None:
        """Close the books of a player a reset removes (its bets stay for inspection).

        Its open bets become rolled back with nothing released (their holds go with the
        wallet), and one ledger entry zeroes the wallet, so a player re-created under the same
        id starts from an empty wallet whose ledger sums to it.
        """
        open_bets = (
            await s.execute(
                select(Bet).where(Bet.player_id == player.player_id, Bet.status == "authorized")
            )
        ).scalars()
        for bet in open_bets:
            bet.status = "rolled_back"
            self.platform._movement(s, self._ctx(trace_id), bet, "rollback", 0, None, now)
        self.platform._ledger(
            s,
            player,
            "reset",
            now,
            tx=new_id("tx"),
            cash=-player.cash,
            bonus=-player.bonus,
            held_cash=-player.held_cash,
            held_bonus=-player.held_bonus,
        )

    async def list_players(self) -> tuple[int, Any]:
        """Operation listTestPlayers."""
        async with self.store.session() as s, s.begin():
            return 200, await self._players(s)

    async def get_player(self, player_id: str, trace_id: str) -> tuple[int, Any]:
        """Operation getTestPlayer (forfeits expired bonuses first)."""
        async with self.store.session() as s, s.begin():
            player = await self.platform._player(s, player_id)
            now = await self.platform.now(s)
            await self.platform.expire_bonuses(s, self._ctx(trace_id), player, now)
            return 200, await self._player_view(s, player)

    async def put_player(self, player_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation putTestPlayer."""
        currency = body["currency"]
        cash = _money_in({"amount": body["cash"], "currency": currency}, currency, "cash", False)
        async with self.store.session() as s, s.begin():
            now = await self.platform.now(s)
            player = (
                await s.execute(
                    select(Player).where(Player.player_id == player_id).with_for_update()
                )
            ).scalar_one_or_none()
            if player is None:
                player = Player(
                    player_id=player_id,
                    currency=currency,
                    cash=0,
                    bonus=0,
                    held_cash=0,
                    held_bonus=0,
                    limits=Limits().to_json(),
                    seeded=False,
                )
                s.add(player)
            elif player.currency != currency:
                has_bets = (
                    await s.execute(select(Bet.id).where(Bet.player_id == player_id).limit(1))
                ).first()
                if has_bets is not None or player.bonus or player.held_cash or player.held_bonus:
                    raise DomainError(
                        "WRONG_CURRENCY",
                        f"player {player_id} has bets in {player.currency}; "
                        "its currency cannot change",
                    )
                player.currency = currency
                player.limits = Limits().to_json()
            self.platform._ledger(
                s, player, "adjustment", now, tx=new_id("tx"), cash=cash - player.cash
            )
            player.kyc = body.get("kyc", "allow")
            player.blocked = bool(body.get("blocked", False))
            player.brand_id = body.get("brand_id") or player.brand_id or DEFAULT_BRAND
            player.region = body.get("region") or player.region or DEFAULT_REGION
            await s.flush()
            return 200, await self._player_view(s, player)

    async def put_limits(self, player_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation putPlayerLimits."""
        async with self.store.session() as s, s.begin():
            player = await self.platform._player(s, player_id)
            cur = player.currency
            loss = body["loss_limit"]
            stake = body["stake_limit"]
            until = body["self_excluded_until"]
            try:
                until_at = parse_iso(until) if until else None
            except ValueError:
                raise DomainError(
                    "VALIDATION_FAILED",
                    "self_excluded_until is not a date-time",
                    {"field": "self_excluded_until"},
                ) from None
            limits = Limits(
                loss_limit=None
                if loss is None
                else _money_in(loss["amount"], cur, "loss_limit.amount", positive=False),
                loss_period=(loss or {}).get("period", "day"),
                stake_limit=None
                if stake is None
                else _money_in(stake, cur, "stake_limit", positive=False),
                session_time_minutes=body["session_time_minutes"],
                self_excluded=body["self_excluded"],
                self_excluded_until=until_at,
                reality_check_minutes=body["reality_check_minutes"],
            )
            player.limits = limits.to_json()
            await s.flush()
            return 200, await self._player_view(s, player)

    async def put_kyc(self, player_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation putPlayerKyc."""
        async with self.store.session() as s, s.begin():
            player = await self.platform._player(s, player_id)
            player.kyc = body["status"]
            await s.flush()
            return 200, await self._player_view(s, player)

    async def issue_bonus(
        self, player_id: str, body: dict[str, Any], trace_id: str
    ) -> tuple[int, Any]:
        """issueBonus: credit bonus funds with wagering, max bet and a deadline."""
        ctx = self._ctx(trace_id)
        async with self.store.session() as s, s.begin():
            _, controls = await self.platform.controls(s)
            now = controls.now()
            if not controls.degradation["promotions"]:
                raise DomainError("FEATURE_DISABLED", "promotions are switched off")
            player = await self.platform._player(s, player_id)
            cur = player.currency
            amount = _money_in(body["amount"], cur, "amount")
            max_bet = _money_in(body["max_bet"], cur, "max_bet")
            try:
                expires_at = parse_iso(body["expires_at"])
            except ValueError:
                raise DomainError(
                    "VALIDATION_FAILED", "expires_at is not a date-time", {"field": "expires_at"}
                ) from None
            if expires_at <= now:
                raise DomainError(
                    "VALIDATION_FAILED", "expires_at is in the past", {"field": "expires_at"}
                )
            seq = len(await self._bonuses(s, player_id)) + 1
            bonus = Bonus(
                bonus_id=new_id("bon", 16),
                player_id=player_id,
                status="active",
                currency=cur,
                amount=amount,
                balance=amount,
                wagering_required=amount * body["wagering_multiplier"],
                wagered=0,
                max_bet=max_bet,
                expires_at=expires_at,
                contributions={**DEFAULT_CONTRIBUTIONS, **(body.get("contributions") or {})},
                created_at=now,
                seq=seq,
            )
            s.add(bonus)
            self.platform._ledger(s, player, "bonus_issue", now, tx=new_id("tx"), bonus=amount)
            issued = {
                "bonus_id": bonus.bonus_id,
                "amount": money(amount, cur),
                "wagering_required": money(bonus.wagering_required, cur),
                "max_bet": money(max_bet, cur),
                "expires_at": body["expires_at"],
            }
            self.platform._emit(
                s, self.platform._event(ctx, "bonus.issued", player_id, issued, now)
            )
            if bonus.wagering_required == 0:
                self.platform._complete_bonus(s, player, bonus, now)
            await s.flush()
            return 201, bonus_json(bonus)

    async def expire_session(self, session_id: str) -> tuple[int, Any]:
        """expireSession: move the session's expiry to now."""
        async with self.store.session() as s, s.begin():
            now = await self.platform.now(s)
            session = await self.platform._session(s, session_id, lock=True)
            if session.expires_at > now:
                session.expires_at = now
            return 200, session_json(session, now)

    async def trigger_jackpot(
        self, pool_id: str, body: dict[str, Any], trace_id: str
    ) -> tuple[int, Any]:
        """triggerJackpot: pay the pool to a player with no bet, reset it to its seed."""
        ctx = self._ctx(trace_id)
        async with self.store.session() as s, s.begin():
            _, controls = await self.platform.controls(s)
            now = controls.now()
            if not controls.degradation["jackpots"]:
                raise DomainError("FEATURE_DISABLED", "jackpots are switched off")
            player = await self.platform._player(s, body["player_id"])
            pool = (
                await s.execute(select(Pool).where(Pool.pool_id == pool_id).with_for_update())
            ).scalar_one_or_none()
            if pool is None:
                raise DomainError("JACKPOT_NOT_FOUND", f"no jackpot pool {pool_id}")
            if pool.currency != player.currency:
                raise DomainError(
                    "WRONG_CURRENCY",
                    f"pool {pool_id} is in {pool.currency}; the player's wallet in "
                    f"{player.currency}",
                )
            paid = pool.amount
            pool.amount = pool.seed
            pool.updated_at = now
            tx = new_id("tx")
            self.platform._ledger(s, player, "jackpot", now, tx=tx, cash=paid)
            cur = player.currency
            won = {
                "pool_id": pool_id,
                "bet_id": None,
                "amount": money(paid, cur),
                "pool_reset_to": money(pool.seed, cur),
            }
            self.platform._emit(
                s, self.platform._event(ctx, "jackpot.won", player.player_id, won, now)
            )
            self.platform._emit_wallet(
                s, ctx, player, "credit", tx=tx, bet_id=None, amount=paid, reason="jackpot", now=now
            )
            return 200, {
                "pool": pool_json(pool),
                "paid": money(paid, cur),
                "balance": balance_json(player),
            }

    async def get_faults(self) -> tuple[int, Any]:
        """Operation getFaults."""
        async with self.store.session() as s, s.begin():
            _, controls = await self.platform.controls(s)
            return 200, {"rules": controls.faults}

    async def put_faults(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation putFaults (defaults filled in)."""
        rules = [
            {"delay_ms": 0, "status": 503, "probability": "1", "count": None, **rule}
            for rule in body["rules"]
        ]
        async with self.store.session() as s, s.begin():
            row, _ = await self.platform.controls(s, for_update=True)
            row.faults = rules
            return 200, {"rules": rules}

    async def get_clock(self) -> tuple[int, Any]:
        """Operation getSandboxClock."""
        async with self.store.session() as s, s.begin():
            _, controls = await self.platform.controls(s)
            return 200, _clock_json(controls)

    async def set_clock(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation setSandboxClock: the domain's now becomes real time plus the offset."""
        async with self.store.session() as s, s.begin():
            row, controls = await self.platform.controls(s, for_update=True)
            row.clock_offset = controls.clock_offset = int(body["offset_seconds"])
            return 200, _clock_json(controls)

    async def get_degradation(self) -> tuple[int, Any]:
        """Operation getDegradation."""
        async with self.store.session() as s, s.begin():
            _, controls = await self.platform.controls(s)
            return 200, controls.degradation

    async def put_degradation(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Operation putDegradation."""
        async with self.store.session() as s, s.begin():
            row, _ = await self.platform.controls(s, for_update=True)
            row.degradation = dict(body)
            return 200, dict(body)

    async def get_dual_write(self) -> tuple[int, Any]:
        """getDualWrite: the event types written twice now, and those that could be."""
        async with self.store.reader() as conn:
            enabled = (
                await conn.execute(select(Control.dual_write).where(Control.id == 1))
            ).scalar_one_or_none()
        return 200, self._dual_write_state(enabled)

    async def put_dual_write(self, body: dict[str, Any]) -> tuple[int, Any]:
        """putDualWrite: the list of event types written under both majors (replaced)."""
        writer = self.platform.dual_write
        wanted = sorted(set(body["event_types"]))
        for event_type in wanted:
            reason = writer.refusal(event_type) if writer is not None else "no contract loaded"
            if reason is not None:
                raise DomainError(
                    "VALIDATION_FAILED",
                    f"dual-write cannot be switched on for {event_type}: {reason}",
                    {
                        "event_type": event_type,
                        "available": [p["event_type"] for p in self._available()],
                    },
                )
        async with self.store.session() as s, s.begin():
            row, _ = await self.platform.controls(s, for_update=True)
            row.dual_write = wanted
        return 200, self._dual_write_state(wanted)

    def _available(self) -> list[dict[str, Any]]:
        writer = self.platform.dual_write
        return writer.available() if writer is not None else []

    def _dual_write_state(self, enabled: Any) -> dict[str, Any]:
        return {"event_types": sorted(enabled or []), "available": self._available()}

    async def list_events(
        self, player_id: str | None, event_type: str | None, since: int, limit: int
    ) -> tuple[int, Any]:
        """listEmittedEvents: the outbox, oldest first."""
        # The position handed out is the commit-ordered sequence number: paging by it never
        # skips an event that commits late (see Store.sequence_outbox).
        await self.store.sequence_outbox()
        query = select(OutboxEvent.seq, OutboxEvent.body).where(OutboxEvent.seq > since)
        if player_id:
            query = query.where(OutboxEvent.player_id == player_id)
        if event_type:
            query = query.where(OutboxEvent.event_type == event_type)
        query = query.order_by(OutboxEvent.seq).limit(limit)
        async with self.store.reader() as conn:
            rows = (await conn.execute(query)).all()
        events = [{"position": int(seq or 0), "event": json.loads(body)} for seq, body in rows]
        return 200, {"events": events, "next_since": int(rows[-1][0] or 0) if rows else since}

    async def issue_token(
        self, client_id: str, client_secret: str, scope: str | None
    ) -> tuple[int, Any]:
        """issueToken: client credentials -> bearer token stored with scopes and expiry."""
        client = CLIENTS.get(client_id)
        # compare_digest takes str of ASCII only: compare the UTF-8 bytes of any secret.
        if client is None or not secrets.compare_digest(
            client[0].encode(), client_secret.encode("utf-8", "surrogatepass")
        ):
            raise DomainError("INVALID_TOKEN", "unknown client id or wrong client secret")
        wanted = tuple(scope.split()) if scope and scope.strip() else client[1]
        unknown = [w for w in wanted if w not in client[1]]
        if unknown:
            raise DomainError(
                "MALFORMED_REQUEST", f"scope {unknown[0]!r} is not held by this client", status=400
            )
        token = "tok_" + secrets.token_hex(16)
        async with self.store.session() as s, s.begin():
            now = await self.platform.now(s)  # tokens live on the sandbox clock
            s.add(
                Token(
                    token=token,
                    client_id=client_id,
                    scopes=" ".join(wanted),
                    expires_at=now + timedelta(seconds=self.token_ttl),
                )
            )
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(wanted),
        }

    async def token_scopes(self, token: str) -> tuple[set[str], datetime, str] | None:
        """The scopes, expiry and client id of a stored token, or None."""
        async with self.store.session() as s, s.begin():
            row = await s.get(Token, token)
        if row is None:
            return None
        return set(row.scopes.split()), row.expires_at, row.client_id
