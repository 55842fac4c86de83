"""Error-catalog mutants: a code answered with another HTTP status or `retryable` flag.

Real wallets disagree here more than anywhere (errors as HTTP 200 with a body code, one
generic 400, "retry, the bet may still arrive"): each entry is one code mapped the way some
integration maps it. The platform then also stores or forgets the refusal by that flag.
"""

from __future__ import annotations

from typing import Any

from croupier.reference_impl._mutants._kit import catalog_fault
from croupier.reference_impl._mutants._registry import mutant

__all__: list[str] = []

_CATALOG = "croupier.reference_impl._domain._errors.catalog_entry"

# mutant id -> (code, change, what the faulty integration does)
_FAULTS: dict[str, tuple[str, dict[str, Any], str]] = {
    "insufficient-funds-as-200": (
        "INSUFFICIENT_FUNDS",
        {"status": 200},
        "answers HTTP 200 with the error code in the body",
    ),
    "duplicate-as-200": (
        "DUPLICATE",
        {"status": 200},
        "answers a duplicate bet id as 200 'already processed'",
    ),
    "bet-not-found-retryable": (
        "BET_NOT_FOUND",
        {"retryable": True},
        "marks a win for an unknown bet 'retry, it may arrive'",
    ),
    "bet-already-settled-as-400": (
        "BET_ALREADY_SETTLED",
        {"status": 400},
        "answers a settled bet's rollback as a plain 400",
    ),
    "bet-rolled-back-as-404": (
        "BET_ROLLED_BACK",
        {"status": 404},
        "answers a rolled-back bet as 'transaction not found'",
    ),
    "idempotency-mismatch-retryable": (
        "IDEMPOTENCY_MISMATCH",
        {"retryable": True},
        "invites retries of a key reused for another request",
    ),
    "session-expired-as-401": (
        "SESSION_EXPIRED",
        {"status": 401},
        "answers an expired session like an expired token (401)",
    ),
    "session-closed-as-410": (
        "SESSION_CLOSED",
        {"status": 410},
        "answers an ended session as 410 Gone",
    ),
    "session-not-found-as-401": (
        "SESSION_NOT_FOUND",
        {"status": 401},
        "answers an unknown session as unauthenticated",
    ),
    "player-not-found-as-400": (
        "PLAYER_NOT_FOUND",
        {"status": 400},
        "answers an unknown player as a plain 400",
    ),
    "game-not-found-as-400": ("GAME_NOT_FOUND", {"status": 400}, "answers an unknown game as 400"),
    "jackpot-not-found-as-400": (
        "JACKPOT_NOT_FOUND",
        {"status": 400},
        "answers an unknown jackpot pool as 400",
    ),
    "wrong-currency-as-400": ("WRONG_CURRENCY", {"status": 400}, "answers a currency clash as 400"),
    "invalid-amount-as-400": ("INVALID_AMOUNT", {"status": 400}, "answers a bad amount as 400"),
    "validation-failed-as-400": (
        "VALIDATION_FAILED",
        {"status": 400},
        "answers a schema violation as 400 instead of 422",
    ),
    "malformed-request-as-422": (
        "MALFORMED_REQUEST",
        {"status": 422},
        "answers a body that is not JSON as 422",
    ),
    "max-bet-exceeded-as-403": (
        "MAX_BET_EXCEEDED",
        {"status": 403},
        "answers a bonus max bet like a responsible-gaming limit",
    ),
    "win-breakdown-mismatch-as-400": (
        "WIN_BREAKDOWN_MISMATCH",
        {"status": 400},
        "answers a win breakdown that does not add up as 400",
    ),
    "jackpot-amount-mismatch-as-422": (
        "JACKPOT_AMOUNT_MISMATCH",
        {"status": 422},
        "answers a stale jackpot amount as 422",
    ),
    "kyc-pending-not-retryable": (
        "KYC_PENDING",
        {"retryable": False},
        "marks a pending identity check as final",
    ),
    "kyc-denied-as-401": ("KYC_DENIED", {"status": 401}, "answers a failed KYC as unauthenticated"),
    "player-blocked-as-401": (
        "PLAYER_BLOCKED",
        {"status": 401},
        "answers a blocked account like a bad token (USER_DISABLED)",
    ),
    "rg-loss-limit-retryable": (
        "RG_LOSS_LIMIT",
        {"retryable": True},
        "invites retries of a stake past the loss limit",
    ),
    "rg-stake-limit-as-422": (
        "RG_STAKE_LIMIT",
        {"status": 422},
        "answers a stake limit like a bonus max bet (422)",
    ),
    "rg-time-limit-as-409": (
        "RG_TIME_LIMIT",
        {"status": 409},
        "answers a session-time limit like an expired session",
    ),
    "rg-self-excluded-as-401": (
        "RG_SELF_EXCLUDED",
        {"status": 401},
        "answers self-exclusion as unauthenticated",
    ),
    "invalid-signature-as-403": (
        "INVALID_SIGNATURE",
        {"status": 403},
        "answers a bad signature as forbidden",
    ),
    "invalid-token-as-403": ("INVALID_TOKEN", {"status": 403}, "answers a bad token as forbidden"),
    "insufficient-scope-as-401": (
        "INSUFFICIENT_SCOPE",
        {"status": 401},
        "answers a missing scope as unauthenticated",
    ),
    "tenant-mismatch-as-401": (
        "TENANT_MISMATCH",
        {"status": 401},
        "answers a key of another brand as unauthenticated",
    ),
    "region-not-allowed-as-451": (
        "REGION_NOT_ALLOWED",
        {"status": 451},
        "answers data residency as 451 Unavailable For Legal Reasons",
    ),
    "missing-header-as-401": (
        "MISSING_HEADER",
        {"status": 401},
        "answers a missing brand header as unauthenticated",
    ),
    "invalid-header-as-422": (
        "INVALID_HEADER",
        {"status": 422},
        "answers a malformed header as 422",
    ),
    "missing-trace-id-as-422": (
        "MISSING_TRACE_ID",
        {"status": 422},
        "answers a missing trace id as 422",
    ),
    "missing-idempotency-key-as-422": (
        "MISSING_IDEMPOTENCY_KEY",
        {"status": 422},
        "answers a write without a key as 422",
    ),
    "payload-too-large-as-400": (
        "PAYLOAD_TOO_LARGE",
        {"status": 400},
        "answers an oversized body as a plain 400",
    ),
    "unsupported-media-type-as-400": (
        "UNSUPPORTED_MEDIA_TYPE",
        {"status": 400},
        "answers a non-JSON content type as 400",
    ),
    "method-not-allowed-as-404": (
        "METHOD_NOT_ALLOWED",
        {"status": 404},
        "answers a wrong method as 404",
    ),
    "not-found-as-400": ("NOT_FOUND", {"status": 400}, "answers an unknown path as 400"),
    "invalid-event-as-400": ("INVALID_EVENT", {"status": 400}, "answers an invalid event as 400"),
    "unknown-event-type-as-404": (
        "UNKNOWN_EVENT_TYPE",
        {"status": 404},
        "answers an unknown event type as 404",
    ),
    "temporary-error-not-retryable": (
        "TEMPORARY_ERROR",
        {"retryable": False},
        "marks a transient outage as final",
    ),
    "gateway-timeout-not-retryable": (
        "GATEWAY_TIMEOUT",
        {"retryable": False},
        "marks an upstream timeout (unknown outcome) as final",
    ),
    "new-sessions-disabled-as-403": (
        "NEW_SESSIONS_DISABLED",
        {"status": 403},
        "answers switched-off sessions as forbidden",
    ),
    "feature-disabled-not-retryable": (
        "FEATURE_DISABLED",
        {"retryable": False},
        "marks a switched-off jackpot as final",
    ),
}


def _register(mutant_id: str, code: str, change: dict[str, Any], doing: str) -> None:
    def make(original: Any) -> Any:
        return catalog_fault(code, **change)(original)

    make.__doc__ = f"{code}: the platform {doing}."
    mutant(mutant_id, target=_CATALOG, rules=(f"error-{code.lower().replace('_', '-')}",))(make)


for _id, (_code, _change, _doing) in _FAULTS.items():
    _register(_id, _code, _change, _doing)
