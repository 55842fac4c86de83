"""Croupier's own response checks, shared by the contract phase (inside Schemathesis) and scenarios.

Each check looks at one request/response pair and returns a failure message or None. The ids are
stable and kebab-case; they are registered into Schemathesis under the same ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from croupier import Contract

__all__ = [
    "CHECKS",
    "ERROR_BODY_CONFORMS",
    "IDEMPOTENT_REPLAY_HEADER",
    "NO_SERVER_ERROR",
    "TRACE_ID_ECHOED",
    "CheckSpec",
    "ResponseView",
    "is_contract_path",
    "run_response_checks",
]

TRACE_ID_ECHOED = "trace-id-echoed"
ERROR_BODY_CONFORMS = "error-body-conforms"
IDEMPOTENT_REPLAY_HEADER = "idempotent-replay-header"
NO_SERVER_ERROR = "no-server-error"

_TRACE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@dataclass(frozen=True)
class ResponseView:
    """What a response check needs to see of one exchange."""

    method: str
    path: str
    status: int
    request_headers: Mapping[str, str]
    response_headers: Mapping[str, str]
    body: bytes

    def request_header(self, name: str) -> str | None:
        """A request header, by case-insensitive name."""
        return _lower(self.request_headers).get(name.lower())

    def response_header(self, name: str) -> str | None:
        """A response header, by case-insensitive name."""
        return _lower(self.response_headers).get(name.lower())


def is_contract_path(path: str) -> bool:
    """Whether a path belongs to the contract (not the sandbox control surface or OAuth)."""
    bare = path.split("?", 1)[0]
    return bare == "/health" or bare.startswith("/v1/") or bare == "/v1"


def trace_id_echoed(view: ResponseView, contract: Contract) -> str | None:
    """Every response echoes the request's X-Trace-Id (or one the platform generated)."""
    if view.path.split("?", 1)[0] == "/health":
        return None  # /health takes no headers (load balancers call it)
    sent = view.request_header("X-Trace-Id")
    echoed = view.response_header("X-Trace-Id")
    if not echoed:
        return f"{view.method} {view.path} answered {view.status} without an X-Trace-Id header"
    valid = sent is not None and _TRACE_ID.fullmatch(sent) is not None
    if valid and echoed != sent:
        return f"X-Trace-Id {sent!r} was answered with {echoed!r}"
    return None


def error_body_conforms(view: ResponseView, contract: Contract) -> str | None:
    """Error bodies follow the Error schema with a catalog code whose status is the HTTP one."""
    if view.status < 400:
        return None
    try:
        body = json.loads(view.body)
    except ValueError:
        snippet = view.body[:80].decode("utf-8", "replace")
        return f"{view.status} error body is not JSON: {snippet!r}"
    errors = sorted(_error_validator(contract).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.absolute_path)) or "(root)"
        return f"{view.status} error body breaks the Error schema at {where}: {first.message}"
    entry = contract.error_catalog.get(body["code"]) if contract.error_catalog else None
    if entry is None:
        return f"error code {body['code']!r} is not in the error catalog"
    if int(entry["status"]) != view.status:
        return (
            f"error code {body['code']} belongs with HTTP {entry['status']} "
            f"but came with {view.status}"
        )
    if bool(entry["retryable"]) != body["retryable"]:
        return (
            f"error code {body['code']} has retryable={entry['retryable']} in the catalog "
            f"but the body says {body['retryable']}"
        )
    echoed = view.response_header("X-Trace-Id")
    replayed = view.response_header("Idempotent-Replayed") == "true"
    # A replay returns the stored body byte for byte, so its trace_id is the first call's.
    if echoed and not replayed and body["trace_id"] != echoed:
        return f"error body trace_id {body['trace_id']!r} differs from X-Trace-Id {echoed!r}"
    return None


def idempotent_replay_header(view: ResponseView, contract: Contract) -> str | None:
    """`Idempotent-Replayed`, when present, is exactly `true` (and only on writes)."""
    value = view.response_header("Idempotent-Replayed")
    if value is None:
        return None
    if value != "true":
        return f"Idempotent-Replayed must be 'true' when present, got {value!r}"
    if view.method.upper() == "GET":
        return "Idempotent-Replayed on a read"
    return None


def no_server_error(view: ResponseView, contract: Contract) -> str | None:
    """No request, however malformed, is answered with a 5xx (Schemathesis's too)."""
    if view.status >= 500:
        snippet = view.body[:120].decode("utf-8", "replace")
        return f"{view.method} {view.path} answered {view.status}: {snippet}"
    return None


# Contract sha256 -> a validator of its Error schema (built once per contract).
_ERROR_VALIDATORS: dict[str, Any] = {}


def _error_validator(contract: Contract) -> Any:
    key = contract.sha256
    if key not in _ERROR_VALIDATORS:
        from jsonschema import Draft202012Validator

        schema = dict(contract.bundled["components"]["schemas"]["Error"])
        _ERROR_VALIDATORS[key] = Draft202012Validator(schema)
    return _ERROR_VALIDATORS[key]


@dataclass(frozen=True)
class CheckSpec:
    """A registered response check."""

    id: str
    title: str
    func: Callable[[ResponseView, Contract], str | None]


CHECKS: dict[str, CheckSpec] = {
    spec.id: spec
    for spec in (
        CheckSpec(TRACE_ID_ECHOED, (trace_id_echoed.__doc__ or "").strip(), trace_id_echoed),
        CheckSpec(
            ERROR_BODY_CONFORMS, (error_body_conforms.__doc__ or "").strip(), error_body_conforms
        ),
        CheckSpec(
            IDEMPOTENT_REPLAY_HEADER,
            "A write replayed with the same key and body answers the stored status and body "
            "byte for byte with `Idempotent-Replayed: true`.",
            idempotent_replay_header,
        ),
        CheckSpec(NO_SERVER_ERROR, (no_server_error.__doc__ or "").strip(), no_server_error),
    )
}


def run_response_checks(
    view: ResponseView, contract: Contract, only: set[str] | None = None
) -> list[tuple[str, str]]:
    """Run every (selected) check on a contract response; return (check id, message) failures."""
    if not is_contract_path(view.path):
        return []
    failures = []
    for spec in CHECKS.values():
        if only is not None and spec.id not in only:
            continue
        message = spec.func(view, contract)
        if message:
            failures.append((spec.id, message))
    return failures
