"""The locustfile of `croupier certify --load`: Croupier's signed bet-and-settle player for Locust.

Locust imports this file in its own processes (a local run, or a master and its workers) and
never in certify's: Locust patches the standard library with gevent when it starts. What a run
needs comes from the JSON file named by `CROUPIER_LOAD_CONFIG` (written by `_load.py`, removed
after the run): where the platform is, the credentials, the players, the pace.

Each user opens a session for one of the players, then plays rounds: authorize a stake, settle
it with an equal win (a fixture account ends where it started). An answer the contract marks
retryable (or no answer) is sent again with the *same* idempotency key after a back-off, up to
three times, as a well-behaved provider would; every send of a key is counted per second, so
the report can tell a retry storm (many repeated keys per second) from a platform that answers.
The counts travel to the master with Locust's own worker reports.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections import defaultdict
from typing import Any

from locust import HttpUser, between, constant_throughput, events, task
from locust.runners import MasterRunner, WorkerRunner

from croupier import Credentials, new_idempotency_key, new_trace_id, sign_request

_CONFIG: dict[str, Any] = json.loads(
    open(os.environ["CROUPIER_LOAD_CONFIG"], encoding="utf-8").read()  # noqa: SIM115
)
_CREDS = Credentials(**_CONFIG["credentials"])
_PLAYERS: list[str] = _CONFIG["players"]
_NEXT_PLAYER = itertools.count()
_RETRIES = 3
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}

# Per second: sends, sends of a key sent before (retries), rounds given up. Shipped to the
# master with each worker report (then emptied), summed there.
_lock = threading.Lock()
_per_second: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
_seen_keys: set[str] = set()


def _count(key: str | None, gave_up: bool = False) -> None:
    second = int(time.time())
    with _lock:
        row = _per_second[second]
        if gave_up:
            row[2] += 1
            return
        row[0] += 1
        if key is not None:
            if key in _seen_keys:
                row[1] += 1
            else:
                _seen_keys.add(key)


def _drain() -> dict[str, list[int]]:
    with _lock:
        out = {str(second): list(row) for second, row in _per_second.items()}
        _per_second.clear()
    return out


_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])


def _merge(rows: dict[str, list[int]]) -> None:
    for second, row in rows.items():
        total = _totals[second]
        for i, value in enumerate(row):
            total[i] += value


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["croupier_keys"] = _drain()


_workers_seen: set[str] = set()


@events.worker_report.add_listener
def _collect(client_id: str, data: dict[str, Any], **_: Any) -> None:
    _workers_seen.add(client_id)
    _merge(data.get("croupier_keys", {}))


@events.quitting.add_listener
def _write_summary(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return
    _merge(_drain())  # a local run counted here, not through worker reports
    workers = len(_workers_seen) if isinstance(runner, MasterRunner) else 0
    summary = {
        "per_second": {k: v for k, v in sorted(_totals.items())},
        "workers": workers,
        "failures": [
            {"name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in environment.stats.errors.values()
        ],
        "cpu_warning": bool(
            getattr(runner, "cpu_warning_emitted", False)
            or getattr(runner, "worker_cpu_warning_emitted", False)
        ),
    }
    with open(_CONFIG["summary_file"], "w", encoding="utf-8") as out:
        json.dump(summary, out)


def _pace() -> Any:
    rate = _CONFIG.get("rate_per_user")
    return constant_throughput(rate) if rate else between(0.0, 0.01)


class CroupierBettor(HttpUser):
    """A provider's game server: signed authorize and settle rounds for one player."""

    wait_time = _pace()
    host = _CONFIG["base_url"]

    def on_start(self) -> None:
        """TLS and headers of the profile, a bearer token, and a session for one player."""
        tls = _CONFIG.get("tls") or {}
        if tls.get("ca") or not tls.get("verify", True):
            self.client.verify = tls.get("ca") if tls.get("verify", True) else False
        if tls.get("cert"):
            self.client.cert = (tls["cert"], tls["key"]) if tls.get("key") else tls["cert"]
        self.client.headers.update(_CONFIG.get("headers") or {})
        self.player = _PLAYERS[next(_NEXT_PLAYER) % len(_PLAYERS)]
        self.currency = _CONFIG["currencies"][self.player]
        self.token = ""
        self.token_expiry = 0.0
        self.session = ""
        self.gave_up = False
        self._open_session()

    # -- plumbing ------------------------------------------------------------------------------
    def _bearer(self) -> str:
        if time.time() > self.token_expiry - 30:
            reply = self.client.post(
                _CONFIG["token_url"],
                data={
                    "grant_type": "client_credentials",
                    "client_id": _CONFIG["client_id"],
                    "client_secret": _CONFIG["client_secret"],
                    "scope": " ".join(_CONFIG["scopes"]),
                },
                name="setup: token",
            )
            reply.raise_for_status()
            body = reply.json()
            self.token = str(body["access_token"])
            self.token_expiry = time.time() + float(body.get("expires_in", 300))
        return self.token

    def _send(self, name: str, path: str, body: dict[str, Any], key: str) -> Any:
        """One signed POST, sent again with the same key while the answer is retryable."""
        content = json.dumps(body, separators=(",", ":")).encode()
        self.gave_up = False
        retryable = False
        for attempt in range(_RETRIES + 1):
            headers = {
                "X-Trace-Id": new_trace_id(),
                **_CREDS.identity.headers(),
                "Content-Type": "application/json",
                "X-Idempotency-Key": key,
            }
            headers["X-Signature"] = sign_request(
                "POST", path, content, _CREDS.key_id, _CREDS.signing_key, headers=headers
            )
            headers["Authorization"] = f"Bearer {self._bearer()}"
            _count(key)
            with self.client.post(
                path, data=content, headers=headers, name=name, catch_response=True
            ) as reply:
                payload = _json(reply)
                code = payload.get("code") if isinstance(payload, dict) else None
                retryable = reply.status_code == 0 or reply.status_code in _RETRYABLE_STATUS
                if isinstance(payload, dict) and payload.get("retryable") is True:
                    retryable = True
                if code in ("SESSION_EXPIRED", "SESSION_CLOSED"):
                    reply.success()  # a contract answer: open a new session and go on
                    return None
                if 200 <= reply.status_code < 300:
                    reply.success()
                    return payload
                reply.failure(f"{reply.status_code} {code or ''}".strip())
            if not retryable or attempt == _RETRIES:
                break
            after = reply.headers.get("Retry-After") if reply.headers else None
            delay = float(after) if after and after.isdigit() else 0.2 * 2**attempt
            time.sleep(min(delay, 2.0))
        if retryable:
            _count(key, gave_up=True)
            self.gave_up = True
        return None

    def _open_session(self) -> None:
        path = "/v1/sessions"
        body = {
            "player_id": self.player,
            "game_id": _CONFIG["game"],
            "currency": self.currency,
            "locale": "en-GB",
        }
        created = self._send("setup: session", path, body, new_idempotency_key("load-ses"))
        self.session = str(created["session_id"]) if isinstance(created, dict) else ""

    # -- the round -----------------------------------------------------------------------------
    @task
    def bet_round(self) -> None:
        """Authorize a stake and settle it with an equal win."""
        if not self.session:
            self._open_session()
            return
        bet = new_idempotency_key("load-b")
        stake = {"amount": _CONFIG["stakes"][self.currency], "currency": self.currency}
        authorize = {
            "bet_id": bet,
            "round_id": f"r-{bet}",
            "session_id": self.session,
            "player_id": self.player,
            "game_id": _CONFIG["game"],
            "stake": stake,
        }
        held = self._send("authorizeBet", "/v1/bets/authorize", authorize, new_idempotency_key())
        if held is None:
            if self.gave_up:  # the outcome is unknown: cancel the stake, as a provider must
                rollback = {"bet_id": bet, "player_id": self.player, "reason": "timeout"}
                self._send("rollbackBet", "/v1/bets/rollback", rollback, new_idempotency_key())
            self.session = ""  # expired, closed, or refused: a fresh session next time
            return
        settle = {
            "bet_id": bet,
            "round_id": f"r-{bet}",
            "player_id": self.player,
            "win": stake,
        }
        self._send("settleBet", "/v1/bets/settle", settle, new_idempotency_key())


def _json(reply: Any) -> Any:
    try:
        return reply.json()
    except ValueError:
        return None
