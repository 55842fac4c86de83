"""Shared fixtures for the docs tests: one strict build of the site per session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BuiltSite:
    """A site built by `mkdocs build --strict`, with its log and how long it took."""

    path: Path
    log: str
    seconds: float


def build_env() -> dict[str, str]:
    """The environment for a docs build: quiet banner, this checkout first on the path."""
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """Build the site once, strictly, as a subprocess (mkdocs warns in-process)."""
    site = tmp_path_factory.mktemp("docs") / "site"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=build_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    return BuiltSite(site, log, seconds)
