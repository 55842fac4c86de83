"""The report an operator reads: what each scenario asserted, coverage, security, integrity."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from croupier import SANDBOX_ED25519_CREDENTIALS
from croupier.cli import app
from croupier.conformance.certify import (
    CaseResult,
    CertifyOptions,
    Finding,
    RunResult,
    Verdict,
    certify_target,
    render_junit,
    render_markdown,
    write_reports,
)
from croupier.conformance.certify._bundle import load_signing_key
from croupier.conformance.certify._contract_phase import BUILTIN_CHECKS
from croupier.conformance.certify._coverage import CoverageTally
from croupier.conformance.certify._engine import known_ids
from croupier.conformance.certify._events import CheckFailed
from croupier.conformance.certify._terminal import TerminalReporter
from tests.conformance.certify.conftest import serve
from tests.conformance.certify.test_broken_implementations import _settle_before_authorize

# -- what each scenario asserted ------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, str]:
    """Settle of an unknown bet accepted (200), plus a scenario that passes on the same platform."""
    from croupier.reference_impl import create_app
    from tests.conformance.certify.conftest import OneFault

    db = tmp_path_factory.mktemp("broken") / "sandbox.db"
    app_ = OneFault(create_app(f"sqlite+aiosqlite:///{db}"), **_settle_before_authorize())
    out = io.StringIO()
    from rich.console import Console

    console = Console(file=out, width=200, color_system=None)
    reporter = TerminalReporter(console)
    with serve(app_) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                seed=7,
                only={"settle-without-authorize", "idempotent-replay-settle", "bad-signature"},
                phases=("scenarios",),
            ),
            _contract(),
            [reporter],
        )
    return run, out.getvalue()


def _contract() -> Any:
    from croupier import load_contract

    return load_contract(Path(__file__).resolve().parents[3])


def _result(run: RunResult, result_id: str) -> CaseResult:
    return next(r for r in run.results if r.id == result_id)


def test_a_failed_scenario_shows_expected_against_actual_everywhere(broken_run) -> None:
    run, terminal = broken_run
    failed = _result(run, "settle-without-authorize")
    assert failed.verdict == Verdict.FAILED
    finding = failed.findings[0]
    assert (finding.expected, finding.actual) == ("404 BET_NOT_FOUND", "200")
    assert finding.trace_id and finding.trace_id.startswith("trc-")
    # the terminal's failure text
    assert "expected 404 BET_NOT_FOUND, got 200" in terminal
    # JSON: the failing assertion with both values
    data = run.to_dict()["results"]
    row = next(r for r in data if r["id"] == "settle-without-authorize")
    assert row["assertions"][-1]["passed"] is False
    assert row["assertions"][-1]["expected"] == "404 BET_NOT_FOUND"
    assert row["assertions"][-1]["actual"] == "200"
    assert row["findings"][0]["expected"] == "404 BET_NOT_FOUND"
    # JUnit: the failure text names both, and never a trace of None
    junit = ET.fromstring(render_junit(run))
    case = next(c for c in junit.iter("testcase") if c.get("name") == "settle-without-authorize")
    text = case.findtext("failure") or ""
    assert "expected: 404 BET_NOT_FOUND\nactual:   200" in text
    assert "trace=None" not in render_junit(run)
    assert "✗ " in (case.findtext("system-out") or "")
    # Markdown: the assertion table with the failing row
    markdown = render_markdown(run)
    assert "| 404 BET_NOT_FOUND | 200 | ❌ **no** |" in markdown
    assert "expected: 404 BET_NOT_FOUND; actual: 200" in markdown


def test_a_passed_scenario_shows_the_balance_deltas_it_asserted(broken_run) -> None:
    run, _ = broken_run
    passed = _result(run, "idempotent-replay-settle")
    assert passed.verdict == Verdict.PASSED
    rows = [(a.kind, a.expected, a.actual, a.passed) for a in passed.assertions]
    wanted = "cash +150, available +150 (minor units)"
    assert ("balance", wanted, wanted, True) in rows
    assert ("balance", "balance unchanged", "no change", True) in rows
    assert ("value", "true", "true", True) in rows  # Idempotent-Replayed on the replay
    assert passed.assertions_total >= len(passed.assertions) > 5
    assert f"| {wanted} | {wanted} | ✅ |" in render_markdown(run)


def test_reply_descriptions_never_say_trace_none(broken_run) -> None:
    run, terminal = broken_run
    text = json.dumps(run.to_dict()) + terminal + render_markdown(run) + render_junit(run)
    assert "trace None" not in text and "trace=None" not in text


# -- the coverage matrix --------------------------------------------------------------------


def test_coverage_marks_seen_never_seen_and_undeclared(broken_run) -> None:
    run, _ = broken_run
    cov = run.coverage
    settle = next(o for o in cov["operations"] if o["operation"] == "POST /v1/bets/settle")
    statuses = {row["status"]: row for row in settle["statuses"]}
    assert statuses["200"]["declared"] and statuses["200"]["seen"] >= 2
    assert statuses["401"]["seen"] >= 1  # bad-signature's refusals
    codes = {c["code"]: c for c in statuses["401"]["codes"]}
    assert codes["INVALID_SIGNATURE"]["seen"] >= 1 and codes["INVALID_TOKEN"]["seen"] == 0
    assert "POST /v1/bets/settle → 503" in cov["declared_never_seen"]
    assert "POST /v1/bets/settle → 401 INVALID_TOKEN" in cov["declared_never_seen"]
    markdown = render_markdown(run)
    assert "## Coverage of the contract" in markdown
    assert "*INVALID_TOKEN never seen*" in markdown


def test_an_undeclared_answer_is_highlighted(contract: Any) -> None:
    tally = CoverageTally()
    tally.add("GET /v1/players/{player_id}/balance", "GET", "/v1/players/p/balance", 200, None)
    tally.add("GET /v1/players/{player_id}/balance", "GET", "/v1/players/p/balance", 418, "TEAPOT")
    tally.add("POST /v1/bets/settle", "POST", "/v1/bets/settle", 404, "NO_SUCH_CODE")
    cov = tally.matrix(contract)
    assert "GET /v1/players/{player_id}/balance → 418 (×1)" in cov["seen_undeclared"]
    assert "POST /v1/bets/settle → 404 NO_SUCH_CODE (×1)" in cov["seen_undeclared"]
    run = RunResult("http://x", "1", "ab" * 32, "0", "2026-01-01T00:00:00Z", seed=1)
    run.coverage = cov
    markdown = render_markdown(run)
    assert "| **418 undeclared** | 1 | **TEAPOT undeclared ×1** |" in markdown
    assert "**NO_SUCH_CODE undeclared ×1**" in markdown


# -- the security summary -------------------------------------------------------------------


def _mechanisms(run: RunResult) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in run.security["mechanisms"]}


def test_security_summary_says_what_was_exercised_and_how(broken_run) -> None:
    run, _ = broken_run
    rows = _mechanisms(run)
    hmac = rows["signature-hmac-sha256"]
    assert hmac["exercised"] and not hmac["problem"]
    assert "refused 401 INVALID_SIGNATURE" in hmac["how"]
    assert rows["signature-missing"]["exercised"]  # bad-signature's unsigned settle
    assert rows["signature-unknown-key"]["exercised"]
    assert not rows["signature-ed25519"]["exercised"]
    assert not rows["key-rotation"]["exercised"] and "`sbx-2026a`" in rows["key-rotation"]["how"]
    assert not rows["mtls"]["exercised"] and "plain http" in rows["mtls"]["how"]
    assert not rows["timestamp-window"]["exercised"]  # stale-timestamp was not selected
    markdown = render_markdown(run)
    assert "## Security summary" in markdown
    assert "| Key rotation overlap | **no** |" in markdown


def _accepts_stale_signatures() -> dict[str, Any]:
    """The platform ignores the signature's timestamp: it re-signs with the current time."""
    import time

    from tests.conformance.certify.conftest import resign

    def on_request(scope: Any, headers: dict[str, str], body: bytes) -> Any:
        sig = headers.get("x-signature", "")
        if "ts=" in sig:
            ts = int(sig.split("ts=", 1)[1].split(",", 1)[0])
            if abs(ts - time.time()) > 60:
                headers = resign(scope, headers, body)
        return headers, body

    return {"on_request": on_request}


