"""Target profiles: how to reach and authenticate to a platform, and its test-account kit.

A profile is a TOML or YAML file (or the `[tool.croupier.certify]` table of a pyproject.toml).
Any string may name environment variables as `${NAME}`; their values are used, never printed
nor written into a report. Every error is one line that names the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from croupier import ALL_SCOPES, Credentials
from croupier.conformance.certify._fixtures import FixtureError, Fixtures, parse_fixtures
from croupier.conformance.certify._target import ConnectionSettings, OAuthClient

__all__ = ["PROFILE_KEYS", "Profile", "ProfileError", "load_profile", "parse_profile"]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_HEADER = re.compile(r"[A-Za-z0-9-]+")
_ALGORITHMS = ("hmac-sha256", "ed25519")

# key -> (kind, what it is); the docs' profile reference is written from this.
PROFILE_KEYS: dict[str, str] = {
    "base_url": "root URL of the platform (http:// or https://)",
    "brand": "X-Brand-Id sent on every call",
    "region": "X-Region sent on every call",
    "provider": "X-Provider-Id sent on every call",
    "use_control": "`auto` (default), `true` or `false`: may certify use the sandbox controls",
    "max_wait_s": "longest real-time wait a scenario may make when there is no sandbox clock",
    "rate_limit_per_s": "most requests per second certify sends",
    "oauth.token_url": "token endpoint, relative to base_url or absolute (default /oauth/token)",
    "oauth.client_id": "OAuth2 client id (default: signing.key_id)",
    "oauth.client_secret": "OAuth2 client secret (default: signing.secret)",
    "oauth.scopes": "scopes to ask for (default: the contract's four)",
    "signing.key_id": "key id of the request signatures",
    "signing.algorithm": "`hmac-sha256` or `ed25519` (default: ed25519 with a private key file)",
    "signing.secret": "HMAC secret",
    "signing.private_key_file": "Ed25519 private key (PEM), for algorithm ed25519",
    "tls.ca_bundle": "CA bundle (PEM) that signs the platform's certificate",
    "tls.client_cert": "client certificate (PEM) for mTLS",
    "tls.client_key": "its private key (PEM)",
    "tls.verify": "verify the platform's certificate (default true)",
    "timeouts.connect_s": "connect timeout in seconds (default 10)",
    "timeouts.read_s": "read timeout in seconds (default 15)",
    "headers": "extra headers sent on every call (values may be `${ENV}` secrets)",
    "fixtures": "the test-account kit: a table of roles, or the path of a file holding one",
}
_SECRET_KEYS = {"oauth.client_secret", "signing.secret"}


class ProfileError(ValueError):
    """A profile value is missing or wrong; the message names the key, never a secret."""


@dataclass(frozen=True)
class Profile:
    """A resolved profile: everything certify needs to reach one platform."""

    base_url: str | None = None
    credentials: Credentials | None = None
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    fixtures: Fixtures = field(default_factory=Fixtures)
    use_control: bool | None = None
    max_wait_s: float | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values reports must not show


def load_profile(path: Path, environ: Mapping[str, str] | None = None) -> Profile:
    """Read and resolve a profile file; ProfileError names the first bad key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read the target profile {path}: {exc.strerror}") from None
    data: Any
    try:
        if path.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = path.suffix.lstrip(".").upper() or "TOML"
        raise ProfileError(f"{path} is not valid {kind}: {first}") from None
    if path.name == "pyproject.toml":
        data = (data or {}).get("tool", {}).get("croupier", {}).get("certify")
        if data is None:
            raise ProfileError(f"{path} has no [tool.croupier.certify] table")
    return parse_profile(data, path.parent, environ if environ is not None else os.environ)


def parse_profile(data: Any, base_dir: Path, environ: Mapping[str, str]) -> Profile:
    """Resolve a profile mapping (files relative to `base_dir`, `${ENV}` from `environ`)."""
    if not isinstance(data, dict):
        raise ProfileError("the target profile must be a table of keys (see PROFILE_KEYS)")
    reader = _Reader(data, base_dir, environ)
    return reader.profile()


