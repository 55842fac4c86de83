"""Compat: one evolution verdict across HTTP contract and event schemas, with its semver bump.

May import `croupier` (loading and bundling), the `avro` library and the standard library;
nothing imports it but `croupier.cli` (through `_command`) and the docs generator
(through `rule_catalog`).
"""

from croupier.conformance.compat._avro import compare_avro
from croupier.conformance.compat._compare import MODES, CompatResult, compare_loaded
from croupier.conformance.compat._jsonschema import (
    POLICIES,
    compare_jsonschema,
    jsonschema_differences,
)
from croupier.conformance.compat._loader import CompatError, Loaded, load_argument
from croupier.conformance.compat._openapi import diff_openapi, explain
from croupier.conformance.compat._registry import RULES, Change, Finding, rule_catalog
from croupier.conformance.compat._report import FORMATS, render
from croupier.conformance.compat._semver import declared_bump, parse_version, required_bump

__all__ = [
    "Change",
    "CompatError",
    "CompatResult",
    "FORMATS",
    "Finding",
    "Loaded",
    "MODES",
    "POLICIES",
    "RULES",
    "compare_avro",
    "compare_jsonschema",
    "compare_loaded",
    "declared_bump",
    "diff_openapi",
    "explain",
    "jsonschema_differences",
    "load_argument",
    "parse_version",
    "render",
    "required_bump",
    "rule_catalog",
]
