"""Shared fixtures: the contract under test and the service URLs CI provides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from croupier import Contract, load_contract

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden` rewrites golden files instead of comparing against them."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/data/golden/ from the current output",
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout under test."""
    return REPO


@pytest.fixture(scope="session")
def contract() -> Contract:
    """The project's own contract."""
    return load_contract(REPO)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """PostgreSQL URL from CROUPIER_TEST_PG_URL, or skip saying how to enable."""
    url = os.environ.get("CROUPIER_TEST_PG_URL")
    if not url:
        pytest.skip(
            "PostgreSQL tests need CROUPIER_TEST_PG_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
        )
    return url


@pytest.fixture
def pg_fresh_url(pg_url: str):  # type: ignore[no-untyped-def]
    """A PostgreSQL URL on a schema of its own, dropped afterwards.

    The shared database keeps whatever an aborted run left behind (a moved sandbox clock,
    say); a test that judges the sandbox's state must not start from it.
    """
    import uuid

    import psycopg

    schema = f"croupier_t_{uuid.uuid4().hex[:10]}"
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_url else "?"
    yield f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
