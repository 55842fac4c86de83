import pytest

from conformance.compat import compare_jsonschema, jsonschema_differences

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


def _breaking(base, rev, policy, mode="backward"):
    return any(
        f.level == "ERR"
        for f in compare_jsonschema("e", "e.json#", base, rev, mode=mode, policy=policy)
    )


# (base, revision, mode, croupier, confluent-strict, confluent-lenient) -> breaking?
CASES = [
    # An optional property added to an open schema: the case where the policies differ.
    (OPEN, OPEN_PLUS, "backward", False, True, False),
    # The same on a closed schema: old data cannot hold it, everyone agrees it is fine.
    (CLOSED, CLOSED_PLUS, "backward", False, False, False),
    # A required property added: old events lack it, under every policy but the lenient one.
    (OPEN, OPEN_PLUS_REQUIRED, "backward", True, True, False),
    # Closing the content model: old events may carry extra fields.
    (OPEN, CLOSED, "backward", False, True, False),
    # Removing a property from a closed schema: old events holding it fail.
    (CLOSED_PLUS, CLOSED, "backward", True, True, True),
    # Forward: the old reader of a closed schema rejects a new property.
    (CLOSED, CLOSED_PLUS, "forward", True, True, True),
    # A tightened constraint breaks backward under every policy.
    (OPEN, OPEN_NARROW, "backward", True, True, True),
    # ... and is fine forward (new data satisfies the old, looser schema).
    (OPEN, OPEN_NARROW, "forward", False, False, False),
]


@pytest.mark.parametrize(("base", "rev", "mode", "croupier", "strict", "lenient"), CASES)
def test_policy_verdicts(base, rev, mode, croupier, strict, lenient):
    assert _breaking(base, rev, "croupier", mode) is croupier
    assert _breaking(base, rev, "confluent-strict", mode) is strict
    assert _breaking(base, rev, "confluent-lenient", mode) is lenient


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
