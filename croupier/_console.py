"""What every command prints besides its report: which contract it uses, and why it cannot run.

One style for all of them: `croupier <command>: <message>` on stderr; a reason to stop is
`croupier <command>: cannot run: <reason>` and exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import typer

from croupier._contract import ContractError, ContractLocation, locate_contract
from croupier._extras import MissingExtra, require_extra

__all__ = ["announce_contract", "fail", "need_extra", "note", "plain_text", "write_report"]


def note(command: str, message: str) -> None:
    """One informational line on stderr (silenced by CROUPIER_QUIET=1 / `--quiet`)."""
    if os.environ.get("CROUPIER_QUIET") not in (None, "", "0"):
        return
    typer.echo(f"croupier {command}: {message}", err=True)


def fail(command: str, reason: str) -> NoReturn:
    """Stop the command: one line on stderr, exit code 2."""
    typer.echo(f"croupier {command}: cannot run: {reason}", err=True)
    raise typer.Exit(2)


def announce_contract(
    command: str, root: Path | None = None, *, writes: bool = False
) -> ContractLocation:
    """Locate the contract (or take `root`), say on stderr which it is, and return it.

    `writes=True` refuses the copy bundled inside the installed package: it is read-only.
    """
    try:
        if root is not None:
            location = ContractLocation(Path(root).resolve(), "argument")
            if not (location.root / "spec" / "openapi.yaml").is_file():
                raise ContractError(f"{location.root} holds no spec/openapi.yaml")
        else:
            location = locate_contract()
    except ContractError as exc:
        fail(command, str(exc))
    if writes and location.read_only:
        fail(
            command,
            f"the contract bundled with croupier ({location.root}) is read-only; run in a "
            "checkout of your contract or pass --contract DIR",
        )
    note(command, f"using {location.describe()}")
    return location


def need_extra(command: str, extra: str, feature: str | None = None) -> None:
    """Stop with one line naming `pip install 'croupier[EXTRA]'` unless the extra is there."""
    try:
        require_extra(extra, feature)
    except MissingExtra as exc:
        fail(command, str(exc))


def plain_text(renderable: object) -> str:
    """A rich renderable (a table) as plain text without colour codes, for `--output FILE`."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, no_color=True, width=120, color_system=None).print(renderable)
    return buffer.getvalue()


def write_report(command: str, text: str, output: Path | None) -> None:
    """The report on stdout, or into `output` (`--output FILE`) with a note saying where."""
    if output is None:
        typer.echo(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        fail(command, f"--output {output}: {exc.strerror or exc}")
    note(command, f"report written to {output}")
