from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer

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


def test_help_and_version_import_no_command_module() -> None:
    # What keeps `croupier --help` fast (bench/cli_startup_bench.py measures it): the listing
    # reads each command's docstring from its source; its module loads only to run it.
    heavy = [
        "croupier.codegen",
        "croupier.conformance",
        "croupier.reference_impl",
        "httpx",
        "jsonschema",
        "schemathesis",
        "fastapi",
        "sqlalchemy",
        "mkdocs",
        "yaml",
    ]
    code = (
        "import sys; from croupier.cli import app\n"
        "for args in (['--help'], ['--version']):\n"
        "    try: app(args)\n"
        "    except SystemExit: pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_listing_shows_each_commands_own_docstring() -> None:
    import importlib

    result = _croupier("--help")
    flat = " ".join(result.stdout.replace("│", " ").split())
    for name, target in COMMANDS.items():
        module, _, func = target.partition(":")
        obj = getattr(importlib.import_module(module), func)
        # A group of sub-commands (`keys`, `audit`) lists its Typer help.
        doc = obj.info.help if isinstance(obj, typer.Typer) else obj.__doc__
        first = doc.split(".")[0]
        assert f"{name} {first}" in flat, name


def test_a_command_runs_after_the_lazy_listing() -> None:
    result = _croupier("lint", "--help")
    assert result.returncode == 0 and "--strict" in result.stdout


def test_quiet_prints_only_the_report() -> None:
    loud = _croupier("lint")
    quiet = _croupier("--quiet", "lint")
    assert loud.returncode == quiet.returncode == 0
    assert "using contract" in loud.stderr and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_no_color_reaches_the_environment_of_the_command() -> None:
    code = (
        "import os, sys; from croupier.cli import app\n"
        "try: app(['--no-color', '--quiet', 'lint'])\n"
        "except SystemExit: pass\n"
        "print(os.environ.get('NO_COLOR'), os.environ.get('CROUPIER_QUIET'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "1 1", result.stderr


# Usage errors read like every other reason a command cannot run: one plain line, exit 2.
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("lint", "--no-such-option"),
            "croupier lint: cannot run: No such option: --no-such-option",
        ),
        (("no-such-command",), "croupier: cannot run: No such command 'no-such-command'"),
    ],
)
def test_a_usage_error_is_one_plain_line(args: tuple[str, ...], line: str) -> None:
    result = _croupier(*args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{line} (see {line.split(':')[0]} --help)"]
