"""The report bundle's integrity: a manifest of sha256s, an optional Ed25519 signature, a verifier.

`manifest.json` lists every file certify wrote with its sha256 and size, and the contract's
version and sha256. With an operator's Ed25519 private key (PKCS#8 PEM, as `croupier keys new`
writes it) `manifest.sig` signs the manifest's exact bytes and carries the public key.
`croupier report verify DIR [--public-key FILE]` recomputes every hash and checks the signature;
without `--public-key` it can prove the bundle is intact, not who signed it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from croupier.conformance.certify._model import RunResult

__all__ = [
    "MANIFEST",
    "SIGNATURE",
    "BundleError",
    "Verification",
    "load_signing_key",
    "report_app",
    "verify_bundle",
    "write_manifest",
]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_MANIFEST_FORMAT = "croupier-report-manifest/1"
_SIGNATURE_FORMAT = "croupier-report-signature/1"


class BundleError(Exception):
    """The input cannot be checked at all (no such folder, no manifest, an unusable key)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_pem(path: Path, private: bool, label: str) -> Any:
    """An Ed25519 key (private or public) from a PEM file; BundleError naming `label` otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    kind = "private" if private else "public"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"{label}: {exc.strerror or exc}") from None
    try:
        if private:
            key: Any = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise BundleError(
            f"{label} is not an unencrypted PEM {kind} key (the <kid>.{kind}.pem that "
            f"`croupier keys new --out-dir DIR` writes)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey if private else Ed25519PublicKey):
        raise BundleError(f"{label} is not an Ed25519 {kind} key")
    return key


def load_signing_key(path: Path) -> Any:
    """An Ed25519 private key from a PEM file; BundleError naming the file otherwise."""
    return _load_pem(path, True, str(path))


def _load_public_key(path: Path) -> Any:
    return _load_pem(path, False, f"--public-key {path}")


def _public_pem(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _fingerprint(public_pem: str) -> str:
    """sha256 of the public key's PEM text, shortened: how the verifier names a signer."""
    return "sha256:" + _sha256(public_pem.encode())[:16]


def write_manifest(
    directory: Path, run: RunResult, files: list[Path], signing_key: Any = None
) -> dict[str, Path]:
    """Write manifest.json (and manifest.sig when a key is given) for `files` in `directory`."""
    manifest = {
        "format": _MANIFEST_FORMAT,
        "tool_version": run.tool_version,
        "target": run.target,
        "verdict": "passed" if run.passed else "failed",
        "seed": run.seed,
        "started_at": run.started_at,
        "contract": {"version": run.contract_version, "sha256": run.contract_sha256},
        "files": {
            path.name: {"sha256": _sha256(path.read_bytes()), "bytes": path.stat().st_size}
            for path in sorted(files, key=lambda p: p.name)
        },
    }
    raw = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    out = {"manifest": directory / MANIFEST}
    out["manifest"].write_bytes(raw)
    signature_path = directory / SIGNATURE
    if signing_key is None:
        signature_path.unlink(missing_ok=True)  # a stale signature would fail verification
        return out
    public_pem = _public_pem(signing_key.public_key())
    signature = {
        "format": _SIGNATURE_FORMAT,
        "algorithm": "ed25519",
        "signed": MANIFEST,
        "manifest_sha256": _sha256(raw),
        "public_key_pem": public_pem,
        "public_key_fingerprint": _fingerprint(public_pem),
        "signature": signing_key.sign(raw).hex(),
    }
    signature_path.write_text(json.dumps(signature, indent=2) + "\n", encoding="utf-8")
    out["signature"] = signature_path
    return out


