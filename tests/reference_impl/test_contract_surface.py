"""The app serves exactly the contract: its routes, its document, its Error schema."""

from __future__ import annotations

import yaml

from croupier.reference_impl import create_app, route_set
from croupier.reference_impl._app import operations

from .conftest import CONTRACT


def test_routes_equal_contract_and_sandbox_operations(tmp_path):
    app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    expected = {
        (op.method, op.path)
        for doc in (CONTRACT.bundled, CONTRACT.sandbox_bundled)
        for op in operations(doc)
    }
    assert route_set(app) == expected
    # 6: recordings, HAR export, fault scripts; 2: getEventLag, getMetrics;
    # 3: getDeprecatedUsage, getDualWrite, putDualWrite
    assert len(expected) == 13 + 18 + 6 + 2 + 3


def test_public_surface():
    import croupier.reference_impl

    surface = croupier.reference_impl.__all__
    assert surface == sorted(surface) == ["create_app", "route_set"]


def test_openapi_documents_are_the_bundled_contract(http):
    assert http.get("/openapi.json").json() == CONTRACT.bundled
    assert yaml.safe_load(http.get("/openapi.yaml").text) == CONTRACT.bundled
    assert http.get("/docs").status_code == 404


def test_health_needs_no_headers(http):
    r = http.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["version"] == CONTRACT.version


def test_unknown_path_and_wrong_method(http):
    r = http.get("/v1/nothing-here", headers={"X-Trace-Id": "trc-abcdefgh"})
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert r.headers["x-trace-id"] == "trc-abcdefgh" == r.json()["trace_id"]
    r = http.delete("/v1/bets/authorize")
    assert r.status_code == 405 and r.json()["code"] == "METHOD_NOT_ALLOWED"
    assert r.headers["allow"] == "POST"
