"""What a check sees: the traffic, the contract, the judge's settings and shared helpers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from croupier import Contract
from croupier.conformance.provider._traffic import Exchange

__all__ = ["JudgeContext", "JudgeSettings", "chain_key"]

_BET_OPERATIONS = ("authorizeBet", "settleBet", "rollbackBet")


@dataclass(frozen=True)
class JudgeSettings:
    """Thresholds of the timing checks."""

    min_retry_gap_ms: float = 50.0  # a retry waits at least this long after the last answer
    max_attempts_per_second: int = 5  # per request chain, in any one-second window
    shrink_tolerance: float = 0.5  # a retry gap may not fall below this share of the last one
    # Gaps are read off the platform's clock: an answer reaches the provider, and its retry
    # reaches the platform, later than recorded when either machine is busy. A gap counts as
    # shrunk only when it is short by more than this allowance too (a loaded sandbox was seen
    # to add some 250 ms to one gap of a well-behaved provider and not to the next).
    shrink_slack_ms: float = 300.0


def chain_key(e: Exchange) -> tuple[str, ...] | None:
    """Which logical request a write belongs to (its retries share the key); None for reads."""
    if not e.write or e.operation_id is None:
        return None
    if e.operation_id in _BET_OPERATIONS and e.bet_id:
        return (e.operation_id, e.bet_id)
    if e.operation_id == "createSession":
        body = e.body if isinstance(e.body, dict) else {}
        return (e.operation_id, str(body.get("player_id")), str(body.get("game_id")))
    if e.operation_id == "endSession" and e.session_id:
        return (e.operation_id, e.session_id)
    if e.operation_id == "publishEvent":
        body = e.body if isinstance(e.body, dict) else {}
        return (e.operation_id, str(body.get("event_id")))
    return (e.operation_id, e.idempotency_key or f"#{e.index}")


@dataclass
class JudgeContext:
    """The traffic under judgement."""

    traffic: list[Exchange]
    contract: Contract
    settings: JudgeSettings = field(default_factory=JudgeSettings)
    examined: set[int] = field(default_factory=set)

    def look(self, *exchanges: Exchange) -> None:
        """Mark exchanges as evidence the check looked at."""
        self.examined.update(e.index for e in exchanges)

    def calls(self, *operation_ids: str) -> list[Exchange]:
        """The exchanges of these operations (all when none is named), in order."""
        if not operation_ids:
            return list(self.traffic)
        return [e for e in self.traffic if e.operation_id in operation_ids]

    def chains(self) -> dict[tuple[str, ...], list[Exchange]]:
        """Writes grouped by logical request, each group in order."""
        groups: dict[tuple[str, ...], list[Exchange]] = defaultdict(list)
        for e in self.traffic:
            key = chain_key(e)
            if key is not None:
                groups[key].append(e)
        return dict(groups)

    def retries(self) -> list[tuple[Exchange, Exchange]]:
        """(attempt, next attempt) pairs of a chain where the attempt's outcome was retryable."""
        pairs = []
        for group in self.chains().values():
            for before, after in zip(group, group[1:], strict=False):
                if before.retryable:
                    pairs.append((before, after))
        return pairs
