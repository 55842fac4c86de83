"""Avro twins of the event schemas: one record schema per event type and major version.

Mapping (JSON Schema -> Avro):
  * `$ref` to schemas/common/money.json -> the named record `croupier.Money` {amount: string,
    currency: string}; defined at its first use in a file, referenced by name after that.
  * a nullable property (`type: [x, "null"]`, or `oneOf` with `{type: "null"}`) or one that is
    not required -> the union `["null", x]` with `"default": null`.
  * string (any format, date-time included) and `const` -> string; integer -> long;
    boolean -> boolean; array -> array. `type: number` has no twin (money is never a float).
  * an enum whose values are all Avro names -> an Avro enum; otherwise string.
  * an object with properties (the envelope, the open `payload`, nested objects) -> a record of
    its declared properties; undeclared properties of an open object are not carried.

Round-trip normalisation (`normalise_event`): an event is projected onto the schema — a
missing optional property becomes null and undeclared properties of open objects are dropped —
and must read back equal to that projection.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from croupier._contract import Contract, ContractError, EventSchema, load_document
from croupier.codegen._settings import GenSettings, header_lines

__all__ = ["avro_schema_for", "generate_avro", "normalise_event"]

_AVRO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MONEY_NAME = "croupier.Money"
_MONEY_RECORD = {
    "type": "record",
    "name": "Money",
    "namespace": "croupier",
    "doc": "An amount of money: a decimal string (never a float) and its currency code.",
    "fields": [
        {"name": "amount", "type": "string", "doc": 'Decimal string, e.g. "12.50".'},
        {"name": "currency", "type": "string", "doc": "ISO 4217 code (or crypto unit)."},
    ],
}


def _pascal(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", text) if p)


def _is_money(node: Any, base: Path) -> bool:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return isinstance(ref, str) and (base.parent / ref.partition("#")[0]).resolve().name == (
        "money.json"
    )


class _Builder:
    """Turns one event schema (and the files it refers to) into an Avro record schema."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.money_defined = False

    def resolve(self, node: dict[str, Any], base: Path) -> tuple[dict[str, Any], Path]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, base
        file_part, _, pointer = ref.partition("#")
        if not file_part or pointer.strip("/"):
            raise ContractError(f"{base}: $ref {ref} must name a whole file")
        target = (base.parent / file_part).resolve()
        merged = {**load_document(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return merged, target

    def money(self) -> Any:
        if self.money_defined:
            return MONEY_NAME
        self.money_defined = True
        return json.loads(json.dumps(_MONEY_RECORD))

    def nullable_inner(self, node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The non-null schema of a property, and whether null is allowed."""
        types = node.get("type")
        if isinstance(types, list) and "null" in types:
            rest = [t for t in types if t != "null"]
            inner = dict(node, type=rest[0] if len(rest) == 1 else rest)
            if "enum" in inner:
                inner["enum"] = [v for v in inner["enum"] if v is not None]
            return inner, True
        for key in ("oneOf", "anyOf"):
            options = node.get(key)
            if isinstance(options, list) and any(o == {"type": "null"} for o in options):
                rest = [o for o in options if o != {"type": "null"}]
                if len(rest) != 1:
                    raise ContractError(f"{key} with several non-null options has no Avro twin")
                inner = {k: v for k, v in node.items() if k != key}
                inner.update(rest[0])
                return inner, True
        return node, False

    def type_of(self, node: dict[str, Any], base: Path, name: str, where: str) -> Any:
        if _is_money(node, base):
            return self.money()
        node, base = self.resolve(node, base)
        if "const" in node:
            return "string"
        kind = node.get("type")
        if kind is None and "properties" in node:
            kind = "object"
        if "enum" in node and kind in ("string", None):
            values = node["enum"]
            if all(isinstance(v, str) and _AVRO_NAME.match(v) for v in values):
                return {"type": "enum", "name": name, "symbols": list(values)}
            return "string"
        if kind == "string":
            return "string"
        if kind == "integer":
            return "long"
        if kind == "boolean":
            return "boolean"
        if kind == "array":
            items = node.get("items")
            if not isinstance(items, dict):
                raise ContractError(f"{where}: an array needs one `items` schema")
            return {"type": "array", "items": self.type_of(items, base, name + "Item", where)}
        if kind == "object" and isinstance(node.get("properties"), dict):
            return self.record(node, base, name, where)
        raise ContractError(f"{where}: type {kind!r} has no Avro twin")

    def record(
        self,
        node: dict[str, Any],
        base: Path,
        name: str,
        where: str,
        overrides: dict[str, Any] | None = None,
        override_base: Path | None = None,
    ) -> dict[str, Any]:
        properties: dict[str, tuple[Any, Path]] = {
            k: (v, base) for k, v in node.get("properties", {}).items()
        }
        for key, value in (overrides or {}).items():
            properties[key] = (value, override_base or base)
        required = set(node.get("required", ()))
        fields = []
        for prop, (schema, prop_base) in properties.items():
            inner, nullable = self.nullable_inner(schema)
            avro_type = self.type_of(inner, prop_base, name + _pascal(prop), f"{where}/{prop}")
            field: dict[str, Any] = {"name": prop}
            if isinstance(schema.get("description"), str):
                field["doc"] = schema["description"]
            if nullable or prop not in required:
                field["type"] = ["null", avro_type]
                field["default"] = None
            else:
                field["type"] = avro_type
            fields.append(field)
        record: dict[str, Any] = {"type": "record", "name": name}
        if isinstance(node.get("description"), str):
            record["doc"] = node["description"]
        record["fields"] = fields
        return record


def avro_schema_for(contract: Contract, event: EventSchema, namespace: str) -> dict[str, Any]:
    """The Avro record schema of one event schema (without the generated-file header)."""
    schema = event.schema
    envelope: dict[str, Any] | None = None
    envelope_base = event.path
    for part in schema.get("allOf", ()):
        resolved, target = _Builder(namespace).resolve(part, event.path)
        if resolved.get("properties"):
            envelope, envelope_base = resolved, target
    if envelope is None:
        raise ContractError(f"{event.path}: an event schema must allOf the envelope")
    builder = _Builder(namespace)
    name = schema.get("title") or _pascal(event.event_type) + "Event"
    record = builder.record(
        {**envelope, "description": schema.get("description", "")},
        envelope_base,
        name,
        event.path.relative_to(contract.root).as_posix(),
        overrides=schema.get("properties", {}),
        override_base=event.path,
    )
    record["namespace"] = namespace
    return record


def _project(value: Any, avro_type: Any, named: dict[str, Any]) -> Any:
    if isinstance(avro_type, str):
        if avro_type in named:
            return _project(value, named[avro_type], named)
        return value
    if isinstance(avro_type, list):
        if value is None:
            return None
        return _project(value, next(t for t in avro_type if t != "null"), named)
    kind = avro_type["type"]
    if kind == "record":
        named.setdefault(avro_type["name"], avro_type)
        if avro_type.get("namespace"):
            named.setdefault(f"{avro_type['namespace']}.{avro_type['name']}", avro_type)
        return {
            f["name"]: _project(value.get(f["name"]), f["type"], named) for f in avro_type["fields"]
        }
    if kind == "array":
        return [_project(item, avro_type["items"], named) for item in value]
    return value


def normalise_event(event: dict[str, Any], avro_schema: dict[str, Any]) -> dict[str, Any]:
    """An event projected onto its Avro twin: what reading it back must give."""
    result = _project(event, avro_schema, {})
    assert isinstance(result, dict)
    return result


def generate_avro(contract: Contract, settings: GenSettings) -> dict[str, str]:
    """Relative output path -> .avsc text, one per event schema."""
    from croupier.codegen._models import referenced_files

    files: dict[str, str] = {}
    avro_dir = settings.avro_dir.rstrip("/")
    for event in contract.events:
        record = avro_schema_for(contract, event, settings.avro_namespace)
        header = "\n".join(header_lines(contract.root, referenced_files(event.path)))
        # The header is the record's `doc` (fastavro keeps unknown keys but `doc` is standard
        # Avro), first in the file; the event's description follows it.
        doc = header + (f"\n\n{record['doc']}" if record.get("doc") else "")
        ordered = {"doc": doc, **{k: v for k, v in record.items() if k != "doc"}}
        text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
        files[f"{avro_dir}/{event.event_type}/{event.major}.avsc"] = text
    return files
