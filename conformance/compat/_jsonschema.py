"""Event JSON Schema (2020-12) compatibility: a structural diff, judged by a policy.

The diff names each difference the way Confluent Schema Registry's JSON Schema provider does
(`OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL`, `TYPE_NARROWED` …), so the two policies
`confluent-strict` and `confluent-lenient` reproduce a registry's verdicts by judging the same
differences with the registry's compatible sets. Our own policy, `croupier`, reads the contract
as written: producers only write declared properties, so adding an optional property to an
open schema is additive, not a break. docs/guide/jsonschema-policies.md explains the difference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from croupier.conformance.compat._registry import ERR, INFO, WARN, Finding

__all__ = [
    "DIFFERENCE_KINDS",
    "DIFFERENCE_TYPES",
    "POLICIES",
    "compare_jsonschema",
    "jsonschema_differences",
]

# Changes Confluent's strict JSON Schema check accepts (backward: old data, new reader).
_STRICT = frozenset(
    {
        "ID_CHANGED",
        "DESCRIPTION_CHANGED",
        "TITLE_CHANGED",
        "DEFAULT_CHANGED",
        "SCHEMA_REMOVED",
        "TYPE_EXTENDED",
        "MAX_LENGTH_INCREASED",
        "MAX_LENGTH_REMOVED",
        "MIN_LENGTH_DECREASED",
        "MIN_LENGTH_REMOVED",
        "PATTERN_REMOVED",
        "MAXIMUM_INCREASED",
        "MAXIMUM_REMOVED",
        "MINIMUM_DECREASED",
        "MINIMUM_REMOVED",
        "EXCLUSIVE_MAXIMUM_INCREASED",
        "EXCLUSIVE_MAXIMUM_REMOVED",
        "EXCLUSIVE_MINIMUM_DECREASED",
        "EXCLUSIVE_MINIMUM_REMOVED",
        "MULTIPLE_OF_REDUCED",
        "MULTIPLE_OF_REMOVED",
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        "REQUIRED_ATTRIBUTE_REMOVED",
        "DEPENDENCY_ARRAY_NARROWED",
        "DEPENDENCY_ARRAY_REMOVED",
        "DEPENDENCY_SCHEMA_REMOVED",
        "MAX_PROPERTIES_INCREASED",
        "MAX_PROPERTIES_REMOVED",
        "MIN_PROPERTIES_DECREASED",
        "MIN_PROPERTIES_REMOVED",
        "ADDITIONAL_PROPERTIES_ADDED",
        "ADDITIONAL_PROPERTIES_EXTENDED",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "MAX_ITEMS_INCREASED",
        "MAX_ITEMS_REMOVED",
        "MIN_ITEMS_DECREASED",
        "MIN_ITEMS_REMOVED",
        "UNIQUE_ITEMS_REMOVED",
        # No labelled registry case covers contains bounds: relaxing them is judged like
        # relaxing maxItems / minItems.
        "MAX_CONTAINS_INCREASED",
        "MAX_CONTAINS_REMOVED",
        "MIN_CONTAINS_DECREASED",
        "MIN_CONTAINS_REMOVED",
        "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_EXTENDED",
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ENUM_ARRAY_EXTENDED",
        "COMBINED_TYPE_EXTENDED",
        "PRODUCT_TYPE_NARROWED",
        "SUM_TYPE_EXTENDED",
        "NOT_TYPE_NARROWED",
    }
)
# What Confluent's lenient set adds: it stops worrying about what undeclared properties held.
_LENIENT = _STRICT | {
    "ADDITIONAL_PROPERTIES_NARROWED",
    "ADDITIONAL_PROPERTIES_REMOVED",
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
}
# Ours: an optional property added to an open schema is additive (producers write only
# declared properties, a rule the lint enforces); a required one still breaks old data.
_CROUPIER = _STRICT | {"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"}
# Ours again: compatible for data we produce, but worth a warning.
_CROUPIER_WARN = frozenset({"ADDITIONAL_PROPERTIES_REMOVED", "ADDITIONAL_PROPERTIES_NARROWED"})
_DOCS_ONLY = frozenset({"DESCRIPTION_CHANGED", "TITLE_CHANGED", "ID_CHANGED"})

_BOUNDS = (
    "MAX_LENGTH",
    "MIN_LENGTH",
    "MAXIMUM",
    "MINIMUM",
    "EXCLUSIVE_MAXIMUM",
    "EXCLUSIVE_MINIMUM",
    "MAX_PROPERTIES",
    "MIN_PROPERTIES",
    "MAX_ITEMS",
    "MIN_ITEMS",
    "MAX_CONTAINS",
    "MIN_CONTAINS",
)
_CONTENT_MODEL = (
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    *(
        f"{what}_{verb}_{cover}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
        for what in ("PROPERTY", "ITEM")
        for verb in ("ADDED", "REMOVED")
        for cover in ("IS", "NOT")
    ),
)
# Every difference type the diff names (tests/data/jsonschema-policies/ has a fixture for each).
DIFFERENCE_KINDS: frozenset[str] = frozenset(
    {
        *(f"{b}_{v}" for b in _BOUNDS for v in ("ADDED", "REMOVED", "INCREASED", "DECREASED")),
        *(f"{k}_CHANGED" for k in ("ID", "TITLE", "DESCRIPTION", "DEFAULT")),
        *("SCHEMA_ADDED", "SCHEMA_REMOVED", "TYPE_CHANGED", "TYPE_NARROWED", "TYPE_EXTENDED"),
        *("PATTERN_ADDED", "PATTERN_REMOVED", "PATTERN_CHANGED"),
        *(f"MULTIPLE_OF_{v}" for v in ("ADDED", "REMOVED", "REDUCED", "EXPANDED", "CHANGED")),
        *("REQUIRED_ATTRIBUTE_ADDED", "REQUIRED_ATTRIBUTE_REMOVED"),
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        *(f"DEPENDENCY_ARRAY_{v}" for v in ("ADDED", "REMOVED", "EXTENDED", "NARROWED", "CHANGED")),
        *("DEPENDENCY_SCHEMA_ADDED", "DEPENDENCY_SCHEMA_REMOVED"),
        *_CONTENT_MODEL,
        *(
            f"ADDITIONAL_{w}_{v}"
            for w in ("PROPERTIES", "ITEMS")
            for v in ("ADDED", "REMOVED", "NARROWED", "EXTENDED")
        ),
        *("UNIQUE_ITEMS_ADDED", "UNIQUE_ITEMS_REMOVED"),
        *("ENUM_ARRAY_EXTENDED", "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED"),
        *("COMBINED_TYPE_EXTENDED", "COMBINED_TYPE_CHANGED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED"),
        *(
            "PRODUCT_TYPE_EXTENDED",
            "PRODUCT_TYPE_NARROWED",
            "SUM_TYPE_EXTENDED",
            "SUM_TYPE_NARROWED",
        ),
        *("NOT_TYPE_EXTENDED", "NOT_TYPE_NARROWED"),
    }
)

POLICIES: dict[str, frozenset[str]] = {
    "croupier": _CROUPIER | _CROUPIER_WARN,
    "confluent-strict": _STRICT,
    "confluent-lenient": _LENIENT,
}

# Why a difference matters, in the reader/writer words of the check that found it.
DIFFERENCE_TYPES: dict[str, str] = {
    "TYPE_CHANGED": "the value's type changed: data of the old type fails the new schema",
    "TYPE_NARROWED": "the value's type narrowed (number to integer): some old values fail",
    "TYPE_EXTENDED": "the value's type widened: every old value still passes",
    "REQUIRED_ATTRIBUTE_ADDED": "a property became required: old data that omits it fails",
    "REQUIRED_ATTRIBUTE_REMOVED": "a property became optional: old data still passes",
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
        "an optional property was added to a schema without additionalProperties: false; old "
        "data could already hold that name with any value, so a registry cannot prove it passes"
    ),
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
        "a required property was added to an open schema: old data does not have it"
    ),
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        "a required property was added to a closed schema: old data does not have it"
    ),
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        "an optional property was added to a closed schema: old data cannot hold it, so it passes"
    ),
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "a property was removed from a closed schema: old data holding it now fails"
    ),
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL": (
        "a property was removed from an open schema: old data holding it still passes"
    ),
    "ADDITIONAL_PROPERTIES_REMOVED": (
        "the schema was closed (additionalProperties: false): old data with extra fields fails"
    ),
    "ADDITIONAL_PROPERTIES_NARROWED": "additionalProperties got a schema: extra fields are checked",
    "ENUM_ARRAY_NARROWED": "enum values were removed: old data holding them fails",
    "ENUM_ARRAY_CHANGED": "enum values were replaced: old data holding the old ones fails",
    "ENUM_ARRAY_EXTENDED": "enum values were added: old data passes, old readers may not know them",
    "SUM_TYPE_NARROWED": "a oneOf/anyOf branch was removed: old data matching only it fails",
    "SUM_TYPE_EXTENDED": "a oneOf/anyOf branch was added: old data still passes",
    "PRODUCT_TYPE_EXTENDED": "an allOf part was added: old data must satisfy one more schema",
    "COMBINED_TYPE_SUBSCHEMAS_CHANGED": "a oneOf/anyOf/allOf branch changed incompatibly",
    "COMBINED_TYPE_CHANGED": "the combination keyword changed (say anyOf to oneOf)",
    "COMBINED_TYPE_EXTENDED": (
        "the combination keyword changed in a way that accepts more (to anyOf, or between "
        "single-branch combinations)"
    ),
    "DEPENDENCY_ARRAY_ADDED": "a property now requires others when present: old data may lack them",
    "DEPENDENCY_ARRAY_REMOVED": "a property no longer requires others: old data still passes",
    "DEPENDENCY_SCHEMA_ADDED": "a property now imposes a schema when present: old data may fail it",
    "DEPENDENCY_SCHEMA_REMOVED": "a dependent schema was dropped: old data still passes",
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": (
        "a tuple position got a schema where any item was allowed: old arrays may hold anything "
        "there"
    ),
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "a tuple position was dropped from a closed tuple: old arrays that used it now fail"
    ),
    "ADDITIONAL_ITEMS_REMOVED": "no items are allowed past the tuple: longer old arrays fail",
    "ADDITIONAL_ITEMS_NARROWED": "items past the tuple got a schema: old extra items may fail it",
    "DESCRIPTION_CHANGED": "documentation only",
    "TITLE_CHANGED": "documentation only",
    "DEFAULT_CHANGED": "the documented default changed; validation is unaffected",
}


def _why(kind: str) -> str:
    if kind in DIFFERENCE_TYPES:
        return DIFFERENCE_TYPES[kind]
    words = kind.lower().replace("_", " ")
    # The registry's strict set is the list of differences every old value survives.
    if kind in _STRICT:
        return f"{words}: values valid under the old schema still pass"
    return f"{words}: values valid under the old schema may fail the new one"


@dataclass
class _Ctx:
    compatible: frozenset[str]
    resolve_o: Callable[[Any], Any]  # a local $ref means "in my own document": one per side
    resolve_u: Callable[[Any], Any]
    diffs: list[tuple[str, str]] = field(default_factory=list)
    visiting: set[tuple[int, int]] = field(default_factory=set)

    def sub(self, swap: bool = False) -> _Ctx:
        if swap:
            return _Ctx(self.compatible, self.resolve_u, self.resolve_o, [], set())
        return _Ctx(self.compatible, self.resolve_o, self.resolve_u, [], self.visiting)

    def add(self, kind: str, path: str) -> None:
        self.diffs.append((kind, path or "#/"))

    @property
    def ok(self) -> bool:
        return all(k in self.compatible for k, _ in self.diffs)


_ANNOTATIONS = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "$defs",
    "definitions",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
}


_OBJECT_WORDS = (
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "maxProperties",
    "minProperties",
)
_ARRAY_WORDS = (
    "items",
    "prefixItems",
    "additionalItems",
    "maxItems",
    "minItems",
    "uniqueItems",
    "contains",
)


def _kind(s: Any) -> str:
    if s is False:
        return "false"
    if s is True or not isinstance(s, dict):
        return "empty"
    if "enum" in s or "const" in s:
        return "enum"
    if any(k in s for k in ("anyOf", "oneOf", "allOf")):
        return "combined"
    if "not" in s:
        return "not"
    t = s.get("type")
    if isinstance(t, list):
        return "combined" if len(t) > 1 else str(t[0]) if t else "empty"
    if t in ("integer", "number"):
        return "number"
    if t:
        return str(t)
    if any(k in s for k in _OBJECT_WORDS):
        return "object"
    if any(k in s for k in _ARRAY_WORDS):
        return "array"
    if any(k in s for k in ("maxLength", "minLength", "pattern")):
        return "string"
    if any(k in s for k in ("maximum", "minimum", "multipleOf")):
        return "number"
    return "empty" if all(k in _ANNOTATIONS for k in s) else "object"


def _split_enum(s: Any) -> Any:
    """An enum beside other constraints ({type: string, enum: [...]}) is the conjunction of both.

    The registry reads it as allOf [the constraints, the enum], so removing the enum (keeping
    the type) is a product type narrowed, not a type change.
    """
    if not isinstance(s, dict) or not ("enum" in s or "const" in s):
        return s
    values = {k: v for k, v in s.items() if k in ("enum", "const")}
    notes = {k: v for k, v in s.items() if k in _ANNOTATIONS}
    rest = {k: v for k, v in s.items() if k not in values and k not in _ANNOTATIONS}
    return {**notes, "allOf": [rest, values]} if rest else s


def _combined(s: dict[str, Any]) -> tuple[str, list[Any], list[str]]:
    """(combinator, branches, each branch's JSON path suffix in the written schema)."""
    for kw in ("anyOf", "oneOf", "allOf"):
        if isinstance(s.get(kw), list):
            rest = {k: v for k, v in s.items() if k != kw}
            own = [f"/{kw}/{i}" for i in range(len(s[kw]))]
            if all(k in _ANNOTATIONS for k in rest):
                return kw, list(s[kw]), own
            # Other keywords beside the combinator: the schema is the conjunction of both.
            if kw == "allOf":
                return "allOf", [rest, *s[kw]], ["", *own]
            return "allOf", [rest, {kw: s[kw]}], ["", ""]
    # A type array is a union of single-type schemas sharing the other keywords.
    rest = {k: v for k, v in s.items() if k != "type"}
    return "anyOf", [{**rest, "type": t} for t in s["type"]], ["" for _ in s["type"]]


def _bound(
    ctx: _Ctx, o: dict[str, Any], u: dict[str, Any], kw: str, name: str, path: str, larger_is: str
) -> None:
    a, b = o.get(kw), u.get(kw)
    if a == b or isinstance(a, bool) or isinstance(b, bool):
        return
    if a is None:
        ctx.add(f"{name}_ADDED", path)
    elif b is None:
        ctx.add(f"{name}_REMOVED", path)
    else:
        ctx.add(f"{name}_{'INCREASED' if b > a else 'DECREASED'}", path)
    del larger_is


def _compare(ctx: _Ctx, o: Any, u: Any, path: str) -> None:
    if o is None and u is None:
        return
    if o is None:
        ctx.add("SCHEMA_ADDED", path)
        return
    if u is None:
        ctx.add("SCHEMA_REMOVED", path)
        return
    o, u = ctx.resolve_o(o), ctx.resolve_u(u)
    ko, ku = _kind(o), _kind(u)
    if ko != ku and "enum" in (ko, ku):
        o, u = _split_enum(o), _split_enum(u)
        ko, ku = _kind(o), _kind(u)
    if ko != "combined" and ku == "combined":
        crit, subs, _ = _combined(u)
        if len(subs) == 1 or crit in ("anyOf", "oneOf"):
            for s in subs:
                sub = ctx.sub()
                _compare(sub, o, s, path)
                if sub.ok:
                    ctx.diffs.extend(sub.diffs)
                    if len(subs) > 1:
                        ctx.add("SUM_TYPE_EXTENDED", path)
                    return
    elif ko == "combined" and ku != "combined":
        crit, subs, _ = _combined(o)
        if len(subs) == 1 or crit == "allOf":
            for s in subs:
                sub = ctx.sub()
                _compare(sub, s, u, path)
                if sub.ok:
                    ctx.diffs.extend(sub.diffs)
                    if len(subs) > 1:
                        ctx.add("PRODUCT_TYPE_NARROWED", path)
                    return
    if ko != ku:
        if ko != "false" and ku != "empty":
            ctx.add("TYPE_CHANGED", path)
        return
    key = (id(o), id(u))
    if key in ctx.visiting:
        return  # recursive schema: this pair is already being compared further up
    ctx.visiting.add(key)
    try:
        _same_kind(ctx, ko, o, u, path)
    finally:
        ctx.visiting.discard(key)


def _ident(s: dict[str, Any]) -> Any:
    """`$id`, or draft 4's `id` (a string there; elsewhere `id` may be a property's name)."""
    return s.get("$id", s["id"] if isinstance(s.get("id"), str) else None)


def _same_kind(ctx: _Ctx, kind: str, o: Any, u: Any, path: str) -> None:
    if not isinstance(o, dict) or not isinstance(u, dict):
        return
    if _ident(o) != _ident(u):
        ctx.add("ID_CHANGED", path)
    for kw, name in (("title", "TITLE"), ("description", "DESCRIPTION"), ("default", "DEFAULT")):
        if o.get(kw) != u.get(kw):
            ctx.add(f"{name}_CHANGED", path)
    if kind == "string":
        _bound(ctx, o, u, "maxLength", "MAX_LENGTH", path, "")
        _bound(ctx, o, u, "minLength", "MIN_LENGTH", path, "")
        if o.get("pattern") != u.get("pattern"):
            ctx.add(
                "PATTERN_ADDED"
                if o.get("pattern") is None
                else "PATTERN_REMOVED"
                if u.get("pattern") is None
                else "PATTERN_CHANGED",
                path,
            )
    elif kind == "number":
        for kw, name in (
            ("maximum", "MAXIMUM"),
            ("minimum", "MINIMUM"),
            ("exclusiveMaximum", "EXCLUSIVE_MAXIMUM"),
            ("exclusiveMinimum", "EXCLUSIVE_MINIMUM"),
        ):
            _bound(ctx, o, u, kw, name, path, "")
        a, b = o.get("multipleOf"), u.get("multipleOf")
        if a != b:
            if a is None:
                ctx.add("MULTIPLE_OF_ADDED", path)
            elif b is None:
                ctx.add("MULTIPLE_OF_REMOVED", path)
            elif b and a / b == int(a / b):
                ctx.add("MULTIPLE_OF_REDUCED", path)
            elif a and b / a == int(b / a):
                ctx.add("MULTIPLE_OF_EXPANDED", path)
            else:
                ctx.add("MULTIPLE_OF_CHANGED", path)
        oi, ui = o.get("type") == "integer", u.get("type") == "integer"
        if ui and not oi:
            ctx.add("TYPE_NARROWED", path)
        elif oi and not ui:
            ctx.add("TYPE_EXTENDED", path)
    elif kind == "enum":
        a = o["enum"] if "enum" in o else [o.get("const")]
        b = u["enum"] if "enum" in u else [u.get("const")]
        if a != b:
            if all(x in b for x in a):
                ctx.add("ENUM_ARRAY_EXTENDED", path)
            elif all(x in a for x in b):
                ctx.add("ENUM_ARRAY_NARROWED", path)
            else:
                ctx.add("ENUM_ARRAY_CHANGED", path)
    elif kind == "combined":
        _compare_combined(ctx, o, u, path)
    elif kind == "not":
        sub = ctx.sub(swap=True)
        _compare(sub, u.get("not"), o.get("not"), path + "/not")
        if sub.diffs:
            ctx.add("NOT_TYPE_NARROWED" if sub.ok else "NOT_TYPE_EXTENDED", path)
    elif kind == "object":
        _compare_object(ctx, o, u, path)
    elif kind == "array":
        _compare_array(ctx, o, u, path)


def _criteria(ctx: _Ctx, co: str, cu: str, no: int, nu: int, path: str) -> bool:
    """Judge a change of combinator; False when the change alone decides (COMBINED_TYPE_CHANGED).

    Any combinator may become anyOf; between single-branch combinations the keyword does not
    matter; one branch may become a oneOf of several, and an allOf may become a single branch.
    """
    if co == cu:
        return True
    if cu == "anyOf" or (no == 1 and nu == 1) or (no == 1 and cu == "oneOf"):
        ctx.add("COMBINED_TYPE_EXTENDED", path)
        return True
    if nu == 1 and co == "allOf":
        ctx.add("COMBINED_TYPE_EXTENDED", path)
        return True
    ctx.add("COMBINED_TYPE_CHANGED", path)
    return False


def _unique(branches: list[Any], paths: list[str]) -> tuple[list[Any], list[str]]:
    """The branches without repeats (allOf [A, A] is A), each with its first written path."""
    seen: set[str] = set()
    out: list[Any] = []
    where: list[str] = []
    for b, p in zip(branches, paths, strict=True):
        key = json.dumps(b, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(b)
            where.append(p)
    return out, where


def _match(edges: dict[int, list[int]]) -> dict[int, int]:
    """A maximum matching of a bipartite graph (augmenting paths): from-index -> to-index."""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges.get(i, ()):
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in edges:
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _compare_combined(ctx: _Ctx, o: dict[str, Any], u: dict[str, Any], path: str) -> None:
    co, so, po = _combined(o)
    cu, su, pu = _combined(u)
    if po[:1] == [""] and pu[:1] == [""] and co == cu == "allOf":
        # The schema's own keywords beside its allOf pair with each other, never with a branch.
        _compare(ctx, so[0], su[0], path)
        so, su, po, pu = so[1:], su[1:], po[1:], pu[1:]
    so, po = _unique(so, po)
    su, pu = _unique(su, pu)
    if not _criteria(ctx, co, cu, len(so), len(su), path):
        return
    if len(so) < len(su):
        ctx.add("PRODUCT_TYPE_EXTENDED" if cu == "allOf" else "SUM_TYPE_EXTENDED", path)
    elif len(so) > len(su):
        ctx.add("SUM_TYPE_NARROWED" if co in ("anyOf", "oneOf") else "PRODUCT_TYPE_NARROWED", path)
    # Every compatible (old branch, new branch) pair is an edge; the branches of the smaller
    # side must all be matched, each to a different partner.
    found: dict[tuple[int, int], _Ctx] = {}
    edges: dict[int, list[int]] = {}
    for i, a in enumerate(so):
        for j, b in enumerate(su):
            sub = ctx.sub()
            _compare(sub, a, b, path + po[i])
            found[(i, j)] = sub
            if sub.ok:
                edges.setdefault(i, []).append(j)
    for i, js in edges.items():  # the closest partner first: the fewest differences, in place
        cost = {j: (len(found[(i, j)].diffs), j != i) for j in js}
        js.sort(key=cost.__getitem__)
    matching = _match(edges)
    for i, j in sorted(matching.items()):
        ctx.diffs.extend(found[(i, j)].diffs)
    if len(matching) < min(len(so), len(su)):
        if len(so) == len(su):
            # Report what broke in the branches left unmatched, in their written places.
            for i in range(len(so)):
                if i not in matching and (i, i) in found:
                    ctx.diffs.extend(found[(i, i)].diffs)
        ctx.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED", path)


def _compare_dependencies(ctx: _Ctx, o: dict[str, Any], u: dict[str, Any], path: str) -> None:
    """`dependencies` (draft 7) and `dependentRequired` / `dependentSchemas` (2019-09 on)."""

    def split(s: dict[str, Any]) -> tuple[dict[str, list[Any]], dict[str, Any]]:
        arrays: dict[str, list[Any]] = dict(s.get("dependentRequired") or {})
        schemas: dict[str, Any] = dict(s.get("dependentSchemas") or {})
        for key, value in (s.get("dependencies") or {}).items():
            (arrays if isinstance(value, list) else schemas)[key] = value
        return arrays, schemas

    (oa, os_), (ua, us) = split(o), split(u)
    for what, old, new in (("ARRAY", oa, ua), ("SCHEMA", os_, us)):
        for key in sorted(set(old) | set(new)):
            p = f"{path}/dependencies/{key}"
            if key not in new:
                ctx.add(f"DEPENDENCY_{what}_REMOVED", p)
            elif key not in old:
                ctx.add(f"DEPENDENCY_{what}_ADDED", p)
            elif what == "SCHEMA":
                _compare(ctx, old[key], new[key], p)
            elif set(old[key]) != set(new[key]):
                x, y = set(old[key]), set(new[key])
                change = "EXTENDED" if y >= x else "NARROWED" if x >= y else "CHANGED"
                ctx.add(f"DEPENDENCY_ARRAY_{change}", p)


def _items(s: dict[str, Any]) -> tuple[Any, list[Any], Any]:
    """(schema for every item, tuple of positional schemas, schema for items past the tuple).

    Draft 7 writes a tuple as `items: [...]` with `additionalItems`; 2020-12 as `prefixItems`
    with `items`. A boolean `items` without a tuple says whether any item is allowed at all,
    which is the same as an empty tuple with that `additionalItems`.
    """
    items = s.get("items")
    if isinstance(s.get("prefixItems"), list):
        return None, list(s["prefixItems"]), s.get("items", True)
    if isinstance(items, list):
        return None, items, s.get("additionalItems", True)
    if isinstance(items, bool):
        return None, [], items
    return items, [], s.get("additionalItems", True)


def _compare_array(ctx: _Ctx, o: dict[str, Any], u: dict[str, Any], path: str) -> None:
    oall, otup, oadd = _items(o)
    uall, utup, uadd = _items(u)
    _compare(ctx, oall, uall, path + "/items")
    for i in range(min(len(otup), len(utup))):
        _compare(ctx, otup[i], utup[i], f"{path}/items/{i}")
    open_o = oadd is True or oadd == {}
    open_u = uadd is True or uadd == {}
    for i in range(len(utup), len(otup)):  # positions the new schema no longer names
        p = f"{path}/items/{i}"
        if open_u:
            ctx.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", p)
        elif isinstance(uadd, dict):
            sub = ctx.sub()
            _compare(sub, otup[i], uadd, p)
            ctx.diffs.extend(sub.diffs)
            ctx.add(
                f"ITEM_REMOVED_{'IS' if sub.ok else 'NOT'}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                p,
            )
        elif otup[i] is False:
            ctx.add("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", p)
        else:
            ctx.add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", p)
    for i in range(len(otup), len(utup)):  # positions the new schema names for the first time
        p = f"{path}/items/{i}"
        if open_o:
            empty = _kind(ctx.resolve_u(utup[i])) == "empty"
            ctx.add(f"ITEM_{'WITH_EMPTY_SCHEMA_' if empty else ''}ADDED_TO_OPEN_CONTENT_MODEL", p)
        elif isinstance(oadd, dict):
            sub = ctx.sub()
            _compare(sub, oadd, utup[i], p)
            ctx.diffs.extend(sub.diffs)
            ctx.add(
                f"ITEM_ADDED_{'IS' if sub.ok else 'NOT'}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", p
            )
        else:
            ctx.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", p)
    ap = f"{path}/additionalItems"
    if (oadd is not False) != (uadd is not False):
        ctx.add("ADDITIONAL_ITEMS_REMOVED" if uadd is False else "ADDITIONAL_ITEMS_ADDED", ap)
    elif open_o and not open_u:
        ctx.add("ADDITIONAL_ITEMS_NARROWED", ap)
    elif open_u and not open_o:
        ctx.add("ADDITIONAL_ITEMS_EXTENDED", ap)
    elif isinstance(oadd, dict) and isinstance(uadd, dict):
        _compare(ctx, oadd, uadd, ap)
    _bound(ctx, o, u, "maxItems", "MAX_ITEMS", path, "")
    _bound(ctx, o, u, "minItems", "MIN_ITEMS", path, "")
    _bound(ctx, o, u, "maxContains", "MAX_CONTAINS", path, "")
    _bound(ctx, o, u, "minContains", "MIN_CONTAINS", path, "")
    if bool(o.get("uniqueItems")) != bool(u.get("uniqueItems")):
        ctx.add("UNIQUE_ITEMS_ADDED" if u.get("uniqueItems") else "UNIQUE_ITEMS_REMOVED", path)


def _open(s: dict[str, Any]) -> bool:
    ap = s.get("additionalProperties", True)
    return not s.get("patternProperties") and (ap is True or ap == {})


def _partial(s: dict[str, Any], name: str) -> Any:
    for pattern, sub in (s.get("patternProperties") or {}).items():
        try:
            if re.search(pattern, name):
                return sub
        except re.error:
            continue
    ap = s.get("additionalProperties", True)
    return ap if isinstance(ap, dict) and ap else None


def _has_default(ctx: _Ctx, s: Any) -> bool:
    s = ctx.resolve_u(s)
    return isinstance(s, dict) and "default" in s


def _compare_object(ctx: _Ctx, o: dict[str, Any], u: dict[str, Any], path: str) -> None:
    op, up = o.get("properties") or {}, u.get("properties") or {}
    oreq, ureq = set(o.get("required") or ()), set(u.get("required") or ())
    for name in op:
        if name in up:
            p = f"{path}/required/{name}"
            if name in oreq and name not in ureq:
                ctx.add("REQUIRED_ATTRIBUTE_REMOVED", p)
            elif name in ureq and name not in oreq:
                ctx.add(
                    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
                    if _has_default(ctx, up[name])
                    else "REQUIRED_ATTRIBUTE_ADDED",
                    p,
                )
    for name in sorted(set(op) | set(up)):
        p = f"{path}/properties/{name}"
        if name not in up:
            if _open(u):
                ctx.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", p)
            elif (partial := _partial(u, name)) is not None:
                sub = ctx.sub()
                _compare(sub, op[name], partial, p)
                ctx.diffs.extend(sub.diffs)
                ctx.add(
                    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                    if sub.ok
                    else "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    p,
                )
            elif op[name] is False:
                ctx.add("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", p)
            else:
                ctx.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", p)
        elif name not in op:
            if _open(o):
                if _kind(ctx.resolve_u(up[name])) == "empty":
                    ctx.add("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", p)
                elif name in ureq:
                    ctx.add(
                        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
                        if _has_default(ctx, up[name])
                        else "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
                        p,
                    )
                else:
                    ctx.add("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", p)
                continue
            if (partial := _partial(o, name)) is not None:
                sub = ctx.sub()
                _compare(sub, partial, up[name], p)
                ctx.diffs.extend(sub.diffs)
                ctx.add(
                    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                    if sub.ok
                    else "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                    p,
                )
            if name in ureq:
                ctx.add(
                    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
                    if _has_default(ctx, up[name])
                    else "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
                    p,
                )
            else:
                ctx.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", p)
        else:
            _compare(ctx, op[name], up[name], p)
    _compare_dependencies(ctx, o, u, path)
    ap = f"{path}/additionalProperties"
    oap, uap = o.get("additionalProperties", True), u.get("additionalProperties", True)
    if (oap is not False) != (uap is not False):
        ctx.add(
            "ADDITIONAL_PROPERTIES_ADDED" if uap is not False else "ADDITIONAL_PROPERTIES_REMOVED",
            ap,
        )
    elif not isinstance(oap, dict) and isinstance(uap, dict) and uap:
        ctx.add("ADDITIONAL_PROPERTIES_NARROWED", ap)
    elif isinstance(oap, dict) and oap and not isinstance(uap, dict):
        ctx.add("ADDITIONAL_PROPERTIES_EXTENDED", ap)
    elif isinstance(oap, dict) and isinstance(uap, dict):
        _compare(ctx, oap, uap, ap)
    _bound(ctx, o, u, "maxProperties", "MAX_PROPERTIES", path, "")
    _bound(ctx, o, u, "minProperties", "MIN_PROPERTIES", path, "")


def _resolver(root: Any, lookup: dict[str, Any] | None) -> Callable[[Any], Any]:
    def resolve(node: Any) -> Any:
        seen: set[str] = set()
        while (
            isinstance(node, dict)
            and isinstance(node.get("$ref"), str)
            and node["$ref"] not in seen
        ):
            ref = node["$ref"]
            seen.add(ref)
            doc_part, _, frag = ref.partition("#")
            # Relative file refs ("../common/money.json") are looked up by their tail path.
            key = re.sub(r"^(\.{1,2}/)+", "", doc_part)
            doc = root if not doc_part else (lookup or {}).get(doc_part, (lookup or {}).get(key))
            if doc is None:
                return {}  # unknown target: unconstrained, as a registry lacking the reference
            target = doc
            for raw in frag.lstrip("/").split("/") if frag.strip("/") else []:
                part = raw.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            node = target if target is not None else {}
        return node

    return resolve


def jsonschema_differences(
    original: Any, update: Any, policy: str = "croupier", lookup: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """Every difference from `original` to `update` as (TYPE, json path), in registry terms."""
    ctx = _Ctx(POLICIES[policy], _resolver(original, lookup), _resolver(update, lookup))
    _compare(ctx, original, update, "#")
    return ctx.diffs


def _level(policy: str, kind: str) -> str:
    compatible = POLICIES[policy]
    if kind not in compatible:
        return ERR
    if policy == "croupier" and kind in _CROUPIER_WARN:
        return WARN
    return INFO


def compare_jsonschema(
    name: str,
    pointer: str,
    base: Any,
    rev: Any,
    *,
    mode: str = "backward",
    policy: str = "croupier",
    lookup: dict[str, Any] | None = None,
    earlier: list[Any] | None = None,
) -> list[Finding]:
    """Findings for one event schema evolving from `base` to `rev` under a mode and a policy."""
    checks: list[tuple[str, Any, Any, str]] = []
    previous = [*(earlier or []), base] if mode.endswith("-transitive") else [base]
    for i, old in enumerate(previous):
        label = "" if old is base else f" (against earlier version {i + 1})"
        if mode.startswith(("backward", "full")):
            checks.append(("backward", old, rev, label))
        if mode.startswith(("forward", "full")):
            checks.append(("forward", rev, old, label))
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for direction, original, update, label in checks:
        primary = direction == "backward" and original is base
        for kind, path in jsonschema_differences(original, update, policy, lookup):
            level = _level(policy, kind)
            if level == INFO and not primary and not (direction == "forward" and mode == "forward"):
                continue  # compatible differences are reported once, from the base-to-revision diff
            key = (direction, kind, path)
            if key in seen:
                continue
            seen.add(key)
            reader = (
                "the new schema reading old events"
                if direction == "backward"
                else "the old schema reading new events"
            )
            findings.append(
                Finding(
                    id="event-" + kind.lower().replace("_", "-"),
                    level=level,
                    message=f"event {name}: {kind} at {path} ({direction}{label}, policy {policy})",
                    location=f"{pointer}{path[1:] if path.startswith('#') else path}",
                    explanation=f"{_why(kind)}; checked as {reader}",
                    advice=_advice(kind, level),
                    operation="",
                    side="event",
                    bump="major" if level == ERR else "patch" if kind in _DOCS_ONLY else "minor",
                )
            )
    return findings


def _advice(kind: str, level: str) -> str:
    if level != ERR:
        return "no action needed" if kind in _DOCS_ONLY else "bump the event's minor version"
    if "OPEN_CONTENT_MODEL" in kind:
        return (
            "close the schema (additionalProperties: false) in a new major, or judge with "
            "the croupier policy if producers only write declared properties"
        )
    return (
        "make the change in a new major version file schemas/events/<type>/<major+1>.json "
        "and keep publishing the old one"
    )
