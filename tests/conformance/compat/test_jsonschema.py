import pytest

from croupier.conformance.compat import compare_jsonschema, jsonschema_differences

OPEN = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
OPEN_PLUS = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "note": {"type": "string"}},
    "required": ["id"],
}
CLOSED = {**OPEN, "additionalProperties": False}
CLOSED_PLUS = {**OPEN_PLUS, "additionalProperties": False}
OPEN_PLUS_REQUIRED = {**OPEN_PLUS, "required": ["id", "note"]}
OPEN_NARROW = {
    "type": "object",
    "properties": {"id": {"type": "string", "maxLength": 8}},
    "required": ["id"],
}


PARTIAL = {**OPEN, "additionalProperties": {"type": "string"}}
PARTIAL_COVERED = {**OPEN_PLUS, "additionalProperties": {"type": "string"}}
PARTIAL_NOT_COVERED = {
    **PARTIAL,
    "properties": {"id": {"type": "string"}, "note": {"type": "integer"}},
}
ENUM = {"type": "object", "properties": {"s": {"enum": ["a"]}}}
ENUM_PLUS = {"type": "object", "properties": {"s": {"enum": ["a", "b"]}}}
STR = {"type": "object", "properties": {"s": {"type": "string"}}}
STR_NULL = {"type": "object", "properties": {"s": {"type": ["string", "null"]}}}


def _verdict(base, rev, policy, mode):
    levels = {f.level for f in compare_jsonschema("e", "e#", base, rev, mode=mode, policy=policy)}
    return "x" if "ERR" in levels else "!" if "WARN" in levels else "ok"


def _breaking(base, rev, policy, mode="backward"):
    return _verdict(base, rev, policy, mode) == "x"


# The table of docs/guide/jsonschema-policies.md, row by row:
# (base, revision, croupier B/F, confluent-strict B/F, confluent-lenient B/F)
TABLE = [
    # add optional property, open schema: the case where the policies differ
    (OPEN, OPEN_PLUS, "ok/ok", "x/ok", "ok/ok"),
    # add optional property, closed schema
    (CLOSED, CLOSED_PLUS, "ok/x", "ok/x", "ok/x"),
    # add required property, open schema
    (OPEN, OPEN_PLUS_REQUIRED, "x/ok", "x/ok", "ok/ok"),
    # close an open schema
    (OPEN, CLOSED, "!/ok", "x/ok", "ok/ok"),
    # remove optional property, open / closed schema
    (OPEN_PLUS, OPEN, "ok/ok", "ok/x", "ok/ok"),
    (CLOSED_PLUS, CLOSED, "x/ok", "x/ok", "x/ok"),
    # add a property covered / not covered by a partially open model
    (PARTIAL, PARTIAL_COVERED, "ok/ok", "ok/ok", "ok/ok"),
    (PARTIAL, PARTIAL_NOT_COVERED, "x/x", "x/x", "x/x"),
    # maxLength decreased, enum value added, null allowed
    (OPEN, OPEN_NARROW, "x/ok", "x/ok", "x/ok"),
    (ENUM, ENUM_PLUS, "ok/x", "ok/x", "ok/x"),
    (STR, STR_NULL, "ok/x", "ok/x", "ok/x"),
]


@pytest.mark.parametrize(("base", "rev", "croupier", "strict", "lenient"), TABLE)
def test_policy_table(base, rev, croupier, strict, lenient):
    for policy, expected in (
        ("croupier", croupier),
        ("confluent-strict", strict),
        ("confluent-lenient", lenient),
    ):
        got = f"{_verdict(base, rev, policy, 'backward')}/{_verdict(base, rev, policy, 'forward')}"
        assert got == expected, policy


def test_full_mode_is_backward_and_forward():
    assert _breaking(CLOSED, CLOSED_PLUS, "croupier", "full")
    assert _breaking(OPEN, OPEN_NARROW, "croupier", "full")
    assert not _breaking(OPEN, OPEN_PLUS, "croupier", "full")


