"""The sandbox's schema registry, driven by confluent-kafka's own client and serializers."""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from croupier import bundle_event_schema, sandbox_server

from .conftest import CONTRACT

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.schema_registry.error import SchemaRegistryError
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

SETTLED = CONTRACT.event("bet.settled")
EXAMPLE = SETTLED.examples[0][1]
AVSC = (CONTRACT.schemas_dir / "avro" / "bet.settled" / "1.avsc").read_text(encoding="utf-8")
CTX = SerializationContext("croupier.events", MessageField.VALUE)

RECORD_V1 = {"type": "record", "name": "Tip", "fields": [{"name": "a", "type": "string"}]}
# Adding a field with a default is backward compatible; without one it is not.
RECORD_V2 = {
    **RECORD_V1,
    "fields": [*RECORD_V1["fields"], {"name": "b", "type": "int", "default": 0}],
}
RECORD_BAD = {**RECORD_V1, "fields": [*RECORD_V1["fields"], {"name": "c", "type": "int"}]}


def without_nulls(value: Any) -> Any:
    """Avro fills absent optional fields with null; JSON leaves them out."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def avro(schema: Any) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def registry_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('registry') / 'sandbox.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture(scope="module")
def registry_url(registry_db: str) -> Iterator[str]:
    with sandbox_server(registry_db) as base:
        yield base + "/registry"


@pytest.fixture
def client(registry_url: str) -> Iterator[SchemaRegistryClient]:
    with SchemaRegistryClient({"url": registry_url, "max.retries": 0}) as sr:
        yield sr


def subject(request: pytest.FixtureRequest) -> str:
    return "t-" + request.node.name.replace("[", "-").replace("]", "")


def test_contract_schemas_are_preloaded(client: SchemaRegistryClient) -> None:
    subjects = client.get_subjects()
    for ev in CONTRACT.events:
        assert f"{ev.event_type}.v{ev.major}-json" in subjects
        assert f"{ev.event_type}.v{ev.major}-avro" in subjects
    latest = client.get_latest_version("bet.settled.v1-json")
    assert latest.schema.schema_type == "JSON"
    assert json.loads(latest.schema.schema_str) == bundle_event_schema(SETTLED.path)
    by_id = client.get_schema(latest.schema_id)
    assert json.loads(by_id.schema_str) == json.loads(latest.schema.schema_str)


def test_avro_serializer_round_trip_on_the_contract_subject(
    client: SchemaRegistryClient, registry_url: str
) -> None:
    conf = {
        "auto.register.schemas": False,
        "use.latest.version": True,
        "subject.name.strategy": lambda ctx, record_name: "bet.settled.v1-avro",
    }
    serializer = AvroSerializer(client, AVSC, conf=conf)
    data = serializer(EXAMPLE, CTX)
    assert data is not None
    latest = client.get_latest_version("bet.settled.v1-avro")
    assert int.from_bytes(data[1:5], "big") == latest.schema_id  # Confluent framing: magic, id
    with SchemaRegistryClient({"url": registry_url}) as fresh:
        assert without_nulls(AvroDeserializer(fresh)(data, CTX)) == without_nulls(EXAMPLE)


def test_json_serializer_validates_against_the_registered_schema(
    client: SchemaRegistryClient, registry_url: str
) -> None:
    conf = {
        "auto.register.schemas": False,
        "use.latest.version": True,
        "subject.name.strategy": lambda ctx, record_name: "bet.settled.v1-json",
    }
    latest = client.get_latest_version("bet.settled.v1-json")
    serializer = JSONSerializer(latest.schema.schema_str, client, conf=conf)
    data = serializer(EXAMPLE, CTX)
    assert data is not None and int.from_bytes(data[1:5], "big") == latest.schema_id
    with SchemaRegistryClient({"url": registry_url}) as fresh:
        assert JSONDeserializer(None, schema_registry_client=fresh)(data, CTX) == EXAMPLE
    # The bundled schema keeps the contract's rules: money is a decimal string.
    bad = copy.deepcopy(EXAMPLE)
    bad["payload"]["win"]["amount"] = 1.5
    with pytest.raises(SerializationError):
        serializer(bad, CTX)


def test_register_fetch_and_evolve(client: SchemaRegistryClient, request: Any) -> None:
    name = subject(request)
    first = client.register_schema(name, avro(RECORD_V1))
    assert client.register_schema(name, avro(RECORD_V1)) == first  # same schema, same id
    assert json.loads(client.get_schema(first).schema_str) == RECORD_V1
    second = client.register_schema(name, avro(RECORD_V2))
    assert second != first
    assert client.get_versions(name) == [1, 2]
    assert client.get_version(name, 1).schema_id == first
    assert client.lookup_schema(name, avro(RECORD_V2)).version == 2
    # The same schema under another subject keeps its global id.
    assert client.register_schema(name + "-copy", avro(RECORD_V2)) == second


def test_incompatible_avro_refused_with_the_registry_error_code(
    client: SchemaRegistryClient, request: Any
) -> None:
    name = subject(request)
    client.register_schema(name, avro(RECORD_V1))
    assert client.test_compatibility(name, avro(RECORD_V2)) is True
    assert client.test_compatibility(name, avro(RECORD_BAD)) is False
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(name, avro(RECORD_BAD))
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)
    assert "reader_field_missing_default_value" in refused.value.error_message
    assert client.get_versions(name) == [1]
    # The subject's level wins over the global one: NONE lets it through.
    client.set_compatibility(name, "NONE")
    assert client.get_compatibility(name) == "NONE"
    assert client.get_compatibility() == "BACKWARD"
    client.register_schema(name, avro(RECORD_BAD))
    assert client.get_versions(name) == [1, 2]


def test_forward_and_transitive_levels(client: SchemaRegistryClient, request: Any) -> None:
    name = subject(request)
    client.set_compatibility(name, "FORWARD")
    client.register_schema(name, avro(RECORD_V1))
    # Forward: the old schema reads new data; a new required field is fine, a removed one is not.
    client.register_schema(name, avro(RECORD_BAD))
    assert client.test_compatibility(name, avro({**RECORD_V1, "fields": []})) is False
    client.set_compatibility(name, "BACKWARD_TRANSITIVE")
    # v3 = RECORD_V1 reads v2 (drops c) and v1 data: accepted; one field of a new type is not.
    assert client.test_compatibility(name, avro(RECORD_V1)) is True
    retyped = {**RECORD_V1, "fields": [{"name": "a", "type": "int"}]}
    assert client.test_compatibility(name, avro(retyped)) is False


def test_json_schema_evolution_judged_by_the_confluent_policy(
    client: SchemaRegistryClient, request: Any
) -> None:
    name = subject(request)
    closed = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
    }
    client.register_schema(name, Schema(json.dumps(closed), "JSON"))
    widened = copy.deepcopy(closed)
    widened["properties"]["b"] = {"type": "integer"}
    assert client.test_compatibility(name, Schema(json.dumps(widened), "JSON")) is True
    retyped = copy.deepcopy(closed)
    retyped["properties"]["a"] = {"type": "integer"}
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(name, Schema(json.dumps(retyped), "JSON"))
    assert refused.value.error_code == 409 and "TYPE_CHANGED" in refused.value.error_message
    client.register_schema(name, Schema(json.dumps(widened), "JSON"))
    assert client.get_versions(name) == [1, 2]


@pytest.mark.parametrize(
    ("call", "status", "error_code"),
    [
        # Unknown things: subject, version, schema id.
        (lambda c: c.get_versions("t-nobody"), 404, 40401),
        (lambda c: c.get_version("bet.settled.v1-avro", 99), 404, 40402),
        (lambda c: c.get_schema(999_999), 404, 40403),
        (lambda c: c.get_compatibility("t-unset"), 404, 40408),
        # Bad input: an unparsable schema, an unknown schema type, a bad level, a bad version.
        (lambda c: c.register_schema("t-bad", Schema("{nope", "AVRO")), 422, 42201),
        (lambda c: c.register_schema("t-bad", Schema('{"type": "record"}', "AVRO")), 422, 42201),
        (lambda c: c.register_schema("t-bad", Schema("{}", "PROTOBUF")), 422, 42201),
        (lambda c: c.set_compatibility("t-bad", "SIDEWAYS"), 422, 42203),
        (lambda c: c.get_version("bet.settled.v1-avro", 0), 422, 42202),
    ],
)
def test_errors_carry_confluent_codes(
    client: SchemaRegistryClient, call: Any, status: int, error_code: int
) -> None:
    with pytest.raises(SchemaRegistryError) as refused:
        call(client)
    assert (refused.value.http_status_code, refused.value.error_code) == (status, error_code)


def test_error_bodies_carry_the_trace_id(registry_url: str) -> None:
    r = httpx.get(
        registry_url + "/subjects/t-nobody/versions", headers={"X-Trace-Id": "trace-123456"}
    )
    assert r.status_code == 404
    body = r.json()
    assert body["error_code"] == 40401 and body["trace_id"] == "trace-123456"
    assert body["retryable"] is False and body["code"] == "SUBJECT_NOT_FOUND"
    r = httpx.post(
        registry_url + "/subjects/x/versions",
        content=b"\xff{",
        headers={"X-Trace-Id": "trace-123456"},
    )
    assert r.status_code == 400 and r.json()["error_code"] == 400


def test_soft_and_permanent_delete(client: SchemaRegistryClient, request: Any) -> None:
    name = subject(request)
    client.register_schema(name, avro(RECORD_V1))
    with pytest.raises(SchemaRegistryError) as refused:
        client.delete_subject(name, permanent=True)
    assert refused.value.error_code == 40405
    assert client.delete_subject(name) == [1]
    assert name not in client.get_subjects()
    assert client.delete_subject(name, permanent=True) == [1]
    # A fresh registration starts again at version 1 after a permanent delete.
    client.register_schema(name, avro(RECORD_V2))
    assert client.get_versions(name) == [1]


def test_registrations_survive_a_restart(registry_db: str, client: SchemaRegistryClient) -> None:
    schema_id = client.register_schema("t-durable", avro(RECORD_V1))
    with sandbox_server(registry_db) as base:
        with SchemaRegistryClient({"url": base + "/registry"}) as again:
            assert json.loads(again.get_schema(schema_id).schema_str) == RECORD_V1
            assert again.get_versions("t-durable") == [1]
            # Preloading again at start added no second version of a contract schema.
            assert again.get_versions("bet.settled.v1-json") == [1]


def test_bundled_schema_rejects_what_the_contract_rejects(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(bundle_event_schema(SETTLED.path))
    assert not list(validator.iter_errors(EXAMPLE))
    bad = copy.deepcopy(EXAMPLE)
    bad["payload"]["stake"]["currency"] = "euro"
    assert list(validator.iter_errors(bad))
