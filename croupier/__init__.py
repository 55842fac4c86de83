"""Croupier core: locating, loading and bundling the contract, money, request signing, the CLI.

The core imports nothing from `croupier.codegen`, `croupier.conformance` or
`croupier.reference_impl`; they import it.
Names load on first use (PEP 562), so `croupier --help` does not pay for httpx or jsonschema.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from croupier._client import (
        ALL_SCOPES,
        SANDBOX_CREDENTIALS,
        SANDBOX_ED25519_CREDENTIALS,
        SANDBOX_OTHER_BRAND_CREDENTIALS,
        SANDBOX_OTHER_PROVIDER_CREDENTIALS,
        SANDBOX_ROTATION_CREDENTIALS,
        SANDBOX_SPLIT_CREDENTIALS,
        ContractClient,
        Credentials,
        new_idempotency_key,
        new_trace_id,
    )
    from croupier._contract import (
        Contract,
        ContractError,
        ContractLocation,
        bundle_openapi,
        contract_root,
        load_contract,
        load_document,
        locate_contract,
    )
    from croupier._dates import parse_day
    from croupier._event_bundle import bundle_event_schema
    from croupier._extras import MissingExtra, require_extra
    from croupier._identity import Identity
    from croupier._money import (
        CURRENCY_EXPONENTS,
        InvalidAmount,
        format_minor,
        parse_amount,
    )
    from croupier._sandbox_process import SandboxError, free_port, sandbox_server
    from croupier._signing import (
        ALGORITHMS,
        COVERED_HEADERS,
        SIGNATURE_HEADER,
        SignatureError,
        SignedHeader,
        VerificationKey,
        body_digest,
        legacy_sign_request,
        legacy_signature_base,
        parse_signature_header,
        sign_request,
        signature_base,
        verify_signature,
    )
    from croupier._tls import ClientTls

__version__ = "0.1.0"

# public name -> the private module that defines it
_HOME: dict[str, str] = {
    "ALL_SCOPES": "_client",
    "SANDBOX_CREDENTIALS": "_client",
    "SANDBOX_ED25519_CREDENTIALS": "_client",
    "SANDBOX_OTHER_BRAND_CREDENTIALS": "_client",
    "SANDBOX_OTHER_PROVIDER_CREDENTIALS": "_client",
    "SANDBOX_ROTATION_CREDENTIALS": "_client",
    "SANDBOX_SPLIT_CREDENTIALS": "_client",
    "ContractClient": "_client",
    "Credentials": "_client",
    "new_idempotency_key": "_client",
    "new_trace_id": "_client",
    "Contract": "_contract",
    "ContractError": "_contract",
    "ContractLocation": "_contract",
    "bundle_openapi": "_contract",
    "contract_root": "_contract",
    "load_contract": "_contract",
    "load_document": "_contract",
    "bundle_event_schema": "_event_bundle",
    "parse_day": "_dates",
    "locate_contract": "_contract",
    "MissingExtra": "_extras",
    "require_extra": "_extras",
    "Identity": "_identity",
    "CURRENCY_EXPONENTS": "_money",
    "InvalidAmount": "_money",
    "format_minor": "_money",
    "parse_amount": "_money",
    "SandboxError": "_sandbox_process",
    "free_port": "_sandbox_process",
    "sandbox_server": "_sandbox_process",
    "ClientTls": "_tls",
    "ALGORITHMS": "_signing",
    "COVERED_HEADERS": "_signing",
    "SIGNATURE_HEADER": "_signing",
    "SignatureError": "_signing",
    "SignedHeader": "_signing",
    "VerificationKey": "_signing",
    "body_digest": "_signing",
    "legacy_sign_request": "_signing",
    "legacy_signature_base": "_signing",
    "parse_signature_header": "_signing",
    "sign_request": "_signing",
    "signature_base": "_signing",
    "verify_signature": "_signing",
}

__all__ = [
    "ALGORITHMS",
    "ALL_SCOPES",
    "COVERED_HEADERS",
    "CURRENCY_EXPONENTS",
    "ClientTls",
    "Contract",
    "ContractClient",
    "ContractError",
    "ContractLocation",
    "Credentials",
    "Identity",
    "InvalidAmount",
    "MissingExtra",
    "SANDBOX_CREDENTIALS",
    "SANDBOX_ED25519_CREDENTIALS",
    "SANDBOX_OTHER_BRAND_CREDENTIALS",
    "SANDBOX_OTHER_PROVIDER_CREDENTIALS",
    "SANDBOX_ROTATION_CREDENTIALS",
    "SANDBOX_SPLIT_CREDENTIALS",
    "SIGNATURE_HEADER",
    "SandboxError",
    "SignatureError",
    "SignedHeader",
    "VerificationKey",
    "__version__",
    "body_digest",
    "bundle_event_schema",
    "bundle_openapi",
    "contract_root",
    "format_minor",
    "free_port",
    "legacy_sign_request",
    "legacy_signature_base",
    "load_contract",
    "load_document",
    "locate_contract",
    "new_idempotency_key",
    "new_trace_id",
    "parse_amount",
    "parse_day",
    "parse_signature_header",
    "require_extra",
    "sandbox_server",
    "sign_request",
    "signature_base",
    "verify_signature",
]


def __getattr__(name: str) -> _typing.Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'croupier' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"croupier.{home}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
