"""Phase 3: per-operation latency against `x-slo`, judged on evidence rather than one sample.

Every operation is sampled (default 100 times, after a warm-up) in one interleaved, seeded
order, optionally from several threads at once. Each percentile comes with a distribution-free
95 % confidence interval (order statistics); a budget fails only when the interval's lower
bound is over it, in two rounds of three. A probe thread and `/health`, sampled alongside, say
how loaded the machine was: a miss the environment explains is "inconclusive — too loaded to
judge", not a failure of the implementation.
"""

from __future__ import annotations

import math
import os
import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from croupier import Contract, new_trace_id
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._events import CaseFinished, CaseStarted, EventBus
from croupier.conformance.certify._machine import LoadProbe
from croupier.conformance.certify._model import CaseResult, Exchange, Finding, Verdict
from croupier.conformance.certify._registry import NotApplicable
from croupier.conformance.certify._target import Reply

__all__ = [
    "LatencySettings",
    "latency_ids",
    "percentile",
    "quantile_interval",
    "run_latency_phase",
    "slo_budgets",
]

_Z95 = 1.959964  # two-sided 95 %
# The machine is "loaded" when the client's own 5 ms sleeps overshoot by more than this at p90,
# or when the trivial /health answers slower than this at p50 (network and scheduling).
_PROBE_OVERSHOOT_MS = 10.0
_REFERENCE_P50_MS = 15.0


@dataclass(frozen=True)
class LatencySettings:
    """How the latency phase samples and judges."""

    samples: int = 100  # timed calls per operation and round
    concurrency: int = 1  # threads sending at once
    warmup: int = 5  # untimed calls per operation first
    rounds: int = 3  # at most; a budget fails in two rounds of this many


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def quantile_interval(values: list[float], pct: float) -> tuple[float, float, float]:
    """(lower, estimate, upper): a distribution-free 95 % interval of a percentile.

    The ranks come from the binomial count of samples below the true quantile (normal
    approximation with a continuity margin): no assumption about the latency distribution.
    """
    ordered = sorted(values)
    n = len(ordered)
    q = pct / 100
    spread = _Z95 * math.sqrt(n * q * (1 - q))
    low = max(1, math.floor(n * q - spread))
    high = min(n, math.ceil(n * q + spread) + 1)
    return ordered[low - 1], percentile(ordered, pct), ordered[high - 1]


def _kebab(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation_id).lower()


def slo_budgets(contract: Contract) -> dict[str, dict[str, Any]]:
    """OperationId -> {method, path, p95_ms, p99_ms} for every operation with an x-slo."""
    out = {}
    for path, item in contract.bundled.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "x-slo" not in op:
                continue
            out[op["operationId"]] = {"method": method.upper(), "path": path, **op["x-slo"]}
    return out


def latency_ids(contract: Contract) -> dict[str, str]:
    """Result id (`slo-<operation>`) -> operationId."""
    return {f"slo-{_kebab(op)}": op for op in slo_budgets(contract)}


# A sample sends setup calls (not timed) and returns the one timed reply.
Sampler = Callable[[ScenarioContext, dict[str, Any]], Reply]


def _event(ctx: ScenarioContext, player: str) -> dict[str, Any]:
    return {
        "event_type": "jackpot.won",
        "schema_version": "1.0.0",
        "event_id": ctx.unique("evt-cert"),
        "occurred_at": "2026-11-20T10:15:30Z",
        "tenant_id": ctx.target.credentials.brand,
        "region": ctx.target.credentials.region,
        "player_id": player,
        "trace_id": new_trace_id(),
        "idempotency_key": ctx.key("evt"),
        "payload": {
            "pool_id": "jp_daily",
            "bet_id": None,
            "amount": {"amount": "750.00", "currency": "EUR"},
            "pool_reset_to": {"amount": "100.00", "currency": "EUR"},
        },
    }


