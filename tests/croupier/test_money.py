from __future__ import annotations

import json

import pytest

from croupier import CURRENCY_EXPONENTS, InvalidAmount, format_minor, parse_amount


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        # whole and fractional amounts within the exponent
        ("12.34", "EUR", 1234),
        ("12.3", "EUR", 1230),
        ("12", "EUR", 1200),
        ("0", "EUR", 0),
        ("0.01", "EUR", 1),
        ("1200", "JPY", 1200),
        ("0.00000001", "BTC", 1),
        ("1.5", "USDT", 1_500_000),
    ],
)
def test_parse_amount_gives_minor_units(amount: str, currency: str, minor: int) -> None:
    assert parse_amount(amount, currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        # precision beyond the exponent
        ("1.005", "EUR"),
        ("1.5", "JPY"),
        ("0.000000001", "BTC"),
        # signs, exponents, NaN, spaces, leading zeros, empty
        ("-1.00", "EUR"),
        ("+1.00", "EUR"),
        ("1e3", "EUR"),
        ("NaN", "EUR"),
        ("Infinity", "EUR"),
        (" 1.00", "EUR"),
        ("01.00", "EUR"),
        ("1.", "EUR"),
        (".5", "EUR"),
        ("", "EUR"),
        # JSON numbers are never money
        (1.0, "EUR"),
        (1, "EUR"),
        # larger than the contract allows
        ("99999999999999999", "EUR"),
        # unknown currency
        ("1.00", "XXX"),
    ],
)
def test_parse_amount_rejects(amount: object, currency: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(amount, currency)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(1234, "EUR", "12.34"), (5, "EUR", "0.05"), (1200, "JPY", "1200"), (1, "BTC", "0.00000001")],
)
def test_format_minor_round_trips(minor: int, currency: str, text: str) -> None:
    assert format_minor(minor, currency) == text
    assert parse_amount(text, currency) == minor


def test_exponents_match_the_contracts_currency_enum(contract) -> None:
    currency_schema = json.loads((contract.schemas_dir / "common" / "currency.json").read_text())
    assert sorted(currency_schema["enum"]) == sorted(CURRENCY_EXPONENTS)
