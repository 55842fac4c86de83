"""Prove certify with the mutation suite: certify each single-fault sandbox and count the kills.

Every mutant of `reference_impl/_mutants/` is one deliberate fault (`croupier serve --mutant
ID`). For each, the bench starts that faulty sandbox on a fresh SQLite file and certifies it:

1. first only the checks and scenarios the mutant's rules name (rule registry,
   `conformance.certify.rule_checks`) — most faults die here in seconds;
2. if it survived, every scenario and every Croupier response check;
3. if it still survived, the contract phase (Schemathesis) too.

A mutant is killed when a check or scenario fails (or errors); a kill by a check its rules do
not name is reported as such (the rule's checks may be too weak). The unmutated sandbox is
certified first through stage 2 in the same run: a bench whose baseline fails stops, since
every kill would be suspect. Mutants marked equivalent (with the written reason) are run too
and leave the denominator; one that dies anyway is reported. Usage:

    python bench/mutation_bench.py [--jobs 2] [--only ID,…] [--seed 20261206]
                                   [--json out.json] [--write docs/guide/certify.md]

Exit 0 when every non-equivalent mutant was killed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START, END = "<!-- mutation-bench:start -->", "<!-- mutation-bench:end -->"

# The CI subset: one fast mutant per kind of detection (balance delta, stored body, status
# code, event, header), each killed at stage 1 in a few seconds.
QUICK = (
    "amount-parsed-as-float",
    "replay-body-re-rendered",
    "rollback-unknown-leaves-no-tombstone",
    "bet-not-found-retryable",
    "trace-id-not-echoed",
)


# Scenarios whose traffic the response checks judge when a mutant's rules name no scenario.
TRAFFIC = ("bet-win-balance", "missing-trace-id", "settle-without-authorize", "malformed-json")


@dataclass
class Outcome:
    """What certify made of one mutant."""

    id: str
    title: str
    rules: list[str]
    verdict: str  # killed | survived | equivalent | error
    stage: int = 0
    killed_by: list[str] = field(default_factory=list)
    expected: bool = True  # killed by a check one of its rules names
    reason: str = ""
    equivalent: str | None = None
    seconds: float = 0.0


def _failures(run: Any) -> dict[str, str]:
    from croupier.conformance.certify import Verdict

    out = {}
    for result in run.results:
        if result.verdict in (Verdict.FAILED, Verdict.ERROR):
            text = result.findings[0].message if result.findings else result.reason
            out[result.id] = " ".join(str(text).split())[:240]
    return out


def _stages(rules: list[str]) -> list[tuple[set[str] | None, tuple[str, ...]]]:
    """(only, phases) per stage: the rules' own checks, then all scenarios, then everything."""
    from croupier.conformance.certify import all_scenarios, check_catalog, rule_checks

    scenarios = {s.id for s in all_scenarios()}
    ours = {c["id"] for c in check_catalog()}
    named = {c for rule in rules for c in rule_checks().get(rule, ())}
    first = (named & scenarios) | ours
    if not named & scenarios:  # a response check alone: give it scenario traffic to judge
        first |= set(TRAFFIC) & scenarios
    phases: tuple[str, ...] = ("scenarios",)
    if named - scenarios - ours:  # a Schemathesis built-in check: the contract phase too
        phases = ("contract", "scenarios")
        first |= named - scenarios
    return [(first, phases), (None, ("scenarios",)), (None, ("contract", "scenarios"))]


def certify_one(
    mutant_id: str | None, seed: int, max_stage: int = 3, db: str | None = None
) -> dict[str, Any]:
    """Certify the sandbox with one mutant (None: unmutated) stage by stage; an Outcome dict."""
    from croupier import load_contract, sandbox_server
    from croupier.conformance.certify import CertifyOptions, certify_target, rule_checks
    from croupier.reference_impl._mutants import MUTANTS, all_mutants

    all_mutants()
    found = MUTANTS.get(mutant_id) if mutant_id else None
    rules = list(found.rules) if found else []
    outcome = Outcome(
        id=mutant_id or "(unmutated)",
        title=found.title if found else "the sandbox as shipped",
        rules=rules,
        verdict="survived",
        equivalent=found.equivalent if found else None,
    )
    contract = load_contract()
    started = time.perf_counter()
    args = ["--mutant", mutant_id] if mutant_id else []
    env = {"CROUPIER_NATS_URL": "", "HYPOTHESIS_STORAGE_DIRECTORY": os.devnull}
    stages = _stages(rules)[:max_stage] if mutant_id else _stages(rules)[1:2]
    try:
        with sandbox_server(db, args=args, env=env) as base_url:
            for number, (only, phases) in enumerate(stages, start=1):
                run = certify_target(
                    CertifyOptions(
                        base_url=base_url,
                        seed=seed,
                        max_examples=2,
                        only=only,
                        phases=phases,
                        contract_budget_s=60.0,
                    ),
                    contract,
                )
                failed = _failures(run)
                if failed:
                    named = {c for rule in rules for c in rule_checks().get(rule, ())}
                    outcome.verdict = "killed"
                    outcome.stage = number if mutant_id else 2
                    outcome.killed_by = sorted(failed)
                    outcome.expected = bool(named & set(failed)) or not mutant_id
                    outcome.reason = "; ".join(f"{k}: {v}" for k, v in sorted(failed.items())[:3])
                    break
            else:
                outcome.reason = "every check and scenario passed"
    except Exception as exc:  # noqa: BLE001 - a mutant that stops the sandbox starting
        outcome.verdict = "error"
        outcome.reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    if outcome.verdict == "survived" and outcome.equivalent:
        outcome.verdict = "equivalent"
        outcome.reason = outcome.equivalent
    outcome.seconds = round(time.perf_counter() - started, 1)
    return asdict(outcome)


