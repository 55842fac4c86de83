"""Where a JSON pointer sits in its source file: line and column, for annotations and SARIF.

YAML is a superset of JSON, so one composer (PyYAML's node tree, which keeps each node's start
mark) serves both. A pointer into a bundled document may lead into a part that came from another
file; then the longest prefix that exists in this file gives the position.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["Position", "locate"]

Position = tuple[int, int]  # 1-based line and column


@lru_cache(maxsize=8)
def _tree(path: str, mtime: float) -> yaml.Node | None:
    try:
        text = Path(path).read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.compose(text, Loader=loader)
    except (OSError, yaml.YAMLError):
        return None


def _parts(pointer: str) -> list[str]:
    if not pointer.strip("/"):
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def locate(path: str, pointer: str) -> tuple[Position, bool] | None:
    """(line, column) of `pointer` (or its longest existing prefix), and whether all of it exists.

    None when the file cannot be read or parsed.
    """
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    node = _tree(path, mtime)
    if node is None:
        return None
    exact = True
    mark = node.start_mark
    for part in _parts(pointer):
        child = None
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is not None:
                child, mark_of = pair[1], pair[0].start_mark  # point at the key, as editors do
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            child = node.value[int(part)]
            mark_of = child.start_mark
        if child is None:
            exact = False
            break
        node, mark = child, mark_of
    return (mark.line + 1, mark.column + 1), exact
