"""The certify engine's parts a user sees: catalog, registry rules, checks, reports, exit codes."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

import croupier.conformance.certify as certify
from croupier import free_port
from croupier.cli import app
from croupier.conformance.certify import (
    CaseResult,
    CertifyOptions,
    Exchange,
    Finding,
    RunResult,
    Verdict,
    certify_target,
    check_catalog,
    render_junit,
    render_markdown,
    scenario,
    scenario_catalog,
)
from croupier.conformance.certify._checks import ResponseView, run_response_checks
from croupier.conformance.certify._latency import percentile, slo_budgets
from tests.conformance.certify.conftest import serve


def test_public_surface_is_sorted() -> None:
    assert certify.__all__ == sorted(certify.__all__)


def test_scenario_catalog_has_stable_kebab_ids_and_one_line_titles() -> None:
    catalog = scenario_catalog()
    ids = [s["id"] for s in catalog]
    assert ids == sorted(set(ids))
    for entry in catalog:
        assert set(entry) == {"id", "title", "mandatory", "needs_sandbox"}
        assert "\n" not in entry["title"] and entry["title"].endswith(".")
    # the scenarios the certification promises
    assert {
        "idempotent-replay-authorize",
        "idempotent-replay-settle",
        "idempotent-replay-rollback",
        "idempotency-key-mismatch",
        "duplicate-bet-new-key",
        "settle-without-authorize",
        "rollback-unknown-then-authorize",
        "rollback-after-settle",
        "settle-after-rollback",
        "double-settle",
        "insufficient-funds",
        "wrong-currency",
        "amount-precision",
        "negative-and-zero-stake",
        "self-excluded-pending-win-paid",
        "loss-limit",
        "stake-limit",
        "session-time-limit",
        "expired-session-win-accepted",
        "two-players-isolated",
        "parallel-rounds-isolated",
        "idempotent-race",
        "missing-trace-id",
        "missing-idempotency-key",
        "bad-signature",
        "stale-timestamp",
        "movement-events-emitted",
        "money-conservation",
        # time travel through the sandbox clock
        "session-expires-at-deadline",
        "loss-limit-period-reset",
        "bonus-expiry-forfeits",
    } <= set(ids)


def test_check_catalog_ids() -> None:
    assert [c["id"] for c in check_catalog()] == [
        "error-body-conforms",
        "idempotent-replay-header",
        "no-server-error",
        "trace-id-echoed",
    ]


def test_a_duplicate_scenario_id_raises() -> None:
    with pytest.raises(ValueError, match="duplicate scenario id"):

        @scenario("double-settle")
        def again(ctx: Any) -> None:
            """Another double settle."""


@pytest.mark.parametrize("bad", ["Double_settle", "double settle", "-x", "x-"])
def test_a_scenario_id_must_be_kebab_case(bad: str) -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        scenario(bad)


def _view(
    status: int, body: Any, headers: dict[str, str] | None = None, sent: str = "trc-12345678"
) -> ResponseView:
    return ResponseView(
        method="POST",
        path="/v1/bets/settle",
        status=status,
        request_headers={"X-Trace-Id": sent},
        response_headers={"X-Trace-Id": sent, **(headers or {})},
        body=json.dumps(body).encode() if not isinstance(body, bytes) else body,
    )


ERROR = {
    "code": "BET_NOT_FOUND",
    "message": "no bet",
    "retryable": False,
    "trace_id": "trc-12345678",
}


@pytest.mark.parametrize(
    ("view", "failing"),
    [
        # conforming answers
        (_view(404, ERROR), []),
        (_view(200, {"ok": 1}), []),
        # error bodies
        (_view(409, ERROR), ["error-body-conforms"]),  # catalog status is 404
        (_view(404, {**ERROR, "retryable": True}), ["error-body-conforms"]),
        (_view(404, {**ERROR, "code": "NOPE"}), ["error-body-conforms"]),
        (_view(404, b"<html>"), ["error-body-conforms"]),
        (_view(404, {**ERROR, "trace_id": "trc-other000"}), ["error-body-conforms"]),
        # a replayed error is the stored body byte for byte: the first call's trace id
        (_view(404, {**ERROR, "trace_id": "trc-other000"}, {"Idempotent-Replayed": "true"}), []),
        # server errors
        (
            _view(500, {**ERROR, "code": "INTERNAL_ERROR", "retryable": True}),
            ["no-server-error"],
        ),
        # trace id echo and replay header
        (
            ResponseView("GET", "/v1/jackpots", 200, {"X-Trace-Id": "trc-12345678"}, {}, b"{}"),
            ["trace-id-echoed"],
        ),
        (_view(200, {}, {"Idempotent-Replayed": "yes"}), ["idempotent-replay-header"]),
    ],
)
def test_response_checks(contract: Any, view: ResponseView, failing: list[str]) -> None:
    assert [check for check, _ in run_response_checks(view, contract)] == failing


def test_sandbox_control_paths_are_not_contract_checked(contract: Any) -> None:
    view = ResponseView("GET", "/sandbox/players", 500, {}, {}, b"boom")
    assert run_response_checks(view, contract) == []


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50, 95, 99)
    assert percentile([7.0], 99) == 7.0


def test_every_operation_has_a_budget(contract: Any) -> None:
    budgets = slo_budgets(contract)
    assert "authorizeBet" in budgets and budgets["authorizeBet"]["p95_ms"] == 200


def _run() -> RunResult:
    run = RunResult("http://x", "1.0.0", "ab" * 32, "0.1.0", "2026-01-01T00:00:00Z", seed=42)
    exchange = Exchange("POST", "/v1/bets/settle", 404, "trc-1", 3.2)
    run.results = [
        CaseResult("double-settle", "Double.", "scenarios", Verdict.PASSED, evidence=[exchange]),
        CaseResult(
            "settle-without-authorize",
            "Settle.",
            "scenarios",
            Verdict.FAILED,
            findings=[Finding("settle-without-authorize", "expected 404, got 200")],
            evidence=[exchange],
        ),
        CaseResult("loss-limit", "Loss.", "scenarios", Verdict.NOT_APPLICABLE, reason="no sandbox"),
    ]
    return run


def test_junit_has_one_testcase_per_result_with_failures_named() -> None:
    root = ET.fromstring(render_junit(_run()))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"double-settle", "settle-without-authorize", "loss-limit"}
    assert cases["settle-without-authorize"].find("failure") is not None
    assert cases["loss-limit"].find("skipped") is not None
    assert "trc-1" in (cases["double-settle"].findtext("system-out") or "")


def test_markdown_report_names_contract_seed_and_not_applicable() -> None:
    text = render_markdown(_run())
    assert "FAILED" in text.splitlines()[0]
    assert "`42`" in text and "ab" * 32 in text
    assert "## Not applicable" in text and "no sandbox" in text


def test_cli_exits_2_when_the_target_is_unreachable(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        app,
        ["certify", "--base-url", f"http://127.0.0.1:{free_port()}", "--report-dir", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "unreachable" in result.output


def test_cli_exits_2_on_unknown_ids(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        app, ["certify", "--base-url", "http://127.0.0.1:1", "--only", "no-such-check"]
    )
    assert result.exit_code == 2
    assert "no-such-check" in result.output


# -- evidence in reports --------------------------------------------------------------------


def test_evidence_keeps_first_and_failing_steps_and_counts_the_elided() -> None:
    exchanges = [
        Exchange("POST", "/v1/bets/authorize", 200, f"trc-{i:08d}", 1.5, response_body="x" * 500)
        for i in range(1, 101)
    ]
    result = CaseResult(
        "money-conservation",
        "Money.",
        "scenarios",
        Verdict.FAILED,
        findings=[Finding("money-conservation", "off by one", trace_id="trc-00000070")],
        evidence=exchanges,
    )
    data = result.to_dict()
    steps = {e["step"]: e for e in data["evidence"]}
    assert data["evidence_total"] == 100
    assert data["evidence_elided"] == 100 - len(steps)
    # the finding's step; not the last one, since the finding names its own exchange
    assert set(range(1, 41)) | {70} == set(steps)
    assert steps[1]["response_body"] and "response_body" not in steps[20]
    assert steps[20]["trace_id"] == "trc-00000020" and steps[20]["elapsed_ms"] == 1.5
    assert steps[70]["failing"] and steps[70]["response_body"]
    junit = ET.fromstring(render_junit(_run_with(result)))
    out = next(junit.iter("system-out")).text or ""
    assert "70. POST /v1/bets/authorize → 200 trace=trc-00000070" in out
    assert f"{data['evidence_elided']} more exchanges elided" in out
    markdown = render_markdown(_run_with(result))
    assert "| 70 |" in markdown and "(failing step)" in markdown
    # a finding that names no exchange: the last one stands for the failure
    result.findings = [Finding("money-conservation", "off by one")]
    steps = {e["step"]: e for e in result.to_dict()["evidence"]}
    assert set(range(1, 41)) | {100} == set(steps) and steps[100]["failing"]


def _run_with(*results: CaseResult) -> RunResult:
    run = RunResult("http://x", "1.0.0", "ab" * 32, "0.1.0", "2026-01-01T00:00:00Z", seed=42)
    run.results = list(results)
    return run


# -- exit codes -----------------------------------------------------------------------------


def _reason(output: str) -> str:
    lines = [line for line in output.splitlines() if "cannot run" in line]
    assert len(lines) == 1, output
    return lines[0]


def test_cli_exits_2_with_one_line_when_credentials_are_refused(
    sandbox_app: Any, tmp_path: Any
) -> None:
    with serve(sandbox_app()) as base_url:
        result = CliRunner().invoke(
            app,
            ["certify", "--base-url", base_url, "--secret", "not-the-secret"]
            + ["--report-dir", str(tmp_path)],
        )
    assert result.exit_code == 2
    # The reason names the step that refused (here the token endpoint), never the secret.
    reason = _reason(result.output)
    assert "token endpoint /oauth/token refused OAuth client 'sbx-2026a'" in reason
    assert "not-the-secret" not in result.output
    assert "Traceback" not in result.output


def test_cli_exits_2_when_the_spec_is_unreadable(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("CROUPIER_CONTRACT_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["certify", "--base-url", "http://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "spec/openapi.yaml" in _reason(result.output)


@pytest.mark.parametrize(
    ("fault", "exit_code"),
    [
        # the sandbox itself passes
        ({}, 0),
        # a platform that accepts a settle for a bet it never authorized fails
        (
            {
                "on_response": lambda scope, req, status, headers, body: (
                    (200, headers, body)
                    if scope["path"] == "/v1/bets/settle"
                    else (status, headers, body)
                )
            },
            1,
        ),
    ],
    ids=["sandbox", "settle-without-authorize"],
)
def test_cli_exit_code_is_the_verdict(
    sandbox_app: Any, tmp_path: Any, fault: dict[str, Any], exit_code: int
) -> None:
    with serve(sandbox_app(**fault)) as base_url:
        result = CliRunner().invoke(
            app,
            ["certify", "--base-url", base_url, "--phases", "scenarios"]
            + ["--only", "settle-without-authorize", "--report-dir", str(tmp_path)],
        )
    assert result.exit_code == exit_code, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    verdict = {r["id"]: r["verdict"] for r in report["results"]}["settle-without-authorize"]
    assert verdict == ("passed" if exit_code == 0 else "failed")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_output_writes_the_verdict_to_a_file(sandbox_app: Any, tmp_path: Any, fmt: str) -> None:
    target = tmp_path / f"verdict.{fmt}"
    with serve(sandbox_app()) as base_url:
        result = CliRunner().invoke(
            app,
            ["certify", "--base-url", base_url, "--phases", "scenarios"]
            + ["--only", "settle-without-authorize", "--report-dir", str(tmp_path / "r")]
            + ["--format", fmt, "--output", str(target)],
        )
    assert result.exit_code == 0, result.output
    written = target.read_text(encoding="utf-8")
    assert "settle-without-authorize" in written and "\x1b[" not in written
    if fmt == "json":
        results = {r["id"]: r["verdict"] for r in json.loads(written)["results"]}
        assert results["settle-without-authorize"] == "passed"
        assert not result.stdout.strip().startswith("{")


# -- seeds replay the contract phase -----------------------------------------------------------


def test_the_same_seed_generates_the_same_contract_cases(tmp_path: Any, contract: Any) -> None:
    from croupier.reference_impl import create_app

    def fingerprints(seed: int, db: str) -> dict[str, Any]:
        # each run against a fresh sandbox, as a user replaying a failure would
        with serve(create_app(f"sqlite+aiosqlite:///{tmp_path / db}")) as base_url:
            run = certify_target(
                CertifyOptions(
                    base_url=base_url,
                    seed=seed,
                    max_examples=1,
                    phases=("contract",),
                    only={"no-server-error"},
                ),
                contract,
            )
        result = next(r for r in run.results if r.id == "no-server-error")
        assert result.verdict == Verdict.PASSED, (result.findings, result.reason)
        return dict(result.data["schemathesis_phases"])

    first, again = fingerprints(11, "first.db"), fingerprints(11, "again.db")
    assert set(first) == {"examples", "coverage", "fuzzing", "stateful"}
    assert first["stateful"]["status"] == "success" and first["stateful"]["requests"] > 0
    for phase in ("examples", "coverage", "fuzzing"):
        assert first[phase]["fingerprint"] and first[phase] == again[phase], phase


@pytest.mark.slow
def test_certify_leaves_no_hypothesis_folder_in_the_current_folder(
    sandbox_app: Any, tmp_path: Any
) -> None:
    import os
    import subprocess
    import sys

    here, cache, reports = tmp_path / "here", tmp_path / "cache", tmp_path / "reports"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env["XDG_CACHE_HOME"] = str(cache)
    with serve(sandbox_app()) as base_url:
        result = subprocess.run(
            [sys.executable, "-m", "croupier", "certify", "--base-url", base_url]
            + ["--phases", "contract", "--only", "no-server-error", "--max-examples", "1"]
            + ["--report-dir", str(reports), "--seed", "1"],
            cwd=here,
            env=env,
            capture_output=True,
            text=True,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in here.iterdir()) == []
    assert (cache / "croupier" / "hypothesis").is_dir()


# A --base-url without a usable scheme or host is named as such (exit 2), before any request.
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("127.0.0.1:9", "has no scheme: write http://127.0.0.1:9 or https://127.0.0.1:9"),
        ("ftp://127.0.0.1:9", "has the scheme 'ftp': use http or https"),
        ("http:///v1", "names no host"),
    ],
)
def test_cli_names_a_base_url_without_scheme_or_host(url: str, reason: str) -> None:
    result = CliRunner().invoke(app, ["certify", "--base-url", url])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"croupier certify: cannot run: --base-url {url!r} {reason}"
