"""`croupier compat --usage FILE`: a removal is refused while the usage export shows calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from croupier.cli import app

from .conftest import DATA

FIXTURE = DATA / "api-removed-while-in-use"
BASE, REVISION = str(FIXTURE / "base.yaml"), str(FIXTURE / "revision.yaml")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["compat", *args, "--today", "2025-06-01"])
    return result.exit_code, result.output


def _export(tmp_path: Path, calls: int) -> Path:
    data = json.loads((FIXTURE / "usage.json").read_text())
    data["operations"][0]["calls"] = calls
    if not calls:
        data["operations"][0]["callers"] = []
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(data))
    return path


def test_in_use_is_a_policy_error_that_fails_only_with_check_policy(tmp_path: Path) -> None:
    usage = str(_export(tmp_path, 2))
    code, out = _run(BASE, REVISION, "--usage", usage, "--format", "json")
    verdict = json.loads(out)
    assert code == 0  # wire-wise a removal after the sunset is planned
    ids = [f["id"] for f in verdict["release_policy"]["findings"]]
    assert ids == ["api-removed-while-in-use"]
    finding = verdict["release_policy"]["findings"][0]
    assert "2 call(s) by prov_demo/brand_demo/MT (2)" in finding["message"]
    assert finding["operation"] == "DELETE /v1/bets/{bet_id}"
    code, _ = _run(BASE, REVISION, "--usage", usage, "--check-policy")
    assert code == 1


def test_zero_use_or_no_export_lets_the_removal_through(tmp_path: Path) -> None:
    code, out = _run(BASE, REVISION, "--usage", str(_export(tmp_path, 0)), "--check-policy")
    assert code == 0, out
    code, out = _run(BASE, REVISION, "--check-policy")
    assert code == 0, out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json", "is not JSON"),
        ('{"ops": []}', "needs an `operations` list"),
        ('{"operations": [{"method": "GET", "path": "/x", "calls": "3"}]}', "integer calls"),
    ],
)
def test_a_malformed_export_is_exit_2(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "usage.json"
    path.write_text(content)
    code, out = _run(BASE, REVISION, "--usage", str(path))
    assert code == 2 and says in out
