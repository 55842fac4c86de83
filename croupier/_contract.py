"""Locate, load and bundle the contract: spec/openapi.yaml, spec/sandbox.yaml and schemas/.

`spec/openapi.yaml` may `$ref` other files (the shared `Money` lives once, in
`schemas/common/money.json`). Tools that want one self-contained document call
`bundle_openapi`, which copies every external target into `components` and rewrites the
`$ref`s; the result is deterministic, so its sha256 identifies the contract.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ORIGINS",
    "Contract",
    "ContractError",
    "ContractLocation",
    "bundle_openapi",
    "bundled_root",
    "contract_root",
    "load_contract",
    "load_document",
    "locate_contract",
    "released_contracts",
    "use_contract_dir",
]

SCHEMA_BASE_URI = "https://croupier.dev/schemas/"
# libyaml when available: the pure-Python loader dominates bundling time on large specs.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ContractError(Exception):
    """The contract cannot be found, read or bundled; the message says which file and why."""


# Where a contract can come from, in the order `locate_contract` tries them.
ORIGINS = ("argument", "--contract", "CROUPIER_CONTRACT_DIR", "checkout", "bundled", "source")
_ORIGIN_TEXT = {
    "argument": "given as an argument",
    "--contract": "given with --contract",
    "CROUPIER_CONTRACT_DIR": "from $CROUPIER_CONTRACT_DIR",
    "checkout": "found from the current folder",
    "bundled": "bundled with croupier",
    "source": "the checkout croupier is installed from",
}
_cli_contract_dir: Path | None = None


def _has_contract(root: Path) -> bool:
    return (root / "spec" / "openapi.yaml").is_file()


@dataclass(frozen=True)
class ContractLocation:
    """Which contract a command uses: its folder and where that folder came from."""

    root: Path
    origin: str  # one of ORIGINS

    @property
    def version(self) -> str:
        """`info.version` of spec/openapi.yaml, or "?" when it cannot be read."""
        try:
            info = load_document(self.root / "spec" / "openapi.yaml").get("info", {})
        except (ContractError, AttributeError):
            return "?"
        return str(info.get("version", "?")) if isinstance(info, dict) else "?"

    @property
    def read_only(self) -> bool:
        """True for the copy inside the installed package: commands must not write into it."""
        return self.origin == "bundled"

    def describe(self) -> str:
        """One line a command prints: `contract 1.0.0 at <folder> (<origin>)`."""
        return f"contract {self.version} at {self.root} ({_ORIGIN_TEXT[self.origin]})"


def use_contract_dir(path: str | os.PathLike[str] | None) -> None:
    """Make `path` (from `--contract DIR`) the contract of this process and its children."""
    global _cli_contract_dir
    if path is None:
        _cli_contract_dir = None
        return
    root = Path(path).resolve()
    if not _has_contract(root):
        raise ContractError(f"--contract {path}: holds no spec/openapi.yaml")
    _cli_contract_dir = root
    # Child processes (the sandbox that `certify --sandbox` starts) must use the same contract.
    os.environ["CROUPIER_CONTRACT_DIR"] = str(root)


def _packaged() -> ContractLocation | None:
    from importlib import resources

    data = resources.files("croupier").joinpath("_bundled")
    if isinstance(data, Path) and _has_contract(data):
        return ContractLocation(data, "bundled")
    checkout = Path(__file__).resolve().parent.parent
    return ContractLocation(checkout, "source") if _has_contract(checkout) else None


def bundled_root() -> Path | None:
    """The contract that ships inside the installed package, else the source checkout's.

    A wheel carries the released contract as package data (`croupier/_bundled/`); an editable
    install runs from a checkout, whose own contract then plays that part.
    """
    packaged = _packaged()
    return packaged.root if packaged is not None else None


def released_contracts() -> dict[str, Path]:
    """Released contract versions shipped with croupier (`releases/<version>/`), by version."""
    base = bundled_root()
    if base is None or not (base / "releases").is_dir():
        return {}
    return {
        p.name: p for p in sorted((base / "releases").iterdir()) if (p / "spec").is_dir()
    }


def locate_contract(start: str | os.PathLike[str] | None = None) -> ContractLocation:
    """Find the contract: --contract DIR, $CROUPIER_CONTRACT_DIR, upward from `start`, bundled.

    `start` defaults to the current folder; a checkout's own contract wins over the bundled one.
    """
    if _cli_contract_dir is not None:
        return ContractLocation(_cli_contract_dir, "--contract")
    env = os.environ.get("CROUPIER_CONTRACT_DIR")
    if env:
        root = Path(env).resolve()
        if not _has_contract(root):
            raise ContractError(f"CROUPIER_CONTRACT_DIR={env} holds no spec/openapi.yaml")
        return ContractLocation(root, "CROUPIER_CONTRACT_DIR")
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _has_contract(candidate):
            return ContractLocation(candidate, "checkout")
    packaged = _packaged()
    if packaged is not None:
        return packaged
    raise ContractError(
        f"no spec/openapi.yaml in {here} or its parents, and none bundled with croupier; "
        "pass --contract DIR or set CROUPIER_CONTRACT_DIR"
    )


def contract_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder holding spec/openapi.yaml (see `locate_contract` for the order)."""
    return locate_contract(start).root


