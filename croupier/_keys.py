"""Signing keys: `croupier keys new` makes an Ed25519 key pair for request signatures.

The private key (PKCS#8 PEM) stays with the provider's signing service; the public key
(SubjectPublicKeyInfo PEM) is registered with the operator under the key id.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["KeyPair", "keys_app", "new_key_pair"]

keys_app = typer.Typer(
    name="keys",
    help="Signing keys: make an Ed25519 key pair for X-Signature.",
    no_args_is_help=True,
    add_completion=False,
)


@keys_app.callback()
def _group() -> None:
    """Signing keys: make an Ed25519 key pair for X-Signature."""


@dataclass(frozen=True)
class KeyPair:
    """A fresh Ed25519 key pair and its key id."""

    key_id: str
    private_pem: str
    public_pem: str


def new_key_pair(key_id: str | None = None) -> KeyPair:
    """A new Ed25519 key pair; the default key id is ed-<yyyymmdd>-<8 hex digits>."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    kid = key_id or f"ed-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(kid, private_pem, public_pem)


def _die(message: str) -> None:
    typer.echo(f"croupier: cannot run: {message}", err=True)
    raise typer.Exit(2)


@keys_app.command("new")
def new(
    kid: Annotated[
        str | None,
        typer.Option("--kid", help="Key id (default: ed-<yyyymmdd>-<8 hex digits>)."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out-dir",
            help="Also write <kid>.private.pem (mode 0600) and <kid>.public.pem here.",
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Print a new Ed25519 key pair: keep the private key, register the public one."""
    import re

    if output_format not in ("text", "json"):
        _die(f"--format must be text or json, not {output_format!r}")
    if kid is not None and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", kid) is None:
        _die("--kid must be 1 to 128 of A-Z a-z 0-9 . _ : -")
    pair = new_key_pair(kid)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        private_path = out_dir / f"{pair.key_id}.private.pem"
        if private_path.exists():
            _die(f"{private_path} exists; not overwriting a key")
        private_path.touch(mode=0o600)
        private_path.write_text(pair.private_pem, encoding="utf-8")
        (out_dir / f"{pair.key_id}.public.pem").write_text(pair.public_pem, encoding="utf-8")
    if output_format == "json":
        typer.echo(
            json.dumps(
                {
                    "key_id": pair.key_id,
                    "algorithm": "ed25519",
                    "private_key_pem": pair.private_pem,
                    "public_key_pem": pair.public_pem,
                },
                indent=2,
            )
        )
        return
    typer.echo(f"key id:       {pair.key_id}")
    typer.echo("algorithm:    ed25519")
    typer.echo("private key (keep it secret, give it to the signing service only):")
    typer.echo(pair.private_pem, nl=False)
    typer.echo("public key (register it with the operator under the key id):")
    typer.echo(pair.public_pem, nl=False)
