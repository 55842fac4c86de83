from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import croupier
from croupier.cli import COMMANDS


def _croupier(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "croupier", *args], capture_output=True, text=True, cwd=cwd
    )


def test_every_subcommand_is_listed_in_help() -> None:
    result = _croupier("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_version() -> None:
    result = _croupier("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"croupier {croupier.__version__}"


def test_a_missing_contract_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = _croupier("lint", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_unknown_option_is_exit_2() -> None:
    assert _croupier("lint", "--no-such-option").returncode == 2
