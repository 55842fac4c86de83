"""A reference game-server client (RGS) that plays rounds against any platform, and broken twins.

The well-behaved simulator is the example providers read: one key per logical request reused
on every retry, exponential backoff with jitter, a rollback when an authorize's outcome is
unknown, settles retried until answered, a stop on definitive refusals, RG and session
expiry honoured, the bonus max bet respected, events that follow schemas/. Each `flaw`
breaks exactly one of those habits, so the judge can be proven to catch it.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from croupier import ContractClient, format_minor, parse_amount

__all__ = ["FLAWS", "ProviderSimulator", "SimulatorOptions", "SimulatorResult"]

# flaw id -> what the broken client does (and the check that must catch it).
FLAWS: dict[str, str] = {
    "new-key-on-retry": "retries a failed settle under a fresh idempotency key",
    "changes-body-on-retry": "retries a failed settle with the same key but another body",
    "never-rolls-back": "leaves a timed-out authorize alone instead of rolling it back",
    "gives-up-settle": "stops after the first failed settle",
    "retry-storm": "retries without waiting",
    "retries-non-retryable": "sends a definitively refused request again",
    "duplicate-settle": "settles a settled bet again under a new key",
    "drops-trace-id": "sends settles without X-Trace-Id",
    "static-trace-id": "uses one trace id for every call",
    "missing-idempotency-key": "sends settles without X-Idempotency-Key",
    "unsigned-settles": "sends settles without X-Signature",
    "float-amounts": "sends stakes as JSON numbers",
    "settles-before-authorize-answer": "sends the settle while the authorize is in flight",
    "ignores-rg-refusal": "keeps betting for a player after an RG refusal",
    "ignores-session-expiry": "keeps betting on an expired session",
    "exceeds-max-bet": "keeps its stake after MAX_BET_EXCEEDED",
    "invalid-events": "publishes session.ended without its reason",
    "duplicate-event-ids": "publishes every event under the same event id",
    "events-out-of-order": "publishes a session's start after its end",
}

_STOP_PLAYER = (
    "RG_SELF_EXCLUDED",
    "RG_LOSS_LIMIT",
    "RG_TIME_LIMIT",
    "RG_STAKE_LIMIT",
    "PLAYER_BLOCKED",
    "KYC_DENIED",
    "INSUFFICIENT_FUNDS",
)


@dataclass(frozen=True)
class SimulatorOptions:
    """How the simulator plays."""

    rounds: int = 16
    players: tuple[tuple[str, str], ...] = (("p_demo_1", "EUR"), ("p_demo_2", "USD"))
    game_id: str = "game_slots_demo"
    stake: str = "1.00"
    seed: int = 0
    backoff_base_s: float = 0.1
    backoff_cap_s: float = 2.0
    max_attempts: int = 8
    flaw: str | None = None


@dataclass
class SimulatorResult:
    """What the simulator did."""

    rounds: int = 0
    settled: int = 0
    rolled_back: int = 0
    refused: int = 0
    calls: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "rounds": self.rounds,
            "settled": self.settled,
            "rolled_back": self.rolled_back,
            "refused": self.refused,
            "calls": self.calls,
            "notes": self.notes,
        }


@dataclass
class _Answer:
    status: int | None
    body: Any

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        if self.status is None or self.status >= 500:
            return True
        return isinstance(self.body, dict) and self.body.get("retryable") is True

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


def _now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ProviderSimulator:
    """Plays rounds: open a session, authorize, settle (or roll back), end, publish events."""

    def __init__(
        self,
        client: ContractClient,
        options: SimulatorOptions | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.options = options or SimulatorOptions()
        if self.options.flaw is not None and self.options.flaw not in FLAWS:
            raise ValueError(f"unknown flaw {self.options.flaw!r}; choose from {', '.join(FLAWS)}")
        self.flaw = self.options.flaw
        self.rng = random.Random(self.options.seed)
        self.tag = uuid.uuid4().hex[:8]
        self.result = SimulatorResult()
        self.max_bet: dict[str, int] = {}
        self.static_trace = f"trc-static-{self.tag}"
        self.static_event_id = f"evt-static-{self.tag}"
        self._log = log or (lambda message: None)
        self._bets = 0

    # ---------------------------------------------------------------- transport

    def _trace(self) -> str:
        return self.static_trace if self.flaw == "static-trace-id" else f"trc-{uuid.uuid4().hex}"

    def _send(self, method: str, path: str, body: Any, key: str | None, trace: str) -> _Answer:
        settle = path == "/v1/bets/settle"
        drop: tuple[str, ...] = ()
        if settle and self.flaw == "drops-trace-id":
            drop = ("X-Trace-Id",)
        self.result.calls += 1
        try:
            response = self.client.call(
                method,
                path,
                body,
                idempotency_key=None if settle and self.flaw == "missing-idempotency-key" else key,
                auto_key=False,
                trace_id=trace,
                sign=not (settle and self.flaw == "unsigned-settles"),
                drop=drop,
            )
        except httpx.TransportError as exc:  # no answer: the outcome is unknown
            self._log(f"{method} {path}: no answer ({type(exc).__name__})")
            return _Answer(None, None)
        try:
            data = response.json()
        except ValueError:
            data = None
        return _Answer(response.status_code, data)

    def _pause(self, attempt: int) -> None:
        if self.flaw == "retry-storm":
            return
        # Exponential backoff with "equal jitter": half the step fixed, half random, so each
        # pause is at least as long as the previous step and retries never synchronize.
        step = min(self.options.backoff_cap_s, self.options.backoff_base_s * 2 ** (attempt - 1))
        time.sleep(step / 2 + self.rng.uniform(0, step / 2))

    def _once(self, method: str, path: str, body: Any, key: str | None, trace: str) -> _Answer:
        answer = self._send(method, path, body, key, trace)
        if self.flaw == "retries-non-retryable" and answer.status and answer.status >= 400:
            if not answer.retryable:
                self._pause(1)
                answer = self._send(method, path, body, key, trace)
        return answer

    def _until_answered(self, method: str, path: str, body: Any, key: str, trace: str) -> _Answer:
        """Send, and on a retryable outcome retry with the same key and body, backing off."""
        attempt = 0
        while True:
            answer = self._once(method, path, body, key, trace)
            if not answer.retryable:
                return answer
            attempt += 1
            if attempt >= self.options.max_attempts:
                self.result.notes.append(f"gave up {path} after {attempt} attempts")
                return answer
            if path == "/v1/bets/settle":
                if self.flaw == "gives-up-settle":
                    return answer
                if self.flaw == "new-key-on-retry":
                    key = f"{key}-again{attempt}"
                if self.flaw == "changes-body-on-retry":
                    body = {**body, "round_closed": attempt % 2 == 1}
            self._pause(attempt)

    # ---------------------------------------------------------------- sessions and events

    def _open(self, player: str, currency: str) -> dict[str, Any] | None:
        body = {
            "player_id": player,
            "game_id": self.options.game_id,
            "currency": currency,
            "locale": "en-GB",
        }
        key = f"ses-{self.tag}-{player}-{uuid.uuid4().hex[:8]}"
        answer = self._until_answered("POST", "/v1/sessions", body, key, self._trace())
        if not answer.ok:
            self._log(f"no session for {player}: {answer.code}")
            return None
        assert isinstance(answer.body, dict)
        return answer.body

    def _event(
        self, event_type: str, session: dict[str, Any], payload: dict[str, Any]
    ) -> dict[str, Any]:
        creds = self.client.credentials
        event_id = (
            self.static_event_id
            if self.flaw == "duplicate-event-ids"
            else f"evt-{uuid.uuid4().hex[:24]}"
        )
        return {
            "event_type": event_type,
            "schema_version": "1.0.0",
            "event_id": event_id,
            "occurred_at": _now(),
            "tenant_id": creds.brand,
            "region": creds.region,
            "player_id": session["player_id"],
            "trace_id": self._trace(),
            "payload": payload,
            "idempotency_key": f"idem-{event_id}-{uuid.uuid4().hex[:6]}",
        }

    def _publish(self, event: dict[str, Any]) -> None:
        key = f"pub-{uuid.uuid4().hex[:16]}"
        self._until_answered("POST", "/v1/events", event, key, event["trace_id"])

    def _started_event(self, session: dict[str, Any]) -> dict[str, Any]:
        return self._event(
            "session.started",
            session,
            {
                "session_id": session["session_id"],
                "game_id": session["game_id"],
                "currency": session["currency"],
                "locale": session["locale"],
                "expires_at": session["expires_at"],
            },
        )

    def _close(self, session: dict[str, Any], started: dict[str, Any] | None) -> None:
        key = f"end-{session['session_id']}"
        path = f"/v1/sessions/{session['session_id']}/end"
        self._until_answered("POST", path, {"reason": "player_logout"}, key, self._trace())
        payload: dict[str, Any] = {
            "session_id": session["session_id"],
            "reason": "player_logout",
            "duration_seconds": 1,
        }
        if self.flaw == "invalid-events":
            del payload["reason"]
        ended = self._event("session.ended", session, payload)
        if started is not None and self.flaw == "events-out-of-order":
            time.sleep(0.002)  # the end strictly after the start, at millisecond precision
            ended["occurred_at"] = _now()
            self._publish(ended)
            self._publish(started)
            return
        self._publish(ended)

    # ---------------------------------------------------------------- rounds

    def _stake(self, player: str, currency: str) -> int:
        stake = parse_amount(self.options.stake, currency)
        if self.flaw != "exceeds-max-bet" and player in self.max_bet:
            stake = min(stake, self.max_bet[player])
        return stake

    def _round(self, session: dict[str, Any], currency: str) -> str:
        player = session["player_id"]
        self._bets += 1
        bet_id = f"b-{self.tag}-{self._bets}"
        round_id = f"r-{self.tag}-{self._bets}"
        trace = self._trace()
        stake = self._stake(player, currency)
        amount: Any = format_minor(stake, currency)
        if self.flaw == "float-amounts":
            amount = float(amount)
        body = {
            "bet_id": bet_id,
            "round_id": round_id,
            "session_id": session["session_id"],
            "player_id": player,
            "game_id": self.options.game_id,
            "stake": {"amount": amount, "currency": currency},
        }
        win = self.rng.choice([0, 0, stake // 2, stake * 2])
        settle_body = {
            "bet_id": bet_id,
            "round_id": round_id,
            "player_id": player,
            "win": {"amount": format_minor(win, currency), "currency": currency},
            "round_closed": True,
        }
        if self.flaw == "settles-before-authorize-answer":
            answers: list[_Answer] = []
            thread = threading.Thread(
                target=lambda: answers.append(
                    self._send("POST", "/v1/bets/authorize", body, f"auth-{bet_id}", trace)
                )
            )
            thread.start()
            time.sleep(0.05)
            self._send("POST", "/v1/bets/settle", settle_body, f"settle-{bet_id}", trace)
            thread.join()
            self.result.settled += 1
            return "settled"
        answer = self._once("POST", "/v1/bets/authorize", body, f"auth-{bet_id}", trace)
        if answer.ok:
            self._until_answered("POST", "/v1/bets/settle", settle_body, f"settle-{bet_id}", trace)
            if self.flaw == "duplicate-settle":
                self._send("POST", "/v1/bets/settle", settle_body, f"settle2-{bet_id}", trace)
            self.result.settled += 1
            return "settled"
        if answer.retryable:
            # The hold may or may not exist: release it (a rollback of an unknown bet is a
            # no-op that leaves a tombstone, so a late authorize cannot place it either).
            if self.flaw != "never-rolls-back":
                rollback = {
                    "bet_id": bet_id,
                    "round_id": round_id,
                    "player_id": player,
                    "reason": "timeout",
                }
                self._until_answered(
                    "POST", "/v1/bets/rollback", rollback, f"rollback-{bet_id}", trace
                )
            self.result.rolled_back += 1
            return "rolled_back"
        self.result.refused += 1
        code = answer.code
        self._log(f"bet {bet_id} refused: {code}")
        if code in ("SESSION_EXPIRED", "SESSION_CLOSED"):
            return "session_over"
        if code in _STOP_PLAYER:
            return "player_stop"
        if code == "MAX_BET_EXCEEDED":
            details = answer.body.get("details") or {}
            cap = (details.get("max_bet") or {}).get("amount")
            if isinstance(cap, str):
                self.max_bet[player] = parse_amount(cap, currency)
            return "max_bet"
        return "refused"

    def run(self) -> SimulatorResult:
        """Play `rounds` rounds over the players in turn; return what happened."""
        target = self.options.rounds
        guard = target * 4 + 8
        for player, currency in self.options.players:
            if self.result.rounds >= target or guard <= 0:
                break
            session = self._open(player, currency)
            if session is None:
                continue
            started = self._started_event(session)
            if self.flaw != "events-out-of-order":
                self._publish(started)
            strikes = 0
            while self.result.rounds < target and guard > 0:
                guard -= 1
                outcome = self._round(session, currency)
                if outcome in ("settled", "rolled_back", "refused"):
                    self.result.rounds += 1
                elif outcome == "session_over":
                    if self.flaw == "ignores-session-expiry" and strikes < 2:
                        strikes += 1
                        continue
                    reopened = self._open(player, currency)
                    if reopened is None:
                        break
                    session = reopened
                    started = self._started_event(session)
                    if self.flaw != "events-out-of-order":
                        self._publish(started)
                elif outcome == "player_stop":
                    if self.flaw == "ignores-rg-refusal" and strikes < 2:
                        strikes += 1
                        continue
                    break
                elif outcome == "max_bet" and self.flaw == "exceeds-max-bet":
                    strikes += 1
                    if strikes > 2:
                        break
            self._close(session, started if self.flaw == "events-out-of-order" else None)
        return self.result
