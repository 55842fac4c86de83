"""The provider guide names every check and every broken simulator, and the nav has the pages."""

from __future__ import annotations

from pathlib import Path

from croupier.conformance.provider import FLAWS, all_checks

REPO = Path(__file__).resolve().parents[3]
GUIDE = (REPO / "docs" / "guide" / "certify-provider.md").read_text(encoding="utf-8")


def test_the_guide_lists_every_check_with_its_title():
    for c in all_checks():
        assert f"| `{c.id}` | {c.subject} | {c.title} |" in GUIDE, c.id


def test_the_guide_lists_every_flaw():
    for flaw, what in FLAWS.items():
        assert f"| `{flaw}` | {what} |" in GUIDE, flaw


def test_the_pages_are_in_the_nav():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "guide/certify-provider.md" in nav and "reference/sample-provider-report.md" in nav
