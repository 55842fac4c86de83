"""The provider-side check catalog: every check module, imported here so the set is in one place."""

from __future__ import annotations

from croupier.conformance.provider import (  # noqa: F401  (registration happens on import)
    _checks_contract,
    _checks_headers,
    _checks_lifecycle,
    _checks_limits,
    _checks_payloads,
    _checks_retries,
)
from croupier.conformance.provider._registry import Check, registered

__all__ = ["SUBJECTS", "all_checks", "check_catalog"]

# The order reports list checks in: by subject, then as each module registers them.
SUBJECTS = ("headers", "retries", "lifecycle", "limits", "payloads", "events", "contract")


def all_checks() -> list[Check]:
    """Every provider-side check, in catalog order."""
    return sorted(registered(), key=lambda c: SUBJECTS.index(c.subject))


def check_catalog() -> list[dict[str, str]]:
    """id, level, subject and title of every check (the docs' catalog)."""
    return [
        {"id": c.id, "level": c.level, "subject": c.subject, "title": c.title} for c in all_checks()
    ]