def test_open_content_model_difference_is_named_and_explained():
    findings = compare_jsonschema(
        "bet.settled/1", "x.json#", OPEN, OPEN_PLUS, policy="confluent-strict"
    )
    (f,) = findings
    assert f.id == "event-optional-property-added-to-open-content-model"
    assert f.location == "x.json#/properties/note"
    assert "any value" in f.explanation
    ours = compare_jsonschema("bet.settled/1", "x.json#", OPEN, OPEN_PLUS, policy="croupier")
    assert [(x.id, x.level, x.bump) for x in ours] == [
        ("event-optional-property-added-to-open-content-model", "INFO", "minor")
    ]


def test_type_changes_and_enums():
    assert ("TYPE_CHANGED", "#/properties/id") in jsonschema_differences(
        OPEN, {**OPEN, "properties": {"id": {"type": "integer"}}}
    )
    narrowed = jsonschema_differences({"type": "number"}, {"type": "integer"})
    assert narrowed == [("TYPE_NARROWED", "#")]
    assert jsonschema_differences({"enum": ["a", "b"]}, {"enum": ["a"]}) == [
        ("ENUM_ARRAY_NARROWED", "#")
    ]
    assert jsonschema_differences({"enum": ["a"]}, {"enum": ["a", "b"]}) == [
        ("ENUM_ARRAY_EXTENDED", "#")
    ]


def test_nullable_type_array_is_a_sum_type_extension():
    diffs = jsonschema_differences({"type": "string"}, {"type": ["string", "null"]})
    assert ("SUM_TYPE_EXTENDED", "#") in diffs
    assert not _breaking({"type": "string"}, {"type": ["string", "null"]}, "confluent-strict")
    assert _breaking({"type": ["string", "null"]}, {"type": "string"}, "confluent-strict")


def test_recursive_schema_terminates():
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "value": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
            }
        },
        "$ref": "#/$defs/node",
    }
    tree2 = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
            }
        },
        "$ref": "#/$defs/node",
    }
    assert jsonschema_differences(tree, tree) == []
    assert ("TYPE_CHANGED", "#/properties/value") in jsonschema_differences(tree, tree2)


def test_transitive_mode_checks_every_earlier_version():
    v1 = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "additionalProperties": False,
    }
    v2 = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    v3 = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    # v2 -> v3 breaks b's type either way; check transitive also reaches v1.
    plain = compare_jsonschema("e", "e#", v2, v3, mode="backward")
    transitive = compare_jsonschema("e", "e#", v2, v3, mode="backward-transitive", earlier=[v1])
    assert any("earlier version 1" in f.message for f in transitive)
    assert not any("earlier version" in f.message for f in plain)


def test_external_refs_resolve_through_the_lookup():
    money = {"type": "object", "properties": {"amount": {"type": "string"}}}
    money2 = {"type": "object", "properties": {"amount": {"type": "number"}}}
    schema = {"type": "object", "properties": {"stake": {"$ref": "../common/money.json"}}}
    inline = {"type": "object", "properties": {"stake": money2}}
    assert jsonschema_differences(schema, inline, lookup={"common/money.json": money}) == [
        ("TYPE_CHANGED", "#/properties/stake/properties/amount")
    ]
    assert jsonschema_differences(
        {"$ref": "m1"}, {"$ref": "m2"}, lookup={"m1": money, "m2": money2}
    ) == [("TYPE_CHANGED", "#/properties/amount")]


def test_properties_beside_all_of_are_compared_in_place():
    # The event files combine the shared envelope (allOf) with their own properties.
    base = {
        "allOf": [{"$ref": "envelope.json"}],
        "type": "object",
        "properties": {"payload": {"type": "object"}},
    }
    rev = {
        **base,
        "properties": {"payload": {"type": "object"}, "note": {"type": "string"}},
        "required": ["note"],
    }
    env = {"type": "object", "properties": {"event_id": {"type": "string"}}}
    diffs = jsonschema_differences(base, rev, lookup={"envelope.json": env})
    assert diffs == [("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/note")]
