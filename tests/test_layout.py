"""The house's layout rules (DESIGN.md §1): imports run one way, generated code stays apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Every import name is under `croupier.`; the repository keeps its top-level folders and
# croupier/ links to them (the wheel maps them under croupier/ in pyproject.toml).
# unit -> units of ours it may import ("core" is croupier/*.py itself)
ALLOWED = {
    "core": {"core"},
    "codegen": {"core", "codegen"},
    "conformance": {"core", "codegen", "conformance"},
    "reference_impl": {"core", "codegen", "reference_impl"},
}
SUBPACKAGES = ("codegen", "conformance", "reference_impl")


def _unit(module: str) -> str | None:
    """The unit an absolute module name belongs to, or None when it is not ours."""
    parts = module.split(".")
    if parts[0] in SUBPACKAGES:
        return "old:" + parts[0]  # a top-level name: never allowed any more
    if parts[0] != "croupier":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "core"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
            if node.module == "croupier":  # `from croupier import reference_impl`
                modules += [f"croupier.{alias.name}" for alias in node.names]
    return {unit for unit in map(_unit, modules) if unit is not None}


def _files(unit: str) -> list[Path]:
    if unit == "core":
        return sorted(p for p in (REPO / "croupier").glob("*.py"))
    return sorted((REPO / unit).rglob("*.py"))


@pytest.mark.parametrize("unit", sorted(ALLOWED))
def test_imports_run_one_way(unit: str) -> None:
    offenders = {}
    for path in _files(unit):
        rel = path.relative_to(REPO)
        if rel.as_posix() == "croupier/cli.py":
            continue  # the CLI is the top of the house: it wires every package's command
        extra = _imports(path) - ALLOWED[unit]
        if extra:
            offenders[rel.as_posix()] = sorted(extra)
    assert offenders == {}


def test_no_code_imports_a_top_level_name() -> None:
    """Tests, bench and docs hooks import `croupier.reference_impl`, never `reference_impl`."""
    offenders = {}
    folders = ("croupier", "codegen", "conformance", "reference_impl", "tests", "bench", "docs")
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            if "generated" in path.parts and folder == "codegen":
                continue
            old = sorted(u for u in _imports(path) if u.startswith("old:"))
            if old:
                offenders[path.relative_to(REPO).as_posix()] = old
    assert offenders == {}


def test_croupier_links_to_the_top_level_folders() -> None:
    for name in SUBPACKAGES:
        link = REPO / "croupier" / name
        assert link.is_symlink() and link.resolve() == (REPO / name).resolve(), name


def test_generators_never_import_generated_code() -> None:
    for path in sorted((REPO / "codegen").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.startswith("croupier.codegen.generated")], path
