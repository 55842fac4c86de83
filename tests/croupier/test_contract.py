from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openapi_spec_validator import validate

import croupier
from croupier import ContractError, bundle_openapi, contract_root, load_contract


def test_public_surface_is_the_sorted_all() -> None:
    assert croupier.__all__ == sorted(croupier.__all__)
    public = {name for name in dir(croupier) if not name.startswith("_")}
    # submodules and subpackages importable by name, not part of __all__
    modules = {"cli", "pytest_plugin", "codegen", "conformance", "reference_impl"}
    assert public - modules - set(croupier.__all__) == set()


def test_bundled_contract_is_self_contained_and_valid(contract) -> None:
    bundled = contract.bundled
    validate(bundled)
    text = json.dumps(bundled)
    assert '"$ref": "../' not in text and ".json" not in json.dumps(
        [n["$ref"] for n in _refs(bundled)]
    )
    money = bundled["components"]["schemas"]["Money"]
    assert money["title"] == "Money" and "$ref" not in money
    assert money["properties"]["currency"]["$ref"] == "#/components/schemas/Currency"


def test_sandbox_spec_bundles_with_the_contracts_components(contract) -> None:
    sandbox = contract.sandbox_bundled
    validate(sandbox)
    assert (
        sandbox["components"]["schemas"]["Error"]
        == contract.bundled["components"]["schemas"]["Error"]
    )
    assert sandbox["components"]["schemas"]["Money"]["title"] == "Money"


def test_sha256_is_stable_and_changes_with_the_contract(contract, tmp_path: Path) -> None:
    copy = tmp_path / "c"
    shutil.copytree(contract.root / "spec", copy / "spec")
    shutil.copytree(contract.root / "schemas", copy / "schemas")
    assert load_contract(copy).sha256 == contract.sha256
    money = copy / "schemas" / "common" / "money.json"
    money.write_text(money.read_text().replace("Never a JSON number.", "Never a float."))
    assert load_contract(copy).sha256 != contract.sha256


def test_every_event_example_validates(contract) -> None:
    assert len(contract.events) >= 13
    for event in contract.events:
        assert len(event.examples) >= 2, event.event_type
        for path, example in event.examples:
            assert contract.validate_event(example) == [], path


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        # money as a JSON number
        (lambda e: e["payload"]["stake"].update(amount=1.0), "payload/stake/amount"),
        # a payload field the schema requires
        (lambda e: e["payload"].pop("bet_id"), "bet_id"),
        # an envelope field the schema does not know
        (lambda e: e.update(extra=1), "extra"),
        # a schema version of another major
        (lambda e: e.update(schema_version="2.0.0"), "no schema"),
    ],
)
def test_invalid_events_are_reported(contract, mutate, fragment) -> None:
    event = json.loads(json.dumps(contract.event("bet.authorized").examples[0][1]))
    mutate(event)
    errors = contract.validate_event(event)
    assert errors and any(fragment in e for e in errors), errors


def test_contract_root_is_found_from_a_subfolder(contract, monkeypatch) -> None:
    monkeypatch.delenv("CROUPIER_CONTRACT_DIR", raising=False)
    assert contract_root(contract.root / "schemas" / "events") == contract.root


def test_missing_contract_is_a_contract_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CROUPIER_CONTRACT_DIR", str(tmp_path))
    with pytest.raises(ContractError, match="no spec/openapi.yaml"):
        contract_root()
    with pytest.raises(ContractError):
        load_contract(tmp_path)


def test_bundling_reports_a_missing_file(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\n"
        "components:\n  schemas:\n    X: {$ref: 'missing.json'}\n"
    )
    with pytest.raises(ContractError, match="missing"):
        bundle_openapi(spec)


def test_bundling_reports_conflicting_components(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"title": "Thing", "type": "string"}')
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\n"
        "components:\n  schemas:\n    Thing: {type: integer}\n"
        "    Uses: {properties: {t: {$ref: 'a.json'}}}\n"
    )
    with pytest.raises(ContractError, match="defined differently"):
        bundle_openapi(spec)


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)
