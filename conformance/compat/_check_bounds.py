"""Rules for numeric bounds (maxLength, maximum, maxItems, maxProperties … and their minimums).

One table, one rule a cell, named as oasdiff names them:
`{request|response}-{property|parameter}-{bound}-{increased|decreased|set|unset}`, with the
`{request|response}-body-…` twin for the body schema itself. A bound that is set or made stricter
narrows what the schema accepts; one that is unset or relaxed widens it (`_keywords.BOUND_KINDS`).
The level follows the side: a narrowed request schema refuses callers (ERR) and a widened one is
additive (INFO); a widened response schema surprises readers that validate (ERR) and a narrowed
one only gives them more guarantees (INFO). Parameters exist on requests only.
"""

from __future__ import annotations

from collections.abc import Callable

from croupier.conformance.compat._keywords import BOUND_KINDS, BOUNDS, NARROWS
from croupier.conformance.compat._registry import ERR, INFO, Change, Says, rule, show, where

__all__ = ["BOUND_PLACES"]

# (side, subject) of every bound rule; a `property` rule has a `body` twin.
BOUND_PLACES = (("request", "property"), ("request", "parameter"), ("response", "property"))
_KEYWORD = {slug: keyword for keyword, (slug, _) in BOUNDS.items()}
_CALLERS = "callers that send what was valid yesterday are refused with a 4xx"


def _explain(side: str, narrows: bool, what: str) -> Callable[[Change], Says]:
    breaks = narrows == (side == "request")

    def says(c: Change) -> Says:
        place = f"parameter `{c.name}`" if c.subject == "parameter" else where(c)
        message = f"{c.operation}: {place} {what}, from {show(c.base)} to {show(c.revision)}"
        if not breaks:
            return Says(message, "every value valid before still is", "")
        if side == "request":
            return Says(
                message,
                f"values that satisfied the old bound fail the new one; {_CALLERS}",
                "keep the old bound; tighten it only under a new major path prefix",
            )
        return Says(
            message,
            "responses may now hold values readers validating against the old contract never "
            "expected; strict readers reject them",
            "keep the old bound; put the wider one in a new major path prefix",
        )

    return says


def _register() -> None:
    for kind, direction in BOUND_KINDS.items():
        slug, change = kind.rsplit("-", 1)
        keyword = _KEYWORD[slug]
        what = {"set": f"{keyword} was set", "unset": f"{keyword} was removed"}.get(
            change, f"{keyword} {change}"
        )
        narrows = direction == NARROWS
        for side, subject in BOUND_PLACES:
            breaks = narrows == (side == "request")
            func = _explain(side, narrows, what)
            effect = (
                "values valid before may be refused"
                if breaks and side == "request"
                else "readers may see values they never expected"
                if breaks
                else "every value valid before still is"
            )
            func.__doc__ = f"A {side} {subject}'s {what}: {effect}."
            rule(
                f"{side}-{subject}-{kind}",
                ERR if breaks else INFO,
                side,
                on=kind,
                subject=subject,
                body=f"{side}-body-{kind}" if subject == "property" else None,
            )(func)


_register()