class _Reader:
    def __init__(self, data: dict[str, Any], base_dir: Path, environ: Mapping[str, str]) -> None:
        self.data = data
        self.base_dir = base_dir
        self.environ = environ
        self.secrets: list[str] = []
        tables = {k.split(".")[0] for k in PROFILE_KEYS if "." in k}
        for key, value in data.items():
            if key in tables:
                if not isinstance(value, dict):
                    raise ProfileError(f"{key} must be a table")
                for sub in value:
                    if f"{key}.{sub}" not in PROFILE_KEYS:
                        known = sorted(k for k in PROFILE_KEYS if k.startswith(f"{key}."))
                        raise ProfileError(
                            f"{key}.{sub} is not a profile key (known: {', '.join(known)})"
                        )
            elif key not in PROFILE_KEYS:
                raise ProfileError(f"{key} is not a profile key (known: {', '.join(PROFILE_KEYS)})")

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def expand(self, value: str, key: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.environ:
                raise ProfileError(f"{key}: environment variable {name} is not set")
            return self.environ[name]

        out = _ENV.sub(one, value)
        # Secrets, header values and whatever came from the environment never reach a report.
        if out and (key in _SECRET_KEYS or key.startswith("headers.") or out != value):
            self.secrets.append(out)
        return out

    def text(self, key: str, pattern: re.Pattern[str] | None = None, what: str = "") -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ProfileError(f"{key} must be a string{f' ({what})' if what else ''}")
        value = self.expand(value, key)
        if not value:
            raise ProfileError(f"{key} is empty")
        if pattern is not None and not pattern.fullmatch(value):
            shown = "" if key in _SECRET_KEYS else f", got {value!r}"
            raise ProfileError(f"{key} must be {what}{shown}")
        return value

    def number(self, key: str, minimum: float) -> float | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise ProfileError(f"{key} must be a number ≥ {minimum:g}, got {value!r}")
        return float(value)

    def file(self, key: str) -> str | None:
        value = self.text(key, what="a file path")
        if value is None:
            return None
        path = (self.base_dir / value).resolve()
        if not path.is_file():
            raise ProfileError(f"{key}: no such file {value}")
        return str(path)

    def private_key(self) -> str | None:
        """The PEM text of signing.private_key_file, checked to be an Ed25519 private key."""
        path = self.file("signing.private_key_file")
        if path is None:
            return None
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            pem = Path(path).read_text(encoding="utf-8")
            key = load_pem_private_key(pem.encode(), password=None)
        except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ProfileError(
                f"signing.private_key_file is not an unencrypted PEM private key: {first}"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ProfileError(
                "signing.private_key_file is not an Ed25519 key (croupier keys new makes one)"
            )
        self.secrets.append(pem)
        return pem

    def profile(self) -> Profile:
        base_url = self.text("base_url", _URL, "an http:// or https:// URL")
        private_key = self.private_key()
        algorithm = self.text("signing.algorithm") or (
            "ed25519" if private_key is not None else "hmac-sha256"
        )
        if algorithm not in _ALGORITHMS:
            raise ProfileError(
                f"signing.algorithm must be one of {', '.join(_ALGORITHMS)}, got {algorithm!r}"
            )
        key_id = self.text("signing.key_id")
        secret = self.text("signing.secret")
        client_id = self.text("oauth.client_id")
        client_secret = self.text("oauth.client_secret")
        if (client_id is None) != (client_secret is None):
            missing = "oauth.client_secret" if client_secret is None else "oauth.client_id"
            raise ProfileError(f"{missing} is missing (an OAuth client needs id and secret)")
        if algorithm == "ed25519":
            if private_key is None:
                raise ProfileError("signing.private_key_file is required for algorithm ed25519")
            if secret is not None:
                raise ProfileError("signing.secret is for algorithm hmac-sha256 only")
            if key_id is None:
                raise ProfileError("signing.key_id is missing (the Ed25519 key needs its key id)")
            if client_secret is None:
                raise ProfileError(
                    "oauth.client_id is missing (an Ed25519 key has no secret to fetch "
                    "bearer tokens with: name the OAuth client)"
                )
            secret = client_secret  # Credentials.secret: the token's, not the signature's
        elif private_key is not None:
            raise ProfileError("signing.private_key_file is for algorithm ed25519 only")
        if (key_id is None) != (secret is None):
            missing = "signing.secret" if secret is None else "signing.key_id"
            raise ProfileError(f"{missing} is missing (signing needs both key_id and secret)")
        credentials = None
        if key_id is not None and secret is not None:
            credentials = Credentials(
                key_id=key_id,
                secret=secret,
                brand=self.text("brand") or "brand_demo",
                region=self.text("region") or "MT",
                provider=self.text("provider") or "prov_demo",
                client_id=client_id,
                client_secret=client_secret,
                private_key=private_key,
            )
        elif any(self.raw(k) is not None for k in ("brand", "region", "provider")):
            raise ProfileError("signing.key_id is missing (brand, region and provider need a key)")
        scopes = self.raw("oauth.scopes")
        if scopes is not None and (
            not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes)
        ):
            raise ProfileError("oauth.scopes must be a list of scope strings")
        token_url = self.text("oauth.token_url") or "/oauth/token"
        if not (token_url.startswith("/") or _URL.fullmatch(token_url)):
            raise ProfileError(
                f"oauth.token_url must be a path or an http(s) URL, got {token_url!r}"
            )
        headers = self.raw("headers") or {}
        if not isinstance(headers, dict):
            raise ProfileError("headers must be a table of header name = value")
        resolved_headers = {}
        for name in headers:
            if not _HEADER.fullmatch(str(name)):
                raise ProfileError(f"headers.{name} is not a header name")
            value = self.text(f"headers.{name}")
            resolved_headers[str(name)] = value or ""
        cert, client_key = self.file("tls.client_cert"), self.file("tls.client_key")
        if client_key is not None and cert is None:
            raise ProfileError("tls.client_cert is missing (tls.client_key needs it)")
        verify = self.raw("tls.verify")
        if verify is not None and not isinstance(verify, bool):
            raise ProfileError("tls.verify must be true or false")
        connection = ConnectionSettings(
            oauth=OAuthClient(
                token_url=token_url,
                client_id=client_id,
                client_secret=client_secret,
                scopes=tuple(scopes) if scopes else ALL_SCOPES,
            ),
            headers=resolved_headers,
            ca_bundle=self.file("tls.ca_bundle"),
            client_cert=cert,
            client_key=client_key,
            verify_tls=True if verify is None else verify,
            connect_timeout_s=self.number("timeouts.connect_s", 0.1) or 10.0,
            read_timeout_s=self.number("timeouts.read_s", 0.1) or 15.0,
            rate_limit_per_s=self.number("rate_limit_per_s", 0.1),
        )
        control = self.raw("use_control")
        if control is not None and control != "auto" and not isinstance(control, bool):
            raise ProfileError(f"use_control must be auto, true or false, got {control!r}")
        return Profile(
            base_url=base_url.rstrip("/") if base_url else None,
            credentials=credentials,
            connection=connection,
            fixtures=self.fixtures(),
            use_control=None if control in (None, "auto") else bool(control),
            max_wait_s=self.number("max_wait_s", 0),
            secrets=tuple(self.secrets),
        )

    def fixtures(self) -> Fixtures:
        value = self.raw("fixtures")
        where = "fixtures"
        if isinstance(value, str):
            path = Path(self.file("fixtures") or "")
            where = f"fixtures ({path.name})"
            try:
                text = path.read_text(encoding="utf-8")
                value = (
                    yaml.safe_load(text)
                    if path.suffix in (".yaml", ".yml")
                    else (tomllib.loads(text))
                )
            except (OSError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ProfileError(f"fixtures: cannot read {path.name}: {first}") from None
            if isinstance(value, dict) and isinstance(value.get("fixtures"), dict):
                value = value["fixtures"]
        try:
            return parse_fixtures(value, "fixtures")
        except FixtureError as exc:
            raise ProfileError(str(exc).replace("fixtures", where, 1)) from None
