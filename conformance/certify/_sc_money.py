"""Money scenarios: funds, currency, precision and sign of amounts."""

from __future__ import annotations

from typing import Any

from croupier import CURRENCY_EXPONENTS, format_minor
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import NotApplicable, scenario

__all__: list[str] = []


def _stake_refused(
    ctx: ScenarioContext, player: str, body: dict[str, Any], status: int, code: str, what: str
) -> Any:
    """An authorize that must be refused with `status` `code` and move no money."""
    return ctx.expect_refused(player, lambda: ctx.authorize(body), status, code, what)


@scenario(
    "insufficient-funds",
    needs_sandbox=False,
    rules=("money-insufficient-funds", "error-insufficient-funds"),
)
def insufficient_funds(ctx: ScenarioContext) -> None:
    """A stake above the available balance is 402 INSUFFICIENT_FUNDS with the unchanged balance."""
    player = ctx.new_player("EUR", "0.50") if ctx.sandbox else ctx.role("low_balance")
    session = ctx.open_session(player)
    before = ctx.money(player)
    stake = format_minor(before["available"] + ctx.one_unit(player), ctx.currency_of(player))
    body = ctx.authorize_body(player, session, stake)
    error = _stake_refused(
        ctx, player, body, 402, "INSUFFICIENT_FUNDS", f"a {stake} stake, 1 more than available"
    )
    details = error.get("details") if isinstance(error, dict) else None
    balance = details.get("balance") if isinstance(details, dict) else None
    ctx.expect(
        isinstance(balance, dict),
        f"INSUFFICIENT_FUNDS must carry details.balance, got details={details!r}",
    )
    money = ctx.money_of(balance)
    ctx.expect(
        money == before,
        f"details.balance must be the unchanged balance {before}, got {money} (minor units)",
    )


@scenario(
    "wrong-currency",
    needs_sandbox=False,
    rules=("money-currency-matches-wallet", "error-wrong-currency"),
)
def wrong_currency(ctx: ScenarioContext) -> None:
    """A stake in another currency than the player's is 422 WRONG_CURRENCY and moves nothing."""
    player, session = ctx.ready_player("EUR")
    body = ctx.authorize_body(player, session, "1.00", currency="USD")
    _stake_refused(ctx, player, body, 422, "WRONG_CURRENCY", "USD stake for a EUR player")


@scenario(
    "amount-precision",
    needs_sandbox=False,
    rules=("money-exponent-enforced", "error-invalid-amount"),
)
def amount_precision(ctx: ScenarioContext) -> None:
    """Amounts with more fraction digits than the currency allows are 422 INVALID_AMOUNT."""
    player, session = ctx.ready_player("EUR")
    for amount in ("1.005", "0.001", "0.00001"):
        body = ctx.authorize_body(player, session, amount)
        _stake_refused(ctx, player, body, 422, "INVALID_AMOUNT", f"EUR stake {amount}")
    whole = sorted(c for c, e in CURRENCY_EXPONENTS.items() if e == 0)
    try:
        yen, yen_session = ctx.ready_player("JPY", "1000")
    except NotApplicable as exc:
        # Without a zero-exponent account the EUR half still runs; the report says what did not.
        ctx.note(f"whole-unit currencies ({', '.join(whole)}) not checked: {exc}")
    else:
        body = ctx.authorize_body(yen, yen_session, "1.5")
        _stake_refused(ctx, yen, body, 422, "INVALID_AMOUNT", "JPY stake 1.5")
    auth = ctx.place_bet(player, session, "1.00")
    ctx.expect_refused(
        player,
        lambda: ctx.settle(ctx.settle_body(auth, "0.015")),
        422,
        "INVALID_AMOUNT",
        "EUR win 0.015",
    )


@scenario(
    "negative-and-zero-stake",
    needs_sandbox=False,
    rules=("money-positive-amounts", "error-invalid-amount"),
)
def negative_and_zero_stake(ctx: ScenarioContext) -> None:
    """Negative, zero, exponent and NaN stakes are 422 INVALID_AMOUNT and move nothing."""
    player, session = ctx.ready_player("EUR")
    for amount in ("-1.00", "0.00", "0", "1e2", "NaN"):
        body = ctx.authorize_body(player, session, amount)
        _stake_refused(ctx, player, body, 422, "INVALID_AMOUNT", f"stake {amount!r}")
