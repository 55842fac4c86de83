"""Run the sandbox (`croupier serve`) in a subprocess on a free loopback port.

`croupier certify --sandbox`, the tests that need a real server and the bench all start it
here; the core only runs the CLI, it never imports the sandbox's code.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from croupier._tls import ClientTls

__all__ = ["SandboxError", "free_port", "sandbox_server"]


class SandboxError(Exception):
    """The sandbox did not start; the message carries the end of its log."""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def sandbox_server(
    db_url: str | None = None,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
    args: Sequence[str] = (),
    tls: ClientTls | None = None,
) -> Iterator[str]:
    """Run `croupier serve` for the length of the block; yields its base URL.

    Without `db_url` it uses a SQLite file in a temporary folder removed afterwards. `env`
    overrides variables of this process's environment for the server. `args` go to
    `croupier serve` as they are; with `--tls-cert` the URL is https and the readiness probe
    uses `tls` (the CA to trust, the client certificate to present).
    """
    with tempfile.TemporaryDirectory(prefix="croupier-sandbox-") as tmp:
        url_db = db_url or f"sqlite+aiosqlite:///{Path(tmp) / 'sandbox.db'}"
        port = free_port()
        log_path = Path(tmp) / "serve.log"
        command = [sys.executable, "-m", "croupier", "serve", "--db", url_db, "--port", str(port)]
        if workers != 1:
            command += ["--workers", str(workers)]
        command += list(args)
        scheme = "https" if "--tls-cert" in args else "http"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                cwd=cwd,
            )
            base_url = f"{scheme}://127.0.0.1:{port}"
            try:
                _wait_ready(proc, base_url, timeout, log_path, tls)
                yield base_url
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)


def _wait_ready(
    proc: subprocess.Popen[bytes],
    base_url: str,
    timeout: float,
    log: Path,
    tls: ClientTls | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    verify = tls.ssl_context() if tls is not None else True
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SandboxError(f"croupier serve exited with {proc.returncode}: {_tail(log)}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SandboxError(
        f"croupier serve did not answer /health within {timeout:.0f} s: {_tail(log)}"
    )


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(lines[-5:]) or "(empty log)"
