"""Outbox-to-bus lag (GET /sandbox/events/lag) and Prometheus metrics (GET /metrics)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._store import OutboxEvent, Store

from .conftest import CONTRACT, TestClient, check_response, open_session

NATS_ENV = "CROUPIER_TEST_NATS_URL"
BUDGET = {"p95_ms": 60000, "max_ms": 300000}  # schemas/delivery.yaml


def samples(http: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_requests_are_timed_per_operation_and_status(http: TestClient, api: ContractClient) -> None:
    open_session(api)
    api.call("GET", "/v1/players/p_nobody/balance")
    found = samples(http)
    created = (
        "croupier_request_duration_seconds_count",
        (("operation", "createSession"), ("status", "201")),
    )
    missing = (
        "croupier_request_duration_seconds_count",
        (("operation", "getBalance"), ("status", "404")),
    )
    assert found[created] == 1 and found[missing] == 1
    assert found[("croupier_relay_lag_budget_seconds", (("quantile", "0.95"),))] == 60
    assert found[("croupier_relay_lag_budget_seconds", (("quantile", "1"),))] == 300


def test_without_a_relay_nothing_is_measured(http: TestClient, api: ContractClient) -> None:
    open_session(api)
    lag = http.get("/sandbox/events/lag").json()
    assert lag["measured"] == 0 and lag["undelivered"] >= 1 and lag["budget"] == BUDGET
    assert "p95_ms" not in lag and "within_budget" not in lag
    assert samples(http)[("croupier_relay_lag_seconds_count", ())] == 0


def _insert_published(database_url: str, lags_ms: list[int]) -> None:
    async def run() -> None:
        store = Store(database_url)
        try:
            async with store.session() as s, s.begin():
                base = 1_900_000_000_000_000
                for i, lag in enumerate(lags_ms):
                    s.add(
                        OutboxEvent(
                            event_id=f"evt_lag_{uuid.uuid4().hex}",
                            event_type="session.started",
                            tenant_id="brand_demo",
                            player_id="p_demo_1",
                            body="{}",
                            delivered=True,
                            created_us=base + i,
                            published_us=base + i + lag * 1000,
                        )
                    )
        finally:
            await store.dispose()

    asyncio.run(run())


def test_percentiles_histogram_and_budget_from_known_lags(
    http: TestClient, database_url: str
) -> None:
    # 1..100 ms: nearest-rank p50 = 50, p95 = 95; one event at 400 s breaks the max budget.
    _insert_published(database_url, list(range(1, 101)))
    lag = http.get("/sandbox/events/lag").json()
    assert (lag["measured"], lag["p50_ms"], lag["p95_ms"], lag["max_ms"]) == (100, 50, 95, 100)
    assert lag["within_budget"] is True
    found = samples(http)
    assert found[("croupier_relay_lag_seconds_bucket", (("le", "0.05"),))] == 50
    assert found[("croupier_relay_lag_seconds_bucket", (("le", "0.1"),))] == 100
    assert found[("croupier_relay_lag_seconds_count", ())] == 100
    assert found[("croupier_relay_lag_seconds_sum", ())] == pytest.approx(5.05)
    _insert_published(database_url, [400_000])
    lag = http.get("/sandbox/events/lag").json()
    assert lag["max_ms"] == 400_000 and lag["within_budget"] is False


@pytest.mark.nats
def test_the_relay_measures_every_published_event(tmp_path: Any) -> None:
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS relay: set {NATS_ENV}=nats://127.0.0.1:4222")
    app = create_app(
        f"sqlite+aiosqlite:///{tmp_path / 'lag.db'}",
        nats_url=url,
        relay_interval=0.05,
        contract=CONTRACT,
    )
    with TestClient(app) as http:
        http.event_hooks = {"request": [], "response": [check_response]}
        open_session(ContractClient(http))
        emitted = len(http.get("/sandbox/events").json()["events"])
        deadline = time.monotonic() + 20
        lag = http.get("/sandbox/events/lag").json()
        while lag["measured"] < emitted and time.monotonic() < deadline:
            time.sleep(0.1)
            lag = http.get("/sandbox/events/lag").json()
        assert lag["measured"] == emitted >= 1 and lag["undelivered"] == 0
        assert 0 <= lag["p50_ms"] <= lag["p95_ms"] <= lag["max_ms"]
        assert lag["within_budget"] is True
        assert samples(http)[("croupier_relay_lag_seconds_count", ())] == emitted
