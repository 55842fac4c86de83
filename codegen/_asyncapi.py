"""The AsyncAPI 3.0 document of the event contract, generated from schemas/.

Generated, not written by hand: the event schemas (schemas/events/) and the delivery facts
(schemas/delivery.yaml: partition key, guarantee, lag budget, transports) are the sources,
and a hand-kept AsyncAPI file would restate both and drift. One channel per event type and
major version, each with two messages: the JSON Schema payload and its Avro twin, both
referred to by relative `$ref` (the document sits in schemas/, beside the files). The
sandbox's relay publishes every event of a player on one subject, so the channels of one
transport share the address `croupier.events.{tenant_id}.{player_id}`; consumers tell the
types apart by `event_type`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from croupier._contract import Contract, ContractError, EventSchema, load_document
from croupier.codegen._settings import GenSettings, header_lines

__all__ = [
    "ASYNCAPI_VERSION",
    "DELIVERY_FILE",
    "asyncapi_document",
    "delivery_facts",
    "generate_asyncapi",
]

ASYNCAPI_VERSION = "3.0.0"
DELIVERY_FILE = "delivery.yaml"
JSON_SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
_FIELD = re.compile(r"\{([a-z_]+)\}")


def delivery_facts(contract: Contract) -> dict[str, Any]:
    """schemas/delivery.yaml, checked for the keys the generator and certify read."""
    path = contract.schemas_dir / DELIVERY_FILE
    if not path.is_file():
        raise ContractError(f"{path}: missing (the delivery half of the event contract)")
    data = load_document(path)
    problems = []
    if not isinstance(data, dict):
        raise ContractError(f"{path}: must be a mapping")
    fields = (data.get("partition_key") or {}).get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        problems.append("partition_key.fields must be a list of envelope fields")
    budget = data.get("lag_budget") or {}
    for key in ("p95_ms", "max_ms"):
        if not isinstance(budget.get(key), int) or isinstance(budget.get(key), bool):
            problems.append(f"lag_budget.{key} must be an integer")
    transports = data.get("transports") or {}
    if not isinstance(transports, dict) or not set(transports) <= {"nats", "kafka"}:
        problems.append("transports holds nats and/or kafka")
    if problems:
        raise ContractError(f"{path}: {'; '.join(problems)}")
    return data


def _title(event: EventSchema) -> str:
    return str(event.schema.get("title") or event.event_type)


def _channel_id(event: EventSchema) -> str:
    return f"{event.event_type.replace('.', '-')}-v{event.major}"


def _address_parameters(address: str) -> dict[str, Any]:
    return {
        name: {"description": f"The envelope's {name} (its NATS token: '.' becomes '_')."}
        for name in _FIELD.findall(address)
    }


def _message(
    refs: tuple[str, str], event: EventSchema, avro: bool, delivery: dict[str, Any]
) -> dict[str, Any]:
    schemas, avro_dir = refs
    rel = f"{schemas}events/{event.event_type}/{event.major}.json"
    description = str(event.schema.get("description") or "")
    key_fields = "/".join(delivery["partition_key"]["fields"])
    message: dict[str, Any] = {
        "name": f"{event.event_type}.v{event.major}" + ("-avro" if avro else ""),
        "title": _title(event) + (" (Avro)" if avro else ""),
        "summary": description,
        "contentType": "application/octet-stream" if avro else "application/json",
        "correlationId": {
            "description": "The trace id of the call that caused the event.",
            "location": "$message.payload#/trace_id",
        },
        "headers": {"$ref": "#/components/schemas/MessageHeaders"},
        "payload": {
            "schemaFormat": AVRO_SCHEMA_FORMAT if avro else JSON_SCHEMA_FORMAT,
            "schema": {"$ref": f"{avro_dir}{event.event_type}/{event.major}.avsc" if avro else rel},
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The partition key {key_fields}.",
                },
                "schemaIdLocation": "payload",
                "schemaLookupStrategy": "Confluent wire format: magic byte and schema id",
                "bindingVersion": "0.5.0",
            }
        },
    }
    if not avro:
        message["examples"] = [
            {"name": path.stem, "payload": example} for path, example in event.examples
        ]
    return message


def _relative(folder: Path, base: Path) -> str:
    rel = Path(os.path.relpath(folder, base)).as_posix()
    return "" if rel == "." else rel + "/"


def asyncapi_document(contract: Contract, settings: GenSettings | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a mapping (refs relative to where the settings put it)."""
    where = (contract.root / (settings.asyncapi_file if settings else "schemas/x")).parent
    avro_dir = contract.root / (settings.avro_dir if settings else "schemas/avro")
    refs = (_relative(contract.schemas_dir, where), _relative(avro_dir, where))
    delivery = delivery_facts(contract)
    transports = delivery.get("transports") or {}
    nats = transports.get("nats") or {}
    kafka = transports.get("kafka") or {}
    key_fields = "/".join(delivery["partition_key"]["fields"])
    servers: dict[str, Any] = {}
    if nats:
        servers["nats"] = {
            "host": nats["host"],
            "protocol": "nats",
            "description": f"{nats.get('description', '')} Stream {nats.get('stream')}; "
            f"{nats.get('deduplication_header')} carries the event_id.".strip(),
        }
    if kafka:
        servers["kafka"] = {
            "host": kafka["host"],
            "protocol": "kafka",
            "description": str(kafka.get("description", "")),
        }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in contract.events:
        cid = _channel_id(event)
        # `croupier gen` writes an Avro twin for every event schema (croupier.codegen._avro).
        own = {
            f"{cid}-json": _message(refs, event, False, delivery),
            f"{cid}-avro": _message(refs, event, True, delivery),
        }
        messages.update(own)
        address = str(nats.get("subject") or kafka.get("topic") or "croupier.events")
        channel: dict[str, Any] = {
            "address": address,
            "title": f"{event.event_type} v{event.major}",
            "summary": str(event.schema.get("description") or ""),
            "description": (
                f"Events of type {event.event_type}, schema major {event.major} "
                f"(schema_version {event.major}.x.y). Every event type of a player shares the "
                f"player's subject: order holds per {key_fields}."
            ),
            "messages": {mid: {"$ref": f"#/components/messages/{mid}"} for mid in own},
            "bindings": {},
        }
        parameters = _address_parameters(address)
        if parameters:
            channel["parameters"] = parameters
        if nats:
            channel["bindings"]["nats"] = {"bindingVersion": "0.1.0"}
        if kafka:
            channel["bindings"]["kafka"] = {"topic": kafka["topic"], "bindingVersion": "0.5.0"}
        channels[cid] = channel
        operations[f"publish-{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "title": f"The platform publishes {event.event_type}",
            "summary": "Written to the outbox in the transaction of the change, relayed at "
            f"least once within the lag budget (p95 {delivery['lag_budget']['p95_ms']} ms, "
            f"max {delivery['lag_budget']['max_ms']} ms).",
            "messages": [{"$ref": f"#/channels/{cid}/messages/{mid}"} for mid in own],
        }
    info = contract.bundled.get("info") or {}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:croupier:events",
        "info": {
            "title": f"{info.get('title', 'Croupier')} events",
            "version": contract.version,
            "description": str(delivery.get("description", "")).strip(),
            "license": info.get("license") or {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": servers,
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {
                "MessageHeaders": {
                    "type": "object",
                    "description": "Transport headers the relay sets.",
                    "properties": {
                        str(nats.get("deduplication_header") or "Nats-Msg-Id"): {
                            "type": "string",
                            "description": "The event_id: JetStream drops a re-publication "
                            "within its de-duplication window.",
                        }
                    },
                }
            },
            "messages": messages,
        },
        "x-croupier-delivery": {
            "partition_key": delivery["partition_key"]["fields"],
            "guarantee": delivery.get("guarantee"),
            "ordering": delivery.get("ordering"),
            "deduplication_key": delivery.get("deduplication_key"),
            "lag_budget": {
                "p95_ms": delivery["lag_budget"]["p95_ms"],
                "max_ms": delivery["lag_budget"]["max_ms"],
                "description": str(delivery["lag_budget"].get("description", "")).strip(),
            },
        },
    }


def _sources(contract: Contract) -> list[Path]:
    from croupier.codegen._models import referenced_files

    # Not spec/openapi.yaml: only its version is read, and a header naming its hash would
    # make every HTTP contract edit a stale AsyncAPI document.
    found = [contract.schemas_dir / DELIVERY_FILE]
    for event in contract.events:
        found += referenced_files(event.path)
        for path, _ in event.examples:
            found.append(path)
    return found


def generate_asyncapi(contract: Contract, settings: GenSettings) -> dict[str, str]:
    """Relative output path -> the AsyncAPI document's YAML text."""
    header = "".join(f"# {line}\n" for line in header_lines(contract.root, _sources(contract)))
    body = yaml.safe_dump(
        asyncapi_document(contract, settings), sort_keys=False, allow_unicode=True, width=100
    )
    return {settings.asyncapi_file: header + body}
