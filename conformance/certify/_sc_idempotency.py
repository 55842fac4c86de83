"""Idempotency scenarios: replays byte for byte, mismatches, duplicates, racing keys."""

from __future__ import annotations

import threading
from typing import Any

from conformance.certify._context import ScenarioContext
from conformance.certify._registry import scenario
from conformance.certify._target import Reply

__all__: list[str] = []


def _expect_replay(ctx: ScenarioContext, first: Reply, again: Reply, what: str) -> None:
    ctx.expect(
        first.headers.get("Idempotent-Replayed") != "true",
        f"the first {what} already says Idempotent-Replayed: true",
    )
    ctx.expect(
        again.status == first.status,
        f"replayed {what} answered {again.describe()}, the original {first.describe()}",
    )
    ctx.expect(
        again.content == first.content,
        f"replayed {what} body differs from the original byte for byte:\n"
        f"  original: {first.exchange.response_body[:300]}\n"
        f"  replay:   {again.exchange.response_body[:300]}",
    )
    ctx.expect(
        again.headers.get("Idempotent-Replayed") == "true",
        f"replayed {what} lacks Idempotent-Replayed: true "
        f"(got {again.headers.get('Idempotent-Replayed')!r})",
    )


def _same_money(
    ctx: ScenarioContext, before: dict[str, Any], after: dict[str, Any], why: str
) -> None:
    b, a = ctx.money_of(before), ctx.money_of(after)
    ctx.expect(a == b, f"{why}: balance moved from {b} to {a} (minor units)")


@scenario("idempotent-replay-authorize")
def idempotent_replay_authorize(ctx: ScenarioContext) -> None:
    """An authorize replayed with its key and body answers the same bytes, holds the stake once."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("auth")
    first = ctx.authorize(body, key)
    ctx.expect_status(first, 200, what="authorize")
    after_first = ctx.balance(player)
    again = ctx.authorize(body, key)
    _expect_replay(ctx, first, again, "authorize")
    _same_money(ctx, after_first, ctx.balance(player), "the replay moved money a second time")
    money = ctx.money_of(after_first)
    ctx.expect(
        money["held"] == 100 and money["available"] == 9900,
        f"after one 1.00 hold the balance should be held 1.00 / available 99.00, got {money}",
    )


@scenario("idempotent-replay-settle")
def idempotent_replay_settle(ctx: ScenarioContext) -> None:
    """A settle replayed with its key and body answers the same bytes and credits the win once."""
    player, session = ctx.ready_player()
    auth = ctx.authorize_body(player, session, "1.00")
    ctx.expect_status(ctx.authorize(auth), 200, what="authorize")
    body = ctx.settle_body(auth, "2.50")
    key = ctx.key("settle")
    first = ctx.settle(body, key)
    ctx.expect_status(first, 200, what="settle")
    after_first = ctx.balance(player)
    again = ctx.settle(body, key)
    _expect_replay(ctx, first, again, "settle")
    _same_money(ctx, after_first, ctx.balance(player), "the replay credited the win again")
    ctx.expect(
        ctx.money_of(after_first)["cash"] == 10150,
        f"100.00 - 1.00 + 2.50 should leave cash 101.50, got {after_first.get('cash')}",
    )


@scenario("idempotent-replay-rollback")
def idempotent_replay_rollback(ctx: ScenarioContext) -> None:
    """A rollback replayed with its key and body answers the same bytes, releases the stake once."""
    player, session = ctx.ready_player()
    auth = ctx.authorize_body(player, session, "3.00")
    ctx.expect_status(ctx.authorize(auth), 200, what="authorize")
    body = ctx.rollback_body(auth["bet_id"], player)
    key = ctx.key("rb")
    first = ctx.rollback(body, key)
    ctx.expect_status(first, 200, what="rollback")
    after_first = ctx.balance(player)
    again = ctx.rollback(body, key)
    _expect_replay(ctx, first, again, "rollback")
    _same_money(ctx, after_first, ctx.balance(player), "the replay released the stake again")
    money = ctx.money_of(after_first)
    ctx.expect(
        money["available"] == 10000 and money["held"] == 0,
        f"after the rollback the whole 100.00 should be available again, got {money}",
    )


@scenario("idempotency-key-mismatch")
def idempotency_key_mismatch(ctx: ScenarioContext) -> None:
    """The same idempotency key with another body is 409 IDEMPOTENCY_MISMATCH and moves nothing."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("auth")
    ctx.expect_status(ctx.authorize(body, key), 200, what="authorize")
    before = ctx.balance(player)
    other = dict(body, stake={"amount": "2.00", "currency": "EUR"})
    reply = ctx.authorize(other, key)
    ctx.expect_status(reply, 409, "IDEMPOTENCY_MISMATCH", "same key, other stake")
    _same_money(ctx, before, ctx.balance(player), "a mismatched key moved money")


@scenario("duplicate-bet-new-key")
def duplicate_bet_new_key(ctx: ScenarioContext) -> None:
    """A new idempotency key for an existing bet id is 409 DUPLICATE and holds nothing more."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    ctx.expect_status(ctx.authorize(body), 200, what="authorize")
    before = ctx.balance(player)
    reply = ctx.authorize(body)  # same bet, fresh key
    ctx.expect_status(reply, 409, "DUPLICATE", "authorize of an existing bet with a new key")
    _same_money(ctx, before, ctx.balance(player), "the duplicate bet moved money")


@scenario("idempotent-race")
def idempotent_race(ctx: ScenarioContext) -> None:
    """One key racing in four threads yields one hold; others replay or say REQUEST_IN_PROGRESS."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("race")
    barrier = threading.Barrier(4)
    replies: list[Reply] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            reply = ctx.authorize(body, key)
            with lock:
                replies.append(reply)
        except BaseException as exc:  # noqa: BLE001 - reported as the scenario's error below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    ok = [r for r in replies if r.status == 200]
    ctx.expect(len(ok) >= 1, f"no racing authorize succeeded: {[r.describe() for r in replies]}")
    for reply in replies:
        ctx.expect(
            reply.status == 200 or reply.code == "REQUEST_IN_PROGRESS",
            f"a racing authorize answered {reply.describe()}; expected 200 or REQUEST_IN_PROGRESS",
        )
        if reply.status == 200:
            ctx.expect(
                reply.content == ok[0].content,
                "two racing authorizes with one key answered different bodies",
            )
    money = ctx.money_of(ctx.balance(player))
    ctx.expect(
        money["held"] == 100 and money["available"] == 9900,
        f"one key raced four times must hold 1.00 once; balance is {money}",
    )
    detail = ctx.target.call("GET", f"/v1/bets/{body['bet_id']}")
    bet = ctx.expect_status(detail, 200, what="reading the raced bet")
    holds = [m for m in bet.get("history", []) if m.get("action") == "authorize"]
    ctx.expect(len(holds) == 1, f"the raced bet's history has {len(holds)} authorize movements")
