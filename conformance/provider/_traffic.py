"""Recorded traffic as the judge reads it: one `Exchange` per call, from HAR or a sandbox export."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from croupier import Contract

__all__ = ["Exchange", "TrafficError", "load_traffic", "parse_traffic"]

_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class TrafficError(ValueError):
    """A traffic file the judge cannot read."""


@dataclass
class Exchange:
    """One request of the provider and the answer it got (status None: no answer)."""

    index: int
    started: float  # epoch seconds
    elapsed_ms: float
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    operation_id: str | None = None
    signature: str | None = None  # the platform's verdict when the recording has one
    fault: Any = None
    recorded_id: int | None = None
    # What a validating proxy found against the contract: {"request": [...], "response": [...]}
    violations: dict[str, list[str]] | None = None

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive)."""
        return self.request_headers.get(name.lower())

    @property
    def ended(self) -> float:
        """When the answer arrived (epoch seconds)."""
        return self.started + self.elapsed_ms / 1000

    @property
    def write(self) -> bool:
        """Whether the call is a write (needs an idempotency key)."""
        return self.method in _WRITE_METHODS

    @property
    def body(self) -> Any:
        """The request body as JSON (None when it is not JSON)."""
        return _json(self.request_body)

    @property
    def answer(self) -> Any:
        """The answer body as JSON (None when it is not JSON)."""
        return _json(self.response_body)

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def error_code(self) -> str | None:
        """The Error code of an error answer."""
        answer = self.answer
        if self.status is not None and self.status >= 400 and isinstance(answer, dict):
            code = answer.get("code")
            return code if isinstance(code, str) else None
        return None

    @property
    def retryable(self) -> bool:
        """An outcome worth retrying: no answer, 5xx, or an error that says retryable."""
        if self.status is None or self.status >= 500:
            return True
        answer = self.answer
        if self.status >= 400 and isinstance(answer, dict):
            return answer.get("retryable") is True
        return False

    @property
    def refused(self) -> bool:
        """A definitive (non-retryable) error answer."""
        return self.status is not None and self.status >= 400 and not self.retryable

    def field(self, name: str) -> str | None:
        """An id (bet_id, session_id, player_id, round_id, event_id) from path, body or answer."""
        for source in (self._params(), self.body, self.answer):
            if isinstance(source, dict):
                value = source.get(name)
                if isinstance(value, str):
                    return value
        return None

    def _params(self) -> dict[str, str]:
        out = {}
        match = re.fullmatch(r"/v1/sessions/([^/]+)(/end)?", self.path)
        if match:
            out["session_id"] = match.group(1)
        match = re.fullmatch(r"/v1/bets/([^/]+)", self.path)
        if match and match.group(1) not in ("authorize", "settle", "rollback"):
            out["bet_id"] = match.group(1)
        match = re.fullmatch(r"/v1/players/([^/]+)/balance", self.path)
        if match:
            out["player_id"] = match.group(1)
        return out

    @property
    def bet_id(self) -> str | None:
        """The bet the call is about."""
        return self.field("bet_id")

    @property
    def session_id(self) -> str | None:
        """The session the call is about."""
        return self.field("session_id")

    @property
    def player_id(self) -> str | None:
        """The player the call is about."""
        return self.field("player_id")

    @property
    def idempotency_key(self) -> str | None:
        """X-Idempotency-Key as sent."""
        return self.header("x-idempotency-key")

    @property
    def trace_id(self) -> str | None:
        """X-Trace-Id as sent (None when the provider sent none)."""
        return self.header("x-trace-id")

    def label(self) -> str:
        """A one-line name for reports."""
        status = "no answer" if self.status is None else str(self.status)
        code = f" {self.error_code}" if self.error_code else ""
        return f"#{self.index} {self.method} {self.path} → {status}{code}"

    def to_evidence(self) -> dict[str, Any]:
        """What a report keeps of the exchange."""
        return {
            "index": self.index,
            "recorded_id": self.recorded_id,
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "error_code": self.error_code,
            "trace_id": self.trace_id,
            "idempotency_key": self.idempotency_key,
            "bet_id": self.bet_id,
            "started_at": _iso(self.started),
            "elapsed_ms": self.elapsed_ms,
            "fault": self.fault,
        }


