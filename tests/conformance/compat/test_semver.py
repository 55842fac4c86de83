import pytest

from croupier.conformance.compat import declared_bump, parse_version, required_bump
from croupier.conformance.compat._registry import Finding


def _f(level, bump):
    return Finding(id="x", level=level, message="", location="", explanation="", bump=bump)


@pytest.mark.parametrize(
    ("old", "new", "bump"),
    [
        ("1.0.0", "2.0.0", "major"),
        ("1.0.0", "1.1.0", "minor"),
        ("1.0.0", "1.0.1", "patch"),
        ("1.2.3", "1.2.3", "none"),
        ("1.2.3", "1.2.2", "downgrade"),
        ("1.0", "1.1.0", "invalid"),
        ("1.0.0", "2.0.0-rc.1", "major"),
    ],
)
def test_declared_bump(old, new, bump):
    assert declared_bump(old, new) == bump


@pytest.mark.parametrize(
    ("findings", "bump"),
    [
        ([], "none"),
        ([_f("INFO", "patch")], "patch"),
        ([_f("INFO", "patch"), _f("INFO", "minor")], "minor"),
        ([_f("WARN", "minor"), _f("ERR", "major")], "major"),
        # A rule overridden to ERR by a levels file makes the change major.
        ([_f("ERR", "minor")], "major"),
    ],
)
def test_required_bump(findings, bump):
    assert required_bump(findings) == bump


def test_parse_version():
    assert parse_version("10.2.33") == (10, 2, 33)
    assert parse_version("v1.0.0") is None
    assert parse_version(None) is None
