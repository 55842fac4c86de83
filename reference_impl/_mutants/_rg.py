"""Responsible-gaming, KYC, bonus and jackpot mutants: limits and rules applied the wrong way."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._mutants._kit import on_refusal, rewrite_answer
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_EVALUATE = "croupier.reference_impl._domain._rg.evaluate_rg"
_AUTHORIZE = "croupier.reference_impl._platform.Platform.authorize"
_CREATE_SESSION = "croupier.reference_impl._platform.Platform.create_session"


def _without(verdict: Any, kind: str) -> Any:
    """The verdict with one kind of limit no longer refusing."""
    from croupier.reference_impl._domain._rg import RG_ORDER, RgVerdict

    states = [
        dataclasses.replace(s, refuses=False) if s.kind == kind else s for s in verdict.limits
    ]
    refusing = sorted((s for s in states if s.refuses), key=lambda s: RG_ORDER.index(s.kind))
    return RgVerdict(limits=states, refusal=refusing[0] if refusing else None)


def _ignoring(kind: str) -> Any:
    def make(original: Any) -> Any:
        def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
            return _without(original(limits, **kwargs), kind)

        return evaluate_rg

    return make


@mutant("loss-limit-ignored", target=_EVALUATE, rules=("rg-loss-limit",))
def loss_limit_ignored(original: Any) -> Any:
    """The loss limit is stored and reported but never refuses a stake."""
    return _ignoring("loss")(original)


@mutant("stake-limit-ignored", target=_EVALUATE, rules=("rg-stake-limit",))
def stake_limit_ignored(original: Any) -> Any:
    """The stake limit never refuses a stake."""
    return _ignoring("stake")(original)


@mutant("session-time-limit-ignored", target=_EVALUATE, rules=("rg-session-time-limit",))
def session_time_limit_ignored(original: Any) -> Any:
    """The session-time limit never refuses a bet."""
    return _ignoring("session_time")(original)


@mutant("stake-limit-at-limit-refused", target=_EVALUATE, rules=("rg-stake-limit",))
def stake_limit_at_limit_refused(original: Any) -> Any:
    """A stake equal to the stake limit is refused (>= instead of >)."""

    def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
        stake = kwargs.get("stake")
        if stake is not None and limits.stake_limit is not None and stake == limits.stake_limit:
            kwargs["stake"] = stake + 1
        return original(limits, **kwargs)

    return evaluate_rg


@mutant("loss-limit-exact-rest-refused", target=_EVALUATE, rules=("rg-loss-limit",))
def loss_limit_exact_rest_refused(original: Any) -> Any:
    """A stake of exactly what is left of the loss limit is refused (off by one unit)."""

    def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
        if kwargs.get("stake") is not None and limits.loss_limit is not None:
            kwargs["net_loss"] = kwargs.get("net_loss", 0) + 1
        return original(limits, **kwargs)

    return evaluate_rg


@mutant(
    "loss-limit-holds-not-counted",
    target="croupier.reference_impl._platform.Platform.net_loss",
    rules=("rg-loss-limit-counts-holds",),
)
def loss_limit_holds_not_counted(original: Any) -> Any:
    """The loss limit counts settled bets only: stakes on hold are not yet a loss."""

    async def net_loss(self: Any, s: Any, player_id: str, since: Any) -> int:
        from croupier.reference_impl._store import Player

        lost = await original(self, s, player_id, since)
        player = await s.get(Player, player_id)
        held = 0 if player is None else player.held_cash + player.held_bonus
        return int(lost) - held

    return net_loss


@mutant("loss-remaining-not-reduced", target=_EVALUATE, rules=("rg-loss-limit",))
def loss_remaining_not_reduced(original: Any) -> Any:
    """The loss limit refuses correctly but reports the whole limit as remaining."""

    def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
        verdict = original(limits, **kwargs)
        for state in verdict.limits:
            if state.kind == "loss":
                object.__setattr__(state, "remaining_amount", state.limit_amount)
        return verdict

    return evaluate_rg


@mutant(
    "loss-period-never-ends",
    target="croupier.reference_impl._domain._rg.period_bounds",
    rules=("rg-loss-limit-resets",),
)
def loss_period_never_ends(original: Any) -> Any:
    """Losses are summed since the account opened: the loss limit never resets."""

    def period_bounds(period: str, now: Any) -> Any:
        start, end = original(period, now)
        return start.replace(year=2000, month=1, day=1), end

    return period_bounds


@mutant("self-exclusion-checked-at-login-only", target=_EVALUATE, rules=("rg-self-exclusion",))
def self_exclusion_checked_at_login_only(original: Any) -> Any:
    """Self-exclusion is checked when a session opens, not on each bet of an open session."""

    def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
        if kwargs.get("session_started_at") is not None:
            limits = dataclasses.replace(limits, self_excluded=False)
        return original(limits, **kwargs)

    return evaluate_rg


@mutant("self-exclusion-not-checked-at-login", target=_EVALUATE, rules=("rg-self-exclusion",))
def self_exclusion_not_checked_at_login(original: Any) -> Any:
    """A self-excluded player may still open a session (only bets are refused)."""

    def evaluate_rg(limits: Any, **kwargs: Any) -> Any:
        if kwargs.get("session_started_at") is None and kwargs.get("stake") is None:
            limits = dataclasses.replace(limits, self_excluded=False)
        return original(limits, **kwargs)

    return evaluate_rg


@mutant(
    "rg-precedence-reversed",
    target="croupier.reference_impl._domain._rg.RG_ORDER",
    rules=("rg-most-restrictive-wins",),
)
def rg_precedence_reversed(original: Any) -> Any:
    """When several limits refuse, the least restrictive one is reported."""
    return tuple(reversed(original))


def _rg_refusal(change: Any) -> Any:
    def make(original: Any) -> Any:
        async def authorize(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
            try:
                return await original(self, s, ctx, body, controls, now)
            except DomainError as exc:
                if not exc.code.startswith("RG_"):
                    raise
                raise change(exc) from None

        return authorize

    return make


@mutant("rg-refusal-emits-no-event", target=_AUTHORIZE, rules=("rg-limit-hit-event",))
def rg_refusal_emits_no_event(original: Any) -> Any:
    """A responsible-gaming refusal writes no rg.limit.hit event."""
    return _rg_refusal(lambda exc: DomainError(exc.code, exc.message, exc.details))(original)


@mutant("rg-details-without-resets-at", target=_AUTHORIZE, rules=("rg-refusal-details",))
def rg_details_without_resets_at(original: Any) -> Any:
    """A responsible-gaming refusal says no resets_at, so the player is not told when to return."""

    def change(exc: DomainError) -> DomainError:
        details = {k: v for k, v in (exc.details or {}).items() if k != "resets_at"}
        return DomainError(exc.code, exc.message, details, events=exc.events)

    return _rg_refusal(change)(original)


@mutant(
    "reality-check-never-sent",
    target="croupier.reference_impl._domain._rg.Limits.from_json",
    rules=("rg-reality-check",),
)
def reality_check_never_sent(original: Any) -> Any:
    """The reality-check interval is stored but never acted on: no rg.reality_check events."""

    def from_json(cls: Any, data: Any) -> Any:
        return dataclasses.replace(original(cls, data), reality_check_minutes=None)

    return from_json


@mutant(
    "rg-check-always-allows",
    target="croupier.reference_impl._platform.Platform.rg_check",
    rules=("rg-check-agrees",),
)
def rg_check_always_allows(original: Any) -> Any:
    """CheckResponsibleGaming answers allowed while authorize refuses the same stake."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        return status, dict(payload, allowed=True, code=None)

    return rewrite_answer(change)(original)


