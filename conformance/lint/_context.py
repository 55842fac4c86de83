"""What every lint rule reads: the contract, walkers over its operations and schemas, pointers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from croupier._contract import Contract, load_document

__all__ = [
    "HTTP_METHODS",
    "LintContext",
    "Operation",
    "pointer",
    "walk_schemas",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OPENAPI_FILE = "spec/openapi.yaml"


def pointer(*parts: Any) -> str:
    """A JSON pointer from its parts (escaping `~` and `/`)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Operation:
    """One operation of spec/openapi.yaml as written."""

    path: str
    method: str
    node: dict[str, Any]
    path_item: dict[str, Any]

    @property
    def where(self) -> str:
        """The operation's JSON pointer."""
        return pointer("paths", self.path, self.method)

    @property
    def label(self) -> str:
        """`POST /v1/bets/authorize`."""
        return f"{self.method.upper()} {self.path}"

    @property
    def unversioned(self) -> bool:
        """The path item carries `x-unversioned: true` (e.g. /health)."""
        return self.path_item.get("x-unversioned") is True


@dataclass
class LintContext:
    """The contract under lint, with helpers the rules share."""

    contract: Contract
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The contract folder."""
        return self.contract.root

    @property
    def openapi(self) -> dict[str, Any]:
        """spec/openapi.yaml as written (a mapping, even when the file is not one)."""
        doc = self.contract.openapi
        return doc if isinstance(doc, dict) else {}

    def rel(self, path: Path) -> str:
        """A path relative to the contract root."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def components(self, section: str) -> dict[str, Any]:
        """components.<section> of spec/openapi.yaml."""
        comps = self.openapi.get("components")
        found = comps.get(section) if isinstance(comps, dict) else None
        return found if isinstance(found, dict) else {}

    def operations(self) -> Iterator[Operation]:
        """Every operation of spec/openapi.yaml, in file order."""
        paths = self.openapi.get("paths")
        if not isinstance(paths, dict):
            return
        for path, item in paths.items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    yield Operation(path, method, item[method], item)

    def deref(self, node: Any) -> tuple[Any, str | None]:
        """Follow local `$ref`s; the target and its pointer (None when it was inline)."""
        where = None
        seen = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                break
            seen.add(ref)
            target: Any = self.openapi
            for raw in ref[2:].split("/"):
                part = raw.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                break
            node, where = target, ref[1:]
        return node, where

    def is_money_ref(self, node: Any, base: Path | None = None) -> bool:
        """True when a schema node is (or aliases) the one Money schema."""
        if not isinstance(node, dict) or not isinstance(node.get("$ref"), str):
            return False
        ref = node["$ref"]
        if ref.startswith("#"):
            if base is not None and base != self.contract.openapi_path:
                return False
            if ref == "#/components/schemas/Money":
                return True
            target, _ = self.deref(node)
            return isinstance(target, dict) and self.is_money_ref(target)
        return ref.partition("#")[0].endswith("common/money.json")

    def schema_documents(self) -> Iterator[tuple[str, Path, Any, str]]:
        """(file, path, document, pointer prefix) for spec/openapi.yaml and each schema file."""
        yield OPENAPI_FILE, self.contract.openapi_path, self.openapi, ""
        for path in self.contract.schema_files():
            yield self.rel(path), path, load_document(path), ""

    def responses(self, op: Operation) -> Iterator[tuple[str, dict[str, Any], str]]:
        """(status, response as resolved, pointer of the response object) of an operation."""
        responses = op.node.get("responses")
        if not isinstance(responses, dict):
            return
        for status, resp in responses.items():
            target, where = self.deref(resp)
            if isinstance(target, dict):
                yield (
                    str(status),
                    target,
                    where or pointer("paths", op.path, op.method, "responses", status),
                )


def walk_schemas(node: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every dict in a document with its pointer, skipping example values."""
    if isinstance(node, dict):
        yield node, where
        for key, value in node.items():
            if key in ("example", "examples", "x-error-catalog", "default", "const", "enum"):
                continue
            yield from walk_schemas(value, where + pointer(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_schemas(value, where + pointer(i))
