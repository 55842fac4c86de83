"""Load test of the sandbox with wrk: signed authorize+settle against a bare FastAPI baseline.

Reproducible and bounded. For each database (SQLite file, PostgreSQL schema) and worker count
it starts, one after the other on a free loopback port:

* the baseline (bench/_baseline_app.py): FastAPI validating a pydantic body and inserting one
  row, served by uvicorn with the same workers and driver;
* `croupier serve` on a fresh database,

and drives each with wrk (Debian package `wrk`) at every concurrency: one wrk thread per
connection, each connection replaying its own list of pre-signed requests in order
(authorize b, settle b, authorize b+1 …), so a settle never overtakes its authorize. It
prints requests/s, p50/p95/p99, the ratio to the baseline of the same run, and wrk's own CPU
use (the client must not be the bottleneck: it is flagged above half a core).

    python bench/load_bench.py [--db sqlite --db postgres] [--workers 1 --workers 2]
        [--concurrency 4 --concurrency 16] [--duration 10] [--growth 50000]
        [--write docs/reference/sandbox-performance.md] [--plot docs/reference/sandbox-load.svg]

PostgreSQL comes from CROUPIER_BENCH_PG_URL (default: the CI database on 127.0.0.1); each run
gets a schema of its own, dropped afterwards. `--growth N` stores N more settled bets for the
player (directly in the database, today) and measures again: the figures must not move.
`--plot` needs matplotlib (`pip install matplotlib`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from croupier import ContractClient, sandbox_server
from croupier._sandbox_process import free_port

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PLAYER = "p_bench"

LUA = r"""
local threads, counter = {}, 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local f = assert(io.open(args[1] .. "/reqs_" .. tid .. ".bin", "rb"))
  local data = f:read("*a")
  f:close()
  reqs, i, bad, exhausted, first_bad = {}, 0, 0, 0, ""
  for r in string.gmatch(data, "([^%z]+)%z") do reqs[#reqs + 1] = r end
end
function request()
  i = i + 1
  if i > #reqs then
    exhausted = exhausted + 1
    i = #reqs
  end
  return reqs[i]
end
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 300) end
  end
end
function done(summary, latency, requests)
  local b, e, why = 0, 0, ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    e = e + t:get("exhausted")
    if why == "" then why = t:get("first_bad") end
  end
  io.write("FIRST_BAD " .. why .. "\n")
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"bad":%d,"exhausted":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, b, e,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Figure:
    """One wrk run: throughput, latency percentiles (ms) and the client's CPU share."""

    db: str
    workers: int
    concurrency: int
    target: str
    rps: float
    p50: float
    p95: float
    p99: float
    bad: int
    client_cpu: float  # wrk's CPU seconds per wall second

    def row(self, base: Figure | None) -> str:
        ratio = f"{self.rps / base.rps:.3f}" if base else "1"
        flag = " ⚠ client-bound" if self.client_cpu > 0.5 else ""
        return (
            f"| {self.db} | {self.workers} | {self.concurrency} | {self.target} | "
            f"{self.rps:.0f} | {self.p50:.1f} | {self.p95:.1f} | {self.p99:.1f} | {ratio} | "
            f"{self.client_cpu:.2f}{flag} |"
        )


