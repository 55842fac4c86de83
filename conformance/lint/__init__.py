"""Lint: the contract's house rules, a registry of rules with stable ids (`croupier lint`).

Imports only `croupier` (the core). `rule_catalog()` is what the docs site lists.
"""

from croupier.conformance.lint._engine import configured_levels, lint_contract
from croupier.conformance.lint._registry import (
    ERR,
    INFO,
    LEVELS,
    RULES,
    WARN,
    Finding,
    Hit,
    Rule,
    rule,
    rule_catalog,
)

__all__ = [
    "ERR",
    "Finding",
    "Hit",
    "INFO",
    "LEVELS",
    "RULES",
    "Rule",
    "WARN",
    "configured_levels",
    "lint_contract",
    "rule",
    "rule_catalog",
]
