"""With --control-token, /metrics and /registry are behind the token too (not only /sandbox/*).

Tools send what they can: Prometheus a Bearer token, Confluent clients Basic auth (the token
as the password), anything else X-Control-Token.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator

import pytest

from croupier import sandbox_server
from croupier.reference_impl import create_app

from .conftest import CONTRACT, TestClient

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.error import SchemaRegistryError

TOKEN = "ctl-0123456789abcdef"
RECORD = {"type": "record", "name": "Tip", "fields": [{"name": "a", "type": "string"}]}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def guarded(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url, nats_url=None, contract=CONTRACT, control_token=TOKEN)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        # refused: nothing, a wrong token, the token twice, another scheme
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"X-Control-Token": TOKEN + "x"}, 401),
        ([("X-Control-Token", TOKEN), ("X-Control-Token", TOKEN)], 401),
        ({"Authorization": f"Token {TOKEN}"}, 401),
        ({"Authorization": "Basic !!!"}, 401),
        ({"Authorization": _basic(TOKEN, "wrong")}, 401),
        # accepted: the control header, a Bearer token (Prometheus), Basic (any user name)
        ({"X-Control-Token": TOKEN}, 200),
        ({"Authorization": f"Bearer {TOKEN}"}, 200),
        ({"Authorization": _basic("prometheus", TOKEN)}, 200),
    ],
)
def test_metrics_and_registry_need_the_token(guarded: TestClient, headers, status) -> None:
    metrics = guarded.get("/metrics", headers=headers)
    assert metrics.status_code == status, metrics.text
    lag = guarded.get("/sandbox/events/lag", headers=headers)
    assert lag.status_code == status
    subjects = guarded.get("/registry/subjects", headers=headers)
    assert subjects.status_code == status
    if status == 401:
        assert metrics.json()["code"] == "INVALID_TOKEN"
        assert metrics.json()["trace_id"] == metrics.headers["x-trace-id"]
        assert subjects.json()["error_code"] == 40101
        assert subjects.json()["code"] == "INVALID_TOKEN"
    else:
        assert "croupier_request_duration_seconds" in metrics.text
        assert "bet.settled.v1-json" in subjects.json()


def test_without_a_token_they_stay_open(database_url: str) -> None:
    with TestClient(create_app(database_url, nats_url=None, contract=CONTRACT)) as open_app:
        assert open_app.get("/metrics").status_code == 200
        assert open_app.get("/registry/subjects").status_code == 200


def test_a_confluent_client_with_basic_auth_passes_and_one_without_is_refused(
    tmp_path,
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'guarded.db'}"
    with sandbox_server(db, args=["--control-token", TOKEN]) as base:
        url = base + "/registry"
        with SchemaRegistryClient({"url": url, "max.retries": 0}) as anonymous:
            with pytest.raises(SchemaRegistryError) as refused:
                anonymous.get_subjects()
            assert refused.value.http_status_code == 401
            assert refused.value.error_code == 40101
        config = {"url": url, "max.retries": 0, "basic.auth.user.info": f"ci:{TOKEN}"}
        with SchemaRegistryClient(config) as sr:
            schema_id = sr.register_schema("t-guarded", Schema(json.dumps(RECORD), "AVRO"))
            assert json.loads(sr.get_schema(schema_id).schema_str) == RECORD
            # A context-qualified subject is a subject of its own: a brand's experiment does
            # not touch the contract's subject of the same name.
            scoped = ":.brand_demo:bet.settled.v1-json"
            sr.register_schema(scoped, Schema(json.dumps(RECORD), "AVRO"))
            assert sr.get_versions(scoped) == [1]
            assert sr.get_versions("bet.settled.v1-json") == [1]
            latest = sr.get_latest_version("bet.settled.v1-json")
            assert latest.schema.schema_type == "JSON"
