"""Fixtures: a recording sandbox in process, and a helper that plays the simulator and judges."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from croupier import ContractClient, load_contract
from croupier.conformance.provider import (
    ProviderRun,
    ProviderSimulator,
    SimulatorOptions,
    judge,
    parse_traffic,
)
from croupier.reference_impl import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CONTRACT = load_contract()
# The flaw that needs an authorize in flight long enough for a settle to overtake it.
SLOW_AUTHORIZE = {
    "script": {
        "name": "slow-authorize",
        "steps": [
            {
                "id": "slow-authorize",
                "operation_id": "authorizeBet",
                "times": 1000,
                "action": "delay",
                "delay_ms": 300,
            }
        ],
    }
}


def _client(url: str) -> Iterator[TestClient]:
    app = create_app(url, nats_url=None, contract=CONTRACT)
    with TestClient(app) as client:
        assert client.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        client.delete("/sandbox/recordings")
        yield client


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[TestClient]:
    """A fresh recording sandbox on SQLite."""
    yield from _client(f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}")


@pytest.fixture(params=["sqlite", "postgres"])
def any_sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """A fresh recording sandbox on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from _client(f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}")
        return
    yield from _client(request.getfixturevalue("pg_fresh_url"))


def recorded(http: Any) -> dict[str, Any]:
    page = http.get("/sandbox/recordings", params={"limit": 1000}).json()
    assert len(page["exchanges"]) < 1000
    return dict(page)


@pytest.fixture
def play() -> Callable[..., ProviderRun]:
    """Load a script, play the simulator (maybe flawed), judge what the sandbox recorded."""

    def run(
        http: Any, flaw: str | None = None, script: dict[str, Any] | None = None
    ) -> ProviderRun:
        body = script or {"name": "default"}
        assert http.put("/sandbox/script", json=body).status_code == 200
        ProviderSimulator(ContractClient(http), SimulatorOptions(flaw=flaw)).run()
        return judge(parse_traffic(recorded(http), CONTRACT), CONTRACT, source="test")

    return run
