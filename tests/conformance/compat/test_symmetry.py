from croupier.conformance.compat import RULES
from croupier.conformance.compat._keywords import BOUND_KINDS, KEYWORD_KINDS

# A request-side rule (callers break) implies its response-side mirror (readers break).
MIRRORS = {
    "new-required-request-property": "response-required-property-removed",
    "new-optional-request-property": "response-optional-property-added",
    "request-property-became-required": "response-property-became-optional",
    "request-property-became-optional": "response-property-became-required",
    "request-property-type-changed": "response-property-type-changed",
    "request-property-type-generalized": "response-property-type-specialized",
    "request-property-became-not-nullable": "response-property-became-nullable",
    "request-property-became-nullable": "response-property-became-not-nullable",
    "request-property-enum-value-removed": "response-property-enum-value-added",
    "request-property-enum-value-added": "response-property-enum-value-removed",
    "request-property-pattern-changed": "response-property-pattern-changed",
    "request-property-constraint-tightened": "response-property-constraint-loosened",
    "request-property-constraint-loosened": "response-property-constraint-tightened",
    "request-additional-properties-closed": "response-additional-properties-opened",
    "request-property-one-of-removed": "response-property-one-of-added",
    "request-property-any-of-removed": "response-property-any-of-added",
    "request-property-all-of-added": "response-property-all-of-removed",
    "request-property-composition-widened": "response-property-composition-narrowed",
    "request-body-media-type-removed": "response-media-type-removed",
    "request-body-media-type-added": "response-media-type-added",
    "request-property-removed": "response-optional-property-removed",
    "request-property-deprecated": "response-property-deprecated",
    "request-property-became-enum": "response-property-constraint-loosened",
    "request-property-became-not-enum": "response-property-constraint-tightened",
    "request-body-media-type-schema-added": "response-body-media-type-schema-removed",
    "request-body-media-type-schema-removed": "response-body-media-type-schema-added",
    "request-property-x-extensible-enum-value-added": (
        "response-property-x-extensible-enum-value-removed"
    ),
    "request-property-stability-decreased": "response-property-stability-decreased",
    "request-property-stability-increased": "response-property-stability-increased",
}


def _opposite(kind: str) -> str:
    if kind.endswith("mapping-deleted"):
        return kind.replace("deleted", "added")
    if kind.endswith("mapping-added"):
        return kind.replace("added", "deleted")
    for a, b in (("added", "removed"), ("increased", "decreased")):
        if kind.endswith(a):
            return kind[: -len(a)] + b
        if kind.endswith(b):
            return kind[: -len(b)] + a
    return kind  # "...-changed" moves both ways: its mirror is itself on the other side


# The 2020-12 keyword rules: a request schema that narrows mirrors a response schema that widens.
MIRRORS.update(
    {
        f"request-{place}-{kind}": f"response-{place}-{_opposite(kind)}"
        for kind in KEYWORD_KINDS
        for place in ("body", "property")
    }
)

# Numeric bounds: a request bound set or tightened mirrors the response bound unset or relaxed.
_FLIP = {"increased": "decreased", "decreased": "increased", "set": "unset", "unset": "set"}
MIRRORS.update(
    {
        f"request-{place}-{kind}": f"response-{place}-{kind.rsplit('-', 1)[0]}-"
        + _FLIP[kind.rsplit("-", 1)[1]]
        for kind in BOUND_KINDS
        for place in ("body", "property")
    }
)

# A body twin (request-body-X beside request-property-X) mirrors its property rule's mirror's
# twin; where that mirror has no twin, the mirror's own id covers the body root too.
for _rule in list(RULES):
    if _rule.startswith("request-body-") and _rule not in MIRRORS:
        _prop = _rule.replace("-body-", "-property-", 1)
        if _prop in MIRRORS and RULES[_rule].on == RULES[_prop].on:
            _twin = MIRRORS[_prop].replace("-property-", "-body-", 1)
            MIRRORS[_rule] = _twin if _twin in RULES else MIRRORS[_prop]

