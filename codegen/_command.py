"""`croupier gen [ROOT] [--check]`: write, or check, every generated file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["gen", "generate_all", "stale_files"]


def generate_all(root: Path) -> dict[str, str]:
    """Relative path -> expected content of every file `croupier gen` owns for the contract."""
    from croupier._contract import load_contract
    from croupier.codegen._asyncapi import generate_asyncapi
    from croupier.codegen._avro import generate_avro
    from croupier.codegen._models import generate_models
    from croupier.codegen._settings import load_settings

    contract = load_contract(root)
    settings = load_settings(contract.root)
    files = generate_models(contract, settings)
    files.update(generate_avro(contract, settings))
    files.update(generate_asyncapi(contract, settings))
    return dict(sorted(files.items()))


def _owned_files(root: Path) -> list[str]:
    """Files already in the generated folders (so an orphan of a removed source is found)."""
    from croupier.codegen._settings import load_settings

    settings = load_settings(root)
    found = []
    for folder, pattern in ((settings.output_dir, "*.py"), (settings.avro_dir, "*/*.avsc")):
        base = root / folder
        if base.is_dir():
            found += [p.relative_to(root).as_posix() for p in base.glob(pattern)]
    if (root / settings.asyncapi_file).is_file():
        found.append(settings.asyncapi_file)
    return sorted(found)


def stale_files(root: Path, expected: dict[str, str]) -> list[tuple[str, str]]:
    """(path, why) for every generated file that is missing, out of date or has no source."""
    problems = []
    for rel, text in expected.items():
        path = root / rel
        if not path.is_file():
            problems.append((rel, "missing"))
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append((rel, "stale"))
    for rel in _owned_files(root):
        if rel not in expected:
            problems.append((rel, "orphaned (no source)"))
    return problems


def gen(
    root: Annotated[
        Path | None,
        typer.Argument(help="Contract folder (holds spec/openapi.yaml); default: found from here."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 naming each missing or stale file."),
    ] = False,
) -> None:
    """Generate Pydantic models (codegen/generated/), Avro twins and the AsyncAPI document."""
    from croupier._console import announce_contract, need_extra
    from croupier._contract import ContractError

    need_extra("gen", "gen")
    base = announce_contract("gen", root, writes=True).root
    try:
        expected = generate_all(base)
    except ContractError as exc:
        typer.echo(f"croupier gen: cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # the generator's own errors: one line and exit 2, no traceback
        typer.echo(f"croupier gen: cannot run: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    problems = stale_files(base, expected)
    if check:
        for rel, why in problems:
            typer.echo(f"{rel}: {why}; run `croupier gen`")
        if problems:
            raise typer.Exit(1)
        typer.echo(f"croupier gen --check: {len(expected)} generated files up to date")
        return
    for rel, why in problems:
        path = base / rel
        if why.startswith("orphaned"):
            path.unlink()
            typer.echo(f"removed {rel} (no source)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(expected[rel].encode("utf-8"))
        typer.echo(f"wrote {rel}")
    typer.echo(f"croupier gen: {len(expected)} files, {len(problems)} changed")
