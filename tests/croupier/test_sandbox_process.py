from __future__ import annotations

import httpx
import pytest

from croupier import SandboxError, sandbox_server


def test_the_sandbox_answers_while_the_block_runs_and_stops_after() -> None:
    with sandbox_server() as base:
        assert httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok"
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/health", timeout=2)


def test_a_server_that_cannot_start_says_why() -> None:
    with pytest.raises(SandboxError, match="exited with"):
        with sandbox_server("nosuchdialect://nowhere", timeout=30):
            pass  # pragma: no cover - never reached
