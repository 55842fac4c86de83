"""Whether one HTTP exchange conforms to the contract: the pytest plugin's assertion helper.

Given an `httpx.Response` (its request attached), find the operation in spec/openapi.yaml
(or spec/sandbox.yaml), then check: the status is documented for it, the JSON body validates
against the documented schema (JSON Schema 2020-12, formats checked), and the response echoes
the request's X-Trace-Id. Each problem is one readable line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from croupier._contract import Contract

__all__ = ["ExchangeMismatch", "assert_conforms", "exchange_problems"]

_DOC_URI = "urn:croupier:{which}"


class ExchangeMismatch(AssertionError):
    """An exchange breaks the contract; the message lists every problem, one per line."""


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _operation(contract: Contract, method: str, path: str) -> tuple[str, str, dict[str, Any]]:
    """(which document, path template, operation) for a concrete request path, or KeyError."""
    documents = [("openapi", contract.bundled)]
    if contract.sandbox_path.is_file():
        documents.append(("sandbox", contract.sandbox_bundled))
    for which, doc in documents:
        for template, item in (doc.get("paths") or {}).items():
            pattern = "".join(
                "[^/]+" if re.fullmatch(r"\{[^/{}]+\}", seg) else re.escape(seg)
                for seg in re.split(r"(\{[^/{}]+\})", template)
                if seg
            )
            if re.fullmatch(pattern, path) and isinstance(item, dict):
                operation = item.get(method.lower())
                if isinstance(operation, dict):
                    return which, template, operation
    raise KeyError(f"{method.upper()} {path}")


def _resolve(doc: dict[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """Follow local `$ref`s of an object (a response), keeping the pointer of what it lands on."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 16:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            break
        pointer = ref[1:]
        node = doc
        for raw in pointer.lstrip("/").split("/"):
            node = node[raw.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return node, pointer


def _validator(contract: Contract, which: str, pointer: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    doc = contract.bundled if which == "openapi" else contract.sandbox_bundled
    uri = _DOC_URI.format(which=which)
    registry = Registry().with_resource(uri, Resource.from_contents(doc, DRAFT202012))
    return Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def exchange_problems(contract: Contract, response: Any) -> list[str]:
    """Every way `response` (an httpx.Response) breaks the contract; empty when it conforms."""
    request = response.request
    method, path = request.method.upper(), request.url.path
    label = f"{method} {path}"
    try:
        which, template, operation = _operation(contract, method, path)
    except KeyError:
        return [f"{label}: no operation of the contract matches this request"]
    doc = contract.bundled if which == "openapi" else contract.sandbox_bundled
    base = f"/paths/{_escape(template)}/{method.lower()}/responses"
    responses = operation.get("responses") or {}
    status = response.status_code
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
    problems = []
    if key is None:
        documented = ", ".join(sorted(map(str, responses)))
        return [f"{label}: status {status} is not documented (documented: {documented})"]
    resolved, pointer = _resolve(doc, responses[key], f"{base}/{_escape(key)}")
    sent_trace = request.headers.get("X-Trace-Id")
    if sent_trace and response.headers.get("X-Trace-Id") != sent_trace:
        problems.append(f"{label} → {status}: X-Trace-Id {sent_trace!r} is not echoed")
    content = resolved.get("content") if isinstance(resolved, dict) else None
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if isinstance(content, dict) and content:
        entry = content.get(media) or content.get("application/json")
        if media and media not in content:
            problems.append(f"{label} → {status}: content type {media!r} is not documented")
        if isinstance(entry, dict) and "schema" in entry:
            try:
                body = json.loads(response.content)
            except ValueError:
                problems.append(f"{label} → {status}: the body is not JSON")
            else:
                documented = media if media in content else "application/json"
                where = f"{pointer}/content/{_escape(documented)}/schema"
                for error in _validator(contract, which, where).iter_errors(body):
                    at = "/".join(map(str, error.absolute_path)) or "(body)"
                    problems.append(f"{label} → {status}: {at}: {error.message}")
    return problems


def assert_conforms(contract: Contract, response: Any) -> None:
    """Raise ExchangeMismatch listing every problem unless `response` conforms."""
    problems = exchange_problems(contract, response)
    if problems:
        raise ExchangeMismatch("\n".join(problems))
