"""`croupier audit verify`: check the sandbox's hash-chained audit log, name the first break."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

__all__ = ["audit_app"]

audit_app = typer.Typer(
    name="audit",
    help="The WORM audit log of configuration changes: verify its hash chain.",
    no_args_is_help=True,
    add_completion=False,
)


@audit_app.callback()
def _group() -> None:
    """The WORM audit log of configuration changes: verify its hash chain."""


async def _read(url: str) -> list[Any]:
    from sqlalchemy import inspect, select

    from croupier.reference_impl._audit import AuditEntry
    from croupier.reference_impl._store import Store

    store = Store(url, pool_size=1)
    try:
        async with store.engine.connect() as conn:
            present = await conn.run_sync(lambda c: inspect(c).has_table("audit_log"))
        if not present:
            raise LookupError("this database has no audit_log table (has a sandbox run on it?)")
        async with store.session() as s, s.begin():
            return list((await s.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())
    finally:
        await store.dispose()


@audit_app.command("verify")
def verify(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: the sandbox's ./.croupier/sandbox.db)."
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Verify the audit log's hash chain; exit 1 and name the first broken link if any."""
    import asyncio

    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from croupier.reference_impl._audit import verify_chain
    from croupier.reference_impl._store import default_database_url

    if output_format not in ("text", "json"):
        typer.echo("croupier: cannot run: --format must be text or json", err=True)
        raise typer.Exit(2)
    url = db or default_database_url()
    try:
        rows = asyncio.run(_read(url))
    except (LookupError, ArgumentError, SQLAlchemyError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        typer.echo(f"croupier: cannot run: {reason}", err=True)
        raise typer.Exit(2) from None
    checked, broken, head = verify_chain(rows)
    if output_format == "json":
        report = {
            "entries": len(rows),
            "verified": checked,
            "intact": broken is None,
            "head": head,
            "first_break": None
            if broken is None
            else {"seq": broken.seq, "reason": broken.reason},
        }
        typer.echo(json.dumps(report, indent=2))
    elif broken is None:
        typer.echo(f"audit log intact: {len(rows)} entries, head hash {head}")
    else:
        typer.echo(
            f"audit log BROKEN at entry {broken.seq}: {broken.reason} "
            f"({checked} entries before it verify)"
        )
    raise typer.Exit(0 if broken is None else 1)
