"""certify-consumer against the reference consumer and its two flawed twins.

Each flawed consumer fails exactly the scenarios its mistake matters in, for its own reason;
the correct one passes every scenario.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Iterator

import pytest
import uvicorn
from typer.testing import CliRunner

from croupier import free_port, load_contract
from croupier.cli import app as cli_app
from croupier.conformance.consumer import SCENARIOS, build_streams, run_consumer_check
from croupier.reference_impl._consumer import consumer_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CONTRACT = load_contract()
ALL = {s.id for s in SCENARIOS}
DUPLICATES = {"consumer-duplicates", "consumer-duplicates-and-late"}
LATE = {"consumer-late-events", "consumer-duplicates-and-late"}


def _judge(flaw: str) -> dict[str, list[str]]:
    with TestClient(consumer_app(flaw)) as client:
        results = run_consumer_check("http://consumer", CONTRACT, client=client)
    assert {r.id for r in results} == ALL
    return {r.id: r.problems for r in results if not r.passed}


def test_the_stream_is_schema_valid_and_adds_up() -> None:
    (stream,) = build_streams(CONTRACT, "t", players=1)
    assert all(CONTRACT.validate_event(e) == [] for e in stream.events)
    assert len({e["event_id"] for e in stream.events}) == len(stream.events)
    assert stream.expected is not None
    assert stream.expected.as_dict() == {
        "balance": {"amount": "99.50", "currency": "EUR"},
        "turnover": {"amount": "3.00", "currency": "EUR"},
        "payouts": {"amount": "2.50", "currency": "EUR"},
        "bets": {
            f"b-{stream.player_id}-1": "settled",
            f"b-{stream.player_id}-2": "rolled_back",
            f"b-{stream.player_id}-3": "settled",
        },
    }


def test_the_reference_consumer_passes_every_scenario() -> None:
    assert _judge("none") == {}


def test_a_consumer_without_deduplication_double_counts() -> None:
    failed = _judge("no-dedupe")
    assert set(failed) == DUPLICATES
    problems = " ".join(p for ps in failed.values() for p in ps)
    # Its own reason: the sums, never the balance or the bets (those it gets right).
    assert "turnover is" in problems and "payouts is" in problems
    assert "balance is" not in problems and "bets" not in problems


def test_a_consumer_applying_in_arrival_order_is_rolled_back_by_late_events() -> None:
    failed = _judge("arrival-order")
    assert set(failed) == LATE
    problems = " ".join(p for ps in failed.values() for p in ps)
    assert "balance is" in problems and "bets" in problems
    assert "turnover is" not in problems


@pytest.fixture
def served() -> Iterator[dict[str, str]]:
    servers, urls = [], {}
    for flaw in ("none", "no-dedupe"):
        port = free_port()
        config = uvicorn.Config(consumer_app(flaw), host="127.0.0.1", port=port, log_level="error")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        urls[flaw] = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not all(s.started for s in servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield urls
    for server in servers:
        server.should_exit = True


def test_the_command_over_real_http(served: dict[str, str]) -> None:
    ok = CliRunner().invoke(cli_app, ["certify-consumer", served["none"]])
    assert ok.exit_code == 0, ok.output
    assert "4 passed, 0 failed" in ok.output
    bad = CliRunner().invoke(cli_app, ["certify-consumer", served["no-dedupe"], "--format", "json"])
    assert bad.exit_code == 1
    report = json.loads(bad.stdout)
    assert report["passed"] is False
    assert {s["id"] for s in report["scenarios"] if not s["passed"]} == DUPLICATES


def test_an_unreachable_consumer_is_exit_2() -> None:
    result = CliRunner().invoke(cli_app, ["certify-consumer", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 2
    assert "cannot reach the consumer" in result.output


@pytest.mark.nats
@pytest.mark.parametrize(("flaw", "fails"), [("none", set()), ("no-dedupe", DUPLICATES)])
def test_fed_over_jetstream(flaw: str, fails: set[str]) -> None:
    import asyncio
    import os
    import uuid

    from croupier.conformance.consumer import JetStreamFeed
    from croupier.reference_impl._consumer import JetStreamSource

    url = os.environ.get("CROUPIER_TEST_NATS_URL")
    if not url:
        pytest.skip("NATS: set CROUPIER_TEST_NATS_URL=nats://127.0.0.1:4222")
    tag = uuid.uuid4().hex[:8]
    stream, prefix, durable = f"CC_{tag}", f"croupier.cc-test.{tag}", f"cc-{tag}"
    source = JetStreamSource(url, durable, stream, prefix)
    try:
        with TestClient(consumer_app(flaw, source)) as client:
            feed = JetStreamFeed(url, durable, stream, prefix)
            deadline = time.monotonic() + 10
            while True:  # the consumer makes its durable consumer as it starts
                try:
                    results = run_consumer_check(
                        "http://consumer", CONTRACT, client=client, jetstream=feed
                    )
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        assert {r.id for r in results if not r.passed} == fails, [r.as_dict() for r in results]
    finally:
        asyncio.run(_drop_stream(url, stream))


async def _drop_stream(url: str, stream: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
    except Exception:
        pass
    finally:
        await nc.close()
