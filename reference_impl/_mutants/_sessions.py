"""Session, degradation and health mutants."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from croupier.reference_impl._domain import DomainError
from croupier.reference_impl._mutants._kit import balance, on_refusal
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_CREATE = "croupier.reference_impl._platform.Platform.create_session"
_END = "croupier.reference_impl._platform.Platform.end_session"
_HEALTH = "croupier.reference_impl._app.SandboxApp.health"


@mutant("ended-session-stays-open", target=_END, rules=("session-end-closes",))
def ended_session_stays_open(original: Any) -> Any:
    """Ending a session answers ended, but the session keeps taking bets."""

    async def end_session(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        from croupier.reference_impl._domain import iso

        status, found = await self.get_session(s, ctx, body, controls, now)
        return status, dict(found, status="ended", ended_at=iso(now))

    return end_session


@mutant("second-end-accepted", target=_END, rules=("session-end-closes",))
def second_end_accepted(original: Any) -> Any:
    """Ending an ended session answers 200 again instead of SESSION_CLOSED."""

    async def instead(call: Any, error: DomainError) -> Any:
        self, s, ctx, body, controls, now = call
        return await self.get_session(s, ctx, body, controls, now)

    return on_refusal("SESSION_CLOSED", instead)(original)


@mutant("session-currency-not-checked", target=_CREATE, rules=("session-open",))
def session_currency_not_checked(original: Any) -> Any:
    """A session in another currency than the wallet's opens in the wallet's currency."""

    async def create(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        try:
            held = await balance((self, s, ctx, body, controls, now), body["player_id"])
        except DomainError:
            return await original(self, s, ctx, body, controls, now)
        return await original(self, s, ctx, dict(body, currency=held["currency"]), controls, now)

    return create


@mutant(
    "unknown-game-played-as-slots",
    target="croupier.reference_impl._domain._games.game_type",
    rules=("session-open",),
)
def unknown_game_played_as_slots(original: Any) -> Any:
    """A game id missing from the catalog is played as a slot instead of GAME_NOT_FOUND."""

    def game_type(game_id: str) -> str | None:
        return original(game_id) or "slots"

    return game_type


@mutant(
    "session-times-without-zone",
    target="croupier.reference_impl._render.session_json",
    rules=("session-open",),
)
def session_times_without_zone(original: Any) -> Any:
    """A session's created_at and expires_at are local times without a zone."""

    def session_json(session: Any, now: Any) -> dict[str, Any]:
        out = dict(original(session, now))
        for name in ("created_at", "expires_at"):
            if isinstance(out.get(name), str):
                out[name] = out[name].rstrip("Z")
        return out

    return session_json


def _degraded(flag: str, value: bool) -> Any:
    def make(original: Any) -> Any:
        async def operation(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
            forced = dataclasses.replace(
                controls, degradation={**controls.degradation, flag: value}
            )
            return await original(self, s, ctx, body, forced, now)

        return operation

    return make


@mutant("new-sessions-switch-ignored", target=_CREATE, rules=("degradation-new-sessions",))
def new_sessions_switch_ignored(original: Any) -> Any:
    """Sessions still open while new sessions are switched off."""
    return _degraded("new_sessions", True)(original)


@mutant(
    "open-sessions-stopped-by-switch",
    target="croupier.reference_impl._platform.Platform.authorize",
    rules=("degradation-new-sessions",),
)
def open_sessions_stopped_by_switch(original: Any) -> Any:
    """Switching new sessions off also refuses bets in sessions already open."""

    async def authorize(self: Any, s: Any, ctx: Any, body: Any, controls: Any, now: Any) -> Any:
        if not controls.degradation["new_sessions"]:
            raise DomainError("NEW_SESSIONS_DISABLED", "sessions are switched off")
        return await original(self, s, ctx, body, controls, now)

    return authorize


@mutant(
    "jackpot-switch-ignored",
    target="croupier.reference_impl._platform.Platform.list_jackpots",
    rules=("degradation-features",),
)
def jackpot_switch_ignored(original: Any) -> Any:
    """Jackpot pools are still listed while jackpots are switched off."""
    return _degraded("jackpots", True)(original)


@mutant(
    "promotions-switch-ignored",
    target="croupier.reference_impl._platform.Platform.settle",
    rules=("degradation-features",),
)
def promotions_switch_ignored(original: Any) -> Any:
    """Promotional wins are still paid while promotions are switched off."""
    return _degraded("promotions", True)(original)


def _health_body(change: Any) -> Any:
    def make(original: Any) -> Any:
        async def health(self: Any, request: Any) -> Any:
            from fastapi.responses import Response

            response = await original(self, request)
            if response.status_code != 200:
                return response
            body = change(json.loads(response.body))
            return Response(json.dumps(body).encode(), media_type="application/json")

        return health

    return make


@mutant("health-hides-degradation", target=_HEALTH, rules=("degradation-health",))
def health_hides_degradation(original: Any) -> Any:
    """GET /health answers ok while a degradation mode is on."""
    return _health_body(lambda body: dict(body, status="ok"))(original)


@mutant("health-reports-old-version", target=_HEALTH, rules=("health-answers",))
def health_reports_old_version(original: Any) -> Any:
    """GET /health names a contract version other than the one served."""
    return _health_body(lambda body: dict(body, version="1.0.0"))(original)


@mutant("health-needs-a-trace-id", target=_HEALTH, rules=("health-answers",))
def health_needs_a_trace_id(original: Any) -> Any:
    """GET /health refuses a call without X-Trace-Id, so a load balancer's probe fails."""

    async def health(self: Any, request: Any) -> Any:
        from croupier.reference_impl._app import _error

        if not request.headers.get("x-trace-id"):
            return _error("MISSING_TRACE_ID", "X-Trace-Id is missing", request.state.trace_id)
        return await original(self, request)

    return health
