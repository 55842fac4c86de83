"""croupier lint: the real contract is clean; each rule fires alone on its own broken fixture."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import croupier.conformance.lint as lint_pkg
from croupier.cli import app
from croupier.conformance.lint import ERR, LEVELS, RULES, lint_contract, rule, rule_catalog

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "data" / "lint"
RULE_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "_clean")
runner = CliRunner()


def test_the_real_contract_lints_clean() -> None:
    assert [f.as_dict() for f in lint_contract(REPO)] == []


def test_the_minimal_clean_fixture_lints_clean() -> None:
    assert lint_contract(FIXTURES / "_clean") == []


def test_every_rule_has_a_fixture_and_every_fixture_a_rule() -> None:
    assert set(RULE_FIXTURES) == set(RULES)


@pytest.mark.parametrize("rule_id", RULE_FIXTURES)
def test_each_fixture_fires_exactly_its_rule(rule_id: str) -> None:
    findings = lint_contract(FIXTURES / rule_id)
    assert {f.id for f in findings} == {rule_id}
    for f in findings:
        assert f.file and f.message
        assert f.pointer == "" or f.pointer.startswith("/")


# Findings name the file and the JSON pointer of the defect.
@pytest.mark.parametrize(
    ("rule_id", "file", "pointer"),
    [
        (
            "write-idempotency-key",
            "spec/openapi.yaml",
            "/paths/~1v1~1bets~1authorize/post/parameters",
        ),
        ("no-number-type", "spec/openapi.yaml", "/components/schemas/Thing/properties/weight/type"),
        ("money-property-type", "spec/openapi.yaml", "/components/schemas/Thing/properties/price"),
        ("event-schema-id", "schemas/events/session.ended/1.json", "/$id"),
        (
            "error-code-in-catalog",
            "spec/openapi.yaml",
            "/components/responses/BadRequest/x-error-codes/1",
        ),
    ],
)
def test_findings_name_file_and_pointer(rule_id: str, file: str, pointer: str) -> None:
    found = [(f.file, f.pointer) for f in lint_contract(FIXTURES / rule_id)]
    assert (file, pointer) in found


def test_rule_catalog_lists_every_rule_with_level_and_one_line_doc() -> None:
    catalog = rule_catalog()
    assert [entry["id"] for entry in catalog] == sorted(RULES)
    for entry in catalog:
        assert set(entry) == {"id", "level", "doc"}
        assert entry["level"] in LEVELS
        assert entry["doc"] and "\n" not in entry["doc"]


def test_a_duplicate_rule_id_raises() -> None:
    with pytest.raises(ValueError, match="duplicate"):

        @rule("openapi-structure", ERR)
        def again(ctx: object) -> list[object]:
            """Again."""
            return []


def test_a_rule_without_a_one_line_docstring_raises() -> None:
    with pytest.raises(ValueError, match="docstring"):

        @rule("no-docstring-here", ERR)
        def nodoc(ctx: object) -> list[object]:
            return []

    assert "no-docstring-here" not in RULES


def test_public_surface() -> None:
    assert lint_pkg.__all__ == sorted(lint_pkg.__all__)
    assert lint_pkg.__all__ == [
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


# The command: exit codes and formats.
def test_cli_exit_0_on_the_real_contract() -> None:
    result = runner.invoke(app, ["lint", str(REPO)])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_cli_exit_1_on_an_err_finding_in_text_format() -> None:
    result = runner.invoke(app, ["lint", str(FIXTURES / "no-number-type")])
    assert result.exit_code == 1
    assert "no-number-type" in result.output
    # file:line:column first (what editors and CI annotations read), the JSON pointer after
    assert re.search(
        r"^spec/openapi\.yaml:\d+:\d+: ERR no-number-type: .*"
        r"\[#/components/schemas/Thing/properties/weight/type\]$",
        result.output,
        re.M,
    ), result.output


def test_cli_json_format() -> None:
    result = runner.invoke(app, ["lint", str(FIXTURES / "mandatory-headers"), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["counts"]["ERR"] == len(report["findings"]) >= 1
    assert {f["id"] for f in report["findings"]} == {"mandatory-headers"}
    assert set(report["findings"][0]) == {
        "id", "level", "file", "line", "column", "pointer", "message"
    }
    assert report["findings"][0]["line"] >= 1 and report["findings"][0]["column"] >= 1


def test_cli_warn_passes_unless_strict() -> None:
    fixture = str(FIXTURES / "schema-examples")
    relaxed = runner.invoke(app, ["lint", fixture])
    assert relaxed.exit_code == 0
    assert "WARN schema-examples" in relaxed.output
    assert runner.invoke(app, ["lint", fixture, "--strict"]).exit_code == 1


def test_cli_exit_2_when_it_cannot_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output + result.stderr


def test_cli_exit_2_on_unreadable_yaml(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "openapi.yaml").write_text("openapi: [unclosed\n")
    result = runner.invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 2
    assert "not valid YAML" in result.stderr


def test_levels_are_overridable_per_id_in_pyproject(tmp_path: Path) -> None:
    root = tmp_path / "contract"
    shutil.copytree(FIXTURES / "money-property-type", root)
    (root / "pyproject.toml").write_text(
        '[tool.croupier.lint.levels]\n"money-property-type" = "WARN"\n'
    )
    result = runner.invoke(app, ["lint", str(root)])
    assert result.exit_code == 0
    assert "WARN money-property-type" in result.output
    (root / "pyproject.toml").write_text('[tool.croupier.lint.levels]\n"no-such-rule" = "off"\n')
    assert runner.invoke(app, ["lint", str(root)]).exit_code == 2


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        # an unquoted comma in a flow mapping turns half a sentence into a key
        (
            "{status: 400, retryable: false, description: Brand, region missing., action: Send.}",
            "unexpected keys",
        ),
        # an empty sentence
        (
            '{status: 400, retryable: false, description: "", action: Send them.}',
            "non-empty sentence",
        ),
    ],
)
def test_a_malformed_catalog_entry_is_reported(tmp_path, entry: str, fragment: str) -> None:
    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "_clean", root)
    spec = root / "spec" / "openapi.yaml"
    text, count = re.subn(
        r"^    MISSING_HEADER:\n(?:      .*\n)+",
        f"    MISSING_HEADER: {entry}\n",
        spec.read_text(),
        flags=re.M,
    )
    assert count == 1  # the fixture's catalog entry is in block style
    spec.write_text(text)
    findings = [f for f in lint_contract(root) if f.id == "error-catalog-enum"]
    assert any(fragment in f.message for f in findings), findings


@pytest.mark.parametrize(
    ("dates", "says"),
    [
        # both dates, deprecated-at before the sunset: clean
        ("      x-sunset: '2027-06-30'\n      x-deprecated-at: '2026-12-01'\n", None),
        # no x-deprecated-at: the Deprecation header would have no date
        ("      x-sunset: '2027-06-30'\n", "no ISO date x-deprecated-at"),
        # deprecated after it is gone
        ("      x-sunset: '2027-06-30'\n      x-deprecated-at: '2027-07-01'\n", "is after its"),
    ],
)
def test_a_deprecation_needs_both_dates_in_order(tmp_path, dates: str, says: str | None) -> None:
    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "deprecated-sunset", root)
    spec = root / "spec" / "openapi.yaml"
    text = spec.read_text()
    assert text.count("      deprecated: true\n") == 1
    spec.write_text(text.replace("      deprecated: true\n", "      deprecated: true\n" + dates))
    findings = [f for f in lint_contract(root) if f.id == "deprecated-sunset"]
    if says is None:
        assert findings == []
    else:
        assert len(findings) == 1 and says in findings[0].message, findings