def test_a_stale_signature_accepted_is_a_problem_of_the_timestamp_window(
    sandbox_app: Any, contract: Any
) -> None:
    with serve(sandbox_app(**_accepts_stale_signatures())) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url, seed=7, only={"stale-timestamp"}, phases=("scenarios",)
            ),
            contract,
        )
    window = _mechanisms(run)["timestamp-window"]
    assert window["exercised"] and window["problem"], window
    assert "**1 got past the check**" in window["how"]
    assert "| Timestamp window | ⚠️ problem |" in render_markdown(run)


def test_an_ed25519_run_reports_ed25519_signatures(sandbox_app: Any, contract: Any) -> None:
    with serve(sandbox_app()) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                credentials=SANDBOX_ED25519_CREDENTIALS,
                seed=7,
                only={"bad-signature", "stale-timestamp", "idempotent-replay-settle"},
                phases=("scenarios",),
            ),
            contract,
        )
    rows = _mechanisms(run)
    assert run.security["signing_algorithm"] == "ed25519"
    assert rows["signature-ed25519"]["exercised"], rows["signature-ed25519"]
    assert "`sbx-ed-2026a`" in rows["signature-ed25519"]["how"]
    assert rows["timestamp-window"]["exercised"] and not rows["timestamp-window"]["problem"]


