"""Money as the contract defines it: a decimal string and a currency, integer minor units inside."""

from __future__ import annotations

import re

__all__ = ["CURRENCY_EXPONENTS", "InvalidAmount", "format_minor", "parse_amount"]

# ISO 4217 exponents plus the crypto units the contract accepts. Keep in step with
# schemas/common/money.json (its currency enum); a test asserts they agree.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CAD": 2,
    "SEK": 2,
    "NOK": 2,
    "BRL": 2,
    "JPY": 0,
    "KRW": 0,
    "BTC": 8,
    "USDT": 6,
}

# Plain decimal digits: no sign, no exponent, no spaces, no leading zeros beyond one.
_AMOUNT = re.compile(r"^(0|[1-9][0-9]{0,17})(?:\.([0-9]{1,18}))?$")

# Largest amount accepted in minor units: fits a signed 64-bit column with room for sums.
MAX_MINOR = 10**15


class InvalidAmount(ValueError):
    """An amount that is not a plain decimal string within the currency's exponent."""


def parse_amount(amount: object, currency: str) -> int:
    """Return the integer minor units of `amount` in `currency`, or raise InvalidAmount."""
    if currency not in CURRENCY_EXPONENTS:
        raise InvalidAmount(f"unknown currency {currency!r}")
    if not isinstance(amount, str):
        raise InvalidAmount("amount must be a decimal string, not a JSON number")
    match = _AMOUNT.fullmatch(amount)
    if match is None:
        raise InvalidAmount(f"amount {amount!r} is not a plain non-negative decimal string")
    whole, fraction = match.group(1), match.group(2) or ""
    exponent = CURRENCY_EXPONENTS[currency]
    if len(fraction) > exponent:
        raise InvalidAmount(
            f"amount {amount!r} has {len(fraction)} fraction digits; {currency} allows {exponent}"
        )
    minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor > MAX_MINOR:
        raise InvalidAmount(f"amount {amount!r} is larger than the contract allows")
    return minor


def format_minor(minor: int, currency: str) -> str:
    """Render integer minor units as the contract's decimal string (always the full exponent)."""
    exponent = CURRENCY_EXPONENTS[currency]
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if exponent == 0:
        return f"{sign}{minor}"
    whole, fraction = divmod(minor, 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}"
