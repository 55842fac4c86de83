"""HTTP scenarios: body limits, media types, strict JSON, schema errors, paths, methods, health."""

from __future__ import annotations

from croupier.conformance.certify._context import ScenarioContext, parse_time
from croupier.conformance.certify._registry import scenario

__all__: list[str] = []


@scenario(
    "request-body-rules",
    needs_sandbox=False,
    rules=(
        "body-size-limit",
        "body-media-type",
        "body-strict-json",
        "error-payload-too-large",
        "error-unsupported-media-type",
        "error-malformed-request",
        "error-validation-failed",
    ),
)
def request_body_rules(ctx: ScenarioContext) -> None:
    """Over 64 KiB is 413, non-JSON media 415, duplicate keys or deep nesting 400, bad shape 422."""
    body = (
        b'{"bet_id":"b-1","round_id":"r-1","player_id":"p-1",'
        b'"win":{"amount":"1.00","currency":"EUR"}}'
    )
    padded = body[:-1] + b',"pad":"' + b"x" * (65 * 1024) + b'"}'
    cases: list[tuple[bytes, dict[str, str], int, str, str]] = [
        (padded, {}, 413, "PAYLOAD_TOO_LARGE", "a 65 KiB body"),
        (body, {"Content-Type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE", "text/plain"),
        (
            b'{"bet_id":"b-1","bet_id":"b-2"' + body[len(b'{"bet_id":"b-1"') :],
            {},
            400,
            "MALFORMED_REQUEST",
            "an object with a duplicate key",
        ),
        (b'{"a":' * 40 + b"1" + b"}" * 40, {}, 400, "MALFORMED_REQUEST", "40 levels of nesting"),
        (b'{"bet_id":"b-1"}', {}, 422, "VALIDATION_FAILED", "a settle missing required fields"),
    ]
    for raw, headers, status, code, what in cases:
        reply = ctx.target.call(
            "POST",
            "/v1/bets/settle",
            content=raw,
            idempotency_key=ctx.key("raw"),
            extra=headers,
        )
        ctx.expect_status(reply, status, code, what)


@scenario(
    "unknown-paths-and-methods",
    needs_sandbox=False,
    rules=("path-unknown", "method-not-allowed", "error-not-found", "error-method-not-allowed"),
)
def unknown_paths_and_methods(ctx: ScenarioContext) -> None:
    """Unknown paths and trailing slashes are 404 NOT_FOUND; a wrong method is 405."""
    for path in ("/v1/no-such-thing", "/v1/jackpots/"):
        ctx.expect_status(ctx.target.call("GET", path), 404, "NOT_FOUND", f"GET {path}")
    ctx.expect_status(
        ctx.target.call("DELETE", "/v1/jackpots"),
        405,
        "METHOD_NOT_ALLOWED",
        "DELETE /v1/jackpots",
    )


@scenario("health-answers", needs_sandbox=False, rules=("health-answers",))
def health_answers(ctx: ScenarioContext) -> None:
    """GET /health needs no header and names the contract version and a zoned time."""
    reply = ctx.target.raw("GET", "/health", content=b"", headers={})
    body = ctx.expect_status(reply, 200, what="GET /health without headers")
    ctx.expect(
        body.get("version") == ctx.contract.version,
        f"/health names version {body.get('version')!r}; the contract is {ctx.contract.version}",
    )
    ctx.expect(body.get("status") in ("ok", "degraded"), f"/health status {body.get('status')!r}")
    parse_time(body.get("time"), "/health time")


@scenario(
    "degradation-modes",
    rules=(
        "degradation-new-sessions",
        "degradation-features",
        "degradation-health",
        "error-new-sessions-disabled",
        "error-feature-disabled",
    ),
)
def degradation_modes(ctx: ScenarioContext) -> None:
    """Switched-off sessions, jackpots and promotions are 503 while open sessions keep working."""
    player, session = ctx.ready_player()
    ctx.use("control: degradation")
    modes = {"new_sessions": False, "promotions": False, "jackpots": False}
    ctx.expect_status(
        ctx.target.control("PUT", "/sandbox/degradation", modes), 200, what="switching off"
    )
    with ctx.target.ordered_unavailability():
        try:
            reply = ctx.target.call(
                "POST",
                "/v1/sessions",
                {"player_id": player, "game_id": ctx.game, "currency": "EUR", "locale": "en-GB"},
                idempotency_key=ctx.key("ses"),
            )
            ctx.expect_status(reply, 503, "NEW_SESSIONS_DISABLED", "a session while they are off")
            auth = ctx.place_bet(player, session, "1.00")  # the open session keeps working
            ctx.expect_status(
                ctx.target.call("GET", "/v1/jackpots"),
                503,
                "FEATURE_DISABLED",
                "listing jackpots while they are off",
            )
            eur = {"amount": "0.50", "currency": "EUR"}
            promo = dict(
                ctx.settle_body(auth, "0.50"),
                win_breakdown={"base": {"amount": "0.00", "currency": "EUR"}, "promo": eur},
            )
            ctx.expect_refused(
                player,
                lambda: ctx.settle(promo),
                503,
                "FEATURE_DISABLED",
                "a promotional win while promotions are off",
            )
            health = ctx.expect_status(
                ctx.target.raw("GET", "/health", content=b"", headers={}), 200, what="/health"
            )
            ctx.expect(
                health.get("status") == "degraded",
                f"/health says {health.get('status')!r} with every feature switched off",
            )
        finally:
            back = {"new_sessions": True, "promotions": True, "jackpots": True}
            ctx.target.control("PUT", "/sandbox/degradation", back)
