"""Tenancy and data residency of stored rows: a brand sees only its players and sessions.

Another brand's player or session does not exist for the caller (`PLAYER_NOT_FOUND`,
`SESSION_NOT_FOUND`); the brand's own player or session in another region is refused with
`403 REGION_NOT_ALLOWED`: a player's data is served only in the region it resides in.
"""

from __future__ import annotations

from typing import Protocol

from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._store import Player, Session

__all__ = ["DEFAULT_BRAND", "DEFAULT_REGION", "player_visible", "session_visible"]

DEFAULT_BRAND = "brand_demo"
DEFAULT_REGION = "MT"


class _Caller(Protocol):
    @property
    def brand(self) -> str: ...

    @property
    def region(self) -> str: ...


def _residency(region: str, ctx: _Caller, what: str) -> None:
    if region != ctx.region:
        raise DomainError(
            "REGION_NOT_ALLOWED",
            f"the {what}'s data resides in another region than X-Region {ctx.region}",
            {"region": ctx.region},
        )


def player_visible(player: Player, ctx: _Caller) -> bool:
    """False for another brand's player; REGION_NOT_ALLOWED for a player resident elsewhere."""
    if player.brand_id != ctx.brand:
        return False
    _residency(player.region, ctx, "player")
    return True


def session_visible(session: Session, ctx: _Caller) -> bool:
    """False for another brand's session; REGION_NOT_ALLOWED for one opened in another region."""
    if session.tenant_id != ctx.brand:
        return False
    _residency(session.region, ctx, "session")
    return True
