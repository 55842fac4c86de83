"""The reference pages follow the contract: every operation, code and event, no hand edits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from croupier import load_contract
from croupier.codegen import _docs_pages as pages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def contract():
    return load_contract(ROOT)


@pytest.fixture(scope="module")
def generated(contract):
    return pages.reference_pages(contract, catalogs=[])


def _copy_contract(tmp_path: Path) -> Path:
    for name in ("spec", "schemas"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def _api_text(generated: dict[str, str]) -> str:
    return "\n".join(v for k, v in generated.items() if k.startswith(pages.API_DIR + "/"))


# Every operation, error code and event type of the contract has its place.


def test_every_operation_is_documented_with_its_facts(contract, generated):
    api = _api_text(generated)
    index = generated[f"{pages.API_DIR}/index.md"]
    for op in pages.operations(contract.bundled):
        page = generated[f"{pages.API_DIR}/{op.tag}.md"]
        assert f"{{#{op.operation_id}}}" in page, op.operation_id
        assert f"`{op.method} {op.path}`" in page
        assert f"`{op.method} {op.path}`" in index and f"`{op.operation_id}`" in index
        slo = op.spec.get("x-slo")
        if slo:
            assert f"p95 ≤ {slo['p95_ms']} ms" in page
        for requirement in op.spec.get("security", []):
            for scope in requirement.get("oauth2", []):
                assert f"`{scope}`" in page
    assert "### Parameters" in api and "### Request body" in api and "### Responses" in api


def test_fields_follow_refs_into_nested_schemas(generated):
    bets = generated[f"{pages.API_DIR}/bets.md"]
    # BetAuthorizeRequest.stake is a $ref to Money, itself an external file in spec/.
    assert "| `stake.amount` | string | yes |" in bets
    assert "| `balance.available.currency` |" in bets
    assert "[Money](schemas.md#schema-Money)" in bets


def test_error_responses_list_their_codes(contract, generated):
    bets = generated[f"{pages.API_DIR}/bets.md"]
    assert "[`IDEMPOTENCY_MISMATCH`](../errors.md#IDEMPOTENCY_MISMATCH)" in bets
    assert "[`INSUFFICIENT_FUNDS`](../errors.md#INSUFFICIENT_FUNDS)" in bets


def test_every_error_code_has_status_retryable_meaning_and_action(contract, generated):
    errors = generated[pages.ERRORS_PAGE]
    assert contract.error_catalog
    for code, entry in contract.error_catalog.items():
        section = errors.split(f"## {code} {{#{code}}}", 1)[1].split("\n## ", 1)[0]
        assert f"**HTTP {entry['status']}**" in section
        assert f"retryable: **{'yes' if entry['retryable'] else 'no'}**" in section
        assert entry["description"] in section and entry["action"] in section


def test_every_event_type_has_a_page(contract, generated):
    index = generated[f"{pages.EVENTS_DIR}/index.md"]
    for ev in contract.events:
        page = generated[f"{pages.EVENTS_DIR}/{ev.event_type}.md"]
        assert page.startswith("<!--") and f"# {ev.event_type}\n" in page
        assert f"[`{ev.event_type}`]({ev.event_type}.md)" in index
        assert "## Envelope fields" in page and "`event_id`" in page
        assert "## Payload fields" in page
        for _, example in ev.examples:
            assert json.dumps(example, indent=2, ensure_ascii=False) in page


def test_sandbox_control_surface_is_documented(contract, generated):
    page = generated[pages.SANDBOX_PAGE]
    for op in pages.operations(contract.sandbox_bundled):
        assert f"{{#{op.operation_id}}}" in page and f"`{op.method} {op.path}`" in page


def test_changelog_is_the_contract_changelog(generated):
    text = (ROOT / "spec" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert generated[pages.CHANGELOG_PAGE].endswith(text)


# Editing the contract changes the pages, with no hand edit.


def test_a_new_request_field_appears_without_a_hand_edit(tmp_path):
    root = _copy_contract(tmp_path)
    spec_path = root / "spec" / "openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["SessionCreateRequest"]["properties"]["loyalty_tier"] = {
        "description": "The player's loyalty tier, for tier-specific game features.",
        "type": "string",
        "enum": ["bronze", "silver", "gold"],
    }
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    before = pages.reference_pages(load_contract(ROOT), catalogs=[])
    after = pages.reference_pages(load_contract(root), catalogs=[])
    for page in (f"{pages.API_DIR}/sessions.md", f"{pages.API_DIR}/schemas.md"):
        assert "loyalty_tier" not in before[page]
        assert "| `loyalty_tier` | string | no | The player's loyalty tier" in after[page]
        assert '`"gold"`' in after[page]


def test_a_new_event_payload_field_and_error_code_appear(tmp_path):
    root = _copy_contract(tmp_path)
    event_path = root / "schemas" / "events" / "bet.settled" / "1.json"
    schema = json.loads(event_path.read_text(encoding="utf-8"))
    schema["properties"]["payload"]["properties"]["rtp_band"] = {
        "description": "Return-to-player band of the game configuration.",
        "type": "string",
    }
    event_path.write_text(json.dumps(schema), encoding="utf-8")
    spec_path = root / "spec" / "openapi.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["components"]["x-error-catalog"]["ROUND_LOCKED"] = {
        "status": 409,
        "retryable": True,
        "description": "The round is being closed by another call.",
        "action": "Retry shortly with the same key.",
    }
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    after = pages.reference_pages(load_contract(root), catalogs=[])
    assert (
        "| `payload.rtp_band` | string | no | Return-to-player band"
        in after[f"{pages.EVENTS_DIR}/bet.settled.md"]
    )
    assert "## ROUND_LOCKED {#ROUND_LOCKED}" in after[pages.ERRORS_PAGE]


def test_avro_twin_is_shown_when_generated(tmp_path):
    root = _copy_contract(tmp_path)
    avro_dir = root / "schemas" / "avro"
    shutil.rmtree(avro_dir, ignore_errors=True)
    without = pages.event_pages(load_contract(root))[f"{pages.EVENTS_DIR}/wallet.debit.md"]
    assert "Not generated in this build" in without
    (avro_dir / "wallet.debit").mkdir(parents=True)
    twin = {"type": "record", "name": "WalletDebitTwinForTest", "fields": []}
    (avro_dir / "wallet.debit" / "1.avsc").write_text(json.dumps(twin), encoding="utf-8")
    with_twin = pages.event_pages(load_contract(root))[f"{pages.EVENTS_DIR}/wallet.debit.md"]
    assert "WalletDebitTwinForTest" in with_twin and "Not generated" not in with_twin


# Registries: a missing one is a clear note on the site, and a failing test here.


def test_catalog_page_says_when_a_registry_is_missing():
    missing = pages.Catalog("x", "X rules", "reference/x.md", "nowhere:cat", "Intro.", None, "boom")
    text = pages.catalog_page(missing)
    assert "Not available in this build" in text and "boom" in text


def test_catalog_page_lists_entries_with_anchors():
    entries = [
        {"id": "money-as-string", "level": "ERR", "doc": "Money amounts are strings."},
        {"id": "trace-id-everywhere", "level": "WARN", "doc": "Every call takes X-Trace-Id."},
    ]
    catalog = pages.Catalog("x", "X rules", "reference/x.md", "m:f", "Intro.", entries)
    text = pages.catalog_page(catalog)
    assert "## money-as-string {#money-as-string}" in text
    assert "| [`trace-id-everywhere`](#trace-id-everywhere) | WARN | Every call" in text


@pytest.mark.parametrize("catalog", pages.CATALOGS, ids=lambda c: c.key)
def test_registry_is_importable_and_fully_documented(catalog):
    (loaded,) = pages.load_catalogs([catalog])
    assert loaded.available, (
        f"{catalog.target} is not importable ({loaded.error}); the docs site shows "
        f"'{catalog.title}' as not available in this build"
    )
    assert loaded.entries, f"{catalog.target} returned no entries"
    text = pages.catalog_page(loaded)
    for entry in loaded.entries:
        assert f"{{#{entry['id']}}}" in text


def test_the_rules_page_shows_each_rule_its_checks_and_their_sample_verdicts() -> None:
    from croupier.conformance.certify import RULES, rule_checks

    contract = load_contract(ROOT)
    catalog = next(c for c in pages.load_catalogs() if c.key == "rules")
    text = pages.rules_page(contract, catalog)
    assert text.startswith("<!-- Generated at build time")
    for rule_id, checks in rule_checks().items():
        row = next(line for line in text.splitlines() if f'<span id="{rule_id}">' in line)
        assert checks and all(f"`{c}`" in row for c in checks), rule_id
    verdicts = pages._sample_verdicts(contract)[0]
    assert (
        verdicts
        and f"`bet-win-balance`](certify-scenarios.md#bet-win-balance) "
        f"{verdicts.get('bet-win-balance', '*not in the sample*')}"
        in text
    )
    assert len(RULES) >= 90
