"""`croupier certify`: point Croupier at an implementation of the contract and get a verdict."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["RETIRED_IDS", "certify"]

# Ids that no longer exist -> the id that reports the same thing now.
RETIRED_IDS = {"not_a_server_error": "no-server-error"}


def _ids(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _die(message: str) -> None:
    typer.echo(f"croupier certify: cannot run: {message}", err=True)
    raise typer.Exit(2)


def _read_key(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _die(f"--private-key {path}: {exc}")
    if "PRIVATE KEY" not in text:
        _die(f"--private-key {path} is not a PEM private key")
    return text


def certify(
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            help="Target profile (TOML, YAML, or a pyproject.toml's [tool.croupier.certify]): "
            "URL, OAuth client, signing key, TLS, headers, test-account fixtures. "
            "Flags override it.",
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Root URL of the implementation to certify.")
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Start the reference implementation on a temp SQLite DB, certify it, stop it.",
        ),
    ] = False,
    key_id: Annotated[
        str | None, typer.Option(help="Signing key id (default: the sandbox's).")
    ] = None,
    secret: Annotated[
        str | None, typer.Option(help="Signing secret (default: the sandbox's).")
    ] = None,
    brand: Annotated[str | None, typer.Option(help="X-Brand-Id to send.")] = None,
    region: Annotated[str | None, typer.Option(help="X-Region to send.")] = None,
    provider: Annotated[str | None, typer.Option(help="X-Provider-Id to send.")] = None,
    private_key: Annotated[
        Path | None,
        typer.Option(
            "--private-key",
            help="Sign with this Ed25519 private key (PEM) under --key-id instead of HMAC; "
            "--secret stays the OAuth2 client secret.",
        ),
    ] = None,
    client_id: Annotated[
        str | None, typer.Option(help="OAuth2 client id (default: the key id).")
    ] = None,
    ca_cert: Annotated[
        Path | None, typer.Option("--ca-cert", help="Trust this CA (PEM) for https targets.")
    ] = None,
    client_cert: Annotated[
        Path | None,
        typer.Option("--client-cert", help="mTLS: present this client certificate (PEM)."),
    ] = None,
    client_key: Annotated[
        Path | None, typer.Option("--client-key", help="mTLS: the client certificate's key.")
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            "--control-token",
            envvar="CROUPIER_CONTROL_TOKEN",
            help="X-Control-Token for a sandbox whose control surface is protected.",
        ),
    ] = None,
    report_dir: Annotated[
        Path,
        typer.Option(help="Where junit.xml, report.json, report.md and manifest.json go."),
    ] = Path("croupier-report"),
    sign_report: Annotated[
        Path | None,
        typer.Option(
            "--sign-report",
            metavar="KEYFILE",
            help="Sign the report bundle's manifest with this Ed25519 private key (PEM, as "
            "`croupier keys new` writes); check it with `croupier report verify`.",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed for every random choice; replays a run.")
    ] = None,
    max_examples: Annotated[
        int, typer.Option(help="Schemathesis examples per operation and Hypothesis sequences.")
    ] = 5,
    only: Annotated[
        str | None, typer.Option(help="Run only these check/scenario ids (comma-separated).")
    ] = None,
    skip: Annotated[
        str | None, typer.Option(help="Skip these check/scenario ids (comma-separated).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text or json (on stdout, or into --output).")
    ] = "text",
    output_file: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to FILE instead of stdout."),
    ] = None,
    phases: Annotated[
        str,
        typer.Option(help="Comma-separated phases: contract, scenarios, latency (and load)."),
    ] = "contract,scenarios,latency",
    latency_samples: Annotated[
        int, typer.Option(help="Timed calls per operation and round in the latency phase.")
    ] = 100,
    latency_concurrency: Annotated[
        int, typer.Option(help="Threads sending latency samples at once (latency under load).")
    ] = 1,
    latency_rounds: Annotated[
        int,
        typer.Option(help="Most rounds per budget; a budget fails only in a majority of them."),
    ] = 3,
    load: Annotated[
        bool,
        typer.Option(
            "--load",
            help="Also run the load phase: bet/settle rounds driven by Locust (the load extra).",
        ),
    ] = False,
    load_users: Annotated[
        int, typer.Option(help="Load phase: concurrent players (Locust users).")
    ] = 10,
    load_rate: Annotated[
        float | None,
        typer.Option(
            help="Load phase: bet rounds per second in all (default: as fast as answered)."
        ),
    ] = None,
    load_duration: Annotated[float, typer.Option(help="Load phase: seconds of load.")] = 30.0,
    load_workers: Annotated[
        int,
        typer.Option(
            help="Load phase: 0 runs one Locust process; N runs a Locust master and N workers."
        ),
    ] = 0,
    load_max_error_rate: Annotated[
        float, typer.Option(help="Load phase: most failed calls per operation (0.01 = 1 %).")
    ] = 0.01,
    control: Annotated[
        str | None,
        typer.Option(
            "--control",
            help="auto, on or off: whether to use the sandbox control surface (profile: "
            "use_control).",
        ),
    ] = None,
    max_wait: Annotated[
        float | None,
        typer.Option(
            "--max-wait",
            help="Longest real-time wait (s) a scenario may make without a sandbox clock "
            "(profile: max_wait_s; default 120).",
        ),
    ] = None,
) -> None:
    """Certify an implementation of the contract: fuzzing, scenarios and latency against x-slo."""
    _keep_hypothesis_out_of_the_current_folder()
    from rich.console import Console

    from croupier import (
        SANDBOX_CREDENTIALS,
        ClientTls,
        ContractError,
        Credentials,
        SandboxError,
        load_contract,
        sandbox_server,
    )
    from croupier._console import announce_contract, need_extra
    from croupier.conformance.certify._bundle import BundleError, load_signing_key
    from croupier.conformance.certify._engine import (
        PHASES,
        CertifyOptions,
        certify_target,
        known_ids,
    )
    from croupier.conformance.certify._fixtures import SANDBOX_KIT
    from croupier.conformance.certify._load import LoadSettings
    from croupier.conformance.certify._profile import Profile, ProfileError, load_profile
    from croupier.conformance.certify._reports import redact, render_json, write_reports
    from croupier.conformance.certify._target import TargetUnavailable
    from croupier.conformance.certify._terminal import TerminalReporter, summary_table

    if output_format not in ("text", "json"):
        _die(f"--format must be text or json, not {output_format!r}")
    profile = Profile()
    if target is not None:
        try:
            profile = load_profile(target)
        except ProfileError as exc:
            _die(f"{target}: {exc}")
    if control not in (None, "auto", "on", "off"):
        _die(f"--control must be auto, on or off, not {control!r}")
    if max_wait is not None and max_wait < 0:
        _die("--max-wait must be at least 0")
    base_url = base_url or (None if sandbox else profile.base_url)
    if sandbox == (base_url is not None):
        _die("give exactly one of --base-url URL, --sandbox, or a --target profile with base_url")
    if base_url is not None:
        _check_base_url(base_url)
    chosen_phases = tuple(p.strip() for p in phases.split(",") if p.strip())
    unknown_phases = [p for p in chosen_phases if p not in PHASES]
    if unknown_phases or not chosen_phases:
        _die(f"unknown phase(s) {unknown_phases}; choose from {', '.join(PHASES)}")
    if min(max_examples, latency_samples, latency_concurrency, latency_rounds) < 1:
        _die(
            "--max-examples, --latency-samples, --latency-concurrency and --latency-rounds "
            "must be at least 1"
        )
    signing_key = None
    if sign_report is not None:
        try:
            signing_key = load_signing_key(sign_report)
        except BundleError as exc:
            _die(f"--sign-report {exc}")
    if load and "load" not in chosen_phases:
        chosen_phases = (*chosen_phases, "load")
    if "load" in chosen_phases:
        need_extra("certify", "load", "--load")
        if load_users < 1 or load_duration < 1 or load_workers < 0:
            _die("--load-users and --load-duration must be at least 1, --load-workers at least 0")
        if load_rate is not None and load_rate <= 0:
            _die("--load-rate must be more than 0")
        if not 0 <= load_max_error_rate < 1:
            _die("--load-max-error-rate must be from 0 to below 1")
    if sandbox:
        need_extra("certify", "sandbox", "--sandbox")
    location = announce_contract("certify")
    try:
        contract = load_contract(location.root)
        _ = contract.bundled
    except ContractError as exc:
        _die(str(exc))
    only_ids, skip_ids = _ids(only), _ids(skip) or set()
    known = known_ids(contract)
    unknown = sorted(((only_ids or set()) | skip_ids) - set(known))
    retired = [f"{i} is now reported as {RETIRED_IDS[i]}" for i in unknown if i in RETIRED_IDS]
    if unknown:
        _die(
            f"unknown id(s) {', '.join(unknown)}; "
            + (f"{'; '.join(retired)}; " if retired else "")
            + "see docs/guide/certify.md for the catalog"
        )
    base = profile.credentials or SANDBOX_CREDENTIALS
    credentials = Credentials(
        key_id=key_id or base.key_id,
        secret=secret or base.secret,
        brand=brand or base.brand,
        region=region or base.region,
        provider=provider or base.provider,
        client_id=client_id or base.client_id,
        private_key=_read_key(private_key) or base.private_key,
        client_secret=None if secret else base.client_secret,
    )
    connection = profile.connection
    if client_id is not None and connection.oauth.client_id is not None:
        # --client-id names the OAuth client over the profile's; --secret is its secret then.
        connection = dataclasses.replace(
            connection,
            oauth=dataclasses.replace(
                connection.oauth,
                client_id=client_id,
                client_secret=secret or connection.oauth.client_secret,
            ),
        )
    if (client_cert is None) != (client_key is None):
        _die("--client-cert and --client-key go together")
    tls = None
    if ca_cert or client_cert:
        tls = ClientTls(
            str(ca_cert) if ca_cert else None,
            str(client_cert) if client_cert else None,
            str(client_key) if client_key else None,
        )
    secrets = (*profile.secrets, credentials.secret, credentials.oauth_client_secret)
    console = Console(stderr=True)
    with contextlib.ExitStack() as stack:
        if sandbox:
            try:
                base_url = stack.enter_context(sandbox_server())
            except (SandboxError, OSError) as exc:
                _die(f"the sandbox did not start: {exc}")
        assert base_url is not None
        options = CertifyOptions(
            base_url=base_url,
            credentials=credentials,
            seed=seed,
            max_examples=max_examples,
            only=only_ids,
            skip=skip_ids,
            phases=chosen_phases,
            latency_samples=latency_samples,
            tls=tls,
            control_token=control_token,
            latency_concurrency=latency_concurrency,
            latency_rounds=latency_rounds,
            fixtures=SANDBOX_KIT if sandbox and profile.fixtures.empty else profile.fixtures,
            use_control={"on": True, "off": False}.get(control or "", profile.use_control)
            if control != "auto"
            else None,
            max_wait_s=max_wait
            if max_wait is not None
            else (profile.max_wait_s if profile.max_wait_s is not None else 120.0),
            connection=connection,
            load=LoadSettings(
                users=load_users,
                rate_per_s=load_rate,
                duration_s=load_duration,
                workers=load_workers,
                max_error_rate=load_max_error_rate,
            ),
        )
        reporter = TerminalReporter(console)
        try:
            with reporter:
                run = certify_target(options, contract, [reporter])
        except TargetUnavailable as exc:
            _die(redact(str(exc), secrets))
    try:
        paths = write_reports(run, report_dir, secrets, signing_key)
    except OSError as exc:
        _die(f"cannot write the reports into {report_dir}: {exc.strerror}")
    if output_file is not None:
        from croupier._console import plain_text, write_report

        text = render_json(run) if output_format == "json" else plain_text(summary_table(run))
        write_report("certify", redact(text, secrets), output_file)
    elif output_format == "json":
        sys.stdout.write(redact(render_json(run), secrets))
    if output_format != "json":
        console.print(summary_table(run))
        console.print(f"reports: {', '.join(str(p) for p in paths.values())}")
        verdict = "[bold green]PASSED[/]" if run.passed else "[bold red]FAILED[/]"
        console.print(f"certification {verdict} in {run.duration_s:.1f} s (seed {run.seed})")
    raise typer.Exit(0 if run.passed else 1)


def _keep_hypothesis_out_of_the_current_folder() -> None:
    """Hypothesis caches into ./.hypothesis/ by default; certify keeps it in the user's cache.

    `HYPOTHESIS_STORAGE_DIRECTORY`, when set, still decides.
    """
    import os

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(cache / "croupier" / "hypothesis")


def _check_base_url(url: str) -> None:
    """An http(s) URL with a host; `127.0.0.1:9` (no scheme) is named as such, not a 'refused'."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if "://" not in url:
        _die(f"--base-url {url!r} has no scheme: write http://{url} or https://{url}")
    if parts.scheme not in ("http", "https"):
        _die(f"--base-url {url!r} has the scheme {parts.scheme!r}: use http or https")
    if not parts.hostname:
        _die(f"--base-url {url!r} names no host")
