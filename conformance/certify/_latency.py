"""Phase 3: per-operation latency p50/p95/p99 over a bounded number of calls, against `x-slo`.

SLO misses are mandatory failures: the budgets are part of the contract, and the sandbox on
SQLite meets them with a wide margin, so a miss means a real regression (or an overloaded
machine, which the report's figures make visible).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

from conformance.certify._context import DEMO_GAME, ScenarioContext
from conformance.certify._events import CaseFinished, CaseStarted, EventBus
from conformance.certify._model import CaseResult, Finding, Verdict
from conformance.certify._registry import NotApplicable
from conformance.certify._target import Reply
from croupier import Contract, new_trace_id

__all__ = ["latency_ids", "percentile", "run_latency_phase", "slo_budgets"]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


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
    """OperationId -> (needs sandbox, sampler)."""

    def bet(ctx: ScenarioContext, st: dict[str, Any]) -> dict[str, Any]:
        body = ctx.authorize_body(st["player"], st["session"], "0.01")
        return body

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
        if "bet" not in st:
            body = bet(ctx, st)
            ctx.authorize(body)
            st["bet"] = body["bet_id"]
        return ctx.target.call("GET", f"/v1/bets/{st['bet']}")

    def create_session(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        return ctx.post(
            "/v1/sessions",
            {"player_id": st["player"], "game_id": DEMO_GAME, "currency": "EUR", "locale": "en-GB"},
        )

    def end_session(ctx: ScenarioContext, st: dict[str, Any]) -> Reply:
        session = ctx.open_session(st["player"])
        return ctx.post(f"/v1/sessions/{session}/end", {"reason": "game_closed"})

    return {
        "getHealth": (False, lambda ctx, st: ctx.target.call("GET", "/health")),
        "listJackpots": (False, lambda ctx, st: ctx.target.call("GET", "/v1/jackpots")),
        "getJackpot": (True, lambda ctx, st: ctx.target.call("GET", "/v1/jackpots/jp_mega")),
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


def run_latency_phase(
    make_ctx: Callable[[str], ScenarioContext],
    contract: Contract,
    bus: EventBus,
    *,
    samples: int,
    selected: Callable[[str], bool],
) -> list[CaseResult]:
    """Time `samples` calls of each operation; verdict against its p95/p99 budget."""
    budgets = slo_budgets(contract)
    samplers = _samplers()
    results = []
    for result_id, operation in latency_ids(contract).items():
        budget = budgets[operation]
        title = (
            f"{budget['method']} {budget['path']} ({operation}) meets p95 ≤ {budget['p95_ms']} ms "
            f"and p99 ≤ {budget['p99_ms']} ms"
        )
        if not selected(result_id):
            results.append(
                CaseResult(result_id, title, "latency", Verdict.SKIPPED, reason="deselected")
            )
            continue
        bus.emit(CaseStarted("latency", result_id, title))
        ctx = make_ctx(result_id)
        evidence = ctx.target.begin_case("latency", result_id)
        started = time.perf_counter()
        timings: list[float] = []
        statuses: dict[int, int] = {}
        result = CaseResult(result_id, title, "latency", Verdict.PASSED, evidence=evidence)
        try:
            entry = samplers.get(operation)
            if entry is None:
                raise NotApplicable(f"certify has no latency sampler for {operation}")
            needs_sandbox, sampler = entry
            state: dict[str, Any] = {}
            if needs_sandbox:
                state["player"], state["session"] = ctx.ready_player("EUR", "100000.00")
            for _ in range(samples):
                reply = sampler(ctx, state)
                timings.append(reply.exchange.elapsed_ms)
                statuses[reply.status] = statuses.get(reply.status, 0) + 1
            p50, p95, p99 = (percentile(timings, p) for p in (50, 95, 99))
            result.data = {
                "operation": operation,
                "samples": len(timings),
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "p99_ms": round(p99, 2),
                "budget_p95_ms": budget["p95_ms"],
                "budget_p99_ms": budget["p99_ms"],
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
            }

            misses = []
            if p95 > budget["p95_ms"]:
                misses.append(f"p95 {p95:.1f} ms > {budget['p95_ms']} ms")
            if p99 > budget["p99_ms"]:
                misses.append(f"p99 {p99:.1f} ms > {budget['p99_ms']} ms")
            bad = sum(n for s, n in statuses.items() if s >= 300)
            if bad:
                misses.append(f"{bad} of {len(timings)} timed calls did not succeed: {statuses}")
            if misses:
                result.verdict = Verdict.FAILED
                result.findings = [Finding(result_id, "; ".join(misses), operation=operation)]
        except NotApplicable as exc:
            result.verdict = Verdict.NOT_APPLICABLE
            result.reason = str(exc)
        except AssertionError as exc:
            result.verdict = Verdict.ERROR
            result.reason = f"setup failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - any crash becomes an ERROR verdict with its reason
            result.verdict = Verdict.ERROR
            result.reason = f"{type(exc).__name__}: {exc}"
        result.duration_s = time.perf_counter() - started
        # Keep only the timed exchanges' first few as evidence; the figures are in data.
        del evidence[6:]
        results.append(result)
        bus.emit(CaseFinished(result))
    return results