# -- reader fixes ---------------------------------------------------------------------------


def test_junit_suite_time_is_the_phase_wall_time_not_a_sum() -> None:
    run = RunResult("http://x", "1", "ab" * 32, "0", "2026-01-01T00:00:00Z", seed=1)
    run.results = [
        CaseResult(f"c{i}", "t", "contract", Verdict.PASSED, duration_s=10.0) for i in range(4)
    ]
    run.phase_durations_s = {"contract": 10.0}
    suite = next(ET.fromstring(render_junit(run)).iter("testsuite"))
    assert suite.get("time") == "10.000"


def test_a_finding_without_trace_never_prints_trace_none() -> None:
    run = RunResult("http://x", "1", "ab" * 32, "0", "2026-01-01T00:00:00Z", seed=1)
    run.results = [
        CaseResult(
            "slo-get-bet",
            "t",
            "latency",
            Verdict.FAILED,
            findings=[Finding("slo-get-bet", "over budget", operation="getBet")],
        )
    ]
    text = render_junit(run)
    assert "trace=None" not in text and "[slo-get-bet] getBet\nover budget" in text


def test_every_builtin_check_says_what_it_checks(contract: Any, broken_run) -> None:
    assert "not_a_server_error" not in BUILTIN_CHECKS  # no-server-error reports it
    assert "not_a_server_error" not in known_ids(contract)
    for check_id, title in BUILTIN_CHECKS.items():
        assert len(title) > 40 and "built-in check" not in title, check_id
    run, _ = broken_run
    titles = {r.id: r.title for r in run.results if r.phase == "contract"}
    assert titles["ignored_auth"] == BUILTIN_CHECKS["ignored_auth"]
    assert "5xx" in titles["no-server-error"]


def test_the_retired_id_is_named_with_its_successor() -> None:
    result = CliRunner().invoke(
        app, ["certify", "--base-url", "http://127.0.0.1:1", "--only", "not_a_server_error"]
    )
    assert result.exit_code == 2
    assert "not_a_server_error is now reported as no-server-error" in result.output


def test_terminal_reporter_prints_expected_and_actual() -> None:
    from rich.console import Console

    out = io.StringIO()
    reporter = TerminalReporter(Console(file=out, width=200, color_system=None))
    finding = Finding("x", "it broke", trace_id="trc-1", expected="404 A", actual="200")
    reporter(CheckFailed("scenarios", "x", finding))
    assert "expected 404 A, got 200 (trace trc-1)" in out.getvalue()


# -- integrity: manifest, signature, report verify --------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path, broken_run) -> Path:
    run, _ = broken_run
    out = tmp_path / "bundle"
    write_reports(run, out)
    return out


def _verify(*args: str) -> Any:
    return CliRunner().invoke(app, ["report", "verify", *args])


