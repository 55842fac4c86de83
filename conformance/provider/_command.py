"""`croupier certify-provider` and `croupier provider-sim`: judge a game server's traffic."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["certify_provider", "provider_sim", "proxy"]


def _die(command: str, message: str) -> None:
    typer.echo(f"croupier {command}: cannot run: {message}", err=True)
    raise typer.Exit(2)


def _ids(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def certify_provider(
    recording: Annotated[
        Path | None,
        typer.Option(help="Judge this traffic file (HAR 1.2 or the sandbox's recordings export)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Open a session window on this running sandbox."),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Start a sandbox on a temp SQLite DB for the window."),
    ] = False,
    script: Annotated[
        str, typer.Option(help="Fault script: calm, default, storm, or a YAML file.")
    ] = "default",
    seed: Annotated[int | None, typer.Option(help="Seed of the script's random choices.")] = None,
    rounds: Annotated[int, typer.Option(help="End the window after this many rounds.")] = 16,
    timeout: Annotated[
        float, typer.Option(help="End the window after this many seconds at most.")
    ] = 600.0,
    simulate: Annotated[
        bool,
        typer.Option("--simulate", help="Play the window with the built-in provider simulator."),
    ] = False,
    flaw: Annotated[
        str | None, typer.Option(help="With --simulate: break the simulator in this one way.")
    ] = None,
    provider: Annotated[str, typer.Option(help="X-Provider-Id whose traffic is judged.")] = (
        "prov_demo"
    ),
    brand: Annotated[str | None, typer.Option(help="Only this X-Brand-Id's traffic.")] = None,
    min_retry_gap_ms: Annotated[
        float, typer.Option(help="Least pause between an answer and its retry.")
    ] = 50.0,
    max_attempts_per_second: Annotated[
        int, typer.Option(help="Most attempts of one request within a second.")
    ] = 5,
    only: Annotated[str | None, typer.Option(help="Run only these check ids.")] = None,
    skip: Annotated[str | None, typer.Option(help="Skip these check ids.")] = None,
    report_dir: Annotated[
        Path,
        typer.Option(help="Where junit.xml, report.json, report.md, traffic.json go."),
    ] = Path("croupier-provider-report"),
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    output_file: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to FILE instead of stdout."),
    ] = None,
) -> None:
    """Certify a game server: judge its recorded traffic, or open a session window and watch."""
    import httpx
    from rich.console import Console

    from croupier import (
        SANDBOX_CREDENTIALS,
        ContractClient,
        ContractError,
        SandboxError,
        load_contract,
        sandbox_server,
    )
    from croupier.conformance.provider._catalog import all_checks
    from croupier.conformance.provider._context import JudgeSettings
    from croupier.conformance.provider._judge import judge
    from croupier.conformance.provider._reports import render_json, write_reports
    from croupier.conformance.provider._simulator import FLAWS, ProviderSimulator, SimulatorOptions
    from croupier.conformance.provider._traffic import TrafficError, load_traffic, parse_traffic
    from croupier.conformance.provider._window import SessionWindow, WindowError, script_body

    name = "certify-provider"
    if sandbox:
        from croupier._console import need_extra

        need_extra(name, "sandbox", "--sandbox")
    if output_format not in ("text", "json"):
        _die(name, f"--format must be text or json, not {output_format!r}")
    modes = [recording is not None, base_url is not None, sandbox]
    if sum(modes) != 1:
        _die(name, "give exactly one of --recording FILE, --base-url URL or --sandbox")
    if (simulate or flaw) and recording is not None:
        _die(name, "--simulate plays a session window; it does not go with --recording")
    if flaw is not None and flaw not in FLAWS:
        _die(name, f"unknown flaw {flaw!r}; choose from {', '.join(FLAWS)}")
    if flaw is not None:
        simulate = True
    if rounds < 1 or timeout <= 0:
        _die(name, "--rounds must be at least 1 and --timeout positive")
    known = {c.id for c in all_checks()}
    only_ids, skip_ids = _ids(only), _ids(skip) or set()
    unknown = sorted(((only_ids or set()) | skip_ids) - known)
    if unknown:
        _die(name, f"unknown check id(s) {', '.join(unknown)}; see the provider guide")
    from croupier._console import announce_contract, need_extra

    if sandbox:
        need_extra(name, "sandbox", "--sandbox")
    location = announce_contract(name)
    try:
        contract = load_contract(location.root)
        _ = contract.bundled
    except ContractError as exc:
        _die(name, str(exc))
    console = Console(stderr=True)
    settings = JudgeSettings(
        min_retry_gap_ms=min_retry_gap_ms, max_attempts_per_second=max_attempts_per_second
    )
    extra: dict[str, Any] = {}
    if recording is not None:
        try:
            traffic = load_traffic(recording, contract)
        except (OSError, TrafficError) as exc:
            _die(name, str(exc))
        source = f"file {recording}"
    else:
        with contextlib.ExitStack() as stack:
            if sandbox:
                try:
                    base_url = stack.enter_context(sandbox_server())
                except (SandboxError, OSError) as exc:
                    _die(name, f"the sandbox did not start: {exc}")
            assert base_url is not None
            http = stack.enter_context(httpx.Client(base_url=base_url, timeout=30))
            window = SessionWindow(http, provider, brand)
            if simulate:
                http.post("/sandbox/reset", json={})  # the simulator's test players, as seeded
            try:
                state = window.open(script_body(script, seed))
            except WindowError as exc:
                _die(name, str(exc))
            stack.callback(window.close)
            played = state["script"]
            extra = {"script": played["name"], "seed": played["seed"], "rounds": rounds}
            c = SANDBOX_CREDENTIALS
            console.print(f"[bold]Session window open[/] on {base_url}")
            console.print(
                f"  credentials: key id {c.key_id}, secret {c.secret}, brand {c.brand}, "
                f"region {c.region}, provider {provider} (token: POST {base_url}/oauth/token)"
            )
            console.print(f"  fault script {played['name']} (seed {played['seed']}):")
            for step in played["steps"]:
                console.print(f"    - {step['id']}: {step.get('description', step['action'])}")
            console.print(f"  waiting for {rounds} rounds or {timeout:.0f} s …")
            finished = threading.Event()
            thread: threading.Thread | None = None
            if simulate:
                options = SimulatorOptions(rounds=rounds, flaw=flaw, seed=played["seed"])
                sim_http = stack.enter_context(httpx.Client(base_url=base_url, timeout=30))
                client = ContractClient(sim_http)

                def play() -> None:
                    try:
                        ProviderSimulator(client, options).run()
                    finally:
                        finished.set()

                thread = threading.Thread(target=play, daemon=True)
                thread.start()
            try:
                # The simulator's window closes when it has finished (its last calls end
                # its sessions); a real provider's when the rounds are done.
                wanted = sys.maxsize if simulate else rounds
                rows = window.wait(wanted, timeout, done=finished.is_set)
            except (httpx.HTTPError, WindowError) as exc:
                _die(name, f"lost the sandbox: {exc}")
            if thread is not None:
                thread.join(timeout=5)
            traffic = parse_traffic({"exchanges": rows}, contract)
            source = f"session window on {base_url}, provider {provider}"
            if simulate:
                source += f" (provider-sim{', flaw ' + flaw if flaw else ''})"
    run = judge(
        traffic,
        contract,
        source=source,
        settings=settings,
        only=only_ids,
        skip=skip_ids,
        extra=extra,
    )
    paths = write_reports(run, report_dir)
    if output_format == "json" and output_file is not None:
        from croupier._console import write_report

        write_report("certify-provider", render_json(run), output_file)
    elif output_format == "json":
        sys.stdout.write(render_json(run))
    else:
        from rich.table import Table

        table = Table(title=f"provider checks ({len(traffic)} exchanges)")
        for column in ("check", "examined", "verdict"):
            table.add_column(column)
        for r in run.results:
            style = {"passed": "green", "failed": "red"}.get(r.verdict.value, "dim")
            table.add_row(r.id, str(len(r.examined)), f"[{style}]{r.verdict.value}[/]")
        if output_file is not None:
            from croupier._console import plain_text, write_report

            write_report("certify-provider", plain_text(table), output_file)
        else:
            console.print(table)
        for r in run.results:
            for f in r.findings[:3]:
                console.print(f"[red]{r.id}[/]: {f.message}")
        console.print(f"reports: {', '.join(str(p) for p in paths.values())}")
        verdict = "[bold green]PASSED[/]" if run.passed else "[bold red]FAILED[/]"
        console.print(f"provider certification {verdict}")
    raise typer.Exit(0 if run.passed else 1)


def provider_sim(
    base_url: Annotated[str, typer.Option("--base-url", help="The platform to play against.")],
    rounds: Annotated[int, typer.Option(help="Rounds to play.")] = 16,
    seed: Annotated[int, typer.Option(help="Seed of stakes, wins and jitter.")] = 0,
    flaw: Annotated[
        str | None, typer.Option(help="Break the simulator in this one way (see the guide).")
    ] = None,
    key_id: Annotated[str | None, typer.Option(help="Signing key id.")] = None,
    secret: Annotated[str | None, typer.Option(help="Signing secret.")] = None,
    brand: Annotated[str | None, typer.Option(help="X-Brand-Id.")] = None,
    region: Annotated[str | None, typer.Option(help="X-Region.")] = None,
    provider: Annotated[str | None, typer.Option(help="X-Provider-Id.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Play rounds against a platform as a well-behaved game server (or a broken one)."""
    import httpx

    from croupier import SANDBOX_CREDENTIALS, ContractClient, Credentials
    from croupier.conformance.provider._simulator import FLAWS, ProviderSimulator, SimulatorOptions

    name = "provider-sim"
    if output_format not in ("text", "json"):
        _die(name, f"--format must be text or json, not {output_format!r}")
    if flaw is not None and flaw not in FLAWS:
        _die(name, f"unknown flaw {flaw!r}; choose from {', '.join(FLAWS)}")
    if rounds < 1:
        _die(name, "--rounds must be at least 1")
    base = SANDBOX_CREDENTIALS
    credentials = Credentials(
        key_id=key_id or base.key_id,
        secret=secret or base.secret,
        brand=brand or base.brand,
        region=region or base.region,
        provider=provider or base.provider,
    )
    with httpx.Client(base_url=base_url, timeout=30) as http:
        client = ContractClient(http, credentials)
        try:
            client.token()
        except httpx.HTTPError as exc:
            _die(name, f"no token from {base_url}: {exc}")
        sim = ProviderSimulator(
            client,
            SimulatorOptions(rounds=rounds, seed=seed, flaw=flaw),
            log=lambda line: typer.echo(line, err=True),
        )
        result = sim.run()
    if output_format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        typer.echo(
            f"played {result.rounds} rounds: {result.settled} settled, "
            f"{result.rolled_back} rolled back, {result.refused} refused, {result.calls} calls"
        )
    raise typer.Exit(0)


