import copy
import datetime as dt

import croupier.conformance.compat as compat
from croupier.conformance.compat import diff_openapi, explain

DOC = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1.0.0"},
    "paths": {
        "/v1/bets/{bet_id}": {
            "post": {
                "parameters": [
                    {
                        "name": "X-Trace-Id",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Bet"}}
                    }
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Bet"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Bet": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "readOnly": True},
                    "stake": {"type": "string"},
                    "next": {"$ref": "#/components/schemas/Bet"},
                },
            }
        }
    },
}


def ids(base, rev):
    return sorted(f.id for f in explain(diff_openapi(base, rev, dt.date(2025, 6, 1))))


def test_30_nullable_is_read_as_null_allowed():
    rev = copy.deepcopy(DOC)
    rev["components"]["schemas"]["Bet"]["properties"]["stake"]["nullable"] = True
    # Bet is both request and response: callers may send null (fine), readers may get it (not).
    assert ids(DOC, rev) == [
        "request-property-became-nullable",
        "response-property-became-nullable",
    ]


def test_renamed_path_parameter_is_not_a_removed_path():
    rev = copy.deepcopy(DOC)
    rev["paths"] = {"/v1/bets/{id}": rev["paths"]["/v1/bets/{bet_id}"]}
    assert ids(DOC, rev) == []


def test_header_parameter_names_are_case_insensitive():
    rev = copy.deepcopy(DOC)
    rev["paths"]["/v1/bets/{bet_id}"]["post"]["parameters"][0]["name"] = "x-trace-id"
    assert ids(DOC, rev) == []


def test_read_only_property_removal_does_not_concern_callers():
    rev = copy.deepcopy(DOC)
    del rev["components"]["schemas"]["Bet"]["properties"]["id"]
    assert ids(DOC, rev) == ["response-optional-property-removed"]


def test_recursive_schema_change_is_found_once_per_side():
    rev = copy.deepcopy(DOC)
    rev["components"]["schemas"]["Bet"]["properties"]["stake"]["type"] = "integer"
    assert ids(DOC, rev) == ["request-property-type-changed", "response-property-type-changed"]


def test_public_surface():
    assert compat.__all__ == sorted(compat.__all__)
    assert set(compat.__all__) == {
        "FORMATS",
        "MODES",
        "POLICIES",
        "RULES",
        "Change",
        "CompatError",
        "CompatResult",
        "Finding",
        "Loaded",
        "compare_avro",
        "compare_jsonschema",
        "compare_loaded",
        "declared_bump",
        "diff_openapi",
        "explain",
        "jsonschema_differences",
        "load_argument",
        "parse_version",
        "render",
        "required_bump",
        "rule_catalog",
    }
