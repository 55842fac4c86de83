"""The certification engine: runs the phases in order and emits events; reporters listen."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from croupier import SANDBOX_CREDENTIALS, ClientTls, Contract, Credentials, __version__
from croupier.conformance.certify._catalog import all_scenarios
from croupier.conformance.certify._checks import CHECKS
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._contract_phase import BUILTIN_CHECKS, run_contract_phase
from croupier.conformance.certify._events import (
    CaseFinished,
    CaseStarted,
    CheckFailed,
    EventBus,
    Listener,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunStarted,
)
from croupier.conformance.certify._fixtures import Fixtures
from croupier.conformance.certify._latency import LatencySettings, latency_ids, run_latency_phase
from croupier.conformance.certify._ledger import RunLedger
from croupier.conformance.certify._load import LOAD_IDS, LoadSettings, run_load_phase
from croupier.conformance.certify._model import CaseResult, Finding, RunResult, Verdict
from croupier.conformance.certify._registry import NotApplicable, Scenario, ScenarioFailure
from croupier.conformance.certify._target import ConnectionSettings, Target, TargetUnavailable

__all__ = [
    "DEFAULT_PHASES",
    "PHASES",
    "CertifyOptions",
    "TargetUnavailable",
    "certify_target",
    "known_ids",
]

PHASES = ("contract", "scenarios", "latency", "load")
# What runs unless asked otherwise: the load phase (Locust, the `load` extra) is opt-in.
DEFAULT_PHASES = ("contract", "scenarios", "latency")


@dataclass
class CertifyOptions:
    """What to certify and how hard."""

    base_url: str
    credentials: Credentials = SANDBOX_CREDENTIALS
    seed: int | None = None
    max_examples: int = 5
    only: set[str] | None = None
    skip: set[str] = field(default_factory=set)
    phases: tuple[str, ...] = DEFAULT_PHASES
    latency_samples: int = 100
    latency_concurrency: int = 1
    latency_rounds: int = 3
    contract_budget_s: float = 120.0
    transport: httpx.BaseTransport | None = None
    # mTLS and a protected sandbox control surface (croupier serve --client-ca / --control-token)
    tls: ClientTls | None = None
    control_token: str | None = None
    fixtures: Fixtures = field(default_factory=Fixtures)
    use_control: bool | None = None  # None: use the sandbox control surface when present
    max_wait_s: float = 120.0
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    load: LoadSettings = field(default_factory=LoadSettings)


def known_ids(contract: Contract) -> dict[str, str]:
    """Every selectable id -> its phase."""
    ids = {c: "contract" for c in CHECKS}
    ids.update({c: "contract" for c in BUILTIN_CHECKS})
    ids.update({s.id: "scenarios" for s in all_scenarios()})
    ids.update({i: "latency" for i in latency_ids(contract)})
    ids.update({i: "load" for i in LOAD_IDS})
    return ids


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certify_target(
    options: CertifyOptions, contract: Contract, listeners: list[Listener] | None = None
) -> RunResult:
    """Certify one implementation; raises TargetUnavailable when it cannot be certified at all."""
    ledger = RunLedger(contract)
    bus = EventBus([ledger, *(listeners or [])])
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)

    def selected(item: str) -> bool:
        return (options.only is None or item in options.only) and item not in options.skip

    our_checks = {c for c in CHECKS if selected(c)}
    target = Target(
        options.base_url,
        options.credentials,
        contract,
        bus,
        transport=options.transport,
        checks=our_checks,
        tls=options.tls,
        control_token=options.control_token,
        connection=options.connection,
    )
    started = time.perf_counter()
    run = RunResult(
        target=options.base_url,
        contract_version=contract.version,
        contract_sha256=contract.sha256,
        tool_version=__version__,
        started_at=_now(),
        seed=seed,
        settings={
            "max_examples": options.max_examples,
            "phases": list(options.phases),
            "only": sorted(options.only) if options.only is not None else None,
            "skip": sorted(options.skip),
            "latency_samples": options.latency_samples,
            "latency_concurrency": options.latency_concurrency,
            "latency_rounds": options.latency_rounds,
            **({"load": dict(vars(options.load))} if "load" in options.phases else {}),
            "key_id": options.credentials.key_id,
            "brand": options.credentials.brand,
            "region": options.credentials.region,
            "provider": options.credentials.provider,
            "use_control": options.use_control,
            "max_wait_s": options.max_wait_s,
            "fixtures": options.fixtures.described(),
            **options.connection.described(),
            "oauth_client_id": options.connection.oauth.client_id
            or options.credentials.oauth_client_id,
            "signing_algorithm": "ed25519" if options.credentials.private_key else "hmac-sha256",
        },
    )
    try:
        target.preflight()
        run.sandbox_surface = options.use_control is not False and target.has_sandbox_surface()
        if options.use_control and not run.sandbox_surface:
            raise TargetUnavailable(
                f"use_control is true but {options.base_url} has no sandbox control surface "
                "(GET /sandbox/players is not 200)"
            )
        bus.emit(RunStarted(options.base_url, contract.version, seed, options.phases))
        run_tag = uuid.uuid4().hex[:8]

        def make_ctx(case_id: str) -> ScenarioContext:
            return ScenarioContext(
                target=target,
                contract=contract,
                scenario_id=case_id,
                seed=seed,
                run_tag=run_tag,
                sandbox=run.sandbox_surface,
                max_examples=options.max_examples,
                fixtures=options.fixtures,
                max_wait_s=options.max_wait_s,
            )

        runner = _ScenarioRunner(target, bus, make_ctx)
        chosen = (
            [s for s in all_scenarios() if selected(s.id)] if "scenarios" in options.phases else []
        )

        # Phase 1 — the contract.
        contract_ids = [c for c in (*CHECKS, *BUILTIN_CHECKS) if selected(c)]
        phase1: dict[str, CaseResult] = {}
        if "contract" in options.phases and contract_ids:
            phase_started = time.perf_counter()
            bus.emit(PhaseStarted("contract", len(contract_ids)))
            target.begin_case("contract", "schemathesis")
            for result in run_contract_phase(
                target,
                contract,
                bus,
                seed=seed,
                max_examples=options.max_examples,
                selected=set(contract_ids),
                budget_s=options.contract_budget_s,
            ):
                phase1[result.id] = result
            run.phase_durations_s["contract"] = time.perf_counter() - phase_started
            bus.emit(PhaseFinished("contract"))  # its requests were announced one by one

        # Phase 2 — scenarios.
        scenario_results: list[CaseResult] = []
        if "scenarios" in options.phases:
            phase_started = time.perf_counter()
            bus.emit(PhaseStarted("scenarios", len(chosen)))
            scenario_results = runner.run(chosen)
            run.phase_durations_s["scenarios"] = time.perf_counter() - phase_started
            bus.emit(PhaseFinished("scenarios"))
        for s in all_scenarios():
            if not any(r.id == s.id for r in scenario_results):
                why = "deselected" if "scenarios" in options.phases else "phase not run"
                scenario_results.append(
                    CaseResult(s.id, s.title, "scenarios", Verdict.SKIPPED, s.mandatory, reason=why)
                )

        # Our checks: what Phase 1 found plus what scenario traffic showed.
        run.results.extend(_check_results(target, phase1, selected, options))
        run.results.extend(scenario_results)

        # Phase 3 — latency.
        if "latency" in options.phases:
            ids = [i for i in latency_ids(contract) if selected(i)]
            phase_started = time.perf_counter()
            bus.emit(PhaseStarted("latency", len(ids)))
            run.results.extend(
                run_latency_phase(
                    make_ctx,
                    contract,
                    bus,
                    samples=options.latency_samples,
                    selected=selected,
                    settings=LatencySettings(
                        samples=options.latency_samples,
                        concurrency=options.latency_concurrency,
                        rounds=options.latency_rounds,
                    ),
                    seed=seed,
                )
            )
            run.phase_durations_s["latency"] = time.perf_counter() - phase_started
            bus.emit(PhaseFinished("latency"))
        else:
            for result_id in latency_ids(contract):
                run.results.append(
                    CaseResult(
                        result_id, result_id, "latency", Verdict.SKIPPED, reason="phase not run"
                    )
                )

        # Phase 4 — load (opt-in): Locust drives bet/settle rounds.
        if "load" in options.phases:
            bus.emit(PhaseStarted("load", len([i for i in LOAD_IDS if selected(i)])))
            run.results.extend(
                run_load_phase(make_ctx, contract, bus, options.load, selected=selected)
            )
            bus.emit(PhaseFinished("load"))
    finally:
        target.close()
    run.coverage = ledger.coverage()
    conn = options.connection
    run.security = ledger.security(
        options.credentials,
        https=options.base_url.startswith("https://"),
        client_certificate=bool((options.tls and options.tls.cert) or conn.client_cert),
        scopes_requested=list(conn.oauth.scopes),
        scopes_granted=list(target.client.granted),
    )
    run.finished_at = _now()
    run.duration_s = time.perf_counter() - started
    bus.emit(RunFinished(run))
    return run


def _check_results(
    target: Target,
    phase1: dict[str, CaseResult],
    selected: object,
    options: CertifyOptions,
) -> list[CaseResult]:
    out = []
    for check_id in (*CHECKS, *BUILTIN_CHECKS):
        result = phase1.get(check_id)
        if check_id in CHECKS:
            extra = target.check_findings.get(check_id, [])
            if result is None:
                is_selected = check_id in target.checks if target.checks is not None else True
                result = CaseResult(
                    check_id,
                    CHECKS[check_id].title,
                    "contract",
                    Verdict.PASSED if is_selected and target.checked_responses else Verdict.SKIPPED,
                    reason="" if is_selected else "deselected",
                    evidence=list(target.check_evidence.get(check_id, [])),
                )
            result.data["scenario_responses_checked"] = target.checked_responses
            if extra:
                result.verdict = Verdict.FAILED
                result.findings.extend(extra[:20])
                result.data["scenario_failures"] = len(extra)
                result.evidence = list(target.check_evidence.get(check_id, [])) + result.evidence
        elif result is None:
            why = "deselected" if "contract" in options.phases else "phase not run"
            result = CaseResult(
                check_id,
                BUILTIN_CHECKS[check_id],
                "contract",
                Verdict.SKIPPED,
                reason=why,
            )
        out.append(result)
    return out


def _finish(result: CaseResult, exc: BaseException | None, bus: EventBus, case_id: str) -> None:
    if exc is None:
        return
    if isinstance(exc, NotApplicable):
        result.verdict = Verdict.NOT_APPLICABLE
        result.reason = str(exc)
    elif isinstance(exc, ScenarioFailure | AssertionError):
        result.verdict = Verdict.FAILED
        finding = Finding(case_id, str(exc))
        assertion = getattr(exc, "assertion", None)
        if assertion is not None and (assertion.expected or assertion.actual):
            finding.expected, finding.actual = assertion.expected, assertion.actual
        if assertion is not None and assertion.trace_id:
            finding.trace_id = assertion.trace_id
        elif result.evidence:
            finding.trace_id = result.evidence[-1].trace_id
        result.findings.append(finding)
        bus.emit(CheckFailed("scenarios", case_id, finding))
    else:
        result.verdict = Verdict.ERROR
        result.reason = f"{type(exc).__name__}: {exc}"


class _Step:
    """One scenario on its own thread, so that a real-time wait lets the others run meanwhile.

    Only one scenario runs at any moment: the engine hands the turn to a scenario and takes it
    back when the scenario finishes or parks in `ctx.wait`. A parked scenario resumes once its
    wait is over and no other scenario is running, so balance deltas stay unshared.
    """

    def __init__(self, item: Scenario, ctx: ScenarioContext) -> None:
        self.item = item
        self.ctx = ctx
        self.until = 0.0
        self.finished = False
        self.error: BaseException | None = None
        self.waited_s = 0.0
        self._turn = threading.Semaphore(0)
        self._back = threading.Semaphore(0)
        ctx.parker = self

    def start(self) -> None:
        """Run the scenario until it finishes or parks."""
        threading.Thread(target=self._main, name=f"scenario {self.item.id}", daemon=True).start()
        self._back.acquire()

    def resume(self) -> None:
        """Give the turn back to a parked scenario until it finishes or parks again."""
        self._turn.release()
        self._back.acquire()

    def park(self, seconds: float) -> None:
        """Called on the scenario's thread by `ctx.wait`: step aside for `seconds`."""
        self.until = time.monotonic() + seconds
        self.waited_s += seconds
        self._back.release()
        self._turn.acquire()

    def _main(self) -> None:
        try:
            if self.item.needs_sandbox:
                self.ctx.require_sandbox()
            self.item.func(self.ctx)
        except BaseException as exc:  # noqa: BLE001 - becomes the scenario's verdict
            self.error = exc
        finally:
            self.finished = True
            self._back.release()


