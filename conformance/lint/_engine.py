"""Run every lint rule over a contract folder and collect the findings."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from conformance.lint._context import LintContext
from conformance.lint._registry import LEVELS, RULES, Finding
from croupier._contract import ContractError, load_contract

__all__ = ["OFF", "configured_levels", "lint_contract"]

OFF = "off"


def configured_levels(root: Path) -> dict[str, str]:
    """Per-id levels (ERR/WARN/INFO/off) from `[tool.croupier.lint.levels]` of pyproject.toml."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh).get("tool", {}).get("croupier", {}).get("lint", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContractError(f"{path}: cannot read: {exc}") from None
    levels = table.get("levels", {}) if isinstance(table, dict) else {}
    for rule_id, level in levels.items():
        if rule_id not in RULES:
            raise ContractError(f"{path}: [tool.croupier.lint.levels] names unknown rule {rule_id}")
        if level not in (*LEVELS, OFF):
            raise ContractError(f"{path}: level {level!r} for {rule_id} is not ERR/WARN/INFO/off")
    return dict(levels)


def lint_contract(
    root: str | os.PathLike[str], levels: dict[str, str] | None = None
) -> list[Finding]:
    """Every finding of every rule on the contract at `root`, sorted by file, pointer and id."""
    contract = load_contract(root)
    # A contract whose root document is unreadable cannot be linted at all: exit 2, not findings.
    contract.openapi  # noqa: B018 - raises ContractError for unreadable YAML
    overrides = configured_levels(contract.root) if levels is None else levels
    ctx = LintContext(contract)
    findings: list[Finding] = []
    for rule in RULES.values():
        level = overrides.get(rule.id, rule.level)
        if level == OFF:
            continue
        try:
            hits = list(rule.func(ctx))
        except ContractError as exc:
            hits = []
            findings.append(Finding(rule.id, level, "", "", f"could not check: {exc}"))
        for hit in hits:
            findings.append(Finding(rule.id, level, hit.file, hit.pointer, hit.message))
    unique = {(f.file, f.pointer, f.id, f.message): f for f in findings}
    return [unique[k] for k in sorted(unique)]
