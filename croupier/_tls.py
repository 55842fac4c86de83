"""Client-side TLS: the CA to trust and the client certificate to present (mTLS).

`croupier certify --ca-cert --client-cert --client-key`, the sandbox launcher and the tests
build their `httpx` clients from it (an `ssl.SSLContext`, which httpx takes as `verify`).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

__all__ = ["ClientTls"]


@dataclass(frozen=True)
class ClientTls:
    """Trust `ca` (default: the system store) and present `cert` + `key` when given."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context for httpx (`verify=`) or requests-style clients."""
        context = ssl.create_default_context(cafile=self.ca)
        if self.cert:
            context.load_cert_chain(self.cert, self.key)
        return context
