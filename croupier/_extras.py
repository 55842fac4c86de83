"""Optional extras: which commands need which `pip install 'croupier[EXTRA]'`.

The base install is what `certify` and `compat` (and `lint`) need. A command that needs an
extra checks for it up front, so a missing one is one line and exit 2, not a traceback.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "MissingExtra", "extra_for_module", "require_extra"]

# extra -> the import names it must provide (what the commands that need it import first)
EXTRAS: dict[str, tuple[str, ...]] = {
    "sandbox": (
        "fastapi", "uvicorn", "sqlalchemy", "aiosqlite", "psycopg", "nats", "prometheus_client"
    ),
    "gen": ("datamodel_code_generator",),
    "docs": ("mkdocs", "material"),
    "proxy": ("uvicorn", "starlette", "openapi_core", "werkzeug"),
    "load": ("locust",),
}


class MissingExtra(Exception):
    """A command needs an optional extra that is not installed; str() is the one-line reason."""

    def __init__(self, extra: str, feature: str | None = None) -> None:
        self.extra = extra
        self.feature = feature
        what = f"{feature} needs the {extra} extra" if feature else f"needs the {extra} extra"
        super().__init__(f"{what}, not installed: pip install 'croupier[{extra}]'")


def extra_for_module(name: str | None) -> str | None:
    """The extra that provides the import `name` (or its top-level package), if any."""
    if not name:
        return None
    top = name.split(".", 1)[0]
    return next((extra for extra, mods in EXTRAS.items() if top in mods), None)


def require_extra(extra: str, feature: str | None = None) -> None:
    """Raise MissingExtra unless every import name of `extra` can be found.

    `feature` names the option that needs it (`--sandbox`) when not the whole command does.
    """
    for module in EXTRAS[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(extra, feature)
