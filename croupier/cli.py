"""The `croupier` command: one CLI whose subcommands live beside the code they drive.

Each entry of COMMANDS names a typer-annotated function in its own package; importing the
module must stay cheap (heavy imports go inside the function), so `croupier --help` is fast.
Exit codes everywhere: 0 clean, 1 findings or failures, 2 could not run (one-line reason).
"""

from __future__ import annotations

import importlib
import sys

import typer

from croupier._contract import ContractError

__all__ = ["app", "main"]

# name -> "module:function". The set of subcommands is visible here, in one place.
COMMANDS: dict[str, str] = {
    "lint": "conformance.lint._command:lint",
    "gen": "codegen._command:gen",
    "serve": "reference_impl._command:serve",
    "certify": "conformance.certify._command:certify",
    "compat": "conformance.compat._command:compat",
    "docs": "codegen._docs_command:docs",
}

app = typer.Typer(
    name="croupier",
    help="Contract-first spec and conformance toolkit for casino provider/platform integrations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from croupier import __version__

        typer.echo(f"croupier {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Lint, generate, serve, certify and evolve the provider/platform contract."""


def _register() -> None:
    for name, target in COMMANDS.items():
        module_name, _, func_name = target.partition(":")
        module = importlib.import_module(module_name)
        func = getattr(module, func_name)
        app.command(name, help=func.__doc__)(func)


_register()


def main() -> None:
    """Run the CLI; known failures become a one-line reason and exit code 2."""
    try:
        app(standalone_mode=True)
    except (ContractError, OSError) as exc:
        typer.echo(f"croupier: cannot run: {exc}", err=True)
        sys.exit(2)