def _run(ids: list[str], seed: int, jobs: int, max_stage: int) -> list[dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(certify_one, i, seed, max_stage) for i in ids]
        out = []
        for future in futures:
            result = future.result()
            out.append(result)
            mark = {"killed": "killed", "survived": "SURVIVED", "equivalent": "equivalent"}
            shown = mark.get(result["verdict"], result["verdict"].upper())
            by = f" by {', '.join(result['killed_by'][:3])} (stage {result['stage']})"
            print(
                f"  {result['id']:<44} {shown}{by if result['killed_by'] else ''} "
                f"[{result['seconds']:.0f} s]",
                flush=True,
            )
    return out


def summary(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Kill rate over the non-equivalent mutants, survivors and surprises."""
    judged = [o for o in outcomes if o["verdict"] != "equivalent"]
    killed = [o for o in judged if o["verdict"] == "killed"]
    return {
        "mutants": len(outcomes),
        "equivalent": len(outcomes) - len(judged),
        "killed": len(killed),
        "kill_rate": round(100.0 * len(killed) / len(judged), 1) if judged else 100.0,
        "survivors": [o for o in judged if o["verdict"] != "killed"],
        "killed_elsewhere": [o["id"] for o in killed if not o["expected"]],
        "equivalents": [o for o in outcomes if o["verdict"] == "equivalent"],
    }


def markdown(outcomes: list[dict[str, Any]], seed: int, seconds: float) -> str:
    """The docs block: figure, how it was measured, survivors and equivalents with reasons."""
    s = summary(outcomes)
    lines = [
        f"Measured by `python bench/mutation_bench.py --write docs/guide/certify.md` "
        f"(seed {seed}, SQLite, {os.cpu_count()} CPU(s), {seconds / 60:.0f} min): "
        f"**{s['killed']} of {s['mutants'] - s['equivalent']} mutants killed "
        f"({s['kill_rate']} %)**, {s['equivalent']} equivalent.",
        "",
    ]
    if s["survivors"]:
        lines += [
            "| surviving mutant | what it gets wrong | why certify missed it |",
            "|---|---|---|",
        ]
        lines += [f"| `{o['id']}` | {o['title']} | {o['reason']} |" for o in s["survivors"]]
        lines.append("")
    if s["equivalents"]:
        lines += ["| equivalent mutant | why no certification can tell it apart |", "|---|---|"]
        lines += [f"| `{o['id']}` | {o['equivalent']} |" for o in s["equivalents"]]
        lines.append("")
    if s["killed_elsewhere"]:
        lines.append(
            "Killed, but not by a check its rules name (the rules' checks may be too weak): "
            + ", ".join(f"`{i}`" for i in s["killed_elsewhere"])
            + "."
        )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _write(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} … {END} block to fill")
    head, rest = text.split(START, 1)
    path.write_text(f"{head}{START}\n{block}{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the mutation suite; print every outcome and the kill rate."""
    from croupier.reference_impl._mutants import all_mutants

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants certified at once")
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--quick", action="store_true", help="the CI subset only")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--stages", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--write", type=Path, help="fill the mutation-bench block of this page")
    args = parser.parse_args(argv)
    known = [m.id for m in all_mutants()]
    ids = known
    if args.quick:
        ids = list(QUICK)
    if args.only:
        ids = [i.strip() for i in args.only.split(",") if i.strip()]
    unknown = sorted(set(ids) - set(known))
    if unknown:
        print(f"mutation_bench: unknown mutant ids: {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    baseline = certify_one(None, args.seed)
    if baseline["verdict"] != "survived":
        print(f"the unmutated sandbox does not pass: {baseline['reason']}", file=sys.stderr)
        return 1
    print(f"unmutated sandbox passes ({baseline['seconds']:.0f} s); {len(ids)} mutants:")
    outcomes = _run(ids, args.seed, args.jobs, args.stages)
    seconds = time.perf_counter() - started
    s = summary(outcomes)
    print(
        f"\nkill rate {s['kill_rate']} %: {s['killed']} of {s['mutants'] - s['equivalent']} "
        f"killed, {s['equivalent']} equivalent, {len(s['survivors'])} survived "
        f"({seconds:.0f} s)"
    )
    for o in s["survivors"]:
        print(f"  SURVIVOR {o['id']}: {o['title']} — {o['reason']}")
    if args.json:
        args.json.write_text(json.dumps({"summary": s, "outcomes": outcomes}, indent=1))
    if args.write:
        _write(args.write, markdown(outcomes, args.seed, seconds))
    return 0 if not s["survivors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
