"""Croupier core: locating, loading and bundling the contract, money, request signing, the CLI.

The core imports nothing from `codegen`, `conformance` or `reference_impl`; they import it.
"""

from croupier._client import (
    ALL_SCOPES,
    SANDBOX_CREDENTIALS,
    SANDBOX_ROTATION_CREDENTIALS,
    ContractClient,
    Credentials,
    new_idempotency_key,
    new_trace_id,
)
from croupier._contract import (
    Contract,
    ContractError,
    bundle_openapi,
    contract_root,
    load_contract,
    load_document,
)
from croupier._money import (
    CURRENCY_EXPONENTS,
    InvalidAmount,
    format_minor,
    parse_amount,
)
from croupier._sandbox_process import SandboxError, free_port, sandbox_server
from croupier._signing import (
    SIGNATURE_HEADER,
    SignatureError,
    body_digest,
    canonical_string,
    parse_signature_header,
    sign_request,
    verify_signature,
)

__version__ = "0.1.0"

__all__ = [
    "ALL_SCOPES",
    "CURRENCY_EXPONENTS",
    "Contract",
    "ContractClient",
    "ContractError",
    "Credentials",
    "InvalidAmount",
    "SANDBOX_CREDENTIALS",
    "SANDBOX_ROTATION_CREDENTIALS",
    "SIGNATURE_HEADER",
    "SandboxError",
    "SignatureError",
    "__version__",
    "body_digest",
    "bundle_openapi",
    "canonical_string",
    "contract_root",
    "format_minor",
    "free_port",
    "load_contract",
    "load_document",
    "new_idempotency_key",
    "new_trace_id",
    "parse_amount",
    "parse_signature_header",
    "sandbox_server",
    "sign_request",
    "verify_signature",
]
