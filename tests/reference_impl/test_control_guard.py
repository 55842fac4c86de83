"""The sandbox control surface can be protected by a token or switched off (issue #12, item 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import uvicorn
from typer.testing import CliRunner

from croupier import ContractClient
from croupier.cli import app as cli_app
from croupier.reference_impl import create_app

from .conftest import CONTRACT, TestClient, check_response

TOKEN = "ctl-0123456789abcdef"


# Every variable `croupier serve` sets for its workers: restored after each banner test, so
# no later test (or sandbox subprocess) inherits a control token.
_SERVE_ENV = (
    "CROUPIER_SANDBOX_DB",
    "CROUPIER_NATS_URL",
    "CROUPIER_LEGACY_SIGNATURE_KEYS",
    "CROUPIER_CONTROL_TOKEN",
    "CROUPIER_CONTROL",
)


def _isolate_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    for name in _SERVE_ENV:
        monkeypatch.setenv(name, "recorded")  # so that monkeypatch restores it afterwards
        monkeypatch.delenv(name)


def _client(database_url: str, **options: object) -> Iterator[TestClient]:
    app = create_app(database_url, nats_url=None, contract=CONTRACT, **options)
    with TestClient(app, raise_server_exceptions=True) as client:
        client.event_hooks = {"request": [], "response": [check_response]}
        yield client


@pytest.fixture
def guarded(database_url: str) -> Iterator[TestClient]:
    yield from _client(database_url, control_token=TOKEN)


@pytest.fixture
def switched_off(database_url: str) -> Iterator[TestClient]:
    yield from _client(database_url, control=False)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no token
        {"X-Control-Token": "wrong"},
        {"X-Control-Token": TOKEN + "x"},
    ],
)
def test_a_protected_control_surface_refuses_calls_without_the_token(guarded, headers):
    for method, path, body in (
        ("GET", "/sandbox/players", None),
        ("POST", "/sandbox/reset", {"wipe": True}),
        ("PUT", "/sandbox/clock", {"offset_seconds": 3600}),
    ):
        r = guarded.request(method, path, json=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN", (path, r.text)
    # Nothing moved: the clock is still at real time.
    r = guarded.get("/sandbox/clock", headers={"X-Control-Token": TOKEN})
    assert r.status_code == 200 and r.json()["offset_seconds"] == 0


def test_the_token_opens_it_and_the_contract_needs_none(guarded):
    ok = guarded.get("/sandbox/players", headers={"X-Control-Token": TOKEN})
    assert ok.status_code == 200
    twice = guarded.get("/sandbox/players", headers=[("X-Control-Token", TOKEN)] * 2)
    assert twice.status_code == 401
    # /oauth/token and /v1 keep working without the control token.
    r = ContractClient(guarded).call("GET", "/v1/players/p_demo_1/balance")
    assert r.status_code == 200, r.text


def test_a_switched_off_control_surface_does_not_exist(switched_off):
    for method, path in (("GET", "/sandbox/players"), ("POST", "/sandbox/reset")):
        r = switched_off.request(method, path, json={} if method == "POST" else None)
        assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert ContractClient(switched_off).call("GET", "/v1/jackpots").status_code == 200


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "OPEN to anyone"),
        (["--control-token", TOKEN], "protected: /sandbox/* needs X-Control-Token"),
        (["--no-control"], "control:    off"),
    ],
)
def test_the_startup_banner_says_how_the_control_surface_stands(monkeypatch, tmp_path, args, says):
    _isolate_serve(monkeypatch)
    db = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    result = CliRunner().invoke(cli_app, ["serve", "--db", db, *args])
    assert result.exit_code == 0, result.output
    assert says in result.output
    assert TOKEN not in result.output  # the banner never prints the secret


def test_control_token_and_no_control_together_is_exit_2(monkeypatch, tmp_path):
    _isolate_serve(monkeypatch)
    db = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    args = ["serve", "--db", db, "--no-control", "--control-token", "x"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2