def _keys(tmp_path: Path, kid: str) -> tuple[Path, Path]:
    result = CliRunner().invoke(app, ["keys", "new", "--kid", kid, "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return tmp_path / f"{kid}.private.pem", tmp_path / f"{kid}.public.pem"


def test_the_manifest_holds_every_file_and_the_contract(bundle: Path, broken_run) -> None:
    import hashlib

    run, _ = broken_run
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert set(manifest["files"]) == {"junit.xml", "report.json", "report.md"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((bundle / name).read_bytes()).hexdigest()
    assert manifest["contract"] == {"version": run.contract_version, "sha256": run.contract_sha256}
    assert not (bundle / "manifest.sig").exists()
    result = _verify(str(bundle))
    assert result.exit_code == 0, result.output
    assert "intact — 3 files match manifest.json" in result.output and "not signed" in result.output


def test_a_changed_added_or_missing_file_fails_verification(bundle: Path) -> None:
    (bundle / "report.md").write_text("# Croupier certification report — PASSED\n")
    (bundle / "extra.txt").write_text("x")
    (bundle / "junit.xml").unlink()
    result = _verify(str(bundle))
    assert result.exit_code == 1
    assert "report.md changed" in result.output
    assert "junit.xml is missing" in result.output
    assert "extra.txt is not in the manifest" in result.output
    data = json.loads(_verify(str(bundle), "--format", "json").output)
    assert data["ok"] is False and len(data["problems"]) == 3


def test_a_signed_bundle_verifies_with_its_key_and_only_with_it(tmp_path: Path, broken_run) -> None:
    run, _ = broken_run
    private, public = _keys(tmp_path, "report-2026")
    _, other = _keys(tmp_path, "someone-else")
    out = tmp_path / "signed"
    write_reports(run, out, signing_key=load_signing_key(private))
    signature = json.loads((out / "manifest.sig").read_text())
    assert signature["algorithm"] == "ed25519" and len(signature["signature"]) == 128
    ok = _verify(str(out), "--public-key", str(public))
    assert ok.exit_code == 0, ok.output
    assert "signed by the given key sha256:" in ok.output
    assert "pass --public-key" in _verify(str(out)).output
    wrong = _verify(str(out), "--public-key", str(other))
    assert wrong.exit_code == 1 and "not by the --public-key given" in wrong.output
    # the manifest rewritten to match a changed report: the signature catches it
    report = out / "report.md"
    report.write_text(report.read_text().replace("FAILED", "PASSED"))
    manifest = json.loads((out / "manifest.json").read_text())
    import hashlib

    manifest["files"]["report.md"]["sha256"] = hashlib.sha256(report.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    tampered = _verify(str(out), "--public-key", str(public))
    assert tampered.exit_code == 1
    assert "manifest.json changed after it was signed" in tampered.output


def test_an_unsigned_bundle_fails_when_a_signer_is_required(bundle: Path, tmp_path: Path) -> None:
    _, public = _keys(tmp_path, "required")
    result = _verify(str(bundle), "--public-key", str(public))
    assert result.exit_code == 1 and "the bundle is not signed" in result.output


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda d: d / "nowhere", "is not a folder"),
        (lambda d: d, "has no manifest.json"),
    ],
)
def test_report_verify_exits_2_on_bad_input(tmp_path: Path, setup: Any, reason: str) -> None:
    result = _verify(str(setup(tmp_path)))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("croupier report: cannot run: "), lines
    assert reason in lines[0]


def test_report_verify_exits_2_on_a_bad_public_key(bundle: Path, tmp_path: Path) -> None:
    private, _ = _keys(tmp_path, "mixed-up")
    result = _verify(str(bundle), "--public-key", str(private))
    assert result.exit_code == 2
    assert "is not an unencrypted PEM public key" in result.output


def test_certify_exits_2_when_the_signing_key_is_not_ed25519(tmp_path: Path) -> None:
    _, public = _keys(tmp_path, "public-only")
    result = CliRunner().invoke(
        app, ["certify", "--base-url", "http://127.0.0.1:1", "--sign-report", str(public)]
    )
    assert result.exit_code == 2
    assert "--sign-report" in result.output and "private key" in result.output


# -- the docs -------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_sample_report_is_what_certify_wrote_and_signed() -> None:
    sample = DOCS / "reference" / "sample-report"
    result = _verify(str(sample), "--public-key", str(DOCS / "reference/sample-report.public.pem"))
    assert result.exit_code == 0, result.output
    markdown = (sample / "report.md").read_text(encoding="utf-8")
    for section in ("## Security summary", "## Coverage of the contract", "Assertions: "):
        assert section in markdown, section
    assert "Schemathesis built-in check" not in markdown and "trace None" not in markdown


def test_the_certify_guide_describes_every_check(contract: Any) -> None:
    guide = (DOCS / "guide" / "certify.md").read_text(encoding="utf-8")
    from croupier.conformance.certify._checks import CHECKS

    missing = [c for c in (*CHECKS, *BUILTIN_CHECKS) if f"| `{c}` |" not in guide]
    assert missing == []


def test_a_resent_write_not_answered_as_a_replay_is_a_problem() -> None:
    from croupier import SANDBOX_CREDENTIALS
    from croupier.conformance.certify._security import AuthFacts, SecurityTally

    def summary(second_replayed: bool) -> dict[str, Any]:
        tally = SecurityTally()
        facts = AuthFacts("valid", "hmac-sha256", "sbx-2026a", 0, "issued")
        tally.add(facts, 200, None, "kid=sbx-2026a,ts=1,sig=ab", False, write=True)
        tally.add(facts, 200, None, "kid=sbx-2026a,ts=1,sig=ab", second_replayed, write=True)
        rows = tally.summary(
            SANDBOX_CREDENTIALS,
            https=False,
            client_certificate=False,
            scopes_requested=[],
            scopes_granted=[],
        )["mechanisms"]
        return next(r for r in rows if r["id"] == "replay")

    assert not summary(True)["problem"]
    bad = summary(False)
    assert bad["problem"] and "**only 0 answered as idempotent replays**" in bad["how"]
