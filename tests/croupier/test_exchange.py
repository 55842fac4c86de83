"""croupier_assert_conforms' judge: an exchange against the contract, one problem per line."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from croupier._exchange import ExchangeMismatch, assert_conforms, exchange_problems

BALANCE = "/v1/players/{player_id}/balance"
TRACE = "trc-test-0001"


def _balance_example(contract: Any) -> dict[str, Any]:
    content = contract.bundled["paths"][BALANCE]["get"]["responses"]["200"]["content"]
    return copy.deepcopy(next(iter(content["application/json"]["examples"].values()))["value"])


def _response(
    status: int,
    body: Any,
    *,
    path: str = "/v1/players/p_demo_1/balance",
    echo: bool = True,
    method: str = "GET",
) -> httpx.Response:
    request = httpx.Request(method, f"http://sandbox.test{path}", headers={"X-Trace-Id": TRACE})
    headers = {"X-Trace-Id": TRACE} if echo else {}
    return httpx.Response(status, json=body, headers=headers, request=request)


def test_the_contracts_own_example_conforms(contract) -> None:
    assert exchange_problems(contract, _response(200, _balance_example(contract))) == []


def test_a_documented_error_answer_conforms(contract) -> None:
    body = {
        "code": "PLAYER_NOT_FOUND",
        "message": "no such player",
        "retryable": False,
        "trace_id": TRACE,
    }
    assert exchange_problems(contract, _response(404, body)) == []


# Each way an exchange can break the contract, and the words the problem names it with.
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b["cash"].update(amount=12.5), "cash/amount: 12.5 is not of type 'string'"),
        (lambda b: b.pop("available"), "(body): 'available' is a required property"),
    ],
    ids=["money-as-a-number", "missing-property"],
)
def test_a_body_that_breaks_the_schema_is_named(contract, change, expected) -> None:
    body = _balance_example(contract)
    change(body)
    problems = exchange_problems(contract, _response(200, body))
    assert problems == [f"GET /v1/players/p_demo_1/balance → 200: {expected}"]


def test_an_undocumented_status_is_named(contract) -> None:
    (problem,) = exchange_problems(contract, _response(418, {}))
    assert problem.startswith("GET /v1/players/p_demo_1/balance: status 418 is not documented")


def test_a_trace_id_not_echoed_is_named(contract) -> None:
    problems = exchange_problems(contract, _response(200, _balance_example(contract), echo=False))
    assert problems == [
        f"GET /v1/players/p_demo_1/balance → 200: X-Trace-Id {TRACE!r} is not echoed"
    ]


def test_a_request_no_operation_matches_is_named(contract) -> None:
    (problem,) = exchange_problems(contract, _response(200, {}, path="/v1/nowhere"))
    assert problem == "GET /v1/nowhere: no operation of the contract matches this request"
    # path templates match whole segments only
    (problem,) = exchange_problems(
        contract, _response(200, {}, path="/v1/players/p_demo_1/balance/extra")
    )
    assert "no operation" in problem


def test_sandbox_operations_are_judged_against_sandbox_yaml(contract) -> None:
    problems = exchange_problems(contract, _response(418, {}, path="/sandbox/reset", method="POST"))
    assert problems and "status 418 is not documented" in problems[0]


def test_assert_conforms_raises_an_assertion_error_with_every_problem(contract) -> None:
    body = _balance_example(contract)
    body["cash"]["amount"] = 1.5
    with pytest.raises(ExchangeMismatch) as failure:
        assert_conforms(contract, _response(200, body, echo=False))
    assert isinstance(failure.value, AssertionError)
    assert len(str(failure.value).splitlines()) == 2
