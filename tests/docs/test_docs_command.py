"""`croupier docs`: builds the site, says clearly when it cannot."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, build_env


def _croupier(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "croupier", "docs", *args],
        cwd=cwd,
        env=build_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_docs_build_writes_the_site(tmp_path):
    site = tmp_path / "out"
    proc = _croupier("build", "--site-dir", str(site))
    assert proc.returncode == 0, proc.stderr
    assert (site / "reference" / "errors" / "index.html").is_file()
    assert "site written to" in proc.stdout


def test_docs_rejects_an_unknown_action():
    proc = _croupier("publish")
    assert proc.returncode == 2
    assert "publish" in proc.stderr