# -- KYC and blocked accounts ------------------------------------------------------------------


def _recode(code: str, instead: str, message: str) -> Any:
    async def recoded(call: Any, error: DomainError) -> Any:
        raise DomainError(instead, message)

    return on_refusal(code, recoded)


@mutant("kyc-denied-reported-pending", target=_CREATE_SESSION, rules=("kyc-answers",))
def kyc_denied_reported_pending(original: Any) -> Any:
    """A failed KYC/AML check is answered KYC_PENDING, so the provider retries forever."""
    return _recode("KYC_DENIED", "KYC_PENDING", "identity check pending")(original)


@mutant("kyc-pending-reported-denied", target=_CREATE_SESSION, rules=("kyc-answers",))
def kyc_pending_reported_denied(original: Any) -> Any:
    """A pending KYC check is answered KYC_DENIED, turning a wait into a closed account."""
    return _recode("KYC_PENDING", "KYC_DENIED", "identity check failed")(original)


@mutant("blocked-player-reported-excluded", target=_CREATE_SESSION, rules=("player-blocked",))
def blocked_player_reported_excluded(original: Any) -> Any:
    """A blocked account is answered RG_SELF_EXCLUDED (the player never asked for it)."""
    return _recode("PLAYER_BLOCKED", "RG_SELF_EXCLUDED", "the player is self-excluded")(original)


# -- bonus ----------------------------------------------------------------------------------------


@mutant(
    "bonus-spent-before-cash",
    target="croupier.reference_impl._domain._bonus.fund_stake",
    rules=("bonus-funding-order",),
)
def bonus_spent_before_cash(original: Any) -> Any:
    """A stake is taken from the bonus first and from cash only after it."""

    def fund_stake(stake: int, cash: int, bonuses: list[Any], use_bonus: bool = True) -> Any:
        if not use_bonus or not bonuses:
            return original(stake, cash, bonuses, use_bonus)
        rest, parts = stake, []
        for bonus in bonuses:
            take = min(bonus.balance, rest)
            if take:
                parts.append((bonus.bonus_id, take))
                rest -= take
        if rest > cash:
            return None
        return rest, parts

    return fund_stake