def raw_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def wrk(base_url: str, per_thread: list[list[bytes]], duration: int) -> dict[str, float]:
    """Run wrk with one connection per thread, each replaying its own request list."""
    with tempfile.TemporaryDirectory(prefix="croupier-wrk-") as tmp:
        for tid, requests in enumerate(per_thread):
            # wrk may call request() once before the first connection is used: that
            # call gets a harmless GET, so the authorize/settle order is never broken.
            first = raw_request("GET", "/health", base_url.removeprefix("http://"), {}, b"")
            Path(tmp, f"reqs_{tid}.bin").write_bytes(
                b"".join(r + b"\0" for r in [first, *requests])
            )
        script = Path(tmp, "replay.lua")
        script.write_text(LUA)
        n = len(per_thread)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(
            [
                "wrk",
                f"-t{n}",
                f"-c{n}",
                f"-d{duration}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base_url,
                "--",
                tmp,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    result: dict[str, float] = json.loads(line[5:])
    why = next((x[10:] for x in out.splitlines() if x.startswith("FIRST_BAD ")), "")
    if result["bad"]:
        raise RuntimeError(f"{int(result['bad'])} calls did not answer 200, first: {why}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["client_cpu"] = cpu / wall
    if result["exhausted"]:
        raise RuntimeError("wrk ran out of pre-signed requests: raise the estimate")
    return result


def figure(db: str, workers: int, c: int, target: str, r: dict[str, float]) -> Figure:
    return Figure(
        db,
        workers,
        c,
        target,
        rps=r["requests"] / (r["duration_us"] / 1e6),
        p50=r["p50"] / 1000,
        p95=r["p95"] / 1000,
        p99=r["p99"] / 1000,
        bad=int(r["bad"] + r["socket_errors"]),
        client_cpu=r["client_cpu"],
    )


@contextlib.contextmanager
def baseline_server(db_url: str, workers: int) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "BASELINE_DB_URL": db_url, "PYTHONPATH": str(ROOT / "bench")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "_baseline_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.post(
                        f"{url}/insert",
                        json={"bet_id": "warm", "stake": {"amount": "1.00", "currency": "EUR"}},
                    ).status_code
                    == 200
                ):
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the baseline server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def database(kind: str, tmp: Path, name: str) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / (name + '.db')}"
        return
    import psycopg

    base = os.environ.get("CROUPIER_BENCH_PG_URL", PG_DEFAULT)
    schema = f"croupier_b_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def baseline_requests(host: str, threads: int, per_thread: int) -> list[list[bytes]]:
    out = []
    for t in range(threads):
        out.append(
            [
                raw_request(
                    "POST",
                    "/insert",
                    host,
                    {"Content-Type": "application/json"},
                    json.dumps(
                        {"bet_id": f"b-{t}-{i}", "stake": {"amount": "1.00", "currency": "EUR"}}
                    ).encode(),
                )
                for i in range(per_thread)
            ]
        )
    return out


def pair_requests(
    api: ContractClient, host: str, session: str, tag: str, threads: int, pairs: int
) -> list[list[bytes]]:
    """Per connection: authorize then settle of its own bets, signed now (within the skew)."""
    out = []
    for t in range(threads):
        mine = []
        for i in range(pairs):
            bet_id = f"b-{tag}-{t}-{i}"
            for path, body in (
                (
                    "/v1/bets/authorize",
                    {
                        "bet_id": bet_id,
                        "round_id": f"r-{tag}-{t}-{i}",
                        "session_id": session,
                        "player_id": PLAYER,
                        "game_id": "game_slots_demo",
                        "stake": {"amount": "1.00", "currency": "EUR"},
                    },
                ),
                (
                    "/v1/bets/settle",
                    {
                        "bet_id": bet_id,
                        "round_id": f"r-{tag}-{t}-{i}",
                        "player_id": PLAYER,
                        "win": {"amount": "0.50", "currency": "EUR"},
                    },
                ),
            ):
                raw = json.dumps(body, separators=(",", ":")).encode()
                headers = api.headers(
                    "POST", path, raw, idempotency_key=f"idem-{bet_id}-{path[-6:]}"
                )
                mine.append(raw_request("POST", path, host, headers, raw))
        out.append(mine)
    return out