_PARAMS = "parameters exist only in requests; a response's headers have their own rules"
_SECURITY = "security requirements apply to requests only; responses carry no credentials"
WAIVERS = {
    "request-body-became-required": "a response body has no `required` flag to mirror",
    "new-required-request-parameter": _PARAMS,
    "new-optional-request-parameter": _PARAMS,
    "request-parameter-removed": _PARAMS,
    "request-parameter-became-required": _PARAMS,
    "request-parameter-became-optional": _PARAMS,
    "request-parameter-in-changed": _PARAMS,
    "request-parameter-type-changed": _PARAMS,
    "request-parameter-type-generalized": _PARAMS,
    "request-parameter-enum-value-removed": _PARAMS,
    "request-parameter-enum-value-added": _PARAMS,
    "request-parameter-pattern-changed": _PARAMS,
    "request-parameter-constraint-tightened": _PARAMS,
    "request-parameter-constraint-loosened": _PARAMS,
    "request-parameter-deprecated": _PARAMS,
    "request-parameter-became-enum": _PARAMS,
    "request-parameter-became-not-enum": _PARAMS,
    "request-parameter-allow-empty-value-added": _PARAMS,
    "request-parameter-allow-empty-value-removed": _PARAMS,
    "request-parameter-became-allow-reserved": _PARAMS,
    "request-parameter-became-not-allow-reserved": _PARAMS,
    "request-parameter-default-value-added": _PARAMS,
    "request-parameter-default-value-changed": _PARAMS,
    "request-parameter-default-value-removed": _PARAMS,
    "request-parameter-explode-changed": _PARAMS,
    "request-parameter-style-changed": _PARAMS,
    "request-parameter-x-extensible-enum-value-removed": _PARAMS,
    # Its mirror, a value added to a response's x-extensible-enum, is harmless by design: the
    # keyword tells readers that the set grows.
    "request-property-x-extensible-enum-value-removed": "an extensible enum promises readers "
    "new values; only callers lose when a value goes",
    "request-parameter-deprecated-sunset-missing": _PARAMS,
    "request-parameter-reactivated": _PARAMS,
    "request-parameter-sunset-deleted": _PARAMS,
    "request-parameter-sunset-date-changed-too-small": _PARAMS,
    "request-parameter-removed-before-sunset": _PARAMS,
    "request-parameter-removed-with-deprecation": _PARAMS,
    "api-security-removed": _SECURITY,
    "api-security-added": _SECURITY,
    "api-security-scope-added": _SECURITY,
    "api-security-scope-removed": _SECURITY,
}
WAIVERS.update({f"request-parameter-{kind}": _PARAMS for kind in BOUND_KINDS})
WAIVERS.update(
    {
        r.id: _SECURITY
        for r in RULES.values()
        if r.id.startswith(("api-security-", "api-global-security-"))
    }
)


def test_every_request_rule_has_a_mirror_or_a_waiver():
    request_rules = {r.id for r in RULES.values() if r.side == "request"}
    missing = request_rules - set(MIRRORS) - set(WAIVERS)
    assert not missing, f"request rules without a response mirror or a waiver: {sorted(missing)}"


def test_mirrors_are_registered_response_rules():
    for req, resp in MIRRORS.items():
        assert RULES[req].side == "request", req
        assert RULES[resp].side == "response", resp


def test_a_breaking_request_rule_mirrors_a_rule_that_can_break_readers():
    for req, resp in MIRRORS.items():
        if RULES[req].level == "ERR":
            assert RULES[resp].level in ("ERR", "WARN"), (req, resp)


def test_waivers_have_reasons_and_name_real_rules():
    for rule_id, reason in WAIVERS.items():
        assert rule_id in RULES and reason.strip()
    assert not set(WAIVERS) & set(MIRRORS)
