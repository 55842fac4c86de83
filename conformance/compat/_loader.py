"""Turn a command-line argument into documents: a file, a folder, `git:REF` or `bundled:V`.

`bundled:VERSION` is a contract shipped inside croupier: a released version, or `current`.
`registry:URL/SUBJECT` is read by `_registry_source`.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CompatError",
    "Loaded",
    "bundled_contract",
    "check_openapi",
    "detect_type",
    "load_argument",
]

TYPES = ("openapi", "jsonschema", "avro")


class CompatError(Exception):
    """The comparison cannot run; the message is the one-line reason."""


@dataclass
class Loaded:
    """What one argument holds: an HTTP contract, event schemas and Avro schemas, by name."""

    label: str
    kind: str  # contract | openapi | jsonschema | avro
    openapi: dict[str, Any] | None = None
    openapi_file: str = ""
    events: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (file, schema)
    avro: dict[str, tuple[str, Any]] = field(default_factory=dict)
    lookup: dict[str, Any] = field(default_factory=dict)  # $id / relative path -> schema


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CompatError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        if path.suffix in (".json", ".avsc"):
            return json.loads(text)
        # libyaml when present: a large spec parses an order of magnitude faster.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CompatError(
            f"{path}: not valid {'JSON' if path.suffix != '.yaml' else 'YAML'}: {first}"
        ) from None


# Keywords of which a JSON Schema document has at least one (an empty `{}` also is one).
_SCHEMA_WORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$defs", "definitions", "type", "properties", "items",
        "allOf", "anyOf", "oneOf", "not", "enum", "const", "required", "additionalProperties",
        "patternProperties", "title", "description", "if", "format", "pattern", "prefixItems",
    }
)  # fmt: skip


def detect_type(path: Path, data: Any) -> str:
    """openapi, jsonschema or avro, from the file's ending and content; CompatError otherwise."""
    if path.suffix == ".avsc":
        return "avro"
    if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
        return "openapi"
    if (
        isinstance(data, dict)
        and data.get("type") in ("record", "enum", "fixed")
        and ("fields" in data or "symbols" in data or "size" in data)
    ):
        return "avro"
    if isinstance(data, bool):
        return "jsonschema"
    if isinstance(data, dict) and (not data or _SCHEMA_WORDS & set(data)):
        return "jsonschema"
    if isinstance(data, dict):
        raise CompatError(
            f"{path}: not an OpenAPI document (no `openapi` field) and no JSON Schema keyword in it"
        )
    raise CompatError(f"{path}: neither an OpenAPI document, a JSON Schema nor an Avro schema")


def check_openapi(path: Path | str, data: dict[str, Any]) -> None:
    """Refuse what compat cannot judge: Swagger 2.0, or an `openapi` version other than 3.x."""
    if "swagger" in data and "openapi" not in data:
        raise CompatError(
            f"{path}: Swagger {data.get('swagger')} is not supported; convert it to OpenAPI 3 "
            "first (for example with swagger2openapi)"
        )
    version = str(data.get("openapi", ""))
    if not version.startswith("3."):
        raise CompatError(f"{path}: openapi {version!r} is not an OpenAPI 3.x version")


def _has_external_ref(node: Any) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            ref = n.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)
    return False


def _bundle(path: Path, data: Any = None) -> dict[str, Any]:
    from croupier._contract import ContractError, bundle_openapi

    if isinstance(data, dict) and not _has_external_ref(data):
        return data  # already self-contained: bundling would only re-read the file

    try:
        return bundle_openapi(path)
    except ContractError as exc:
        raise CompatError(str(exc)) from None