def grow(db_url: str, n: int) -> None:
    """Store n settled bets of today for the bench player, straight into the database."""
    from sqlalchemy import create_engine, insert

    from croupier.reference_impl._store import Bet

    sync_url = db_url.replace("+aiosqlite", "").replace("+psycopg", "+psycopg")
    engine = create_engine(sync_url)
    now = datetime.now(UTC)
    rows = [
        {
            "provider_id": "prov_demo",
            "brand_id": "brand_demo",
            "bet_id": f"g-{i}",
            "round_id": f"g-{i}",
            "player_id": PLAYER,
            "session_id": None,
            "game_id": "game_slots_demo",
            "currency": "EUR",
            "stake": 100,
            "held_cash": 0,
            "bonus_parts": "[]",
            "win": 50,
            "status": "settled",
            "tombstone": False,
            "created_at": now,
            "settled_at": now,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(Bet.__table__), rows[k : k + 5000])
    engine.dispose()


def measure_sandbox(
    db: str,
    db_url: str,
    workers: int,
    concurrencies: list[int],
    duration: int,
    growth: int,
) -> list[Figure]:
    figures: list[Figure] = []
    with sandbox_server(db_url, workers=workers, env={"CROUPIER_NATS_URL": ""}) as url:
        host = url.removeprefix("http://")
        with httpx.Client(base_url=url, timeout=60) as http:
            r = http.put(
                f"/sandbox/players/{PLAYER}", json={"currency": "EUR", "cash": "10000000.00"}
            )
            assert r.status_code in (200, 201), r.text
            api = ContractClient(http)
            session = api.call(
                "POST",
                "/v1/sessions",
                {
                    "player_id": PLAYER,
                    "game_id": "game_slots_demo",
                    "currency": "EUR",
                    "locale": "en-GB",
                },
            ).json()["session_id"]
            rounds = [("sandbox", 0)] + ([(f"sandbox +{growth} bets", growth)] if growth else [])
            for target, extra in rounds:
                if extra:
                    grow(db_url, extra)
                for c in concurrencies:
                    # Generous: 1,500 calls/s for the whole run, spread over the connections.
                    pairs = max(50, 750 * duration // c)
                    api._token = None
                    reqs = pair_requests(api, host, session, f"{target[-3:]}{c}", c, pairs)
                    result = wrk(url, reqs, duration)
                    fig = figure(db, workers, c, target, result)
                    figures.append(fig)
                    print(fig.row(None), flush=True)
    return figures


def measure_baseline(
    db: str,
    db_url: str,
    workers: int,
    concurrencies: list[int],
    duration: int,
) -> list[Figure]:
    figures = []
    with baseline_server(db_url, workers) as url:
        host = url.removeprefix("http://")
        for c in concurrencies:
            reqs = baseline_requests(host, c, max(100, 4000 * duration // c))
            fig = figure(db, workers, c, "baseline", wrk(url, reqs, duration))
            figures.append(fig)
            print(fig.row(None), flush=True)
    return figures


def table(figures: list[Figure]) -> str:
    lines = [
        "| database | workers | clients | target | calls/s | p50 ms | p95 ms | p99 ms "
        "| vs baseline | wrk CPU (cores) |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = {(f.db, f.workers, f.concurrency): f for f in figures if f.target == "baseline"}
    for f in figures:
        b = base.get((f.db, f.workers, f.concurrency))
        lines.append(f.row(None if f.target == "baseline" else b))
    return "\n".join(lines)


def plot(figures: list[Figure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    series: dict[str, list[Figure]] = {}
    for f in figures:
        series.setdefault(f"{f.target}, {f.db}, {f.workers}w", []).append(f)
    for name, points in sorted(series.items()):
        xs = [p.concurrency for p in points]
        style = "--" if name.startswith("baseline") else "-"
        left.plot(xs, [p.rps for p in points], style, marker="o", label=name)
        right.plot(xs, [p.p95 for p in points], style, marker="o", label=name)
    left.set(xlabel="concurrent clients", ylabel="calls/s", title="Throughput")
    right.set(xlabel="concurrent clients", ylabel="p95 ms", title="p95 latency")
    right.axhline(50, color="grey", linewidth=0.8)
    left.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", action="append", type=int)
    parser.add_argument("--concurrency", action="append", type=int)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--growth", type=int, default=0)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    dbs = args.db or ["sqlite", "postgres"]
    workers = args.workers or [1, 2]
    concurrencies = sorted(set(args.concurrency or [4, 16]))
    if not 1 <= args.duration <= 120 or not all(1 <= c <= 64 for c in concurrencies):
        raise SystemExit("keep it bounded: --duration 1..120, --concurrency 1..64")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="croupier-load-") as tmp:
        for db in dbs:
            for w in workers:
                with database(db, Path(tmp), f"base-{db}-{w}") as url:
                    figures += measure_baseline(db, url, w, concurrencies, args.duration)
                with database(db, Path(tmp), f"sbx-{db}-{w}") as url:
                    figures += measure_sandbox(
                        db, url, w, concurrencies, args.duration, args.growth
                    )
    setup = (
        f"wrk, one connection per thread, {args.duration} s per cell, pre-signed requests; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), loopback. "
        "A sandbox call is a signed, token-checked authorize or settle (half of each)."
    )
    out = f"Setup: {setup}\n\n{table(figures)}\n"
    print(out)
    if args.plot:
        plot(figures, args.plot)
    if args.write:
        old = args.write.read_text()
        start, end = "<!-- load:start -->\n", "<!-- load:end -->"
        if start in old and end in old:
            head, rest = old.split(start, 1)
            args.write.write_text(f"{head}{start}{out}{end}{rest.split(end, 1)[1]}")
        else:
            args.write.write_text(f"{old.rstrip()}\n\n{start}{out}{end}\n")


if __name__ == "__main__":
    main()
