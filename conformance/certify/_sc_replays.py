"""Replay scenarios over time and faults: keys kept 120 days, retryable answers not stored."""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []

_RETENTION_S = 121 * 86400  # the contract keeps keys at least 120 days


@scenario("replay-after-retention", rules=("idempotency-retention", "idempotency-replay-header"))
def replay_after_retention(ctx: ScenarioContext) -> None:
    """A write replayed 121 days later still answers its stored bytes and moves nothing."""
    ctx.need_time(_RETENTION_S, "121 days to pass")
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("old")
    first = ctx.authorize(body, key)
    ctx.expect_status(first, 200, what="authorize")
    after = ctx.money(player)
    ctx.pass_time(_RETENTION_S, "121 days")
    again = ctx.authorize(body, key)
    ctx.expect(
        again.status == 200 and again.content == first.content,
        f"the authorize replayed after 121 days answered {again.describe()}: "
        f"{again.exchange.response_body[:200]}",
    )
    ctx.expect(
        again.headers.get("Idempotent-Replayed") == "true",
        "the replay after 121 days lacks Idempotent-Replayed: true",
    )
    ctx.expect_unchanged(player, after, "the replay after 121 days")


def _faults(ctx: ScenarioContext, rules: list[dict[str, Any]]) -> None:
    reply = ctx.target.control("PUT", "/sandbox/faults", {"rules": rules})
    ctx.expect_status(reply, 200, what="setting fault rules through the sandbox")
    ctx.use("control: faults")


@scenario(
    "injected-faults-retried",
    rules=(
        "idempotency-retryable-not-stored",
        "idempotency-replay-moves-once",
        "error-temporary-error",
        "error-gateway-timeout",
    ),
)
def injected_faults_retried(ctx: ScenarioContext) -> None:
    """A 503 is not stored (its retry runs); a 504 did the work (its retry replays it once)."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    with ctx.target.ordered_unavailability():
        try:
            _faults(
                ctx, [{"operation_id": "authorizeBet", "kind": "error", "status": 503, "count": 1}]
            )
            body = ctx.authorize_body(player, session, "2.00")
            key = ctx.key("flaky")
            ctx.expect_status(ctx.authorize(body, key), 503, "TEMPORARY_ERROR", "an injected 503")
            ctx.expect_unchanged(player, before, "the injected 503 moved money")
            retried = ctx.authorize(body, key)
            ctx.expect_status(retried, 200, what="the retry of a 503 with the same key")
            ctx.expect(
                retried.headers.get("Idempotent-Replayed") != "true",
                "the retry after a 503 was answered as a replay: the 503 was stored",
            )
            held = ctx.expect_delta(
                player, before, "one 2.00 hold", cash=-200, held=200, available=-200
            )
            _faults(ctx, [{"operation_id": "settleBet", "kind": "timeout", "count": 1}])
            settle = ctx.settle_body(body, "5.00")
            key = ctx.key("slow")
            ctx.expect_status(
                ctx.settle(settle, key), 504, "GATEWAY_TIMEOUT", "an injected timeout"
            )
            paid = ctx.expect_delta(
                player,
                held,
                "the timed-out settle did its work",
                cash=500,
                held=-200,
                available=500,
            )
            again = ctx.settle(settle, key)
            ctx.expect_status(again, 200, what="the retry of the timed-out settle")
            ctx.expect(
                again.headers.get("Idempotent-Replayed") == "true",
                "the retry of a settle whose answer timed out is not a replay",
            )
            ctx.expect_unchanged(player, paid, "the retried settle paid the win again")
        finally:
            ctx.target.control("PUT", "/sandbox/faults", {"rules": []})


@scenario(
    "replay-after-later-movements",
    needs_sandbox=False,
    rules=("idempotency-replay-stored-answer", "idempotency-replay-moves-once"),
)
def replay_after_later_movements(ctx: ScenarioContext) -> None:
    """A replay after other bets moved money answers the stored bytes, not today's balance."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("early")
    first = ctx.authorize(body, key)
    ctx.expect_status(first, 200, what="authorize 1.00")
    later = ctx.place_bet(player, session, "2.00")
    ctx.expect_status(ctx.settle(ctx.settle_body(later, "7.00")), 200, what="a later win")
    after = ctx.money(player)
    again = ctx.authorize(body, key)
    ctx.expect(
        again.status == first.status and again.content == first.content,
        "the replay after later movements differs from the stored answer:\n"
        f"  original: {first.exchange.response_body[:300]}\n"
        f"  replay:   {again.exchange.response_body[:300]}",
    )
    ctx.expect_unchanged(player, after, "the replay after later movements")
