"""`croupier lint [ROOT] [--format text|json] [--strict]`: the house rules over a contract."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["lint"]


class Format(StrEnum):
    """Output formats of `croupier lint`."""

    text = "text"
    json = "json"


def lint(
    root: Annotated[
        Path | None,
        typer.Argument(help="Contract folder (holds spec/openapi.yaml); default: found from here."),
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    strict: Annotated[
        bool, typer.Option("--strict", help="WARN findings fail too (exit 1), not only ERR.")
    ] = False,
) -> None:
    """Lint the contract: structure, then the house rules. Exit 1 on ERR findings."""
    from conformance.lint._engine import lint_contract
    from conformance.lint._registry import ERR, WARN
    from croupier._console import announce_contract
    from croupier._contract import ContractError

    base = announce_contract("lint", root).root
    try:
        findings = lint_contract(base)
    except ContractError as exc:
        typer.echo(f"croupier lint: cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # a rule's own bug: one line and exit 2, never a traceback
        typer.echo(f"croupier lint: cannot run: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    failing = {ERR, WARN} if strict else {ERR}
    failed = any(f.level in failing for f in findings)
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("ERR", "WARN", "INFO")}
    if format is Format.json:
        typer.echo(
            json.dumps(
                {
                    "root": str(base),
                    "ok": not failed,
                    "counts": counts,
                    "findings": [f.as_dict() for f in findings],
                },
                indent=2,
            )
        )
    else:
        for f in findings:
            typer.echo(f"{f.level:<4} {f.id}  {f.file}#{f.pointer}  {f.message}")
        summary = ", ".join(f"{n} {lvl}" for lvl, n in counts.items())
        typer.echo(f"croupier lint: {summary}" if findings else "croupier lint: clean")
    if failed:
        raise typer.Exit(1)
