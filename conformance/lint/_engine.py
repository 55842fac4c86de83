"""Run every lint rule over a contract folder and collect the findings."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

from croupier._contract import ContractError, load_contract
from croupier.conformance.lint._context import LintContext
from croupier.conformance.lint._positions import locate
from croupier.conformance.lint._registry import LEVELS, RULES, Finding

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
        except Exception as exc:  # e.g. an unresolvable $ref: ref-resolves says where it is
            hits = []
            findings.append(Finding(rule.id, level, "", "", f"could not check: {_one_line(exc)}"))
        for hit in hits:
            findings.append(Finding(rule.id, level, hit.file, hit.pointer, _short(hit.message)))
    unique = {(f.file, f.pointer, f.id, f.message): f for f in findings}
    return [_placed(contract.root, unique[k]) for k in sorted(unique)]


_MAX_MESSAGE = 300


def _short(message: str) -> str:
    """A finding's message on one readable line (a library error may quote a whole document)."""
    if len(message) <= _MAX_MESSAGE:
        return message
    return message[: _MAX_MESSAGE - 15].rstrip() + " … (truncated)"


def _one_line(exc: Exception) -> str:
    """A short reason: an unresolvable reference by its ref, anything else by its first line."""
    ref = getattr(exc, "ref", None)
    if isinstance(ref, str):
        return f"{type(exc).__name__}: unresolvable reference {ref!r}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return _short(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _placed(root: Path, finding: Finding) -> Finding:
    """The finding with the line and column its pointer lands on in its file."""
    if not finding.file:
        return finding
    position = locate(root / finding.file, finding.pointer)
    if position is None:
        return finding
    return dataclasses.replace(finding, line=position[0], column=position[1])
