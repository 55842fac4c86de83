"""Render the docs site's reference pages from the contract: contract in, markdown out.

Every function here is pure except `load_catalogs`, which imports the rule and scenario
registries. The MkDocs hook (docs/hooks/reference.py) only hands the strings to MkDocs, so
the pages can be tested without building a site. Nothing here is a hand-kept copy of the
contract: edit spec/ or schemas/ and the pages follow.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from croupier import Contract, load_document
from croupier.codegen._docs_asyncapi import ASYNCAPI_PAGE, asyncapi_page

__all__ = [
    "API_DIR",
    "CATALOGS",
    "EVENTS_DIR",
    "Catalog",
    "api_pages",
    "catalog_page",
    "changelog_page",
    "error_catalog_page",
    "event_pages",
    "load_catalogs",
    "operations",
    "reference_nav",
    "reference_pages",
    "site_assets",
]

API_DIR = "reference/api"
EVENTS_DIR = "reference/events"
SANDBOX_PAGE = "reference/sandbox-api.md"
ERRORS_PAGE = "reference/errors.md"
CHANGELOG_PAGE = "reference/changelog.md"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_MAX_DEPTH = 6
_GENERATED_NOTE = (
    "<!-- Generated at build time by codegen/_docs_pages.py from {source}; do not edit. -->\n\n"
)


# --------------------------------------------------------------------------- registries


@dataclass(frozen=True)
class Catalog:
    """One registry the docs list: where it lives and what the page says about it."""

    key: str
    title: str
    page: str
    target: str  # "module:function"
    intro: str
    entries: list[dict[str, Any]] | None = None
    error: str = ""

    @property
    def available(self) -> bool:
        """Whether the registry could be imported and read in this build."""
        return self.entries is not None


CATALOGS: tuple[Catalog, ...] = (
    Catalog(
        "lint",
        "Lint rules",
        "reference/lint-rules.md",
        "croupier.conformance.lint:rule_catalog",
        "The house rules `croupier lint` checks on `spec/` and `schemas/`. Each rule keeps its "
        "id forever; its level can be overridden per id in the configuration.",
    ),
    Catalog(
        "compat",
        "Compatibility rules",
        "reference/compat-rules.md",
        "croupier.conformance.compat:rule_catalog",
        "The rules `croupier compat BASE REVISION` applies to two versions of the contract. "
        "Where a rule means what an oasdiff check means, it carries oasdiff's id, so findings "
        "map between the tools.",
    ),
    Catalog(
        "rules",
        "Certification rules",
        "reference/certify-rules.md",
        "croupier.conformance.certify:rule_catalog",
        "The contract's normative rules, each with a stable id, and the checks and scenarios "
        "of `croupier certify` that verify each one. The mutation suite "
        "(`bench/mutation_bench.py`, see [Certification](../guide/certify.md)) proves the "
        "checks can fail.",
    ),
    Catalog(
        "certify",
        "Certification scenarios",
        "reference/certify-scenarios.md",
        "croupier.conformance.certify:scenario_catalog",
        "The live scenarios `croupier certify` runs against a platform. Scenarios that need "
        "the sandbox control surface are reported as not applicable elsewhere.",
    ),
)


def load_catalogs(catalogs: Iterable[Catalog] = CATALOGS) -> list[Catalog]:
    """Import each registry and read its entries; a registry that fails keeps its reason."""
    loaded = []
    for catalog in catalogs:
        module_name, _, func_name = catalog.target.partition(":")
        try:
            entries = getattr(importlib.import_module(module_name), func_name)()
            rows = [dict(e) for e in entries]
        except Exception as exc:  # noqa: BLE001 - any failure becomes the page's note
            loaded.append(Catalog(**{**_fields(catalog), "entries": None, "error": _one_line(exc)}))
            continue
        loaded.append(Catalog(**{**_fields(catalog), "entries": rows, "error": ""}))
    return loaded


def _fields(catalog: Catalog) -> dict[str, Any]:
    return {k: getattr(catalog, k) for k in ("key", "title", "page", "target", "intro")}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# --------------------------------------------------------------------------- markdown bits


def _cell(text: Any) -> str:
    """Make text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: Any) -> str:
    value = str(text)
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _json_block(value: Any, indent: str = "") -> str:
    body = json.dumps(value, indent=2, ensure_ascii=False)
    lines = ["```json", *body.splitlines(), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def _rel(from_page: str, to_page: str, anchor: str = "") -> str:
    """A relative link from one docs page to another (and an anchor in it)."""
    if from_page == to_page:
        return f"#{anchor}" if anchor else "#"
    link = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{link}#{anchor}" if anchor else link


def _table(header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _schema_anchor(name: str) -> str:
    return "schema-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name)


def _yes(flag: Any) -> str:
    return "yes" if flag else "no"


def _title_of_tag(tag: str) -> str:
    return tag.replace("-", " ").replace("_", " ").capitalize()


# --------------------------------------------------------------------------- schemas


@dataclass
class _Resolver:
    """Follows `$ref`s, inside one document (OpenAPI, bundled) or across schema files."""

    root: dict[str, Any] | None = None
    docs: dict[Path, Any] = field(default_factory=dict)

    def load(self, path: Path) -> Any:
        if path not in self.docs:
            self.docs[path] = load_document(path)
        return self.docs[path]

    def deref(self, node: Any, base: Path | None) -> tuple[Any, Path | None, str]:
        """Return (target, its base file, the name of the last named schema on the way)."""
        name = ""
        for _ in range(32):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            file_part, _, pointer = node["$ref"].partition("#")
            if file_part:
                if base is None:
                    raise ValueError(f"external $ref {node['$ref']!r} in a bundled document")
                base = (base.parent / file_part).resolve()
                doc = self.load(base)
            else:
                doc = self.load(base) if base is not None else self.root
            target = doc
            for raw in [p for p in pointer.split("/") if p]:
                target = target[raw.replace("~1", "/").replace("~0", "~")]
            if pointer.startswith("/components/schemas/"):
                name = pointer.rsplit("/", 1)[1]
            elif isinstance(target, dict) and isinstance(target.get("title"), str):
                name = target["title"]
            node = target
        return node, base, name


@dataclass
class _SchemaView:
    """Renders schemas as types and field tables; links named schemas to a schemas page."""

    resolver: _Resolver
    page: str  # the page being written
    schema_page: str  # where named schemas have anchors
    known: frozenset[str]  # schema names that have an anchor on schema_page

    def link(self, name: str) -> str:
        if name in self.known:
            return f"[{name}]({_rel(self.page, self.schema_page, _schema_anchor(name))})"
        return name

    def merged(self, schema: Any, base: Path | None) -> tuple[dict[str, Any], Path | None]:
        """The schema with its allOf members' properties and required merged in."""
        schema, base, _ = self.resolver.deref(schema, base)
        if not isinstance(schema, dict) or "allOf" not in schema:
            return schema, base
        props: dict[str, Any] = {}
        required: list[str] = []
        for member in schema["allOf"]:
            sub, sub_base = self.merged(member, base)
            for key, value in sub.get("properties", {}).items():
                props[key] = _WithBase(value, sub_base)
            required += sub.get("required", [])
        for key, value in schema.get("properties", {}).items():
            earlier = props.get(key)
            if isinstance(earlier, _WithBase) and isinstance(earlier.node, dict):
                inherited, _, _ = self.resolver.deref(earlier.node, earlier.base)
                props[key] = _WithBase({**inherited, **value}, base)
            else:
                props[key] = _WithBase(value, base)
        required += schema.get("required", [])
        out = {k: v for k, v in schema.items() if k != "allOf"}
        out["properties"] = props
        out["required"] = list(dict.fromkeys(required))
        return out, base

    def type_of(self, schema: Any, base: Path | None, depth: int = 0) -> str:
        """A short human type: `string (date-time)`, `array of Money`, `Money or null`."""
        if isinstance(schema, _WithBase):
            schema, base = schema.node, schema.base
        if not isinstance(schema, dict) or depth > 4:
            return "any"
        if "$ref" in schema:
            target, tbase, name = self.resolver.deref(schema, base)
            return self.link(name) if name else self.type_of(target, tbase, depth + 1)
        if "const" in schema:
            return f"const {_code(json.dumps(schema['const']))}"
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return " or ".join(self.type_of(s, base, depth + 1) for s in schema[key])
        if "allOf" in schema:
            return " and ".join(self.type_of(s, base, depth + 1) for s in schema["allOf"])
        kinds = schema.get("type", "object" if "properties" in schema else "any")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        parts = []
        for kind in kinds:
            if kind == "array":
                parts.append("array of " + self.type_of(schema.get("items", {}), base, depth + 1))
            elif kind == "string" and "format" in schema:
                parts.append(f"string ({schema['format']})")
            else:
                parts.append(str(kind))
        return " or ".join(parts)

    def constraints(self, schema: Any) -> str:
        if not isinstance(schema, dict):
            return ""
        notes = []
        if "enum" in schema:
            notes.append("One of " + ", ".join(_code(json.dumps(v)) for v in schema["enum"]) + ".")
        if "pattern" in schema:
            notes.append(f"Pattern {_code(schema['pattern'])}.")
        for key, label in (
            ("minimum", "Minimum"),
            ("maximum", "Maximum"),
            ("minLength", "Min length"),
            ("maxLength", "Max length"),
            ("maxItems", "At most items:"),
            ("default", "Default"),
        ):
            if key in schema:
                notes.append(f"{label} {_code(json.dumps(schema[key]))}.")
        return " ".join(notes)

    def rows(
        self,
        schema: Any,
        base: Path | None,
        prefix: str = "",
        depth: int = 0,
        seen: tuple[int, ...] = (),
        skip: Callable[[str], bool] | None = None,
    ) -> list[list[str]]:
        """Field rows [field, type, required, description], nested fields flattened."""
        if isinstance(schema, _WithBase):
            schema, base = schema.node, schema.base
        obj, base = self.merged(schema, base)
        if not isinstance(obj, dict) or depth > _MAX_DEPTH or id(obj) in seen:
            return []
        seen = (*seen, id(obj))
        required = set(obj.get("required", []))
        out: list[list[str]] = []
        for name, raw in obj.get("properties", {}).items():
            prop_base = base
            if isinstance(raw, _WithBase):
                raw, prop_base = raw.node, raw.base
            path = f"{prefix}{name}"
            if skip is not None and skip(path):
                continue
            target, tbase, _ = self.resolver.deref(raw, prop_base)
            description = (raw.get("description") if isinstance(raw, dict) else None) or (
                target.get("description", "") if isinstance(target, dict) else ""
            )
            # A referenced named type documents its own constraints on its anchor.
            extra = self.constraints(raw) if isinstance(raw, dict) and "$ref" not in raw else ""
            out.append(
                [
                    _code(path),
                    self.type_of(raw, prop_base),
                    "yes" if name in required else "no",
                    " ".join(x for x in (description, extra) if x),
                ]
            )
            out += self.rows_below(raw, prop_base, path, depth, seen, skip)
        return out

    def rows_below(
        self,
        raw: Any,
        base: Path | None,
        path: str,
        depth: int,
        seen: tuple[int, ...],
        skip: Callable[[str], bool] | None,
    ) -> list[list[str]]:
        """Rows of what a property holds: an object's fields, an array's items' fields."""
        target, tbase, _ = self.resolver.deref(raw, base)
        if not isinstance(target, dict):
            return []
        variants = [
            v
            for v in (target.get("oneOf") or target.get("anyOf") or [])
            if not (isinstance(v, dict) and v.get("type") == "null")
        ]
        if len(variants) == 1:
            return self.rows_below(variants[0], tbase, path, depth, seen, skip)
        kinds = target.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "array" in kinds and "items" in target:
            return self.rows_below(target["items"], tbase, f"{path}[]", depth + 1, seen, skip)
        if "properties" in target or "allOf" in target:
            return self.rows(target, tbase, f"{path}.", depth + 1, seen, skip)
        return []

    def field_table(self, schema: Any, base: Path | None = None, **kw: Any) -> str:
        rows = self.rows(schema, base, **kw)
        if not rows:
            return ""
        return _table(["Field", "Type", "Required", "Description"], rows)


@dataclass(frozen=True)
class _WithBase:
    """A schema node and the file its relative `$ref`s resolve against."""

    node: Any
    base: Path | None


# --------------------------------------------------------------------------- API reference


@dataclass(frozen=True)
class Operation:
    """One operation of an OpenAPI document, with its path-level parameters merged in."""

    method: str
    path: str
    operation_id: str
    tag: str
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]


def operations(doc: dict[str, Any]) -> list[Operation]:
    """Every operation of a (bundled) OpenAPI document, in document order."""
    found = []
    for path, item in doc.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params: dict[tuple[str, str], dict[str, Any]] = {}
            for raw in [*shared, *op.get("parameters", [])]:
                p = _deref_local(doc, raw)
                params[(p.get("in", ""), p.get("name", ""))] = p
            found.append(
                Operation(
                    method.upper(),
                    path,
                    str(op.get("operationId", f"{method}_{path}")),
                    (op.get("tags") or ["other"])[0],
                    op,
                    tuple(params.values()),
                )
            )
    return found


def _deref_local(doc: dict[str, Any], node: Any) -> Any:
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        target: Any = doc
        for raw in node["$ref"].partition("#")[2].split("/")[1:]:
            target = target[raw.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _scopes(doc: dict[str, Any], op: Operation) -> tuple[list[str], list[str]]:
    """(security scheme names, OAuth2 scopes) the operation requires."""
    requirements = op.spec.get("security", doc.get("security", []))
    schemes: list[str] = []
    scopes: list[str] = []
    for requirement in requirements:
        for name, wanted in requirement.items():
            schemes.append(name)
            scopes += wanted
    return list(dict.fromkeys(schemes)), list(dict.fromkeys(scopes))


def _slo(op: Operation) -> str:
    slo = op.spec.get("x-slo") or {}
    parts = [f"{k.split('_')[0]} ≤ {v} ms" for k, v in slo.items() if k.endswith("_ms")]
    return ", ".join(parts)


def _examples(media: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, Any]]:
    out = []
    for name, ex in (media.get("examples") or {}).items():
        ex = _deref_local(doc, ex)
        out.append((ex.get("summary") or name, ex.get("value")))
    if "example" in media:
        out.append(("Example", media["example"]))
    return out


def _example_blocks(kind: str, examples: list[tuple[str, Any]]) -> list[str]:
    out = []
    for summary, value in examples:
        out.append(f'??? example "{kind}: {summary}"')
        out.append("")
        out.append(_json_block(value, indent="    "))
        out.append("")
    return out


def _operation_md(
    doc: dict[str, Any],
    op: Operation,
    view: _SchemaView,
    errors_link: Callable[[str], str],
    catalog: dict[str, dict[str, Any]],
) -> str:
    spec = op.spec
    lines = [
        f"## {spec.get('summary') or op.operation_id} {{#{op.operation_id}}}",
        "",
        f"`{op.method} {op.path}` · operationId `{op.operation_id}`",
        "",
    ]
    if spec.get("deprecated"):
        lines += ['!!! warning "Deprecated"', "", "    This operation is deprecated.", ""]
    if spec.get("description"):
        lines += [spec["description"].strip(), ""]

    schemes, scopes = _scopes(doc, op)
    facts = []
    if not schemes:
        facts.append(["Security", "none (no signature, no token)"])
    else:
        sec = doc.get("components", {}).get("securitySchemes", {})
        labels = []
        for name in schemes:
            kind = sec.get(name, {}).get("type", "")
            if kind == "oauth2":
                labels.append("OAuth2 bearer token")
            elif kind == "apiKey":
                labels.append(f"signed request (`{sec[name].get('name', name)}`)")
            else:
                labels.append(name)
        facts.append(["Security", ", ".join(labels)])
        facts.append(["OAuth2 scopes", ", ".join(f"`{s}`" for s in scopes) or "any valid token"])
    if _slo(op):
        facts.append(["Latency budget", _slo(op)])
    lines += [_table(["Aspect", "Value"], facts), ""]

    if op.parameters:
        rows = []
        for p in op.parameters:
            schema = p.get("schema", {})
            desc = " ".join(x for x in (p.get("description", ""), view.constraints(schema)) if x)
            if "example" in p:
                desc += f" Example: {_code(p['example'])}."
            rows.append(
                [
                    _code(p.get("name", "")),
                    p.get("in", ""),
                    view.type_of(schema, None),
                    "yes" if p.get("required") else "no",
                    desc,
                ]
            )
        lines += [
            "### Parameters",
            "",
            _table(["Name", "In", "Type", "Required", "Description"], rows),
            "",
        ]

    body = _deref_local(doc, spec.get("requestBody"))
    if isinstance(body, dict):
        lines += ["### Request body", ""]
        for ctype, media in (body.get("content") or {}).items():
            schema = media.get("schema", {})
            req = "required" if body.get("required") else "optional"
            lines += [f"`{ctype}`, {req}: {view.type_of(schema, None)}", ""]
            table = view.field_table(schema)
            if table:
                lines += [table, ""]
            lines += _example_blocks("Request", _examples(media, doc))

    lines += ["### Responses", ""]
    for status, raw in (spec.get("responses") or {}).items():
        resp = _deref_local(doc, raw)
        codes = resp.get("x-error-codes") or []
        lines += [f"#### {status}", "", (resp.get("description") or "").strip(), ""]
        headers = resp.get("headers") or {}
        if headers:
            rows = []
            for hname, hraw in headers.items():
                h = _deref_local(doc, hraw)
                rows.append(
                    [
                        _code(hname),
                        view.type_of(h.get("schema", {}), None),
                        "yes" if h.get("required") else "no",
                        h.get("description", ""),
                    ]
                )
            lines += [_table(["Header", "Type", "Always", "Description"], rows), ""]
        for ctype, media in (resp.get("content") or {}).items():
            schema = media.get("schema", {})
            lines += [f"Body `{ctype}`: {view.type_of(schema, None)}", ""]
            if not codes:
                table = view.field_table(schema)
                if table:
                    lines += [table, ""]
                lines += _example_blocks(f"Response {status}", _examples(media, doc))
        if codes:
            rows = []
            for code in codes:
                entry = catalog.get(code, {})
                rows.append(
                    [
                        f"[`{code}`]({errors_link(code)})",
                        "yes" if entry.get("retryable") else "no",
                        entry.get("description", "not in the error catalog"),
                    ]
                )
            lines += [_table(["Error code", "Retryable", "Meaning"], rows), ""]
    return "\n".join(lines).rstrip() + "\n"


def _schemas_md(view: _SchemaView, doc: dict[str, Any], level: str = "##") -> str:
    lines: list[str] = []
    for name, schema in (doc.get("components", {}).get("schemas") or {}).items():
        lines += [f"{level} {name} {{#{_schema_anchor(name)}}}", ""]
        target, _, _ = view.resolver.deref(schema, None)
        if isinstance(target, dict) and target.get("description"):
            lines += [target["description"].strip(), ""]
        lines += [f"Type: {view.type_of(target, None)}", ""]
        constraints = view.constraints(target)
        if constraints and "properties" not in target:
            lines += [constraints, ""]
        table = view.field_table(target)
        if table:
            lines += [table, ""]
        for i, example in enumerate(target.get("examples", []) if isinstance(target, dict) else []):
            lines += _example_blocks(name, [(f"example {i + 1}", example)])
    return "\n".join(lines)


def api_pages(contract: Contract) -> dict[str, str]:
    """The platform API reference: an index, one page per tag, and the schemas page."""
    doc = contract.bundled
    resolver = _Resolver(root=doc)
    known = frozenset((doc.get("components", {}).get("schemas") or {}).keys())
    catalog = contract.error_catalog
    schema_page = f"{API_DIR}/schemas.md"
    ops = operations(doc)
    tags = list(dict.fromkeys(op.tag for op in ops))
    tag_docs = {t.get("name"): t.get("description", "") for t in doc.get("tags", [])}
    note = _GENERATED_NOTE.format(source="spec/openapi.yaml")
    pages: dict[str, str] = {}

    index = f"{API_DIR}/index.md"
    info = doc.get("info", {})
    lines = [
        note + "# API reference",
        "",
        f"**{info.get('title', 'API')}**, contract version **{contract.version}** "
        f"(sha256 of the bundled contract `{contract.sha256[:16]}…`).",
        "",
        (info.get("summary") or "").strip(),
        "",
        (info.get("description") or "").strip(),
        "",
        "## Operations",
        "",
    ]
    rows = []
    for op in ops:
        _, scopes = _scopes(doc, op)
        page = f"{API_DIR}/{op.tag}.md"
        rows.append(
            [
                f"[`{op.method} {op.path}`]({_rel(index, page, op.operation_id)})<br>"
                f"`{op.operation_id}`",
                op.spec.get("summary", ""),
                ", ".join(f"`{s}`" for s in scopes) or "—",
                (_slo(op) or "—").replace(", ", "<br>"),
            ]
        )
    lines += [
        _table(["Operation", "Summary", "Scopes", "Latency budget"], rows),
        "",
        "## Servers",
        "",
    ]
    lines += [f"- `{s.get('url')}` — {s.get('description', '')}" for s in doc.get("servers", [])]
    lines += ["", "## Security schemes", ""]
    for name, scheme in (doc.get("components", {}).get("securitySchemes") or {}).items():
        lines += [f"### {name}", "", f"Type: `{scheme.get('type')}`", ""]
        lines += [(scheme.get("description") or "").strip(), ""]
        for flow_name, flow in (scheme.get("flows") or {}).items():
            lines += [f"Flow `{flow_name}`, token URL `{flow.get('tokenUrl', '')}`.", ""]
            lines += [
                _table(["Scope", "Grants"], [[f"`{k}`", v] for k, v in flow["scopes"].items()])
            ]
            lines += [""]
    lines += [
        "## Pages",
        "",
        *[f"- [{_title_of_tag(t)}]({_rel(index, f'{API_DIR}/{t}.md')})" for t in tags],
        f"- [Schemas]({_rel(index, schema_page)})",
        f"- [Error catalog]({_rel(index, ERRORS_PAGE)})",
        "",
    ]
    pages[index] = "\n".join(lines)

    for tag in tags:
        page = f"{API_DIR}/{tag}.md"
        view = _SchemaView(resolver, page, schema_page, known)

        def errors_link(code: str, page: str = page) -> str:
            return _rel(page, ERRORS_PAGE, code)

        body = [note + f"# {_title_of_tag(tag)}", "", tag_docs.get(tag, ""), ""]
        body += [_operation_md(doc, op, view, errors_link, catalog) for op in ops if op.tag == tag]
        pages[page] = "\n".join(body)

    view = _SchemaView(resolver, schema_page, schema_page, known)
    pages[schema_page] = (
        note + "# Schemas\n\nEvery named schema of the platform API, with its fields flattened "
        "(nested fields are written `parent.child`, array items `list[].field`).\n\n"
        + _schemas_md(view, doc)
    )
    return pages


def sandbox_page(contract: Contract) -> str:
    """The sandbox control surface (spec/sandbox.yaml) on one page."""
    doc = contract.sandbox_bundled
    page = SANDBOX_PAGE
    resolver = _Resolver(root=doc)
    known = frozenset((doc.get("components", {}).get("schemas") or {}).keys())
    view = _SchemaView(resolver, page, page, known)
    info = doc.get("info", {})
    ops = operations(doc)
    lines = [
        _GENERATED_NOTE.format(source="spec/sandbox.yaml") + "# Sandbox control surface",
        "",
        f"**{info.get('title', '')}**, version {info.get('version', '')}.",
        "",
        (info.get("description") or "").strip(),
        "",
        _table(
            ["Method", "Path", "operationId", "Summary"],
            [
                [
                    f"`{op.method}`",
                    f"[`{op.path}`](#{op.operation_id})",
                    f"`{op.operation_id}`",
                    op.spec.get("summary", ""),
                ]
                for op in ops
            ],
        ),
        "",
    ]
    lines += [
        _operation_md(doc, op, view, lambda c: _rel(page, ERRORS_PAGE, c), contract.error_catalog)
        for op in ops
    ]
    lines += ["## Sandbox schemas", "", _schemas_md(view, doc, level="###")]
    return "\n".join(lines)


# --------------------------------------------------------------------------- errors


def error_catalog_page(contract: Contract) -> str:
    """Every error code with its status, retryability, meaning and what the caller does."""
    doc = contract.bundled
    catalog = contract.error_catalog
    used_by: dict[str, list[Operation]] = {code: [] for code in catalog}
    for op in operations(doc):
        for raw in (op.spec.get("responses") or {}).values():
            for code in _deref_local(doc, raw).get("x-error-codes") or []:
                used_by.setdefault(code, []).append(op)
    page = ERRORS_PAGE
    lines = [
        _GENERATED_NOTE.format(source="components.x-error-catalog of spec/openapi.yaml")
        + "# Error catalog",
        "",
        "Every error the platform answers uses one body: `code`, `message`, `retryable`, "
        "`trace_id` and optional `details`. The code fixes the HTTP status and whether the "
        "same request, with the same idempotency key, may succeed later. Match on `code`, "
        "never on `message`.",
        "",
        _table(
            ["Code", "HTTP", "Retryable", "Meaning"],
            [
                [
                    f"[`{code}`](#{code})",
                    str(e.get("status", "")),
                    "yes" if e.get("retryable") else "no",
                    e.get("description", ""),
                ]
                for code, e in sorted(
                    catalog.items(), key=lambda kv: (kv[1].get("status", 0), kv[0])
                )
            ],
        ),
        "",
    ]
    for code, entry in catalog.items():
        ops = used_by.get(code, [])
        lines += [
            f"## {code} {{#{code}}}",
            "",
            f"**HTTP {entry.get('status')}** · retryable: **{_yes(entry.get('retryable'))}**",
            "",
            f"**Meaning.** {entry.get('description', '')}",
            "",
            f"**What to do.** {entry.get('action', '')}",
            "",
        ]
        if ops:
            links = ", ".join(
                f"[`{op.operation_id}`]({_rel(page, f'{API_DIR}/{op.tag}.md', op.operation_id)})"
                for op in ops
            )
            lines += [f"Returned by: {links}.", ""]
        else:
            lines += ["Not listed on any operation's error responses (any call may return it).", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- events


def _event_page_name(event_type: str) -> str:
    return f"{EVENTS_DIR}/{event_type}.md"


def event_pages(contract: Contract) -> dict[str, str]:
    """One page per event type (envelope, payload, examples, Avro twin, versions), and an index."""
    doc = contract.bundled
    known = frozenset((doc.get("components", {}).get("schemas") or {}).keys())
    resolver = _Resolver(root=doc)
    by_type: dict[str, list[Any]] = {}
    for ev in contract.events:
        by_type.setdefault(ev.event_type, []).append(ev)
    emitters: dict[str, list[Operation]] = {t: [] for t in by_type}
    for op in operations(doc):
        text = op.spec.get("description", "")
        for event_type in by_type:
            if f"`{event_type}`" in text:
                emitters[event_type].append(op)

    pages: dict[str, str] = {}
    index = f"{EVENTS_DIR}/index.md"
    envelope_path = contract.schemas_dir / "common" / "envelope.json"
    envelope = load_document(envelope_path) if envelope_path.is_file() else {}
    env_view = _SchemaView(resolver, index, f"{API_DIR}/schemas.md", known)
    rows = []
    for event_type, versions in by_type.items():
        latest = versions[-1]
        rows.append(
            [
                f"[`{event_type}`]({_rel(index, _event_page_name(event_type))})",
                str(latest.schema.get("x-schema-version", f"{latest.major}.x")),
                latest.schema.get("description", ""),
            ]
        )
    pages[index] = "\n".join(
        [
            _GENERATED_NOTE.format(source="schemas/events/") + "# Event catalog",
            "",
            "Every event travels in the same envelope. Delivery is at least once and ordered "
            "per player; consumers de-duplicate by `event_id`; the partition key is "
            "`tenant_id/player_id`. A schema evolves backward-compatibly within a major version; "
            "a breaking change is a new major file.",
            "",
            _table(["Event type", "Current version", "Meaning"], rows),
            "",
            "## The envelope",
            "",
            (envelope.get("description") or "").strip(),
            "",
            env_view.field_table(envelope, envelope_path),
            "",
        ]
    )

    for event_type, versions in by_type.items():
        page = _event_page_name(event_type)
        view = _SchemaView(resolver, page, f"{API_DIR}/schemas.md", known)
        latest = versions[-1]
        schema = latest.schema
        rel_path = latest.path.relative_to(contract.root).as_posix()
        lines = [
            _GENERATED_NOTE.format(source=rel_path) + f"# {event_type}",
            "",
            (schema.get("description") or "").strip(),
            "",
            _table(
                ["Property", "Value"],
                [
                    ["Schema file", f"`{rel_path}`"],
                    ["Schema `$id`", f"`{schema.get('$id', '')}`"],
                    ["Current version", f"`{schema.get('x-schema-version', '')}`"],
                    ["Partition key", "`tenant_id/player_id`"],
                ],
            ),
            "",
        ]
        ops = emitters.get(event_type) or []
        if ops:
            links = ", ".join(
                f"[`{op.operation_id}`]({_rel(page, f'{API_DIR}/{op.tag}.md', op.operation_id)})"
                for op in ops
            )
            lines += [f"Emitted by: {links}.", ""]
        lines += [
            "## Envelope fields",
            "",
            view.field_table(schema, latest.path, skip=lambda p: p.startswith("payload.")),
            "",
            "## Payload fields",
            "",
        ]
        payload_rows = view.rows(schema, latest.path, skip=lambda p: not p.startswith("payload"))
        payload_rows = [r for r in payload_rows if r[0] != "`payload`"]
        lines += [
            _table(["Field", "Type", "Required", "Description"], payload_rows)
            or "The payload carries no fields.",
            "",
            "## Examples",
            "",
        ]
        if not latest.examples:
            lines += ["No example files.", ""]
        for ex_path, data in latest.examples:
            lines += [
                f"`{ex_path.relative_to(contract.root).as_posix()}`",
                "",
                _json_block(data),
                "",
            ]
        lines += ["## Avro twin", ""]
        for ev in versions:
            avsc = contract.schemas_dir / "avro" / event_type / f"{ev.major}.avsc"
            if avsc.is_file():
                lines += [
                    f"`{avsc.relative_to(contract.root).as_posix()}`, generated by `croupier gen` "
                    "from the JSON Schema (never edited by hand):",
                    "",
                    _json_block(load_document(avsc)),
                    "",
                ]
            else:
                lines += [
                    '!!! note "Not generated in this build"',
                    "",
                    f"    `schemas/avro/{event_type}/{ev.major}.avsc` is written by "
                    "`croupier gen`; this build found none.",
                    "",
                ]
        lines += [
            "## Versions",
            "",
            _table(
                ["Major", "Schema version", "File"],
                [
                    [
                        str(ev.major),
                        f"`{ev.schema.get('x-schema-version', '')}`",
                        f"`{ev.path.relative_to(contract.root).as_posix()}`",
                    ]
                    for ev in versions
                ],
            ),
            "",
            "Within a major version, changes are additive and optional fields only; producers "
            "state the exact version they wrote in `schema_version`.",
            "",
        ]
        pages[page] = "\n".join(lines)
    return pages


# --------------------------------------------------------------------------- catalogs


def catalog_page(catalog: Catalog) -> str:
    """A registry's catalog, or a clear note when the registry is not in this build."""
    lines = [
        _GENERATED_NOTE.format(source=f"the registry {catalog.target}") + f"# {catalog.title}",
        "",
        catalog.intro,
        "",
    ]
    if catalog.entries is None:
        lines += [
            '!!! warning "Not available in this build"',
            "",
            f"    The registry `{catalog.target}` could not be loaded when this site was "
            f"built ({catalog.error or 'unknown reason'}), so this catalog is empty here. "
            "The docs tests fail in that case; a release build always has it.",
            "",
        ]
        return "\n".join(lines)
    entries = sorted(catalog.entries, key=lambda e: str(e.get("id", "")))
    extra_keys = [
        k
        for k in dict.fromkeys(k for e in entries for k in e)
        if k not in ("id", "doc", "description", "docstring", "summary", "title", "level")
        and all(isinstance(e.get(k, ""), str | int | float | bool) for e in entries)
    ]
    has_level = any("level" in e for e in entries)

    def describe(entry: dict[str, Any]) -> str:
        for key in ("doc", "description", "docstring", "summary", "title"):
            if entry.get(key):
                return str(entry[key]).strip()
        return ""

    def label(key: str) -> str:
        return key.replace("_", " ").capitalize()

    def show(value: Any) -> str:
        return _yes(value) if isinstance(value, bool) else str(value)

    header = [
        "Id",
        *(["Level"] if has_level else []),
        *[label(k) for k in extra_keys],
        "What it checks",
    ]
    rows = [
        [
            f"[`{e.get('id')}`](#{e.get('id')})",
            *([str(e.get("level", ""))] if has_level else []),
            *[show(e.get(k, "")) for k in extra_keys],
            describe(e).splitlines()[0] if describe(e) else "",
        ]
        for e in entries
    ]
    lines += [f"{len(entries)} entries.", "", _table(header, rows), ""]
    for e in entries:
        facts = [f"**{label(k)}:** `{show(e[k])}`" for k in ["level", *extra_keys] if k in e]
        lines += [f"## {e.get('id')} {{#{e.get('id')}}}", ""]
        if facts:
            lines += [" · ".join(facts), ""]
        lines += [describe(e) or "(no description)", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- certification rules

RULES_PAGE = "reference/certify-rules.md"
SAMPLE_REPORT = "docs/reference/sample-report/report.json"


def _sample_verdicts(contract: Contract) -> tuple[dict[str, str], str]:
    """Check id -> verdict in the sample report, and a line saying which report that is."""
    path = contract.root / SAMPLE_REPORT
    if not path.is_file():
        return {}, "No sample report is in this build, so no verdicts are shown."
    report = json.loads(path.read_text(encoding="utf-8"))
    verdicts = {str(r["id"]): str(r["verdict"]) for r in report.get("results", [])}
    version = (report.get("contract") or {}).get("version", "?")
    about = (
        f"Verdicts are those of the [sample report](sample-report/report.md) "
        f"(`croupier certify --sandbox --seed {report.get('seed')}`, contract {version}, "
        f"{report.get('started_at', '?')}); a check it does not contain says *not in the sample*."
    )
    return verdicts, about


def _check_cell(check: str, verdicts: dict[str, str], scenarios: set[str]) -> str:
    if check.endswith("*"):
        found = sorted(v for k, v in verdicts.items() if k.startswith(check[:-1]))
        counts = ", ".join(f"{found.count(v)} {v}" for v in sorted(set(found)))
        return f"`{check}` ({counts or 'not in the sample'})"
    shown = f"[`{check}`](certify-scenarios.md#{check})" if check in scenarios else f"`{check}`"
    return f"{shown} {verdicts.get(check, '*not in the sample*')}"


def rules_page(contract: Contract, catalog: Catalog) -> str:
    """The rule matrix: each rule of the contract -> the checks verifying it -> their verdicts."""
    head = _GENERATED_NOTE.format(source=f"the registry {catalog.target}") + f"# {catalog.title}"
    lines = [head, "", catalog.intro, ""]
    if catalog.entries is None:
        return catalog_page(catalog)
    verdicts, about = _sample_verdicts(contract)
    scenarios = {str(s) for e in catalog.entries for s in e.get("scenarios", [])}
    titles = {str(e["family"]): str(e.get("family_title", e["family"])) for e in catalog.entries}
    families = list(dict.fromkeys(str(e["family"]) for e in catalog.entries))
    lines += [
        f"{len(catalog.entries)} rules in {len(families)} families; every rule names at least "
        f"one check or scenario (a test fails otherwise). {about}",
        "",
    ]
    for family in families:
        rows = [
            [
                f'<span id="{e["id"]}"></span>`{e["id"]}`',
                str(e["level"]),
                _cell(e["doc"]),
                "<br>".join(_check_cell(c, verdicts, scenarios) for c in e["checks"]),
            ]
            for e in catalog.entries
            if e["family"] == family
        ]
        lines += [
            f"## {titles[family]} {{#family-{family}}}",
            "",
            _table(["Rule", "Level", "The contract says", "Checked by → verdict"], rows),
            "",
        ]
    return "\n".join(lines)


def changelog_page(contract: Contract) -> str:
    """spec/CHANGELOG.md, rendered into the site."""
    path = contract.root / "spec" / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Contract changelog\n"
    return _GENERATED_NOTE.format(source="spec/CHANGELOG.md") + text


# --------------------------------------------------------------------------- the whole set


def reference_pages(
    contract: Contract, catalogs: Iterable[Catalog] | None = None
) -> dict[str, str]:
    """Every generated page: docs-relative path -> markdown."""
    pages = api_pages(contract)
    pages[SANDBOX_PAGE] = sandbox_page(contract)
    pages[ERRORS_PAGE] = error_catalog_page(contract)
    pages.update(event_pages(contract))
    for catalog in catalogs if catalogs is not None else load_catalogs():
        if catalog.key == "rules":
            pages[catalog.page] = rules_page(contract, catalog)
        else:
            pages[catalog.page] = catalog_page(catalog)
    pages[CHANGELOG_PAGE] = changelog_page(contract)
    pages[ASYNCAPI_PAGE] = asyncapi_page(contract)
    return pages


EXPLORER_SPEC = "reference/openapi.json"
DIAGRAM_DIR = "assets/diagrams"


def site_assets(contract: Contract) -> dict[str, str]:
    """Generated non-page files: the bundled contract the API explorer loads, the diagrams."""
    from croupier.codegen._diagrams import DIAGRAMS, render_svg

    assets = {EXPLORER_SPEC: json.dumps(contract.bundled, indent=2, ensure_ascii=False) + "\n"}
    for name, diagram in DIAGRAMS.items():
        assets[f"{DIAGRAM_DIR}/{name}.svg"] = render_svg(diagram)
    return assets


def reference_nav(contract: Contract, placeholder: str) -> list[Any] | None:
    """The nav section a placeholder page expands to (API pages, event pages), else None."""
    if placeholder == f"{API_DIR}/index.md":
        tags = list(dict.fromkeys(op.tag for op in operations(contract.bundled)))
        return [
            placeholder,
            *[{_title_of_tag(t): f"{API_DIR}/{t}.md"} for t in tags],
            {"Schemas": f"{API_DIR}/schemas.md"},
        ]
    if placeholder == f"{EVENTS_DIR}/index.md":
        types = list(dict.fromkeys(ev.event_type for ev in contract.events))
        return [placeholder, *[{t: _event_page_name(t)} for t in types]]
    return None
