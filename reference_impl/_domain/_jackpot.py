"""Jackpot arithmetic: contribution rates as integer parts per million, rounded down."""

from __future__ import annotations

import re

__all__ = ["jackpot_contribution", "parse_rate", "render_rate"]

_RATE = re.compile(r"^0(?:\.([0-9]{1,6}))?$")


def parse_rate(rate: str) -> int:
    """'0.01' -> 10000 parts per million."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ValueError(f"contribution rate {rate!r} must look like 0.01")
    return int((match.group(1) or "0").ljust(6, "0"))


def render_rate(ppm: int) -> str:
    """10000 -> '0.01' (the contract's pattern: no trailing zeros, at most 6 digits)."""
    if ppm == 0:
        return "0"
    return ("0." + f"{ppm:06d}").rstrip("0")


def jackpot_contribution(stake_minor: int, rate_ppm: int) -> int:
    """What a stake adds to a pool, in minor units, rounded down."""
    return stake_minor * rate_ppm // 1_000_000
