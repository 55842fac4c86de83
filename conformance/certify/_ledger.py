"""What the run's requests showed, as they went: the coverage matrix and the security summary.

A listener on the engine's events: every `RequestSent` of a contract path (Schemathesis's, the
scenarios', the latency samples') is counted once, by operation, status and error code, and by
how it authenticated. Sandbox control calls are no part of the contract and are left out.
"""

from __future__ import annotations

import threading
from typing import Any

from croupier import Contract, Credentials
from croupier.conformance.certify._checks import is_contract_path
from croupier.conformance.certify._coverage import CoverageTally, error_code_of, operation_matcher
from croupier.conformance.certify._events import Event, RequestSent
from croupier.conformance.certify._security import SecurityTally

__all__ = ["RunLedger"]


class RunLedger:
    """Counts every contract answer of a run; `coverage()` and `security()` summarise them."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.match = operation_matcher(contract)
        self.coverage_tally = CoverageTally()
        self.security_tally = SecurityTally()
        self._lock = threading.Lock()  # the replay probe announces from Schemathesis's thread

    def __call__(self, event: Event) -> None:
        """Count a RequestSent of a contract path; ignore every other event."""
        if not isinstance(event, RequestSent):
            return
        with self._lock:
            self._count(event)

    def _count(self, event: RequestSent) -> None:
        exchange = event.exchange
        if exchange.status is None or not is_contract_path(exchange.path):
            return
        code = error_code_of(exchange.response_body) if exchange.status >= 400 else None
        operation = event.operation or self.match(exchange.method, exchange.path)
        if operation is not None and operation.split(" ", 1)[0] != exchange.method.upper():
            # Schemathesis's unsupported_method probe: a method the path does not define
            self.coverage_tally.add_undefined_method(exchange.status, code)
        else:
            self.coverage_tally.add(
                operation, exchange.method, exchange.path, exchange.status, code
            )
        if event.auth is not None and exchange.path.split("?", 1)[0] != "/health":
            headers = {k.lower(): v for k, v in exchange.request_headers.items()}
            replayed = any(
                k.lower() == "idempotent-replayed" and v == "true"
                for k, v in exchange.response_headers.items()
            )
            self.security_tally.add(
                event.auth,
                exchange.status,
                code,
                headers.get("x-signature"),
                replayed,
                write=exchange.method.upper() in ("POST", "PUT", "PATCH", "DELETE"),
            )

    def coverage(self) -> dict[str, Any]:
        """The coverage matrix of the run."""
        return self.coverage_tally.matrix(self.contract)

    def security(self, credentials: Credentials, **facts: Any) -> dict[str, Any]:
        """The security summary of the run (facts: https, client_certificate, scopes)."""
        return self.security_tally.summary(credentials, **facts)
