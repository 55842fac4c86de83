"""Money mutants: amounts parsed, rendered, checked or reported the way real wallets get wrong."""

from __future__ import annotations

from typing import Any

from croupier import CURRENCY_EXPONENTS, format_minor
from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._mutants._kit import balance, on_refusal, rewrite_answer, rewrite_body
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_PARSE = "croupier._money.parse_amount"
_AUTHORIZE = "croupier.reference_impl._platform.Platform.authorize"
_SETTLE = "croupier.reference_impl._platform.Platform.settle"
_BALANCE = "croupier.reference_impl._render.balance_json"


def _exponent(currency: str) -> int:
    return int(CURRENCY_EXPONENTS.get(currency, 2))


@mutant("amount-parsed-as-float", target=_PARSE, rules=("money-exact-minor-units",))
def amount_parsed_as_float(original: Any) -> Any:
    """Amounts go through a binary float and are truncated: 0.29 EUR becomes 28 cents."""

    def parse_amount(amount: object, currency: str) -> int:
        exact = original(amount, currency)
        return int(float(str(amount)) * 10 ** _exponent(currency)) if exact else exact

    return parse_amount


@mutant("extra-precision-rounded", target=_PARSE, rules=("money-exponent-enforced",))
def extra_precision_rounded(original: Any) -> Any:
    """Extra fraction digits are rounded away (1.005 EUR is taken as 1.00) instead of refused."""

    def parse_amount(amount: object, currency: str) -> int:
        text = str(amount)
        whole, _, fraction = text.partition(".")
        cut = _exponent(currency)
        if len(fraction) > cut:
            text = whole if not cut else f"{whole}.{fraction[:cut]}"
        return int(original(text, currency))

    return parse_amount


@mutant(
    "whole-unit-currency-with-cents",
    target="croupier._money.CURRENCY_EXPONENTS",
    rules=("money-exponent-enforced",),
)
def whole_unit_currency_with_cents(original: Any) -> Any:
    """Every currency gets two fraction digits: 1.5 JPY is accepted (as 150 "sen")."""
    return {currency: max(2, exponent) for currency, exponent in original.items()}


@mutant("zero-stake-accepted", target=_AUTHORIZE, rules=("money-positive-amounts",))
def zero_stake_accepted(original: Any) -> Any:
    """A zero stake is answered 200 authorized (a free-spin shortcut) instead of INVALID_AMOUNT."""

    async def instead(call: Any, error: DomainError) -> Any:
        body = call[3]
        if body["stake"]["amount"].strip("0.") != "":
            raise error
        held = await balance(call, body["player_id"])
        return 200, {
            "bet_id": body["bet_id"],
            "round_id": body["round_id"],
            "player_id": body["player_id"],
            "status": "authorized",
            "transaction_id": "tx_zero",
            "stake": body["stake"],
            "win": None,
            "balance": held,
        }

    return on_refusal("INVALID_AMOUNT", instead)(original)


