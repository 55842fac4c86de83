"""Which contract a command uses: --contract DIR, $CROUPIER_CONTRACT_DIR, the checkout, bundled."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from croupier import ContractError, locate_contract
from croupier._contract import bundled_root, released_contracts

REPO = Path(__file__).resolve().parents[2]


def _croupier(*args: str, cwd: Path, env: dict[str, str] | None = None):
    base = {k: v for k, v in os.environ.items() if k != "CROUPIER_CONTRACT_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "croupier", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
    )


@pytest.fixture
def other_contract(tmp_path: Path) -> Path:
    """A copy of the contract in a folder of its own."""
    root = tmp_path / "other"
    shutil.copytree(REPO / "spec", root / "spec")
    shutil.copytree(REPO / "schemas", root / "schemas")
    return root


def test_a_checkout_is_found_upward_from_the_current_folder(monkeypatch) -> None:
    monkeypatch.delenv("CROUPIER_CONTRACT_DIR", raising=False)
    location = locate_contract(REPO / "schemas" / "events")
    assert (location.root, location.origin) == (REPO, "checkout")


def test_the_environment_wins_over_the_checkout(monkeypatch, other_contract) -> None:
    monkeypatch.setenv("CROUPIER_CONTRACT_DIR", str(other_contract))
    location = locate_contract(REPO)
    assert (location.root, location.origin) == (other_contract, "CROUPIER_CONTRACT_DIR")
    spec = yaml.safe_load((REPO / "spec" / "openapi.yaml").read_text(encoding="utf-8"))
    assert location.version == spec["info"]["version"]
    assert "from $CROUPIER_CONTRACT_DIR" in location.describe()


def test_outside_any_checkout_the_packaged_contract_is_used(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("CROUPIER_CONTRACT_DIR", raising=False)
    location = locate_contract(tmp_path)
    # From a source checkout (editable install) that is the checkout; from a wheel, the copy
    # inside the package (tests/test_packaging.py covers the wheel).
    assert location.root == bundled_root()
    assert location.origin in ("source", "bundled")
    assert (location.root / "spec" / "openapi.yaml").is_file()


def test_every_command_says_which_contract_it_uses(tmp_path, other_contract) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    checkout = _croupier("lint", cwd=REPO)
    assert checkout.returncode == 0, checkout.stderr
    version = locate_contract(REPO).version
    assert (
        f"croupier lint: using contract {version} at {REPO} (found from the current folder)"
        in checkout.stderr
    )
    given = _croupier("--contract", str(other_contract), "lint", cwd=empty)
    assert given.returncode == 0, given.stderr
    assert f"at {other_contract} (given with --contract)" in given.stderr


def test_contract_option_wins_over_the_environment(tmp_path, other_contract) -> None:
    result = _croupier(
        "--contract",
        str(other_contract),
        "lint",
        cwd=REPO,
        env={"CROUPIER_CONTRACT_DIR": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert f"at {other_contract} (given with --contract)" in result.stderr


def test_a_contract_option_without_a_contract_is_exit_2_in_one_line(tmp_path) -> None:
    result = _croupier("--contract", str(tmp_path), "lint", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"croupier lint: cannot run: --contract {tmp_path}: holds no spec/openapi.yaml"
    )


def test_quiet_environment_silences_the_contract_line() -> None:
    result = _croupier("lint", cwd=REPO, env={"CROUPIER_QUIET": "1"})
    assert result.returncode == 0 and result.stderr == ""


def test_a_bad_environment_variable_is_a_contract_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CROUPIER_CONTRACT_DIR", str(tmp_path))
    with pytest.raises(ContractError, match="holds no spec/openapi.yaml"):
        locate_contract()


def test_released_contracts_are_shipped_by_version() -> None:
    releases = released_contracts()
    assert "1.0.0" in releases
    assert (releases["1.0.0"] / "spec" / "openapi.yaml").is_file()


# Each release folder is that release's spec/ and schemas/ byte for byte (never edited).
RELEASE_COMMITS = {"1.0.0": "a205dc7b8a2c95c3a2b236e9b69e860b4f4409d3"}


@pytest.mark.parametrize("version", sorted(RELEASE_COMMITS))
def test_a_release_folder_is_its_release_commit(version: str) -> None:
    commit = RELEASE_COMMITS[version]
    listing = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", commit, "--", "spec", "schemas"],
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        pytest.skip(f"git history with {commit[:7]} is not available here")
    folder = REPO / "releases" / version
    shipped = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert shipped == sorted(listing.stdout.split())
    for rel in shipped:
        blob = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:{rel}"], capture_output=True, check=True
        ).stdout
        assert (folder / rel).read_bytes() == blob, rel
