"""The built wheel: its top-level names, the contract it carries as data, and its extras."""

from __future__ import annotations

import email.parser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"croupier"}
# the repository's top-level code folders, mapped under croupier/ in the wheel
SUBPACKAGES = ("codegen", "conformance", "reference_impl")
# What `croupier lint`, `certify`, `compat` and `docs build` read, inside the package.
BUNDLED = ("spec", "schemas", "releases", "docs")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (path,) = out.glob("croupier-*.whl")
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel.read(name).decode("utf-8"))


def test_the_wheel_installs_only_our_packages(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    tops = {n.split("/", 1)[0] for n in names}
    dist_info = {t for t in tops if t.endswith(".dist-info")}
    assert tops - dist_info == PACKAGES  # no croupier-report/, tests/, bench/ …
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".db"))]
    assert not [n for n in names if n.split("/", 1)[0] in PACKAGES and "/site/" in n]
    for sub in SUBPACKAGES:
        shipped = {n for n in names if n.startswith(f"croupier/{sub}/") and n.endswith(".py")}
        expected = {
            f"croupier/{p.relative_to(REPO).as_posix()}"
            for p in (REPO / sub).rglob("*.py")
            if "__pycache__" not in p.parts
        }
        assert shipped == expected, sub


def test_the_wheel_carries_the_contract_as_it_is_in_the_checkout(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for folder in BUNDLED:
        expected = {
            p.relative_to(REPO).as_posix()
            for p in (REPO / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        shipped = {
            n.removeprefix("croupier/_bundled/")
            for n in names
            if n.startswith(f"croupier/_bundled/{folder}/")
        }
        assert shipped == expected, folder
    for rel in ("spec/openapi.yaml", "mkdocs.yml", "docs/hooks/reference.py"):
        assert wheel.read(f"croupier/_bundled/{rel}") == (REPO / rel).read_bytes(), rel
    assert any(n.startswith("croupier/_bundled/schemas/avro/") for n in names)


def test_the_base_install_is_what_certify_and_compat_need(wheel: zipfile.ZipFile) -> None:
    meta = _metadata(wheel)
    requires = meta.get_all("Requires-Dist") or []
    base = {r.split(";")[0].split(">")[0].split("[")[0].strip() for r in requires if ";" not in r}
    for heavy in (
        "fastapi",
        "sqlalchemy",
        "mkdocs",
        "mkdocs-material",
        "datamodel-code-generator",
        "nats-py",
        "psycopg",
        "uvicorn",
    ):
        assert heavy not in base, heavy
    assert {"schemathesis", "httpx", "typer", "avro"} <= base
    assert set(meta.get_all("Provides-Extra") or []) >= {"sandbox", "gen", "docs", "dev"}

    def extra(name: str) -> set[str]:
        return {
            r.split(";")[0].split(">")[0].split("[")[0].strip()
            for r in requires
            if f"extra == '{name}'" in r or f'extra == "{name}"' in r
        }

    assert {"fastapi", "uvicorn", "sqlalchemy", "aiosqlite", "psycopg", "nats-py"} <= extra(
        "sandbox"
    )
    assert "datamodel-code-generator" in extra("gen")
    assert {"mkdocs", "mkdocs-material"} <= extra("docs")
    # [dev] is every extra plus the test tools: the README's `pip install -e ".[dev]"`.
    assert extra("sandbox") | extra("gen") | extra("docs") | {"pytest"} <= extra("dev")


def test_the_entry_points(wheel: zipfile.ZipFile) -> None:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(name).decode("utf-8")
    assert "croupier = croupier.cli:main" in text
    assert "[pytest11]\ncroupier = croupier.pytest_plugin" in text
