"""The pytest plugin, used as a provider would: a separate pytest session over an example suite."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent / "provider_suite"


def test_the_plugin_is_registered_by_entry_point() -> None:
    plugins = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert plugins.get("croupier") == "croupier.pytest_plugin", (
        "not registered: a stale croupier.egg-info from the old setuptools build in the"
        " checkout hides the entry point; delete it and run pip install -e '.[dev]' again"
    )


@pytest.mark.slow
def test_a_provider_suite_runs_on_the_plugins_fixtures(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(SUITE / "pytest.ini"),
            "--rootdir",
            str(SUITE),
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:asyncio",  # a provider's suite need not have pytest-asyncio
            str(SUITE),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing left in the folder


def test_the_docs_example_is_the_suite_that_runs() -> None:
    import re

    page = (SUITE.parents[2] / "docs" / "guide" / "pytest-plugin.md").read_text(encoding="utf-8")
    block = re.search(r'^```python title="check_wallet_calls.py"\n(.*?)^```$', page, re.S | re.M)
    assert block, "the plugin page lost its example"
    suite = (SUITE / "check_wallet_calls.py").read_text(encoding="utf-8")
    names = re.findall(r"^def (test_\w+)", block.group(1), re.M)
    assert names and all(f"def {name}(" in suite for name in names)
