"""Pydantic v2 models from the contract, through datamodel-code-generator's Python API.

Three modules: the HTTP contract (bundled spec/openapi.yaml), the sandbox control surface
(bundled spec/sandbox.yaml) and every event schema (one `$defs` document whose relative
`$ref`s are rewritten to local ones, so the generator sees one self-contained schema).
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from croupier._contract import Contract, ContractError, load_document
from croupier.codegen._settings import GenSettings, header_lines

__all__ = ["event_model_names", "generate_models", "referenced_files"]


def referenced_files(path: Path) -> list[Path]:
    """`path` and every file its external `$ref`s reach, transitively."""
    seen: dict[Path, None] = {}
    todo = [path.resolve()]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = None
        for ref in _external_refs(load_document(current)):
            todo.append((current.parent / ref).resolve())
    return list(seen)


def _external_refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(ref.partition("#")[0])
        for value in node.values():
            found.extend(_external_refs(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_external_refs(value))
    return found


def _python_header(root: Path, sources: list[Path]) -> str:
    return "\n".join("# " + line for line in header_lines(root, sources))


def _run_generator(document: dict[str, Any], kind: str, header: str, settings: GenSettings) -> str:
    from datamodel_code_generator import InputFileType, generate

    input_type = InputFileType.OpenAPI if kind == "openapi" else InputFileType.JsonSchema
    options = dict(settings.model_options)
    with tempfile.TemporaryDirectory() as tmp:
        # A fixed file name, so nothing about the temp folder reaches the output.
        source = Path(tmp) / f"{kind}.json"
        source.write_text(json.dumps(document, indent=1, sort_keys=False), encoding="utf-8")
        out = generate(source, input_file_type=input_type, custom_file_header=header, **options)
    if not isinstance(out, str):
        raise ContractError(f"datamodel-code-generator returned no single module for {kind}")
    return out if out.endswith("\n") else out + "\n"


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def event_model_names(contract: Contract) -> dict[tuple[str, int], str]:
    """(event type, major) -> the class name of its model in the generated events module."""
    names = {}
    for ev in contract.events:
        title = ev.schema.get("title") or _pascal(ev.event_type) + "Event"
        names[(ev.event_type, ev.major)] = title if ev.major == 1 else f"{title}V{ev.major}"
    return names


def _events_document(contract: Contract) -> tuple[dict[str, Any], list[Path]]:
    """Every event schema as one `$defs` document with local refs; and the files it came from."""
    defs: dict[str, Any] = {}
    by_file: dict[Path, str] = {}
    sources: list[Path] = []

    def import_file(target: Path) -> str:
        if target in by_file:
            return by_file[target]
        data = load_document(target)
        title = data.get("title") if isinstance(data, dict) else None
        if not isinstance(title, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", title):
            title = _pascal(target.stem)
        by_file[target] = title
        sources.append(target)
        data.pop("$id", None)
        data.pop("$schema", None)
        defs[title] = rewrite(data, target)
        return title

    def rewrite(node: Any, base: Path) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                    file_part, _, pointer = value.partition("#")
                    if pointer.strip("/"):
                        raise ContractError(f"{base}: $ref {value} must name a whole file")
                    out[key] = "#/$defs/" + import_file((base.parent / file_part).resolve())
                elif key == "$ref" and isinstance(value, str) and value.startswith("#"):
                    raise ContractError(f"{base}: local $ref {value} is not supported in events")
                else:
                    out[key] = rewrite(value, base)
            return out
        if isinstance(node, list):
            return [rewrite(value, base) for value in node]
        return node

    names = event_model_names(contract)
    for ev in contract.events:
        schema = copy.deepcopy(ev.schema)
        schema.pop("$id", None)
        schema.pop("$schema", None)
        name = names[(ev.event_type, ev.major)]
        schema["title"] = name
        payload = schema.get("properties", {}).get("payload")
        if isinstance(payload, dict):
            # A stable class name for each payload instead of Payload1, Payload2 …
            payload["title"] = name.removesuffix("Event") + "Payload"
        sources.append(ev.path)
        by_file[ev.path.resolve()] = name
        defs[name] = rewrite(schema, ev.path.resolve())
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "CroupierEvents",
        "description": "Every event schema of the contract.",
        "$defs": dict(sorted(defs.items())),
    }
    return document, sources


def generate_models(contract: Contract, settings: GenSettings) -> dict[str, str]:
    """Relative output path -> generated module text, for the three model modules."""
    root = contract.root
    out_dir = settings.output_dir.rstrip("/")
    files: dict[str, str] = {}
    for name, path, bundled in (
        ("contract", contract.openapi_path, lambda: contract.bundled),
        ("sandbox", contract.sandbox_path, lambda: contract.sandbox_bundled),
    ):
        sources = referenced_files(path)
        header = _python_header(root, sources)
        files[f"{out_dir}/{name}.py"] = _run_generator(bundled(), "openapi", header, settings)
    events_doc, sources = _events_document(contract)
    files[f"{out_dir}/events.py"] = _run_generator(
        events_doc, "jsonschema", _python_header(root, sources), settings
    )
    init_header = _python_header(root, [contract.openapi_path])
    files[f"{out_dir}/__init__.py"] = (
        f"{init_header}\n"
        '"""Models generated from the contract: `contract` (HTTP), `sandbox`, `events`."""\n'
    )
    return files
