"""The mutation suite: single-fault variants of the sandbox that certification must catch.

Kept out of the normal code path: nothing imports this package but `croupier serve --mutant
ID` (through `reference_impl._command`), the mutation bench and tests. May import
`croupier` and the rest of `reference_impl`.
"""

from croupier.reference_impl._mutants._registry import (
    MUTANTS,
    Mutant,
    MutantError,
    apply_mutant,
    mutant,
    resolve,
)

__all__ = ["MUTANTS", "Mutant", "MutantError", "all_mutants", "apply_mutant", "mutant", "resolve"]


def all_mutants() -> list[Mutant]:
    """Every registered mutant, in registration order."""
    from croupier.reference_impl._mutants import _catalog  # noqa: F401 - registers every mutant

    return list(MUTANTS.values())
