"""The contract's normative rules, each with a stable id, and the checks that verify them.

A rule is one thing two independent implementations must agree on (DESIGN.md §3, the error
catalog, the headers, security, events …). Scenarios name the rules they verify
(`@scenario(..., rules=(...))`); Croupier's response checks, Schemathesis's built-in checks
and the latency budgets are linked here in `CHECK_RULES`. `rule_checks()` is the resulting
rule -> checks map; the test suite fails when a rule has no check or a check names an
unknown rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from croupier._registry import ERR, WARN, Registry

__all__ = ["CHECK_RULES", "ERROR_CODES", "FAMILIES", "RULES", "Rule", "rule", "rule_catalog"]

# family id -> what it covers (the docs page's sections, in this order).
FAMILIES: dict[str, str] = {
    "money": "Money format, exponent, currency and exact movements",
    "idempotency": "Idempotency keys: replay, mismatch, duplicates, races, retention",
    "bets": "The bet lifecycle: holds, settles, rollbacks, tombstones, rounds",
    "owed-money": "Money owed to the player is always paid",
    "sessions": "Game sessions",
    "rg": "Responsible gaming",
    "kyc": "KYC/AML answers and blocked accounts",
    "bonus": "Bonus funding, max bet, wagering and expiry",
    "jackpot": "Jackpot contributions and wins",
    "win-breakdown": "Win breakdown consistency",
    "errors": "The error catalog: every code's trigger, HTTP status and retryable flag",
    "headers": "Mandatory headers",
    "security": "Signatures, keys, tokens and scopes",
    "events": "Events: one per movement, valid, unique, matching the movement",
    "degradation": "Degradation modes",
    "health": "Health",
    "bet-history": "Bet history",
    "body": "Request bodies: size, media type, strict JSON",
    "methods": "Paths and methods",
    "contract": "Responses match the contract; latency budgets",
}


@dataclass(frozen=True)
class Rule:
    """One normative rule of the contract."""

    id: str
    level: str
    family: str
    doc: str


RULES: Registry[Rule] = Registry("rule")


def rule(rule_id: str, family: str, doc: str, level: str = ERR) -> Rule:
    """Register a rule; a duplicate id, an unknown family or a multi-line doc raises."""
    RULES.check(rule_id, level)
    if family not in FAMILIES:
        raise ValueError(f"rule {rule_id}: unknown family {family!r}")
    if not doc or "\n" in doc:
        raise ValueError(f"rule {rule_id}: needs a one-line doc")
    return RULES.add(rule_id, Rule(rule_id, level, family, doc))


# -- money -------------------------------------------------------------------------------------
rule(
    "money-amount-decimal-string",
    "money",
    "Every amount is a decimal string in a Money object, never a JSON number.",
)
rule(
    "money-exponent-enforced",
    "money",
    "An amount with more fraction digits than its currency's exponent (EUR 2, JPY 0) is "
    "422 INVALID_AMOUNT.",
)
rule(
    "money-positive-amounts",
    "money",
    "Negative, zero, exponent and NaN stakes are 422 INVALID_AMOUNT; the endpoint, never a "
    "sign, gives the direction.",
)
rule(
    "money-exact-minor-units",
    "money",
    "Balances move by exactly the stake and the win, to the minor unit (no float rounding).",
)
rule(
    "money-currency-matches-wallet",
    "money",
    "A stake or win in another currency than the wallet's is 422 WRONG_CURRENCY and moves nothing.",
)
rule(
    "money-balance-after-movement",
    "money",
    "Every money answer carries the balance after the movement, equal to a fresh read.",
)
rule(
    "money-insufficient-funds",
    "money",
    "A stake above the available balance is 402 INSUFFICIENT_FUNDS with the unchanged balance "
    "in details.",
)
rule(
    "money-held-not-available",
    "money",
    "A held stake leaves the available balance and shows as held until settled or released.",
)
rule(
    "money-conservation",
    "money",
    "Any sequence of authorize, settle, rollback and replay keeps the balance equal to a model "
    "ledger.",
)

# -- idempotency --------------------------------------------------------------------------------
rule(
    "idempotency-replay-stored-answer",
    "idempotency",
    "The same key and body answer the stored status and body again, byte for byte.",
)
rule(
    "idempotency-replay-header",
    "idempotency",
    "A replay, and only a replay, says `Idempotent-Replayed: true`.",
)
rule(
    "idempotency-replay-moves-once",
    "idempotency",
    "A replayed write moves no money a second time and emits no second event.",
)
rule(
    "idempotency-mismatch",
    "idempotency",
    "The same key with another body is 409 IDEMPOTENCY_MISMATCH and moves nothing.",
)
rule(
    "idempotency-duplicate-bet",
    "idempotency",
    "A new key for an existing bet id is 409 DUPLICATE and holds nothing more.",
)
rule(
    "idempotency-race-one-movement",
    "idempotency",
    "One key racing in flight yields one movement; the others replay or say REQUEST_IN_PROGRESS.",
)
rule(
    "idempotency-refusals-stored",
    "idempotency",
    "A final (non-retryable) refusal is stored and replayed like any answer.",
)
rule(
    "idempotency-retryable-not-stored",
    "idempotency",
    "A retryable refusal is not stored: a retry with the same key is processed again.",
)
rule(
    "idempotency-retention",
    "idempotency",
    "A key is kept at least 120 days: a replay after 121 days still answers the stored answer.",
)
rule(
    "idempotency-scope",
    "idempotency",
    "Keys, bets and players are scoped by (provider, brand): another tenant's key or bet id "
    "does not exist for the caller.",
)

# -- bets -----------------------------------------------------------------------------------------
rule(
    "bet-authorize-holds",
    "bets",
    "Authorize holds the stake: it leaves cash and available and shows as held.",
)
rule(
    "bet-settle-captures-and-credits",
    "bets",
    "Settle captures the hold and credits the win (zero allowed) — the win is gross, never net "
    "of the stake.",
)
rule(
    "bet-rollback-releases",
    "bets",
    "Rollback releases the hold exactly and reports the amount released.",
)
rule("bet-settle-unknown", "bets", "Settle of a bet never authorized is 404 BET_NOT_FOUND.")
rule(
    "bet-rollback-unknown-tombstone",
    "bets",
    "Rollback of an unknown bet is a 200 no-op that reports a tombstone and releases nothing.",
)
rule(
    "bet-tombstone-refuses-authorize",
    "bets",
    "A late authorize of a tombstoned bet id is 409 BET_ROLLED_BACK.",
)
rule("bet-rollback-after-settle", "bets", "Rollback of a settled bet is 409 BET_ALREADY_SETTLED.")
rule("bet-settle-after-rollback", "bets", "Settle of a rolled-back bet is 409 BET_ROLLED_BACK.")
rule(
    "bet-settle-twice",
    "bets",
    "A second settle under a new key is 409 BET_ALREADY_SETTLED; the win is credited once.",
)
rule(
    "bet-rollback-twice",
    "bets",
    "A second rollback under a new key is 409 BET_ROLLED_BACK; the stake is released once.",
)
rule(
    "bet-round-several-bets",
    "bets",
    "A round may hold several bets, each settled or rolled back on its own.",
)
rule(
    "bet-round-matches",
    "bets",
    "A settle naming another round than the bet's is refused and moves nothing.",
)
rule("bet-player-scoped", "bets", "A bet is found only for its own player.")

# -- owed money -----------------------------------------------------------------------------------
rule(
    "owed-money-expired-session",
    "owed-money",
    "Wins and rollbacks are accepted on an expired session.",
)
rule(
    "owed-money-excluded-player",
    "owed-money",
    "Wins and rollbacks are accepted for a player who self-excluded since the bet.",
)
rule(
    "owed-money-limit-reached",
    "owed-money",
    "A win is paid after the player's session-time limit ran out.",
)

# -- sessions -------------------------------------------------------------------------------------
rule(
    "session-open",
    "sessions",
    "createSession answers 201 with RFC 3339 times; another currency is WRONG_CURRENCY, an "
    "unknown game GAME_NOT_FOUND.",
)
rule(
    "session-expiry",
    "sessions",
    "A session takes bets until expires_at, then is 409 SESSION_EXPIRED and emits one "
    "session.ended.",
)
rule(
    "session-end-closes",
    "sessions",
    "An ended session refuses bets and a second end with 409 SESSION_CLOSED.",
)
rule("player-unknown", "sessions", "An unknown player is 404 PLAYER_NOT_FOUND on every operation.")

# -- responsible gaming ---------------------------------------------------------------------------
rule(
    "rg-self-exclusion",
    "rg",
    "A self-excluded player is refused 403 RG_SELF_EXCLUDED on session start and on authorize.",
)
rule(
    "rg-loss-limit",
    "rg",
    "A stake past the loss limit is 403 RG_LOSS_LIMIT; a stake of exactly what remains passes.",
)
rule("rg-loss-limit-counts-holds", "rg", "Stakes on hold count towards the loss limit.")
rule(
    "rg-loss-limit-resets",
    "rg",
    "A loss limit holds until its period ends (details.resets_at), then accepts stakes again.",
)
rule(
    "rg-stake-limit",
    "rg",
    "A stake above the stake limit is 403 RG_STAKE_LIMIT; a stake at the limit is accepted.",
)
rule(
    "rg-session-time-limit",
    "rg",
    "Once a session outlives the session-time limit, authorize is 403 RG_TIME_LIMIT.",
)
rule(
    "rg-most-restrictive-wins",
    "rg",
    "When several limits refuse, the most restrictive is answered: self-exclusion > session "
    "time > loss > stake.",
)
rule(
    "rg-refusal-details",
    "rg",
    "RG refusals carry details: limit, remaining and resets_at as the catalog says.",
)
rule("rg-limit-hit-event", "rg", "Every RG refusal emits one rg.limit.hit naming the code.")
rule(
    "rg-reality-check",
    "rg",
    "A reality check emits rg.reality_check once its interval has passed in a session.",
)
rule(
    "rg-check-agrees",
    "rg",
    "checkResponsibleGaming answers what authorize would, and moves no money.",
)

# -- KYC ------------------------------------------------------------------------------------------
rule(
    "kyc-answers",
    "kyc",
    "KYC deny is 403 KYC_DENIED (final) and pending 403 KYC_PENDING (retryable), on session start.",
)
rule("player-blocked", "kyc", "A blocked account is 403 PLAYER_BLOCKED on session start.")

# -- bonus ----------------------------------------------------------------------------------------
rule("bonus-funding-order", "bonus", "A stake is funded from cash first, then from bonus funds.")
rule(
    "bonus-max-bet",
    "bonus",
    "While a bonus is active, a stake above its max bet is 422 MAX_BET_EXCEEDED.",
)
rule(
    "bonus-wagering-contribution",
    "bonus",
    "Wagering progress counts each game type's share of the stake (slots 100 %, table 10 %).",
)
rule(
    "bonus-expiry",
    "bonus",
    "A bonus past its deadline forfeits its funds, keeps the cash and emits bonus.expired once.",
)

# -- jackpot --------------------------------------------------------------------------------------
rule(
    "jackpot-contribution",
    "jackpot",
    "A stake adds stake × contribution_rate to each named pool, rounded down to the minor unit.",
)
rule(
    "jackpot-win-pays-pool",
    "jackpot",
    "A jackpot part must equal the pool's amount (else 409 JACKPOT_AMOUNT_MISMATCH); the pool "
    "then restarts from its seed.",
)

# -- win breakdown -------------------------------------------------------------------------------
rule(
    "win-breakdown-adds-up",
    "win-breakdown",
    "base + promo + jackpot parts equal the win (else 422 WIN_BREAKDOWN_MISMATCH); the whole "
    "win is credited.",
)

# -- errors ---------------------------------------------------------------------------------------
rule(
    "error-body-schema",
    "errors",
    "Every error follows the Error schema with a catalog code, its HTTP status and retryable "
    "flag, and the call's trace id.",
)
rule("no-server-error", "errors", "No request, however malformed, is answered with a 5xx.")

# The catalog's codes (a test keeps this equal to components.x-error-catalog).
ERROR_CODES: dict[str, str] = {
    "MISSING_TRACE_ID": "a call comes without X-Trace-Id",
    "MISSING_IDEMPOTENCY_KEY": "a write comes without X-Idempotency-Key",
    "MISSING_HEADER": "X-Brand-Id, X-Region or X-Provider-Id is missing",
    "INVALID_HEADER": "a mandatory header is malformed or sent twice",
    "MALFORMED_REQUEST": "the body is not strict JSON",
    "INVALID_SIGNATURE": "the signature is missing, stale, of an unknown key or does not verify",
    "INVALID_TOKEN": "the bearer token is missing, unknown, expired or another client's",
    "INSUFFICIENT_SCOPE": "the token lacks the operation's scope",
    "TENANT_MISMATCH": "the key is bound to another provider or brand than the headers name",
    "REGION_NOT_ALLOWED": "X-Region is not one of the key's regions",
    "INSUFFICIENT_FUNDS": "the stake exceeds the available balance",
    "PLAYER_BLOCKED": "the account is blocked",
    "KYC_DENIED": "the player failed KYC/AML",
    "KYC_PENDING": "the player's KYC is pending",
    "RG_SELF_EXCLUDED": "the player is self-excluded",
    "RG_LOSS_LIMIT": "the stake would pass the loss limit",
    "RG_TIME_LIMIT": "the session-time limit is reached",
    "RG_STAKE_LIMIT": "the stake is above the stake limit",
    "SESSION_NOT_FOUND": "the session does not exist",
    "BET_NOT_FOUND": "the bet was never authorized",
    "PLAYER_NOT_FOUND": "the player does not exist",
    "GAME_NOT_FOUND": "the game is not in the catalog",
    "JACKPOT_NOT_FOUND": "the jackpot pool does not exist",
    "NOT_FOUND": "the path does not exist",
    "METHOD_NOT_ALLOWED": "the path does not take the method",
    "DUPLICATE": "a bet id comes again under a new key",
    "IDEMPOTENCY_MISMATCH": "a key comes again with another body",
    "REQUEST_IN_PROGRESS": "a key is still in flight",
    "BET_ALREADY_SETTLED": "a settled bet is settled again or rolled back",
    "BET_ROLLED_BACK": "a rolled-back bet is authorized, settled or rolled back again",
    "SESSION_EXPIRED": "a bet comes on an expired session",
    "SESSION_CLOSED": "a bet or an end comes on an ended session",
    "JACKPOT_AMOUNT_MISMATCH": "a jackpot part differs from the pool's amount",
    "PAYLOAD_TOO_LARGE": "the body is larger than 64 KiB",
    "UNSUPPORTED_MEDIA_TYPE": "the body is not application/json",
    "VALIDATION_FAILED": "the body breaks the schema",
    "INVALID_AMOUNT": "an amount is malformed, too precise, zero or negative",
    "WRONG_CURRENCY": "a currency differs from the wallet's",
    "MAX_BET_EXCEEDED": "a stake is over the active bonus's max bet",
    "WIN_BREAKDOWN_MISMATCH": "the win breakdown does not add up",
    "INVALID_EVENT": "a published event breaks its schema",
    "UNKNOWN_EVENT_TYPE": "a published event has no schema",
    "INTERNAL_ERROR": "the platform fails (never for bad input)",
    "TEMPORARY_ERROR": "the platform cannot serve the call now",
    "NEW_SESSIONS_DISABLED": "new sessions are switched off",
    "FEATURE_DISABLED": "promotions or jackpots are switched off",
    "GATEWAY_TIMEOUT": "an upstream timed out (outcome unknown)",
}


def error_rule_id(code: str) -> str:
    """The rule id of an error code: `error-` and the code in kebab case."""
    return "error-" + code.lower().replace("_", "-")


for _code, _trigger in ERROR_CODES.items():
    rule(
        error_rule_id(_code),
        "errors",
        f"`{_code}` is answered, with its catalog status and retryable flag, when {_trigger}.",
    )

# -- headers --------------------------------------------------------------------------------------
rule(
    "header-trace-id-required",
    "headers",
    "A call without X-Trace-Id is 400 MISSING_TRACE_ID (and still answers a trace id).",
)
rule("header-trace-id-echoed", "headers", "Every response echoes the request's X-Trace-Id.")
rule(
    "header-tenant-required",
    "headers",
    "A call without X-Brand-Id, X-Region or X-Provider-Id is 400 MISSING_HEADER.",
)
rule(
    "header-idempotency-key-required",
    "headers",
    "A write without X-Idempotency-Key is 400 MISSING_IDEMPOTENCY_KEY.",
)
rule(
    "header-malformed",
    "headers",
    "A mandatory header that does not fully match its pattern is 400 INVALID_HEADER.",
)
rule(
    "header-sent-twice",
    "headers",
    "A mandatory header, signature or bearer token sent twice is 400 INVALID_HEADER.",
)

# -- security -------------------------------------------------------------------------------------
rule(
    "security-signature-required",
    "security",
    "Unsigned, wrongly signed and unknown-key requests are 401 INVALID_SIGNATURE.",
)
rule(
    "security-timestamp-window",
    "security",
    "A signature more than 60 s off the platform's clock is 401 INVALID_SIGNATURE.",
)
rule("security-key-rotation", "security", "During key rotation both keys of a provider verify.")
rule(
    "security-key-tenant-binding",
    "security",
    "A key names one provider and brand; headers naming another are 403 TENANT_MISMATCH.",
)
rule(
    "security-key-region-binding",
    "security",
    "X-Region outside the key's regions is 403 REGION_NOT_ALLOWED.",
)
rule(
    "security-scope-per-operation",
    "security",
    "A token without the operation's scope is 403 INSUFFICIENT_SCOPE.",
)
rule(
    "security-token-required",
    "security",
    "A call without a bearer token, or with an unknown one, is 401 INVALID_TOKEN.",
)
rule("security-token-expiry", "security", "An expired bearer token is 401 INVALID_TOKEN.")
rule(
    "security-token-bound-to-client",
    "security",
    "A token works only with a signing key of the client it was issued to.",
)

# -- events ---------------------------------------------------------------------------------------
rule(
    "events-per-movement",
    "events",
    "Authorize, settle and rollback each emit their events exactly once (none on replay).",
)
rule("events-schema-valid", "events", "Every emitted event validates against schemas/.")
rule("events-unique-ids", "events", "Event ids are unique.")
rule(
    "events-carry-the-call",
    "events",
    "Events carry the call's trace id, tenant (X-Brand-Id) and region.",
)
rule(
    "events-player-order",
    "events",
    "A player's events come in the order of the movements that caused them.",
)
rule(
    "events-match-movements",
    "events",
    "Event amounts and balance_after equal the movement and the balance after it.",
)
rule(
    "events-lag-budget",
    "events",
    "Events reach the bus within the contract's outbox-to-bus lag budget.",
    level=WARN,
)
rule(
    "events-provider-validated",
    "events",
    "A published event is validated: 422 INVALID_EVENT, or UNKNOWN_EVENT_TYPE without a schema.",
)
rule(
    "events-provider-deduplicated",
    "events",
    "A published event id accepted once is answered duplicate the second time.",
)

# -- degradation, health ---------------------------------------------------------------------
rule(
    "degradation-new-sessions",
    "degradation",
    "With new sessions off, createSession is 503 NEW_SESSIONS_DISABLED while open sessions "
    "keep working.",
)
rule(
    "degradation-features",
    "degradation",
    "With jackpots or promotions off, their operations are 503 FEATURE_DISABLED.",
)
rule("degradation-health", "degradation", "GET /health says degraded while a mode is off.")
rule(
    "health-answers",
    "health",
    "GET /health needs no headers and names the contract version and the platform time.",
)

# -- bet history, body, methods, contract ---------------------------------------------------------
rule(
    "bet-history-readable",
    "bet-history",
    "getBet shows the bet's status and one history entry per movement with its amount, "
    "transaction and trace id.",
)
rule("body-size-limit", "body", "A body larger than 64 KiB is 413 PAYLOAD_TOO_LARGE.")
rule("body-media-type", "body", "A body that is not application/json is 415.")
rule(
    "body-strict-json",
    "body",
    "Invalid JSON, duplicate keys and nesting deeper than 32 are 400 MALFORMED_REQUEST.",
)
rule("method-not-allowed", "methods", "A path called with another method is 405.")
rule(
    "path-unknown",
    "methods",
    "An unknown path, or one with a trailing slash, is 404 NOT_FOUND in the Error schema.",
)
rule(
    "contract-responses-conform",
    "contract",
    "Responses use the declared status codes, content types, headers and schemas.",
)
rule(
    "contract-input-handling",
    "contract",
    "Schema-valid input is accepted, invalid input refused, auth never ignored.",
)
rule(
    "latency-within-budget",
    "contract",
    "Each operation answers within its x-slo latency budget.",
    level=WARN,
)

# Checks that are not scenarios -> the rules they verify. Latency budgets: every `slo-*` id.
CHECK_RULES: dict[str, tuple[str, ...]] = {
    "trace-id-echoed": ("header-trace-id-echoed",),
    # Every error code's status and retryable flag, on whichever traffic triggers the code.
    "error-body-conforms": ("error-body-schema", *(error_rule_id(c) for c in ERROR_CODES)),
    "idempotent-replay-header": ("idempotency-replay-header",),
    "no-server-error": ("no-server-error", "error-internal-error"),
    "status_code_conformance": ("contract-responses-conform",),
    "content_type_conformance": ("contract-responses-conform",),
    "response_schema_conformance": ("contract-responses-conform",),
    "response_headers_conformance": ("contract-responses-conform",),
    "positive_data_acceptance": ("contract-input-handling",),
    "negative_data_rejection": ("contract-input-handling",),
    "use_after_free": ("contract-input-handling",),
    "ensure_resource_availability": ("contract-input-handling",),
    "missing_required_header": ("contract-input-handling",),
    "ignored_auth": ("security-signature-required",),
    "unsupported_method": ("method-not-allowed",),
    "slo-*": ("latency-within-budget",),
}


def rule_catalog() -> list[dict[str, Any]]:
    """The rule catalog for the docs: id, level, family, doc, checks; in registry order."""
    from croupier.conformance.certify._catalog import rule_checks
    from croupier.conformance.certify._registry import SCENARIOS

    checks = rule_checks()
    return [
        {
            "id": r.id,
            "level": r.level,
            "family": r.family,
            "family_title": FAMILIES[r.family],
            "doc": r.doc,
            "checks": checks[r.id],
            "scenarios": [c for c in checks[r.id] if c in SCENARIOS],
        }
        for r in RULES.values()
    ]
