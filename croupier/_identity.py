"""Who a call is for: the (provider, brand, region) identity, one value type everywhere.

Keys, tokens, players, idempotency records and audit entries are scoped by it, so no code
path can check the brand and forget the provider (or the region).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Identity"]


@dataclass(frozen=True)
class Identity:
    """A provider speaking for one brand (tenant) in one regulatory region."""

    provider: str
    brand: str
    region: str

    def headers(self) -> dict[str, str]:
        """The mandatory headers that name this identity."""
        return {"X-Brand-Id": self.brand, "X-Region": self.region, "X-Provider-Id": self.provider}
