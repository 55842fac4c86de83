from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from croupier import VerificationKey, sign_request, verify_signature

HEADERS = {"X-Trace-Id": "trc-keys-0001", "X-Brand-Id": "brand_demo", "X-Region": "MT"}


def _croupier(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "croupier", *args], capture_output=True, text=True, timeout=60
    )


def test_keys_new_prints_a_pair_that_signs_and_verifies() -> None:
    result = _croupier("keys", "new", "--kid", "prov-acme-ed-2027a", "--format", "json")
    assert result.returncode == 0, result.stderr
    pair = json.loads(result.stdout)
    assert pair["key_id"] == "prov-acme-ed-2027a" and pair["algorithm"] == "ed25519"
    header = sign_request(
        "GET", "/v1/jackpots", b"", pair["key_id"], pair["private_key_pem"], 1000, headers=HEADERS
    )
    keys = {pair["key_id"]: VerificationKey(pair["key_id"], "ed25519", pair["public_key_pem"])}
    assert verify_signature(header, "GET", "/v1/jackpots", b"", HEADERS, keys, now=1000)


def test_two_runs_make_different_keys_and_text_names_both_halves() -> None:
    first, second = _croupier("keys", "new"), _croupier("keys", "new")
    assert first.returncode == second.returncode == 0
    assert "BEGIN PRIVATE KEY" in first.stdout and "BEGIN PUBLIC KEY" in first.stdout
    assert first.stdout != second.stdout


def test_out_dir_writes_a_private_file_only_the_owner_reads_and_never_overwrites(
    tmp_path: Path,
) -> None:
    assert _croupier("keys", "new", "--kid", "k-1", "--out-dir", str(tmp_path)).returncode == 0
    private = tmp_path / "k-1.private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (tmp_path / "k-1.public.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = _croupier("keys", "new", "--kid", "k-1", "--out-dir", str(tmp_path))
    assert again.returncode == 2 and "not overwriting" in again.stderr


def test_a_bad_key_id_is_exit_2() -> None:
    result = _croupier("keys", "new", "--kid", "bad id\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
