"""Pure domain rules of the sandbox: money, games, responsible gaming, bonus, jackpot, events.

Imports only `croupier` and the standard library: no storage, no HTTP.
"""

from croupier.reference_impl._domain._bonus import (
    DEFAULT_CONTRIBUTIONS,
    BonusFunds,
    fund_stake,
    wagering_contribution,
)
from croupier.reference_impl._domain._errors import DomainError, error_body
from croupier.reference_impl._domain._events import make_event, new_id
from croupier.reference_impl._domain._games import GAMES, game_type
from croupier.reference_impl._domain._jackpot import jackpot_contribution, parse_rate, render_rate
from croupier.reference_impl._domain._rg import (
    RG_ORDER,
    Limits,
    LimitState,
    RgVerdict,
    evaluate_rg,
    period_bounds,
)
from croupier.reference_impl._domain._time import iso, parse_iso, utcnow

__all__ = [
    "DEFAULT_CONTRIBUTIONS",
    "GAMES",
    "RG_ORDER",
    "BonusFunds",
    "DomainError",
    "LimitState",
    "Limits",
    "RgVerdict",
    "error_body",
    "evaluate_rg",
    "fund_stake",
    "game_type",
    "iso",
    "jackpot_contribution",
    "make_event",
    "new_id",
    "parse_iso",
    "parse_rate",
    "period_bounds",
    "render_rate",
    "utcnow",
    "wagering_contribution",
]
