"""The schema registry page's confluent-kafka example runs against a fresh sandbox."""

from __future__ import annotations

import re
import subprocess
import sys

from croupier import sandbox_server

from .conftest import ROOT, build_env


def test_registry_page_example_prints_what_the_page_says() -> None:
    text = (ROOT / "docs" / "guide" / "schema-registry.md").read_text(encoding="utf-8")
    code = re.search(r'^```python title="registry_example.py"\n(.*?)^```$', text, re.S | re.M)
    assert code, "the registry page lost its example"
    with sandbox_server(env=build_env(), cwd=ROOT, timeout=30) as base:
        proc = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code.group(1)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**build_env(), "BASE": base},
            cwd=ROOT,
        )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"schema id \d+ event evt_\S+", lines[0]), lines
    assert lines[1:] == ["registered 1", "registered 2", "refused 409"]
