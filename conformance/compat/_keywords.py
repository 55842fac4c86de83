"""JSON Schema 2020-12 keywords beyond the OpenAPI 3.0 set, compared in every sub-schema position.

`compare_keywords` is called by the schema walker for each schema pair. Every change kind it
emits has a fixed *direction* on the set of values the schema accepts (`DIRECTION`): it narrows
that set, widens it, or does both. Rules read the direction per side: a narrowed request schema
refuses callers, a widened response schema surprises readers. Inside `not` the direction flips,
and a change inside `if` moves both ways, so those positions are reported by direction as the
generic `constraint-tightened` / `constraint-loosened` kinds with `keyword` naming the position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "BOTH",
    "DIRECTION",
    "NEUTRAL",
    "SEMANTIC",
    "BOUNDS",
    "BOUND_KINDS",
    "KEYWORD_KINDS",
    "NARROWS",
    "WIDENS",
    "bound_kind",
    "compare_keywords",
    "flip",
]

NARROWS, WIDENS, BOTH = "narrows", "widens", "both"
# Not about which values validate: NEUTRAL changes nothing on the wire (INFO), SEMANTIC keeps
# every value valid but changes what one means (a default), which may break someone (WARN).
NEUTRAL, SEMANTIC = "neutral", "semantic"

# Each kind this module emits, with its direction. Order: the catalog groups.
KEYWORD_KINDS: dict[str, str] = {
    "contains-added": NARROWS,
    "contains-removed": WIDENS,
    "min-contains-increased": NARROWS,
    "min-contains-decreased": WIDENS,
    "max-contains-decreased": NARROWS,
    "max-contains-increased": WIDENS,
    "prefix-items-added": NARROWS,
    "prefix-items-removed": WIDENS,
    "dependent-required-added": NARROWS,
    "dependent-required-removed": WIDENS,
    "dependent-required-changed": BOTH,
    "dependent-schema-added": NARROWS,
    "dependent-schema-removed": WIDENS,
    "pattern-property-added": NARROWS,
    "pattern-property-removed": WIDENS,
    "property-names-added": NARROWS,
    "property-names-removed": WIDENS,
    "unevaluated-properties-added": NARROWS,
    "unevaluated-properties-removed": WIDENS,
    "unevaluated-items-added": NARROWS,
    "unevaluated-items-removed": WIDENS,
    "const-added": NARROWS,
    "const-removed": WIDENS,
    "const-changed": BOTH,
    "if-added": NARROWS,
    "if-removed": WIDENS,
    "then-added": NARROWS,
    "then-removed": WIDENS,
    "else-added": NARROWS,
    "else-removed": WIDENS,
    "content-schema-added": NARROWS,
    "content-schema-removed": WIDENS,
    "content-media-type-changed": BOTH,
    "content-encoding-changed": BOTH,
    "discriminator-added": NEUTRAL,
    "discriminator-removed": NEUTRAL,
    "discriminator-property-name-changed": BOTH,
    "discriminator-mapping-deleted": NARROWS,
    "discriminator-mapping-added": WIDENS,
    "discriminator-mapping-changed": BOTH,
    "default-value-added": NEUTRAL,
    "default-value-removed": SEMANTIC,
    "default-value-changed": SEMANTIC,
}

# Numeric bounds: keyword -> (id segment, whether a larger value allows more values). A bound
# is increased, decreased, set (absent before) or unset (absent after); oasdiff names them so.
BOUNDS: dict[str, tuple[str, bool]] = {
    "maxLength": ("max-length", True),
    "minLength": ("min-length", False),
    "maximum": ("max", True),
    "minimum": ("min", False),
    "exclusiveMaximum": ("exclusive-max", True),
    "exclusiveMinimum": ("exclusive-min", False),
    "maxItems": ("max-items", True),
    "minItems": ("min-items", False),
    "maxProperties": ("max-properties", True),
    "minProperties": ("min-properties", False),
}
BOUND_KINDS: dict[str, str] = {
    f"{slug}-{change}": (
        NARROWS if change == "set" or change == ("decreased" if upper else "increased") else WIDENS
    )
    for slug, upper in BOUNDS.values()
    for change in ("increased", "decreased", "set", "unset")
}


def bound_kind(keyword: str, base: Any, revision: Any) -> str:
    """The change kind of a numeric bound that differs, such as "max-items-set"."""
    slug, _ = BOUNDS[keyword]
    if base is None:
        return f"{slug}-set"
    if revision is None:
        return f"{slug}-unset"
    return f"{slug}-{'increased' if revision > base else 'decreased'}"


# The direction of every change kind the walker knows (the 3.0 set and the keywords above).
DIRECTION: dict[str, str] = {
    **KEYWORD_KINDS,
    **BOUND_KINDS,
    "became-enum": NARROWS,
    "became-not-enum": WIDENS,
    "type-narrowed": NARROWS,
    "null-removed": NARROWS,
    "enum-value-removed": NARROWS,
    "constraint-tightened": NARROWS,
    "property-became-required": NARROWS,
    "additional-properties-closed": NARROWS,
    "one-of-removed": NARROWS,
    "any-of-removed": NARROWS,
    "all-of-added": NARROWS,
    "type-widened": WIDENS,
    "null-added": WIDENS,
    "enum-value-added": WIDENS,
    "constraint-loosened": WIDENS,
    "property-became-optional": WIDENS,
    "additional-properties-opened": WIDENS,
    "one-of-added": WIDENS,
    "any-of-added": WIDENS,
    "all-of-removed": WIDENS,
    "type-changed": BOTH,
    "format-changed": BOTH,
    "pattern-changed": BOTH,
}

# A relative change, as the walker builds them: (names, kind, pointer, base, revision, extra).
Rel = tuple[tuple[str, ...], str, str, Any, Any, dict[str, Any]]
Walk = Callable[[Any, Any, str], list[Rel]]  # (base, revision, pointer suffix) -> changes


def _direction(rel: Rel) -> str | None:
    kind, extra = rel[1], rel[5]
    if kind == "property-added":
        return NARROWS if extra.get("required") else None
    if kind == "property-removed":
        return WIDENS if extra.get("required") else None
    return DIRECTION.get(kind)


def flip(rels: list[Rel], keyword: str, *, both: bool = False) -> list[Rel]:
    """Changes inside `not` (direction inverted) or `if` (`both`), as generic constraint kinds."""
    out: list[Rel] = []
    for names, kind, ptr, bv, rv, _extra in rels:
        d = _direction((names, kind, ptr, bv, rv, _extra))
        if d not in (NARROWS, WIDENS, BOTH):
            continue
        outer = BOTH if both or d == BOTH else (WIDENS if d == NARROWS else NARROWS)
        extra = {"keyword": keyword, "inner": kind}
        if outer in (NARROWS, BOTH):
            out.append((names, "constraint-tightened", ptr, bv, rv, extra))
        if outer in (WIDENS, BOTH):
            out.append((names, "constraint-loosened", ptr, bv, rv, extra))
    return out


def _esc(part: str) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _closed(value: Any) -> bool:
    return value is False


def compare_keywords(b: dict[str, Any], r: dict[str, Any], walk: Walk, rptr: str) -> list[Rel]:
    """The 2020-12 keyword changes between two schemas; `walk(b, r, suffix)` recurses."""
    out: list[Rel] = []
    add = out.append

    def sub(label: str, bv: Any, rv: Any, suffix: str) -> list[Rel]:
        if not isinstance(bv, dict) or not isinstance(rv, dict):
            return []
        return [((label, *n), *rest) for n, *rest in walk(bv, rv, suffix)]

    # contains / minContains / maxContains: at least (at most) N items match a schema.
    bc, rc = b.get("contains"), r.get("contains")
    if bc is None and rc is not None:
        add(((), "contains-added", f"{rptr}/contains", None, rc, {"keyword": "contains"}))
    elif bc is not None and rc is None:
        add(((), "contains-removed", f"{rptr}/contains", bc, None, {"keyword": "contains"}))
    elif bc is not None and rc is not None:
        out += sub("contains", bc, rc, "/contains")
        bmin, rmin = b.get("minContains", 1), r.get("minContains", 1)
        if isinstance(bmin, int) and isinstance(rmin, int) and bmin != rmin:
            kind = "min-contains-increased" if rmin > bmin else "min-contains-decreased"
            add(((), kind, f"{rptr}/minContains", bmin, rmin, {"keyword": "minContains"}))
        bmax, rmax = b.get("maxContains"), r.get("maxContains")
        if bmax != rmax:
            tighter = rmax is not None and (bmax is None or rmax < bmax)
            kind = "max-contains-decreased" if tighter else "max-contains-increased"
            add(((), kind, f"{rptr}/maxContains", bmax, rmax, {"keyword": "maxContains"}))

    # prefixItems: positional schemas; a new position constrains that item, unless the tuple
    # is closed (`items: false`), where a new position lets longer arrays through.
    bpre, rpre = b.get("prefixItems") or [], r.get("prefixItems") or []
    if isinstance(bpre, list) and isinstance(rpre, list) and (bpre or rpre):
        for i in range(min(len(bpre), len(rpre))):
            out += sub(f"[{i}]", bpre[i], rpre[i], f"/prefixItems/{i}")
        closed = _closed(r.get("items")) or _closed(r.get("unevaluatedItems"))
        for i in range(len(bpre), len(rpre)):
            kind = "constraint-loosened" if closed else "prefix-items-added"
            extra = {"keyword": "prefixItems", "index": i}
            add(((), kind, f"{rptr}/prefixItems/{i}", None, rpre[i], extra))
        for i in range(len(rpre), len(bpre)):
            kind = "constraint-tightened" if closed else "prefix-items-removed"
            extra = {"keyword": "prefixItems", "index": i}
            add(((), kind, f"{rptr}/prefixItems", bpre[i], None, extra))

    # dependentRequired: when property K is present, these others are required too.
    bdr, rdr = b.get("dependentRequired") or {}, r.get("dependentRequired") or {}
    if isinstance(bdr, dict) and isinstance(rdr, dict):
        for key in sorted(set(bdr) | set(rdr)):
            ptr = f"{rptr}/dependentRequired/{_esc(key)}"
            bset, rset = set(bdr.get(key) or ()), set(rdr.get(key) or ())
            if key not in bdr:
                add(((), "dependent-required-added", ptr, None, sorted(rset), {"key": key}))
            elif key not in rdr:
                add(((), "dependent-required-removed", ptr, sorted(bset), None, {"key": key}))
            elif bset != rset:
                kind = (
                    "dependent-required-added"
                    if rset > bset
                    else "dependent-required-removed"
                    if rset < bset
                    else "dependent-required-changed"
                )
                add(((), kind, ptr, sorted(bset), sorted(rset), {"key": key}))

    # dependentSchemas and patternProperties: keyed sub-schemas.
    keyed = (("dependentSchemas", "dependent-schema"), ("patternProperties", "pattern-property"))
    for kw, stem in keyed:
        bmap, rmap = b.get(kw) or {}, r.get(kw) or {}
        if not isinstance(bmap, dict) or not isinstance(rmap, dict):
            continue
        for key in sorted(set(bmap) | set(rmap)):
            ptr = f"{rptr}/{kw}/{_esc(key)}"
            if key not in bmap:
                add(((), f"{stem}-added", ptr, None, rmap[key], {"key": key}))
            elif key not in rmap:
                add(((), f"{stem}-removed", ptr, bmap[key], None, {"key": key}))
            else:
                out += sub(f"{{{key}}}", bmap[key], rmap[key], f"/{kw}/{_esc(key)}")

    # propertyNames, contentSchema: one sub-schema each, monotone.
    for kw, stem in (("propertyNames", "property-names"), ("contentSchema", "content-schema")):
        bv, rv = b.get(kw), r.get(kw)
        if bv is None and rv is not None:
            add(((), f"{stem}-added", f"{rptr}/{kw}", None, rv, {"keyword": kw}))
        elif bv is not None and rv is None:
            add(((), f"{stem}-removed", f"{rptr}/{kw}", bv, None, {"keyword": kw}))
        elif bv is not None:
            out += sub(kw, bv, rv, f"/{kw}")

    # unevaluatedProperties / unevaluatedItems: false closes the content model.
    for kw, stem in (
        ("unevaluatedProperties", "unevaluated-properties"),
        ("unevaluatedItems", "unevaluated-items"),
    ):
        bv, rv = b.get(kw), r.get(kw)
        b_open, r_open = bv is None or bv is True, rv is None or rv is True
        if b_open and not r_open:
            add(((), f"{stem}-added", f"{rptr}/{kw}", bv, rv, {"keyword": kw}))
        elif not b_open and r_open:
            add(((), f"{stem}-removed", f"{rptr}/{kw}", bv, rv, {"keyword": kw}))
        elif bv is False and isinstance(rv, dict):
            add(((), "constraint-loosened", f"{rptr}/{kw}", bv, rv, {"keyword": kw}))
        elif isinstance(bv, dict) and rv is False:
            add(((), "constraint-tightened", f"{rptr}/{kw}", bv, rv, {"keyword": kw}))
        elif isinstance(bv, dict) and isinstance(rv, dict):
            out += sub("*", bv, rv, f"/{kw}")

    # contentMediaType / contentEncoding: the string holds a different encoding.
    for kw, kind in (
        ("contentMediaType", "content-media-type-changed"),
        ("contentEncoding", "content-encoding-changed"),
    ):
        if b.get(kw) != r.get(kw):
            add(((), kind, f"{rptr}/{kw}", b.get(kw), r.get(kw), {"keyword": kw}))

    # if / then / else: `then` and `else` constrain monotonically; `if` decides which applies.
    for kw in ("if", "then", "else"):
        bv, rv = b.get(kw), r.get(kw)
        if bv is None and rv is not None:
            add(((), f"{kw}-added", f"{rptr}/{kw}", None, rv, {"keyword": kw}))
        elif bv is not None and rv is None:
            add(((), f"{kw}-removed", f"{rptr}/{kw}", bv, None, {"keyword": kw}))
        elif isinstance(bv, dict) and isinstance(rv, dict):
            inner = sub(kw, bv, rv, f"/{kw}")
            out += flip(inner, "if", both=True) if kw == "if" else inner

    # not: a change inside it moves the outer schema the other way.
    bn, rn = b.get("not"), r.get("not")
    if bn is None and rn is not None:
        add(((), "constraint-tightened", f"{rptr}/not", None, rn, {"keyword": "not"}))
    elif bn is not None and rn is None:
        add(((), "constraint-loosened", f"{rptr}/not", bn, None, {"keyword": "not"}))
    elif isinstance(bn, dict) and isinstance(rn, dict):
        out += flip(sub("not", bn, rn, "/not"), "not")
    return out
