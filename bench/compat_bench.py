"""Benchmark `croupier compat` on a large, deterministic OpenAPI contract (two versions).

Generates spec/openapi.json (≥ 5 MB, ≥ 500 operations, Money in a separate file so bundling
is exercised) for a base and a revision into a temp folder, then times, in the same run:
  baseline: loading and bundling both documents;
  compat:   the full comparison (load, bundle, diff, explain, semver).
Peak memory is the process's max RSS (resource.getrusage) plus the tracemalloc peak of one
traced comparison. Usage: python bench/compat_bench.py [--resources N] [--repeat K]

With --agreement it instead measures how often the verdict agrees with the labelled corpus
tests/data/compat/corpus.yaml (pairs written for Croupier; see the file's header), per group:
the wire verdict (breaking / compatible / refused) and, where a case labels it, the release-policy
verdict. Run it with PYTHONPATH pointing at an older source tree to measure that engine instead.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

WORDS = (
    "wallet settle authorize rollback session bonus wager jackpot player brand region "
    "currency stake balance round provider ledger limit reality check"
).split()


def _text(i: int, n: int) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n)).capitalize() + "."


def _schema(r: int, props: int) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for p in range(props):
        kind = p % 6
        desc = _text(r * 31 + p, 14)
        if kind == 0:
            s = {"type": "string", "maxLength": 64 + p, "pattern": "^[A-Za-z0-9_-]+$"}
        elif kind == 1:
            s = {"type": "integer", "minimum": 0, "maximum": 1000 + p}
        elif kind == 2:
            s = {"type": "string", "enum": [f"state_{k}" for k in range(6)]}
        elif kind == 3:
            s = {"$ref": "../schemas/common/money.json"}
        elif kind == 4:
            s = {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 50}
        else:
            s = {"type": ["string", "null"], "format": "date-time"}
        properties[f"field_{p}"] = {**s, "description": desc} if "$ref" not in s else s
    return {
        "type": "object",
        "description": _text(r, 20),
        "required": [f"field_{p}" for p in range(0, props, 5)],
        "properties": properties,
    }


def make_spec(resources: int, props: int = 150) -> dict[str, Any]:
    """A deterministic contract with 5 operations per resource."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "retryable": {"type": "boolean"},
            },
        }
    }
    headers = [
        {"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
        for h in ("X-Trace-Id", "X-Brand-Id", "X-Region", "X-Provider-Id")
    ]
    errors = {
        s: {
            "description": _text(int(s), 8),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in ("400", "401", "404", "409", "422")
    }
    for r in range(resources):
        name = f"Resource{r}"
        schemas[name] = _schema(r, props)
        ref = {"$ref": f"#/components/schemas/{name}"}
        body = {"required": True, "content": {"application/json": {"schema": ref}}}
        ok = {
            "description": _text(r, 6),
            "headers": {"X-Trace-Id": {"required": True, "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": ref}},
        }
        one = [
            *headers,
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        ]
        paths[f"/v1/resource-{r}"] = {
            "get": {
                "operationId": f"list{r}",
                "summary": _text(r, 5),
                "parameters": [
                    *headers,
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "page",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": ref}}
                        },
                    },
                    **errors,
                },
            },
            "post": {
                "operationId": f"create{r}",
                "summary": _text(r + 1, 5),
                "parameters": headers,
                "requestBody": body,
                "responses": {"201": ok, **errors},
                "security": [{"oauth": ["bets:write"]}],
            },
        }
        paths[f"/v1/resource-{r}/{{id}}"] = {
            "get": {
                "operationId": f"get{r}",
                "parameters": one,
                "responses": {"200": ok, **errors},
            },
            "put": {
                "operationId": f"put{r}",
                "parameters": one,
                "requestBody": body,
                "responses": {"200": ok, **errors},
            },
            "delete": {
                "operationId": f"delete{r}",
                "parameters": one,
                "responses": {"204": {"description": "gone"}, **errors},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Croupier benchmark contract", "version": "1.0.0"},
        "security": [{"oauth": ["sessions:write"]}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://auth.example/token",
                            "scopes": {"sessions:write": "", "bets:write": ""},
                        }
                    },
                }
            },
        },
    }


def evolve(spec: dict[str, Any]) -> dict[str, Any]:
    """A deterministic revision: additive changes everywhere, a few breaking ones."""
    rev = copy.deepcopy(spec)
    rev["info"]["version"] = "1.1.0"
    schemas = rev["components"]["schemas"]
    for i, name in enumerate(sorted(k for k in schemas if k.startswith("Resource"))):
        props = schemas[name]["properties"]
        if i % 3 == 0:
            props["added_note"] = {"type": "string", "description": "An additive field."}
        if i % 10 == 0:
            props["field_2"]["enum"] = props["field_2"]["enum"][:-1]
        if i % 25 == 0:
            props["field_1"]["maximum"] = 10
    paths = rev["paths"]
    for i, path in enumerate(sorted(paths)):
        if i % 40 == 0:
            paths[path].pop("delete", None)
    return rev


