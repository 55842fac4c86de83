"""Certify without the control surface: fixture roles, balance deltas, real-time waits.

The sandbox started with `--no-control` stands in for an operator's staging; its seeded players
are the certification test-account kit the docs' profile names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from croupier import SANDBOX_SPLIT_CREDENTIALS, ContractClient, sandbox_server
from croupier.cli import app
from croupier.conformance.certify import CertifyOptions, Verdict, certify_target
from croupier.conformance.certify._fixtures import SANDBOX_KIT
from tests.conformance.certify.conftest import OneFault, serve
from tests.conformance.certify.test_broken_implementations import BROKEN
from tests.docs.test_examples import blocks

# Only these need what no fixture role can stand in for (see the docs page).
NEED_CONTROL = {
    "bonus-expiry-forfeits",
    "movement-events-emitted",
    "loss-limit-period-reset",
    "event-lag-within-budget",
    # events read back, limits set mid-play, bonuses, modes and faults, clock, second keys
    "event-payloads-match-movements",
    "rg-limit-hit-event",
    "reality-check-emitted",
    "loss-limit-counts-holds",
    "rg-most-restrictive-wins",
    "self-excluded-session-refused",
    "bonus-funding-order",
    "bonus-max-bet",
    "bonus-wagering-contribution",
    "degradation-modes",
    "injected-faults-retried",
    "replay-after-retention",
    "token-expires",
    "rotation-keys-and-token-binding",
    "ids-scoped-to-provider",
}
# ...and these need real time to pass when there is no sandbox clock.
NEED_TIME = {"session-time-limit", "expired-session-win-accepted", "session-expires-at-deadline"}


@pytest.mark.slow
def test_the_docs_profile_certifies_the_sandbox_without_its_control_surface(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "croupier-target.toml"
    profile.write_text(
        blocks("guide/certify-your-platform.md")["croupier-target.toml"], encoding="utf-8"
    )
    with sandbox_server(args=("--no-control", "--session-minutes", "2")) as base_url:
        assert httpx.get(f"{base_url}/sandbox/players").status_code == 404
        env = {
            "CROUPIER_TARGET_URL": base_url,
            # The OAuth client and the signing key are apart, each with a secret of its own.
            "CROUPIER_OAUTH_SECRET": SANDBOX_SPLIT_CREDENTIALS.oauth_client_secret,
            "CROUPIER_SIGNING_SECRET": SANDBOX_SPLIT_CREDENTIALS.secret,
        }
        result = CliRunner().invoke(
            app,
            ["certify", "--target", str(profile), "--phases", "scenarios", "--seed", "9"]
            + ["--max-examples", "3", "--report-dir", str(tmp_path / "report")],
            env=env,
        )
        with httpx.Client(base_url=base_url) as http:
            client = ContractClient(http)
            held = {
                player: client.call("GET", f"/v1/players/{player}/balance").json()["held"]
                for player in ("p_demo_1", "p_demo_2", "p_demo_jpy", "p_limit_stake")
            }
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    scenarios = {r["id"]: r for r in report["results"] if r["phase"] == "scenarios"}
    not_applicable = {i for i, r in scenarios.items() if r["verdict"] == "not_applicable"}
    assert not_applicable == NEED_CONTROL
    assert {i for i, r in scenarios.items() if r["verdict"] == "passed"} == (
        set(scenarios) - NEED_CONTROL
    )
    assert report["sandbox_surface"] is False
    assert report["settings"]["oauth_client_id"] == "sbx-client-2026a"
    assert report["settings"]["key_id"] == "sbx-sig-2026a"
    # Each scenario says what it used; none used a control.
    uses = {i: r["data"].get("uses", []) for i, r in scenarios.items() if i not in NEED_CONTROL}
    assert all(uses.values())
    assert [i for i, u in uses.items() if any(x.startswith("control:") for x in u)] == []
    assert "fixture: loss_limited" in uses["loss-limit"]
    assert "fixture: low_balance" in uses["insufficient-funds"]
    assert "fixture: funded.JPY" in uses["amount-precision"]
    for scenario_id in NEED_TIME:
        assert any(u.startswith("wait: ") for u in uses[scenario_id]), scenario_id
    # Holds the scenarios left were released: the fixture accounts hold nothing.
    assert all(money["amount"] in ("0.00", "0") for money in held.values()), held
    # Secrets from the environment are nowhere in the reports.
    for name in ("report.json", "report.md", "junit.xml"):
        text = (tmp_path / "report" / name).read_text(encoding="utf-8")
        assert SANDBOX_SPLIT_CREDENTIALS.secret not in text
        assert SANDBOX_SPLIT_CREDENTIALS.oauth_client_secret not in text
        assert "staging-2026-12" not in text  # an extra header's value
    assert "Test accounts and controls used" in (tmp_path / "report" / "report.md").read_text(
        encoding="utf-8"
    )


@pytest.fixture
def staging_app(tmp_path: Path) -> Any:
    """The sandbox app without its control surface, optionally wrapped in a fault."""
    from croupier.reference_impl import create_app

    def build(**fault: Any) -> Any:
        built = create_app(f"sqlite+aiosqlite:///{tmp_path / 'staging.db'}", control=False)
        return OneFault(built, **fault) if fault else built

    return build


def test_without_waits_only_control_and_time_scenarios_are_not_applicable(
    staging_app: Any, contract: Any
) -> None:
    with serve(staging_app()) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                seed=4,
                max_examples=2,
                phases=("scenarios",),
                fixtures=SANDBOX_KIT,
                max_wait_s=0,
            ),
            contract,
        )
    results = {r.id: r for r in run.results if r.phase == "scenarios"}
    not_applicable = {
        i: r.reason for i, r in results.items() if r.verdict == Verdict.NOT_APPLICABLE
    }
    assert set(not_applicable) == NEED_CONTROL | NEED_TIME
    for scenario_id in NEED_TIME:
        assert "max_wait_s" in not_applicable[scenario_id]
    bad = {
        i: r.findings or r.reason for i, r in results.items() if r.verdict in ("failed", "error")
    }
    assert bad == {} and run.passed


# The broken implementations certify catches with its control surface, caught from fixtures:
# the delta assertions need no fresh player to see a wrong movement.
FIXTURE_BROKEN = [case for case in BROKEN if case[1] != "session-time-limit,loss-limit"]


@pytest.mark.parametrize(
    ("fault", "only", "failing_ids"),
    FIXTURE_BROKEN,
    ids=[f.__name__.strip("_") for f, _, _ in FIXTURE_BROKEN],
)
def test_certify_fails_a_broken_platform_from_fixtures(
    staging_app: Any, contract: Any, fault: Any, only: str, failing_ids: set[str]
) -> None:
    with serve(staging_app(**fault())) as base_url:
        run = certify_target(
            CertifyOptions(
                base_url=base_url,
                seed=7,
                only=set(only.split(",")),
                phases=("scenarios",),
                fixtures=SANDBOX_KIT,
                max_wait_s=0,
            ),
            contract,
        )
    failed = {r.id for r in run.results if r.verdict == Verdict.FAILED}
    assert failed == failing_ids, run.to_dict(evidence_limit=0)
    assert not run.passed