def _load_dir(root: Path, label: str, forced: str | None) -> Loaded:
    spec = root / "spec" / "openapi.yaml"
    events_dir = root / "schemas" / "events"
    if not spec.is_file() and not events_dir.is_dir():
        raise CompatError(f"{label}: holds neither spec/openapi.yaml nor schemas/events/")
    out = Loaded(label, "contract")
    if spec.is_file() and forced in (None, "openapi"):
        out.openapi, out.openapi_file = _bundle(spec), str(spec)
        check_openapi(spec, out.openapi)
    schemas = root / "schemas"
    if schemas.is_dir() and forced in (None, "jsonschema"):
        for path in sorted(schemas.rglob("*.json")):
            rel = path.relative_to(schemas)
            if "examples" in rel.parts or rel.parts[0] == "avro":
                continue
            data = _read(path)
            for key in _lookup_keys(rel, data):
                out.lookup[key] = data
            if rel.parts[0] == "events" and len(rel.parts) == 3 and path.stem.isdigit():
                out.events[f"{rel.parts[1]}/{path.stem}"] = (str(path), data)
    if (schemas / "avro").is_dir() and forced in (None, "avro"):
        for path in sorted((schemas / "avro").rglob("*.avsc")):
            out.avro[path.relative_to(schemas / "avro").as_posix()] = (str(path), _read(path))
    return out


def _lookup_keys(rel: Path, data: Any) -> list[str]:
    keys = [rel.as_posix(), *(Path(*rel.parts[i:]).as_posix() for i in range(1, len(rel.parts)))]
    if isinstance(data, dict) and isinstance(data.get("$id"), str):
        keys.append(data["$id"])
    return keys


def _git_export(ref: str, into: Path) -> Path:
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise CompatError(f"git:{ref}: not inside a git repository") from None
    present = subprocess.run(
        ["git", "-C", top, "ls-tree", "--name-only", ref, "--", "spec", "schemas"],
        capture_output=True,
        text=True,
    )
    if present.returncode != 0:
        raise CompatError(f"git:{ref}: unknown revision")
    parts = present.stdout.split()
    if not parts:
        raise CompatError(f"git:{ref}: holds neither spec/ nor schemas/")
    archive = subprocess.run(
        ["git", "-C", top, "archive", "--format=tar", ref, "--", *parts], capture_output=True
    )
    if archive.returncode != 0:
        raise CompatError(f"git:{ref}: git archive failed: {archive.stderr.decode().strip()[:200]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def bundled_contract(version: str) -> Path:
    """The folder of a contract shipped with croupier: `current`, or a released version."""
    from croupier._contract import bundled_root, released_contracts

    releases = released_contracts()
    if version == "current":
        root = bundled_root()
        if root is None:
            raise CompatError("bundled:current: this croupier carries no contract")
        return root
    if version in releases:
        return releases[version]
    known = ", ".join([*releases, "current"])
    raise CompatError(f"bundled:{version}: croupier bundles {known}")


def load_argument(arg: str, forced: str | None, workdir: Path | None = None) -> Loaded:
    """Load one argument; `workdir` receives `git:REF` exports (a temporary folder by default)."""
    if forced is not None and forced not in TYPES:
        raise CompatError(f"--type must be one of {', '.join(TYPES)}, not {forced!r}")
    if arg.startswith("registry:"):
        from croupier.conformance.compat._registry_source import load_registry

        return load_registry(arg, forced)
    if arg.startswith("git:"):
        ref = arg[4:]
        if not ref:
            raise CompatError("git: needs a ref, as in git:v1.0.0")
        target = Path(tempfile.mkdtemp(prefix="croupier-compat-", dir=workdir))
        return _load_dir(_git_export(ref, target), arg, forced)
    if arg.startswith("bundled:"):
        return _load_dir(bundled_contract(arg[len("bundled:") :]), arg, forced)
    path = Path(arg)
    if path.is_dir():
        return _load_dir(path, arg, forced)
    if not path.is_file():
        raise CompatError(f"{arg}: no such file or folder")
    data = _read(path)
    kind = forced or detect_type(path, data)
    if kind == "openapi":
        if not isinstance(data, dict):
            raise CompatError(f"{arg}: an OpenAPI document must be a mapping")
        check_openapi(arg, data)
        return Loaded(arg, "openapi", openapi=_bundle(path, data), openapi_file=str(path))
    if kind == "avro":
        return Loaded(arg, "avro", avro={path.stem: (str(path), data)})
    return Loaded(arg, "jsonschema", events={path.stem: (str(path), data)})
