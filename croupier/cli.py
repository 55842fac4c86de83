"""The `croupier` command: one CLI whose subcommands live beside the code they drive.

Each entry of COMMANDS names a typer-annotated function in its own package. A command's
module is imported only when that command runs: `croupier --help` reads each function's
docstring from its source file, so it never pays for Schemathesis, FastAPI or MkDocs.
Exit codes everywhere: 0 clean, 1 findings or failures, 2 could not run (one-line reason).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["app", "main"]

# name -> "module:function". The set of subcommands is visible here, in one place.
COMMANDS: dict[str, str] = {
    "lint": "croupier.conformance.lint._command:lint",
    "gen": "croupier.codegen._command:gen",
    "serve": "croupier.reference_impl._command:serve",
    "certify": "croupier.conformance.certify._command:certify",
    "certify-provider": "croupier.conformance.provider._command:certify_provider",
    "provider-sim": "croupier.conformance.provider._command:provider_sim",
    "proxy": "croupier.conformance.provider._command:proxy",
    "certify-consumer": "croupier.conformance.consumer._command:certify_consumer",
    "serve-consumer": "croupier.reference_impl._consumer:serve_consumer",
    "compat": "croupier.conformance.compat._command:compat",
    "docs": "croupier.codegen._docs_command:docs",
    "keys": "croupier._keys:keys_app",
    "report": "croupier.conformance.certify._bundle:report_app",
    "audit": "croupier.reference_impl._audit_command:audit_app",
}


def _source_docstring(target: str) -> str | None:
    """The function's docstring read from its source file, without importing its package."""
    module_name, _, func_name = target.partition(":")
    top, *rest = module_name.split(".")
    try:
        spec = importlib.util.find_spec(top)  # a top-level look-up runs no package code
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *rest).with_suffix(".py")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func_name:
            return ast.get_docstring(node)
        # A group of sub-commands: `name = typer.Typer(..., help="...")`.
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == func_name for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _load(name: str) -> Any:
    """Import a command's module and build its click command (what `app.command` would)."""
    module_name, _, func_name = COMMANDS[name].partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    if isinstance(func, typer.Typer):  # a group of sub-commands, e.g. `keys new`
        group = typer.main.get_command(func)
        group.name = name
        return group
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name, help=func.__doc__)(func)
    command = typer.main.get_command(single)
    command.name = name
    return command


class _Placeholder(TyperCommand):
    """Stands in for a command in the help listing until the command is run."""


class _LazyGroup(TyperGroup):
    """The root group: lists every command from COMMANDS, imports one only to run it."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, target in COMMANDS.items():
            if name in self.commands:
                continue
            doc = _source_docstring(target)
            self.commands[name] = _load(name) if doc is None else _Placeholder(name, help=doc)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Placeholder):
            command = self.commands[name] = _load(name)
        return name, command, rest


app = typer.Typer(
    name="croupier",
    cls=_LazyGroup,
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
    contract: Annotated[
        Path | None,
        typer.Option(
            "--contract",
            metavar="DIR",
            help="Use the contract in DIR (holds spec/openapi.yaml). Default: "
            "$CROUPIER_CONTRACT_DIR, else the checkout around the current folder, else the one "
            "bundled with croupier.",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only reports and errors (no progress notes)."),
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours or styles (also: NO_COLOR=1).")
    ] = False,
) -> None:
    """Lint, generate, serve, certify and evolve the provider/platform contract."""
    import os

    # Environment variables, so child processes (the sandbox of certify --sandbox) follow too.
    if quiet:
        os.environ["CROUPIER_QUIET"] = "1"
    if no_color:
        os.environ["NO_COLOR"] = "1"
    if contract is not None:
        from croupier._contract import use_contract_dir

        use_contract_dir(contract)


def _command_name() -> str:
    """`croupier <command>` as typed, for one-line messages raised outside a command."""
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    name = next((w for w in words if w in COMMANDS), None)
    return f"croupier {name}" if name else "croupier"


def _usage_error(exc: BaseException) -> bool:
    # typer ≥ 0.20 vendors click (typer._click): match click's exception classes by name.
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__)


def main() -> None:
    """Run the CLI; known failures become a one-line reason and exit code 2."""
    from croupier._contract import ContractError
    from croupier._extras import MissingExtra, extra_for_module

    name = _command_name()
    try:
        code = app(standalone_mode=False)
    except MissingExtra as exc:
        typer.echo(f"{name}: cannot run: {exc}", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        extra = extra_for_module(exc.name)
        if extra is None:
            raise
        typer.echo(f"{name}: cannot run: {MissingExtra(extra)}", err=True)
        sys.exit(2)
    except (ContractError, OSError) as exc:
        typer.echo(f"{name}: cannot run: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # Ctrl-C at a prompt, end of input
            typer.echo(f"{name}: aborted", err=True)
            sys.exit(1)
        if not _usage_error(exc):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `croupier`: the help, as asked
            exc.show()  # type: ignore[attr-defined]
        else:  # one line, the same style as every other reason a command cannot run
            message = str(exc.format_message()).rstrip(".")  # type: ignore[attr-defined]
            typer.echo(f"{name}: cannot run: {message} (see {name} --help)", err=True)
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
