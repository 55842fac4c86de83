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
