"""Fuzz `croupier serve` with Schemathesis over both specs: no request may get a 5xx.

Starts its own sandbox on a free loopback port (a fresh SQLite file, or `--db` for
PostgreSQL), then runs Schemathesis's examples, coverage and fuzzing phases with up to
`--max-examples` generated cases per operation over spec/openapi.yaml (every call carries
the mandatory headers, a bearer token and a valid signature, unless the case negates them)
and then over spec/sandbox.yaml. Each response's status is counted; any 5xx is a finding,
printed with its request, except the 5xx the fuzzed control surface itself ordered (a
feature it switched off: `FEATURE_DISABLED`, `NEW_SESSIONS_DISABLED`; an injected fault
rule), which are counted apart. Exit 0 when there was none. Usage:

    python bench/fuzz_bench.py [--max-examples 300] [--seed 20261204]
                               [--db postgresql+psycopg://postgres@127.0.0.1:5432/croupier]
                               [--spec openapi|sandbox|both] [--budget 1800]

The run is bounded: `--budget` seconds per spec (what is left unexercised is reported).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from croupier import ContractClient, load_contract
from croupier.conformance.certify._contract_phase import _Signer, contract_auth

# Headers the generated case owns (it may negate them); the signer adds the rest.
_CASE_HEADERS = {
    "x-trace-id",
    "x-brand-id",
    "x-region",
    "x-provider-id",
    "x-idempotency-key",
    "authorization",
    "content-type",
    "content-length",
}
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# 5xx answers the sandbox was told to give: the control surface switched a feature off
# (degradation modes) or injected a fault rule. Anything else with a 5xx is a finding.
_ORDERED_5XX = {"FEATURE_DISABLED", "NEW_SESSIONS_DISABLED"}


def _ordered(status: int, content: bytes | None) -> bool:
    try:
        body = json.loads(content or b"")
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    details = body.get("details")
    injected = isinstance(details, dict) and "fault" in details
    return body.get("code") in _ORDERED_5XX or (injected and body.get("code") != "INTERNAL_ERROR")


@dataclass
class FuzzResult:
    """What one spec's run saw."""

    spec: str
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)
    ordered_5xx: int = 0
    engine_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str | None = None

    @property
    def requests(self) -> int:
        """How many requests were answered."""
        return sum(self.statuses.values())


def _describe(interaction: Any) -> str:
    request, response = interaction.request, interaction.response
    body = (response.content or b"")[:300].decode("utf-8", "replace")
    sent = (request.body or b"")[:300] if isinstance(request.body, bytes) else request.body
    return f"{request.method} {request.uri} -> {response.status_code} {body!r} (sent {sent!r})"


def fuzz(
    base_url: str,
    which: str,
    *,
    max_examples: int,
    seed: int,
    budget_s: float,
) -> FuzzResult:
    """Run Schemathesis over one spec ("openapi" or "sandbox") against a running sandbox."""
    import schemathesis
    from schemathesis.engine import events as st_events
    from schemathesis.engine import from_schema

    contract = load_contract()
    raw = copy.deepcopy(contract.bundled if which == "openapi" else contract.sandbox_bundled)
    raw["servers"] = [{"url": base_url}]
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": base_url,
            "workers": 1,
            "request-timeout": 30,
            "generation": {"max-examples": max_examples, "database": "none", "mode": "all"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            # Only the status is judged here; certify judges the rest of the contract.
            "checks": {"enabled": False},
        }
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    http = httpx.Client(base_url=base_url, timeout=30)
    client = ContractClient(http)
    creds = client.credentials
    if which == "openapi":
        signer = _Signer(creds.key_id, creds.signing_key)
        schema.auth.auth(refresh_interval=120)(contract_auth(client.token, creds, signer, "fuzz"))

    result = FuzzResult(which)
    started = time.perf_counter()
    stream = from_schema(schema).execute()
    try:
        for event in stream:
            if time.perf_counter() - started > budget_s:
                result.stopped = f"stopped at the {budget_s:.0f} s budget"
                break
            if isinstance(event, st_events.NonFatalError):
                result.engine_errors.append(f"{event.label}: {event.info.title}")
            elif isinstance(event, st_events.FatalError):
                result.stopped = f"Schemathesis stopped: {event.exception}"
            elif isinstance(event, st_events.ScenarioFinished):
                result.operations.add(event.recorder.label)
                for interaction in event.recorder.interactions.values():
                    response = getattr(interaction, "response", None)
                    if response is None:
                        continue
                    result.statuses[response.status_code] += 1
                    if response.status_code < 500:
                        continue
                    if _ordered(response.status_code, response.content):
                        result.ordered_5xx += 1
                    else:
                        result.server_errors.append(_describe(interaction))
    finally:
        stream.stop()
        http.close()
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    """Start a sandbox, fuzz both specs, print the tally; exit 1 on any 5xx."""
    from croupier import sandbox_server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--spec", choices=("openapi", "sandbox", "both"), default="both")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds per spec")
    args = parser.parse_args(argv)
    specs = ["openapi", "sandbox"] if args.spec == "both" else [args.spec]
    results = []
    with sandbox_server(args.db, env={"CROUPIER_NATS_URL": ""}, timeout=180) as base:
        for which in specs:
            with httpx.Client(base_url=base, timeout=60) as http:
                http.post("/sandbox/reset", json={"wipe": True}).raise_for_status()
            results.append(
                fuzz(
                    base,
                    which,
                    max_examples=args.max_examples,
                    seed=args.seed,
                    budget_s=args.budget,
                )
            )
    failed = False
    for r in results:
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items()))
        print(
            f"{r.spec}: {r.requests} requests over {len(r.operations)} operations in "
            f"{r.seconds:.0f} s; unexpected 5xx: {len(r.server_errors)} (5xx the control "
            f"surface ordered: {r.ordered_5xx}); statuses: {statuses}"
        )
        if r.stopped:
            print(f"  {r.stopped}")
        for line in r.engine_errors[:10]:
            print(f"  engine: {line}")
        for line in r.server_errors[:20]:
            print(f"  5xx: {line}")
        failed = failed or bool(r.server_errors) or r.requests == 0
    print(
        json.dumps({r.spec: {"requests": r.requests, "5xx": len(r.server_errors)} for r in results})
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
