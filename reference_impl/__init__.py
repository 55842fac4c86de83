"""The sandbox: a FastAPI reference implementation of spec/openapi.yaml and spec/sandbox.yaml.

Imports `croupier` and `croupier.codegen.generated`; nothing imports it but `croupier.cli`.
The public names load `_app` (and FastAPI) on first use, so `croupier --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from croupier.reference_impl._app import create_app, route_set

__all__ = ["create_app", "route_set"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from croupier.reference_impl import _app

        return getattr(_app, name)
    raise AttributeError(f"module 'croupier.reference_impl' has no attribute {name!r}")
