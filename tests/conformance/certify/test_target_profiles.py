"""Target profiles: TOML, YAML and pyproject forms, `${ENV}` secrets, one-line errors by key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from croupier.cli import app
from croupier.conformance.certify._fixtures import SANDBOX_KIT, parse_fixtures
from croupier.conformance.certify._profile import (
    PROFILE_KEYS,
    ProfileError,
    load_profile,
    parse_profile,
)
from tests.docs.test_examples import blocks

ENV = {
    "CROUPIER_TARGET_URL": "http://127.0.0.1:8700",
    "CROUPIER_OAUTH_SECRET": "oauth-secret-value",
    "CROUPIER_SIGNING_SECRET": "signing-secret-value",
}
PAGE = "guide/certify-your-platform.md"


def _docs_profile() -> dict[str, Any]:
    return tomllib.loads(blocks(PAGE)["croupier-target.toml"])


def test_the_docs_profile_resolves_with_its_environment() -> None:
    profile = parse_profile(_docs_profile(), Path("."), ENV)
    assert profile.base_url == "http://127.0.0.1:8700"
    assert profile.credentials is not None
    assert profile.credentials.secret == "signing-secret-value"
    assert profile.connection.oauth.client_secret == "oauth-secret-value"
    assert profile.connection.oauth.token_url == "/oauth/token"
    assert profile.connection.read_timeout_s == 20.0
    assert profile.connection.rate_limit_per_s == 200.0
    assert profile.max_wait_s == 150.0 and profile.use_control is None
    # The docs' fixture table is the sandbox's built-in kit, less the games it does not list.
    assert profile.fixtures.funded == SANDBOX_KIT.funded
    assert profile.fixtures.loss_limited == SANDBOX_KIT.loss_limited
    assert {"oauth-secret-value", "signing-secret-value"} <= set(profile.secrets)


def test_yaml_and_pyproject_forms_are_the_same_profile(tmp_path: Path) -> None:
    data = _docs_profile()
    toml_path = tmp_path / "target.toml"
    toml_path.write_text(blocks(PAGE)["croupier-target.toml"], encoding="utf-8")
    yaml_path = tmp_path / "target.yaml"
    yaml_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"
    body = blocks(PAGE)["croupier-target.toml"]
    # Re-root every table under [tool.croupier.certify].
    rooted = []
    for line in body.splitlines():
        if line.startswith("["):
            line = "[tool.croupier.certify." + line[1:]
        rooted.append(line)
    top, _, rest = "\n".join(rooted).partition("[tool.croupier.certify.oauth]")
    pyproject.write_text(
        "[project]\nname = 'x'\n\n[tool.croupier.certify]\n"
        + top
        + "[tool.croupier.certify.oauth]"
        + rest,
        encoding="utf-8",
    )
    profiles = [load_profile(p, ENV) for p in (toml_path, yaml_path, pyproject)]
    assert profiles[0] == profiles[1] == profiles[2]


def test_a_fixtures_file_path_is_read_relative_to_the_profile(tmp_path: Path) -> None:
    (tmp_path / "kit.yaml").write_text(
        yaml.safe_dump({"fixtures": {"funded": {"EUR": ["p_a", "p_b"]}, "low_balance": "p_c"}}),
        encoding="utf-8",
    )
    profile = parse_profile({"fixtures": "kit.yaml"}, tmp_path, {})
    assert profile.fixtures.funded == {"EUR": ("p_a", "p_b")}
    assert profile.fixtures.low_balance == "p_c"


def test_the_docs_list_every_profile_key_and_fixture_role() -> None:
    from croupier.conformance.certify._fixtures import ROLES

    text = (Path(__file__).parents[3] / "docs" / PAGE).read_text(encoding="utf-8")
    assert [key for key in PROFILE_KEYS if f"`{key}`" not in text] == []
    assert [role for role in ROLES if f"`{role}" not in text] == []


SECRET = "do-not-print-me"

# (profile fragment, environment, the message must contain)
BAD_PROFILES = [
    # secrets from the environment
    (
        {"signing": {"key_id": "k", "secret": "${NOPE}"}},
        {},
        "signing.secret: environment variable NOPE is not set",
    ),
    ({"base_url": "${U}"}, {}, "base_url: environment variable U is not set"),
    # keys and types
    ({"bse_url": "http://x"}, {}, "bse_url is not a profile key"),
    ({"oauth": {"client": "x"}}, {}, "oauth.client is not a profile key"),
    ({"base_url": "ftp://x"}, {}, "base_url must be an http:// or https:// URL"),
    ({"signing": {"key_id": "k"}}, {}, "signing.secret is missing"),
    ({"oauth": {"client_id": "c"}}, {}, "oauth.client_secret is missing"),
    (
        {"signing": {"key_id": "k", "secret": SECRET, "algorithm": "rsa"}},
        {},
        "signing.algorithm must be one of",
    ),
    (
        {"signing": {"key_id": "k", "algorithm": "ed25519"}},
        {},
        "signing.private_key_file is required",
    ),
    ({"tls": {"ca_bundle": "missing.pem"}}, {}, "tls.ca_bundle: no such file missing.pem"),
    ({"tls": {"verify": "yes"}}, {}, "tls.verify must be true or false"),
    ({"timeouts": {"read_s": 0}}, {}, "timeouts.read_s must be a number"),
    ({"use_control": "sometimes"}, {}, "use_control must be auto, true or false"),
    ({"oauth": {"token_url": "token"}}, {}, "oauth.token_url must be a path or an http(s) URL"),
    # fixtures
    ({"fixtures": {"vip": "p_1"}}, {}, "fixtures.vip is not a role"),
    ({"fixtures": {"funded": {"euro": "p_1"}}}, {}, "fixtures.funded.euro"),
    (
        {"fixtures": {"stake_limited": {"player": "p_1"}}},
        {},
        "fixtures.stake_limited.limit is missing",
    ),
    (
        {"fixtures": {"loss_limited": {"player": "p", "limit": 5}}},
        {},
        "fixtures.loss_limited.limit must be a decimal string",
    ),
    (
        {"fixtures": {"session_limited": {"player": "p", "minutes": 0}}},
        {},
        "fixtures.session_limited.minutes",
    ),
    ({"fixtures": {"low_balance": "bad id!"}}, {}, "fixtures.low_balance must be a player id"),
]


@pytest.mark.parametrize(("data", "environ", "message"), BAD_PROFILES)
def test_a_bad_profile_names_its_key(
    tmp_path: Path, data: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ProfileError) as error:
        parse_profile(data, tmp_path, environ)
    assert message in str(error.value)
    assert SECRET not in str(error.value) and "\n" not in str(error.value)


def test_the_cli_exits_2_with_one_line_naming_the_key(tmp_path: Path) -> None:
    profile = tmp_path / "target.toml"
    profile.write_text(blocks(PAGE)["croupier-target.toml"], encoding="utf-8")
    env = {k: v for k, v in ENV.items() if k != "CROUPIER_OAUTH_SECRET"}
    result = CliRunner().invoke(app, ["certify", "--target", str(profile)], env=env)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        f"croupier certify: cannot run: {profile}: oauth.client_secret: environment variable "
        "CROUPIER_OAUTH_SECRET is not set"
    ]
    assert "signing-secret-value" not in result.output


def test_parse_fixtures_lists_funded_players_eur_first() -> None:
    kit = parse_fixtures({"funded": {"USD": "p_u", "EUR": ["p_e1", "p_e2"], "JPY": "p_e1"}})
    assert kit.funded_players() == [("p_e1", "EUR"), ("p_e2", "EUR"), ("p_u", "USD")]
