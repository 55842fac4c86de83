"""The outbox relay publishes to NATS JetStream with Nats-Msg-Id = event_id."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime

import pytest

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._relay import STREAM, shuffle_across_players, subject_for

from .conftest import CONTRACT, TestClient, check_response, open_session

NATS_ENV = "CROUPIER_TEST_NATS_URL"


def test_subject_is_the_partition_key():
    assert subject_for("brand_demo", "p.demo*1") == "croupier.events.brand_demo.p_demo_1"


def test_out_of_order_keeps_each_players_order():
    import random
    from types import SimpleNamespace

    rows = [SimpleNamespace(tenant_id="t", player_id=f"p{i % 3}", n=i) for i in range(30)]
    shuffled = shuffle_across_players(rows, random.Random(7))
    assert sorted(r.n for r in shuffled) == list(range(30))
    for p in ("p0", "p1", "p2"):
        mine = [r.n for r in shuffled if r.player_id == p]
        assert mine == sorted(mine)


@pytest.mark.nats
def test_relay_publishes_the_outbox(tmp_path):
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS relay: set {NATS_ENV}=nats://127.0.0.1:4222")
    started = datetime.now(UTC)
    app = create_app(
        f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
        nats_url=url,
        relay_interval=0.05,
        contract=CONTRACT,
    )
    with TestClient(app) as http:
        http.event_hooks = {"request": [], "response": [check_response]}
        open_session(ContractClient(http))
        ids = {e["event"]["event_id"] for e in http.get("/sandbox/events").json()["events"]}
        got: dict[str, bytes] = {}
        deadline = time.monotonic() + 10
        while not ids <= set(got) and time.monotonic() < deadline:
            got.update(asyncio.run(fetch(url, started)))
    assert ids and ids <= set(got), (ids, set(got))


async def fetch(url: str, started: datetime) -> dict[str, bytes]:
    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            subject_for("brand_demo", "p_demo_1"),
            stream=STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=started.isoformat()
            ),
        )
        got: dict[str, bytes] = {}
        for _ in range(20):
            try:
                msgs = await sub.fetch(50, timeout=0.5)
            except TimeoutError:
                break
            for m in msgs:
                got[m.headers.get("Nats-Msg-Id", "") if m.headers else ""] = m.data
                await m.ack()
        return got
    finally:
        await nc.close()
