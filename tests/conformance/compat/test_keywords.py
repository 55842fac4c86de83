"""2020-12 keywords in every sub-schema position, and refactors that must report nothing."""

import copy
import datetime as dt

import pytest

from croupier.conformance.compat import diff_openapi, explain


def _doc(request: dict, response: dict | None = None, components: dict | None = None) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/v1/bets": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": request}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": response or {}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": components or {}},
    }


def _ids(base: dict, rev: dict) -> set[str]:
    found = explain(diff_openapi(base, rev, dt.date(2025, 6, 1)))
    return {f.id for f in found if f.category == "wire"}


def _prop(schema: dict) -> dict:
    return {"type": "object", "properties": {"p": schema}}


CASES = [
    # Inside `not` a change moves the outer schema the other way.
    (
        _prop({"not": {"enum": ["a"]}}),
        _prop({"not": {"enum": ["a", "b"]}}),
        {"request-property-constraint-tightened"},
    ),
    (
        _prop({"not": {"enum": ["a", "b"]}}),
        _prop({"not": {"enum": ["a"]}}),
        {"request-property-constraint-loosened"},
    ),
    (_prop({}), _prop({"not": {"const": "x"}}), {"request-property-constraint-tightened"}),
    # A change inside `if` moves both ways; inside `then` it keeps its direction.
    (
        _prop({"if": {"minLength": 2}, "then": {"maxLength": 5}}),
        _prop({"if": {"minLength": 3}, "then": {"maxLength": 5}}),
        {"request-property-constraint-tightened", "request-property-constraint-loosened"},
    ),
    (
        _prop({"if": {"minLength": 2}, "then": {"maxLength": 5}}),
        _prop({"if": {"minLength": 2}, "then": {"maxLength": 4}}),
        {"request-property-max-length-decreased"},
    ),
    # Inside contains, prefixItems, dependentSchemas, propertyNames, unevaluatedProperties.
    (
        _prop({"contains": {"enum": ["a", "b"]}}),
        _prop({"contains": {"enum": ["a"]}}),
        {"request-property-enum-value-removed"},
    ),
    (
        _prop({"prefixItems": [{"type": "string"}]}),
        _prop({"prefixItems": [{"type": "integer"}]}),
        {"request-property-type-changed"},
    ),
    (
        _prop({"dependentSchemas": {"a": {"required": ["b"], "properties": {"b": {}}}}}),
        _prop({"dependentSchemas": {"a": {"required": ["b", "c"], "properties": {"b": {}}}}}),
        {"request-property-became-required"},  # `c`, named only in the dependent schema
    ),
    (
        _prop({"propertyNames": {"maxLength": 10}}),
        _prop({"propertyNames": {"maxLength": 8}}),
        {"request-property-max-length-decreased"},
    ),
    (
        _prop({"unevaluatedProperties": {"type": "string"}}),
        _prop({"unevaluatedProperties": {"type": "integer"}}),
        {"request-property-type-changed"},
    ),
    (
        _prop({"unevaluatedProperties": {"type": "string"}}),
        _prop({"unevaluatedProperties": False}),
        {"request-property-constraint-tightened"},
    ),
    # A closed tuple (items: false) that gains a position accepts longer arrays.
    (
        _prop({"prefixItems": [{}], "items": False}),
        _prop({"prefixItems": [{}, {}], "items": False}),
        {"request-property-constraint-loosened"},
    ),
    # dependentRequired that grows is a new requirement; one that shrinks is a relief.
    (
        _prop({"dependentRequired": {"a": ["b"]}}),
        _prop({"dependentRequired": {"a": ["b", "c"]}}),
        {"request-property-dependent-required-added"},
    ),
    (
        _prop({"dependentRequired": {"a": ["b", "c"]}}),
        _prop({"dependentRequired": {"a": ["b"]}}),
        {"request-property-dependent-required-removed"},
    ),
    # Numbers as 2020-12 exclusive bounds; minProperties/maxProperties: oasdiff's bound ids.
    (
        _prop({"exclusiveMaximum": 10}),
        _prop({"exclusiveMaximum": 5}),
        {"request-property-exclusive-max-decreased"},
    ),
    (
        _prop({"exclusiveMinimum": 5}),
        _prop({"exclusiveMinimum": 1}),
        {"request-property-exclusive-min-decreased"},
    ),
    (
        _prop({"maxProperties": 5}),
        _prop({"maxProperties": 3}),
        {"request-property-max-properties-decreased"},
    ),
    (_prop({}), _prop({"minProperties": 1}), {"request-property-min-properties-set"}),
    # uniqueItems and multipleOf have no bound id: judged by direction.
    (_prop({}), _prop({"uniqueItems": True}), {"request-property-constraint-tightened"}),
    (_prop({"multipleOf": 2}), _prop({"multipleOf": 4}), {"request-property-constraint-tightened"}),
    (_prop({"multipleOf": 4}), _prop({"multipleOf": 2}), {"request-property-constraint-loosened"}),
    # const: an enum of one value and a const are the same schema.
    (_prop({"enum": ["x"]}), _prop({"const": "x"}), set()),
    (_prop({"const": "x"}), _prop({"const": "y"}), {"request-property-const-changed"}),
]