@mutant("stake-currency-ignored", target=_AUTHORIZE, rules=("money-currency-matches-wallet",))
def stake_currency_ignored(original: Any) -> Any:
    """The stake's currency is ignored: a USD stake is held from a EUR wallet as if in EUR."""

    async def authorize(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        held = await balance((self, s, ctx, body, controls, now), body["player_id"])
        stake = dict(body["stake"], currency=held["currency"])
        return await original(self, s, ctx, dict(body, stake=stake), controls, now)

    return authorize


@mutant("win-currency-ignored", target=_SETTLE, rules=("money-currency-matches-wallet",))
def win_currency_ignored(original: Any) -> Any:
    """The win's currency is ignored: a USD win is credited to a EUR wallet unconverted."""

    async def settle(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        held = await balance((self, s, ctx, body, controls, now), body["player_id"])
        win = dict(body["win"], currency=held["currency"])
        changed = dict(body, win=win)
        changed.pop("win_breakdown", None)
        return await original(self, s, ctx, changed, controls, now)

    return settle


@mutant(
    "insufficient-funds-balance-after-stake", target=_AUTHORIZE, rules=("money-insufficient-funds",)
)
def insufficient_funds_balance_after_stake(original: Any) -> Any:
    """INSUFFICIENT_FUNDS reports the balance as if the stake had been taken (zero available)."""

    async def instead(call: Any, error: DomainError) -> Any:
        shown = dict((error.details or {}).get("balance") or {})
        zero = {"amount": format_minor(0, shown["currency"]), "currency": shown["currency"]}
        shown.update(cash=zero, available=zero)
        raise DomainError(error.code, error.message, {"balance": shown})

    return on_refusal("INSUFFICIENT_FUNDS", instead)(original)


@mutant(
    "insufficient-funds-without-balance", target=_AUTHORIZE, rules=("money-insufficient-funds",)
)
def insufficient_funds_without_balance(original: Any) -> Any:
    """INSUFFICIENT_FUNDS carries no balance, so the provider cannot show the player one."""

    async def instead(call: Any, error: DomainError) -> Any:
        raise DomainError(error.code, error.message)

    return on_refusal("INSUFFICIENT_FUNDS", instead)(original)


@mutant("held-counted-as-available", target=_BALANCE, rules=("money-held-not-available",))
def held_counted_as_available(original: Any) -> Any:
    """The available balance still includes stakes on hold (holds only shown as `held`)."""

    def balance_json(player: Any) -> dict[str, Any]:
        out = dict(original(player))
        cur = out["currency"]
        total = player.cash + player.bonus + player.held_cash + player.held_bonus
        out["available"] = {"amount": format_minor(total, cur), "currency": cur}
        return out

    return balance_json


@mutant("held-not-reported", target=_BALANCE, rules=("money-held-not-available",))
def held_not_reported(original: Any) -> Any:
    """The balance never shows held stakes (held is always zero)."""

    def balance_json(player: Any) -> dict[str, Any]:
        out = dict(original(player))
        out["held"] = {"amount": format_minor(0, out["currency"]), "currency": out["currency"]}
        return out

    return balance_json


@mutant(
    "amount-rendered-as-number",
    target="croupier.reference_impl._render.money",
    rules=("money-amount-decimal-string",),
)
def amount_rendered_as_number(original: Any) -> Any:
    """Money is answered as a JSON number (12.5) instead of a decimal string ("12.50")."""

    def money(minor: int, currency: str) -> dict[str, Any]:
        out: dict[str, Any] = dict(original(minor, currency))
        exponent = _exponent(currency)
        out["amount"] = minor / 10**exponent if exponent else minor
        return out

    return money


def _stale_balance(original: Any) -> Any:
    """The operation answers the balance read before it moved the money."""

    async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        call = (self, s, ctx, body, controls, now)
        before = await balance(call, body["player_id"])
        status, payload = await original(*call)
        return status, dict(payload, balance=before)

    return operation


@mutant("settle-answers-stale-balance", target=_SETTLE, rules=("money-balance-after-movement",))
def settle_answers_stale_balance(original: Any) -> Any:
    """Settle answers the balance read before the win was credited (a cached balance)."""
    return _stale_balance(original)


@mutant(
    "authorize-answers-stale-balance", target=_AUTHORIZE, rules=("money-balance-after-movement",)
)
def authorize_answers_stale_balance(original: Any) -> Any:
    """Authorize answers the balance read before the stake was held."""
    return _stale_balance(original)


@mutant("win-taken-as-net", target=_SETTLE, rules=("bet-settle-captures-and-credits",))
def win_taken_as_net(original: Any) -> Any:
    """The win is read as net of the stake, so the stake is paid back on top of every win."""

    async def settle(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        from croupier import parse_amount

        found = await self.get_bet(s, ctx, {"bet_id": body["bet_id"]}, controls, now)
        stake = found[1].get("stake") or {"amount": "0", "currency": body["win"]["currency"]}
        cur = body["win"]["currency"]
        try:
            gross = parse_amount(body["win"]["amount"], cur) + parse_amount(stake["amount"], cur)
        except ValueError:
            return await original(self, s, ctx, body, controls, now)
        changed = dict(body, win={"amount": format_minor(gross, cur), "currency": cur})
        changed.pop("win_breakdown", None)
        return await original(self, s, ctx, changed, controls, now)

    return settle


@mutant("win-not-credited", target=_SETTLE, rules=("bet-settle-captures-and-credits",))
def win_not_credited(original: Any) -> Any:
    """Settle captures the stake but books every win as zero."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        cur = body["win"]["currency"]
        body["win"] = {"amount": format_minor(0, cur), "currency": cur}
        body.pop("win_breakdown", None)
        return body

    return rewrite_body(change)(original)


@mutant(
    "tombstone-answer-reports-release",
    target="croupier.reference_impl._platform.Platform.rollback",
    rules=("bet-rollback-unknown-tombstone",),
)
def tombstone_answer_reports_release(original: Any) -> Any:
    """A rollback answers tombstone false even when it only left a tombstone."""

    async def change(call: Any, status: int, payload: Any) -> Any:
        return status, dict(payload, tombstone=False)

    return rewrite_answer(change)(original)
