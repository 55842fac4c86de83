"""Checks on what a validating proxy found: requests and answers against the contract."""

from __future__ import annotations

from collections.abc import Iterator

from croupier.conformance.provider._context import JudgeContext
from croupier.conformance.provider._registry import WARN, Finding, check

__all__: list[str] = []


@check("requests-match-contract", "contract")
def requests_match_contract(ctx: JudgeContext) -> Iterator[Finding]:
    """Every request the provider sent validates against the contract (proxy traffic only)."""
    for e in ctx.calls():
        if e.violations is None:
            continue
        ctx.look(e)
        for problem in e.violations.get("request", [])[:1]:
            yield Finding(f"{e.label()}: {problem}", (e.index,))


@check("answers-match-contract", "contract", WARN)
def answers_match_contract(ctx: JudgeContext) -> Iterator[Finding]:
    """Every answer the platform gave validates against the contract (the platform's side)."""
    for e in ctx.calls():
        if e.violations is None:
            continue
        ctx.look(e)
        for problem in e.violations.get("response", [])[:1]:
            yield Finding(f"{e.label()}: {problem}", (e.index,))
