"""Mutual TLS for `croupier serve --tls-cert --tls-key --client-ca`: the client's subject.

Uvicorn does not hand the peer certificate to the app, so this HTTP protocol (uvicorn's h11
one) puts the verified client certificate's subject common name into each request's scope
state (`tls_client_cn`). The app binds it to a provider: `X-Provider-Id` must name it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["CLIENT_CN", "ClientCertProtocol", "subject_common_name"]

CLIENT_CN = "tls_client_cn"


def subject_common_name(peer: dict[str, Any] | None) -> str | None:
    """The commonName of an `ssl` peer certificate dict (`getpeercert()`), if any."""
    for rdn in (peer or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class ClientCertProtocol(H11Protocol):
    """uvicorn's h11 protocol plus the client certificate's subject in the scope state."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Remember the verified client certificate of this connection."""
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        cn = subject_common_name(ssl_object.getpeercert()) if ssl_object is not None else None
        # app_state is shared by every connection: give this one its own copy.
        self.app_state = {**self.app_state, CLIENT_CN: cn}
