"""The generated AsyncAPI 3.0 document: one channel per event schema, payloads that resolve."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from croupier import load_contract, load_document
from croupier.cli import app
from croupier.codegen import asyncapi_document, delivery_facts, load_settings
from croupier.codegen._docs_asyncapi import asyncapi_page
from croupier.reference_impl._relay import subject_for

REPO = Path(__file__).resolve().parents[2]
CONTRACT = load_contract(REPO)
DOC = yaml.safe_load((REPO / "schemas" / "asyncapi.yaml").read_text(encoding="utf-8"))
runner = CliRunner()


def test_the_checked_in_document_is_what_gen_writes() -> None:
    assert DOC == asyncapi_document(CONTRACT, load_settings(REPO))
    assert DOC["asyncapi"] == "3.0.0" and DOC["info"]["version"] == CONTRACT.version


def test_every_event_schema_has_a_channel_with_json_and_avro_messages() -> None:
    channels = DOC["channels"]
    assert len(channels) == len(CONTRACT.events)
    for ev in CONTRACT.events:
        cid = f"{ev.event_type.replace('.', '-')}-v{ev.major}"
        assert set(channels[cid]["messages"]) == {f"{cid}-json", f"{cid}-avro"}
        assert DOC["operations"][f"publish-{cid}"]["action"] == "send"


def test_payloads_resolve_and_the_examples_validate_against_them() -> None:
    schemas = REPO / "schemas"
    for mid, message in DOC["components"]["messages"].items():
        target = schemas / message["payload"]["schema"]["$ref"]
        assert target.is_file(), mid
        if mid.endswith("-json"):
            assert message["payload"]["schemaFormat"].startswith("application/schema+json")
            ev = next(e for e in CONTRACT.events if e.path == target)
            validator = CONTRACT.event_validator(ev.event_type, ev.major)
            assert message["examples"], mid
            for example in message["examples"]:
                assert not list(validator.iter_errors(example["payload"])), mid
        else:
            assert load_document(target)["type"] == "record"
            assert "examples" not in message


def test_the_address_is_the_relays_subject() -> None:
    for channel in DOC["channels"].values():
        address = channel["address"]
        assert set(re.findall(r"\{(\w+)\}", address)) == set(channel["parameters"])
        concrete = address.format(tenant_id="brand_demo", player_id="p_demo_1")
        assert concrete == subject_for("brand_demo", "p_demo_1")


def test_delivery_facts_come_from_delivery_yaml() -> None:
    facts = delivery_facts(CONTRACT)
    delivery = DOC["x-croupier-delivery"]
    assert (
        delivery["partition_key"] == facts["partition_key"]["fields"] == ["tenant_id", "player_id"]
    )
    assert delivery["lag_budget"]["max_ms"] == facts["lag_budget"]["max_ms"] == 300_000
    assert delivery["guarantee"] == "at-least-once"


def test_a_broken_delivery_file_makes_gen_exit_2(tmp_path: Path) -> None:
    for part in ("spec", "schemas", "codegen/generated"):
        shutil.copytree(REPO / part, tmp_path / part)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "schemas" / "delivery.yaml"
    path.write_text(path.read_text().replace("p95_ms: 60000", "p95_ms: soon"))
    result = runner.invoke(app, ["gen", str(tmp_path), "--check"])
    assert result.exit_code == 2
    assert "lag_budget.p95_ms must be an integer" in result.output


def test_the_reference_page_lists_every_channel() -> None:
    page = asyncapi_page(CONTRACT)
    for cid in DOC["channels"]:
        assert f"`{cid}`" in page
    assert "p95 ≤ 60000 ms, max ≤ 300000 ms" in page
    # The whole document is on the page, indented inside its collapsible block.
    assert "    asyncapi: 3.0.0" in page
