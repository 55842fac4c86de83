"""The OpenAPI diff engine: two bundled documents in, low-level `Change`s out, rules explain them.

Schemas are compared structurally; `$ref` pairs are memoised (a shared component is compared
once, however many operations use it) and an in-progress set breaks recursive schemas.
Both 3.0 `nullable: true` and 3.1 `type: [..., "null"]` are read as "null is allowed".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from croupier.conformance.compat._keywords import (
    BOTH,
    KEYWORD_KINDS,
    NARROWS,
    WIDENS,
    bound_kind,
    compare_keywords,
)
from croupier.conformance.compat._lifecycle import (
    lifecycle_changes,
    parse_sunset,
    schema_lifecycle,
    unstable,
)
from croupier.conformance.compat._registry import Change, Finding, rules_for
from croupier.conformance.compat._security import (
    alternatives,
    requirement_changes,
    scheme_changes,
    used_schemes,
)

__all__ = ["diff_openapi", "explain", "operations", "parse_sunset"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^}]*\}")
# Keywords whose larger value allows more / fewer values.
_MAX_KWS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_MIN_KWS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_DOC_KINDS = frozenset({"description-changed"})


def _esc(part: str) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


class _Doc:
    """A document plus a local `$ref` resolver that survives ref cycles."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def pointer(self, pointer: str) -> Any:
        node: Any = self.data
        for raw in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node[part]
            else:
                raise KeyError(pointer)
        return node

    def resolve(self, node: Any, ptr: str) -> tuple[Any, str]:
        """Follow `$ref` chains; return the target and its pointer (the node itself when none)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                return {}, ptr  # an external or cyclic ref we cannot follow: treat as unconstrained
            seen.add(ref)
            try:
                node, ptr = self.pointer(ref[1:]), ref[1:]
            except (KeyError, IndexError, ValueError):
                return {}, ptr
        return node, ptr


@dataclass
class Op:
    """One operation of a document: where it lives and its merged parameters."""

    path: str
    method: str
    node: dict[str, Any]
    pointer: str
    params: dict[tuple[str, str], tuple[dict[str, Any], str]]

    @property
    def label(self) -> str:
        """The operation as people say it: POST /v1/bets/settle."""
        return f"{self.method.upper()} {self.path}"


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], Op]:
    """Every operation, keyed by (path with parameter names blanked, method)."""
    d = _Doc(doc)
    found: dict[tuple[str, str], Op] = {}
    for path, raw_item in (doc.get("paths") or {}).items():
        item, item_ptr = d.resolve(raw_item, f"/paths/{_esc(path)}")
        if not isinstance(item, dict):
            continue
        shared = _params(d, item.get("parameters"), f"{item_ptr}/parameters")
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            ptr = f"{item_ptr}/{method}"
            params = dict(shared)
            params.update(_params(d, node.get("parameters"), f"{ptr}/parameters"))
            found[(_PARAM.sub("{}", path), method)] = Op(path, method, node, ptr, params)
    return found


def _params(d: _Doc, raw: Any, ptr: str) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
    out = {}
    for i, p in enumerate(raw or []):
        node, p_ptr = d.resolve(p, f"{ptr}/{i}")
        if isinstance(node, dict) and "name" in node and "in" in node:
            name = str(node["name"])
            # Header names are case-insensitive on the wire.
            out[(node["in"], name.lower() if node["in"] == "header" else name)] = (node, p_ptr)
    return out


def _types(schema: dict[str, Any]) -> set[str] | None:
    t = schema.get("type")
    if t is None:
        types = None
    elif isinstance(t, list):
        types = {str(x) for x in t}
    else:
        types = {str(t)}
    if schema.get("nullable") is True:
        types = (types or set()) | {"null"}
    return types


def _covered(t: str, types: set[str]) -> bool:
    return t in types or (t == "integer" and "number" in types)


def _media_schema(content: Any) -> dict[str, Any]:
    """The schema of the first media type of a `content` map (for parameters using content)."""
    if isinstance(content, dict):
        for media in content.values():
            if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                return media["schema"]
    return {}


# A relative change from the schema walker: (names, kind, pointer, base, revision, extra).
Rel = tuple[tuple[str, ...], str, str, Any, Any, dict[str, Any]]


class _SchemaWalker:
    """Compares schema pairs; `$ref` pairs are memoised and recursion is cut."""

    def __init__(self, base: _Doc, rev: _Doc) -> None:
        self.base, self.rev = base, rev
        self.memo: dict[tuple[Any, ...], list[Rel]] = {}
        self.active: set[tuple[Any, ...]] = set()

    def walk(self, b: Any, r: Any, side: str, bptr: str, rptr: str) -> list[Rel]:
        bref = b.get("$ref") if isinstance(b, dict) else None
        rref = r.get("$ref") if isinstance(r, dict) else None
        if bref is None and rref is None:
            return self._compare(b, r, side, bptr, rptr)
        key = (bref, rref, side, None if bref else id(b), None if rref else id(r))
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return []  # a recursive schema: this pair is already being compared further up
        self.active.add(key)
        try:
            bn, bp = self.base.resolve(b, bptr)
            rn, rp = self.rev.resolve(r, rptr)
            out = self._compare(bn, rn, side, bp, rp)
        finally:
            self.active.discard(key)
        self.memo[key] = out
        return out

    def _compare(self, b: Any, r: Any, side: str, bptr: str, rptr: str) -> list[Rel]:
        if not isinstance(b, dict) or not isinstance(r, dict) or b is r:
            return []
        # Wrapping a schema in an equivalent `allOf` (or unwrapping it) is a refactor, not a
        # change: compare what the parts say together when only one side uses allOf.
        if ("allOf" in b) != ("allOf" in r):
            fb = _flatten_all_of(self.base, b) if "allOf" in b else b
            fr = _flatten_all_of(self.rev, r) if "allOf" in r else r
            if fb is not None and fr is not None:
                b, r = fb, fr
        out: list[Rel] = []
        add = out.append
        for kind, details in schema_lifecycle(b, r):
            add(((), f"schema-{kind}", rptr, details.get("before"), details.get("after"), details))
        if b.get("description") != r.get("description"):
            add(((), "description-changed", rptr, b.get("description"), r.get("description"), {}))

        bt, rt = _types(b), _types(r)
        if bt is not None and rt is not None:
            bn, rn = bt - {"null"}, rt - {"null"}
            removed = sorted(t for t in bn if not _covered(t, rn))
            added = sorted(t for t in rn if not _covered(t, bn))
            if bn and rn and removed and added:
                add(((), "type-changed", rptr, sorted(bt), sorted(rt), {"lost": removed}))
            elif bn and rn and removed:
                add(((), "type-narrowed", rptr, sorted(bt), sorted(rt), {"lost": removed}))
            elif bn and rn and added:
                add(((), "type-widened", rptr, sorted(bt), sorted(rt), {"gained": added}))
            if "null" in bt and "null" not in rt:
                add(((), "null-removed", rptr, sorted(bt), sorted(rt), {}))
            elif "null" in rt and "null" not in bt:
                add(((), "null-added", rptr, sorted(bt), sorted(rt), {}))
        if b.get("format") != r.get("format"):
            add(((), "format-changed", rptr, b.get("format"), r.get("format"), {}))
        if b.get("default") != r.get("default"):
            bd, rd = "default" in b, "default" in r
            kind = "default-value-" + ("changed" if bd and rd else "added" if rd else "removed")
            add(((), kind, rptr, b.get("default"), r.get("default"), {"keyword": "default"}))
        bx, rx = b.get("x-extensible-enum"), r.get("x-extensible-enum")
        if isinstance(bx, list) and isinstance(rx, list):
            gone, new_values = [v for v in bx if v not in rx], [v for v in rx if v not in bx]
            if gone:
                add(((), "extensible-enum-value-removed", rptr, bx, rx, {"values": gone}))
            if new_values:
                add(((), "extensible-enum-value-added", rptr, bx, rx, {"values": new_values}))
        add_all = out.extend
        add_all(_discriminator(b.get("discriminator"), r.get("discriminator"), rptr))

        be, re_ = _enum(b), _enum(r)
        b_const, r_const = "const" in b and "enum" not in b, "const" in r and "enum" not in r
        if b_const and r_const:
            if b["const"] != r["const"]:
                add(((), "const-changed", rptr, b["const"], r["const"], {"keyword": "const"}))
        elif be is not None and re_ is not None:
            gone = [v for v in be if v not in re_]
            new = [v for v in re_ if v not in be]
            if gone:
                add(((), "enum-value-removed", rptr, be, re_, {"values": gone}))
            if new:
                add(((), "enum-value-added", rptr, be, re_, {"values": new}))
        elif re_ is not None:
            kind = "const-added" if r_const else "became-enum"
            add(((), kind, rptr, None, re_, {"keyword": "const" if r_const else "enum"}))
        elif be is not None:
            kind = "const-removed" if b_const else "became-not-enum"
            add(((), kind, rptr, be, None, {"keyword": "const" if b_const else "enum"}))

        for kw in _MAX_KWS + _MIN_KWS:
            bv, rv = b.get(kw), r.get(kw)
            if bv == rv:
                continue
            if isinstance(bv, bool) or isinstance(rv, bool):
                tightened = bool(rv) and not bv  # 3.0 boolean exclusiveMaximum/Minimum
            elif rv is None:
                tightened = False
            elif bv is None:
                tightened = True
            else:
                tightened = rv < bv if kw in _MAX_KWS else rv > bv
            if isinstance(bv, bool) or isinstance(rv, bool):
                kind = "constraint-tightened" if tightened else "constraint-loosened"
            else:
                kind = bound_kind(kw, bv, rv)
            add(((), kind, rptr, bv, rv, {"keyword": kw}))
        if b.get("pattern") != r.get("pattern"):
            if r.get("pattern") is None:
                add(
                    (
                        (),
                        "constraint-loosened",
                        rptr,
                        b.get("pattern"),
                        None,
                        {"keyword": "pattern"},
                    )
                )
            else:
                add(((), "pattern-changed", rptr, b.get("pattern"), r.get("pattern"), {}))
        bm, rm = b.get("multipleOf"), r.get("multipleOf")
        if bm != rm:
            looser = rm is None or (bm is not None and rm and (bm / rm) == int(bm / rm))
            kind = "constraint-loosened" if looser else "constraint-tightened"
            add(((), kind, rptr, bm, rm, {"keyword": "multipleOf"}))
        if bool(b.get("uniqueItems")) != bool(r.get("uniqueItems")):
            kind = "constraint-tightened" if r.get("uniqueItems") else "constraint-loosened"
            add(
                (
                    (),
                    kind,
                    rptr,
                    b.get("uniqueItems"),
                    r.get("uniqueItems"),
                    {"keyword": "uniqueItems"},
                )
            )

        self._properties(b, r, side, bptr, rptr, out)

        bap, rap = b.get("additionalProperties", True), r.get("additionalProperties", True)
        if bap is not False and rap is False:
            add(((), "additional-properties-closed", rptr, bap, rap, {}))
        elif bap is False and rap is not False:
            add(((), "additional-properties-opened", rptr, bap, rap, {}))
        elif isinstance(bap, dict) and isinstance(rap, dict):
            sub = self.walk(
                bap, rap, side, f"{bptr}/additionalProperties", f"{rptr}/additionalProperties"
            )
            out.extend((("*", *n), *rest) for n, *rest in sub)

        if isinstance(b.get("items"), dict) and isinstance(r.get("items"), dict):
            sub = self.walk(b["items"], r["items"], side, f"{bptr}/items", f"{rptr}/items")
            out.extend((("[]", *n), *rest) for n, *rest in sub)

        for kw, tag in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
            self._branches(kw, tag, b.get(kw) or [], r.get(kw) or [], side, bptr, rptr, out)

        def deeper(bv: Any, rv: Any, suffix: str) -> list[Rel]:
            return self.walk(bv, rv, side, f"{bptr}{suffix}", f"{rptr}{suffix}")

        out.extend(compare_keywords(b, r, deeper, rptr))
        return out

    def _properties(
        self, b: dict[str, Any], r: dict[str, Any], side: str, bptr: str, rptr: str, out: list[Rel]
    ) -> None:
        bp, rp = b.get("properties") or {}, r.get("properties") or {}
        breq, rreq = set(b.get("required") or ()), set(r.get("required") or ())
        # `required` naming a property with no schema of its own (as inside if/then, allOf parts).
        for name in sorted((breq ^ rreq) - set(bp) - set(rp)):
            kind = "property-became-required" if name in rreq else "property-became-optional"
            out.append(((name,), kind, f"{rptr}/required", name in breq, name in rreq, {}))
        if not bp and not rp:
            return
        hidden = "readOnly" if side == "request" else "writeOnly"
        closed = r.get("additionalProperties") is False
        for name, sub in bp.items():
            if name not in rp:
                bsub, _ = self.base.resolve(sub, "")
                if isinstance(bsub, dict) and bsub.get(hidden):
                    continue
                ptr = f"{bptr}/properties/{_esc(name)}"
                out.append(
                    (
                        (name,),
                        "property-removed",
                        ptr,
                        sub,
                        None,
                        {"required": name in breq, "closed": closed},
                    )
                )
        for name, sub in rp.items():
            ptr = f"{rptr}/properties/{_esc(name)}"
            rsub, _ = self.rev.resolve(sub, "")
            r_hidden = isinstance(rsub, dict) and bool(rsub.get(hidden))
            b_hidden = False
            if name in bp:
                bsub, _ = self.base.resolve(bp[name], "")
                b_hidden = isinstance(bsub, dict) and bool(bsub.get(hidden))
            if r_hidden and name in bp and not b_hidden:
                # Became readOnly (request) / writeOnly (response): gone from this direction.
                extra = {"required": name in breq, "closed": closed, "now": hidden}
                out.append(((name,), "property-removed", ptr, bp[name], None, extra))
                continue
            if r_hidden:
                continue
            if name not in bp or b_hidden:
                # New, or no longer readOnly/writeOnly: it appears in this direction.
                extra = {"required": name in rreq, "was": hidden if b_hidden else None}
                out.append(((name,), "property-added", ptr, None, sub, extra))
                continue
            if name in rreq and name not in breq:
                out.append(((name,), "property-became-required", ptr, False, True, {}))
            elif name in breq and name not in rreq:
                out.append(((name,), "property-became-optional", ptr, True, False, {}))
            sub_changes = self.walk(bp[name], sub, side, f"{bptr}/properties/{_esc(name)}", ptr)
            out.extend(((name, *n), *rest) for n, *rest in sub_changes)

    def _branches(
        self,
        kw: str,
        tag: str,
        bl: list[Any],
        rl: list[Any],
        side: str,
        bptr: str,
        rptr: str,
        out: list[Rel],
    ) -> None:
        if not bl and not rl:
            return
        # Pair identical branches first (reordering is not a change), then the rest by position.
        # An identical `$ref` branch is still walked: the schema it points to may have changed.
        left_b = [i for i, x in enumerate(bl) if x not in rl]
        left_r = [j for j, x in enumerate(rl) if x not in bl]
        for i, x in enumerate(bl):
            if x in rl and _has_ref(x):
                j = rl.index(x)
                sub = self.walk(x, rl[j], side, f"{bptr}/{kw}/{i}", f"{rptr}/{kw}/{j}")
                out.extend(((f"{kw}[{j}]", *n), *rest) for n, *rest in sub)
        if bl and rl and len(left_b) == len(left_r):
            for i, j in zip(left_b, left_r, strict=True):
                sub = self.walk(bl[i], rl[j], side, f"{bptr}/{kw}/{i}", f"{rptr}/{kw}/{j}")
                out.extend(((f"{kw}[{j}]", *n), *rest) for n, *rest in sub)
            return
        for i in left_b:
            out.append(((), f"{tag}-removed", f"{bptr}/{kw}/{i}", bl[i], None, {"keyword": kw}))
        for j in left_r:
            out.append(((), f"{tag}-added", f"{rptr}/{kw}/{j}", None, rl[j], {"keyword": kw}))


def _flatten_all_of(doc: _Doc, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema with its allOf parts merged in; None when the parts disagree on a keyword."""
    parts = [{k: v for k, v in schema.items() if k != "allOf"}]
    for branch in schema.get("allOf") or []:
        node, _ = doc.resolve(branch, "")
        if not isinstance(node, dict) or "allOf" in node:
            return None
        parts.append(node)
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                props = out.setdefault("properties", {})
                if any(k in props and props[k] != v for k, v in value.items()):
                    return None
                props.update(value)
            elif key == "required" and isinstance(value, list):
                out["required"] = sorted(set(out.get("required", [])) | set(value))
            elif key in out and out[key] != value:
                return None
            else:
                out[key] = value
    return out


