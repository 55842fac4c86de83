"""Events the engine emits while it runs; reporters listen (producing is apart from reporting)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from croupier.conformance.certify._model import CaseResult, Exchange, Finding, RunResult

if TYPE_CHECKING:
    from croupier.conformance.certify._security import AuthFacts

__all__ = [
    "CaseFinished",
    "CaseStarted",
    "CheckFailed",
    "Event",
    "EventBus",
    "Listener",
    "PhaseFinished",
    "PhaseStarted",
    "Progress",
    "RequestSent",
    "RunFinished",
    "RunStarted",
]


@dataclass(frozen=True)
class Event:
    """Base of every engine event."""


@dataclass(frozen=True)
class RunStarted(Event):
    """A run begins against `target`."""

    target: str
    contract_version: str
    seed: int
    phases: tuple[str, ...]


@dataclass(frozen=True)
class PhaseStarted(Event):
    """A phase begins; `total` is how many cases it will report (0 when unknown)."""

    phase: str
    total: int = 0


@dataclass(frozen=True)
class PhaseFinished(Event):
    """A phase ended; `requests` counts what it sent when no RequestSent events said so."""

    phase: str
    requests: int | None = None


@dataclass(frozen=True)
class CaseStarted(Event):
    """A scenario (or latency measurement) starts."""

    phase: str
    id: str
    title: str = ""


@dataclass(frozen=True)
class RequestSent(Event):
    """One request went out and came back (or failed: status None).

    `auth` says how it authenticated (its signature checked locally, its bearer token);
    `operation` is the contract operation (`METHOD /template`) when the sender knows it.
    """

    phase: str
    case_id: str
    exchange: Exchange
    auth: AuthFacts | None = None
    operation: str | None = None


@dataclass(frozen=True)
class CheckFailed(Event):
    """An assertion failed inside a case."""

    phase: str
    case_id: str
    finding: Finding


@dataclass(frozen=True)
class Progress(Event):
    """Free-form progress of a long step (Schemathesis phases, latency sampling)."""

    phase: str
    message: str
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class CaseFinished(Event):
    """A check, scenario or budget has its verdict."""

    result: CaseResult


@dataclass(frozen=True)
class RunFinished(Event):
    """The run is over."""

    run: RunResult


Listener = Callable[[Event], None]


@dataclass
class EventBus:
    """Delivers each event to every listener, in order."""

    listeners: list[Listener] = field(default_factory=list)

    def subscribe(self, listener: Listener) -> None:
        """Add a listener."""
        self.listeners.append(listener)

    def emit(self, event: Event) -> None:
        """Send an event to every listener."""
        for listener in self.listeners:
            listener(event)
