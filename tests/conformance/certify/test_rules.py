"""Rule traceability: every contract rule names a check, every check names known rules."""

from __future__ import annotations

import re

from croupier import load_contract
from croupier.conformance.certify import RULES, all_scenarios, check_rules, known_ids, rule_checks
from croupier.conformance.certify._rules import ERROR_CODES, FAMILIES, error_rule_id


def test_every_rule_is_verified_by_a_check_or_scenario() -> None:
    unverified = [rule_id for rule_id, checks in rule_checks().items() if not checks]
    assert unverified == []


def test_every_check_names_only_known_rules() -> None:
    unknown = {c: [r for r in rs if r not in RULES] for c, rs in check_rules().items()}
    assert {c: rs for c, rs in unknown.items() if rs} == {}


def test_every_scenario_verifies_a_rule() -> None:
    assert [s.id for s in all_scenarios() if not s.rules] == []


def test_every_linked_check_exists() -> None:
    contract = load_contract()
    ids = set(known_ids(contract))
    linked = {c for c in check_rules() if not c.endswith("*")}
    assert linked - ids == set()
    slo = [i for i in ids if i.startswith("slo-")]
    assert slo and "slo-*" in check_rules()


def test_every_catalog_error_code_has_its_rule() -> None:
    catalog = set(load_contract().error_catalog)
    assert set(ERROR_CODES) == catalog
    assert {error_rule_id(c) for c in catalog} <= set(RULES)


def test_rules_have_stable_ids_known_families_and_one_line_docs() -> None:
    for rule in RULES.values():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.id), rule.id
        assert rule.family in FAMILIES and rule.doc.endswith(".") and "\n" not in rule.doc
    # The families the contract's rules fall into, each with rules.
    assert {r.family for r in RULES.values()} == set(FAMILIES)
