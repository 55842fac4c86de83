"""The event stream a consumer is fed, and the projection it must end up reporting.

Per player, three bets in order: one settled with a win, one rolled back, one settled with
nothing won; each money event comes with its wallet event (same instant, same balance).
Events are built from the contract's own examples (so they stay schema-valid as the
contract grows) and each player's instants are a second apart, so `occurred_at` orders them.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from croupier import Contract

__all__ = ["Expected", "PlayerStream", "build_streams"]

CURRENCY = "EUR"
START = Decimal("100.00")
# (bet, stake, outcome, win): the bets of every player, in order.
_BETS = (
    ("1", "1.00", "settled", "2.50"),
    ("2", "5.00", "rolled_back", None),
    ("3", "2.00", "settled", "0.00"),
)


def _money(value: Decimal) -> dict[str, str]:
    return {"amount": f"{value:.2f}", "currency": CURRENCY}


@dataclass
class Expected:
    """What a correct consumer reports for a player after the whole stream."""

    balance: Decimal
    turnover: Decimal
    payouts: Decimal
    bets: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """The projection's JSON shape."""
        return {
            "balance": _money(self.balance),
            "turnover": _money(self.turnover),
            "payouts": _money(self.payouts),
            "bets": dict(self.bets),
        }


@dataclass
class PlayerStream:
    """One player's events in the order they happened, and the projection they add up to."""

    tenant_id: str
    player_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    expected: Expected | None = None


class _Builder:
    def __init__(self, contract: Contract, tenant: str, player: str, start: dt.datetime) -> None:
        self.contract = contract
        self.tenant, self.player = tenant, player
        self.at = start
        self.n = 0
        self.events: list[dict[str, Any]] = []

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        template = copy.deepcopy(self.contract.event(event_type).examples[0][1])
        self.n += 1
        body = {**template.get("payload", {}), **payload}
        self.events.append(
            {
                **template,
                "event_id": f"evt_cc_{uuid.uuid4().hex[:24]}",
                "occurred_at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tenant_id": self.tenant,
                "player_id": self.player,
                "trace_id": f"trc-cc-{uuid.uuid4().hex[:16]}",
                "idempotency_key": f"idem-cc-{uuid.uuid4().hex[:16]}",
                "payload": body,
            }
        )

    def tick(self) -> None:
        self.at += dt.timedelta(seconds=1)


def _player_stream(
    contract: Contract, tenant: str, player: str, start: dt.datetime
) -> PlayerStream:
    b = _Builder(contract, tenant, player, start)
    balance, turnover, payouts = START, Decimal(0), Decimal(0)
    bets: dict[str, str] = {}
    for suffix, stake_text, outcome, win_text in _BETS:
        bet_id = f"b-{player}-{suffix}"[:64]
        stake = Decimal(stake_text)
        balance -= stake
        common = {"bet_id": bet_id, "round_id": f"r-{player}-{suffix}"[:64]}
        b.emit(
            "bet.authorized",
            {
                **common,
                "stake": _money(stake),
                "funded_from": {"cash": _money(stake), "bonus": _money(Decimal(0))},
                "balance_after": _money(balance),
            },
        )
        b.emit(
            "wallet.debit",
            {
                "transaction_id": f"tx-{uuid.uuid4().hex[:16]}",
                "bet_id": bet_id,
                "amount": _money(stake),
                "reason": "bet",
                "balance_after": _money(balance),
            },
        )
        b.tick()
        if outcome == "settled":
            win = Decimal(win_text or "0")
            balance += win
            turnover += stake
            payouts += win
            b.emit(
                "bet.settled",
                {
                    **common,
                    "stake": _money(stake),
                    "win": _money(win),
                    "win_breakdown": {"base": _money(win)},
                    "balance_after": _money(balance),
                },
            )
            if win:
                b.emit(
                    "wallet.credit",
                    {
                        "transaction_id": f"tx-{uuid.uuid4().hex[:16]}",
                        "bet_id": bet_id,
                        "amount": _money(win),
                        "reason": "win",
                        "balance_after": _money(balance),
                    },
                )
        else:
            balance += stake
            b.emit(
                "bet.rolled_back",
                {
                    **common,
                    "released": _money(stake),
                    "tombstone": False,
                    "reason": "timeout",
                    "balance_after": _money(balance),
                },
            )
            b.emit(
                "wallet.credit",
                {
                    "transaction_id": f"tx-{uuid.uuid4().hex[:16]}",
                    "bet_id": bet_id,
                    "amount": _money(stake),
                    "reason": "rollback",
                    "balance_after": _money(balance),
                },
            )
        bets[bet_id] = outcome
        b.tick()
    return PlayerStream(tenant, player, b.events, Expected(balance, turnover, payouts, bets))


def build_streams(
    contract: Contract, run_id: str, players: int = 3, tenant: str = "brand_demo"
) -> list[PlayerStream]:
    """Fresh players (their ids carry the run id) and their streams, each event schema-valid."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    out = [
        _player_stream(contract, tenant, f"p_cc_{run_id}_{i}", start + dt.timedelta(minutes=i))
        for i in range(players)
    ]
    for stream in out:
        for event in stream.events:
            errors = contract.validate_event(event)
            if errors:
                raise ValueError(
                    f"the consumer check built an invalid {event['event_type']}: {errors[0]}"
                )
    return out
