"""A command whose extra is not installed says which one to install, in one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from croupier._extras import EXTRAS, extra_for_module

REPO = Path(__file__).resolve().parents[2]

# Runs the CLI as if the extra's packages were absent: a None entry in sys.modules makes
# importlib.util.find_spec answer None and an import raise ModuleNotFoundError.
HIDE = "import sys; sys.modules.update(dict.fromkeys({mods!r})); sys.argv = {argv!r}; " + (
    "from croupier.cli import main; main()"
)


def _without(extra: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    code = HIDE.format(mods=list(EXTRAS[extra]), argv=["croupier", *args])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


# command line -> (the extra it needs, the message after "cannot run: ")
CASES = {
    ("serve",): ("sandbox", "needs the sandbox extra"),
    ("certify", "--sandbox"): ("sandbox", "--sandbox needs the sandbox extra"),
    ("certify", "--base-url", "http://127.0.0.1:9", "--load"): (
        "load",
        "--load needs the load extra",
    ),
    ("certify-provider", "--sandbox"): ("sandbox", "--sandbox needs the sandbox extra"),
    ("gen", "--check"): ("gen", "needs the gen extra"),
    ("docs", "build"): ("docs", "needs the docs extra"),
}


@pytest.mark.parametrize("args", sorted(CASES), ids=" ".join)
def test_a_missing_extra_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    extra, what = CASES[args]
    result = _without(extra, *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"croupier {args[0]}: cannot run: {what}, not installed: pip install 'croupier[{extra}]'"
    ]


def test_certify_against_a_url_needs_no_sandbox_extra() -> None:
    # Fails for want of a server (exit 2), not for want of the sandbox extra.
    result = _without(
        "sandbox", "certify", "--base-url", "http://127.0.0.1:9", "--phases", "contract"
    )
    assert "extra" not in result.stderr, result.stderr


def test_lint_and_compat_need_no_extra() -> None:
    everything = [m for mods in EXTRAS.values() for m in mods]
    code = HIDE.format(mods=everything, argv=["croupier", "lint"])
    lint = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert lint.returncode == 0, lint.stderr
    code = HIDE.format(mods=everything, argv=["croupier", "compat", "bundled:1.0.0", "."])
    compat = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert compat.returncode in (0, 1), compat.stderr
    assert "extra" not in compat.stderr


def test_an_import_error_from_inside_an_extra_names_the_extra() -> None:
    assert extra_for_module("sqlalchemy.ext.asyncio") == "sandbox"
    assert extra_for_module("material") == "docs"
    assert extra_for_module("yaml") is None
