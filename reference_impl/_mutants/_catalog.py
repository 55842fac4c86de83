"""Every mutant module, imported explicitly so the whole suite is visible in one place."""

from croupier.reference_impl._mutants import (  # noqa: F401 - importing registers the mutants
    _errors,
    _events,
    _idempotency,
    _lifecycle,
    _money,
    _protocol,
    _rg,
    _sessions,
)
