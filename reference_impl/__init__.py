"""The sandbox: a FastAPI reference implementation of spec/openapi.yaml and spec/sandbox.yaml.

Imports `croupier` and `codegen.generated`; nothing imports it but `croupier.cli`.
"""

from reference_impl._app import create_app, route_set

__all__ = ["create_app", "route_set"]
