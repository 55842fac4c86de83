"""The fuzz bench on a small budget: both specs, signed, every operation, no 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from croupier import load_contract, sandbox_server
from tests._benchload import load_bench

pytestmark = pytest.mark.slow


def _bench() -> Any:
    return load_bench("fuzz_bench")


def _operations(document: dict[str, Any]) -> int:
    methods = ("get", "put", "post", "patch", "delete")
    return sum(1 for item in document["paths"].values() for m in item if m in methods)


def test_a_small_fuzz_run_over_both_specs_finds_no_5xx(tmp_path: Path) -> None:
    bench, contract = _bench(), load_contract()
    db = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    with sandbox_server(db, env={"CROUPIER_NATS_URL": ""}) as base:
        api = bench.fuzz(base, "openapi", max_examples=2, seed=7, budget_s=300)
        control = bench.fuzz(base, "sandbox", max_examples=2, seed=7, budget_s=300)
    for result, document in ((api, contract.bundled), (control, contract.sandbox_bundled)):
        assert result.stopped is None, result.stopped
        assert result.server_errors == [], result.server_errors[:5]
        assert len(result.operations) == _operations(document), sorted(result.operations)
    # the signing hook works: signed, well-formed calls succeed
    assert sum(n for status, n in api.statuses.items() if 200 <= status < 300) > 0
