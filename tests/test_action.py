"""The GitHub Action recipe (action.yml) runs commands and options the CLI really has."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from croupier.cli import COMMANDS

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
ROOT_OPTIONS = {"--contract", "--quiet", "-q", "--no-color", "--version"}


def _croupier_lines() -> list[list[str]]:
    lines = []
    for step in ACTION["runs"]["steps"]:
        for line in str(step.get("run", "")).splitlines():
            line = line.strip()
            if line.startswith("croupier "):
                words = shlex.split(line.split("||")[0].split(" $EXTRA")[0])
                lines.append(words[1:])
    return lines


def _help(command: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "croupier", command, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    ).stdout


def test_the_action_is_a_composite_that_lints_compats_certifies_and_uploads() -> None:
    assert ACTION["runs"]["using"] == "composite"
    commands = [next(w for w in words if w in COMMANDS) for words in _croupier_lines()]
    assert {"lint", "compat", "certify"} <= set(commands)
    uses = [step.get("uses", "") for step in ACTION["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert set(ACTION["inputs"]) >= {"contract", "compat-base", "base-url"}


def test_every_option_the_action_passes_exists() -> None:
    for words in _croupier_lines():
        command = next(w for w in words if w in COMMANDS)
        at = words.index(command)
        root, own = words[:at], words[at + 1 :]
        assert {w for w in root if w.startswith("-")} <= ROOT_OPTIONS, words
        text = _help(command)
        for option in (w for w in own if w.startswith("--")):
            assert re.search(rf"{re.escape(option)}\b", text), (command, option)
