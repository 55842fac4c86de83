"""The operator's game catalog as the sandbox knows it."""

from __future__ import annotations

__all__ = ["GAMES", "game_type"]

# game id -> game type (the wagering-contribution class of the game).
GAMES: dict[str, str] = {
    "game_slots_demo": "slots",
    "game_blackjack_demo": "table",
    "game_live_roulette": "live",
    "game_crash_demo": "crash",
}


def game_type(game_id: str) -> str | None:
    """The game's type, or None when the game is not in the catalog."""
    return GAMES.get(game_id)
