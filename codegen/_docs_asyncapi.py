"""The AsyncAPI reference page: schemas/asyncapi.yaml rendered as delivery, servers, channels."""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from croupier._contract import Contract

__all__ = ["ASYNCAPI_PAGE", "asyncapi_page"]

ASYNCAPI_PAGE = "reference/asyncapi.md"
_EVENTS_DIR = "reference/events"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def asyncapi_page(contract: Contract) -> str:
    """schemas/asyncapi.yaml as a reference page (or a note that it is not generated yet)."""
    path = contract.schemas_dir / "asyncapi.yaml"
    note = (
        "<!-- Generated at build time by codegen/_docs_asyncapi.py from schemas/asyncapi.yaml; "
        "do not edit. -->\n\n# AsyncAPI document\n\n"
    )
    if not path.is_file():
        return note + "`schemas/asyncapi.yaml` is missing: run `croupier gen`.\n"
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    info = doc.get("info") or {}
    delivery = doc.get("x-croupier-delivery") or {}
    budget = delivery.get("lag_budget") or {}
    out = [
        note,
        f"The event contract as an [AsyncAPI {doc.get('asyncapi')}](https://www.asyncapi.com/) "
        f"document, version {info.get('version')}: `schemas/asyncapi.yaml`, written by "
        "`croupier gen` from the event schemas and `schemas/delivery.yaml` (never by hand), "
        "checked by `croupier lint` (rules `asyncapi-*`). Each message's payload is a `$ref` "
        "to the schema file beside it, as JSON Schema 2020-12 or as the Avro twin.\n\n",
        f"{info.get('description', '')}\n\n",
        "## Delivery\n\n",
        _table(
            ["Property", "Value"],
            [
                ["partition key", "`" + "/".join(delivery.get("partition_key") or []) + "`"],
                ["guarantee", str(delivery.get("guarantee"))],
                ["ordering", str(delivery.get("ordering"))],
                ["de-duplication key", f"`{delivery.get('deduplication_key')}`"],
                ["lag budget", f"p95 ≤ {budget.get('p95_ms')} ms, max ≤ {budget.get('max_ms')} ms"],
            ],
        ),
        f"\n{budget.get('description', '')}\n\n",
        "## Servers\n\n",
        _table(
            ["server", "protocol", "host", ""],
            [
                [
                    f"`{name}`",
                    s.get("protocol", ""),
                    f"`{s.get('host', '')}`",
                    s.get("description", ""),
                ]
                for name, s in (doc.get("servers") or {}).items()
            ],
        ),
        "\n## Channels\n\n",
    ]
    rows = []
    for cid, channel in (doc.get("channels") or {}).items():
        title = str(channel.get("title", cid))
        event_type = title.split(" ", 1)[0]
        link = posixpath.relpath(f"{_EVENTS_DIR}/{event_type}.md", posixpath.dirname(ASYNCAPI_PAGE))
        kafka = ((channel.get("bindings") or {}).get("kafka") or {}).get("topic", "")
        rows.append(
            [
                f"`{cid}`",
                f"[{title}]({link})",
                f"`{channel.get('address', '')}`",
                f"`{kafka}`" if kafka else "",
                ", ".join(f"`{m}`" for m in channel.get("messages") or {}),
            ]
        )
    out.append(_table(["channel", "event", "NATS subject", "Kafka topic", "messages"], rows))
    out.append(
        '\n## The document\n\n??? note "schemas/asyncapi.yaml"\n\n    ```yaml\n'
        + "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())
        + "    ```\n"
    )
    return "".join(out)
