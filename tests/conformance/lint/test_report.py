"""`croupier lint` reports: every finding has file, line and column, in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from croupier.cli import app
from croupier.conformance.lint import RULES

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "data" / "lint"
BROKEN = str(FIXTURES / "ref-resolves")
runner = CliRunner()


def _lint(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["lint", *args])
    return result.exit_code, result.stdout


def test_text_names_file_line_and_column() -> None:
    code, out = _lint(BROKEN)
    assert code == 1
    assert out.splitlines()[0] == (
        "schemas/common/limits.json:11:7: ERR ref-resolves: $ref '#/$defs/money': "
        "#/$defs/money does not exist [#/$defs/stake/$ref]"
    )


def test_json_carries_line_and_column() -> None:
    code, out = _lint(BROKEN, "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["file"], f["line"], f["column"]) for f in findings] == [
        ("schemas/common/limits.json", 11, 7),
        ("schemas/common/limits.json", 15, 7),
    ]


def test_sarif_is_a_2_1_0_log_with_regions() -> None:
    code, out = _lint(BROKEN, "--format", "sarif")
    log = json.loads(out)
    assert code == 1 and log["version"] == "2.1.0"
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(RULES)
    first = run["results"][0]
    assert first["ruleId"] == "ref-resolves" and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "schemas/common/limits.json"
    assert location["region"] == {"startLine": 11, "startColumn": 7}
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "ref-resolves"


def test_github_annotations() -> None:
    code, out = _lint(BROKEN, "--format", "github")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=schemas/common/limits.json,line=11,col=7,title=ref-resolves::"
        "$ref '#/$defs/money': #/$defs/money does not exist"
    )


def test_junit_has_one_testcase_per_rule_and_fails_the_broken_one() -> None:
    code, out = _lint(BROKEN, "--format", "junit")
    suite = ET.fromstring(out.encode())
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert code == 1 and set(cases) == set(RULES)
    failure = cases["ref-resolves"].find("failure")
    assert failure is not None and "schemas/common/limits.json:11:7" in (failure.text or "")
    assert suite.get("failures") == "1"
    assert all(c.find("failure") is None for n, c in cases.items() if n != "ref-resolves")


def test_output_writes_the_report_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "lint.sarif"
    code, out = _lint(BROKEN, "--format", "sarif", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_a_dangling_ref_in_the_openapi_document_is_a_finding_not_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "contract"
    shutil.copytree(REPO / "spec", root / "spec")
    shutil.copytree(REPO / "schemas", root / "schemas")
    spec = root / "spec" / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    assert '$ref: "#/components/schemas/Money"' in text
    spec.write_text(
        text.replace('$ref: "#/components/schemas/Money"', '$ref: "#/components/schemas/Nope"', 1),
        encoding="utf-8",
    )
    line = next(i for i, t in enumerate(spec.read_text().splitlines(), 1) if "schemas/Nope" in t)
    code, out = _lint(str(root), "--format", "json")
    assert code == 1, out
    report = json.loads(out)
    dangling = [f for f in report["findings"] if f["id"] == "ref-resolves"]
    assert len(dangling) == 1 and dangling[0]["line"] == line
    assert dangling[0]["pointer"].endswith("/$ref")
    # no finding drags a whole document along (the old failure was a 75 KB message)
    assert max(len(f["message"]) for f in report["findings"]) <= 300
    assert len(out) < 20_000


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_the_real_contract_is_clean_in_every_format(fmt: str) -> None:
    code, _ = _lint(str(REPO), "--format", fmt)
    assert code == 0