@functools.lru_cache(maxsize=256)
def _load_cached(path: str, mtime_ns: int) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    try:
        if path.endswith(".json") or path.endswith(".avsc"):
            return json.loads(text)
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, C-accelerated
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.endswith("json") else "YAML"
        raise ContractError(f"{path}: not valid {kind}: {exc}") from None


def load_document(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON file (by its ending) and return a fresh copy of its data."""
    p = Path(path).resolve()
    try:
        stat = p.stat()
    except OSError as exc:
        raise ContractError(f"{path}: cannot read: {exc.strerror}") from None
    return copy.deepcopy(_load_cached(str(p), stat.st_mtime_ns))


def _pointer_get(doc: Any, pointer: str, where: str) -> Any:
    node = doc
    if pointer in ("", "/"):
        return node
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ContractError(f"{where}: $ref target #{pointer} does not exist") from None
    return node


def _walk_refs(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node
        for value in node.values():
            yield from _walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_refs(value)


def _component_name(path: Path, pointer: str, target: Any) -> tuple[str, str]:
    """Where an external target lands in components: (section, name)."""
    parts = pointer.strip("/").split("/") if pointer.strip("/") else []
    if len(parts) == 3 and parts[0] == "components":
        return parts[1], parts[2]
    if not parts:
        title = target.get("title") if isinstance(target, dict) else None
        if isinstance(title, str) and _IDENT.fullmatch(title):
            return "schemas", title
        stem = re.sub(r"[^A-Za-z0-9]+", " ", path.stem).title().replace(" ", "")
        return "schemas", stem
    raise ContractError(
        f"{path}#{pointer}: external $refs must name a whole file or components/<kind>/<name>"
    )


def bundle_openapi(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the OpenAPI document at `path` with every external `$ref` copied into components."""
    root_path = Path(path).resolve()
    doc = load_document(root_path)
    if not isinstance(doc, dict):
        raise ContractError(f"{path}: an OpenAPI document must be a mapping")
    components = doc.setdefault("components", {})
    placed: dict[tuple[str, str], str] = {}  # (file, pointer) -> local ref
    # Components that only alias an external target (`Money: {$ref: ../schemas/...}`) give
    # that target its name, and the imported content takes the alias's place.
    aliases: dict[tuple[str, str], tuple[str, str]] = {}
    for section, entries in components.items():
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            if (
                isinstance(entry, dict)
                and set(entry) == {"$ref"}
                and not entry["$ref"].startswith("#")
            ):
                file_part, _, pointer = entry["$ref"].partition("#")
                aliases[(str((root_path.parent / file_part).resolve()), pointer)] = (section, name)

    def localise(node: Any, base: Path, base_is_root: bool) -> None:
        for ref_node in list(_walk_refs(node)):
            ref = ref_node["$ref"]
            file_part, _, pointer = ref.partition("#")
            if not file_part:
                if not base_is_root:
                    # An internal ref of an imported file: make it point into that file's copy.
                    ref_node["$ref"] = import_target(base, pointer)
                continue
            ref_node["$ref"] = import_target((base.parent / file_part).resolve(), pointer)

    def import_target(target_path: Path, pointer: str) -> str:
        if target_path == root_path:
            return "#" + pointer
        key = (str(target_path), pointer)
        if key in placed:
            return placed[key]
        if not target_path.is_file():
            raise ContractError(f"{root_path}: $ref to missing file {target_path}")
        source = load_document(target_path)
        target = copy.deepcopy(_pointer_get(source, pointer, str(target_path)))
        if isinstance(target, dict) and set(target) == {"$ref"}:
            # An alias (`Money: {$ref: ../schemas/common/money.json}`): follow it.
            file_part, _, inner = target["$ref"].partition("#")
            follow = (target_path.parent / file_part).resolve() if file_part else target_path
            placed[key] = import_target(follow, inner)
            return placed[key]
        section, name = aliases.get(key) or _component_name(target_path, pointer, target)
        local = f"#/components/{section}/{name}"
        placed[key] = local
        if isinstance(target, dict):
            target.pop("$id", None)
            target.pop("$schema", None)
        existing = components.setdefault(section, {}).get(name)
        if key in aliases:
            existing = None
        localise(target, target_path, base_is_root=False)
        if existing is not None and existing != target:
            raise ContractError(
                f"{root_path}: component {section}/{name} is defined differently in {target_path}"
            )
        components[section][name] = target
        return local

    localise(doc, root_path, base_is_root=True)
    return doc


def _canonical_sha256(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class EventSchema:
    """One event schema file: schemas/events/<event_type>/<major>.json."""

    event_type: str
    major: int
    path: Path
    schema: dict[str, Any]
    examples: tuple[tuple[Path, Any], ...]

    @property
    def uri(self) -> str:
        """The schema's $id."""
        return str(self.schema.get("$id", ""))


@dataclass
class Contract:
    """The contract at one root folder: the HTTP spec, the sandbox spec and the event schemas."""

    root: Path
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def openapi_path(self) -> Path:
        """spec/openapi.yaml."""
        return self.root / "spec" / "openapi.yaml"

    @property
    def sandbox_path(self) -> Path:
        """spec/sandbox.yaml."""
        return self.root / "spec" / "sandbox.yaml"

    @property
    def schemas_dir(self) -> Path:
        """schemas/."""
        return self.root / "schemas"

    def _memo(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def openapi(self) -> dict[str, Any]:
        """spec/openapi.yaml as written (external refs left in place)."""
        return self._memo("openapi", lambda: load_document(self.openapi_path))

    @property
    def bundled(self) -> dict[str, Any]:
        """spec/openapi.yaml with external refs copied into components: what the sandbox serves."""
        return self._memo("bundled", lambda: bundle_openapi(self.openapi_path))

    @property
    def sandbox_bundled(self) -> dict[str, Any]:
        """spec/sandbox.yaml, self-contained."""
        return self._memo("sandbox", lambda: bundle_openapi(self.sandbox_path))

    @property
    def version(self) -> str:
        """info.version of the HTTP contract."""
        return str(self.openapi.get("info", {}).get("version", ""))

    @property
    def sha256(self) -> str:
        """sha256 of the bundled HTTP contract in canonical JSON: identifies what was certified."""
        return self._memo("sha", lambda: _canonical_sha256(self.bundled))

    @property
    def error_catalog(self) -> dict[str, dict[str, Any]]:
        """components.x-error-catalog: code -> {status, retryable, description, action}."""
        return dict(self.openapi.get("components", {}).get("x-error-catalog", {}))

    def schema_files(self) -> list[Path]:
        """Every hand-written JSON Schema file under schemas/ (the Avro twins excluded)."""
        return sorted(
            p
            for p in self.schemas_dir.rglob("*.json")
            if "examples" not in p.parts and "avro" not in p.relative_to(self.schemas_dir).parts
        )

    @property
    def events(self) -> list[EventSchema]:
        """Every event schema, sorted by event type then major version."""

        def make() -> list[EventSchema]:
            found = []
            events_dir = self.schemas_dir / "events"
            for path in sorted(events_dir.glob("*/*.json")):
                if not path.stem.isdigit():
                    continue
                # examples/ is shared by the type's majors: an example belongs to the major
                # its schema_version names (one without a version, to every major).
                loaded = [
                    (ex, load_document(ex))
                    for ex in sorted((path.parent / "examples").glob("*.json"))
                ]
                examples = tuple(
                    (ex, doc)
                    for ex, doc in loaded
                    if not isinstance(doc, dict)
                    or not isinstance(doc.get("schema_version"), str)
                    or doc["schema_version"].split(".", 1)[0] == path.stem
                )
                found.append(
                    EventSchema(
                        path.parent.name, int(path.stem), path, load_document(path), examples
                    )
                )
            return found

        return self._memo("events", make)

    def event(self, event_type: str, major: int = 1) -> EventSchema:
        """The schema of one event type and major version."""
        for ev in self.events:
            if ev.event_type == event_type and ev.major == major:
                return ev
        raise ContractError(f"no schema for event type {event_type!r} major {major}")

    @property
    def registry(self) -> Any:
        """A `referencing.Registry` holding every schema under schemas/ by its $id."""

        def make() -> Any:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            resources = []
            for path in self.schema_files():
                data = load_document(path)
                uri = (
                    data.get("$id")
                    or SCHEMA_BASE_URI + path.relative_to(self.schemas_dir).as_posix()
                )
                resources.append(
                    (uri, Resource.from_contents(data, default_specification=DRAFT202012))
                )
            return Registry().with_resources(resources)

        return self._memo("registry", make)

    def event_validator(self, event_type: str, major: int = 1) -> Any:
        """A jsonschema validator (2020-12, formats checked) for one event type."""
        from jsonschema import Draft202012Validator

        key = f"validator:{event_type}:{major}"

        def make() -> Any:
            schema = self.event(event_type, major).schema
            return Draft202012Validator(
                schema,
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )

        return self._memo(key, make)

    def validate_event(self, event: Any) -> list[str]:
        """Validate an event (envelope and payload); return the errors, empty when valid."""
        if not isinstance(event, dict):
            return ["an event must be a JSON object"]
        event_type, version = event.get("event_type"), event.get("schema_version")
        if not isinstance(event_type, str) or not isinstance(version, str):
            return ["event_type and schema_version must be strings"]
        try:
            major = int(version.split(".", 1)[0])
            validator = self.event_validator(event_type, major)
        except (ValueError, ContractError):
            return [f"no schema for event type {event_type!r} version {version!r}"]
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(event)
        ]


def load_contract(root: str | os.PathLike[str] | None = None) -> Contract:
    """Return the contract at `root` (default: `contract_root()`)."""
    base = Path(root).resolve() if root is not None else contract_root()
    if not (base / "spec" / "openapi.yaml").is_file():
        raise ContractError(f"{base} holds no spec/openapi.yaml")
    return Contract(base)
