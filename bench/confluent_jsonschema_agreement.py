"""How often `--policy confluent-strict` / `confluent-lenient` predict a Confluent registry.

Confluent Schema Registry's JSON Schema provider publishes labelled cases in its test resources
(json-schema-provider/src/test/resources/diff-*.json in confluentinc/schema-registry): a list of
objects with `original_schema`, `update_schema`, the difference types the registry reports
(`changes`), its backward verdict (`compatible`) and, in newer files, a separate verdict for the
lenient set (`compatible_lenient`; absent means "same as compatible"). Those files are not part of
this repository: give their paths, a folder holding them, or raw URLs at run time.

    python bench/confluent_jsonschema_agreement.py ~/schema-registry/json-schema-provider/src/test
    python bench/confluent_jsonschema_agreement.py https://example.org/diff-schema-examples.json

For each policy it prints the verdict agreement and every disagreement (file, case, expected,
ours, the differences we found against the ones the registry names). With --types it also counts
the cases where our set of difference types equals the registry's. Cases that carry registry
metadata (`original_metadata`/`update_metadata`, the `confluent:reserved` property list) are about
subject metadata, not about the schema, and are skipped and counted apart.

Run it with PYTHONPATH pointing at another source tree to measure that engine instead. The
"before" figure of docs/guide/jsonschema-policies.md is the engine of commit e16fd69, measured with
this script's import changed to that tree's `conformance.compat` (the name before issue #15).
"""

from __future__ import annotations

import argparse
import json
import re
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from croupier.conformance.compat import POLICIES, jsonschema_differences

CASE_FILE_GLOB = "diff*-examples*.json"
_POLICY_LABEL = {"confluent-strict": "compatible", "confluent-lenient": "compatible_lenient"}


def _read(source: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(name, cases) for a URL, a case file, or every case file in a folder."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - user-given
            text = response.read().decode("utf-8")
        return [(source.rsplit("/", 1)[-1], _parse(text, source))]
    path = Path(source)
    if path.is_dir():
        files = sorted(path.rglob(CASE_FILE_GLOB))
        if not files:
            raise SystemExit(f"{path}: no {CASE_FILE_GLOB} files in this folder")
        return [(f.name, _parse(f.read_text(encoding="utf-8"), str(f))) for f in files]
    if not path.is_file():
        raise SystemExit(f"{path}: no such file or folder")
    return [(path.name, _parse(path.read_text(encoding="utf-8"), str(path)))]


def _parse(text: str, where: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        # Some published files carry a trailing comma after the last member of an object.
        data = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
        raise SystemExit(f"{where}: expected a JSON list of case objects")
    return data


def expected(case: dict[str, Any], policy: str) -> bool:
    """The registry's verdict for `policy`: the lenient label falls back to the strict one."""
    strict = bool(case["compatible"])
    return bool(case.get(_POLICY_LABEL[policy], strict))


def ours(case: dict[str, Any], policy: str) -> tuple[bool, list[tuple[str, str]]]:
    diffs = jsonschema_differences(case["original_schema"], case["update_schema"], policy)
    return all(kind in POLICIES[policy] for kind, _ in diffs), diffs


def _registry_types(case: dict[str, Any]) -> set[str]:
    return {str(c).split(" ", 1)[0] for c in case.get("changes") or ()}


def measure(sources: Iterable[str], types: bool = False) -> dict[str, Any]:
    files = [item for source in sources for item in _read(source)]
    result: dict[str, Any] = {"cases": 0, "skipped": 0, "policies": {}}
    for policy in _POLICY_LABEL:
        result["policies"][policy] = {"agree": 0, "disagreements": [], "types_agree": 0}
    for name, cases in files:
        for i, case in enumerate(cases):
            if "original_metadata" in case or "update_metadata" in case:
                result["skipped"] += 1
                continue
            for policy, tally in result["policies"].items():
                want = expected(case, policy)
                got, diffs = ours(case, policy)
                if got == want:
                    tally["agree"] += 1
                else:
                    tally["disagreements"].append(
                        {
                            "file": name,
                            "case": i,
                            "description": case.get("description", ""),
                            "expected": want,
                            "ours": got,
                            "our_differences": [f"{k} {p}" for k, p in diffs],
                            "registry_differences": list(case.get("changes") or ()),
                        }
                    )
                if types and {k for k, _ in diffs} == _registry_types(case):
                    tally["types_agree"] += 1
    result["cases"] = sum(
        1
        for _, cases in files
        for c in cases
        if "original_metadata" not in c and "update_metadata" not in c
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", help="case files, folders holding them, or URLs")
    parser.add_argument("--types", action="store_true", help="also compare difference types")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = measure(args.sources, types=args.types)
    n = result["cases"]
    if args.json:
        print(json.dumps(result, indent=2))
        return result
    print(f"{n} labelled cases ({result['skipped']} metadata-only cases skipped)")
    for policy, tally in result["policies"].items():
        share = tally["agree"] / n if n else 0.0
        line = f"{policy:18} verdict agreement {tally['agree']}/{n} = {share:.1%}"
        if args.types:
            line += f"; same difference types {tally['types_agree']}/{n}"
        print(line)
        for d in tally["disagreements"]:
            print(
                f"  {d['file']}#{d['case']} {d['description']!r}: registry "
                f"{'compatible' if d['expected'] else 'incompatible'}, ours "
                f"{'compatible' if d['ours'] else 'incompatible'}\n"
                f"      ours:     {', '.join(d['our_differences']) or '(none)'}\n"
                f"      registry: {', '.join(d['registry_differences']) or '(none)'}"
            )
    return result


if __name__ == "__main__":
    main()
