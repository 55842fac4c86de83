import json

from tests._benchload import load_bench


def _bench():
    return load_bench("compat_bench")


def test_bench_runs_on_a_small_contract(capsys):
    figures = _bench().main(["--resources", "3", "--repeat", "1"])
    assert figures["operations"] == 15
    # The revision narrows an enum and removes an operation: a major change.
    assert figures["required_bump"] == "major"
    assert figures["findings"] > 0
    assert figures["compat_s"] > 0 and figures["baseline_s"] > 0
    assert "ratio" in capsys.readouterr().out


def test_generated_contract_is_deterministic():
    bench = _bench()
    assert bench.make_spec(2) == bench.make_spec(2)
    assert bench.evolve(bench.make_spec(2)) == bench.evolve(bench.make_spec(2))


def test_corpus_agreement_holds_for_the_groups_built_so_far():
    result = _bench().agreement()
    assert result["cases"] >= 120
    groups = {k: tuple(map(int, v.split("/"))) for k, v in result["groups"].items()}
    # Every group agrees on every case, but for the two deliberate serialization misses.
    for name in ("policy", "keywords", "governance", "security", "inputs"):
        hits, total = groups[name]
        assert hits == total, (name, [m for m in result["misses"]])
    assert groups["serialization"][0] >= groups["serialization"][1] - 2
    # A new response enum value is a WARN here, not oasdiff's ERR: the one levels miss.
    assert groups["levels"][0] >= groups["levels"][1] - 1
    assert result["wire_agreement"] >= 0.97
    assert result["policy_agreement"] == 1.0


def test_confluent_agreement_bench_reads_the_public_case_format(tmp_path, capsys):
    bench = load_bench("confluent_jsonschema_agreement")
    open_ = {"type": "object", "properties": {"bet_id": {"type": "string"}}}
    wider = {"type": "object", "properties": {"bet_id": {"type": "string"}, "note": {}}}
    typed = {
        "type": "object",
        "properties": {"bet_id": {"type": "string"}, "n": {"type": "string"}},
    }
    cases = [
        # the same verdict for both policies (no lenient label)
        {"original_schema": open_, "update_schema": wider, "changes": [], "compatible": True},
        # a lenient label of its own: the policies differ
        {"original_schema": open_, "update_schema": typed, "compatible": False,
         "compatible_lenient": True},
        # a deliberately wrong label: one disagreement per policy, printed
        {"description": "mislabelled", "original_schema": {"type": "string"},
         "update_schema": {"type": "integer"}, "compatible": True},
        # registry metadata only: skipped
        {"original_schema": open_, "update_schema": open_, "compatible": False,
         "update_metadata": {"properties": {"confluent:reserved": "bet_id"}}},
    ]  # fmt: skip
    (tmp_path / "diff-schema-examples.json").write_text(json.dumps(cases))
    result = bench.main([str(tmp_path)])
    assert result["cases"] == 3 and result["skipped"] == 1
    for policy in ("confluent-strict", "confluent-lenient"):
        tally = result["policies"][policy]
        assert tally["agree"] == 2
        assert [d["description"] for d in tally["disagreements"]] == ["mislabelled"]
    out = capsys.readouterr().out
    assert "verdict agreement 2/3" in out and "TYPE_CHANGED" in out
