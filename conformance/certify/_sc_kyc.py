"""KYC scenarios: a pending or denied identity check keeps a player out of play, money untouched.

Against any platform they use the fixture kit's `kyc_pending` and `kyc_denied` players (the
sandbox's `p_kyc_pending` and `p_kyc_denied`); with the sandbox control surface they make fresh
players with that answer, and also turn the answer mid-session: the next authorize is refused
while the bet already placed is still settled (money owed is always paid).
"""

from __future__ import annotations

from typing import Any

from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import scenario
from croupier.conformance.certify._target import Reply

__all__: list[str] = []


def _session_reply(ctx: ScenarioContext, player: str) -> Reply:
    return ctx.post(
        "/v1/sessions",
        {
            "player_id": player,
            "game_id": ctx.game,
            "currency": ctx.currency_of(player),
            "locale": "en-GB",
        },
    )


def _refused(ctx: ScenarioContext, answer: str, code: str, retryable: bool) -> None:
    role = f"kyc_{'denied' if answer == 'deny' else answer}"
    player = ctx.new_player(kyc=answer) if ctx.sandbox else ctx.role(role)
    error: Any = ctx.expect_refused(
        player,
        lambda: _session_reply(ctx, player),
        403,
        code,
        f"opening a session for a player whose KYC answer is {answer}",
    )
    ctx.expect(
        isinstance(error, dict) and error.get("retryable") is retryable,
        f"{code} must say retryable: {str(retryable).lower()} (the error catalog), got "
        f"{error.get('retryable') if isinstance(error, dict) else error!r}",
    )
    if not ctx.sandbox:
        return
    # The answer turns while the player plays: authorize is refused, the open bet still settles.
    player, session = ctx.ready_player()
    bet = ctx.place_bet(player, session, "1.00")
    reply = ctx.target.control("PUT", f"/sandbox/players/{player}/kyc", {"status": answer})
    ctx.expect_status(reply, 200, what=f"setting the KYC answer to {answer} through the sandbox")
    ctx.use("control: kyc")
    ctx.expect_refused(
        player,
        lambda: ctx.authorize(ctx.authorize_body(player, session, "1.00")),
        403,
        code,
        f"authorize after the KYC answer turned {answer}",
    )
    before = ctx.money(player)
    ctx.expect_status(
        ctx.settle(ctx.settle_body(bet, "2.00")), 200, what=f"settle after KYC turned {answer}"
    )
    ctx.expect_delta(
        player, before, "the win of the bet placed before", cash=200, held=-100, available=200
    )


@scenario(
    "kyc-pending-refused",
    needs_sandbox=False,
    rules=("kyc-answers", "error-kyc-pending"),
)
def kyc_pending_refused(ctx: ScenarioContext) -> None:
    """A KYC-pending player gets 403 KYC_PENDING (retryable), no money moves, owed wins paid."""
    _refused(ctx, "pending", "KYC_PENDING", True)


@scenario(
    "kyc-denied-refused",
    needs_sandbox=False,
    rules=("kyc-answers", "error-kyc-denied"),
)
def kyc_denied_refused(ctx: ScenarioContext) -> None:
    """A KYC-denied player gets 403 KYC_DENIED (not retryable), no money moves, owed wins paid."""
    _refused(ctx, "deny", "KYC_DENIED", False)
