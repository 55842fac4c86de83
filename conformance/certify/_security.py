"""The security summary: which auth mechanisms the run exercised and how, read off its requests.

Each request certify sends (Schemathesis's too) is classified as it goes: its signature checked
locally with the run's own key (valid, unsigned, malformed, stale, unknown key, not verifying),
its bearer token (issued by the token endpoint, foreign, none). The summary then says, per
mechanism, what was sent and how the target answered — from what happened, never from what the
scenarios are meant to do.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from croupier import Credentials
from croupier._signing import (
    DEFAULT_SKEW_SECONDS,
    ED25519,
    HMAC_SHA256,
    SignatureError,
    VerificationKey,
    parse_signature_header,
    verify_signature,
)

__all__ = ["AuthFacts", "SecurityTally", "classify_auth", "verification_keys"]


@dataclass(frozen=True)
class AuthFacts:
    """How one request presented itself: its signature and its bearer token."""

    signature: str  # valid | unsigned | malformed | stale | unknown-key | not-verified
    algorithm: str | None = None
    key_id: str | None = None
    skew_s: int | None = None  # the signature's timestamp minus the send time
    bearer: str = "none"  # issued | foreign | none


def verification_keys(credentials: Credentials) -> dict[str, VerificationKey]:
    """The run's own key as a verifier knows it (Ed25519 public key, or the HMAC secret)."""
    if credentials.private_key:
        from cryptography.hazmat.primitives import serialization

        private = serialization.load_pem_private_key(credentials.private_key.encode(), None)
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {credentials.key_id: VerificationKey(credentials.key_id, ED25519, public.decode())}
    return {
        credentials.key_id: VerificationKey(credentials.key_id, HMAC_SHA256, credentials.secret)
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def classify_auth(
    method: str,
    target: str,
    body: bytes,
    headers: Mapping[str, str],
    keys: Mapping[str, VerificationKey],
    issued_tokens: set[str],
    sent_at: float | None = None,
) -> AuthFacts:
    """Classify one request's signature (checked with `keys`) and bearer token."""
    now = time.time() if sent_at is None else sent_at
    authorization = _header(headers, "Authorization") or ""
    token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    bearer = "none" if not token else ("issued" if token in issued_tokens else "foreign")
    value = _header(headers, "X-Signature")
    if not value:
        return AuthFacts("unsigned", bearer=bearer)
    try:
        parsed = parse_signature_header(value)
    except SignatureError:
        return AuthFacts("malformed", bearer=bearer)
    alg, kid, skew = parsed.algorithm or "legacy", parsed.key_id, int(parsed.timestamp - now)
    if abs(parsed.timestamp - now) > DEFAULT_SKEW_SECONDS:
        kind = "stale"
    elif parsed.key_id not in keys:
        kind = "unknown-key"
    else:
        try:
            verify_signature(value, method, target, body, headers, keys, now=now)
            kind = "valid"
        except SignatureError:
            kind = "not-verified"
    return AuthFacts(kind, alg, kid, skew, bearer)


# Answers that come before authentication is judged (a malformed or missing header, a body
# too large or of the wrong type): a request refused with one never reached the signature check.
_EARLIER = {
    (400, "MISSING_TRACE_ID"),
    (400, "MISSING_IDEMPOTENCY_KEY"),
    (400, "MISSING_HEADER"),
    (400, "INVALID_HEADER"),
    (400, "MALFORMED_REQUEST"),
    (413, "PAYLOAD_TOO_LARGE"),
    (415, "UNSUPPORTED_MEDIA_TYPE"),
}


@dataclass
class _Outcomes:
    """How the target answered one kind of bad request: refused as it must, earlier, let past."""

    refused: int = 0  # the refusal the contract names (e.g. 401 INVALID_SIGNATURE)
    other: int = 0  # refused by a check that comes first (a header), or another 401
    passed: int = 0  # got past the check: any other answer, 2xx or a business refusal

    def add(self, status: int | None, code: str | None, refusal: tuple[int, str]) -> None:
        if status is None:
            return
        if (status, code) == refusal:
            self.refused += 1
        elif (status, code) in _EARLIER or status == 401 or status >= 500:
            self.other += 1
        else:
            self.passed += 1

    def merge(self, other: _Outcomes) -> None:
        self.refused += other.refused
        self.other += other.other
        self.passed += other.passed

    @property
    def total(self) -> int:
        return self.refused + self.other + self.passed

    def text(self, refusal: tuple[int, str]) -> str:
        status, code = refusal
        parts = [f"{self.refused} refused {status} {code}"]
        if self.other:
            parts.append(f"{self.other} refused earlier (a header, or another 401)")
        if self.passed:
            parts.append(f"**{self.passed} got past the check**")
        return ", ".join(parts)


_BAD_SIGNATURE = (401, "INVALID_SIGNATURE")
_BAD_TOKEN = (401, "INVALID_TOKEN")


@dataclass
class SecurityTally:
    """Counts of what the run's requests presented and how the target answered them."""

    by_signature: dict[tuple[str, str], _Outcomes] = field(default_factory=dict)
    valid_refused: Counter[str] = field(default_factory=Counter)  # algorithm -> refused valid
    valid_accepted: Counter[str] = field(default_factory=Counter)
    keys_accepted: set[str] = field(default_factory=set)
    max_accepted_skew: int = 0
    bearer: dict[str, _Outcomes] = field(default_factory=dict)
    # signature -> (a write, first answered 2xx, answered as a replay)
    signatures_seen: dict[str, tuple[bool, bool, bool]] = field(default_factory=dict)
    resent: int = 0  # requests whose exact signature had been sent before
    resent_writes: int = 0  # … of them successful writes (2xx the first time)
    resent_replayed: int = 0  # … of those answered as an idempotent replay
    codes: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        facts: AuthFacts,
        status: int | None,
        code: str | None,
        signature: str | None,
        replayed: bool,
        write: bool = False,
    ) -> None:
        """Count one contract request and its answer."""
        if code:
            self.codes[code] += 1
        if facts.signature == "valid":
            alg = facts.algorithm or "?"
            if status == 401 and code == "INVALID_SIGNATURE":
                self.valid_refused[alg] += 1
            elif status is not None and status < 500:
                self.valid_accepted[alg] += 1
                if facts.key_id and status < 300:
                    self.keys_accepted.add(facts.key_id)
                if facts.skew_s is not None and status < 300:
                    self.max_accepted_skew = max(self.max_accepted_skew, abs(facts.skew_s))
        else:
            key = (facts.signature, facts.algorithm or "")
            self.by_signature.setdefault(key, _Outcomes()).add(status, code, _BAD_SIGNATURE)
        if facts.signature == "valid" and facts.bearer != "issued":
            self.bearer.setdefault(facts.bearer, _Outcomes()).add(status, code, _BAD_TOKEN)
        if signature and facts.signature == "valid":
            ok = status is not None and 200 <= status < 300
            if signature in self.signatures_seen:
                was_write, was_ok, was_replayed = self.signatures_seen[signature]
                self.resent += 1
                # The probe's resend may be announced before the original it repeats.
                if was_write and (was_ok or ok):
                    self.resent_writes += 1
                    self.resent_replayed += replayed or was_replayed
            self.signatures_seen[signature] = (write, ok and not replayed, replayed)

    def _bad(self, kind: str) -> _Outcomes:
        out = _Outcomes()
        for (sig, _alg), outcomes in self.by_signature.items():
            if sig == kind:
                out.merge(outcomes)
        return out

    def summary(
        self,
        credentials: Credentials,
        *,
        https: bool,
        client_certificate: bool,
        scopes_requested: list[str],
        scopes_granted: list[str],
    ) -> dict[str, Any]:
        """One entry per mechanism: exercised or not, how, and any answer that breaks a rule."""
        used = "ed25519" if credentials.private_key else "hmac-sha256"
        rows: list[dict[str, Any]] = []

        def row(ident: str, title: str, exercised: bool, how: str, problem: bool = False) -> None:
            rows.append(
                {"id": ident, "title": title, "exercised": exercised, "how": how}
                | {"problem": problem}
            )

        for alg, title in ((HMAC_SHA256, "HMAC-SHA256"), (ED25519, "Ed25519")):
            valid = self.valid_accepted[alg] + self.valid_refused[alg]
            outcome = _Outcomes()
            for (sig, sig_alg), outcomes in self.by_signature.items():
                if sig_alg == alg and sig == "not-verified":
                    outcome.merge(outcomes)
            if not valid and not outcome.total:
                why = (
                    f"this run signed with {used}"
                    if alg != used
                    else "no request carried such a signature"
                )
                row(
                    f"signature-{alg}",
                    f"Request signature, {title}",
                    False,
                    f"not exercised: {why}",
                )
                continue
            how = f"{valid} validly signed requests answered (key `{credentials.key_id}`)"
            if self.valid_refused[alg]:
                how += f", **{self.valid_refused[alg]} of them refused 401 INVALID_SIGNATURE**"
            if outcome.total:
                how += (
                    f"; {outcome.total} signed over other bytes or with a wrong key: "
                    + outcome.text(_BAD_SIGNATURE)
                )
            else:
                how += "; no wrongly signed request was sent"
            row(
                f"signature-{alg}",
                f"Request signature, {title}",
                True,
                how,
                bool(self.valid_refused[alg] or outcome.passed),
            )
        for kind, ident, title in (
            ("unsigned", "signature-missing", "Unsigned requests"),
            ("malformed", "signature-malformed", "Malformed X-Signature"),
            ("unknown-key", "signature-unknown-key", "Unknown key id"),
        ):
            outcome = self._bad(kind)
            row(
                ident,
                title,
                bool(outcome.total),
                f"{outcome.total} sent: {outcome.text(_BAD_SIGNATURE)}"
                if outcome.total
                else "not exercised: no such request was sent",
                bool(outcome.passed),
            )
        stale = self._bad("stale")
        window = (
            f"{stale.total} signatures more than {DEFAULT_SKEW_SECONDS} s off the send time: "
            f"{stale.text(_BAD_SIGNATURE)}"
            if stale.total
            else "not exercised: every signature was within the window"
        )
        if self.valid_accepted[used]:
            window += f"; accepted signatures were at most {self.max_accepted_skew} s off"
        row("timestamp-window", "Timestamp window", bool(stale.total), window, bool(stale.passed))
        keys = sorted(self.keys_accepted)
        row(
            "key-rotation",
            "Key rotation overlap",
            len(keys) >= 2,
            f"{len(keys)} key ids accepted: {', '.join(f'`{k}`' for k in keys)}"
            if len(keys) >= 2
            else (
                f"not exercised: every accepted request was signed with "
                f"{', '.join(f'`{k}`' for k in keys) or 'no key'}; no second key of an overlap "
                f"was used"
            ),
        )
        refusals = {name: self.bearer.get(name, _Outcomes()) for name in ("none", "foreign")}
        bearer_parts = [
            f"{refusals['none'].total} signed requests without a token: "
            f"{refusals['none'].text(_BAD_TOKEN)}",
            f"{refusals['foreign'].total} with a token the token endpoint never issued: "
            f"{refusals['foreign'].text(_BAD_TOKEN)}",
        ]
        row(
            "bearer-token",
            "OAuth2 bearer token",
            bool(refusals["none"].total or refusals["foreign"].total),
            "; ".join(bearer_parts),
            bool(refusals["none"].passed or refusals["foreign"].passed),
        )
        scope_refusals = self.codes["INSUFFICIENT_SCOPE"]
        row(
            "scopes",
            "OAuth2 scopes",
            bool(scope_refusals),
            f"requested {' '.join(scopes_requested) or '—'}; granted "
            f"{' '.join(scopes_granted) or '(not stated by the token endpoint)'}; "
            + (
                f"{scope_refusals} answers 403 INSUFFICIENT_SCOPE"
                if scope_refusals
                else "not exercised: no call was made with a token lacking a scope"
            ),
        )
        if https and client_certificate:
            mtls = "every connection presented the client certificate of the profile"
        elif https:
            mtls = "not exercised: https without a client certificate"
        else:
            mtls = "not exercised: the target was reached over plain http"
        row("mtls", "Mutual TLS", https and client_certificate, mtls)
        replay = "not exercised: no signed request was sent twice"
        if self.resent:
            replay = (
                f"{self.resent} validly signed requests sent again byte for byte within the "
                f"window; of the {self.resent_writes} successful writes among them, "
                + (
                    f"{self.resent_replayed} answered as idempotent replays"
                    if self.resent_replayed == self.resent_writes
                    else f"**only {self.resent_replayed} answered as idempotent replays**"
                )
                + " (Idempotent-Replayed: true); refusals before idempotency are not stored"
            )
        row(
            "replay",
            "Replayed signed requests",
            bool(self.resent),
            replay,
            self.resent_replayed < self.resent_writes,
        )
        tenancy = {c: self.codes[c] for c in ("TENANT_MISMATCH", "REGION_NOT_ALLOWED")}
        row(
            "tenancy-binding",
            "Key bound to provider, brand and region",
            any(tenancy.values()),
            ", ".join(f"{n} answers {c}" for c, n in tenancy.items() if n)
            if any(tenancy.values())
            else "not exercised: no request named another brand, provider or region",
        )
        return {"signing_algorithm": used, "key_id": credentials.key_id, "mechanisms": rows}