def _samplers() -> dict[str, tuple[bool, Sampler]]:
    """OperationId -> (needs a funded player, sampler)."""

    def bet(ctx: ScenarioContext, st: dict[str, Any]) -> dict[str, Any]:
        return ctx.authorize_body(st["player"], st["session"], "0.01")

    def authorize(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        return ctx.authorize(bet(ctx, st))

    def settle(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        body = bet(ctx, st)
        ctx.authorize(body)
        return ctx.settle(ctx.settle_body(body, "0.01"))

    def rollback(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        body = bet(ctx, st)
        ctx.authorize(body)
        return ctx.rollback(ctx.rollback_body(body["bet_id"], st["player"]))

    def get_bet(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        return ctx.target.call("GET", f"/v1/bets/{st['bet']}")

    def create_session(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        return ctx.post(
            "/v1/sessions",
            {"player_id": st["player"], "game_id": ctx.game, "currency": "EUR", "locale": "en-GB"},
        )

    def end_session(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        session = ctx.open_session(st["player"])
        return ctx.post(f"/v1/sessions/{session}/end", {"reason": "game_closed"})

    def get_jackpot(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        return ctx.target.call("GET", f"/v1/jackpots/{st['pool']}")

    return {
        "getHealth": (False, lambda ctx, st: ctx.target.call("GET", "/health")),
        "listJackpots": (False, lambda ctx, st: ctx.target.call("GET", "/v1/jackpots")),
        "getJackpot": (False, get_jackpot),
        "createSession": (True, create_session),
        "getSession": (
            True,
            lambda ctx, st: ctx.target.call("GET", f"/v1/sessions/{st['session']}"),
        ),
        "endSession": (True, end_session),
        "authorizeBet": (True, authorize),
        "settleBet": (True, settle),
        "rollbackBet": (True, rollback),
        "getBet": (True, get_bet),
        "getBalance": (
            True,
            lambda ctx, st: ctx.target.call("GET", f"/v1/players/{st['player']}/balance"),
        ),
        "checkResponsibleGaming": (
            True,
            lambda ctx, st: ctx.post(
                "/v1/rg/check",
                {"player_id": st["player"], "stake": {"amount": "1.00", "currency": "EUR"}},
            ),
        ),
        "publishEvent": (True, lambda ctx, st: ctx.post("/v1/events", _event(ctx, st["player"]))),
    }


@dataclass
class _Op:
    """One operation under measurement: its context, state and what the rounds found."""

    result: CaseResult
    operation: str
    budget: dict[str, Any]
    ctx: ScenarioContext
    sampler: Sampler
    state: dict[str, Any] = field(default_factory=dict)
    timings: list[float] = field(default_factory=list)  # this round
    statuses: dict[int, int] = field(default_factory=dict)  # every round
    rounds: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    timed: list[Exchange] = field(default_factory=list)  # this round's timed calls
    failed_calls: list[Exchange] = field(default_factory=list)  # timed calls that did not succeed


def _prepare(op: _Op, needs_player: bool) -> None:
    ctx, st = op.ctx, op.state
    if needs_player:
        st["player"], st["session"] = ctx.ready_player("EUR", "100000.00")
    if op.operation == "getJackpot":
        st["pool"] = ctx.fixtures.jackpot_pool or ("jp_mega" if ctx.sandbox else None)
        if st["pool"] is None:
            raise NotApplicable("the fixture file names no jackpot pool (role jackpot_pool)")
    if op.operation == "getBet":
        body = ctx.authorize_body(st["player"], st["session"], "0.01")
        ctx.expect_status(ctx.authorize(body), 200, what="authorize a bet to read")
        st["bet"] = body["bet_id"]


def _sample(op: _Op, timed: bool) -> None:
    with op.ctx.target.bind_case("latency", op.result.id, op.result.evidence):
        reply = op.sampler(op.ctx, op.state)
    if timed:
        with op.lock:
            op.timings.append(reply.exchange.elapsed_ms)
            op.timed.append(reply.exchange)
            op.statuses[reply.status] = op.statuses.get(reply.status, 0) + 1
            if reply.status >= 300 and len(op.failed_calls) < 5:
                op.failed_calls.append(reply.exchange)


def _measure(ops: list[_Op], settings: LatencySettings, rng: random.Random, warm: bool) -> None:
    """One round: warm-up, then every operation's samples in one shuffled order."""
    for op in ops:
        op.timings = []
        op.timed = []
    plan = [(op, False) for op in ops for _ in range(settings.warmup if warm else 0)]
    timed = [(op, True) for op in ops for _ in range(settings.samples)]
    rng.shuffle(timed)
    plan += timed
    if settings.concurrency <= 1:
        for op, is_timed in plan:
            _sample(op, is_timed)
        return
    with ThreadPoolExecutor(settings.concurrency, thread_name_prefix="latency") as pool:
        for future in [pool.submit(_sample, op, is_timed) for op, is_timed in plan]:
            future.result()


def _figures(timings: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"samples": len(timings)}
    for pct in (50, 95, 99):
        low, point, high = quantile_interval(timings, pct)
        out[f"p{pct}_ms"] = round(point, 2)
        out[f"p{pct}_ci_ms"] = [round(low, 2), round(high, 2)]
    return out


def _judge(op: _Op, reference_p50: float, loaded: bool) -> str:
    """One round's verdict for an operation: pass, miss (evidence of slowness), or unsure."""
    figures = _figures(op.timings)
    misses, unsure = [], []
    for pct in (95, 99):
        budget = op.budget[f"p{pct}_ms"]
        low = figures[f"p{pct}_ci_ms"][0]
        if low > budget:
            misses.append(
                f"p{pct} {figures[f'p{pct}_ms']} ms, 95 % interval from {low} ms > {budget} ms"
            )
        elif figures[f"p{pct}_ms"] > budget:
            unsure.append(f"p{pct} {figures[f'p{pct}_ms']} ms > {budget} ms within its interval")
    # What the environment explains: the trivial /health's typical time on this run.
    intrinsic = figures["p50_ms"] - reference_p50
    figures.update(misses=misses, unsure=unsure, intrinsic_p50_ms=round(intrinsic, 2))
    op.rounds.append(figures)
    if misses and (not loaded or intrinsic > op.budget["p95_ms"]):
        return "miss"
    if misses or unsure:
        return "unsure"
    return "pass"


def run_latency_phase(
    make_ctx: Callable[[str], ScenarioContext],
    contract: Contract,
    bus: EventBus,
    *,
    samples: int,
    selected: Callable[[str], bool],
    settings: LatencySettings | None = None,
    seed: int = 0,
) -> list[CaseResult]:
    """Sample every selected operation; judge each against its p95/p99 budget."""
    settings = settings or LatencySettings(samples=samples)
    budgets = slo_budgets(contract)
    samplers = _samplers()
    results: list[CaseResult] = []
    ops: list[_Op] = []
    reference: _Op | None = None
    for result_id, operation in latency_ids(contract).items():
        budget = budgets[operation]
        title = (
            f"{budget['method']} {budget['path']} ({operation}) meets p95 ≤ {budget['p95_ms']} ms "
            f"and p99 ≤ {budget['p99_ms']} ms"
        )
        result = CaseResult(result_id, title, "latency", Verdict.PASSED)
        results.append(result)
        is_reference = operation == "getHealth"
        if not selected(result_id) and not is_reference:
            result.verdict, result.reason = Verdict.SKIPPED, "deselected"
            continue
        entry = samplers.get(operation)
        if entry is None:
            result.verdict = Verdict.NOT_APPLICABLE
            result.reason = f"certify has no latency sampler for {operation}"
            continue
        ctx = make_ctx(result_id)
        op = _Op(result, operation, budget, ctx, entry[1])
        if is_reference:
            reference = op
            if not selected(result_id):
                result.verdict, result.reason = Verdict.SKIPPED, "deselected (sampled as reference)"
        bus.emit(CaseStarted("latency", result_id, title))
        ctx.target.begin_case("latency", result_id, result.evidence)
        try:
            _prepare(op, entry[0])
        except NotApplicable as exc:
            result.verdict, result.reason = Verdict.NOT_APPLICABLE, str(exc)
            bus.emit(CaseFinished(result))
            continue
        except Exception as exc:  # noqa: BLE001 - a failed setup is this budget's error
            result.verdict, result.reason = Verdict.ERROR, f"setup failed: {exc}"
            bus.emit(CaseFinished(result))
            continue
        ops.append(op)
    rng = random.Random(f"{seed}:latency")
    started = time.perf_counter()
    pending = list(ops)
    decided: dict[str, str] = {}
    tally: dict[str, list[str]] = {op.result.id: [] for op in ops}
    load: dict[str, Any] = {}
    for round_no in range(max(1, settings.rounds)):
        if not pending:
            break
        sampled = pending if reference in pending or reference is None else [*pending, reference]
        try:
            with LoadProbe() as probe:
                _measure(sampled, settings, rng, warm=round_no == 0)
        except Exception as exc:  # noqa: BLE001 - a crashed round errors what it measured
            for op in pending:
                decided[op.result.id] = "error"
                op.result.reason = f"{type(exc).__name__}: {exc}"
            break
        load = _load_summary(probe.overshoot_ms, reference)
        for op in pending:
            tally[op.result.id].append(_judge(op, load["reference_p50_ms"], load["loaded"]))
        still = []
        needed = max(1, settings.rounds) // 2 + 1
        for op in pending:
            votes = tally[op.result.id]
            misses = votes.count("miss")
            if votes == ["pass"] or votes == ["unsure"]:
                decided[op.result.id] = votes[0]
            elif misses >= needed:
                decided[op.result.id] = "miss"
            elif len(votes) - misses >= needed or len(votes) >= settings.rounds:
                decided[op.result.id] = "unsure"  # a miss the other rounds did not confirm
            else:
                still.append(op)  # a miss not yet confirmed: measure again
        pending = still
    for op in pending:
        decided[op.result.id] = "unsure"
    elapsed = time.perf_counter() - started
    for op in ops:
        _finish(op, decided.get(op.result.id, "error"), tally[op.result.id], load, settings)
        # the operations were sampled interleaved: each gets its share of the phase's time
        op.result.duration_s = elapsed / max(1, len(ops))
        try:
            op.ctx.cleanup()  # give back the stakes the samples left held on a fixture account
        except Exception as exc:  # noqa: BLE001 - a failed release is the budget's error
            op.result.verdict = Verdict.ERROR
            op.result.reason = f"releasing held stakes failed: {exc}"
        _keep_evidence(op)
        bus.emit(CaseFinished(op.result))
    return results


def _keep_evidence(op: _Op) -> None:
    """The first exchanges, and for a failed budget the calls that failed it, named by trace.

    A miss names the slowest timed calls of the last round (the ones over the budget), a budget
    failed by errors names the calls that did not succeed: never whichever call came last.
    """
    result = op.result
    kept = result.evidence[:6]
    if result.verdict == Verdict.FAILED and result.findings:
        finding = result.findings[0]
        blamed = op.failed_calls or sorted(op.timed, key=lambda e: e.elapsed_ms, reverse=True)[:5]
        kept += [e for e in blamed if e not in kept]
        if blamed:
            finding.trace_id = blamed[0].trace_id
            finding.actual = (
                f"{blamed[0].status} in {blamed[0].elapsed_ms} ms"
                if op.failed_calls
                else f"slowest call {blamed[0].elapsed_ms} ms"
            )
    result.evidence[:] = kept


def _load_summary(overshoot: list[float], reference: _Op | None) -> dict[str, Any]:
    probe_p90 = percentile(overshoot, 90) if overshoot else 0.0
    reference_p50 = percentile(reference.timings, 50) if reference and reference.timings else 0.0
    try:
        load1 = os.getloadavg()[0]
    except OSError:  # not on every platform
        load1 = -1.0
    loaded = probe_p90 > _PROBE_OVERSHOOT_MS or reference_p50 > _REFERENCE_P50_MS
    return {
        "loaded": loaded,
        "probe_overshoot_p90_ms": round(probe_p90, 2),
        "reference_p50_ms": round(reference_p50, 2),
        "loadavg_1m": round(load1, 2),
        "cpus": os.cpu_count(),
    }


def _finish(
    op: _Op, decision: str, votes: list[str], load: dict[str, Any], settings: LatencySettings
) -> None:
    result = op.result
    last: dict[str, Any] = op.rounds[-1] if op.rounds else {"samples": 0}
    total = sum(op.statuses.values())
    bad = sum(n for s, n in op.statuses.items() if s >= 300)
    result.data = {
        "operation": op.operation,
        **{k: v for k, v in last.items() if k not in ("misses", "unsure")},
        "budget_p95_ms": op.budget["p95_ms"],
        "budget_p99_ms": op.budget["p99_ms"],
        "concurrency": settings.concurrency,
        "rounds": [
            {k: r[k] for k in ("p50_ms", "p95_ms", "p95_ci_ms", "p99_ms", "p99_ci_ms")}
            for r in op.rounds
        ],
        "votes": votes,
        "error_rate": round(bad / total, 4) if total else 0.0,
        "statuses": {str(k): v for k, v in sorted(op.statuses.items())},
        "load": load,
    }
    if result.verdict == Verdict.SKIPPED:  # the reference when deselected: figures only
        return
    if decision == "error":
        result.verdict = Verdict.ERROR
        return
    if bad:
        result.verdict = Verdict.FAILED
        result.findings = [
            Finding(
                result.id,
                f"{bad} of {total} timed calls did not succeed ({result.data['error_rate']:.1%}): "
                f"{result.data['statuses']}",
                operation=op.operation,
                expected="every timed call succeeds",
            )
        ]
        return
    if decision == "miss":
        result.verdict = Verdict.FAILED
        result.findings = [
            Finding(
                result.id,
                f"over budget in {votes.count('miss')} of {len(votes)} rounds of "
                f"{settings.samples} samples: " + "; ".join(last.get("misses", [])),
                operation=op.operation,
                expected=f"p95 ≤ {op.budget['p95_ms']} ms and p99 ≤ {op.budget['p99_ms']} ms",
            )
        ]
    elif decision == "unsure":
        result.verdict = Verdict.INCONCLUSIVE
        if load.get("loaded") and last.get("misses"):
            result.reason = (
                f"too loaded to judge: {'; '.join(last['misses'])}, but the machine was loaded "
                f"(probe overshoot p90 {load['probe_overshoot_p90_ms']} ms, /health p50 "
                f"{load['reference_p50_ms']} ms, load average {load['loadavg_1m']} on "
                f"{load['cpus']} CPUs) and explains it"
            )
        else:
            reasons = last.get("misses", []) + last.get("unsure", [])
            result.reason = "not enough evidence either way: " + "; ".join(reasons)
