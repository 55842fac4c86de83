"""`croupier certify-consumer`: the typer command; heavy imports stay inside the function."""

from typing import Annotated

import typer

__all__ = ["certify_consumer"]


def certify_consumer(
    url: Annotated[
        str,
        typer.Argument(
            help="The consumer's base URL: it takes POST /events and answers "
            "GET /players/{tenant_id}/{player_id}.",
            show_default=False,
        ),
    ],
    format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    players: Annotated[int, typer.Option("--players", min=1, max=50, help="Players fed.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the deliveries' order.")] = 7,
    nats: Annotated[
        str | None,
        typer.Option("--nats", help="Feed over NATS JetStream at this URL instead of HTTP."),
    ] = None,
    durable: Annotated[
        str, typer.Option("--durable", help="With --nats: the consumer's durable consumer.")
    ] = "croupier-consumer",
    stream: Annotated[
        str, typer.Option("--stream", help="With --nats: the stream fed.")
    ] = "CROUPIER_CONSUMER_CHECK",
    subject_prefix: Annotated[
        str,
        typer.Option("--subject-prefix", help="With --nats: events go to PREFIX.tenant.player."),
    ] = "croupier.consumer-check",
) -> None:
    """Feed an event consumer duplicates and late events; check its projection stays right."""
    import json

    from croupier import load_contract
    from croupier.conformance.consumer._check import (
        ConsumerError,
        JetStreamFeed,
        run_consumer_check,
    )

    if format not in ("text", "json"):
        typer.echo(f"croupier certify-consumer: cannot run: --format {format!r}", err=True)
        raise typer.Exit(2)
    try:
        feed = JetStreamFeed(nats, durable, stream, subject_prefix) if nats else None
        results = run_consumer_check(
            url, load_contract(), players=players, seed=seed, jetstream=feed
        )
    except ConsumerError as exc:
        typer.echo(f"croupier certify-consumer: cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    failed = [r for r in results if not r.passed]
    if format == "json":
        typer.echo(
            json.dumps(
                {"passed": not failed, "scenarios": [r.as_dict() for r in results]}, indent=2
            )
        )
    else:
        for r in results:
            typer.echo(f"{'PASS' if r.passed else 'FAIL'} {r.id}: {r.doc} ({r.delivered} sent)")
            for problem in r.problems[:10]:
                typer.echo(f"     {problem}")
        typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)
