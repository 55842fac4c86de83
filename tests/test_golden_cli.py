"""CLI output a user reads, pinned as golden files; refresh them with `pytest --update-golden`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from croupier.cli import app

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "data" / "golden"
COMPAT = "tests/data/compat/request-property-became-required"

CASES = {
    # compat: the explained verdict a reviewer reads, and the changelog section it writes
    "compat-text.txt": (["compat", f"{COMPAT}/base.yaml", f"{COMPAT}/revision.yaml"], 1),
    "compat-markdown.md": (
        ["compat", f"{COMPAT}/base.yaml", f"{COMPAT}/revision.yaml", "--format", "markdown"],
        1,
    ),
    # lint: one broken rule, in both formats
    "lint-text.txt": (["lint", "tests/data/lint/write-idempotency-key"], 1),
    "lint-json.json": (["lint", "tests/data/lint/write-idempotency-key", "--format", "json"], 1),
    # the project's own contract is clean
    "lint-clean.txt": (["lint", "."], 0),
}


def _normalise(text: str) -> str:
    text = text.replace(dt.date.today().isoformat(), "<today>")
    return re.sub(re.escape(str(REPO)), "<repo>", text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_output_matches_its_golden_file(name, request, monkeypatch) -> None:
    args, exit_code = CASES[name]
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    got = _normalise(result.stdout)
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run pytest --update-golden"
    assert got == golden.read_text(encoding="utf-8")
