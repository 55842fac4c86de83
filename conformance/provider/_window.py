"""A session window: load a fault script into a sandbox, let a provider play, collect traffic."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

__all__ = ["SessionWindow", "WindowError", "count_rounds", "script_body"]


class WindowError(Exception):
    """The sandbox cannot host a session window (unreachable, no recording surface)."""


def script_body(script: str, seed: int | None) -> dict[str, Any]:
    """The loadFaultScript body for a built-in name or a YAML file path."""
    body: dict[str, Any]
    path = Path(script)
    if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise WindowError(f"cannot read the script {script}: {exc}") from None
        if not isinstance(data, dict):
            raise WindowError(f"the script {script} is not a mapping")
        body = {"script": data}
    else:
        body = {"name": script}
    if seed is not None:
        body["seed"] = seed
    return body


def count_rounds(exchanges: list[dict[str, Any]]) -> int:
    """Rounds the provider finished: bets settled or rolled back, or authorizes refused."""
    done: set[str] = set()
    for e in exchanges:
        bet = e.get("bet_id")
        status = e["response"]["status"]
        if not bet:
            continue
        operation = e.get("operation_id")
        if operation in ("settleBet", "rollbackBet") and 200 <= status < 300:
            done.add(bet)
        elif operation == "authorizeBet" and 400 <= status < 500:
            done.add(bet)
    return len(done)


@dataclass
class SessionWindow:
    """One window on one sandbox for one provider."""

    http: httpx.Client
    provider: str
    brand: str | None = None

    def open(self, script: dict[str, Any]) -> dict[str, Any]:
        """Check the sandbox, load the script; the window starts now."""
        try:
            health = self.http.get("/health")
        except httpx.HTTPError as exc:
            raise WindowError(
                f"the sandbox at {self.http.base_url} is unreachable: {exc}"
            ) from None
        if health.status_code != 200:
            raise WindowError(f"the sandbox answered /health with {health.status_code}")
        loaded = self.http.put("/sandbox/script", json=script)
        if loaded.status_code == 404:
            raise WindowError("the target has no recording surface (PUT /sandbox/script is 404)")
        if loaded.status_code != 200:
            raise WindowError(f"the sandbox refused the script: {loaded.text[:300]}")
        self.since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        state = loaded.json()
        assert isinstance(state, dict)
        return state

    def traffic(self) -> list[dict[str, Any]]:
        """Every exchange of the provider since the window opened."""
        rows: list[dict[str, Any]] = []
        after = 0
        while True:
            query: dict[str, Any] = {
                "provider_id": self.provider,
                "since": self.since,
                "after": after,
                "limit": 1000,
            }
            if self.brand:
                query["brand_id"] = self.brand
            page = self.http.get("/sandbox/recordings", params=query)
            if page.status_code != 200:
                raise WindowError(f"cannot read the recordings: {page.text[:300]}")
            data = page.json()
            rows += data["exchanges"]
            if len(data["exchanges"]) < 1000:
                return rows
            after = data["next_after"]

    def wait(
        self,
        rounds: int,
        timeout_s: float,
        done: Callable[[], bool] | None = None,
        tick: Callable[[int], None] | None = None,
        grace_s: float = 2.0,
    ) -> list[dict[str, Any]]:
        """Poll until `rounds` rounds are done, `done()` says so, or the time is up."""
        deadline = time.monotonic() + timeout_s
        while True:
            rows = self.traffic()
            finished = count_rounds(rows)
            if tick is not None:
                tick(finished)
            if done is not None and done():
                return self.traffic()
            if finished >= rounds:
                # The provider's last calls of the round (session end, events) follow it.
                time.sleep(grace_s)
                return self.traffic()
            if time.monotonic() >= deadline:
                return rows
            time.sleep(0.5)

    def close(self) -> None:
        """Stop playing the script."""
        try:
            self.http.delete("/sandbox/script")
        except httpx.HTTPError:
            pass
