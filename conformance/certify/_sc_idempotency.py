"""Idempotency scenarios: replays byte for byte, mismatches, duplicates, racing keys."""

from __future__ import annotations

import threading
from collections.abc import Callable

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario
from croupier.conformance.certify._target import Reply

__all__: list[str] = []


def _expect_replay(ctx: ScenarioContext, first: Reply, again: Reply, what: str) -> None:
    ctx.expect_equal(
        first.headers.get("Idempotent-Replayed"), None, f"Idempotent-Replayed on the first {what}"
    )
    ctx.expect(
        again.status == first.status,
        f"replayed {what} answered {again.describe()}, the original {first.describe()}",
        what=f"status of the replayed {what}",
        expected=f"{first.status} (the original's)",
        actual=again.status,
    )
    ctx.expect(
        again.content == first.content,
        f"replayed {what} body differs from the original byte for byte:\n"
        f"  original: {first.exchange.response_body[:300]}\n"
        f"  replay:   {again.exchange.response_body[:300]}",
        what=f"body of the replayed {what}",
        expected=f"the original's {len(first.content)} bytes",
        actual="the same bytes" if again.content == first.content else again.content[:120],
    )
    replayed = again.headers.get("Idempotent-Replayed")
    ctx.expect_equal(replayed, "true", f"Idempotent-Replayed on the replayed {what}")


def _replayed_once(
    ctx: ScenarioContext, player: str, send: Callable[[str], Reply], what: str
) -> dict[str, int]:
    """Send a write, then replay it with its key and body; the balance after the first, once."""
    key = ctx.key(what)
    first = send(key)
    ctx.expect_status(first, 200, what=what)
    after_first = ctx.money_of(ctx.balance(player))
    _expect_replay(ctx, first, send(key), what)
    ctx.expect_unchanged(player, after_first, f"the replayed {what} moved money a second time")
    return after_first


@scenario(
    "idempotent-replay-authorize",
    needs_sandbox=False,
    rules=(
        "idempotency-replay-stored-answer",
        "idempotency-replay-header",
        "idempotency-replay-moves-once",
    ),
)
def idempotent_replay_authorize(ctx: ScenarioContext) -> None:
    """An authorize replayed with its key and body answers the same bytes, holds the stake once."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    body = ctx.authorize_body(player, session, "1.00")
    after = _replayed_once(ctx, player, lambda key: ctx.authorize(body, key), "authorize")
    ctx.expect_moved(before, after, "one 1.00 hold", cash=-100, held=100, available=-100)


@scenario(
    "idempotent-replay-settle",
    needs_sandbox=False,
    rules=(
        "idempotency-replay-stored-answer",
        "idempotency-replay-header",
        "idempotency-replay-moves-once",
    ),
)
def idempotent_replay_settle(ctx: ScenarioContext) -> None:
    """A settle replayed with its key and body answers the same bytes and credits the win once."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, "1.00")
    body = ctx.settle_body(auth, "2.50")
    after = _replayed_once(ctx, player, lambda key: ctx.settle(body, key), "settle")
    ctx.expect_moved(before, after, "- 1.00 + 2.50", cash=150, available=150)


@scenario(
    "idempotent-replay-rollback",
    needs_sandbox=False,
    rules=(
        "idempotency-replay-stored-answer",
        "idempotency-replay-header",
        "idempotency-replay-moves-once",
        "bet-rollback-releases",
    ),
)
def idempotent_replay_rollback(ctx: ScenarioContext) -> None:
    """A rollback replayed with its key and body answers the same bytes, releases the stake once."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
    auth = ctx.place_bet(player, session, "3.00")
    body = ctx.rollback_body(auth["bet_id"], player)
    after = _replayed_once(ctx, player, lambda key: ctx.rollback(body, key), "rollback")
    ctx.expect_moved(before, after, "a 3.00 hold and its rollback")


@scenario(
    "idempotency-key-mismatch",
    needs_sandbox=False,
    rules=("idempotency-mismatch", "error-idempotency-mismatch"),
)
def idempotency_key_mismatch(ctx: ScenarioContext) -> None:
    """The same idempotency key with another body is 409 IDEMPOTENCY_MISMATCH and moves nothing."""
    player, session = ctx.ready_player()
    body = ctx.authorize_body(player, session, "1.00")
    key = ctx.key("auth")
    ctx.expect_status(ctx.authorize(body, key), 200, what="authorize")
    other = dict(body, stake={"amount": "2.00", "currency": "EUR"})
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(other, key),
        409,
        "IDEMPOTENCY_MISMATCH",
        "same key, other stake",
    )


@scenario(
    "duplicate-bet-new-key",
    needs_sandbox=False,
    rules=("idempotency-duplicate-bet", "error-duplicate"),
)
def duplicate_bet_new_key(ctx: ScenarioContext) -> None:
    """A new idempotency key for an existing bet id is 409 DUPLICATE and holds nothing more."""
    player, body = ctx.bet_for_new_player("1.00")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(body),  # same bet, fresh key
        409,
        "DUPLICATE",
        "authorize of an existing bet with a new key",
    )


@scenario(
    "idempotent-race",
    needs_sandbox=False,
    rules=("idempotency-race-one-movement", "error-request-in-progress"),
)
def idempotent_race(ctx: ScenarioContext) -> None:
    """One key racing in four threads yields one hold; others replay or say REQUEST_IN_PROGRESS."""
    player, session = ctx.ready_player()
    before = ctx.money(player)
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
    ctx.expect_delta(
        player,
        before,
        "one key raced four times must hold 1.00 once",
        cash=-100,
        held=100,
        available=-100,
    )
    detail = ctx.target.call("GET", f"/v1/bets/{body['bet_id']}")
    bet = ctx.expect_status(detail, 200, what="reading the raced bet")
    holds = [m for m in bet.get("history", []) if m.get("action") == "authorize"]
    ctx.expect(len(holds) == 1, f"the raced bet's history has {len(holds)} authorize movements")
