"""Bonus rules: how a stake is funded (cash first, then bonus) and what counts towards wagering."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CONTRIBUTIONS", "BonusFunds", "fund_stake", "wagering_contribution"]

# Percent of a stake that counts towards wagering, per game type.
DEFAULT_CONTRIBUTIONS: dict[str, int] = {
    "slots": 100,
    "table": 10,
    "live": 10,
    "crash": 50,
    "other": 0,
}


@dataclass(frozen=True)
class BonusFunds:
    """One active bonus's spendable funds, oldest first."""

    bonus_id: str
    balance: int


def fund_stake(
    stake: int, cash: int, bonuses: list[BonusFunds], use_bonus: bool = True
) -> tuple[int, list[tuple[str, int]]] | None:
    """Split a stake into (from cash, [(bonus id, from bonus)]); None when funds fall short.

    Cash is used first, then each active bonus oldest first; with `use_bonus` false
    (promotions switched off) only cash may fund the stake.
    """
    from_cash = min(cash, stake)
    rest = stake - from_cash
    parts: list[tuple[str, int]] = []
    if rest and use_bonus:
        for bonus in bonuses:
            take = min(bonus.balance, rest)
            if take:
                parts.append((bonus.bonus_id, take))
                rest -= take
            if not rest:
                break
    if rest:
        return None
    return from_cash, parts


def wagering_contribution(stake: int, percent: int) -> int:
    """The part of a stake that counts towards wagering, rounded down to minor units."""
    return stake * percent // 100
