"""Croupier's pytest plugin: the sandbox, a signed client and a conformance assertion.

Registered through the `pytest11` entry point, so a provider's own test suite gets these
fixtures once croupier is installed (the sandbox fixtures need `croupier[sandbox]`):

- `croupier_contract`: the contract (found as every croupier command finds it);
- `croupier_sandbox`: a running sandbox for the test session (`.base_url`, `.credentials`,
  `.reset()`), on a temporary SQLite database;
- `croupier_client`: a `ContractClient` that signs and authenticates every call to it;
- `croupier_assert_conforms`: `croupier_assert_conforms(response)` fails the test, listing
  every problem, unless the exchange matches the contract (status, body schema, trace id).

Importing this module costs nothing: each fixture imports what it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from croupier._client import ContractClient, Credentials
    from croupier._contract import Contract

__all__ = [
    "Sandbox",
    "croupier_assert_conforms",
    "croupier_client",
    "croupier_contract",
    "croupier_sandbox",
]


@dataclass(frozen=True)
class Sandbox:
    """A sandbox running for the test session."""

    base_url: str
    credentials: Credentials

    def reset(self, *, wipe: bool = False) -> None:
        """Restore the seeded test players, pools, faults, modes and the clock."""
        import httpx

        body = {"wipe": True} if wipe else {}
        httpx.post(f"{self.base_url}/sandbox/reset", json=body, timeout=30).raise_for_status()


@pytest.fixture(scope="session")
def croupier_contract() -> Contract:
    """The contract, found as the CLI finds it ($CROUPIER_CONTRACT_DIR, checkout, bundled)."""
    from croupier._contract import load_contract, locate_contract

    return load_contract(locate_contract().root)


@pytest.fixture(scope="session")
def croupier_sandbox() -> Iterator[Sandbox]:
    """A running sandbox (croupier serve on a temporary SQLite database) for the session."""
    from croupier._client import SANDBOX_CREDENTIALS
    from croupier._extras import MissingExtra, require_extra
    from croupier._sandbox_process import SandboxError, sandbox_server

    try:
        require_extra("sandbox", "the croupier_sandbox fixture")
    except MissingExtra as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        with sandbox_server() as base_url:
            yield Sandbox(base_url, SANDBOX_CREDENTIALS)
    except SandboxError as exc:
        pytest.fail(f"croupier_sandbox: the sandbox did not start: {exc}", pytrace=False)


@pytest.fixture
def croupier_client(croupier_sandbox: Sandbox) -> Iterator[ContractClient]:
    """A client of the sandbox that sends the mandatory headers, signs and fetches tokens."""
    import httpx

    from croupier._client import ContractClient

    with httpx.Client(base_url=croupier_sandbox.base_url, timeout=30) as http:
        yield ContractClient(http, croupier_sandbox.credentials)


@pytest.fixture
def croupier_assert_conforms(croupier_contract: Contract) -> Callable[[Any], None]:
    """`croupier_assert_conforms(response)`: fail unless the exchange matches the contract."""
    from croupier._exchange import assert_conforms

    def check(response: Any) -> None:
        __tracebackhide__ = True
        assert_conforms(croupier_contract, response)

    return check
