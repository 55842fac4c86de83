"""Phase 1: Schemathesis fuzzes every operation of the bundled contract, signed, our checks too.

Requests get the mandatory headers, a bearer token and an X-Signature computed over the final
body bytes (a `requests` auth object runs after serialization). Croupier's own checks are
registered into Schemathesis under their kebab-case ids for the length of the run only, so other
Schemathesis users in the same process never see them.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from croupier import Contract, new_idempotency_key, new_trace_id, sign_request
from croupier.conformance.certify._checks import (
    CHECKS,
    IDEMPOTENT_REPLAY_HEADER,
    ResponseView,
    is_contract_path,
)
from croupier.conformance.certify._coverage import error_code_of
from croupier.conformance.certify._events import EventBus, Progress, RequestSent
from croupier.conformance.certify._machine import LoadProbe
from croupier.conformance.certify._model import CaseResult, Exchange, Finding, Verdict
from croupier.conformance.certify._target import Target

__all__ = ["BUILTIN_CHECKS", "contract_auth", "run_contract_phase"]

# Schemathesis's default checks, reported under their own names, each with what it asserts.
# Its not_a_server_error is switched off: Croupier's no-server-error asserts the same on the
# generated requests and on every scenario and latency call too, so one check reports it.
BUILTIN_CHECKS: dict[str, str] = {
    "status_code_conformance": "Every response status is one the contract documents for the "
    "operation.",
    "content_type_conformance": "Every response's Content-Type is one the contract documents "
    "for that status.",
    "response_schema_conformance": "Every response body validates against the schema the "
    "contract documents for its status and content type.",
    "response_headers_conformance": "Every header the contract marks as required on a response "
    "is present and matches its schema.",
    "positive_data_acceptance": "A request valid under the contract's schemas is accepted "
    "(2xx, or a documented business refusal: 401, 402, 403, 404, 409, 422, 429).",
    "negative_data_rejection": "A request that breaks the contract's schemas (a wrong type, a "
    "missing required field, a malformed header) is refused with a 4xx.",
    "use_after_free": "A resource the API reported deleted is not found again afterwards "
    "(stateful phase).",
    "ensure_resource_availability": "A resource a successful call created can be read back "
    "through the operations the contract links to it (stateful phase).",
    "missing_required_header": "A request lacking a header the contract marks as required is "
    "refused with a 4xx.",
    "ignored_auth": "An operation that declares authentication refuses requests without it or "
    "with broken credentials (no signature, no bearer token).",
    "unsupported_method": "An HTTP method the contract does not define on a path is refused "
    "with 405.",
}

# Schema-valid input the contract itself answers with a business refusal: 402 INSUFFICIENT_FUNDS
# and 422 (WRONG_CURRENCY, INVALID_AMOUNT beyond the exponent, WIN_BREAKDOWN_MISMATCH …) are
# documented answers to a well-formed request, so positive_data_acceptance must accept them.
_POSITIVE_ACCEPTED = ["2xx", "401", "402", "403", "404", "409", "422", "429"]

# Keys whose values a target makes up (ids, clocks); Schemathesis reuses them in later cases.
_MADE_UP = ("id", "_at", "time")
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


def _make_check(check_id: str, contract: Contract, record: Callable[[Any, Any], None]) -> Any:
    spec = CHECKS[check_id]

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        view = _view(response)
        if not is_contract_path(view.path):
            return None
        message = spec.func(view, contract)
        if message:
            raise AssertionError(message)
        if check_id == IDEMPOTENT_REPLAY_HEADER:
            _probe_replay(response, view, record)
        return None

    check.__name__ = check_id
    check.__qualname__ = check_id
    check.__doc__ = spec.title
    return check


def _probe_replay(response: Any, view: ResponseView, record: Callable[[Any, Any], None]) -> None:
    """Send a successful write again, byte for byte, and demand the stored answer."""
    if view.method not in _WRITE_METHODS or not 200 <= view.status < 300:
        return
    if not view.request_header("X-Idempotency-Key"):
        return
    import requests

    sent = response.request.copy()
    with requests.Session() as session:
        again = session.send(sent, timeout=15, **_REQUESTS_TLS)
    record(sent, again)
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


# requests' TLS arguments for the replay check (set per run from the target's ClientTls).
_REQUESTS_TLS: dict[str, Any] = {}


class _Signer:
    """A `requests` auth: signs the prepared request (final path and body bytes)."""

    def __init__(self, key_id: str, key: str) -> None:
        self.key_id = key_id
        self.key = key

    def __call__(self, request: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers["X-Signature"] = sign_request(
            request.method,
            request.path_url,
            body,
            self.key_id,
            self.key,
            headers=request.headers.items(),
        )
        return request


def contract_auth(
    token: Callable[[], str],
    creds: Any,
    signer: Any,
    key_prefix: str,
    extra_headers: dict[str, str] | None = None,
) -> type:
    """A Schemathesis auth class: bearer token, mandatory headers and the signature.

    Headers a negative case negates are left as generated (filling them in would turn the
    case positive); writes get a fresh idempotency key starting with `key_prefix`. A target
    profile's `extra_headers` go on every case.
    """
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.generation.meta import negated_parameters

    class ContractAuth:
        def get(self, case: Any, context: Any) -> str:
            return token()

        def set(self, case: Any, data: str, context: Any) -> None:
            negated = {
                name.lower()
                for name, location in negated_parameters(case.meta)
                if location == ParameterLocation.HEADER
            }
            headers = {**(extra_headers or {}), **(case.headers or {})}
            headers["Authorization"] = f"Bearer {data}"
            values = {
                "X-Brand-Id": creds.brand,
                "X-Region": creds.region,
                "X-Provider-Id": creds.provider,
                "X-Trace-Id": new_trace_id(),
            }
            if case.method.upper() in _WRITE_METHODS:
                values["X-Idempotency-Key"] = new_idempotency_key(key_prefix)
            whole = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
            for name, value in values.items():
                if name.lower() not in negated and not whole:
                    headers[name] = value
            case.headers = headers
            case._auth = signer

    return ContractAuth


def _schemathesis_tls(target: Target) -> dict[str, Any]:
    """Schemathesis's TLS settings: the CA to trust and the client certificate (mTLS)."""
    tls = target.tls
    if tls is None:
        return {} if target.connection.verify_tls else {"tls-verify": False}
    settings: dict[str, Any] = {
        "tls-verify": (tls.ca or True) if target.connection.verify_tls else False
    }
    if tls.cert:
        settings["request-cert"] = tls.cert
        if tls.key:
            settings["request-cert-key"] = tls.key
    return settings


