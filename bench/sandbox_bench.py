"""Throughput and latency of authorize+settle against `croupier serve` on SQLite.

Reproducible and bounded: starts its own server on a free loopback port with a fresh
SQLite file, measures a baseline (GET /health) in the same run, then N authorize+settle
pairs, and reports figures and their ratios to the baseline (machines differ; ratios
travel better). Usage:

    python bench/sandbox_bench.py [--pairs 300] [--concurrency 8] [--workers 1]
                                  [--write docs/reference/sandbox-performance.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from croupier import ContractClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "croupier",
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    out = log.open("wb")
    proc = subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "CROUPIER_NATS_URL": ""}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start:\n{log.read_text()}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(task, n: int, concurrency: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        task(i)
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - t0, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.pairs <= 5000 or not 1 <= args.concurrency <= 64:
        raise SystemExit("keep it bounded: --pairs 1..5000, --concurrency 1..64")

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        proc = start(db, port, args.workers, Path(tmp) / "serve.log")
        try:
            limits = httpx.Limits(max_connections=args.concurrency * 2)
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
            ) as http:
                cash = f"{args.pairs * 2}.00"
                http.put("/sandbox/players/p_bench", json={"currency": "EUR", "cash": cash})
                api = ContractClient(http)
                session = api.call(
                    "POST",
                    "/v1/sessions",
                    {
                        "player_id": "p_bench",
                        "game_id": "game_slots_demo",
                        "currency": "EUR",
                        "locale": "en-GB",
                    },
                ).json()["session_id"]

                def health(i: int) -> None:
                    assert http.get("/health").status_code == 200

                def pair(i: int) -> None:
                    bet = {
                        "bet_id": f"b-{i}",
                        "round_id": f"r-{i}",
                        "session_id": session,
                        "player_id": "p_bench",
                        "game_id": "game_slots_demo",
                        "stake": {"amount": "1.00", "currency": "EUR"},
                    }
                    r = api.call("POST", "/v1/bets/authorize", bet)
                    assert r.status_code == 200, r.text
                    r = api.call(
                        "POST",
                        "/v1/bets/settle",
                        {
                            "bet_id": f"b-{i}",
                            "round_id": f"r-{i}",
                            "player_id": "p_bench",
                            "win": {"amount": "0.50", "currency": "EUR"},
                        },
                    )
                    assert r.status_code == 200, r.text

                run(health, 50, args.concurrency)  # warm-up
                base_s, base_lat = run(health, args.pairs * 2, args.concurrency)
                pair_s, pair_lat = run(pair, args.pairs, args.concurrency)
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    health_rps = args.pairs * 2 / base_s
    calls_rps = args.pairs * 2 / pair_s
    call_lat = [x / 2 for x in pair_lat]
    rows = [
        ("GET /health (baseline)", health_rps, base_lat),
        ("authorize+settle, per call", calls_rps, call_lat),
    ]
    lines = [
        "| workload | requests/s | p50 ms | p95 ms | throughput vs baseline | p50 vs baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base_p50 = statistics.median(base_lat)
    for name, rps, lat in rows:
        lines.append(
            f"| {name} | {rps:.0f} | {statistics.median(lat) * 1000:.1f} | "
            f"{percentile(lat, 0.95) * 1000:.1f} | {rps / health_rps:.2f} | "
            f"{statistics.median(lat) / base_p50:.2f} |"
        )
    setup = (
        f"{args.pairs} authorize+settle pairs ({args.pairs * 2} calls) and "
        f"{args.pairs * 2} health calls, {args.concurrency} concurrent clients, "
        f"{args.workers} worker(s), SQLite (WAL), loopback; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s)."
    )
    table = "\n".join(lines)
    print(setup)
    print(table)
    if args.write:
        args.write.write_text(
            "# Sandbox performance\n\n"
            "Measured by `python bench/sandbox_bench.py --write "
            "docs/reference/sandbox-performance.md`.\n"
            "A pair is a signed, token-checked `authorize` then `settle` of one bet (each a\n"
            "database transaction with idempotency row, ledger and outbox events). The baseline\n"
            "is `GET /health` in the same run, so ratios compare like with like across machines.\n"
            "Every call of an authorize+settle pair is a write; SQLite takes one writer at a\n"
            "time (`BEGIN IMMEDIATE`), so throughput is bounded by the database, not Python.\n\n"
            f"Setup: {setup}\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