def _discriminator(b: Any, r: Any, rptr: str) -> list[Rel]:
    """Discriminator changes: its property name and the value -> schema mapping."""
    ptr = f"{rptr}/discriminator"
    if not isinstance(b, dict) and not isinstance(r, dict):
        return []
    if not isinstance(b, dict):
        return [((), "discriminator-added", ptr, None, r, {"keyword": "discriminator"})]
    if not isinstance(r, dict):
        return [((), "discriminator-removed", ptr, b, None, {"keyword": "discriminator"})]
    out: list[Rel] = []
    if b.get("propertyName") != r.get("propertyName"):
        extra = {"keyword": "discriminator"}
        out.append(
            ((), "discriminator-property-name-changed", ptr, b.get("propertyName"),
             r.get("propertyName"), extra)
        )  # fmt: skip
    bm, rm = b.get("mapping") or {}, r.get("mapping") or {}
    gone = sorted(k for k in bm if k not in rm)
    new = sorted(k for k in rm if k not in bm)
    moved = sorted(k for k in bm if k in rm and bm[k] != rm[k])
    if gone:
        out.append(((), "discriminator-mapping-deleted", f"{ptr}/mapping", gone, None, {}))
    if new:
        out.append(((), "discriminator-mapping-added", f"{ptr}/mapping", None, new, {}))
    if moved:
        out.append(((), "discriminator-mapping-changed", f"{ptr}/mapping", moved, moved, {}))
    return out


