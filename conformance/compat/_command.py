"""`croupier compat`: the typer command; heavy imports stay inside the function."""

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["compat"]


def _fail(reason: str) -> typer.Exit:
    typer.echo(f"croupier compat: cannot run: {reason}", err=True)
    return typer.Exit(2)


def compat(
    documents: Annotated[
        list[str],
        typer.Argument(
            help="[EARLIER …] BASE REVISION: OpenAPI/JSON Schema/Avro files, contract folders,"
            " git:REF, bundled:VERSION (a release shipped with croupier, or bundled:current)"
            " or registry:URL/SUBJECT[@N] (a schema registry subject).",
            show_default=False,
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", help="text, json, markdown, junit, github or sarif.")
    ] = "text",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="Exit 1 when a finding is at this level or above: ERR, WARN or INFO."
        ),
    ] = "ERR",
    mode: Annotated[
        str, typer.Option("--mode", help="backward, forward, full, or their -transitive forms.")
    ] = "backward",
    type_: Annotated[
        str | None, typer.Option("--type", help="Force the type: openapi, jsonschema or avro.")
    ] = None,
    policy: Annotated[
        str,
        typer.Option(
            "--policy", help="JSON Schema policy: croupier, confluent-strict or confluent-lenient."
        ),
    ] = "croupier",
    levels: Annotated[
        Path | None, typer.Option("--levels", help="YAML/JSON mapping rule id -> ERR|WARN|INFO.")
    ] = None,
    check_policy: Annotated[
        bool,
        typer.Option(
            "--check-policy/--no-check-policy",
            help="Also exit 1 when release policy is violated (semver bump, /v{major}/, sunsets).",
        ),
    ] = False,
    usage: Annotated[
        Path | None,
        typer.Option(
            "--usage",
            help="A usage export (GET /sandbox/usage): removing an operation it shows in use "
            "is a release-policy error.",
        ),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to FILE instead of stdout."),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option("--today", help="Judge x-sunset dates as of this ISO date.", hidden=True),
    ] = None,
) -> None:
    """Judge how the contract evolved (HTTP and events), explain findings, name the semver bump."""
    import datetime as dt
    import tempfile

    from croupier._contract import ContractError
    from croupier.conformance.compat._compare import compare_loaded
    from croupier.conformance.compat._loader import CompatError, load_argument
    from croupier.conformance.compat._registry import LEVELS
    from croupier.conformance.compat._report import FORMATS, render

    if format not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}, not {format!r}")
    if fail_on.upper() not in LEVELS:
        raise _fail(f"--fail-on must be one of {', '.join(LEVELS)}, not {fail_on!r}")
    if len(documents) < 2:
        raise _fail("give at least BASE and REVISION")
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise _fail(f"--today {today!r} is not an ISO date") from None
    from croupier._console import note

    try:
        for arg in documents:
            if arg.startswith("bundled:"):
                note("compat", f"{arg} is {_describe_bundled(arg)}")
        level_map = _read_levels(levels) if levels else {}
        usage_export = _read_usage(usage) if usage else None
        with tempfile.TemporaryDirectory(prefix="croupier-compat-") as work:
            loaded = [load_argument(arg, type_, Path(work)) for arg in documents]
            result = compare_loaded(
                loaded,
                mode=mode,
                policy=policy,
                levels=level_map,
                today=day,
                check_policy=check_policy,
                usage=usage_export,
            )
            # Rendered while git exports still exist: positions are read from the files.
            output = render(result, format, fail_on.upper())
    except (CompatError, ContractError) as exc:
        raise _fail(str(exc)) from None
    from croupier._console import write_report

    write_report("compat", output, output_file)
    raise typer.Exit(1 if result.fails(fail_on.upper()) else 0)


def _read_levels(path: Path) -> dict[str, str]:
    import json

    import yaml

    from croupier.conformance.compat._loader import CompatError

    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, yaml.YAMLError):
        raise CompatError(f"{path}: not valid YAML/JSON") from None
    if not isinstance(data, dict):
        raise CompatError(f"{path}: the levels file must map rule ids to ERR, WARN or INFO")
    return {str(k): str(v).upper() for k, v in data.items()}


def _read_usage(path: Path) -> dict[str, object]:
    import json

    from croupier.conformance.compat._compare import usage_by_operation
    from croupier.conformance.compat._loader import CompatError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError:
        raise CompatError(f"{path}: the usage export is not JSON") from None
    usage_by_operation(data)  # refuses a malformed export before anything is compared
    return dict(data)


def _describe_bundled(arg: str) -> str:
    from croupier._contract import ContractLocation
    from croupier.conformance.compat._loader import bundled_contract

    root = bundled_contract(arg.partition(":")[2])
    return ContractLocation(root, "bundled" if "_bundled" in root.parts else "source").describe()
