"""References: every `$ref` in the contract's files points at something that exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from croupier._contract import SCHEMA_BASE_URI, ContractError, load_document
from croupier.conformance.lint._context import LintContext, pointer
from croupier.conformance.lint._registry import ERR, Hit, rule

__all__: list[str] = []

# Keys whose values are data, not schema: a "$ref" inside them is not a reference.
_DATA_KEYS = frozenset({"example", "examples", "const", "default", "enum"})


def _refs(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield path, ref
        for key, value in node.items():
            if key not in _DATA_KEYS:
                yield from _refs(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, (*path, i))


def _resolves(doc: Any, fragment: str) -> bool:
    node = doc
    for raw in fragment.lstrip("/").split("/") if fragment.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _target(ctx: LintContext, source: Path, file_part: str) -> Path | None:
    """The file a $ref's file part names, or None for a remote URI this rule does not fetch."""
    if file_part.startswith(SCHEMA_BASE_URI):
        return ctx.contract.schemas_dir / file_part[len(SCHEMA_BASE_URI) :]
    if "://" in file_part:
        return None
    return (source.parent / file_part).resolve()


def _files(ctx: LintContext) -> list[Path]:
    contract = ctx.contract
    files = [contract.openapi_path]
    if contract.sandbox_path.is_file():
        files.append(contract.sandbox_path)
    return files + contract.schema_files()


@rule("ref-resolves", ERR)
def ref_resolves(ctx: LintContext) -> Iterator[Hit]:
    """Every `$ref` names a file that exists and, after `#`, a JSON pointer into it that exists."""
    for source in _files(ctx):
        file = ctx.rel(source)
        try:
            doc = load_document(source)
        except ContractError:
            continue  # unreadable files are the structure rules' finding
        for where, ref in _refs(doc):
            file_part, _, fragment = ref.partition("#")
            at = pointer(*where, "$ref")
            if not file_part:
                target_doc: Any = doc
            else:
                target = _target(ctx, source, file_part)
                if target is None:
                    continue
                if not target.is_file():
                    yield Hit(file, at, f"$ref {ref!r}: no file {ctx.rel(target)}")
                    continue
                try:
                    target_doc = load_document(target)
                except ContractError as exc:
                    yield Hit(file, at, f"$ref {ref!r}: {exc}")
                    continue
            if fragment.startswith("/") and not _resolves(target_doc, fragment):
                yield Hit(file, at, f"$ref {ref!r}: #{fragment} does not exist")
