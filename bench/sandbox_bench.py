"""Throughput and latency of authorize+settle against `croupier serve` on SQLite.

Reproducible and bounded: starts its own server on a free loopback port with a fresh
SQLite file, measures a baseline (GET /health) in the same run, then N authorize+settle
pairs, and reports figures and their ratios to the baseline (machines differ; ratios
travel better). Usage:

    python bench/sandbox_bench.py [--pairs 300] [--concurrency 8] [--workers 1]
                                  [--client-procs 2]
                                  [--write docs/reference/sandbox-performance.md]

The load comes from `--client-procs` client processes (the concurrency is split between
them, threads within each), so a single Python client's GIL does not cap the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx

from croupier import ContractClient, sandbox_server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(task, indices: range, concurrency: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        task(i)
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, indices))
    return time.perf_counter() - t0, latencies


def client(job: tuple[str, str, str, int, int, int]) -> list[float]:
    """One client process: `kind` calls for indices lo..hi-1 on `threads` threads."""
    kind, base_url, session, lo, hi, threads = job
    limits = httpx.Limits(max_connections=threads * 2)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as http:
        api = ContractClient(http)
        api.token()

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

        return run(health if kind == "health" else pair, range(lo, hi), threads)[1]


def load(
    pool: Any, kind: str, base_url: str, session: str, n: int, args: Any
) -> tuple[float, list[float]]:
    """n calls of `kind` spread over the client processes; wall time and every latency."""
    procs = args.client_procs
    threads = max(1, args.concurrency // procs)
    cuts = [n * k // procs for k in range(procs + 1)]
    jobs = [(kind, base_url, session, cuts[k], cuts[k + 1], threads) for k in range(procs)]
    t0 = time.perf_counter()
    parts = pool.map(client, jobs)
    return time.perf_counter() - t0, [x for part in parts for x in part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.pairs <= 5000 or not 1 <= args.concurrency <= 64:
        raise SystemExit("keep it bounded: --pairs 1..5000, --concurrency 1..64")
    if not 1 <= args.client_procs <= min(8, args.concurrency):
        raise SystemExit("keep it bounded: --client-procs 1..min(8, concurrency)")

    # The temporary SQLite database goes away with the server.
    with sandbox_server(workers=args.workers, env={"CROUPIER_NATS_URL": ""}) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            cash = f"{args.pairs * 2}.00"
            http.put("/sandbox/players/p_bench", json={"currency": "EUR", "cash": cash})
            session = (
                ContractClient(http)
                .call(
                    "POST",
                    "/v1/sessions",
                    {
                        "player_id": "p_bench",
                        "game_id": "game_slots_demo",
                        "currency": "EUR",
                        "locale": "en-GB",
                    },
                )
                .json()["session_id"]
            )
        with get_context("spawn").Pool(args.client_procs) as pool:
            load(pool, "health", base_url, session, 50, args)  # warm-up
            base_s, base_lat = load(pool, "health", base_url, session, args.pairs * 2, args)
            pair_s, pair_lat = load(pool, "pair", base_url, session, args.pairs, args)

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
        f"{args.pairs * 2} health calls, {args.concurrency} concurrent clients "
        f"({args.client_procs} client processes), "
        f"{args.workers} worker(s), SQLite (WAL), loopback; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s)."
    )
    table = "\n".join(lines)
    print(setup)
    print(table)
    if args.write:
        measured = f"Setup: {setup}\n\n{table}\n"
        old = args.write.read_text() if args.write.exists() else ""
        open_mark, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
        if open_mark in old and end in old:
            # Keep the page's prose (history, what changed); replace only the figures.
            head, rest = old.split(open_mark, 1)
            args.write.write_text(f"{head}{open_mark}{measured}{end}{rest.split(end, 1)[1]}")
            return
        args.write.write_text(
            "# Sandbox performance\n\n"
            "Measured by `python bench/sandbox_bench.py --write "
            "docs/reference/sandbox-performance.md`.\n"
            "A pair is a signed, token-checked `authorize` then `settle` of one bet (each a\n"
            "database transaction with idempotency row, ledger and outbox events). The baseline\n"
            "is `GET /health` in the same run, so ratios compare like with like across machines.\n"
            "Every call of an authorize+settle pair is a write; SQLite takes one writer at a\n"
            "time (`BEGIN IMMEDIATE`), so throughput is bounded by the database, not Python.\n\n"
            f"{open_mark}{measured}{end}\n"
        )


if __name__ == "__main__":
    main()
