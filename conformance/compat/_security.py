"""Security: requirement alternatives (OR of AND-sets with scopes) and `components.securitySchemes`.

A security requirement is a list of alternatives; each alternative is an AND-set of schemes,
each with the OAuth2 scopes it needs. A caller that met a base alternative still gets in when
some revision alternative asks for a subset of the same schemes and scopes, so an AND-set that
becomes weaker is not a break. Scheme changes (type, HTTP scheme, API key location and name,
OpenID Connect URL, OAuth2 flows, their URLs and scopes) are reported only for schemes the
revision still uses: no caller authenticates with a scheme nobody requires.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Alternative", "alternatives", "requirement_changes", "scheme_changes", "used_schemes"]

Alternative = dict[str, list[str]]
# (kind, name, base value, revision value, extra)
Found = tuple[str, str, Any, Any, dict[str, Any]]


def alternatives(raw: Any) -> list[Alternative]:
    """A security requirement as alternatives; none (or `[]`) means anonymous access."""
    if not raw:
        return [{}]
    return [
        {str(k): sorted(v or []) for k, v in (alt or {}).items()}
        for alt in raw
        if isinstance(alt, dict)
    ] or [{}]


def _label(alt: Alternative) -> str:
    return " + ".join(sorted(alt)) or "anonymous access"


def _covers(new: Alternative, old: Alternative) -> bool:
    """Whether a caller meeting `old` also meets `new` (same or fewer schemes and scopes)."""
    return all(s in old and set(scopes) <= set(old[s]) for s, scopes in new.items())


def requirement_changes(base: list[Alternative], rev: list[Alternative]) -> list[Found]:
    """The changes between two requirements, alternative by alternative."""
    out: list[Found] = []
    for alt in base:
        same = next((x for x in rev if set(x) == set(alt)), None)
        if same is not None:
            for scheme, scopes in alt.items():
                gained = sorted(set(same[scheme]) - set(scopes))
                lost = sorted(set(scopes) - set(same[scheme]))
                if gained:
                    out.append(
                        ("scope-added", scheme, scopes, same[scheme], {"scopes_changed": gained})
                    )
                if lost:
                    out.append(
                        ("scope-removed", scheme, scopes, same[scheme], {"scopes_changed": lost})
                    )
            continue
        weaker = next((x for x in rev if _covers(x, alt)), None)
        if weaker is not None:
            out.append(("weakened", _label(alt), alt, weaker, {"now": _label(weaker)}))
        else:
            out.append(("removed", _label(alt), alt, None, {}))
    for alt in rev:
        if not any(set(x) == set(alt) for x in base) and not any(_covers(alt, x) for x in base):
            out.append(("added", _label(alt), None, alt, {}))
    return out


def used_schemes(doc: dict[str, Any], ops: list[dict[str, Any]]) -> set[str]:
    """Every scheme a requirement of the document (global or per operation) names."""
    used = {s for alt in alternatives(doc.get("security")) for s in alt}
    for op in ops:
        used |= {s for alt in alternatives(op.get("security")) for s in alt}
    return used


def _same_text(a: Any, b: Any, fold: bool) -> bool:
    if fold and isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def scheme_changes(
    base: dict[str, Any], rev: dict[str, Any], used: set[str]
) -> list[tuple[str, str, Found]]:
    """(scheme name, pointer, change) for every change to `components.securitySchemes`."""
    bs = (base.get("components") or {}).get("securitySchemes") or {}
    rs = (rev.get("components") or {}).get("securitySchemes") or {}
    out: list[tuple[str, str, Found]] = []
    for name in sorted(set(bs) | set(rs)):
        ptr = f"/components/securitySchemes/{name}"
        if name not in rs:
            out.append((name, ptr, ("component-removed", name, bs[name], None, {})))
            continue
        if name not in bs:
            out.append((name, ptr, ("component-added", name, None, rs[name], {})))
            continue
        b, r = bs[name], rs[name]
        if name not in used or not isinstance(b, dict) or not isinstance(r, dict):
            continue
        if b.get("type") != r.get("type"):
            out.append((name, ptr, ("type-changed", name, b.get("type"), r.get("type"), {})))
            continue
        # HTTP auth schemes are case-insensitive (RFC 9110); so are header names.
        for key, kind, fold in (
            ("scheme", "scheme-changed", True),
            ("in", "in-changed", False),
            ("name", "name-changed", r.get("in") == "header"),
            ("openIdConnectUrl", "openid-url-changed", False),
        ):
            if not _same_text(b.get(key), r.get(key), fold):
                out.append((name, f"{ptr}/{key}", (kind, name, b.get(key), r.get(key), {})))
        bflows, rflows = b.get("flows") or {}, r.get("flows") or {}
        for flow in sorted(set(bflows) | set(rflows)):
            fptr = f"{ptr}/flows/{flow}"
            if flow not in rflows:
                out.append((name, fptr, ("flow-removed", name, flow, None, {"flow": flow})))
                continue
            if flow not in bflows:
                out.append((name, fptr, ("flow-added", name, None, flow, {"flow": flow})))
                continue
            bf, rf = bflows[flow] or {}, rflows[flow] or {}
            for key, kind in (
                ("tokenUrl", "token-url-changed"),
                ("authorizationUrl", "auth-url-changed"),
                ("refreshUrl", "auth-url-changed"),
            ):
                if bf.get(key) != rf.get(key):
                    extra = {"flow": flow, "field": key}
                    out.append(
                        (name, f"{fptr}/{key}", (kind, name, bf.get(key), rf.get(key), extra))
                    )
            bsc, rsc = set(bf.get("scopes") or {}), set(rf.get("scopes") or {})
            if bsc - rsc:
                extra = {"flow": flow, "scopes_changed": sorted(bsc - rsc)}
                out.append((name, f"{fptr}/scopes", ("scope-removed", name, None, None, extra)))
            if rsc - bsc:
                extra = {"flow": flow, "scopes_changed": sorted(rsc - bsc)}
                out.append((name, f"{fptr}/scopes", ("scope-added", name, None, None, extra)))
    return out
