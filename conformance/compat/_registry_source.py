"""The `registry:URL/SUBJECT` argument: schemas read from a Confluent-compatible registry.

`registry:URL/SUBJECT` is the subject's latest version, `registry:URL/SUBJECT@N` version N,
and `registry:URL/` (a trailing slash) every subject named `<event_type>.v<major>-json|avro`,
the sandbox's naming strategy, laid out like a contract folder so it compares with one.
A subject following that strategy is named like the folder's file (`bet.settled/1`), so
`registry:URL/bet.settled.v1-json` also pairs with that event of a contract folder.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from croupier.conformance.compat._loader import CompatError, Loaded

__all__ = ["PREFIX", "load_registry"]

PREFIX = "registry:"
_STRATEGY = re.compile(
    r"(?P<type>[a-z]+(?:\.[a-z_]+)+)\.v(?P<major>[1-9][0-9]*)-(?P<fmt>json|avro)"
)
_VERSION = re.compile(r"(?P<subject>.+?)(?:@(?P<version>[1-9][0-9]*|latest))?")


def _get(client: Any, url: str, label: str) -> Any:
    import httpx

    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise CompatError(f"{label}: cannot reach the registry: {exc}") from None
    if response.status_code != 200:
        try:
            message = response.json().get("message", response.reason_phrase)
        except ValueError:
            message = response.reason_phrase
        raise CompatError(f"{label}: the registry answered {response.status_code}: {message}")
    try:
        return response.json()
    except ValueError:
        raise CompatError(f"{label}: the registry's answer is not JSON") from None


def _schema(client: Any, base: str, subject: str, version: str, label: str) -> tuple[str, Any]:
    found = _get(client, f"{base}/subjects/{quote(subject, safe='')}/versions/{version}", label)
    kind = str(found.get("schemaType") or "AVRO")
    if kind not in ("AVRO", "JSON"):
        raise CompatError(f"{label}: schema type {kind} is not judged (AVRO and JSON are)")
    try:
        return kind, json.loads(found["schema"])
    except (KeyError, TypeError, json.JSONDecodeError):
        raise CompatError(f"{label}: the registry's schema is not JSON") from None


def _index_embedded(out: Loaded, schema: Any) -> None:
    # A bundled JSON Schema embeds the files it refers to under $defs with their $id; the
    # diff looks refs up by $id or by their tail path (`../../common/money.json`).
    defs = schema.get("$defs") if isinstance(schema, dict) else None
    for sub in (defs or {}).values():
        uri = sub.get("$id") if isinstance(sub, dict) else None
        if isinstance(uri, str):
            out.lookup[uri] = sub
            parts = urlsplit(uri).path.strip("/").split("/")
            for i in range(len(parts)):
                out.lookup.setdefault("/".join(parts[i:]), sub)


def _add(out: Loaded, name: str, kind: str, schema: Any, where: str) -> None:
    match = _STRATEGY.fullmatch(name)
    if kind == "AVRO":
        key = f"{match['type']}/{match['major']}.avsc" if match else name
        out.avro[key] = (where, schema)
    else:
        key = f"{match['type']}/{match['major']}" if match else name
        out.events[key] = (where, schema)
        _index_embedded(out, schema)


def load_registry(arg: str, forced: str | None) -> Loaded:
    """Load a `registry:` argument (see the module docstring)."""
    import httpx

    rest = arg[len(PREFIX) :]
    if not rest.startswith(("http://", "https://")):
        raise CompatError(f"{arg}: give registry:http(s)://HOST[/PATH]/SUBJECT")
    base, _, last = rest.rpartition("/")
    if base.endswith(":/") or base.endswith("//") or not base:
        raise CompatError(f"{arg}: name a subject after the registry URL, or end it with /")
    with httpx.Client(timeout=30, headers={"Accept": "application/json"}) as client:
        if not last:
            out = Loaded(arg, "contract")
            subjects = _get(client, f"{base}/subjects", arg)
            for subject in sorted(s for s in subjects if _STRATEGY.fullmatch(str(s))):
                kind, schema = _schema(client, base, subject, "latest", arg)
                _add(out, subject, kind, schema, f"{arg}{subject}")
        else:
            parts = _VERSION.fullmatch(last)
            if parts is None:
                raise CompatError(f"{arg}: name a subject after the registry URL")
            subject, version = parts["subject"], parts["version"] or "latest"
            kind, schema = _schema(client, base, subject, version, arg)
            out = Loaded(arg, "avro" if kind == "AVRO" else "jsonschema")
            _add(out, subject, kind, schema, arg)
    if forced == "avro":
        out.events.clear()
    elif forced == "jsonschema":
        out.avro.clear()
    elif forced == "openapi":
        raise CompatError(f"{arg}: a registry holds no OpenAPI document")
    return out