@mutant("bonus-max-bet-ignored-when-cash-covers", target=_AUTHORIZE, rules=("bonus-max-bet",))
def bonus_max_bet_ignored_when_cash_covers(original: Any) -> Any:
    """The bonus max bet is not applied when cash alone covers the stake."""

    async def instead(call: Any, error: DomainError) -> Any:
        self, s, ctx, body, controls, now = call
        cash_only = dataclasses.replace(
            controls, degradation={**controls.degradation, "promotions": False}
        )
        return await original(self, s, ctx, body, cash_only, now)

    return on_refusal("MAX_BET_EXCEEDED", instead)(original)


@mutant(
    "wagering-counts-every-game-fully",
    target="croupier.reference_impl._domain._bonus.DEFAULT_CONTRIBUTIONS",
    rules=("bonus-wagering-contribution",),
)
def wagering_counts_every_game_fully(original: Any) -> Any:
    """Every game type counts 100 % towards wagering (table games included)."""
    return {game: 100 for game in original}


@mutant(
    "bonus-never-expires",
    target="croupier.reference_impl._platform.Platform.expire_bonuses",
    rules=("bonus-expiry",),
)
def bonus_never_expires(original: Any) -> Any:
    """A bonus past its deadline stays spendable: nothing ever forfeits it."""

    async def expire_bonuses(self: Any, s: Any, ctx: Any, player: Any, now: Any) -> Any:
        return await self.active_bonuses(s, player.player_id)

    return expire_bonuses


# -- jackpots -----------------------------------------------------------------------------------


@mutant(
    "jackpot-contribution-rounded-up",
    target="croupier.reference_impl._domain._jackpot.jackpot_contribution",
    rules=("jackpot-contribution",),
)
def jackpot_contribution_rounded_up(original: Any) -> Any:
    """A stake's jackpot contribution is rounded up instead of down."""

    def jackpot_contribution(stake_minor: int, rate_ppm: int) -> int:
        return math.ceil(stake_minor * rate_ppm / 1_000_000)

    return jackpot_contribution


@mutant(
    "jackpot-contribution-dropped",
    target="croupier.reference_impl._domain._jackpot.jackpot_contribution",
    rules=("jackpot-contribution",),
)
def jackpot_contribution_dropped(original: Any) -> Any:
    """Stakes on a jackpot game never grow the pool."""

    def jackpot_contribution(stake_minor: int, rate_ppm: int) -> int:
        return 0

    return jackpot_contribution


@mutant(
    "jackpot-win-taken-at-face-value",
    target="croupier.reference_impl._platform.Platform.settle",
    rules=("jackpot-win-pays-pool",),
)
def jackpot_win_taken_at_face_value(original: Any) -> Any:
    """A jackpot part of a win is paid as claimed, without comparing it to the pool's amount."""

    async def instead(call: Any, error: DomainError) -> Any:
        self, s, ctx, body, controls, now = call
        plain = {k: v for k, v in body.items() if k != "win_breakdown"}
        return await original(self, s, ctx, plain, controls, now)

    return on_refusal("JACKPOT_AMOUNT_MISMATCH", instead)(original)


@mutant(
    "jackpot-pool-not-reset",
    target="croupier.reference_impl._platform.Platform.settle",
    rules=("jackpot-win-pays-pool",),
)
def jackpot_pool_not_reset(original: Any) -> Any:
    """A jackpot win is paid but the pool keeps its amount instead of restarting from its seed."""

    async def settle(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        from croupier.reference_impl._store import Pool

        parts = (body.get("win_breakdown") or {}).get("jackpots") or []
        before = {}
        for part in parts:
            pool = await s.get(Pool, part["pool_id"])
            if pool is not None:
                before[pool.pool_id] = pool.amount
        answer = await original(self, s, ctx, body, controls, now)
        for pool_id, amount in before.items():
            pool = await s.get(Pool, pool_id)
            if pool is not None:
                pool.amount = amount
        return answer

    return settle


@mutant(
    "unknown-player-gets-a-wallet",
    target="croupier.reference_impl._platform.Platform.get_balance",
    rules=("player-unknown",),
)
def unknown_player_gets_a_wallet(original: Any) -> Any:
    """A balance read for an unknown player answers an empty EUR wallet instead of 404."""

    async def instead(call: Any, error: DomainError) -> Any:
        zero = {"amount": "0.00", "currency": "EUR"}
        return 200, {
            "player_id": call[3]["player_id"],
            "currency": "EUR",
            "cash": zero,
            "bonus": zero,
            "held": zero,
            "available": zero,
        }

    return on_refusal("PLAYER_NOT_FOUND", instead)(original)