@pytest.mark.parametrize(("base", "rev", "expected"), CASES)
def test_request_side_keyword_changes(base, rev, expected):
    assert _ids(_doc(base), _doc(rev)) == expected


def test_keyword_change_on_the_body_itself_uses_the_body_id():
    assert _ids(_doc({"type": "array"}), _doc({"type": "array", "contains": {}})) == {
        "request-body-contains-added"
    }


def test_response_side_reads_the_direction_the_other_way():
    base = _doc({}, _prop({"not": {"enum": ["a", "b"]}}))
    rev = _doc({}, _prop({"not": {"enum": ["a"]}}))  # the response may now hold "b"
    assert _ids(base, rev) == {"response-property-constraint-loosened"}


def test_one_of_all_of_ref_chain_reaches_the_changed_component():
    def doc(max_length):
        comps = {"Name": {"type": "string", "maxLength": max_length}}
        chain = _prop(
            {"oneOf": [{"allOf": [{"$ref": "#/components/schemas/Name"}]}, {"type": "integer"}]}
        )
        return _doc(chain, None, comps)

    assert _ids(doc(10), doc(5)) == {"request-property-max-length-decreased"}


def test_a_parameter_keyword_change_is_judged_by_direction():
    base = _doc({})
    rev = copy.deepcopy(base)
    param = {"name": "ids", "in": "query", "schema": {"type": "array"}}
    base["paths"]["/v1/bets"]["post"]["parameters"] = [param]
    rev["paths"]["/v1/bets"]["post"]["parameters"] = [
        {**param, "schema": {"type": "array", "contains": {"const": "a"}}}
    ]
    assert _ids(base, rev) == {"request-parameter-constraint-tightened"}


# Refactors: the same wire contract written differently reports nothing.
REFACTORS = [
    (
        _doc({"$ref": "#/components/schemas/A"}, None, {"A": _prop({"type": "string"})}),
        _doc(_prop({"type": "string"}), None, {"A": _prop({"type": "string"})}),
    ),
    (
        _doc({"type": "object", "required": ["a"], "properties": {"a": {}, "b": {}}}),
        _doc(
            {
                "allOf": [
                    {"type": "object", "required": ["a"], "properties": {"a": {}}},
                    {"properties": {"b": {}}},
                ]
            }
        ),
    ),
    (
        _doc({"allOf": [{"$ref": "#/components/schemas/A"}]}, None, {"A": _prop({})}),
        _doc(_prop({}), None, {"A": _prop({})}),
    ),
]


@pytest.mark.parametrize(("base", "rev"), REFACTORS)
def test_a_pure_refactor_reports_nothing(base, rev):
    assert _ids(base, rev) == set()
    assert _ids(rev, base) == set()
