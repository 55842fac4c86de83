"""MkDocs hook: add the reference pages generated from the contract, and settle the nav.

Thin on purpose: the pages come from `croupier.codegen._docs_pages` (pure, unit-tested). This hook
(1) expands the API and event nav placeholders into one entry per page, (2) expands `*`
patterns (a pattern that matches nothing is a warning, so `--strict` fails), and (3) adds the
generated pages as virtual files.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.reference")

_contract: Any = None


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def _load(config: Any) -> Any:
    global _contract
    root = _root(config)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from croupier import load_contract

    _contract = load_contract(root)
    return _contract


def _expand(items: list[Any], docs_dir: Path, contract: Any, missing: list[str]) -> list[Any]:
    from croupier.codegen._docs_pages import reference_nav

    out: list[Any] = []
    for item in items:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            value = _expand(value, docs_dir, contract, missing)
            if value:
                out.append({title: value} if title else value)
            continue
        if not isinstance(value, str) or "://" in value:
            out.append(item)
            continue
        if "*" in value:
            found = sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.glob(value))
            if not found:
                missing.append(value)
            elif title:
                out.append({title: found if len(found) > 1 else found[0]})
            else:
                out += found
            continue
        section = reference_nav(contract, value)
        if section is not None:
            out.append({title: section} if title else section)
            continue
        out.append(item)
    return out


def on_config(config: Any) -> Any:
    """Expand the nav's placeholders and patterns; a pattern matching no page is a warning."""
    contract = _load(config)
    missing: list[str] = []
    if config.nav:
        config.nav = _expand(config.nav, Path(config.docs_dir), contract, missing)
    for path in missing:
        log.warning("nav: %s matches no page", path)
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add every generated reference page as a virtual file."""
    from mkdocs.structure.files import File

    from croupier.codegen._docs_pages import load_catalogs, reference_pages, site_assets

    catalogs = load_catalogs()
    for catalog in catalogs:
        if not catalog.available:
            log.info(
                "%s: registry %s not available (%s); the page says so",
                catalog.page,
                catalog.target,
                catalog.error,
            )
    contract = _contract or _load(config)
    generated = dict(reference_pages(contract, catalogs))
    generated.update(site_assets(contract))
    for path, content in generated.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


# Emoji a report writes (fine on GitHub and in a terminal) render as empty boxes on a machine
# without an emoji font: on the site they become Material's bundled SVG icons.
_ICONS = {
    "\u2705": ":material-check-circle:{ .croupier-ok title=passed }",
    "\u274c": ":material-close-circle:{ .croupier-failed title=failed }",
    "\u26a0\ufe0f": ":material-alert:{ .croupier-warn title=warning }",
    "\u26a0": ":material-alert:{ .croupier-warn title=warning }",
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Swap report emoji for bundled SVG icons (the text beside them stays)."""
    for emoji, icon in _ICONS.items():
        markdown = markdown.replace(emoji, icon)
    return markdown


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Rebuild on edits of the page builder too (it lives in the package, not beside mkdocs.yml)."""
    import croupier.codegen._docs_pages as pages

    server.watch(pages.__file__)
    return server
