"""Checks on retries: the same key and body, no second effect, backoff, and when to stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from croupier.conformance.provider._context import JudgeContext, chain_key
from croupier.conformance.provider._registry import Finding, check
from croupier.conformance.provider._traffic import Exchange

__all__: list[str] = []


def _canonical(e: Exchange) -> Any:
    body = e.body
    if body is None:
        return e.request_body
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


@check("idempotency-key-reused-on-retry", "retries")
def idempotency_key_reused_on_retry(ctx: JudgeContext) -> Iterator[Finding]:
    """A retry after a timeout, a 5xx or a retryable error reuses the first attempt's key."""
    for before, after in ctx.retries():
        ctx.look(before, after)
        if after.idempotency_key != before.idempotency_key:
            yield Finding(
                f"{after.label()} retries {before.label()} with another key "
                f"({after.idempotency_key} instead of {before.idempotency_key})",
                (before.index, after.index),
            )


@check("retry-body-identical", "retries")
def retry_body_identical(ctx: JudgeContext) -> Iterator[Finding]:
    """A reused idempotency key always comes with the identical request (method, path, body)."""
    first: dict[str, Exchange] = {}
    for e in ctx.calls():
        key = e.idempotency_key
        if not e.write or key is None:
            continue
        ctx.look(e)
        seen = first.setdefault(key, e)
        if seen is e:
            continue
        if (seen.method, seen.path, _canonical(seen)) != (e.method, e.path, _canonical(e)):
            yield Finding(
                f"{e.label()} reuses key {key} of {seen.label()} with another request",
                (seen.index, e.index),
            )


@check("no-duplicate-write", "retries")
def no_duplicate_write(ctx: JudgeContext) -> Iterator[Finding]:
    """Work that succeeded is never sent again under a new key (no second side effect)."""
    for key, group in ctx.chains().items():
        if key[0] not in ("authorizeBet", "settleBet", "rollbackBet", "endSession"):
            continue
        done: Exchange | None = None
        for e in group:
            ctx.look(e)
            if done is not None and e.idempotency_key != done.idempotency_key:
                yield Finding(
                    f"{e.label()} sends {key[0]} of {key[1]} again under a new key after "
                    f"{done.label()} succeeded",
                    (done.index, e.index),
                )
                break
            if e.ok and done is None:
                done = e
        for e in group:
            if e.error_code in ("DUPLICATE", "IDEMPOTENCY_MISMATCH"):
                yield Finding(f"{e.label()}: the platform saw a duplicate write", (e.index,))


@check("retry-backoff", "retries")
def retry_backoff(ctx: JudgeContext) -> Iterator[Finding]:
    """Retries back off: a pause after each answer, gaps that do not shrink, no storm per chain."""
    s = ctx.settings
    for group in ctx.chains().values():
        gaps: list[float] = []
        for before, after in zip(group, group[1:], strict=False):
            if not before.retryable:
                gaps = []
                continue
            ctx.look(before, after)
            gap_ms = (after.started - before.ended) * 1000
            if gap_ms < s.min_retry_gap_ms:
                yield Finding(
                    f"{after.label()} retried {gap_ms:.0f} ms after the answer of "
                    f"{before.label()} (at least {s.min_retry_gap_ms:.0f} ms expected)",
                    (before.index, after.index),
                )
            elif gaps and gap_ms + s.shrink_slack_ms < gaps[-1] * s.shrink_tolerance:
                yield Finding(
                    f"{after.label()} waited {gap_ms:.0f} ms, less than "
                    f"{s.shrink_tolerance:.0%} of the previous {gaps[-1]:.0f} ms (beyond "
                    f"{s.shrink_slack_ms:.0f} ms of clock slack): no backoff",
                    (before.index, after.index),
                )
            gaps.append(gap_ms)
        starts = [e.started for e in group]
        for i, start in enumerate(starts):
            within = [j for j in range(i, len(starts)) if starts[j] - start < 1.0]
            if len(within) > s.max_attempts_per_second:
                yield Finding(
                    f"{len(within)} attempts of {group[0].label()} within one second "
                    f"(at most {s.max_attempts_per_second})",
                    tuple(group[j].index for j in within),
                )
                break


@check("stop-on-non-retryable", "retries")
def stop_on_non_retryable(ctx: JudgeContext) -> Iterator[Finding]:
    """A definitive refusal (4xx, retryable false) is never retried as the same request."""
    refused: dict[Any, Exchange] = {}
    for e in ctx.calls():
        if not e.write:
            continue
        ctx.look(e)
        same = [("key", e.idempotency_key), ("request", chain_key(e), _canonical(e))]
        for marker in same:
            earlier = refused.get(marker)
            if earlier is not None and marker[1] is not None:
                yield Finding(
                    f"{e.label()} retries {earlier.label()}, a refusal that is not retryable",
                    (earlier.index, e.index),
                )
                break
        if e.refused:
            for marker in same:
                refused.setdefault(marker, e)
