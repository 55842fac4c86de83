"""Dual-write: behind a persisted flag, an event goes out under major 1 and major 2 together.

The contract has no second major yet, so a copy of it gets a test-only bet.settled/2.json
(tests/data/dual_write: `win` renamed `payout`, `payload.lineage` naming the v1 event).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from croupier import ContractClient
from croupier.reference_impl import create_app
from croupier.reference_impl._dual_write import DualWriter
from croupier.reference_impl._relay import STREAM, subject_for

from .conftest import CONTRACT, TestClient, authorize, contract_copy, open_session, settle

DATA = Path(__file__).resolve().parents[1] / "data" / "dual_write" / "schemas"
NATS_ENV = "CROUPIER_TEST_NATS_URL"


@pytest.fixture
def two_majors(tmp_path: Path) -> Any:
    return contract_copy(tmp_path / "contract", extra_schemas=DATA)


def _app(database_url: str, contract: Any, **options: Any) -> Any:
    return create_app(database_url, contract=contract, **{"nats_url": None, **options})


def _settle_once(api: ContractClient, player: str) -> str:
    session = open_session(api, player=player)
    bet = f"b-{uuid.uuid4().hex[:10]}"
    assert authorize(api, session, bet, player=player).status_code == 200
    assert settle(api, bet, win="2.50", player=player).status_code == 200
    return bet


def _events(http: TestClient, contract: Any, player: str) -> list[dict[str, Any]]:
    page = http.get("/sandbox/events", params={"player_id": player, "limit": 1000}).json()
    out = [e["event"] for e in page["events"]]
    for event in out:
        assert contract.validate_event(event) == [], event
    return out


def _new_player(http: TestClient) -> str:
    player = f"p_dw_{uuid.uuid4().hex[:8]}"
    r = http.put(f"/sandbox/players/{player}", json={"currency": "EUR", "cash": "100.00"})
    assert r.status_code == 200, r.text
    return player


def test_the_flag_writes_both_majors_in_one_transaction(database_url, two_majors) -> None:
    with TestClient(_app(database_url, two_majors)) as http:
        assert http.post("/sandbox/reset", json={"wipe": True}).status_code == 200
        state = http.get("/sandbox/dual-write").json()
        assert state == {
            "event_types": [],
            "available": [{"event_type": "bet.settled", "from_major": 1, "to_major": 2}],
        }
        api = ContractClient(http)
        off = _new_player(http)
        _settle_once(api, off)
        assert [
            e["schema_version"]
            for e in _events(http, two_majors, off)
            if e["event_type"] == "bet.settled"
        ] == ["1.0.0"]

        r = http.put("/sandbox/dual-write", json={"event_types": ["bet.settled"]})
        assert r.status_code == 200 and r.json()["event_types"] == ["bet.settled"]
        on = _new_player(http)
        bet = _settle_once(api, on)
        events = _events(http, two_majors, on)
        settled = [e for e in events if e["event_type"] == "bet.settled"]
        v1, v2 = settled
        assert (v1["schema_version"], v2["schema_version"]) == ("1.0.0", "2.0.0")
        # Same fact, same lineage: the v2 id derives from the v1 id and names it.
        assert v2["event_id"] == v1["event_id"] + ".v2"
        assert v2["payload"]["lineage"] == {"event_id": v1["event_id"], "schema_version": "1.0.0"}
        assert (
            v2["payload"]["payout"] == v1["payload"]["win"] == {"amount": "2.50", "currency": "EUR"}
        )
        assert "win" not in v2["payload"] and v2["payload"]["bet_id"] == bet
        for key in ("trace_id", "idempotency_key", "occurred_at", "tenant_id", "player_id"):
            assert v1[key] == v2[key]
        # Right after its v1 twin in the outbox: nothing of the transaction comes between.
        i = events.index(v1)
        assert events[i + 1] == v2
        # Other types are written once.
        assert sum(e["event_type"] == "bet.authorized" for e in events) == 1


def test_the_flag_is_persisted_and_a_reset_switches_it_off(database_url, two_majors) -> None:
    with TestClient(_app(database_url, two_majors)) as http:
        assert (
            http.put("/sandbox/dual-write", json={"event_types": ["bet.settled"]}).status_code
            == 200
        )
    with TestClient(_app(database_url, two_majors)) as again:  # a restart keeps it
        assert again.get("/sandbox/dual-write").json()["event_types"] == ["bet.settled"]
        assert again.post("/sandbox/reset", json={}).status_code == 200
        assert again.get("/sandbox/dual-write").json()["event_types"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"event_types": ["bet.authorized"]}, "VALIDATION_FAILED"),  # no v2 declares it
        ({"event_types": ["Bet"]}, "VALIDATION_FAILED"),  # not an event type
        ({"event_types": "bet.settled"}, "VALIDATION_FAILED"),
        ({}, "VALIDATION_FAILED"),
    ],
)
def test_refusals(database_url, two_majors, body, code) -> None:
    with TestClient(_app(database_url, two_majors)) as http:
        assert http.post("/sandbox/reset", json={}).status_code == 200
        r = http.put("/sandbox/dual-write", json=body)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        assert http.get("/sandbox/dual-write").json()["event_types"] == []


def test_the_real_contract_has_no_pair_to_switch_on(http: TestClient) -> None:
    assert http.get("/sandbox/dual-write").json() == {"event_types": [], "available": []}
    r = http.put("/sandbox/dual-write", json={"event_types": ["bet.settled"]})
    assert r.status_code == 422 and "no newer major" in r.json()["message"]


def test_a_v2_whose_twins_do_not_validate_cannot_be_switched_on(tmp_path: Path) -> None:
    import json
    import shutil

    broken = tmp_path / "schemas"
    shutil.copytree(DATA, broken)
    path = broken / "events" / "bet.settled" / "2.json"
    schema = json.loads(path.read_text())
    schema["x-dual-write"]["rename"] = {}  # v1's `win` stays `win`: v2 refuses it
    path.write_text(json.dumps(schema))
    writer = DualWriter(contract_copy(tmp_path / "c", extra_schemas=broken))
    assert writer.available() == []
    assert "does not validate" in (writer.refusal("bet.settled") or "")


@pytest.mark.nats
def test_both_majors_reach_a_jetstream_consumer(tmp_path: Path, two_majors) -> None:
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS relay: set {NATS_ENV}=nats://127.0.0.1:4222")
    started = datetime.now(UTC)
    app = _app(
        f"sqlite+aiosqlite:///{tmp_path / 'dw.db'}", two_majors, nats_url=url, relay_interval=0.05
    )
    with TestClient(app) as http:
        http.put("/sandbox/dual-write", json={"event_types": ["bet.settled"]})
        player = _new_player(http)
        _settle_once(ContractClient(http), player)
        want = [
            e["event_id"]
            for e in _events(http, two_majors, player)
            if e["event_type"] == "bet.settled"
        ]
        got: list[str] = []
        deadline = time.monotonic() + 15
        while len(got) < 2 and time.monotonic() < deadline:
            got = asyncio.run(_consume(url, player, started))
    assert got == want and want[1] == want[0] + ".v2"


async def _consume(url: str, player: str, started: datetime) -> list[str]:
    import json

    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy

    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(
            subject_for("brand_demo", player),
            stream=STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=started.isoformat()
            ),
        )
        found = []
        try:
            for m in await sub.fetch(50, timeout=1):
                event = json.loads(m.data)
                if event["event_type"] == "bet.settled":
                    assert CONTRACT_TWO_MAJORS_VALID(event)
                    found.append(event["event_id"])
        except TimeoutError:
            pass
        await sub.unsubscribe()
        return found
    finally:
        await nc.close()


def CONTRACT_TWO_MAJORS_VALID(event: dict[str, Any]) -> bool:  # noqa: N802
    # v1 validates against the real contract; v2 carries the lineage it was derived from.
    if event["schema_version"].startswith("1."):
        return CONTRACT.validate_event(event) == []
    return event["payload"]["lineage"]["event_id"] + ".v2" == event["event_id"]


def test_each_major_owns_the_examples_of_its_schema_version(two_majors) -> None:
    v1 = [p.name for p, _ in two_majors.event("bet.settled", 1).examples]
    v2 = [p.name for p, _ in two_majors.event("bet.settled", 2).examples]
    assert v2 == ["v2-01.json"] and "v2-01.json" not in v1 and v1
    for major in (1, 2):
        for _, example in two_majors.event("bet.settled", major).examples:
            assert two_majors.validate_event(example) == []
