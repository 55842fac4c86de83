"""`croupier certify-provider` and `croupier provider-sim` as a user runs them."""

from __future__ import annotations

import hashlib
import json
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from croupier.cli import app
from croupier.conformance.provider import write_reports

runner = CliRunner()


@pytest.fixture
def good_traffic(sandbox, play, tmp_path):
    play(sandbox)
    path = tmp_path / "good.json"
    path.write_text(json.dumps(sandbox.get("/sandbox/recordings", params={"limit": 1000}).json()))
    return path


def test_a_good_recording_passes_with_every_report(good_traffic, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["certify-provider", "--recording", str(good_traffic), "--report-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"junit.xml", "report.json", "report.md", "traffic.json", "integrity.json"}
    integrity = json.loads((out / "integrity.json").read_text())
    for name, digest in integrity["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert integrity["verdict"] == "passed"
    # the judged traffic is itself a recording the judge reads again
    again = runner.invoke(
        app,
        [
            "certify-provider",
            "--recording",
            str(out / "traffic.json"),
            "--format",
            "json",
            "--report-dir",
            str(tmp_path / "again"),
        ],
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["verdict"] == "passed"


def test_a_flawed_recording_fails_with_exit_1(sandbox, play, tmp_path):
    run = play(sandbox, "gives-up-settle")
    paths = write_reports(run, tmp_path / "r")
    result = runner.invoke(
        app,
        [
            "certify-provider",
            "--recording",
            str(paths["traffic"]),
            "--format",
            "json",
            "--report-dir",
            str(tmp_path / "r2"),
        ],
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [r["id"] for r in report["results"] if r["verdict"] == "failed"] == [
        "settle-retried-to-success"
    ]
    failing = next(r for r in report["results"] if r["verdict"] == "failed")
    assert any(e["failing"] for e in failing["evidence"])
    junit = ET.parse(tmp_path / "r2" / "junit.xml").getroot()
    failures = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failures == ["settle-retried-to-success"]
    markdown = (tmp_path / "r2" / "report.md").read_text()
    assert "FAILED" in markdown and "settle-503-twice" in markdown


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--recording", "x.json", "--sandbox"],
        ["--recording", "/nowhere/x.har"],
        ["--sandbox", "--flaw", "no-such-flaw"],
        ["--sandbox", "--only", "no-such-check"],
        ["--recording", "x.json", "--simulate"],
        ["--sandbox", "--format", "xml"],
    ],
)
def test_bad_invocations_are_exit_2_with_one_line(args):
    result = runner.invoke(app, ["certify-provider", *args])
    assert result.exit_code == 2
    assert "cannot run" in result.output and "Traceback" not in result.output


def test_a_file_that_is_not_traffic_is_exit_2(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    result = runner.invoke(app, ["certify-provider", "--recording", str(path)])
    assert result.exit_code == 2 and "HAR" in result.output


def test_provider_sim_refuses_an_unknown_flaw():
    result = runner.invoke(app, ["provider-sim", "--base-url", "http://x", "--flaw", "nope"])
    assert result.exit_code == 2 and "unknown flaw" in result.output


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_writes_the_verdict_to_a_file(good_traffic, tmp_path, fmt):
    target = tmp_path / f"verdict.{fmt}"
    result = runner.invoke(
        app,
        [
            "certify-provider",
            "--recording",
            str(good_traffic),
            "--report-dir",
            str(tmp_path / "report"),
            "--format",
            fmt,
            "--output",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    written = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(written)["verdict"] == "passed" and not result.stdout.strip()
    else:
        assert "trace-id-present" in written and "\x1b[" not in written
