"""Where a JSON pointer lands in a YAML or JSON file: its line and column (1-based).

Findings name a file and a JSON pointer; editors, CI annotations and SARIF want a line and a
column. The file is composed (not loaded) with PyYAML, which keeps every node's position;
JSON files compose the same way. A pointer that goes past what the file holds (a component
imported by bundling, say) lands on its deepest part that exists.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

__all__ = ["locate"]


@functools.lru_cache(maxsize=128)
def _compose(path: str, mtime_ns: int) -> yaml.Node | None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.compose(fh, Loader=loader)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def _parts(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def locate(path: Path, pointer: str) -> tuple[int, int] | None:
    """(line, column) of the node `pointer` names in `path`, 1-based; None when unreadable."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    node = _compose(str(path.resolve()), mtime)
    if node is None:
        return None
    mark = node.start_mark
    for part in _parts(pointer):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    # A mapping entry is shown at its key: that is the line a reader looks for.
                    mark, node = key.start_mark, value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1