class _ScenarioRunner:
    """Runs scenarios one at a time; waits overlap; each one's cleanup runs even when it fails."""

    def __init__(
        self, target: Target, bus: EventBus, make_ctx: Callable[[str], ScenarioContext]
    ) -> None:
        self.target = target
        self.bus = bus
        self.make_ctx = make_ctx

    def run(self, chosen: list[Scenario]) -> list[CaseResult]:
        """Run each scenario; one result each, in the registry's order."""
        results: dict[str, CaseResult] = {}
        parked: list[tuple[_Step, CaseResult, float]] = []
        for item in chosen:
            self.bus.emit(CaseStarted("scenarios", item.id, item.title))
            evidence = self.target.begin_case("scenarios", item.id)
            result = CaseResult(
                item.id, item.title, "scenarios", Verdict.PASSED, item.mandatory, evidence=evidence
            )
            results[item.id] = result
            step = _Step(item, self.make_ctx(item.id))
            started = time.perf_counter()
            step.start()
            if step.finished:
                self._finish(step, result, started)
            else:
                parked.append((step, result, started))
        while parked:
            parked.sort(key=lambda entry: entry[0].until)
            step, result, started = parked.pop(0)
            time.sleep(max(0.0, step.until - time.monotonic()))
            self.target.begin_case("scenarios", step.item.id, result.evidence)
            step.resume()
            if step.finished:
                self._finish(step, result, started)
            else:
                parked.append((step, result, started))
        return [results[item.id] for item in chosen]

    def _finish(self, step: _Step, result: CaseResult, started: float) -> None:
        error = step.error
        try:  # the sandbox clock must not stay moved, nor a fixture's stake stay held
            step.ctx.cleanup()
        except Exception as exc:  # noqa: BLE001 - a failed cleanup fails the scenario
            error = error or exc
        result.duration_s = time.perf_counter() - started
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise error
        _finish(result, error, self.bus, step.item.id)
        _annotate(result, step.ctx)
        if step.waited_s:
            result.data["waited_s"] = round(step.waited_s, 1)
        self.bus.emit(CaseFinished(result))


def _annotate(result: CaseResult, ctx: ScenarioContext) -> None:
    result.assertions = list(ctx.assertions)
    result.assertions_total = ctx.assertions_total
    if ctx.notes:
        result.data["notes"] = list(ctx.notes)
    if result.verdict != Verdict.NOT_APPLICABLE:
        result.data["uses"] = list(ctx.uses) or ["nothing: no account, no control"]
