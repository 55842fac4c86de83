"""The house's layout rules (DESIGN.md §1): imports run one way, generated code stays apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# package -> top-level packages of ours it may import
ALLOWED = {
    "croupier": {"croupier"},
    "codegen": {"croupier", "codegen"},
    "conformance": {"croupier", "codegen", "conformance"},
    "reference_impl": {"croupier", "codegen", "reference_impl"},
}
OURS = set(ALLOWED)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_one_way(package: str) -> None:
    offenders = {}
    for path in sorted((REPO / package).rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.as_posix() == "croupier/cli.py":
            continue  # the CLI is the top of the house: it wires every package's command
        extra = _imports(path) - ALLOWED[package]
        if extra:
            offenders[rel.as_posix()] = sorted(extra)
    assert offenders == {}


def test_generators_never_import_generated_code() -> None:
    for path in sorted((REPO / "codegen").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.startswith("codegen.generated")], path
