"""`croupier compat registry:URL/SUBJECT`: a registry subject as one more argument form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from croupier import free_port, sandbox_server
from croupier.cli import app

ROOT = Path(__file__).resolve().parents[3]
AVSC = ROOT / "schemas" / "avro" / "bet.settled" / "1.avsc"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["compat", "--format", "json", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    with sandbox_server(cwd=ROOT) as base:
        yield base + "/registry"


def test_the_contract_and_its_preloaded_registry_agree(registry: str) -> None:
    code, out = run(f"registry:{registry}/", str(ROOT))
    assert code == 0, out
    verdict = json.loads(out)
    assert verdict["counts"]["ERR"] == 0
    # Every event schema and Avro twin was compared: nothing was added or removed.
    assert not [f for f in verdict["findings"] if f["id"].endswith(("-added", "-removed"))]


def test_a_subject_against_a_breaking_local_file(registry: str, tmp_path: Path) -> None:
    twin = json.loads(AVSC.read_text(encoding="utf-8"))
    twin["fields"].append({"name": "casino_note", "type": "string"})  # no default
    broken = tmp_path / "1.avsc"
    broken.write_text(json.dumps(twin), encoding="utf-8")
    code, out = run(f"registry:{registry}/bet.settled.v1-avro", str(broken))
    assert code == 1, out
    ids = {f["id"] for f in json.loads(out)["findings"]}
    assert ids == {"avro-reader-field-missing-default-value"}
    code, out = run(f"registry:{registry}/bet.settled.v1-avro@1", str(AVSC))
    assert code == 0, out


def test_a_registered_evolution_is_read_by_version(registry: str) -> None:
    subject = "tips-value"
    v1 = {"type": "record", "name": "Tip", "fields": [{"name": "a", "type": "string"}]}
    v2 = {**v1, "fields": [*v1["fields"], {"name": "b", "type": "int", "default": 0}]}
    for schema in (v1, v2):
        r = httpx.post(
            f"{registry}/subjects/{subject}/versions",
            json={"schema": json.dumps(schema)},
            timeout=120,
        )
        assert r.status_code == 200, r.text
    code, out = run(f"registry:{registry}/{subject}@1", f"registry:{registry}/{subject}")
    assert code == 0, out
    code, out = run(
        "--mode", "forward", f"registry:{registry}/{subject}", f"registry:{registry}/{subject}@1"
    )
    assert code == 0, out  # v1 reading v2 data: b is dropped, a is there


@pytest.mark.parametrize(
    ("argument", "reason"),
    [
        ("registry:{url}/no-such-subject", "answered 404"),
        ("registry:{url}/bet.settled.v1-avro@7", "answered 404"),
        ("registry:ftp://example/x", "give registry:http(s)://"),
        ("registry:http://127.0.0.1:{port}/registry/x", "cannot reach the registry"),
    ],
)
def test_registry_arguments_that_cannot_be_read_exit_2(
    registry: str, argument: str, reason: str
) -> None:
    result = runner.invoke(
        app, ["compat", argument.format(url=registry, port=free_port()), str(AVSC)]
    )
    assert result.exit_code == 2
    assert reason in result.output and "Traceback" not in result.output
