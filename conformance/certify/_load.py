"""Phase 4 (`--load`, off by default): bet/settle rounds under load, run by Locust.

Croupier supplies the user behaviour (`_locustfile.py`: signed authorize and settle rounds that
retry a retryable answer with the same idempotency key) and starts Locust as separate
processes — one local process, or a master and `workers` workers on this machine (the same
command scales out to other machines with `--master-host`). When Locust stops, its own
statistics (`--json-file`: per-operation response-time histograms, requests and failures) and
Croupier's per-second key counts (sent to the master with Locust's worker reports) become four
results: each operation's p95/p99 against its `x-slo` budget with 95 % intervals and its error
rate; retry-storm detection (repeated idempotency keys per second); and the outbox-to-bus event
lag against the contract's lag budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from croupier import Contract, format_minor
from croupier._sandbox_process import free_port
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._events import CaseFinished, CaseStarted, EventBus
from croupier.conformance.certify._latency import quantile_interval, slo_budgets
from croupier.conformance.certify._machine import LoadProbe
from croupier.conformance.certify._model import CaseResult, Finding, Verdict
from croupier.conformance.certify._registry import NotApplicable
from croupier.conformance.certify._sc_delivery import contract_lag_budget

__all__ = ["LOAD_IDS", "LoadSettings", "run_load_phase"]

_OPERATIONS = {"load-authorize-bet": "authorizeBet", "load-settle-bet": "settleBet"}
LOAD_IDS: dict[str, str] = {
    **{k: f"{v} under load meets its x-slo and error budget" for k, v in _OPERATIONS.items()},
    "load-retry-storm": "no retry storm: few idempotency keys are sent again in any second",
    "load-event-lag": "events reach the bus within the contract's lag budget under load",
}
_LOCUSTFILE = Path(__file__).with_name("_locustfile.py")
# A second is a retry storm when this share of its sends (and at least this many) repeat a key.
STORM_SHARE = 0.10
STORM_MIN = 5


@dataclass(frozen=True)
class LoadSettings:
    """How hard and how long the load phase drives the platform."""

    users: int = 10  # concurrent players
    rate_per_s: float | None = None  # bet rounds per second in all (None: as fast as answered)
    duration_s: float = 30.0
    workers: int = 0  # 0: one Locust process; N: a Locust master and N workers here
    max_error_rate: float = 0.01  # certify's budget; the contract declares none
    players: int = 20  # fresh players made through the sandbox surface (when there is one)


def _stake(currency: str) -> str:
    return format_minor(1, currency)  # one minor unit, won back at settle


def _players(ctx: ScenarioContext, settings: LoadSettings) -> dict[str, str]:
    """Player -> currency: fresh funded ones through the sandbox, else the fixture's funded."""
    if ctx.sandbox:
        count = max(1, min(settings.players, settings.users))
        return {ctx.new_player("EUR", "100000.00"): "EUR" for _ in range(count)}
    found = ctx.fixtures.funded_players()
    if not found:
        raise NotApplicable("the fixture file names no funded player (role funded)")
    for _, currency in found:
        ctx.use(f"fixture: funded.{currency}")
    return dict(found)


