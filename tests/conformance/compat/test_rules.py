import json
from pathlib import Path

import pytest
import yaml

from croupier.conformance.compat import RULES, compare_loaded, load_argument, rule_catalog
from croupier.conformance.compat._registry import ERR, rule
from tests.conformance.compat.conftest import DATA, TODAY

FIXTURES = sorted(p.name for p in DATA.iterdir() if p.is_dir())
_PREFIX_RULE = "breaking-change-without-new-path-prefix"


def _ids(fixture: str) -> set[str]:
    root = DATA / fixture
    base = root / "base" if (root / "base").is_dir() else root / "base.yaml"
    rev = root / "revision" if (root / "revision").is_dir() else root / "revision.yaml"
    # A fixture may carry a usage export (`croupier compat --usage`).
    usage = root / "usage.json"
    result = compare_loaded(
        [load_argument(str(base), None), load_argument(str(rev), None)],
        today=TODAY,
        usage=json.loads(usage.read_text()) if usage.is_file() else None,
    )
    return {f.id for f in result.findings}


def _expected(fixture: str) -> set[str]:
    listed = DATA / fixture / "expected.yaml"
    if listed.is_file():
        return set(yaml.safe_load(listed.read_text())["ids"])
    r = RULES[fixture]
    # A breaking change to an operation also needs a new /v{major}/ prefix the fixture lacks.
    extra = (
        {_PREFIX_RULE}
        if r.level == ERR
        and r.category == "wire"
        and r.side in ("request", "response", "operation")
        else set()
    )
    return {fixture} | extra


def test_every_rule_has_a_fixture():
    assert sorted(RULES) == sorted(set(FIXTURES) & set(RULES))
    assert not set(RULES) - set(FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_reports_exactly_its_ids(fixture):
    assert _ids(fixture) == _expected(fixture)


def test_identical_documents_report_nothing():
    doc = str(DATA / "endpoint-added" / "base.yaml")
    result = compare_loaded([load_argument(doc, None), load_argument(doc, None)], today=TODAY)
    assert result.findings == []
    assert result.required_bump == "none"


def test_catalog_lists_every_rule_with_a_one_line_doc():
    catalog = rule_catalog()
    assert [c["id"] for c in catalog] == sorted(RULES)
    for entry in catalog:
        assert entry["level"] in ("ERR", "WARN", "INFO")
        assert entry["doc"] and "\n" not in entry["doc"]
        assert entry["id"] == entry["id"].lower() and " " not in entry["id"]


def test_duplicate_rule_id_raises_at_registration():
    with pytest.raises(ValueError, match="duplicate"):

        @rule("endpoint-added", "INFO", "operation", on="operation-added")
        def again(change):
            """Twice."""


def test_rule_without_docstring_is_refused():
    with pytest.raises(ValueError, match="docstring"):

        @rule("a-rule-without-doc", "INFO", "operation", on="operation-added")
        def nodoc(change):
            return None


def test_fixture_folders_are_all_rules_or_listed_expectations():
    for name in FIXTURES:
        assert name in RULES or (DATA / name / "expected.yaml").is_file(), name
    assert Path(DATA).is_dir()
