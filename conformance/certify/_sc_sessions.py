"""Session scenarios: opening rules, unknown players, games and sessions, ending a session."""

from __future__ import annotations

from collections.abc import Callable

from croupier.conformance.certify._context import ScenarioContext, parse_time
from croupier.conformance.certify._registry import scenario
from croupier.conformance.certify._target import Reply

__all__: list[str] = []


@scenario(
    "session-opening-rules",
    needs_sandbox=False,
    rules=(
        "session-open",
        "player-unknown",
        "error-wrong-currency",
        "error-game-not-found",
        "error-player-not-found",
        "error-session-not-found",
    ),
)
def session_opening_rules(ctx: ScenarioContext) -> None:
    """A session opens with zoned times; wrong currency, unknown game, player, session refused."""
    player = ctx.funded("EUR")
    reply = ctx.target.call(
        "POST",
        "/v1/sessions",
        {"player_id": player, "game_id": ctx.game, "currency": "EUR", "locale": "en-GB"},
        idempotency_key=ctx.key("ses"),
    )
    opened = ctx.expect_status(reply, 201, what="opening a session")
    created = parse_time(opened.get("created_at"), "the session's created_at")
    expires = parse_time(opened.get("expires_at"), "the session's expires_at")
    ctx.expect(expires > created, f"the session expires at {expires}, before it opened {created}")
    ctx.expect(opened.get("status") == "active", f"a new session is {opened.get('status')!r}")

    def opening(**change: str) -> Callable[[], Reply]:
        body = {"player_id": player, "game_id": ctx.game, "currency": "EUR", "locale": "en-GB"}
        body.update(change)
        return lambda: ctx.target.call("POST", "/v1/sessions", body, idempotency_key=ctx.key())

    ctx.expect_refused(
        player, opening(currency="USD"), 422, "WRONG_CURRENCY", "a USD session for a EUR wallet"
    )
    ctx.expect_refused(
        player,
        opening(game_id=ctx.unique("game-none")),
        404,
        "GAME_NOT_FOUND",
        "a session for a game not in the catalog",
    )
    nobody = ctx.unique("p-none")
    ctx.expect_status(
        ctx.target.call(
            "POST",
            "/v1/sessions",
            {"player_id": nobody, "game_id": ctx.game, "currency": "EUR", "locale": "en-GB"},
            idempotency_key=ctx.key("ses"),
        ),
        404,
        "PLAYER_NOT_FOUND",
        "a session for an unknown player",
    )
    ctx.expect_status(
        ctx.target.call("GET", f"/v1/players/{nobody}/balance"),
        404,
        "PLAYER_NOT_FOUND",
        "the balance of an unknown player",
    )
    ctx.expect_status(
        ctx.target.call("GET", f"/v1/sessions/{ctx.unique('ses-none')}"),
        404,
        "SESSION_NOT_FOUND",
        "reading an unknown session",
    )


@scenario(
    "session-end-closes",
    needs_sandbox=False,
    rules=("session-end-closes", "error-session-closed"),
)
def session_end_closes(ctx: ScenarioContext) -> None:
    """An ended session refuses bets and a second end with 409 SESSION_CLOSED."""
    player, session = ctx.ready_player()
    pending = ctx.place_bet(player, session, "1.00")
    end = {"reason": "player_logout"}
    ended = ctx.expect_status(
        ctx.post(f"/v1/sessions/{session}/end", end), 200, what="ending the session"
    )
    ctx.expect(ended.get("status") == "ended", f"an ended session says {ended.get('status')!r}")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        409,
        "SESSION_CLOSED",
        "authorize on an ended session",
    )
    ctx.expect_status(
        ctx.post(f"/v1/sessions/{session}/end", end), 409, "SESSION_CLOSED", "a second end"
    )
    # The bet placed before the end is still owed its outcome.
    ctx.expect_status(
        ctx.settle(ctx.settle_body(pending, "2.00")), 200, what="settle after the session ended"
    )
