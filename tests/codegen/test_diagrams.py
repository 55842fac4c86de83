"""The build-time diagrams: well-formed SVG, boxes apart, and only names the contract has."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from croupier import load_contract
from croupier.codegen._diagrams import _BOX_H, _BOX_W, _CELL_H, _CELL_W, DIAGRAMS, render_svg

from ..docs.conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def contract():
    return load_contract(ROOT)


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_diagram_is_a_scalable_svg_with_a_title(name: str) -> None:
    root = ET.fromstring(render_svg(DIAGRAMS[name]))
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == DIAGRAMS[name].title
    labels = " ".join(span.text or "" for span in root.iter(f"{SVG}tspan"))
    for box in DIAGRAMS[name].boxes:
        assert " ".join(box.label.split()) in labels, box.key


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_boxes_never_overlap_and_arrows_join_boxes(name: str) -> None:
    diagram = DIAGRAMS[name]
    keys = [b.key for b in diagram.boxes]
    assert len(keys) == len(set(keys))
    assert {a.source for a in diagram.arrows} | {a.target for a in diagram.arrows} <= set(keys)
    assert _CELL_W > _BOX_W and _CELL_H > _BOX_H  # a grid cell holds a box and a gap
    cells = [(b.col, b.row) for b in diagram.boxes]
    assert len(cells) == len(set(cells)), "two boxes share a grid cell"


def test_lifecycle_names_only_the_contracts_states_and_errors(contract) -> None:
    diagram = DIAGRAMS["bet-lifecycle"]
    schemas = contract.bundled["components"]["schemas"]
    declared_states = {
        value
        for schema in schemas.values()
        for prop in (schema.get("properties") or {}).values()
        if isinstance(prop, dict)
        for value in prop.get("enum", [])
    }
    assert set(diagram.states) <= declared_states
    assert set(diagram.error_codes) <= set(contract.error_catalog)
    refusals = [b.label for b in diagram.boxes if b.kind == "refused"]
    assert sorted(code for label in refusals for code in diagram.error_codes if code in label) == (
        sorted(diagram.error_codes)
    )
