"""The coverage matrix: operation x status x error code seen in the run, against the contract.

The contract declares, per operation, its response statuses and (`x-error-codes`) the error codes
each error response may carry. The run's requests — Schemathesis's and the scenarios' — show
which of them the target actually answered. Declared but never seen means the run did not prove
that answer; seen but not declared is an answer the contract does not allow.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from croupier import Contract

__all__ = ["CoverageTally", "declared_answers", "error_code_of", "operation_matcher"]

_METHODS = ("get", "put", "post", "patch", "delete")
_CODE = re.compile(r'"code"\s*:\s*"([A-Z0-9_]+)"')


def _deref(doc: dict[str, Any], node: Any) -> Any:
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def declared_answers(contract: Contract) -> dict[str, dict[str, list[str]]]:
    """`METHOD /path` -> status -> the error codes the contract allows with it."""
    doc = contract.bundled
    out: dict[str, dict[str, list[str]]] = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in _METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            statuses: dict[str, list[str]] = {}
            for status, raw in (operation.get("responses") or {}).items():
                response = _deref(doc, raw)
                codes = response.get("x-error-codes") if isinstance(response, dict) else None
                statuses[str(status)] = [str(c) for c in codes or []]
            out[f"{method.upper()} {path}"] = statuses
    return out


def operation_matcher(contract: Contract) -> Any:
    """A function: (method, concrete path) -> `METHOD /template`, or None outside the contract."""
    patterns = []
    for label in declared_answers(contract):
        method, template = label.split(" ", 1)
        regex = "".join(
            "[^/]+" if re.fullmatch(r"\{[^/{}]+\}", part) else re.escape(part)
            for part in re.split(r"(\{[^/{}]+\})", template)
            if part
        )
        # Literal paths first: /v1/sessions/{id} must not swallow /v1/sessions/x/end.
        patterns.append((template.count("{"), method, re.compile(regex), label))
    patterns.sort(key=lambda entry: entry[0])

    def match(method: str, path: str) -> str | None:
        bare = path.split("?", 1)[0]
        for _, wanted, regex, label in patterns:
            if wanted == method.upper() and regex.fullmatch(bare):
                return label
        return None

    return match


def error_code_of(body: str) -> str | None:
    """The `code` of an error body (also of one cut short in the evidence), else None."""
    try:
        data = json.loads(body)
    except ValueError:
        found = _CODE.search(body[:400])
        return found.group(1) if found else None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) else None


class CoverageTally:
    """Counts (operation, status, error code) of every contract answer the run received."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str, str]] = Counter()
        self.unmatched: Counter[str] = Counter()  # contract-looking paths no operation matches
        self.undefined_methods: Counter[str] = Counter()  # `STATUS CODE` of methods not defined

    def add_undefined_method(self, status: int, code: str | None) -> None:
        """Count the answer to a method the contract does not define on a path."""
        self.undefined_methods[f"{status}{' ' + code if code else ''}"] += 1

    def add(
        self, operation: str | None, method: str, path: str, status: int, code: str | None
    ) -> None:
        """Count one answer (`operation` None: a path outside every operation)."""
        if operation is None:
            self.unmatched[f"{method.upper()} {path.split('?', 1)[0]}"] += 1
            return
        self.seen[(operation, str(status), code or "")] += 1

    def matrix(self, contract: Contract) -> dict[str, Any]:
        """The matrix for the report: per operation and status, declared and seen codes."""
        declared = declared_answers(contract)
        operations = []
        never: list[str] = []
        undeclared: list[str] = []
        totals = Counter[str]()
        for label, statuses in declared.items():
            seen_here = {(s, c): n for (op, s, c), n in self.seen.items() if op == label}
            all_statuses = sorted(set(statuses) | {s for s, _ in seen_here}, key=_status_order)
            rows: list[dict[str, Any]] = []
            for status in all_statuses:
                is_declared = status in statuses
                count = sum(n for (s, _), n in seen_here.items() if s == status)
                declared_codes = statuses.get(status, [])
                seen_codes = {c: n for (s, c), n in seen_here.items() if s == status and c}
                codes = [
                    {"code": c, "declared": True, "seen": seen_codes.get(c, 0)}
                    for c in declared_codes
                ] + [
                    {"code": c, "declared": False, "seen": n}
                    for c, n in sorted(seen_codes.items())
                    if c not in declared_codes
                ]
                rows.append(
                    {"status": status, "declared": is_declared, "seen": count, "codes": codes}
                )
                if is_declared:
                    totals["statuses_declared"] += 1
                    totals["statuses_seen"] += bool(count)
                    if not count:
                        never.append(f"{label} → {status}")
                else:
                    undeclared.append(f"{label} → {status} (×{count})")
                for entry in codes:
                    if entry["declared"]:
                        totals["codes_declared"] += 1
                        totals["codes_seen"] += bool(entry["seen"])
                        # a code of a status never seen at all is in that status's line
                        if not entry["seen"] and count:
                            never.append(f"{label} → {status} {entry['code']}")
                    else:
                        undeclared.append(f"{label} → {status} {entry['code']} (×{entry['seen']})")
            answers = sum(r["seen"] for r in rows)
            operations.append({"operation": label, "statuses": rows, "answers": answers})
        return {
            "operations": operations,
            "totals": dict(totals),
            "declared_never_seen": never,
            "seen_undeclared": undeclared,
            "unmatched_requests": dict(self.unmatched),
            "undefined_methods": dict(self.undefined_methods),
        }


def _status_order(status: str) -> tuple[int, str]:
    return (int(status), "") if status.isdigit() else (1000, status)
