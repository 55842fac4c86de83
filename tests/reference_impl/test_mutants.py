"""The mutation suite: every mutant resolves, builds, names known rules; each family has one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from croupier.conformance.certify import RULES
from croupier.conformance.certify._rules import FAMILIES
from croupier.reference_impl._mutants import MutantError, all_mutants, resolve

MUTANTS = all_mutants()

# Families whose rules are judged on timing or on the contract document, not on behaviour a
# single fault of the sandbox can break.
_NO_MUTANT_FAMILIES = {"contract"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_every_mutant_target_resolves(mutant: object) -> None:
    # A refactor that moves the patched code fails here, naming the mutant.
    owner, attr, original = resolve(mutant.target)  # type: ignore[attr-defined]
    assert original is not None, f"{mutant.id}: {mutant.target}"  # type: ignore[attr-defined]


def test_every_mutant_names_known_rules_and_a_one_line_title() -> None:
    unknown = {m.id: [r for r in m.rules if r not in RULES] for m in MUTANTS}
    assert {k: v for k, v in unknown.items() if v} == {}
    for m in MUTANTS:
        assert m.title.endswith(".") and "\n" not in m.title, m.id


def test_the_suite_has_80_mutants_and_one_per_rule_family() -> None:
    assert len(MUTANTS) >= 80
    covered = {RULES[r].family for m in MUTANTS for r in m.rules}
    assert set(FAMILIES) - _NO_MUTANT_FAMILIES - covered == set()


def test_a_moved_target_fails_naming_it() -> None:
    with pytest.raises(
        MutantError, match="croupier.reference_impl._platform.Platform.no_such_method"
    ):
        resolve("croupier.reference_impl._platform.Platform.no_such_method")
    with pytest.raises(MutantError, match="no importable module"):
        resolve("no_such_package.thing")


def test_every_mutant_applies_in_a_fresh_process() -> None:
    # Applying runs each factory on the real object; one process, mutants stacked, no server.
    code = (
        "from reference_impl._mutants import all_mutants, apply_mutant\n"
        "for m in all_mutants():\n"
        "    apply_mutant(m.id)\n"
        "print(len(all_mutants()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) == len(MUTANTS)


def test_serve_refuses_an_unknown_mutant_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "croupier", "serve", "--mutant", "no-such-mutant", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "croupier: cannot run: --mutant: no mutant 'no-such-mutant' (see reference_impl/_mutants/)"
    )