def proxy(
    target: Annotated[str, typer.Option("--target", help="The platform to forward to.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    record: Annotated[
        Path, typer.Option(help="Append every exchange here (JSON Lines) for the judge.")
    ] = Path("croupier-proxy-traffic.jsonl"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the platform.")] = 30.0,
) -> None:
    """Sit between a provider and a platform: forward unchanged, validate both ways, record."""
    from croupier._console import need_extra

    need_extra("proxy", "proxy")
    import httpx
    import uvicorn

    from croupier import ContractError, load_contract
    from croupier.conformance.provider._proxy import ValidatingProxy

    try:
        contract = load_contract()
        _ = contract.bundled
    except ContractError as exc:
        _die("proxy", str(exc))
    if not target.startswith(("http://", "https://")):
        _die("proxy", f"--target must be an http(s) URL, not {target!r}")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.touch()
    except OSError as exc:
        _die("proxy", f"cannot write {record}: {exc}")
    with httpx.Client(base_url=target, timeout=timeout) as forward:
        app = ValidatingProxy(contract, forward, record)
        typer.echo(
            f"croupier proxy: http://{host}:{port} -> {target}; recording to {record} "
            f"(judge it: croupier certify-provider --recording {record})",
            err=True,
        )
        uvicorn.run(app, host=host, port=port, log_level="warning")
