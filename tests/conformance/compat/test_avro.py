import pytest

from croupier.conformance.compat import compare_avro

V1 = {"type": "record", "name": "BetSettled", "fields": [{"name": "bet_id", "type": "string"}]}
# A new field with a default: readable both ways.
V2_DEFAULT = {**V1, "fields": [*V1["fields"], {"name": "win", "type": "string", "default": "0"}]}
# A new field without a default: the new reader cannot fill it from old data.
V2_NO_DEFAULT = {**V1, "fields": [*V1["fields"], {"name": "win", "type": "string"}]}
# A widened type: int -> long is a promotion for readers, not for old readers of new data.
I1 = {"type": "record", "name": "R", "fields": [{"name": "n", "type": "int"}]}
I2 = {"type": "record", "name": "R", "fields": [{"name": "n", "type": "long"}]}


def _ids(base, rev, mode, earlier=None):
    return sorted({f.id for f in compare_avro("bet", base, rev, mode=mode, earlier=earlier)})


# (base, revision, mode) -> ids reported by the avro library's checker
CASES = [
    (V1, V2_DEFAULT, "backward", []),
    (V1, V2_DEFAULT, "forward", []),
    (V1, V2_DEFAULT, "full", []),
    (V1, V2_NO_DEFAULT, "backward", ["avro-reader-field-missing-default-value"]),
    (V1, V2_NO_DEFAULT, "forward", []),
    (V1, V2_NO_DEFAULT, "full", ["avro-reader-field-missing-default-value"]),
    (I1, I2, "backward", []),
    (I1, I2, "forward", ["avro-type-mismatch"]),
    (I1, I2, "full", ["avro-type-mismatch"]),
]


@pytest.mark.parametrize(("base", "rev", "mode", "ids"), CASES)
def test_modes(base, rev, mode, ids):
    assert _ids(base, rev, mode) == ids


@pytest.mark.parametrize("mode", ["backward-transitive", "forward-transitive", "full-transitive"])
def test_transitive_modes_check_earlier_versions(mode):
    # The earliest version had `win` without a default; base and revision dropped it.
    # New readers ignore `win` in old data (backward is fine), but the earliest reader
    # cannot fill `win` from new data: only a transitive forward check sees that.
    found = compare_avro("bet", V1, V1, mode=mode, earlier=[V2_NO_DEFAULT])
    messages = " ".join(f.message for f in found)
    if mode.startswith("backward"):
        assert found == []
    else:
        assert "earlier version 1" in messages


def test_enum_symbols_removed_breaks_forward_readers_of_new_data():
    e1 = {"type": "enum", "name": "Status", "symbols": ["OPEN", "SETTLED"]}
    e2 = {"type": "enum", "name": "Status", "symbols": ["OPEN", "SETTLED", "VOID"]}
    assert _ids(e1, e2, "forward") == ["avro-missing-enum-symbols"]
    assert _ids(e1, e2, "backward") == []
