"""Checks on every call's headers: trace ids, tenancy, idempotency keys, signatures."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from croupier.conformance.provider._context import JudgeContext
from croupier.conformance.provider._registry import Finding, check

__all__: list[str] = []

_TRACE = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_KEY = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_TENANCY = {
    "x-brand-id": re.compile(r"[a-z0-9_-]{1,64}"),
    "x-region": re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?"),
    "x-provider-id": re.compile(r"[a-z0-9_-]{1,64}"),
}
# The X-Signature shape (1.1: kid, ts, alg, sig; a 1.0 header has no alg=).
_SIGNATURE = re.compile(
    r"kid=[A-Za-z0-9._:-]{1,128},ts=[0-9]{1,12}"
    r"(,alg=hmac-sha256,sig=[0-9a-f]{64}|,alg=ed25519,sig=[0-9a-f]{128}|,sig=[0-9a-f]{64})"
)


@check("trace-id-present", "headers")
def trace_id_present(ctx: JudgeContext) -> Iterator[Finding]:
    """Every call carries a well-formed X-Trace-Id."""
    for e in ctx.calls():
        ctx.look(e)
        value = e.trace_id
        if value is None:
            yield Finding(f"{e.label()}: X-Trace-Id is missing", (e.index,))
        elif not _TRACE.fullmatch(value):
            yield Finding(f"{e.label()}: X-Trace-Id {value[:40]!r} is malformed", (e.index,))


@check("trace-id-per-chain", "headers")
def trace_id_per_chain(ctx: JudgeContext) -> Iterator[Finding]:
    """A trace id follows one request chain: it is never shared by two bets or two sessions."""
    owners: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for e in ctx.calls():
        if e.trace_id is None:
            continue
        chain = (
            f"bet {e.bet_id}" if e.bet_id else f"session {e.session_id}" if e.session_id else None
        )
        if chain is None:
            continue
        ctx.look(e)
        owners[e.trace_id][chain].append(e.index)
    for trace, chains in owners.items():
        if len(chains) > 1:
            names = sorted(chains)
            indexes = tuple(sorted(i for found in chains.values() for i in found))[:20]
            yield Finding(
                f"trace id {trace} is shared by {len(chains)} chains ({', '.join(names[:4])}"
                f"{' …' if len(names) > 4 else ''})",
                indexes,
            )


@check("tenant-headers-present", "headers")
def tenant_headers_present(ctx: JudgeContext) -> Iterator[Finding]:
    """Every call names its tenancy: X-Brand-Id, X-Region and X-Provider-Id, well-formed."""
    for e in ctx.calls():
        ctx.look(e)
        for name, pattern in _TENANCY.items():
            value = e.header(name)
            if value is None:
                yield Finding(f"{e.label()}: {name} is missing", (e.index,))
            elif not pattern.fullmatch(value):
                yield Finding(f"{e.label()}: {name} {value[:40]!r} is malformed", (e.index,))


@check("idempotency-key-present", "headers")
def idempotency_key_present(ctx: JudgeContext) -> Iterator[Finding]:
    """Every write carries a well-formed X-Idempotency-Key."""
    for e in ctx.calls():
        if not e.write:
            continue
        ctx.look(e)
        key = e.idempotency_key
        if key is None:
            yield Finding(f"{e.label()}: X-Idempotency-Key is missing on a write", (e.index,))
        elif not _KEY.fullmatch(key):
            yield Finding(f"{e.label()}: X-Idempotency-Key {key[:40]!r} is malformed", (e.index,))


@check("requests-signed", "headers")
def requests_signed(ctx: JudgeContext) -> Iterator[Finding]:
    """Every call is signed, and the platform found the signature valid where it judged it."""
    for e in ctx.calls():
        ctx.look(e)
        value = e.header("x-signature")
        if value is None:
            yield Finding(f"{e.label()}: X-Signature is missing", (e.index,))
        elif not _SIGNATURE.fullmatch(value.replace(" ", "")):
            yield Finding(f"{e.label()}: X-Signature {value[:60]!r} is malformed", (e.index,))
        elif e.signature in ("invalid", "missing"):
            yield Finding(
                f"{e.label()}: the platform found the signature {e.signature}", (e.index,)
            )