def _locust(
    config_path: Path, settings: LoadSettings, stats_prefix: Path, log_dir: Path
) -> tuple[int, str]:
    """Run Locust (local, or master + workers) to the end; (master's exit code, its log tail)."""
    env = {**os.environ, "CROUPIER_LOAD_CONFIG": str(config_path)}
    base = [sys.executable, "-m", "locust", "-f", str(_LOCUSTFILE), "--skip-log-setup"]
    spawn = float(settings.users)  # every user at once: the duration is all load
    head = [
        "--headless",
        "--users", str(settings.users),
        "--spawn-rate", f"{spawn:g}",
        "--run-time", f"{max(1, round(settings.duration_s))}s",
        "--stop-timeout", "5",
        "--json-file", str(stats_prefix),
        "--only-summary",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        master_args = base + head
        if settings.workers:
            port = free_port()
            master_args += [
                "--master",
                "--master-bind-host", "127.0.0.1",
                "--master-bind-port", str(port),
                "--expect-workers", str(settings.workers),
                "--expect-workers-max-wait", "60",
            ]  # fmt: skip
        log = (log_dir / "locust-master.log").open("wb")
        logs.append(log)
        master = subprocess.Popen(master_args, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(master)
        for n in range(settings.workers):
            wlog = (log_dir / f"locust-worker-{n + 1}.log").open("wb")
            logs.append(wlog)
            worker_args = base + ["--worker", "--master-host", "127.0.0.1"]
            worker_args += ["--master-port", str(port)]
            procs.append(
                subprocess.Popen(worker_args, env=env, stdout=wlog, stderr=subprocess.STDOUT)
            )
        try:
            code = master.wait(timeout=settings.duration_s + 120)
        except subprocess.TimeoutExpired:
            master.kill()
            code = master.wait()
        for proc in procs[1:]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
    text = (log_dir / "locust-master.log").read_text(encoding="utf-8", errors="replace")
    return code, "\n".join(text.strip().splitlines()[-8:])


def _histogram_values(entry: dict[str, Any]) -> list[float]:
    """Every response time of a Locust stats entry, from its (rounded) histogram."""
    values: list[float] = []
    for rounded, count in entry.get("response_times", {}).items():
        values.extend([float(rounded)] * int(count))
    return values


def _operation_result(
    result: CaseResult,
    entry: dict[str, Any] | None,
    budget: dict[str, Any],
    settings: LoadSettings,
    run: dict[str, Any],
) -> None:
    if not entry or not entry.get("num_requests"):
        result.verdict = Verdict.ERROR
        sent = {name: n for name, n in run.get("sent", {}).items() if n}
        result.reason = (
            f"Locust sent no {budget['operationId']} in {settings.duration_s:.0f} s "
            f"(it sent {sent or 'nothing'}; failures {run.get('errors') or 'none'})"
        )
        return
    requests, failures = int(entry["num_requests"]), int(entry["num_failures"])
    values = _histogram_values(entry)
    data: dict[str, Any] = {
        "operation": budget["operationId"],
        "requests": requests,
        "failures": failures,
        "error_rate": round(failures / requests, 4),
        "rps": round(requests / max(settings.duration_s, 1e-9), 2),
        "budget_p95_ms": budget["p95_ms"],
        "budget_p99_ms": budget["p99_ms"],
        "max_error_rate": settings.max_error_rate,
        **run,
    }
    misses, unsure = [], []
    for pct in (50, 95, 99):
        low, point, high = quantile_interval(values, pct)
        data[f"p{pct}_ms"], data[f"p{pct}_ci_ms"] = point, [low, high]
        if pct == 50:
            continue
        limit = budget[f"p{pct}_ms"]
        if low > limit:
            misses.append(f"p{pct} {point:g} ms, 95 % interval from {low:g} ms > {limit} ms")
        elif point > limit:
            unsure.append(f"p{pct} {point:g} ms > {limit} ms within its interval")
    data["failure_reasons"] = run.get("errors", {}).get(budget["operationId"], {})
    result.data = {k: v for k, v in data.items() if k not in ("errors", "sent")}
    findings = []
    if failures / requests > settings.max_error_rate:
        findings.append(
            f"{failures} of {requests} calls failed ({failures / requests:.1%}, budget "
            f"{settings.max_error_rate:.1%}): {result.data['failure_reasons']}"
        )
    # Even on a saturated machine a median whose interval lies over the p95 budget is the
    # platform's: scheduling delays stretch the tail, not half of every call.
    slow_median = data["p50_ci_ms"][0] > budget["p95_ms"]
    if misses and (not run["generator_loaded"] or slow_median):
        findings.append("over budget under load: " + "; ".join(misses))
    if findings:
        result.verdict = Verdict.FAILED
        result.findings = [Finding(result.id, m, operation=budget["operationId"]) for m in findings]
    elif misses:
        result.verdict = Verdict.INCONCLUSIVE
        result.reason = (
            "too loaded to judge: " + "; ".join(misses) + f", but this machine was saturated "
            f"(Locust CPU warning: {run['locust_cpu_warning']}, probe overshoot p90 "
            f"{run['probe_overshoot_p90_ms']} ms, load average up to {run['loadavg_1m_peak']} "
            f"on {run['cpus']} CPUs): the load generator may be the bottleneck"
        )
    elif unsure:
        result.verdict = Verdict.INCONCLUSIVE
        result.reason = "not enough evidence either way: " + "; ".join(unsure)


def _storm_result(result: CaseResult, per_second: dict[str, list[int]]) -> None:
    rows = {int(s): row for s, row in per_second.items()}
    sends = sum(r[0] for r in rows.values())
    repeats = sum(r[1] for r in rows.values())
    storms = sorted(s for s, (n, rep, _) in rows.items() if rep >= max(STORM_MIN, STORM_SHARE * n))
    result.data = {
        "sends": sends,
        "repeated_keys": repeats,
        "repeat_ratio": round(repeats / sends, 4) if sends else 0.0,
        "max_repeated_keys_per_s": max((r[1] for r in rows.values()), default=0),
        "gave_up": sum(r[2] for r in rows.values()),
        "storm_seconds": len(storms),
        "seconds": len(rows),
        "storm_rule": f"a second in which ≥ {STORM_SHARE:.0%} of sends (and ≥ {STORM_MIN}) "
        "repeat an idempotency key",
    }
    if not sends:
        result.verdict, result.reason = Verdict.ERROR, "Locust reported no sends"
    elif storms:
        result.verdict = Verdict.FAILED
        result.findings = [
            Finding(
                result.id,
                f"retry storm in {len(storms)} of {len(rows)} seconds: up to "
                f"{result.data['max_repeated_keys_per_s']} repeated keys per second, "
                f"{repeats} of {sends} sends were retries of a retryable answer",
            )
        ]


def _lag_result(result: CaseResult, ctx: ScenarioContext, contract: Contract) -> None:
    budget = contract_lag_budget(contract)
    if not budget:
        raise NotApplicable("the contract declares no lag budget")
    if not ctx.sandbox:
        raise NotApplicable(
            "the event lag is read from the sandbox (GET /sandbox/events/lag); the contract "
            "has no operation that reports it"
        )
    deadline = time.monotonic() + 30
    while True:
        lag = ctx.expect_status(
            ctx.target.control("GET", "/sandbox/events/lag"), 200, what="reading the lag"
        )
        if not lag.get("relay", True):
            raise NotApplicable("the target relays no events to a bus (run it with --nats)")
        if lag.get("undelivered", 0) == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    result.data = {"lag": lag, "budget": budget}
    ctx.expect(lag.get("undelivered", 0) == 0, f"{lag.get('undelivered')} events undelivered")
    for key in ("p95_ms", "max_ms"):
        if key in budget and key in lag:
            ctx.expect(
                float(lag[key]) <= budget[key],
                f"under load the outbox-to-bus lag {key.removesuffix('_ms')} is {lag[key]} ms, "
                f"over the contract's budget of {budget[key]} ms",
            )


def run_load_phase(
    make_ctx: Callable[[str], ScenarioContext],
    contract: Contract,
    bus: EventBus,
    settings: LoadSettings,
    selected: Callable[[str], bool],
) -> list[CaseResult]:
    """Drive bet/settle rounds through Locust and judge what its statistics show."""
    results = {i: CaseResult(i, t, "load", Verdict.PASSED) for i, t in LOAD_IDS.items()}
    chosen = [r for i, r in results.items() if selected(i)]
    for i, r in results.items():
        if not selected(i):
            r.verdict, r.reason = Verdict.SKIPPED, "deselected"
    if not chosen:
        return list(results.values())
    for r in chosen:
        bus.emit(CaseStarted("load", r.id, r.title))
    ctx = make_ctx("load")
    started = time.perf_counter()
    try:
        _drive(ctx, contract, settings, results, chosen)
    except NotApplicable as exc:
        for r in chosen:
            r.verdict, r.reason = Verdict.NOT_APPLICABLE, str(exc)
    except Exception as exc:  # noqa: BLE001 - a crashed run errors what it measured
        for r in chosen:
            if r.verdict == Verdict.PASSED and not r.data:
                r.verdict, r.reason = Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    for r in chosen:
        r.duration_s = time.perf_counter() - started
        r.data["uses"] = list(ctx.uses)
        bus.emit(CaseFinished(r))
    return list(results.values())


def _drive(
    ctx: ScenarioContext,
    contract: Contract,
    settings: LoadSettings,
    results: dict[str, CaseResult],
    chosen: list[CaseResult],
) -> None:
    target = ctx.target
    target.begin_case("load", "load", results["load-authorize-bet"].evidence)
    players = _players(ctx, settings)
    creds = target.credentials
    oauth = target.connection.oauth
    tls = target.tls
    config = {
        "base_url": target.base_url,
        "credentials": {
            "key_id": creds.key_id,
            "secret": creds.secret,
            "brand": creds.brand,
            "region": creds.region,
            "provider": creds.provider,
            "private_key": creds.private_key,
        },
        "token_url": oauth.token_url,
        "client_id": oauth.client_id or creds.oauth_client_id,
        "client_secret": oauth.client_secret or creds.oauth_client_secret,
        "scopes": list(oauth.scopes),
        "players": list(players),
        "currencies": players,
        "stakes": {c: _stake(c) for c in set(players.values())},
        "game": ctx.game,
        "headers": target.connection.headers,
        "tls": {
            "ca": tls.ca if tls else None,
            "cert": tls.cert if tls else None,
            "key": tls.key if tls else None,
            "verify": target.connection.verify_tls,
        },
        "rate_per_user": settings.rate_per_s / settings.users if settings.rate_per_s else None,
    }
    with tempfile.TemporaryDirectory(prefix="croupier-load-") as tmp:
        folder = Path(tmp)
        summary_file = folder / "croupier-summary.json"
        config["summary_file"] = str(summary_file)
        config_path = folder / "config.json"
        config_path.touch(mode=0o600)  # it holds the secrets; removed with the folder
        config_path.write_text(json.dumps(config), encoding="utf-8")
        with LoadProbe() as probe:
            code, tail = _locust(config_path, settings, folder / "stats", folder)
        stats_file = folder / "stats.json"
        if not stats_file.is_file() or not summary_file.is_file():
            raise RuntimeError(f"Locust ended with exit code {code} and no statistics: {tail}")
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
    errors: dict[str, dict[str, int]] = {}
    for failure in summary.get("failures", []):  # Locust's failure counts, by answer
        errors.setdefault(failure["name"], {})[failure["error"]] = int(failure["occurrences"])
    by_name = {e["name"]: e for e in stats}
    run = {
        "users": settings.users,
        "workers": summary.get("workers", 0),
        "duration_s": settings.duration_s,
        "target_rate_per_s": settings.rate_per_s,
        **_generator_load(summary, probe),
        "rounds_per_s": round(
            by_name.get("settleBet", {}).get("num_requests", 0) / max(settings.duration_s, 1e-9),
            2,
        ),
        "errors": errors,
        "sent": {e["name"]: int(e.get("num_requests", 0)) for e in stats},
    }
    budgets = {b["operationId"]: b for b in _with_ids(slo_budgets(contract))}
    for result_id, operation in _OPERATIONS.items():
        if results[result_id] in chosen:
            _operation_result(
                results[result_id], by_name.get(operation), budgets[operation], settings, run
            )
    if results["load-retry-storm"] in chosen:
        _storm_result(results["load-retry-storm"], summary.get("per_second", {}))
    if results["load-event-lag"] in chosen:
        lag = results["load-event-lag"]
        try:
            _lag_result(lag, ctx, contract)
        except NotApplicable as exc:
            lag.verdict, lag.reason = Verdict.NOT_APPLICABLE, str(exc)
        except AssertionError as exc:
            lag.verdict = Verdict.FAILED
            lag.findings = [Finding(lag.id, str(exc))]


def _generator_load(summary: dict[str, Any], probe: LoadProbe) -> dict[str, Any]:
    """Whether this machine (the load generator's) was too busy for the figures to be judged.

    Locust warns when its own CPU passes 90 %; the probe's late sleeps and a load average over
    the CPU count say the machine was saturated (on one machine with the platform, by either).
    A miss measured so is "too loaded to judge", never a failure.
    """
    machine = probe.summary()
    warned = bool(summary.get("cpu_warning"))
    return {
        "generator_loaded": warned or machine["loaded"],
        "locust_cpu_warning": warned,
        **{k: v for k, v in machine.items() if k != "loaded"},
    }


def _with_ids(budgets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"operationId": op, **b} for op, b in budgets.items()]