def _write(root: Path, spec: dict[str, Any]) -> Path:
    (root / "spec").mkdir(parents=True)
    (root / "schemas" / "common").mkdir(parents=True)
    (root / "schemas" / "common" / "money.json").write_text(
        json.dumps(
            {
                "title": "Money",
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {
                    "amount": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
                    "currency": {"type": "string", "minLength": 3, "maxLength": 3},
                },
            }
        )
    )
    path = root / "spec" / "openapi.json"
    path.write_text(json.dumps(spec, indent=1))
    return path


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(resources: int, repeat: int = 3) -> dict[str, Any]:
    """Generate, time and measure; return the figures."""
    from croupier._contract import bundle_openapi
    from croupier.conformance.compat import compare_loaded, load_argument

    with tempfile.TemporaryDirectory(prefix="compat-bench-") as tmp:
        base_spec = make_spec(resources)
        a = _write(Path(tmp) / "base", base_spec)
        b = _write(Path(tmp) / "revision", evolve(base_spec))
        del base_spec
        size = a.stat().st_size
        operations = sum(len(v) for v in json.loads(a.read_text())["paths"].values())

        def baseline() -> Any:
            return bundle_openapi(a), bundle_openapi(b)

        def compat() -> Any:
            return compare_loaded([load_argument(str(a), None), load_argument(str(b), None)])

        t_base, _ = _best(baseline, repeat)
        t_compat, result = _best(compat, repeat)
        tracemalloc.start()
        compat()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (
        1 if sys.platform == "darwin" else 1024
    )
    return {
        "spec_bytes": size,
        "operations": operations,
        "findings": len(result.findings),
        "required_bump": result.required_bump,
        "baseline_s": round(t_base, 3),
        "compat_s": round(t_compat, 3),
        "ratio": round(t_compat / t_base, 2) if t_base else None,
        "peak_rss_mib": round(rss / 2**20, 1),
        "traced_peak_mib": round(traced_peak / 2**20, 1),
    }


CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat" / "corpus.yaml"
_POLICY_IDS = ("semver-", "breaking-change-without-new-path-prefix")


def _corpus_doc() -> dict[str, Any]:
    """The small contract every corpus case changes."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "corpus", "version": "1.0.0"},
        "security": [{"oauth": ["bets:write"]}],
        "paths": {
            "/v1/bets/{bet_id}": {
                "post": {
                    "operationId": "placeBet",
                    "parameters": [
                        {
                            "name": "bet_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://auth.example/token",
                            "scopes": {"bets:write": "place bets", "bets:read": "read bets"},
                        }
                    },
                }
            },
            "schemas": {},
        },
    }


def _merge(into: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _case_docs(case: dict[str, Any]) -> list[str]:
    """The base and revision documents of a corpus case, as YAML text."""
    import yaml

    if "raw" in case:
        return list(case["raw"])
    out = []
    for i in (0, 1):
        doc = _corpus_doc()
        op = doc["paths"]["/v1/bets/{bet_id}"]["post"]
        doc["info"]["version"] = str((case.get("versions") or ["1.0.0", "1.0.0"])[i])
        for key, media in (
            ("request", op["requestBody"]["content"]["application/json"]),
            ("response", op["responses"]["200"]["content"]["application/json"]),
        ):
            if key in case:
                schema = case[key][i]
                if schema is None:
                    media.pop("schema", None)
                else:
                    media["schema"] = copy.deepcopy(schema)
        if "param" in case and case["param"][i] is not None:
            op["parameters"].append(copy.deepcopy(case["param"][i]))
        if "patch" in case:
            _merge(doc, case["patch"][i] or {})
        out.append(yaml.safe_dump(doc, sort_keys=False))
    return out


def _judge(case: dict[str, Any], tmp: Path) -> tuple[str, str | None]:
    """The engine's (wire, policy) verdict on one case."""
    from croupier._contract import ContractError
    from croupier.conformance.compat import compare_loaded, load_argument
    from croupier.conformance.compat._loader import CompatError

    paths = []
    for name, text in zip(("base.yaml", "revision.yaml"), _case_docs(case), strict=True):
        path = tmp / f"{case['id']}-{name}"
        path.write_text(text)
        paths.append(str(path))
    try:
        result = compare_loaded([load_argument(p, None) for p in paths])
    except (CompatError, ContractError):
        return "error", None
    if hasattr(result, "policy_violated"):
        policy = result.policy_violated
    else:  # an engine from before the split: its semver findings were mixed into the verdict
        policy = any(f.level == "ERR" and f.id.startswith(_POLICY_IDS) for f in result.findings)
    return ("breaking" if result.breaking else "compatible"), ("violated" if policy else "kept")


def agreement(corpus: Path = CORPUS) -> dict[str, Any]:
    """Agreement of the engine's verdicts with the corpus labels, overall and per group."""
    import yaml

    cases = yaml.safe_load(corpus.read_text(encoding="utf-8"))
    groups: dict[str, list[int]] = {}
    policy_hits = policy_total = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="compat-corpus-") as tmp:
        for case in cases:
            wire, policy = _judge(case, Path(tmp))
            hit = wire == case["wire"]
            g = groups.setdefault(case["group"], [0, 0])
            g[0] += hit
            g[1] += 1
            if not hit:
                misses.append(f"{case['id']} (wire: said {wire}, label {case['wire']})")
            if "policy" in case:
                policy_total += 1
                policy_hits += policy == case["policy"]
                if policy != case["policy"]:
                    misses.append(f"{case['id']} (policy: said {policy}, label {case['policy']})")
    total = sum(g[1] for g in groups.values())
    hits = sum(g[0] for g in groups.values())
    return {
        "cases": total,
        "wire_agreement": round(hits / total, 3),
        "policy_cases": policy_total,
        "policy_agreement": round(policy_hits / policy_total, 3) if policy_total else None,
        "groups": {k: f"{v[0]}/{v[1]}" for k, v in groups.items()},
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=110, help="5 operations each")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--agreement", action="store_true", help="score the labelled corpus")
    args = parser.parse_args(argv)
    if args.agreement:
        result = agreement()
        for key, value in result.items():
            if key == "misses":
                print(f"{key:>16}:")
                for miss in value:
                    print(f"{'':>18}{miss}")
            else:
                print(f"{key:>16}: {value}")
        return result
    figures = run(args.resources, args.repeat)
    for key, value in figures.items():
        print(f"{key:>16}: {value}")
    return figures


if __name__ == "__main__":
    main()
