import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from typer.testing import CliRunner

from croupier.cli import app
from tests.conformance.compat.conftest import DATA

runner = CliRunner()
TODAY = ["--today", "2025-06-01"]


def run(*args):
    return runner.invoke(app, ["compat", *map(str, args), *TODAY])


def pair(rule_id):
    return DATA / rule_id / "base.yaml", DATA / rule_id / "revision.yaml"


def test_compatible_change_exits_0():
    result = run(*pair("endpoint-added"))
    assert result.exit_code == 0, result.output
    assert "compatible" in result.stdout


def test_breaking_change_exits_1_and_explains_itself():
    result = run(*pair("new-required-request-property"))
    assert result.exit_code == 1
    out = result.stdout
    assert "new-required-request-property" in out
    assert "POST /v1/bets/{bet_id}/settle" in out
    assert "/components/schemas/SettleRequest/properties/player_id" in out
    assert "why:" in out and "instead:" in out


@pytest.mark.parametrize(
    "args",
    [
        ["only-one.yaml"],
        ["missing-a.yaml", "missing-b.yaml"],
        [*pair("endpoint-added"), "--format", "xml"],
        [*pair("endpoint-added"), "--mode", "sideways"],
        [*pair("endpoint-added"), "--policy", "nope"],
        [*pair("endpoint-added"), "--fail-on", "LOUD"],
    ],
)
def test_cannot_run_exits_2_with_one_line(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "cannot run" in lines[0]


def test_invalid_yaml_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [unclosed\n")
    result = run(bad, pair("endpoint-added")[1])
    assert result.exit_code == 2 and "not valid" in result.stderr


def test_json_shape():
    result = run(*pair("response-property-became-optional"), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["breaking"] is True
    assert data["required_bump"] == "major"
    assert data["declared_bump"] == "major"
    # The wire verdict and release policy are reported apart (issue #14).
    assert {f["id"] for f in data["findings"]} == {"response-property-became-optional"}
    policy = data["release_policy"]
    assert {f["id"] for f in policy["findings"]} == {"breaking-change-without-new-path-prefix"}
    assert policy["violated"] is True and policy["checked"] is False
    assert {f["category"] for f in data["findings"]} == {"wire"}
    assert {f["category"] for f in policy["findings"]} == {"policy"}
    for f in data["findings"]:
        assert {"id", "level", "message", "location", "explanation"} <= set(f)
        assert f["level"] in ("ERR", "WARN", "INFO")


def test_fail_on_info_fails_an_additive_change():
    assert run(*pair("endpoint-added"), "--fail-on", "INFO").exit_code == 1
    assert run(*pair("response-optional-property-removed")).exit_code == 0
    assert run(*pair("response-optional-property-removed"), "--fail-on", "WARN").exit_code == 1


def test_levels_file_overrides_a_rule(tmp_path):
    levels = tmp_path / "levels.yaml"
    levels.write_text("endpoint-added: ERR\n")
    result = run(*pair("endpoint-added"), "--levels", levels, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["required_bump"] == "major"
    assert {f["id"]: f["level"] for f in data["findings"]}["endpoint-added"] == "ERR"


def test_bad_levels_file_exits_2(tmp_path):
    levels = tmp_path / "levels.yaml"
    levels.write_text("endpoint-added: LOUD\n")
    assert run(*pair("endpoint-added"), "--levels", levels).exit_code == 2


def test_markdown_changelog_groups():
    out = run(*pair("endpoint-deprecated"), "--format", "markdown").stdout
    assert out.startswith("## 1.1.0")
    for title in ("### Breaking", "### Additive", "### Deprecations"):
        assert title in out
    deprecations = out.split("### Deprecations")[1]
    assert "endpoint-deprecated" in deprecations


def test_junit_has_a_testcase_per_rule_and_failures_for_findings():
    result = run(*pair("request-property-became-required"), "--format", "junit")
    suite = ET.fromstring(result.stdout.split("?>", 1)[1])
    assert int(suite.get("tests")) >= 90
    failed = [c.get("name") for c in suite if c.find("failure") is not None]
    assert any(n.startswith("request-property-became-required") for n in failed)
    # The missing /v2/ prefix is release policy: a failure only under --check-policy.
    assert int(suite.get("failures")) == len(failed) == 1
    gated = run(*pair("request-property-became-required"), "--format", "junit", "--check-policy")
    suite = ET.fromstring(gated.stdout.split("?>", 1)[1])
    assert int(suite.get("failures")) == 2


def test_github_annotations():
    out = run(*pair("api-security-scope-added"), "--format", "github").stdout
    first = out.splitlines()[0]
    assert first.startswith("::error file=")
    assert ",title=api-security-scope-added::" in out or ",title=breaking-change" in out
    assert "title=api-security-scope-added::" in out


def _contract(root: Path, money_type: str, version: str) -> None:
    (root / "spec").mkdir(parents=True, exist_ok=True)
    (root / "schemas" / "common").mkdir(parents=True, exist_ok=True)
    (root / "schemas" / "common" / "money.json").write_text(
        json.dumps(
            {
                "title": "Money",
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {"amount": {"type": money_type}, "currency": {"type": "string"}},
            }
        )
    )
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": version},
        "paths": {
            "/v1/balance": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "../schemas/common/money.json"}
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    (root / "spec" / "openapi.yaml").write_text(yaml.safe_dump(spec))


def test_contract_folders_follow_file_refs(tmp_path):
    _contract(tmp_path / "a", "string", "1.0.0")
    _contract(tmp_path / "b", "number", "1.0.0")
    result = run(tmp_path / "a", tmp_path / "b", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    ids = {f["id"] for f in data["findings"]}
    assert "response-property-type-changed" in ids
    assert "semver-bump-too-small" in {f["id"] for f in data["release_policy"]["findings"]}
    loc = next(
        f["location"] for f in data["findings"] if f["id"] == "response-property-type-changed"
    )
    assert loc == "/components/schemas/Money/properties/amount"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ref_against_the_working_tree(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    _contract(tmp_path, "string", "1.0.0")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "v1")
    git("tag", "v1.0.0")
    monkeypatch.chdir(tmp_path)
    assert run("git:v1.0.0", ".").exit_code == 0
    _contract(tmp_path, "number", "1.0.0")
    result = run("git:v1.0.0", ".", "--format", "json")
    assert result.exit_code == 1
    assert "response-property-type-changed" in {
        f["id"] for f in json.loads(result.stdout)["findings"]
    }
    bad = run("git:no-such-ref", ".")
    assert bad.exit_code == 2 and "unknown revision" in bad.stderr


def test_avro_files_and_forced_type(tmp_path):
    v1 = {"type": "record", "name": "BetSettled", "fields": [{"name": "bet_id", "type": "string"}]}
    v2 = {**v1, "fields": [*v1["fields"], {"name": "win", "type": "string"}]}
    (tmp_path / "v1.avsc").write_text(json.dumps(v1))
    (tmp_path / "v2.avsc").write_text(json.dumps(v2))
    (tmp_path / "v2.json").write_text(json.dumps(v2))
    backward = run(tmp_path / "v1.avsc", tmp_path / "v2.avsc", "--format", "json")
    assert backward.exit_code == 1
    ids = {f["id"] for f in json.loads(backward.stdout)["findings"]}
    assert ids == {"avro-reader-field-missing-default-value"}
    assert run(tmp_path / "v1.avsc", tmp_path / "v2.avsc", "--mode", "forward").exit_code == 0
    forced = run(tmp_path / "v1.avsc", tmp_path / "v2.json", "--type", "avro", "--format", "json")
    assert {f["id"] for f in json.loads(forced.stdout)["findings"]} == ids


# Release policy is a separate question from the wire: its own section and its own gate.
def _versions(tmp_path, base_version, rev_version, rule_id="endpoint-added"):
    base, rev = pair(rule_id)
    docs = []
    for src, version, name in ((base, base_version, "b.yaml"), (rev, rev_version, "r.yaml")):
        doc = yaml.safe_load(src.read_text())
        doc["info"]["version"] = version
        (tmp_path / name).write_text(yaml.safe_dump(doc))
        docs.append(tmp_path / name)
    return docs


def test_a_version_that_is_not_semver_is_a_policy_warning_not_a_break(tmp_path):
    docs = _versions(tmp_path, "2024-01", "2024-02")
    result = run(*docs, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["breaking"] is False
    levels = {f["id"]: f["level"] for f in data["release_policy"]["findings"]}
    assert levels == {"semver-version-invalid": "WARN"}
    # A warning about policy does not fail even the policy gate.
    assert run(*docs, "--check-policy").exit_code == 0


def test_an_unbumped_additive_change_fails_only_under_check_policy(tmp_path):
    docs = _versions(tmp_path, "1.0.0", "1.0.0")
    plain = run(*docs)
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.startswith("compatible:")
    assert "Release policy (1.0.0 -> 1.0.0)" in plain.stdout
    assert "semver-bump-too-small" in plain.stdout
    assert "release policy violated" in plain.stdout
    gated = run(*docs, "--check-policy")
    assert gated.exit_code == 1
    assert "checked (--check-policy)" in gated.stdout
    assert run(*_versions(tmp_path, "1.0.0", "1.1.0"), "--check-policy").exit_code == 0


def test_policy_annotations_are_warnings_unless_checked(tmp_path):
    docs = _versions(tmp_path, "1.0.0", "1.0.0")
    out = run(*docs, "--format", "github").stdout
    assert "::warning file=" in out and "title=semver-bump-too-small" in out
    out = run(*docs, "--format", "github", "--check-policy").stdout
    assert "::error file=" in out and "title=semver-bump-too-small" in out


# Inputs compat cannot judge are refused (exit 2), never reported "compatible".
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "swagger: '2.0'\ninfo: {title: t, version: 1.0.0}\npaths: {}\n",
            "Swagger 2.0 is not supported",
        ),
        ("foo: bar\n", "not an OpenAPI document"),
        ("openapi: 2.5.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\n", "not an OpenAPI 3.x"),
    ],
)
def test_documents_compat_cannot_judge_exit_2(tmp_path, text, reason):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(text)
    result = run(tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert result.exit_code == 2, result.output
    assert reason in result.stderr and "compatible" not in result.stdout


def _line_of(path, needle):
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_github_annotations_carry_line_and_column():
    base, rev = pair("request-property-became-required")
    out = run(base, rev, "--format", "github").stdout
    line = next(x for x in out.splitlines() if "title=request-property-became-required" in x)
    # The pointer is /components/schemas/SettleRequest/properties/round_id.
    expected = _line_of(rev, "round_id:")
    assert f",line={expected},col=" in line


def test_sarif_output():
    base, rev = pair("request-property-became-required")
    result = run(base, rev, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    results = {r["ruleId"]: r for r in run_["results"]}
    assert set(results) == {
        "request-property-became-required",
        "breaking-change-without-new-path-prefix",
    }
    found = results["request-property-became-required"]
    assert found["level"] == "error" and rules[found["ruleIndex"]] == found["ruleId"]
    (loc,) = found["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == str(rev)
    assert loc["physicalLocation"]["region"]["startLine"] == _line_of(rev, "round_id:")
    # Release policy is a warning unless --check-policy gates it.
    assert results["breaking-change-without-new-path-prefix"]["level"] == "warning"
    assert results["breaking-change-without-new-path-prefix"]["properties"]["category"] == "policy"


def test_positions_in_json_documents(tmp_path):
    from croupier.conformance.compat._positions import locate

    doc = tmp_path / "a.json"
    doc.write_text('{\n  "paths": {\n    "/v1/x": {\n      "get": {}\n    }\n  }\n}\n')
    assert locate(str(doc), "/paths/~1v1~1x/get") == ((4, 7), True)
    assert locate(str(doc), "/paths/~1v1~1x/post") == ((3, 5), False)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_writes_the_report_to_a_file_not_stdout(tmp_path, fmt):
    target = tmp_path / "out" / f"compat.{fmt}"
    result = run(*pair("new-required-request-property"), "--format", fmt, "--output", target)
    assert result.exit_code == 1
    assert "new-required-request-property" not in result.stdout
    written = target.read_text(encoding="utf-8")
    assert "new-required-request-property" in written
    if fmt != "text":
        json.loads(written)
    assert f"report written to {target}" in result.stderr
