"""`croupier serve`: run the sandbox on SQLite (default) or PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["serve"]

DB_ENV = "CROUPIER_SANDBOX_DB"
NATS_ENV = "CROUPIER_NATS_URL"
LEGACY_ENV = "CROUPIER_LEGACY_SIGNATURE_KEYS"
CONTROL_TOKEN_ENV = "CROUPIER_CONTROL_TOKEN"
CONTROL_ENV = "CROUPIER_CONTROL"
CERT_BINDING_ENV = "CROUPIER_CLIENT_CERT_BINDING"
SESSION_MINUTES_ENV = "CROUPIER_SANDBOX_SESSION_MINUTES"
MUTANT_ENV = "CROUPIER_SANDBOX_MUTANT"


def app_factory():  # type: ignore[no-untyped-def]
    """Uvicorn app factory for worker processes: the database URL comes from the environment."""
    import os

    from croupier.reference_impl._app import create_app

    legacy = [k for k in os.environ.get(LEGACY_ENV, "").split(",") if k]
    if os.environ.get(MUTANT_ENV):
        # The mutation suite only: one deliberate fault, patched in before the app is built.
        from croupier.reference_impl._mutants import apply_mutant

        apply_mutant(os.environ[MUTANT_ENV])
    return create_app(
        os.environ[DB_ENV],
        nats_url=os.environ.get(NATS_ENV) or None,
        legacy_keys=legacy,
        control=os.environ.get(CONTROL_ENV, "on") != "off",
        control_token=os.environ.get(CONTROL_TOKEN_ENV) or None,
        client_cert_binding=os.environ.get(CERT_BINDING_ENV) == "on",
        session_minutes=int(os.environ.get(SESSION_MINUTES_ENV) or 60),
    )


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
    legacy_signatures: Annotated[
        list[str] | None,
        typer.Option(
            "--legacy-signatures",
            help="Also accept the 1.0 signature scheme (no alg=, covers no header) for this key "
            "id (repeatable; default: none). The key's brand binding is still checked.",
        ),
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            "--control-token",
            envvar=CONTROL_TOKEN_ENV,
            help="Protect the sandbox control surface: every /sandbox call then needs "
            "X-Control-Token with this value.",
        ),
    ] = None,
    tls_cert: Annotated[
        str | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate (PEM).")
    ] = None,
    tls_key: Annotated[
        str | None, typer.Option("--tls-key", help="The private key of --tls-cert (PEM).")
    ] = None,
    client_ca: Annotated[
        str | None,
        typer.Option(
            "--client-ca",
            help="mTLS: require a client certificate issued by this CA (PEM); its subject "
            "common name must be the caller's X-Provider-Id.",
        ),
    ] = None,
    no_control: Annotated[
        bool,
        typer.Option(
            "--no-control", help="Switch the sandbox control surface off (its paths are 404)."
        ),
    ] = False,
    session_minutes: Annotated[
        int, typer.Option("--session-minutes", min=1, max=1440, help="Lifetime of a new session.")
    ] = 60,
    mutant: Annotated[
        str | None,
        typer.Option(
            "--mutant",
            help="Mutation testing only: run with one deliberate fault (an id of "
            "reference_impl/_mutants/, see bench/mutation_bench.py). Never for real use.",
        ),
    ] = None,
) -> None:
    """Run the sandbox: the contract on a real database, plus the sandbox control surface."""
    import os

    from croupier._console import announce_contract, need_extra

    need_extra("serve", "sandbox")
    announce_contract("serve")

    import uvicorn
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from croupier import (
        SANDBOX_CREDENTIALS,
        SANDBOX_ED25519_CREDENTIALS,
        SANDBOX_ROTATION_CREDENTIALS,
        SANDBOX_SPLIT_CREDENTIALS,
        load_contract,
    )
    from croupier.reference_impl._auth import Authenticator
    from croupier.reference_impl._protocol import PROTOCOL
    from croupier.reference_impl._store import default_database_url

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
    legacy_signatures = list(legacy_signatures or [])
    try:
        Authenticator(legacy_signatures)
    except ValueError as exc:
        typer.echo(f"croupier: cannot run: --legacy-signatures: {exc}", err=True)
        raise typer.Exit(2) from None
    os.environ[DB_ENV] = url
    os.environ[LEGACY_ENV] = ",".join(legacy_signatures)
    if no_control and control_token:
        typer.echo("croupier: cannot run: give --control-token or --no-control, not both", err=True)
        raise typer.Exit(2)
    if (tls_cert is None) != (tls_key is None) or (client_ca and not tls_cert):
        typer.echo(
            "croupier: cannot run: --tls-cert and --tls-key go together; --client-ca needs both",
            err=True,
        )
        raise typer.Exit(2)
    files = (("--tls-cert", tls_cert), ("--tls-key", tls_key), ("--client-ca", client_ca))
    for option, path in files:
        if path is not None and not os.path.isfile(path):
            typer.echo(f"croupier: cannot run: {option} {path}: no such file", err=True)
            raise typer.Exit(2)
    os.environ[CERT_BINDING_ENV] = "on" if client_ca else "off"
    os.environ[CONTROL_ENV] = "off" if no_control else "on"
    os.environ[SESSION_MINUTES_ENV] = str(session_minutes)
    if mutant:
        from croupier.reference_impl._mutants import MutantError, apply_mutant

        try:
            apply_mutant(mutant)  # fail here (exit 2), not in every worker
        except MutantError as exc:
            typer.echo(f"croupier: cannot run: --mutant: {exc}", err=True)
            raise typer.Exit(2) from None
        os.environ[MUTANT_ENV] = mutant
    else:
        os.environ.pop(MUTANT_ENV, None)
    if control_token:
        os.environ[CONTROL_TOKEN_ENV] = control_token
    if nats:
        os.environ[NATS_ENV] = nats
    shown = make_url(url).render_as_string(hide_password=True)
    a, b = SANDBOX_CREDENTIALS, SANDBOX_ROTATION_CREDENTIALS
    scheme = "https" if tls_cert else "http"
    typer.echo(f"Croupier sandbox listening on {scheme}://{host}:{port} ({workers} worker(s))")
    typer.echo(f"  database:   {shown}")
    typer.echo(f"  contract:   http://{host}:{port}/openapi.yaml")
    typer.echo(
        f"  headers:    X-Brand-Id: {a.brand}  X-Region: {a.region}  X-Provider-Id: {a.provider}"
    )
    typer.echo(f"  sign with:  key id {a.key_id} / secret {a.secret}")
    typer.echo(f"              key id {b.key_id} / secret {b.secret} (rotation key, also active)")
    typer.echo(
        f"              key id {SANDBOX_ED25519_CREDENTIALS.key_id} (Ed25519, "
        "croupier.SANDBOX_ED25519_CREDENTIALS)"
    )
    split = SANDBOX_SPLIT_CREDENTIALS
    typer.echo(
        f"              key id {split.key_id} / secret {split.secret} (OAuth2 client "
        f"{split.client_id} / secret {split.client_secret}, apart from the key)"
    )
    typer.echo(
        "  signatures: 1.1 (covered headers); 1.0 accepted for: "
        + (", ".join(legacy_signatures) or "no key")
    )
    typer.echo(f"  token:      POST http://{host}:{port}/oauth/token (client id + secret as above)")
    typer.echo(f"  registry:   http://{host}:{port}/registry (Confluent-compatible)")
    if client_ca:
        typer.echo(
            f"  mTLS:       client certificate required (CA {client_ca}); "
            "its subject CN must be X-Provider-Id"
        )
    if no_control:
        typer.echo("  control:    off (--no-control): /sandbox/* answers 404")
    elif control_token:
        typer.echo("  control:    protected: /sandbox/* needs X-Control-Token (--control-token)")
    else:
        typer.echo(
            "  control:    OPEN to anyone who reaches this port (players, money, clock); "
            "protect it with --control-token or switch it off with --no-control"
        )
    if mutant:
        typer.echo(f"  MUTANT:     {mutant} (one deliberate fault, for mutation testing only)")
    if nats:
        typer.echo(
            f"  relay:      outbox -> {nats} (JetStream, subject croupier.events.<tenant>.<player>)"
        )
    # The error-schema protocol (malformed requests); mTLS swaps in its certificate-aware one.
    tls: dict[str, object] = {"http": PROTOCOL}
    if tls_cert:
        tls.update(ssl_certfile=tls_cert, ssl_keyfile=tls_key)
    if client_ca:
        import ssl

        tls.update(
            ssl_ca_certs=client_ca,
            ssl_cert_reqs=ssl.CERT_REQUIRED,
            http="croupier.reference_impl._tls:ClientCertProtocol",
        )
    uvicorn.run(
        "croupier.reference_impl._command:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        **tls,  # type: ignore[arg-type]
    )
