"""`croupier lint [ROOT] [--format …] [--output FILE] [--strict]`: the house rules."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["lint"]


class Format(StrEnum):
    """Output formats of `croupier lint`."""

    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"


def lint(
    root: Annotated[
        Path | None,
        typer.Argument(help="Contract folder (holds spec/openapi.yaml); default: found from here."),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", help="text, json, junit, sarif or github.")
    ] = Format.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to FILE instead of stdout."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="WARN findings fail too (exit 1), not only ERR.")
    ] = False,
) -> None:
    """Lint the contract: structure, then the house rules. Exit 1 on ERR findings."""
    from croupier._console import announce_contract, fail, write_report
    from croupier._contract import ContractError
    from croupier.conformance.lint._engine import lint_contract
    from croupier.conformance.lint._registry import ERR, WARN
    from croupier.conformance.lint._report import render

    base = announce_contract("lint", root).root
    try:
        findings = lint_contract(base)
    except ContractError as exc:
        fail("lint", str(exc))
    except Exception as exc:  # a rule's own bug: one line and exit 2, never a traceback
        fail("lint", f"{type(exc).__name__}: {exc}")
    failing = {ERR, WARN} if strict else {ERR}
    write_report("lint", render(findings, format.value, base, failing), output)
    if any(f.level in failing for f in findings):
        raise typer.Exit(1)