def _iso(epoch: float) -> str:
    from datetime import UTC

    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _json(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise TrafficError(f"not an RFC 3339 time: {text!r}") from None


class _Operations:
    def __init__(self, contract: Contract | None) -> None:
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        if contract is None:
            return
        for path, item in contract.bundled.get("paths", {}).items():
            pattern = re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)))
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.routes.append((method.upper(), pattern, op["operationId"]))

    def find(self, method: str, path: str) -> str | None:
        for verb, pattern, operation_id in self.routes:
            if verb == method and pattern.fullmatch(path):
                return operation_id
        return None


def _from_export(rows: list[Any], ops: _Operations) -> list[Exchange]:
    out = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise TrafficError(f"exchange {i} is not an object")
        try:
            out.append(
                Exchange(
                    index=i,
                    started=_epoch(row["started_at"]),
                    elapsed_ms=float(row["elapsed_ms"]),
                    method=str(row["method"]).upper(),
                    path=str(row["path"]),
                    request_headers={k.lower(): v for k, v in row["request"]["headers"].items()},
                    request_body=row["request"]["body"],
                    status=row["response"]["status"] or None,
                    response_headers={k.lower(): v for k, v in row["response"]["headers"].items()},
                    response_body=row["response"]["body"],
                    operation_id=row.get("operation_id")
                    or ops.find(str(row["method"]).upper(), str(row["path"])),
                    signature=(row.get("signature") or {}).get("verdict"),
                    fault=row.get("fault"),
                    recorded_id=row.get("id"),
                    violations=row.get("violations"),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise TrafficError(f"exchange {i} lacks {exc}") from None
    return out


def _from_har(entries: list[Any], ops: _Operations) -> list[Exchange]:
    out = []
    for i, entry in enumerate(entries, 1):
        try:
            request, response = entry["request"], entry["response"]
            url = urlsplit(request["url"])
            method = str(request["method"]).upper()
            facts = entry.get("_croupier") or {}
            status = int(response.get("status") or 0) or None
            out.append(
                Exchange(
                    index=i,
                    started=_epoch(entry["startedDateTime"]),
                    elapsed_ms=float(entry.get("time") or 0),
                    method=method,
                    path=url.path,
                    request_headers={h["name"].lower(): h["value"] for h in request["headers"]},
                    request_body=(request.get("postData") or {}).get("text", ""),
                    status=status,
                    response_headers={
                        h["name"].lower(): h["value"] for h in response.get("headers", [])
                    },
                    response_body=(response.get("content") or {}).get("text", "") or "",
                    operation_id=facts.get("operation_id") or ops.find(method, url.path),
                    signature=(facts.get("signature") or {}).get("verdict"),
                    fault=facts.get("fault"),
                    recorded_id=facts.get("id"),
                )
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise TrafficError(f"HAR entry {i} is malformed: {exc}") from None
    return out


def parse_traffic(data: Any, contract: Contract | None = None) -> list[Exchange]:
    """Exchanges of a HAR document, a sandbox export page, or a list of exchanges; /v1 only."""
    ops = _Operations(contract)
    if isinstance(data, dict) and isinstance(data.get("log"), dict):
        exchanges = _from_har(list(data["log"].get("entries") or []), ops)
    elif isinstance(data, dict) and isinstance(data.get("exchanges"), list):
        exchanges = _from_export(data["exchanges"], ops)
    elif isinstance(data, list):
        exchanges = _from_export(data, ops)
    else:
        raise TrafficError("expected a HAR document or the sandbox's recordings export")
    kept = [e for e in exchanges if e.path.startswith("/v1/")]
    kept.sort(key=lambda e: (e.started, e.index))
    for i, e in enumerate(kept, 1):
        e.index = i
    return kept


def load_traffic(path: str | Path, contract: Contract | None = None) -> list[Exchange]:
    """Read a traffic file: HAR, the sandbox's JSON export, or the proxy's JSON Lines."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        if str(path).endswith(".jsonl"):
            data: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
    except ValueError as exc:
        raise TrafficError(f"{path} is not JSON: {exc}") from None
    return parse_traffic(data, contract)
