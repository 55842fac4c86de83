"""One self-contained JSON Schema per event file: a 2020-12 compound document.

A schema registry (and any tool that gets one document, not a folder) cannot follow
`../../common/money.json` on disk. The bundle embeds each file the schema refers to, once,
under `$defs`, keeping its `$id`: the refs stay as written and resolve against the embedded
resources (JSON Schema 2020-12 §9.3), so the one document validates the same events and
reads, key for key, like the files it came from.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from croupier._contract import load_document

__all__ = ["bundle_event_schema"]

_NAME = re.compile(r"[^A-Za-z0-9_]")


def bundle_event_schema(path: str | Path) -> dict[str, Any]:
    """The event schema at `path` with the files it refers to embedded under `$defs`."""
    root_path = Path(path).resolve()
    root = copy.deepcopy(load_document(root_path))
    root_id = str(root.get("$id") or root_path.as_uri())
    defs: dict[str, Any] = {}
    seen: set[Path] = set()

    def embed(target: Path, uri: str) -> None:
        if target in seen:
            return
        seen.add(target)
        doc = copy.deepcopy(load_document(target))
        if isinstance(doc, dict):
            doc.setdefault("$id", uri)
            walk(doc, target.parent, str(doc["$id"]))
        base = name = _NAME.sub("_", target.stem) or "schema"
        n = 1
        while name in defs or name in (root.get("$defs") or {}):
            n += 1
            name = f"{base}_{n}"
        defs[name] = doc

    def walk(node: Any, folder: Path, base_uri: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#") and "://" not in ref:
                file_part = ref.partition("#")[0]
                embed((folder / file_part).resolve(), urljoin(base_uri, file_part))
            for value in node.values():
                walk(value, folder, base_uri)
        elif isinstance(node, list):
            for value in node:
                walk(value, folder, base_uri)

    walk(root, root_path.parent, root_id)
    if defs:
        root["$defs"] = {**(root.get("$defs") or {}), **defs}
    return root
