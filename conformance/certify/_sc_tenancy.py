"""Tenancy scenarios: keys, bets and idempotency keys of one provider are not another's."""

from __future__ import annotations

from croupier import SANDBOX_CREDENTIALS, SANDBOX_OTHER_PROVIDER_CREDENTIALS
from croupier.conformance.certify._context import ScenarioContext
from croupier.conformance.certify._registry import NotApplicable, scenario

__all__: list[str] = []


@scenario("ids-scoped-to-provider", rules=("idempotency-scope",))
def ids_scoped_to_provider(ctx: ScenarioContext) -> None:
    """Another provider's idempotency key and bet id are its own: ours stay untouched."""
    if ctx.target.credentials != SANDBOX_CREDENTIALS:
        raise NotApplicable("needs the sandbox's published second-provider credentials")
    other = SANDBOX_OTHER_PROVIDER_CREDENTIALS
    player, session = ctx.ready_player()
    before = ctx.money(player)
    ours = ctx.authorize_body(player, session, "2.00")
    key = ctx.key("shared")
    ctx.expect_status(ctx.authorize(ours, key), 200, what="our authorize")
    held = ctx.expect_delta(player, before, "our 2.00 hold", cash=-200, held=200, available=-200)
    # The same key from another provider, for another bet: theirs, not a replay of ours.
    theirs = ctx.authorize_body(player, ctx.open_session(player), "1.00")
    reply = ctx.target.call_as(other, "POST", "/v1/bets/authorize", theirs, idempotency_key=key)
    ctx.expect_status(reply, 200, what=f"{other.provider}'s authorize under our key")
    ctx.expect(
        reply.headers.get("Idempotent-Replayed") != "true",
        f"{other.provider}'s first use of a key answered as a replay of ours",
    )
    held = ctx.expect_delta(player, held, "their 1.00 hold", cash=-100, held=100, available=-100)
    # Our bet id means nothing to them: their rollback of it leaves our hold alone.
    ctx.target.call_as(
        other, "POST", "/v1/bets/rollback", ctx.rollback_body(ours["bet_id"], player)
    )
    ctx.expect_unchanged(player, held, f"{other.provider}'s rollback of our bet id")
    ctx.expect_status(ctx.settle(ctx.settle_body(ours, "0.00")), 200, what="our settle")
