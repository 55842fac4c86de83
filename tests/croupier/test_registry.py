from __future__ import annotations

import pytest

from croupier._registry import Registry


def _documented() -> None:
    """One line."""


def _undocumented() -> None:
    pass


def _two_lines() -> None:
    """One line.

    And another.
    """


def test_a_registry_refuses_duplicates_and_keeps_the_first() -> None:
    registry: Registry[str] = Registry("thing")
    registry.add("a-thing", "first")
    with pytest.raises(ValueError, match="duplicate thing id 'a-thing'"):
        registry.add("a-thing", "second")
    assert registry["a-thing"] == "first"


@pytest.mark.parametrize(
    "bad", ["CamelCase", "snake_case", "-leading", "trailing-", "two--dashes", ""]
)
def test_ids_must_be_kebab_case(bad: str) -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        Registry("thing").check(bad)


def test_levels_must_be_known() -> None:
    Registry("thing").check("ok-id", "WARN")
    with pytest.raises(ValueError, match="level 'FATAL'"):
        Registry("thing").check("ok-id", "FATAL")


def test_docstrings_must_be_one_line() -> None:
    registry: Registry[str] = Registry("thing")
    assert registry.doc("x", _documented) == "One line."
    for func in (_undocumented, _two_lines):
        with pytest.raises(ValueError, match="one-line docstring"):
            registry.doc("x", func)