@contextlib.contextmanager
def _registered_checks(
    contract: Contract, ids: list[str], record: Callable[[Any, Any], None]
) -> Iterator[None]:
    from schemathesis.checks import CHECKS as ST_CHECKS

    added = []
    try:
        for check_id in ids:
            if check_id in ST_CHECKS.get_all_names():
                ST_CHECKS.unregister(check_id)
            ST_CHECKS.register(_make_check(check_id, contract, record))
            added.append(check_id)
        yield
    finally:
        for check_id in added:
            with contextlib.suppress(KeyError):
                ST_CHECKS.unregister(check_id)


def machine_was_loaded(probe: LoadProbe) -> str | None:
    """The load figures when the machine was saturated while the phase ran, else None."""
    return probe.describe() if probe.summary()["loaded"] else None


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
    from schemathesis.engine import events as st_events
    from schemathesis.engine import from_schema

    ours = [c for c in CHECKS if selected is None or c in selected]
    builtin = [c for c in BUILTIN_CHECKS if selected is None or c in selected]
    names = ours + builtin
    started = time.perf_counter()

    raw = copy.deepcopy(contract.bundled)
    raw["servers"] = [{"url": target.base_url}]
    checks_config: dict[str, Any] = {name: {"enabled": name in builtin} for name in BUILTIN_CHECKS}
    checks_config["not_a_server_error"] = {"enabled": False}  # no-server-error reports it
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
            **_schemathesis_tls(target),
        }
    )
    _REQUESTS_TLS.clear()
    if not target.connection.verify_tls:
        _REQUESTS_TLS["verify"] = False
    elif target.tls is not None:
        _REQUESTS_TLS["verify"] = target.tls.ca or True
    if target.tls is not None:
        if target.tls.cert:
            _REQUESTS_TLS["cert"] = (target.tls.cert, target.tls.key)
    schema = schemathesis.openapi.from_dict(raw, config=config)
    creds = target.credentials
    signer = _Signer(creds.key_id, creds.signing_key)

    schema.auth.auth(refresh_interval=240)(
        contract_auth(target.client.token, creds, signer, "cert-fuzz", target.connection.headers)
    )

    tally = _Tally(names, seed, target, bus)
    with _registered_checks(contract, ours, tally.replayed), LoadProbe() as probe:
        stream = from_schema(schema).execute()
        try:
            for event in stream:
                if time.perf_counter() - started > budget_s:
                    tally.incomplete.append(
                        f"the contract phase stopped at its {budget_s:.0f} s budget"
                    )
                    tally.too_loaded = machine_was_loaded(probe)
                    break
                if isinstance(event, st_events.PhaseStarted):
                    bus.emit(Progress("contract", f"schemathesis {event.phase.name.value}"))
                elif isinstance(event, st_events.PhaseFinished):
                    tally.phase_status[event.phase.name.value] = event.status.value
                elif isinstance(event, st_events.NonFatalError):
                    tally.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
                elif isinstance(event, st_events.FatalError):
                    tally.incomplete.append(f"Schemathesis stopped: {event.exception}")
                elif isinstance(event, st_events.Interrupted):
                    tally.incomplete.append("Schemathesis was interrupted")
                elif isinstance(event, st_events.ScenarioFinished):
                    tally.scenario(event.phase.value, event.recorder)
                    bus.emit(
                        Progress(
                            "contract",
                            f"{event.phase.value} {event.recorder.label}",
                            done=len(tally.operations),
                        )
                    )
        finally:
            stream.stop()

    elapsed = time.perf_counter() - started
    operations = {
        f"{method.upper()} {path}"
        for path, item in raw.get("paths", {}).items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    missing = sorted(operations - tally.operations)
    data = tally.summary(missing)
    results = []
    for name in names:
        title = CHECKS[name].title if name in CHECKS else BUILTIN_CHECKS[name]
        verdict, reason = tally.verdict(name, missing)
        results.append(
            CaseResult(
                id=name,
                title=title,
                phase="contract",
                verdict=verdict,
                # the checks judged the same requests: each gets its share of the phase's time
                duration_s=elapsed / max(1, len(names)),
                reason=reason,
                findings=tally.findings[name],
                evidence=tally.evidence[name] or _sample_for(tally.samples),
                data=dict(data, **tally.check_counts(name)),
            )
        )
    return results


class _Tally:
    """What the Schemathesis event stream showed, per check, operation and Schemathesis phase."""

    def __init__(self, names: list[str], seed: int, target: Target, bus: EventBus) -> None:
        self.names = set(names)
        self.seed = seed
        self.target = target
        self.bus = bus
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.findings: dict[str, list[Finding]] = defaultdict(list)
        self.evidence: dict[str, list[Exchange]] = defaultdict(list)
        self.operations: set[str] = set()  # labels exercised outside the stateful phase
        self.samples: list[Exchange] = []
        self.errors: list[str] = []  # non-fatal engine errors (one operation's trouble)
        self.incomplete: list[str] = []  # why the phase could not finish
        self.too_loaded: str | None = None  # the load figures, when a loaded machine cut it
        self.phase_status: dict[str, str] = {}
        self.requests = 0
        # Schemathesis phase -> [requests, sha256 of what was generated]: the same seed gives
        # the same fingerprint, which is how a user sees that --seed replays a run. The stateful
        # phase follows links through the target's own answers, so only its shape replays.
        self.generated: dict[str, list[Any]] = {}
        self._digests: dict[str, Any] = {}
        self._reused: set[str] = set()

    def scenario(self, phase: str, recorder: Any) -> None:
        """Count one Schemathesis scenario: its requests, its checks, its failures."""
        if phase != "stateful":
            self.operations.add(recorder.label)
        digest = self._digests.setdefault(phase, hashlib.sha256())
        entry = self.generated.setdefault(phase, [0, ""])
        interactions = list(recorder.interactions.values())
        for interaction in interactions:
            self._harvest(getattr(interaction, "response", None))
        labels = {id(i): _label(recorder, case_id) for case_id, i in recorder.interactions.items()}
        for interaction in interactions:
            self.requests += 1
            entry[0] += 1
            request = getattr(interaction, "request", None)
            if request is not None:
                digest.update(self._generated_text(request).encode())
            exchange = _exchange(interaction)
            if exchange is None:
                continue
            if len(self.samples) < 400:
                self.samples.append(exchange)
            self.bus.emit(
                RequestSent(
                    "contract",
                    "schemathesis",
                    exchange,
                    auth=self._auth(interaction),
                    operation=labels.get(id(interaction)),
                )
            )
        entry[1] = digest.hexdigest()
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                if node.name in self.names:
                    self._check(node, recorder, case_id)

    def replayed(self, sent: Any, again: Any) -> None:
        """Announce a request the replay probe sent again (a `requests` request and answer)."""
        body = sent.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = _flat(sent.headers)
        elapsed = again.elapsed.total_seconds()
        exchange = Exchange(
            method=str(sent.method),
            path=str(sent.path_url),
            status=int(again.status_code),
            trace_id=next((v for k, v in headers.items() if k.lower() == "x-trace-id"), None),
            elapsed_ms=round(elapsed * 1000, 2),
            request_headers={
                k: v for k, v in headers.items() if k.lower() in ("x-signature", "x-trace-id")
            },
            response_headers=_flat(again.headers),
            response_body=(again.content or b"")[:1000].decode("utf-8", "replace"),
            note="sent again by idempotent-replay-header",
        )
        auth = self.target.auth_facts(
            str(sent.method), str(sent.path_url), headers, body, time.time() - elapsed
        )
        self.bus.emit(RequestSent("contract", "schemathesis", exchange, auth=auth))

    def _auth(self, interaction: Any) -> Any:
        """How a generated request authenticated (its full body and headers as sent)."""
        request = interaction.request
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = getattr(interaction, "response", None)
        elapsed = float(getattr(response, "elapsed", 0.0) or 0.0) if response is not None else 0.0
        sent_at = float(getattr(interaction, "timestamp", time.time())) - elapsed
        return self.target.auth_facts(
            str(request.method), _path_of(str(request.uri)), _flat(request.headers), body, sent_at
        )

    def _generated_text(self, request: Any) -> str:
        """A request as generated: ids Schemathesis reused from the target's answers masked."""
        body = request.body or b""
        text = f"{request.method} {_path_of(str(request.uri))}\n" + (
            body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        )
        for value in self._reused:
            if value in text:
                text = text.replace(value, "{reused}")
        return text + "\n"

    def _harvest(self, response: Any) -> None:
        """Remember ids the target made up: Schemathesis feeds them into later cases."""
        content = getattr(response, "content", None) if response is not None else None
        if not content or len(self._reused) > 5000:
            return
        try:
            data = json.loads(content)
        except ValueError:
            return
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for key, value in item.items():
                    if isinstance(value, str) and key.endswith(_MADE_UP) and len(value) >= 6:
                        self._reused.add(value)
                    else:
                        stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)

    def _check(self, node: Any, recorder: Any, case_id: str) -> None:
        status = node.status.value
        if status != "failure" or node.failure_info is None:
            self.counts[node.name]["passed" if status == "success" else status] += 1
            return
        self.counts[node.name]["failed"] += 1
        failure = node.failure_info.failure
        failed_interaction = recorder.interactions.get(case_id)
        exchange = _exchange(failed_interaction) if failed_interaction is not None else None
        if len(self.findings[node.name]) < 20:
            asserted = (
                CHECKS[node.name].title if node.name in CHECKS else BUILTIN_CHECKS.get(node.name)
            )
            answered = None
            if exchange is not None and exchange.status is not None:
                code = error_code_of(exchange.response_body) if exchange.status >= 400 else None
                answered = f"{exchange.status}{' ' + code if code else ''}"
            self.findings[node.name].append(
                Finding(
                    node.name,
                    f"{failure.title}: {failure.message}".strip(),
                    operation=recorder.label,
                    trace_id=exchange.trace_id if exchange else None,
                    expected=asserted,
                    actual=answered,
                    reproduce=node.failure_info.code_sample
                    + f"\n# the whole run: croupier certify --seed {self.seed} --phases contract"
                    + f" --only {node.name} …",
                )
            )
        if exchange is not None and len(self.evidence[node.name]) < 5:
            self.evidence[node.name].append(exchange)

    def check_counts(self, name: str) -> dict[str, int]:
        """How often a check passed, failed, errored or was skipped."""
        c = self.counts[name]
        return {
            "responses_checked": c["passed"] + c["failed"],
            "failed": c["failed"],
            "check_errors": c["error"],
            "check_skips": c["skip"],
        }

    def verdict(self, name: str, missing: list[str]) -> tuple[Verdict, str]:
        """Strict: passed only when the check looked at responses and none failed."""
        c = self.counts[name]
        if c["failed"]:
            return Verdict.FAILED, ""
        if self.incomplete and self.too_loaded and len(self.incomplete) == 1:
            # Only the time budget stopped it, on a machine too busy to finish in time.
            return Verdict.INCONCLUSIVE, (
                f"too loaded to judge: {self.incomplete[0]} while the machine was loaded "
                f"({self.too_loaded}); the {c['passed']} responses it checked all passed"
            )
        if self.incomplete:
            return Verdict.ERROR, "; ".join(self.incomplete)
        if missing:
            return Verdict.ERROR, f"Schemathesis never exercised {', '.join(missing)}"
        if not c["passed"]:
            if c["error"]:
                return Verdict.ERROR, f"the check errored on all {c['error']} responses"
            return Verdict.NOT_APPLICABLE, "no generated case was one this check applies to"
        return Verdict.PASSED, ""

    def summary(self, missing: list[str]) -> dict[str, Any]:
        """Facts shared by every check's result."""
        return {
            "operations": len(self.operations),
            "operations_missing": missing,
            "requests": self.requests,
            "schemathesis_phases": {
                phase: {"status": status, **self._generated(phase)}
                for phase, status in self.phase_status.items()
                if phase in ("examples", "coverage", "fuzzing", "stateful")
            },
            "engine_errors": self.errors[:10],
        }

    def _generated(self, phase: str) -> dict[str, Any]:
        requests, fingerprint = self.generated.get(phase, [0, ""])
        if phase == "stateful":
            fingerprint = ""
        return {"requests": requests, "fingerprint": fingerprint[:16]}


def _label(recorder: Any, case_id: str) -> str | None:
    """`METHOD /template` of the operation a recorded case called, when Schemathesis knows it."""
    node = recorder.cases.get(case_id)
    operation = getattr(getattr(node, "value", None), "operation", None)
    label = getattr(operation, "label", None)
    return label if isinstance(label, str) else None


def _path_of(uri: str) -> str:
    rest = uri.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def _sample_for(samples: list[Exchange]) -> list[Exchange]:
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
    path = _path_of(str(request.uri))
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
            if k.lower() in ("x-trace-id", "x-idempotency-key", "x-signature", "content-type")
        },
        request_body=body[:1000].decode("utf-8", "replace"),
        response_headers={
            k: v
            for k, v in resp_headers.items()
            if k.lower() in ("x-trace-id", "idempotent-replayed", "content-type")
        },
        response_body=(content or b"")[:1000].decode("utf-8", "replace"),
    )
