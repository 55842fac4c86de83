"""Fault scripts ("rain scenarios"): data that says which of a provider's calls meet which fault.

A script is a list of steps. Each step watches one operation and fires on the `nth` matching
request of a provider (counted per provider and brand from the moment the script is loaded,
retries included) and on the `times - 1` matching requests after it. A step with a
`probability` fires on each of those only when a random draw seeded by (seed, step id,
ordinal) says so, so the same seed and the same traffic give the same faults.

Actions: `timeout` (do the work, answer 504 GATEWAY_TIMEOUT after delay_ms), `error` (answer
500/503/504 without the work), `delay` (answer late), `expire_session`, `rg_self_exclude`,
`rg_stake_limit`, `issue_bonus` (change the player or session just before the request goes
through) and `degrade` (switch degradation modes for `times` requests, then restore them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "ACTIONS",
    "BUILTIN_SCRIPTS",
    "Firing",
    "ScriptEngine",
    "ScriptError",
    "builtin_script",
    "normalize_script",
]

ACTIONS = (
    "timeout",
    "error",
    "delay",
    "expire_session",
    "rg_self_exclude",
    "rg_stake_limit",
    "issue_bonus",
    "degrade",
)
# Actions that answer in place of (error) or after (timeout, delay) the platform.
ANSWERING = ("timeout", "error", "delay")
BUILTIN_SCRIPTS = ("calm", "default", "storm")
_FAULT_CODES = {500: "INTERNAL_ERROR", 503: "TEMPORARY_ERROR", 504: "GATEWAY_TIMEOUT"}


class ScriptError(ValueError):
    """A script that cannot be played (beyond what its JSON Schema says)."""


def builtin_script(name: str) -> dict[str, Any]:
    """A built-in script by name (calm, default, storm), as data."""
    if name not in BUILTIN_SCRIPTS:
        raise ScriptError(f"no built-in script {name!r}; choose from {', '.join(BUILTIN_SCRIPTS)}")
    scripts = resources.files("croupier.reference_impl").joinpath("scripts")
    text = scripts.joinpath(f"{name}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def normalize_script(script: dict[str, Any], seed: int | None = None) -> dict[str, Any]:
    """Fill defaults and resolve seeded choices; the result is what the sandbox plays."""
    steps = []
    seen: set[str] = set()
    chosen_seed = int(seed if seed is not None else script.get("seed", 0))
    for raw in script.get("steps") or []:
        step = {"times": 1, "delay_ms": 0, "status": 503, "probability": "1", **raw}
        if step["id"] in seen:
            raise ScriptError(f"step id {step['id']!r} is used twice")
        seen.add(step["id"])
        if step["action"] not in ACTIONS:
            raise ScriptError(f"unknown action {step['action']!r}")
        if step["action"] == "error" and int(step["status"]) not in _FAULT_CODES:
            raise ScriptError(f"step {step['id']}: status must be one of 500, 503, 504")
        if step["action"] == "rg_stake_limit" and "amount" not in step:
            raise ScriptError(f"step {step['id']}: rg_stake_limit needs an amount")
        if step["action"] == "issue_bonus" and ("amount" not in step or "max_bet" not in step):
            raise ScriptError(f"step {step['id']}: issue_bonus needs amount and max_bet")
        if step["action"] == "degrade" and not step.get("modes"):
            raise ScriptError(f"step {step['id']}: degrade needs modes")
        if "nth_range" in step:
            low, high = step.pop("nth_range")
            if low > high:
                raise ScriptError(f"step {step['id']}: nth_range must be [low, high]")
            step["nth"] = random.Random(f"{chosen_seed}/{step['id']}").randint(low, high)
        step.setdefault("nth", 1)
        steps.append(step)
    return {
        "name": script.get("name", "custom"),
        "description": script.get("description", ""),
        "seed": chosen_seed,
        "steps": steps,
    }


@dataclass(frozen=True)
class Firing:
    """A step firing on one request: which step, which action, and its ordinal."""

    step: dict[str, Any]
    ordinal: int
    restore: bool = False  # a degrade step's first request past its window: put modes back

    @property
    def action(self) -> str:
        """The step's action."""
        return str(self.step["action"])

    @property
    def error_code(self) -> str:
        """The catalog code an error or timeout answers with."""
        if self.action == "timeout":
            return "GATEWAY_TIMEOUT"
        return _FAULT_CODES[int(self.step.get("status", 503))]

    def to_json(self) -> dict[str, Any]:
        """What a recording says about the fault."""
        return {
            "step": self.step["id"],
            "action": "restore" if self.restore else self.action,
            "ordinal": self.ordinal,
        }


@dataclass
class ScriptEngine:
    """The script in force and, per (provider, brand), how many requests each step has seen."""

    script: dict[str, Any] | None = None
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    fired: list[dict[str, Any]] = field(default_factory=list)
    saved_modes: dict[tuple[str, str, str], dict[str, bool]] = field(default_factory=dict)

    def load(self, script: dict[str, Any], seed: int | None = None) -> dict[str, Any]:
        """Put a script in force; counting starts again from zero."""
        self.script = normalize_script(script, seed)
        self.counts.clear()
        self.fired.clear()
        self.saved_modes.clear()
        return self.script

    def clear(self) -> None:
        """No script in force."""
        self.script = None
        self.counts.clear()
        self.fired.clear()
        self.saved_modes.clear()

    def state(self) -> dict[str, Any]:
        """The script in force and what fired so far (getFaultScript)."""
        return {
            "script": self.script,
            "fired": list(self.fired[-500:]),
        }

    def match(self, provider: str, brand: str, operation_id: str | None) -> list[Firing]:
        """The steps that fire on this request (each step's count moves on)."""
        if self.script is None or operation_id is None:
            return []
        seed = self.script["seed"]
        out = []
        for step in self.script["steps"]:
            if step["operation_id"] not in ("*", operation_id):
                continue
            key = (provider, brand, step["id"])
            ordinal = self.counts.get(key, 0) + 1
            self.counts[key] = ordinal
            first, last = int(step["nth"]), int(step["nth"]) + int(step["times"]) - 1
            if step["action"] == "degrade" and ordinal == last + 1 and key in self.saved_modes:
                out.append(Firing(step, ordinal, restore=True))
                continue
            if not first <= ordinal <= last:
                continue
            probability = Decimal(str(step.get("probability", "1")))
            if probability < 1:
                draw = random.Random(f"{seed}/{step['id']}/{ordinal}").random()
                if Decimal(str(draw)) >= probability:
                    continue
            out.append(Firing(step, ordinal))
        return out

    def note(self, firing: Firing, provider: str, trace_id: str, at: str) -> None:
        """Remember a firing for getFaultScript."""
        self.fired.append(
            {**firing.to_json(), "provider_id": provider, "trace_id": trace_id, "at": at}
        )
