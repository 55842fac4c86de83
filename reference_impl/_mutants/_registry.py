"""The mutant registry: one single fault per entry, applied by patching a dotted target.

A mutant names its target as a dotted path (`reference_impl._render.balance_json`,
`reference_impl._platform.Platform.settle`) and a factory that takes the original object and
returns its faulty replacement. Applying it replaces the target where it is defined and every
binding of the same object in the sandbox's loaded modules (a function imported by name into
another module is the same object there), so a mutant follows the code it breaks wherever an
import puts it, and a refactor that moves the code makes `resolve` fail naming the mutant.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from croupier._registry import Registry

__all__ = ["MUTANTS", "Mutant", "MutantError", "apply_mutant", "mutant", "resolve"]

# Modules whose bindings of a mutated object are replaced too (the sandbox process's code).
_REBIND_PREFIXES = ("croupier",)


class MutantError(LookupError):
    """A mutant id is unknown, or its target does not resolve; the message names both."""


@dataclass(frozen=True)
class Mutant:
    """One single-fault variant of the sandbox."""

    id: str
    title: str
    target: str
    rules: tuple[str, ...]
    make: Callable[[Any], Any]
    module: str
    equivalent: str | None = None  # why no certification can tell it apart, when it cannot


MUTANTS: Registry[Mutant] = Registry("mutant")

# Mutants already applied in this process (`croupier serve` applies before uvicorn, and a
# single-worker uvicorn builds the app in the same process): applying twice would stack.
_APPLIED: set[str] = set()


def mutant(
    mutant_id: str, *, target: str, rules: tuple[str, ...], equivalent: str | None = None
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register a mutant: the decorated factory turns the target's original into the fault."""
    MUTANTS.check(mutant_id)
    if not rules:
        raise ValueError(f"mutant {mutant_id}: names no rule it breaks")

    def register(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
        MUTANTS.add(
            mutant_id,
            Mutant(
                id=mutant_id,
                title=MUTANTS.doc(mutant_id, make),
                target=target,
                rules=tuple(rules),
                make=make,
                module=make.__module__,
                equivalent=equivalent,
            ),
        )
        return make

    return register


def resolve(target: str) -> tuple[Any, str, Any]:
    """(owner, attribute, current value) of a dotted target; MutantError when it is gone."""
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:cut])
        try:
            owner: Any = importlib.import_module(name)
        except ImportError:
            continue
        try:
            for part in parts[cut:-1]:
                owner = getattr(owner, part)
            if isinstance(owner, type):
                for klass in owner.__mro__:
                    if parts[-1] in vars(klass):
                        return owner, parts[-1], vars(klass)[parts[-1]]
                raise AttributeError(parts[-1])
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError as exc:
            raise MutantError(f"target {target} does not resolve: no attribute {exc}") from None
    raise MutantError(f"target {target} does not resolve: no importable module")


def _rebind(original: Any, replacement: Any) -> None:
    """Replace every module-level binding of `original` in the sandbox's loaded modules."""
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or not name.startswith(_REBIND_PREFIXES):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)


def apply_mutant(mutant_id: str) -> Mutant:
    """Apply one registered mutant to this process; MutantError when it cannot be."""
    # Load the whole sandbox first, so every module that binds the target is there to patch.
    importlib.import_module("croupier.reference_impl._app")
    from croupier.reference_impl._mutants import _catalog  # noqa: F401 - registers every mutant

    found = MUTANTS.get(mutant_id)
    if found is None:
        raise MutantError(f"no mutant {mutant_id!r} (see reference_impl/_mutants/)")
    if mutant_id in _APPLIED:
        return found
    try:
        owner, attr, original = resolve(found.target)
    except MutantError as exc:
        raise MutantError(f"mutant {mutant_id}: {exc}") from None
    if isinstance(original, classmethod):
        replacement: Any = classmethod(found.make(original.__func__))
    elif isinstance(original, staticmethod):
        replacement = staticmethod(found.make(original.__func__))
    else:
        replacement = found.make(original)
    setattr(owner, attr, replacement)
    # Functions and tables are shared by reference; numbers and strings are not rebound
    # (an int like 65536 may be the same object as an unrelated constant elsewhere).
    if isinstance(owner, types.ModuleType) and isinstance(
        original, (types.FunctionType, type, dict, tuple, list, frozenset)
    ):
        _rebind(original, replacement)
    _APPLIED.add(mutant_id)
    return found
