"""The mutation bench's CI subset: the unmutated sandbox passes, each quick mutant is killed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests._benchload import load_bench

pytestmark = pytest.mark.slow


def _bench() -> Any:
    return load_bench("mutation_bench")


def test_the_quick_mutants_are_killed_by_the_checks_their_rules_name(tmp_path: Path) -> None:
    bench = _bench()
    out = tmp_path / "mutants.json"
    assert bench.main(["--quick", "--jobs", "2", "--stages", "1", "--json", str(out)]) == 0
    import json

    report = json.loads(out.read_text())
    outcomes = {o["id"]: o for o in report["outcomes"]}
    assert set(outcomes) == set(bench.QUICK)
    for outcome in outcomes.values():
        assert outcome["verdict"] == "killed" and outcome["stage"] == 1, outcome
        assert outcome["expected"], outcome
    assert report["summary"]["kill_rate"] == 100.0


def test_a_survivor_is_reported_with_its_reason() -> None:
    bench = _bench()
    survivor = {
        "id": "m",
        "title": "T.",
        "rules": [],
        "verdict": "survived",
        "stage": 0,
        "killed_by": [],
        "expected": True,
        "reason": "every check and scenario passed",
        "equivalent": None,
        "seconds": 1.0,
    }
    killed = dict(survivor, id="k", verdict="killed", killed_by=["x"], stage=1)
    summary = bench.summary([survivor, killed])
    assert summary["kill_rate"] == 50.0 and [s["id"] for s in summary["survivors"]] == ["m"]
    text = bench.markdown([survivor, killed], 1, 60.0)
    assert "**1 of 2 mutants killed (50.0 %)**" in text
    assert "| `m` | T. | every check and scenario passed |" in text
