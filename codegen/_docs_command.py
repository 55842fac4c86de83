"""`croupier docs`: build or serve the docs site; reference pages come from the contract."""

from __future__ import annotations

import enum
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["docs"]


class Action(enum.StrEnum):
    """What `croupier docs` does."""

    build = "build"
    serve = "serve"


def docs(
    action: Annotated[
        Action, typer.Argument(help="build: write the static site; serve: preview it live.")
    ] = Action.build,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on any warning (broken link, missing page).")
    ] = False,
    site_dir: Annotated[
        Path | None, typer.Option("--site-dir", help="Where to write the site (default: site/).")
    ] = None,
    dev_addr: Annotated[
        str, typer.Option("--dev-addr", help="Address `serve` listens on.")
    ] = "127.0.0.1:8001",
) -> None:
    """Build or serve the docs site; the API, error, event and rule pages come from the contract."""
    from croupier._console import announce_contract, fail, need_extra

    need_extra("docs", "docs")
    root = announce_contract("docs").root
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        fail("docs", f"no mkdocs.yml in {root}")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

    # Heavy imports stay here so `croupier --help` stays fast.
    from mkdocs import exceptions as mkdocs_exceptions
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    cwd = Path.cwd()
    try:
        os.chdir(root)  # mkdocs resolves docs_dir and hooks against the config file's folder
        if action is Action.serve:
            from mkdocs.commands.serve import serve

            serve(config_file=str(config_file), strict=strict, dev_addr=dev_addr)
            return
        from mkdocs.commands.build import build

        # The site goes to the current folder (./site by default), never beside the contract:
        # the contract may be the read-only copy inside the installed package.
        site = str((cwd / (site_dir or Path("site"))).resolve())
        config = load_config(config_file=str(config_file), strict=strict, site_dir=site)
        build(config)
        typer.echo(f"croupier docs: site written to {config.site_dir}")
    except mkdocs_exceptions.ConfigurationError as exc:
        typer.echo(f"croupier docs: cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    except mkdocs_exceptions.Abort as exc:
        typer.echo(f"croupier docs: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        os.chdir(cwd)

