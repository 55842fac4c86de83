"""One fixture per JSON Schema difference type, judged by the three policies.

tests/data/jsonschema-policies/<difference-type>/ holds base.json, revision.json and
expected.yaml: the exact differences the diff names (type and JSON path, in order) and the
backward verdict of each policy. docs/guide/jsonschema-policies.md shows the same table.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from croupier.conformance.compat import POLICIES, compare_jsonschema, jsonschema_differences
from croupier.conformance.compat._jsonschema import _CROUPIER_WARN, DIFFERENCE_KINDS

DATA = Path(__file__).resolve().parents[2] / "data" / "jsonschema-policies"
DOC = Path(__file__).resolve().parents[3] / "docs" / "guide" / "jsonschema-policies.md"
FIXTURES = sorted(p.name for p in DATA.iterdir() if p.is_dir())


def _kind(folder: str) -> str:
    return folder.upper().replace("-", "_")


def _pair(folder: str) -> tuple[dict, dict]:
    root = DATA / folder
    return (
        json.loads((root / "base.json").read_text()),
        json.loads((root / "revision.json").read_text()),
    )


def _expected(folder: str) -> dict:
    return yaml.safe_load((DATA / folder / "expected.yaml").read_text())


def test_every_difference_type_has_a_fixture():
    assert {_kind(f) for f in FIXTURES} == set(DIFFERENCE_KINDS)


def test_every_accepted_difference_is_one_the_diff_names():
    # A typo in a compatible set would silently never match.
    for policy, accepted in POLICIES.items():
        assert accepted <= DIFFERENCE_KINDS, (policy, sorted(accepted - DIFFERENCE_KINDS))


def test_lenient_accepts_everything_strict_does():
    assert POLICIES["confluent-strict"] < POLICIES["confluent-lenient"]
    assert POLICIES["confluent-strict"] < POLICIES["croupier"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_reports_exactly_its_differences(fixture):
    base, rev = _pair(fixture)
    got = [f"{k} {p}" for k, p in jsonschema_differences(base, rev)]
    assert got == _expected(fixture)["differences"]
    assert _kind(fixture) in {g.split(" ", 1)[0] for g in got}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_verdict_under_each_policy(fixture):
    base, rev = _pair(fixture)
    for policy, want in _expected(fixture)["backward"].items():
        levels = {f.level for f in compare_jsonschema("e", "e#", base, rev, policy=policy)}
        assert ("breaking" if "ERR" in levels else "compatible") == want, policy


# Swapping base and revision turns a difference into its mirror (what one direction adds, the
# other removes); `forward` mode is that swap, so this is also what forward checks rely on.
_MIRROR_WORDS = (("ADDED", "REMOVED"), ("INCREASED", "DECREASED"), ("EXTENDED", "NARROWED"))
_IRREGULAR = {
    "MULTIPLE_OF_REDUCED": "MULTIPLE_OF_EXPANDED",
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"
    ),
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    ),
    "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    ),
    "PRODUCT_TYPE_EXTENDED": "PRODUCT_TYPE_NARROWED",
    "SUM_TYPE_EXTENDED": "SUM_TYPE_NARROWED",
    "NOT_TYPE_EXTENDED": "NOT_TYPE_NARROWED",
    "TYPE_EXTENDED": "TYPE_NARROWED",
}
_MIRRORS = dict(_IRREGULAR)
for _a, _b in _IRREGULAR.items():
    _MIRRORS.setdefault(_b, _a)  # the first listed is the plain one (a typed property)


def _mirror(kind: str) -> str | None:
    if kind in _MIRRORS:
        return _MIRRORS[kind]
    for a, b in _MIRROR_WORDS:
        for x, y in ((a, b), (b, a)):
            if kind.endswith("_" + x):
                return kind[: -len(x)] + y
    return None


# Changes without a direction (PATTERN_CHANGED, TYPE_CHANGED …) and the required-property
# additions (whose swap is a removal plus a required-list change) have no single mirror.
MIRRORED = [f for f in FIXTURES if _mirror(_kind(f)) in DIFFERENCE_KINDS]


def test_most_difference_types_have_a_mirror():
    assert len(MIRRORED) >= 95


@pytest.mark.parametrize("fixture", MIRRORED)
def test_swapped_fixture_reports_the_mirror(fixture):
    mirror = _mirror(_kind(fixture))
    base, rev = _pair(fixture)
    swapped = {k for k, _ in jsonschema_differences(rev, base)}
    assert mirror in swapped
    # And forward mode on the pair is the same check as backward on the swap.
    forward = {f.id for f in compare_jsonschema("e", "e#", base, rev, mode="forward")}
    assert "event-" + mirror.lower().replace("_", "-") in forward


def test_cli_predicts_the_registry_with_the_policy_option():
    root = DATA / "optional-property-added-to-open-content-model"
    args = [sys.executable, "-m", "croupier", "compat", str(root / "base.json")]
    args.append(str(root / "revision.json"))
    strict = subprocess.run([*args, "--policy", "confluent-strict"], capture_output=True, text=True)
    ours = subprocess.run(args, capture_output=True, text=True)
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "event-optional-property-added-to-open-content-model" in strict.stdout


def test_repeated_branches_collapse_and_keyword_changes_follow_the_registry():
    s = {"type": "string"}
    assert jsonschema_differences({"allOf": [s]}, {"allOf": [s, s]}) == []
    assert jsonschema_differences({"oneOf": [s]}, {"anyOf": [s]}) == [
        ("COMBINED_TYPE_EXTENDED", "#")
    ]
    # Two alternatives cannot become a conjunction: the keyword change alone decides.
    n = {"type": "number"}
    assert jsonschema_differences({"anyOf": [n, s]}, {"allOf": [s]}) == [
        ("COMBINED_TYPE_CHANGED", "#")
    ]


def test_branches_pair_by_maximum_matching_not_first_fit():
    # First fit gives the narrow old branch the new `number` and leaves the wide one without a
    # partner; a maximum matching pairs narrow -> maximum 9 and wide -> number (a registry
    # accepts this change).
    narrow = {"type": "integer", "maximum": 5}
    wide = {"type": "integer"}
    base = {"anyOf": [narrow, wide]}
    rev = {"anyOf": [{"type": "number"}, {"type": "integer", "maximum": 9}]}
    diffs = jsonschema_differences(base, rev, "confluent-strict")
    assert "COMBINED_TYPE_SUBSCHEMAS_CHANGED" not in {k for k, _ in diffs}
    assert all(k in POLICIES["confluent-strict"] for k, _ in diffs)


def test_enum_beside_a_type_is_a_conjunction():
    assert jsonschema_differences({"type": "string", "enum": ["won"]}, {"type": "string"}) == [
        ("PRODUCT_TYPE_NARROWED", "#")
    ]


def test_docs_table_shows_every_type_as_the_policies_judge_it():
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.) \| (.) \| (.) \|$", DOC.read_text(), re.M)
    assert {r[0] for r in rows} == set(DIFFERENCE_KINDS)

    def mark(policy: str, kind: str) -> str:
        if kind not in POLICIES[policy]:
            return "✗"
        return "⚠" if policy == "croupier" and kind in _CROUPIER_WARN else "✓"

    for kind, *marks in rows:
        assert marks == [
            mark(p, kind) for p in ("croupier", "confluent-strict", "confluent-lenient")
        ]
