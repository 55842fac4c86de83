"""The HTTP/1.1 protocol `croupier serve` runs: uvicorn's h11 one, with the Error schema.

A request the HTTP parser itself refuses (a malformed chunked body, a broken request line)
never reaches the app, so uvicorn answers it with a plain-text 400. The contract says every
malformed request gets the Error body: this subclass sends `MALFORMED_REQUEST` with a trace id.
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from croupier import new_trace_id
from croupier.reference_impl._domain import error_body
from croupier.reference_impl._render import dumps

__all__ = ["ErrorSchemaH11Protocol", "PROTOCOL"]

# What `uvicorn.run(http=...)` takes: an import string survives the trip to worker processes.
PROTOCOL = "croupier.reference_impl._protocol:ErrorSchemaH11Protocol"


class ErrorSchemaH11Protocol(H11Protocol):
    """uvicorn's h11 protocol whose parser-level 400 is the contract's Error body."""

    def send_400_response(self, msg: str) -> None:
        """Answer 400 MALFORMED_REQUEST in the Error schema and close the connection."""
        trace_id = new_trace_id()
        body = dumps(
            error_body(
                "MALFORMED_REQUEST",
                "the request is not valid HTTP/1.1 (request line, headers or chunked body)",
                trace_id,
            )
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-trace-id", trace_id.encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()
