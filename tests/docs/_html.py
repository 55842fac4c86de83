"""Small helpers to read a built site: pages, their links and their ids."""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag.attr, url)
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in ("href", "src"):
                self.links.append((f"{tag}.{name}", value))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@functools.lru_cache(maxsize=512)
def parse(path: Path) -> _Collect:
    """Parse one HTML file (a built site does not change while tests read it)."""
    collector = _Collect()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def text_of(path: Path) -> str:
    """The visible text of one HTML file, whitespace collapsed."""
    return " ".join("".join(parse(path).text).split())


def target_file(site: Path, page: Path, url: str) -> tuple[Path | None, str]:
    """Where an internal link of `page` lands: (file, fragment); file None when external."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    base = "/" + page.relative_to(site).as_posix()
    resolved = urlsplit(urljoin(base, parts.path)) if parts.path else urlsplit(base)
    rel = unquote(resolved.path).lstrip("/")
    target = site / rel
    if rel == "" or rel.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)
