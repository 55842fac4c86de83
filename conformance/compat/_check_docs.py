"""Rules about documentation-only changes: descriptions and summaries (a patch version)."""

from __future__ import annotations

from croupier.conformance.compat._registry import INFO, Change, Says, rule

__all__: list[str] = []


@rule("description-changed", INFO, "docs", on="description-changed", bump="patch")
def description_changed(c: Change) -> Says:
    """A description or summary changed: documentation only (a patch version)."""
    what = c.extra.get("where") or "schema"
    name = f" `{c.name}`" if c.name else ""
    return Says(
        f"{c.operation + ': ' if c.operation else ''}{what}{name} description changed",
        "no caller or reader is affected; only the documentation says something new",
        "bump the patch version",
    )
