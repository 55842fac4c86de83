"""`croupier serve`: run the sandbox on SQLite (default) or PostgreSQL."""

from __future__ import annotations

import typer

__all__ = ["serve"]

DB_ENV = "CROUPIER_SANDBOX_DB"
NATS_ENV = "CROUPIER_NATS_URL"


def app_factory():  # type: ignore[no-untyped-def]
    """Uvicorn app factory for worker processes: the database URL comes from the environment."""
    import os

    from reference_impl._app import create_app

    return create_app(os.environ[DB_ENV], nats_url=os.environ.get(NATS_ENV) or None)


def serve(
    db: str = typer.Option(
        None,
        "--db",
        help="Database URL (default: sqlite+aiosqlite:///./.croupier/sandbox.db); "
        "postgresql+psycopg://user@host/db runs the same code on PostgreSQL.",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    nats: str = typer.Option(
        None, "--nats", envvar=NATS_ENV, help="NATS URL: relay the event outbox to JetStream."
    ),
    log_level: str = typer.Option("warning", "--log-level", help="Uvicorn log level."),
) -> None:
    """Run the sandbox: the contract on a real database, plus the sandbox control surface."""
    import os

    from croupier._console import announce_contract, need_extra

    need_extra("serve", "sandbox")
    announce_contract("serve")

    import uvicorn
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from croupier import SANDBOX_CREDENTIALS, SANDBOX_ROTATION_CREDENTIALS, load_contract
    from reference_impl._protocol import PROTOCOL
    from reference_impl._store import default_database_url

    load_contract()  # fail early (exit 2) when run outside a contract checkout
    url = db or default_database_url()
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        typer.echo(f"croupier: cannot run: --db {url!r} is not a database URL", err=True)
        raise typer.Exit(2) from None
    if backend not in ("sqlite", "postgresql"):
        typer.echo(f"croupier: cannot run: unsupported database {backend!r}", err=True)
        raise typer.Exit(2)
    os.environ[DB_ENV] = url
    if nats:
        os.environ[NATS_ENV] = nats
    shown = make_url(url).render_as_string(hide_password=True)
    a, b = SANDBOX_CREDENTIALS, SANDBOX_ROTATION_CREDENTIALS
    typer.echo(f"Croupier sandbox listening on http://{host}:{port} ({workers} worker(s))")
    typer.echo(f"  database:   {shown}")
    typer.echo(f"  contract:   http://{host}:{port}/openapi.yaml")
    typer.echo(
        f"  headers:    X-Brand-Id: {a.brand}  X-Region: {a.region}  X-Provider-Id: {a.provider}"
    )
    typer.echo(f"  sign with:  key id {a.key_id} / secret {a.secret}")
    typer.echo(f"              key id {b.key_id} / secret {b.secret} (rotation key, also active)")
    typer.echo(f"  token:      POST http://{host}:{port}/oauth/token (client id + secret as above)")
    typer.echo(f"  registry:   http://{host}:{port}/registry (Confluent-compatible)")
    if nats:
        typer.echo(
            f"  relay:      outbox -> {nats} (JetStream, subject croupier.events.<tenant>.<player>)"
        )
    uvicorn.run(
        "reference_impl._command:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        http=PROTOCOL,
    )