@dataclass
class Verification:
    """What `report verify` found: problems (empty when the bundle is intact) and facts."""

    directory: Path
    problems: list[str] = field(default_factory=list)
    files: int = 0
    contract: dict[str, Any] = field(default_factory=dict)
    signed: bool = False
    signer: str | None = None  # the fingerprint of the key that signed
    pinned: bool = False  # the signer is the --public-key given

    @property
    def ok(self) -> bool:
        """True when nothing changed and every signature check passed."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "directory": str(self.directory),
            "ok": self.ok,
            "problems": self.problems,
            "files": self.files,
            "contract": self.contract,
            "signed": self.signed,
            "signer": self.signer,
            "pinned": self.pinned,
        }


def _check_signature(found: Verification, raw: bytes, pinned: Any) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = found.directory / SIGNATURE
    if not path.is_file():
        if pinned is not None:
            found.problems.append(f"the bundle is not signed: there is no {SIGNATURE}")
        return
    found.signed = True
    try:
        signature = json.loads(path.read_text(encoding="utf-8"))
        embedded = serialization.load_pem_public_key(signature["public_key_pem"].encode())
        value = bytes.fromhex(signature["signature"])
        if signature.get("format") != _SIGNATURE_FORMAT:
            raise ValueError(signature.get("format"))
        if not isinstance(embedded, Ed25519PublicKey):
            raise TypeError(type(embedded).__name__)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        found.problems.append(f"{SIGNATURE} is not a Croupier report signature")
        return
    found.signer = _fingerprint(_public_pem(embedded))
    key = embedded
    if pinned is not None:
        if _public_pem(pinned) != _public_pem(embedded):
            found.problems.append(
                f"signed by key {found.signer}, not by the --public-key given "
                f"({_fingerprint(_public_pem(pinned))})"
            )
            return
        found.pinned = True
        key = pinned
    try:
        key.verify(value, raw)
    except (InvalidSignature, AttributeError, TypeError):
        found.problems.append(
            f"{MANIFEST} changed after it was signed: the signature does not verify"
        )


def verify_bundle(directory: Path, public_key: Path | None = None) -> Verification:
    """Check a report bundle against its manifest (and signature); BundleError on bad input."""
    if not directory.is_dir():
        raise BundleError(f"{directory} is not a folder")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(
            f"{directory} has no {MANIFEST}: not a report bundle of `croupier certify`"
        )
    pinned = _load_public_key(public_key) if public_key is not None else None
    raw = manifest_path.read_bytes()
    found = Verification(directory)
    _check_signature(found, raw, pinned)
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
        if manifest.get("format") != _MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError(manifest.get("format"))
    except (ValueError, KeyError, TypeError, AttributeError):
        if found.problems:  # a signed manifest that no longer parses: it was changed
            found.problems.append(f"{MANIFEST} is no longer a Croupier report manifest")
            return found
        raise BundleError(f"{manifest_path} is not a Croupier report manifest") from None
    found.contract = dict(manifest.get("contract") or {})
    for name, entry in sorted(files.items()):
        path = directory / name
        if Path(name).name != name:
            found.problems.append(f"the manifest names {name!r}, outside the bundle")
            continue
        if not path.is_file():
            found.problems.append(f"{name} is missing")
            continue
        digest = _sha256(path.read_bytes())
        if digest != entry.get("sha256"):
            found.problems.append(
                f"{name} changed: sha256 {digest[:16]}…, the manifest says "
                f"{str(entry.get('sha256'))[:16]}…"
            )
        found.files += 1
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name not in files and path.name not in (MANIFEST, SIGNATURE):
            found.problems.append(f"{path.name} is not in the manifest (added after the run)")
    report = directory / "report.json"
    if "report.json" in files and report.is_file():
        try:
            recorded = json.loads(report.read_text(encoding="utf-8")).get("contract", {})
        except ValueError:
            recorded = {}
        if recorded.get("sha256") != found.contract.get("sha256"):
            found.problems.append(
                f"report.json names contract sha256 {recorded.get('sha256')!r}, the manifest "
                f"{found.contract.get('sha256')!r}"
            )
    return found


report_app = typer.Typer(
    name="report",
    help="Certification report bundles: verify a bundle's manifest and signature.",
    no_args_is_help=True,
    add_completion=False,
)


@report_app.callback()
def _group() -> None:
    """Certification report bundles: verify a bundle's manifest and signature."""


@report_app.command("verify")
def verify(
    directory: Annotated[Path, typer.Argument(help="The report folder certify wrote.")],
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="The signer's Ed25519 public key (PEM): the bundle must be signed by it.",
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Check that a report bundle is as certify wrote it: every file's sha256, the signature."""
    if output_format not in ("text", "json"):
        typer.echo(
            f"croupier report: cannot run: --format must be text or json, not {output_format!r}",
            err=True,
        )
        raise typer.Exit(2)
    try:
        found = verify_bundle(directory, public_key)
    except BundleError as exc:
        typer.echo(f"croupier report: cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    if output_format == "json":
        typer.echo(json.dumps(found.to_dict(), indent=2))
        raise typer.Exit(0 if found.ok else 1)
    contract = found.contract
    if found.ok:
        if found.pinned:
            signed = f"signed by the given key {found.signer}"
        elif found.signed:
            signed = f"signed by key {found.signer} (pass --public-key to check who that is)"
        else:
            signed = "not signed"
        typer.echo(
            f"{directory}: intact — {found.files} files match {MANIFEST} (contract "
            f"{contract.get('version')}, sha256 {str(contract.get('sha256'))[:16]}…); {signed}"
        )
        raise typer.Exit(0)
    typer.echo(f"{directory}: CHANGED — {len(found.problems)} problem(s):")
    for problem in found.problems:
        typer.echo(f"  - {problem}")
    raise typer.Exit(1)
