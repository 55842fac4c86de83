"""Phase 1: Schemathesis fuzzes every operation of the bundled contract, signed, our checks too.

Requests get the mandatory headers, a bearer token and an X-Signature computed over the final
body bytes (a `requests` auth object runs after serialization). Croupier's own checks are
registered into Schemathesis under their kebab-case ids for the length of the run only, so other
Schemathesis users in the same process never see them.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from conformance.certify._checks import (
    CHECKS,
    IDEMPOTENT_REPLAY_HEADER,
    ResponseView,
    is_contract_path,
)
from conformance.certify._events import EventBus, Progress
from conformance.certify._model import CaseResult, Exchange, Finding, Verdict
from conformance.certify._target import Target
from croupier import Contract, new_idempotency_key, new_trace_id, sign_request

__all__ = ["BUILTIN_CHECKS", "run_contract_phase"]

# Schemathesis's default checks, reported under their own names.
BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
)

# Schema-valid input the contract itself answers with a business refusal: 402 INSUFFICIENT_FUNDS
# and 422 (WRONG_CURRENCY, INVALID_AMOUNT beyond the exponent, WIN_BREAKDOWN_MISMATCH …) are
# documented answers to a well-formed request, so positive_data_acceptance must accept them.
_POSITIVE_ACCEPTED = ["2xx", "401", "402", "403", "404", "409", "422", "429"]

_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_MANDATORY = ("X-Brand-Id", "X-Region", "X-Provider-Id")


def _flat(headers: Any) -> dict[str, str]:
    out = {}
    for name, value in dict(headers or {}).items():
        out[name] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


def _view(response: Any) -> ResponseView:
    request = response.request
    return ResponseView(
        method=str(request.method),
        path=str(request.path_url),
        status=int(response.status_code),
        request_headers=_flat(request.headers),
        response_headers=_flat(response.headers),
        body=response.content or b"",
    )


def _make_check(check_id: str, contract: Contract) -> Any:
    spec = CHECKS[check_id]

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        view = _view(response)
        if not is_contract_path(view.path):
            return None
        message = spec.func(view, contract)
        if message:
            raise AssertionError(message)
        if check_id == IDEMPOTENT_REPLAY_HEADER:
            _probe_replay(response, view)
        return None

    check.__name__ = check_id
    check.__qualname__ = check_id
    check.__doc__ = spec.title
    return check


def _probe_replay(response: Any, view: ResponseView) -> None:
    """Send a successful write again, byte for byte, and demand the stored answer."""
    if view.method not in _WRITE_METHODS or not 200 <= view.status < 300:
        return
    if not view.request_header("X-Idempotency-Key"):
        return
    import requests

    with requests.Session() as session:
        again = session.send(response.request.copy(), timeout=15)
    if again.status_code != view.status or again.content != view.body:
        raise AssertionError(
            f"replaying {view.method} {view.path} with the same key and body answered "
            f"{again.status_code} {again.content[:200]!r}; the original was {view.status} "
            f"{view.body[:200]!r}"
        )
    if again.headers.get("Idempotent-Replayed") != "true":
        raise AssertionError(
            f"replaying {view.method} {view.path} with the same key and body lacks "
            f"Idempotent-Replayed: true"
        )


class _Signer:
    """A `requests` auth: signs the prepared request (final path and body bytes)."""

    def __init__(self, key_id: str, secret: str) -> None:
        self.key_id = key_id
        self.secret = secret

    def __call__(self, request: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers["X-Signature"] = sign_request(
            request.method, request.path_url, body, self.key_id, self.secret
        )
        return request


@contextlib.contextmanager
def _registered_checks(contract: Contract, ids: list[str]) -> Iterator[None]:
    from schemathesis.checks import CHECKS as ST_CHECKS

    added = []
    try:
        for check_id in ids:
            if check_id in ST_CHECKS.get_all_names():
                ST_CHECKS.unregister(check_id)
            ST_CHECKS.register(_make_check(check_id, contract))
            added.append(check_id)
        yield
    finally:
        for check_id in added:
            with contextlib.suppress(KeyError):
                ST_CHECKS.unregister(check_id)


def run_contract_phase(
    target: Target,
    contract: Contract,
    bus: EventBus,
    *,
    seed: int,
    max_examples: int,
    selected: set[str] | None,
    budget_s: float = 150.0,
) -> list[CaseResult]:
    """Fuzz the contract with Schemathesis; one result per check (ours and the built-in ones)."""
    import schemathesis
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.engine import events as st_events
    from schemathesis.engine import from_schema
    from schemathesis.generation.meta import negated_parameters

    ours = [c for c in CHECKS if selected is None or c in selected]
    builtin = [c for c in BUILTIN_CHECKS if selected is None or c in selected]
    names = ours + builtin
    started = time.perf_counter()

    raw = copy.deepcopy(contract.bundled)
    raw["servers"] = [{"url": target.base_url}]
    checks_config: dict[str, Any] = {name: {"enabled": name in builtin} for name in BUILTIN_CHECKS}
    checks_config["positive_data_acceptance"]["expected-statuses"] = _POSITIVE_ACCEPTED
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": target.base_url,
            "workers": 1,
            "request-timeout": 15,
            "generation": {"max-examples": max_examples, "database": "none", "mode": "all"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 6},
            },
            "checks": checks_config,
        }
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    creds = target.credentials
    signer = _Signer(creds.key_id, creds.secret)

    class ContractAuth:
        """Bearer token, mandatory headers and the signature, except where a case negates them."""

        def get(self, case: Any, context: Any) -> str:
            return target.client.token()

        def set(self, case: Any, data: str, context: Any) -> None:
            negated = {
                name.lower()
                for name, location in negated_parameters(case.meta)
                if location == ParameterLocation.HEADER
            }
            headers = dict(case.headers or {})
            headers["Authorization"] = f"Bearer {data}"
            values = {
                "X-Brand-Id": creds.brand,
                "X-Region": creds.region,
                "X-Provider-Id": creds.provider,
                "X-Trace-Id": new_trace_id(),
            }
            if case.method.upper() in _WRITE_METHODS:
                values["X-Idempotency-Key"] = new_idempotency_key("cert-fuzz")
            # A negative case that mutated the header set as a whole (e.g. dropped required
            # headers) keeps its headers as generated: filling them in would turn it positive.
            whole = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
            for name, value in values.items():
                if name.lower() not in negated and not whole:
                    headers[name] = value
            case.headers = headers
            case._auth = signer

    schema.auth.auth(refresh_interval=240)(ContractAuth)

    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0, "error": 0})
    findings: dict[str, list[Finding]] = defaultdict(list)
    evidence: dict[str, list[Exchange]] = defaultdict(list)
    operations_seen: set[str] = set()
    samples: list[Exchange] = []
    errors: list[str] = []
    requests_sent = 0

    with _registered_checks(contract, ours):
        stream = from_schema(schema).execute()
        try:
            for event in stream:
                if time.perf_counter() - started > budget_s:
                    stream.stop()
                    errors.append(
                        f"stopped after the {budget_s:.0f} s budget of the contract phase"
                    )
                    break
                if isinstance(event, st_events.PhaseStarted):
                    bus.emit(Progress("contract", f"schemathesis {event.phase.name.value}"))
                elif isinstance(event, st_events.NonFatalError):
                    errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
                elif isinstance(event, st_events.FatalError):
                    errors.append(f"fatal: {event.exception}")
                elif isinstance(event, st_events.ScenarioFinished):
                    recorder = event.recorder
                    operations_seen.add(recorder.label)
                    for interaction in recorder.interactions.values():
                        requests_sent += 1
                        exchange = _exchange(interaction)
                        if exchange is not None and len(samples) < 400:
                            samples.append(exchange)
                    for case_id, nodes in recorder.checks.items():
                        for node in nodes:
                            if node.name not in names:
                                continue
                            status = node.status.value
                            if status == "success":
                                counts[node.name]["passed"] += 1
                                continue
                            if status != "failure" or node.failure_info is None:
                                counts[node.name]["error"] += 1
                                continue
                            counts[node.name]["failed"] += 1
                            failure = node.failure_info.failure
                            interaction = recorder.interactions.get(case_id)
                            exchange = _exchange(interaction) if interaction else None
                            if len(findings[node.name]) < 20:
                                findings[node.name].append(
                                    Finding(
                                        node.name,
                                        f"{failure.title}: {failure.message}".strip(),
                                        operation=recorder.label,
                                        trace_id=exchange.trace_id if exchange else None,
                                        reproduce=node.failure_info.code_sample,
                                    )
                                )
                            if exchange is not None and len(evidence[node.name]) < 5:
                                evidence[node.name].append(exchange)
                    bus.emit(
                        Progress(
                            "contract",
                            f"{event.phase.value} {recorder.label}",
                            done=len(operations_seen),
                        )
                    )
        finally:
            stream.stop()

    elapsed = time.perf_counter() - started
    results = []
    for name in names:
        c = counts[name]
        title = CHECKS[name].title if name in CHECKS else f"Schemathesis built-in check {name}"
        if c["failed"]:
            verdict = Verdict.FAILED
        elif c["passed"] or c["error"]:
            verdict = Verdict.PASSED
        else:
            verdict = Verdict.PASSED
        results.append(
            CaseResult(
                id=name,
                title=title,
                phase="contract",
                verdict=verdict,
                duration_s=elapsed,
                findings=findings[name],
                evidence=evidence[name] or _sample_for(name, samples),
                data={
                    "responses_checked": c["passed"] + c["failed"] + c["error"],
                    "failed": c["failed"],
                    "check_errors": c["error"],
                    "operations": len(operations_seen),
                    "requests": requests_sent,
                    "engine_errors": errors[:10],
                },
            )
        )
    return results


def _sample_for(name: str, samples: list[Exchange]) -> list[Exchange]:
    """Evidence of passing: a few exchanges of different operations."""
    seen: set[str] = set()
    picked = []
    for exchange in samples:
        key = f"{exchange.method} {exchange.path.split('?')[0]}"
        if key in seen:
            continue
        seen.add(key)
        picked.append(exchange)
        if len(picked) >= 3:
            break
    return picked


def _exchange(interaction: Any) -> Exchange | None:
    request = getattr(interaction, "request", None)
    if request is None:
        return None
    response = getattr(interaction, "response", None)
    req_headers = _flat(request.headers)
    uri = str(request.uri)
    path = uri.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    status = getattr(response, "status_code", None) if response is not None else None
    elapsed = getattr(response, "elapsed", 0.0) if response is not None else 0.0
    resp_headers = _flat(getattr(response, "headers", {})) if response is not None else {}
    content = getattr(response, "content", b"") if response is not None else b""
    return Exchange(
        method=str(request.method),
        path=path,
        status=status,
        trace_id=next((v for k, v in req_headers.items() if k.lower() == "x-trace-id"), None),
        elapsed_ms=round(float(elapsed) * 1000, 2),
        request_headers={
            k: v
            for k, v in req_headers.items()
            if k.lower() in ("x-trace-id", "x-idempotency-key", "content-type")
        },
        request_body=body[:1000].decode("utf-8", "replace"),
        response_headers={
            k: v
            for k, v in resp_headers.items()
            if k.lower() in ("x-trace-id", "idempotent-replayed", "content-type")
        },
        response_body=(content or b"")[:1000].decode("utf-8", "replace"),
    )