def _serialization(loc: str, b: dict[str, Any], r: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """How a parameter is written on the wire: style, explode (by its default), and flags."""
    default_style = "form" if loc in ("query", "cookie") else "simple"
    bstyle, rstyle = b.get("style", default_style), r.get("style", default_style)
    out: list[tuple[str, Any, Any]] = []
    if bstyle != rstyle:
        return [("parameter-style-changed", bstyle, rstyle)]  # explode's default moves with it
    bex = b.get("explode", bstyle == "form")
    rex = r.get("explode", rstyle == "form")
    if bex != rex:
        out.append(("parameter-explode-changed", bex, rex))
    for key in ("allowReserved", "allowEmptyValue"):
        bv, rv = bool(b.get(key)), bool(r.get(key))
        if bv != rv:
            stem = "allow-reserved" if key == "allowReserved" else "allow-empty-value"
            out.append((f"parameter-{stem}-{'added' if rv else 'removed'}", bv, rv))
    return out


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_ref(v) for v in node)
    return False


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


class _Differ:
    """Walks two documents operation by operation and collects Changes."""

    def __init__(self, base: dict[str, Any], rev: dict[str, Any], today: dt.date) -> None:
        self.bdoc, self.rdoc = base, rev
        self.b, self.r = _Doc(base), _Doc(rev)
        self.today = today
        self.schemas = _SchemaWalker(self.b, self.r)
        self.changes: list[Change] = []

    def emit(
        self,
        kind: str,
        side: str,
        subject: str,
        op: str,
        ptr: str,
        name: str = "",
        base: Any = None,
        rev: Any = None,
        **extra: Any,
    ) -> None:
        self.changes.append(Change(kind, side, subject, op, ptr, name, base, rev, extra))

    def run(self) -> list[Change]:
        bops, rops = operations(self.bdoc), operations(self.rdoc)
        rev_paths = {p for p, _ in rops}
        for key, op in bops.items():
            if key in rops:
                continue
            kind = "operation-removed" if key[0] in rev_paths else "path-removed"
            self.emit(
                kind,
                "operation",
                "operation",
                op.label,
                op.pointer,
                deprecated=bool(op.node.get("deprecated")),
                sunset=parse_sunset(op.node.get("x-sunset")),
                sunset_raw=op.node.get("x-sunset"),
                today=self.today,
                unstable=unstable(op.node),
            )
        for key, op in rops.items():
            if key not in bops:
                self.emit("operation-added", "operation", "operation", op.label, op.pointer)
        for key, rop in rops.items():
            bop = bops.get(key)
            if bop is not None:
                self.operation(bop, rop)
        bhooks, rhooks = self.bdoc.get("webhooks") or {}, self.rdoc.get("webhooks") or {}
        for name in sorted(set(bhooks) - set(rhooks)):
            self.emit(
                "webhook-removed", "operation", "webhook", "", f"/webhooks/{_esc(name)}", name
            )
        for name in sorted(set(rhooks) - set(bhooks)):
            self.emit("webhook-added", "operation", "webhook", "", f"/webhooks/{_esc(name)}", name)
        # The document-wide requirement, once (operations that inherit it are not repeated).
        bglob = alternatives(self.bdoc.get("security"))
        rglob = alternatives(self.rdoc.get("security"))
        for kind, name, bv, rv, extra in requirement_changes(bglob, rglob):
            self.emit(
                f"global-security-{kind}",
                "request",
                "security",
                "",
                "/security",
                name,
                bv,
                rv,
                **extra,
            )
        used = used_schemes(self.rdoc, [op.node for op in rops.values()])
        for _, ptr, (kind, name, bv, rv, extra) in scheme_changes(self.bdoc, self.rdoc, used):
            self.emit(
                f"security-scheme-{kind}", "request", "security", "", ptr, name, bv, rv, **extra
            )
        return self.changes

    def schema(
        self, b: Any, r: Any, side: str, subject: str, op: str, bptr: str, rptr: str, where: str
    ) -> None:
        for names, kind, ptr, bv, rv, extra in self.schemas.walk(b, r, side, bptr, rptr):
            the_side = "docs" if kind in _DOC_KINDS else side
            kinds = [kind]
            if subject != "property" and KEYWORD_KINDS.get(kind) in (NARROWS, WIDENS, BOTH):
                # Parameters and headers have no keyword-specific rules: judge them by direction.
                d = KEYWORD_KINDS[kind]
                kinds = ["constraint-tightened"] if d in (NARROWS, BOTH) else []
                kinds += ["constraint-loosened"] if d in (WIDENS, BOTH) else []
                extra = {**extra, "keyword": extra.get("keyword") or kind}
            for k in kinds:
                self.changes.append(
                    Change(
                        k,
                        the_side,
                        subject,
                        op,
                        ptr,
                        ".".join(names),
                        bv,
                        rv,
                        {**extra, "where": where},
                    )
                )

    def operation(self, b: Op, r: Op) -> None:
        label = r.label
        for kind, details in lifecycle_changes(b.node, r.node):
            self.emit(f"operation-{kind}", "operation", "operation", label, r.pointer, **details)
        for field in ("summary", "description"):
            if b.node.get(field) != r.node.get(field):
                self.emit(
                    "description-changed",
                    "docs",
                    "operation",
                    label,
                    f"{r.pointer}/{field}",
                    base=b.node.get(field),
                    rev=r.node.get(field),
                    where=f"operation {field}",
                )
        self.parameters(b, r, label)
        self.request_body(b, r, label)
        self.responses(b, r, label)
        self.security(b, r, label)

    def parameters(self, b: Op, r: Op, label: str) -> None:
        moved: set[tuple[str, str]] = set()
        # A renamed path parameter (/bets/{id} -> /bets/{bet_id}) is the same wire position.
        renamed = {
            ("path", rn.strip("{}")): ("path", bn.strip("{}"))
            for bn, rn in zip(_PARAM.findall(b.path), _PARAM.findall(r.path), strict=False)
            if bn != rn
        }
        rparams = {renamed.get(k, k): v for k, v in r.params.items()}
        r = Op(r.path, r.method, r.node, r.pointer, rparams)
        for (loc, name), (node, ptr) in b.params.items():
            if (loc, name) in r.params:
                continue
            elsewhere = [k for k in r.params if k[1] == name and k not in b.params]
            if elsewhere:
                moved.add(elsewhere[0])
                rnode, rptr = r.params[elsewhere[0]]
                self.emit(
                    "parameter-in-changed",
                    "request",
                    "parameter",
                    label,
                    rptr,
                    f"{name}",
                    loc,
                    elsewhere[0][0],
                )
                continue
            self.emit(
                "parameter-removed",
                "request",
                "parameter",
                label,
                ptr,
                f"{loc}.{name}",
                required=bool(node.get("required")),
                deprecated=bool(node.get("deprecated")),
                sunset=parse_sunset(node.get("x-sunset")),
                sunset_raw=node.get("x-sunset"),
                today=self.today,
            )
        for (loc, name), (node, ptr) in r.params.items():
            where = f"{loc} parameter `{node['name']}`"
            if (loc, name) not in b.params:
                if (loc, name) not in moved:
                    self.emit(
                        "parameter-added",
                        "request",
                        "parameter",
                        label,
                        ptr,
                        f"{loc}.{name}",
                        required=bool(node.get("required")),
                    )
                continue
            bnode, bptr = b.params[(loc, name)]
            for kind, details in lifecycle_changes(bnode, node):
                self.emit(
                    f"parameter-{kind}",
                    "request",
                    "parameter",
                    label,
                    ptr,
                    f"{loc}.{name}",
                    **details,
                )
            if node.get("required") and not bnode.get("required"):
                self.emit(
                    "parameter-became-required", "request", "parameter", label, ptr, f"{loc}.{name}"
                )
            elif bnode.get("required") and not node.get("required"):
                self.emit(
                    "parameter-became-optional", "request", "parameter", label, ptr, f"{loc}.{name}"
                )
            for kind, bv, rv in _serialization(loc, bnode, node):
                self.emit(kind, "request", "parameter", label, ptr, f"{loc}.{name}", bv, rv)
            bs = bnode.get("schema") or _media_schema(bnode.get("content"))
            rs = node.get("schema") or _media_schema(node.get("content"))
            self.schema(
                bs, rs, "request", "parameter", label, f"{bptr}/schema", f"{ptr}/schema", where
            )

    def request_body(self, b: Op, r: Op, label: str) -> None:
        bb, bptr = self.b.resolve(b.node.get("requestBody"), f"{b.pointer}/requestBody")
        rb, rptr = self.r.resolve(r.node.get("requestBody"), f"{r.pointer}/requestBody")
        if not isinstance(rb, dict):
            return
        if not isinstance(bb, dict):
            if rb.get("required"):
                self.emit("body-became-required", "request", "body", label, rptr, added=True)
            return
        if rb.get("required") and not bb.get("required"):
            self.emit("body-became-required", "request", "body", label, rptr, added=False)
        self.content(
            bb.get("content") or {},
            rb.get("content") or {},
            "request",
            label,
            f"{bptr}/content",
            f"{rptr}/content",
            "request body",
        )

    def content(
        self,
        bc: dict[str, Any],
        rc: dict[str, Any],
        side: str,
        label: str,
        bptr: str,
        rptr: str,
        what: str,
    ) -> None:
        for media in bc:
            if media not in rc:
                self.emit(
                    "media-type-removed",
                    side,
                    "body",
                    label,
                    f"{bptr}/{_esc(media)}",
                    media,
                    what=what,
                )
        for media, rnode in rc.items():
            mptr = f"{rptr}/{_esc(media)}"
            if media not in bc:
                self.emit("media-type-added", side, "body", label, mptr, media, what=what)
                continue
            bnode = bc[media]
            if isinstance(bnode, dict) and isinstance(rnode, dict):
                had, has = "schema" in bnode, "schema" in rnode
                if had != has:
                    kind = "media-type-schema-added" if has else "media-type-schema-removed"
                    self.emit(kind, side, "body", label, f"{mptr}/schema", media, what=what)
                    continue
                self.schema(
                    bnode.get("schema"),
                    rnode.get("schema"),
                    side,
                    "property",
                    label,
                    f"{bptr}/{_esc(media)}/schema",
                    f"{mptr}/schema",
                    f"{what} ({media})",
                )

    def responses(self, b: Op, r: Op, label: str) -> None:
        bres, rres = b.node.get("responses") or {}, r.node.get("responses") or {}
        for status in bres:
            if status not in rres:
                self.emit(
                    "status-removed",
                    "response",
                    "response",
                    label,
                    f"{b.pointer}/responses/{_esc(status)}",
                    str(status),
                    success=str(status).startswith("2"),
                )
        for status, raw in rres.items():
            rptr = f"{r.pointer}/responses/{_esc(status)}"
            if status not in bres:
                self.emit(
                    "status-added",
                    "response",
                    "response",
                    label,
                    rptr,
                    str(status),
                    success=str(status).startswith("2"),
                )
                continue
            bnode, bptr = self.b.resolve(bres[status], f"{b.pointer}/responses/{_esc(status)}")
            rnode, rptr = self.r.resolve(raw, rptr)
            if not isinstance(bnode, dict) or not isinstance(rnode, dict):
                continue
            self.headers(
                bnode.get("headers") or {}, rnode.get("headers") or {}, label, status, bptr, rptr
            )
            self.content(
                bnode.get("content") or {},
                rnode.get("content") or {},
                "response",
                label,
                f"{bptr}/content",
                f"{rptr}/content",
                f"{status} response body",
            )

    def headers(
        self, bh: dict[str, Any], rh: dict[str, Any], label: str, status: str, bptr: str, rptr: str
    ) -> None:
        blow = {
            k.lower(): (k, self.b.resolve(v, f"{bptr}/headers/{_esc(k)}")) for k, v in bh.items()
        }
        rlow = {
            k.lower(): (k, self.r.resolve(v, f"{rptr}/headers/{_esc(k)}")) for k, v in rh.items()
        }
        for low, (name, (node, ptr)) in blow.items():
            if low not in rlow:
                self.emit(
                    "header-removed",
                    "response",
                    "header",
                    label,
                    ptr,
                    name,
                    status=status,
                    required=bool(isinstance(node, dict) and node.get("required")),
                )
        for low, (name, (node, ptr)) in rlow.items():
            if low not in blow:
                self.emit("header-added", "response", "header", label, ptr, name, status=status)
                continue
            bnode = blow[low][1][0]
            if isinstance(node, dict) and isinstance(bnode, dict):
                if bnode.get("required") and not node.get("required"):
                    self.emit(
                        "header-became-optional",
                        "response",
                        "header",
                        label,
                        ptr,
                        name,
                        status=status,
                    )
                self.schema(
                    bnode.get("schema"),
                    node.get("schema"),
                    "response",
                    "header",
                    label,
                    f"{blow[low][1][1]}/schema",
                    f"{ptr}/schema",
                    f"{status} response header `{name}`",
                )

    def security(self, b: Op, r: Op, label: str) -> None:
        if "security" not in b.node and "security" not in r.node:
            return  # both inherit the document-wide requirement: compared once, in run()
        bsec = alternatives(b.node.get("security", self.bdoc.get("security")))
        rsec = alternatives(r.node.get("security", self.rdoc.get("security")))
        ptr = f"{r.pointer}/security" if "security" in r.node else "/security"
        for kind, name, bv, rv, extra in requirement_changes(bsec, rsec):
            self.emit(f"security-{kind}", "request", "security", label, ptr, name, bv, rv, **extra)


def diff_openapi(
    base: dict[str, Any], rev: dict[str, Any], today: dt.date | None = None
) -> list[Change]:
    """Every low-level change from `base` to `rev` (both bundled: local `$ref`s only)."""
    return _Differ(base, rev, today or dt.date.today()).run()


def explain(changes: list[Change], levels: dict[str, str] | None = None) -> Iterator[Finding]:
    """Ask the registered rules about each change; yield one Finding per rule that applies."""
    levels = levels or {}
    seen_docs: set[str] = set()
    for change in changes:
        if change.side == "docs":
            # A shared component's description shows up under every operation: report it once.
            if change.pointer in seen_docs:
                continue
            seen_docs.add(change.pointer)
        for r in rules_for(change):
            finding = r.explain(change, levels.get(r.id))
            if finding is not None:
                yield finding
