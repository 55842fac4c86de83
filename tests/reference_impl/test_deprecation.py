"""Deprecated operations answer with Deprecation/Sunset headers and their use is counted.

The contract deprecates nothing yet, so a copy of it deprecates getBalance.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from croupier import ContractClient
from croupier.cli import app as cli_app
from croupier.reference_impl import create_app
from croupier.reference_impl._auth import OTHER_BRAND_CREDENTIALS, OTHER_PROVIDER_CREDENTIALS

from .conftest import TestClient, contract_copy

BALANCE = "/v1/players/{player_id}/balance"
SUNSET, SINCE = "2027-06-30", "2026-12-01"


def _deprecate(doc: dict[str, Any]) -> None:
    op = doc["paths"][BALANCE]["get"]
    op.update(
        {
            "deprecated": True,
            "x-sunset": SUNSET,
            "x-deprecated-at": SINCE,
            "externalDocs": {"url": "https://croupier.dev/guide/migrations/"},
        }
    )


@pytest.fixture
def deprecated(tmp_path: Path) -> Any:
    return contract_copy(tmp_path / "contract", _deprecate)


@pytest.fixture
def sandbox(database_url: str, deprecated: Any) -> Iterator[TestClient]:
    with TestClient(create_app(database_url, nats_url=None, contract=deprecated)) as client:
        yield client


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def test_a_deprecated_operation_answers_with_deprecation_and_sunset(sandbox: TestClient) -> None:
    api = ContractClient(sandbox)
    for player in ("p_demo_1", "p_nobody"):  # a success and an error alike
        r = api.call("GET", f"/v1/players/{player}/balance")
        assert r.status_code in (200, 404)
        assert r.headers["deprecation"] == f"@{_epoch(SINCE)}"  # RFC 9745 structured date
        sunset = email.utils.parsedate_to_datetime(r.headers["sunset"])  # RFC 8594 HTTP-date
        assert sunset == dt.datetime(2027, 6, 30, tzinfo=dt.UTC)
        assert r.headers["sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
        assert 'rel="deprecation"' in r.headers["link"]
    # Operations that are not deprecated carry neither header.
    r = api.call("GET", "/v1/jackpots")
    assert r.status_code == 200 and "deprecation" not in r.headers and "sunset" not in r.headers


def _counts(sandbox: TestClient) -> tuple[dict[str, Any], dict[tuple[str, str, str], int]]:
    (op,) = sandbox.get("/sandbox/usage").json()["operations"]
    callers = {(c["provider_id"], c["brand_id"], c["region"]): c["calls"] for c in op["callers"]}
    return op, callers


def test_use_is_counted_per_provider_brand_and_region(sandbox: TestClient) -> None:
    # The PostgreSQL schema is shared by this module's tests: judge the increase.
    _, before = _counts(sandbox)
    demo = ContractClient(sandbox)
    other_brand = ContractClient(sandbox, credentials=OTHER_BRAND_CREDENTIALS)
    other_provider = ContractClient(sandbox, credentials=OTHER_PROVIDER_CREDENTIALS)
    for _ in range(3):
        assert demo.call("GET", "/v1/players/p_demo_1/balance").status_code == 200
    other_brand.call("GET", "/v1/players/p_demo_1/balance")  # 404 there: still a use
    other_provider.call("GET", "/v1/players/p_demo_1/balance")
    # An unauthenticated call is not a caller's use (anyone could inflate the count).
    anonymous = sandbox.get(
        "/v1/players/p_demo_1/balance",
        headers={
            "X-Trace-Id": "trc-anonymous-1",
            "X-Brand-Id": "brand_demo",
            "X-Region": "MT",
            "X-Provider-Id": "prov_demo",
        },
    )
    assert anonymous.status_code == 401 and anonymous.headers["deprecation"]
    demo.call("GET", "/v1/jackpots")  # not deprecated: not counted

    op, after = _counts(sandbox)
    assert (op["operation_id"], op["method"], op["path"]) == ("getBalance", "GET", BALANCE)
    assert (op["deprecated_at"], op["sunset"]) == (SINCE, SUNSET)
    assert op["calls"] == sum(after.values())
    grown = {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}
    assert grown == {
        ("prov_demo", "brand_demo", "MT"): 3,
        ("prov_demo", "brand_other", "SE"): 1,
        ("prov_other", "brand_demo", "MT"): 1,
    }
    # The counts live in the database: a reset keeps them.
    assert sandbox.post("/sandbox/reset", json={}).status_code == 200
    assert _counts(sandbox)[1] == after


def test_the_real_contract_exports_no_deprecated_operation(http: TestClient) -> None:
    export = http.get("/sandbox/usage").json()
    assert export["operations"] == [] and export["contract_version"]


def test_compat_refuses_the_removal_while_the_export_shows_use(
    sandbox: TestClient, deprecated: Any, tmp_path: Path
) -> None:
    ContractClient(sandbox).call("GET", "/v1/players/p_demo_1/balance")
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps(sandbox.get("/sandbox/usage").json()))

    def remove(doc: dict[str, Any]) -> None:
        _deprecate(doc)
        del doc["paths"][BALANCE]
        doc["info"]["version"] = "2.0.0"

    revision = contract_copy(tmp_path / "revision", remove)
    args = ["compat", str(deprecated.root), str(revision.root), "--format", "json"]
    after_sunset = ["--today", "2027-07-01", "--check-policy"]
    result = CliRunner().invoke(cli_app, [*args, *after_sunset, "--usage", str(usage)])
    verdict = json.loads(result.stdout)
    ids = {f["id"] for f in verdict["release_policy"]["findings"]}
    assert "api-removed-while-in-use" in ids and result.exit_code == 1
    # Without the export (or with nobody calling) the same removal after the sunset passes.
    result = CliRunner().invoke(cli_app, [*args, *after_sunset])
    assert result.exit_code == 0, result.stdout
