"""Consumer check: feed an event consumer duplicates and late events, judge its projection.

May import `croupier` (the contract, to build schema-valid events), httpx and nats-py;
nothing imports it but `croupier.cli` (through `_command`).
"""

from croupier.conformance.consumer._check import (
    SCENARIOS,
    ConsumerError,
    JetStreamFeed,
    Scenario,
    ScenarioResult,
    run_consumer_check,
)
from croupier.conformance.consumer._stream import Expected, PlayerStream, build_streams

__all__ = [
    "SCENARIOS",
    "ConsumerError",
    "Expected",
    "JetStreamFeed",
    "PlayerStream",
    "Scenario",
    "ScenarioResult",
    "build_streams",
    "run_consumer_check",
]
