"""The validating proxy: forwards unchanged, validates both directions, records for the judge."""

from __future__ import annotations

import json
import warnings

import httpx
from typer.testing import CliRunner

from croupier import ContractClient
from croupier.cli import app
from croupier.conformance.provider import (
    ProviderSimulator,
    SimulatorOptions,
    judge,
    load_traffic,
    parse_traffic,
)
from croupier.conformance.provider._proxy import ValidatingProxy

from .conftest import CONTRACT, recorded

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def through_proxy(sandbox, tmp_path, flaw=None):
    assert sandbox.put("/sandbox/script", json={"name": "default"}).status_code == 200
    proxy = ValidatingProxy(CONTRACT, sandbox, tmp_path / "traffic.jsonl")
    with TestClient(proxy) as front:
        ProviderSimulator(ContractClient(front), SimulatorOptions(flaw=flaw)).run()
    return proxy


def test_the_good_simulator_through_the_proxy_is_certified_and_untouched(sandbox, tmp_path):
    proxy = through_proxy(sandbox, tmp_path)
    traffic = load_traffic(tmp_path / "traffic.jsonl", CONTRACT)
    run = judge(traffic, CONTRACT)
    assert traffic and len(proxy.exchanges) > len(traffic), len(proxy.exchanges)
    assert run.passed, [(r.id, f.message) for r in run.results for f in r.findings]
    verdicts = {r.id: r.verdict.value for r in run.results}
    assert verdicts["requests-match-contract"] == verdicts["answers-match-contract"] == "passed"
    # what the platform recorded is what the proxy saw: same bodies, same answers
    behind = recorded(sandbox)["exchanges"]
    seen = [r for r in proxy.exchanges if r["path"].startswith("/v1/")]
    assert len(seen) == len(behind)
    for row, twin in zip(seen, behind, strict=True):
        assert row["request"]["headers"]["x-trace-id"] == twin["trace_id"]
        assert row["request"]["body"] == twin["request"]["body"]
        assert row["response"]["status"] == twin["response"]["status"]
        assert row["response"]["body"] == twin["response"]["body"]


def test_a_request_off_the_contract_is_caught_on_both_counts(sandbox, tmp_path):
    proxy = through_proxy(sandbox, tmp_path, "float-amounts")
    run = judge(parse_traffic(proxy.exchanges, CONTRACT), CONTRACT)
    assert run.failed_ids() == ["money-decimal-strings", "requests-match-contract"]


def test_an_answer_off_the_contract_is_a_warning_against_the_platform(tmp_path):
    def platform(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            token = {"access_token": "t" * 20, "token_type": "Bearer", "expires_in": 600}
            return httpx.Response(200, json={**token, "scope": "bets:write"})
        return httpx.Response(200, json={"cash": 12.5}, headers={"x-trace-id": "trc-00000001"})

    with httpx.Client(base_url="http://platform", transport=httpx.MockTransport(platform)) as up:
        proxy = ValidatingProxy(CONTRACT, up)
        with TestClient(proxy) as front:
            r = ContractClient(front).call("GET", "/v1/players/p_demo_1/balance")
    assert r.json() == {"cash": 12.5}  # passed on unchanged
    run = judge(parse_traffic(proxy.exchanges, CONTRACT), CONTRACT)
    answers = next(x for x in run.results if x.id == "answers-match-contract")
    assert answers.verdict.value == "failed" and not answers.mandatory
    assert run.passed  # the provider did nothing wrong


def test_a_platform_that_is_down_is_a_502_recorded(tmp_path):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with httpx.Client(base_url="http://platform", transport=httpx.MockTransport(down)) as up:
        proxy = ValidatingProxy(CONTRACT, up, tmp_path / "t.jsonl")
        with TestClient(proxy) as front:
            r = front.get("/v1/jackpots")
    assert r.status_code == 502
    (row,) = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert row["response"]["status"] == 502 and "refused" in row["response"]["body"]


def test_proxy_command_refuses_a_bad_target():
    result = CliRunner().invoke(app, ["proxy", "--target", "ftp://x"])
    assert result.exit_code == 2 and "cannot run" in result.output
