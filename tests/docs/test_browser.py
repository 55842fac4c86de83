"""The site in a real browser: headless Debian chromium, kept off the network."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from croupier import load_contract
from croupier.codegen import _docs_pages as pages

from .conftest import ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]


def _chromium() -> str:
    configured = os.environ.get("CROUPIER_TEST_CHROMIUM")
    if configured:
        return configured
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "Chromium not found: run `apt-get install chromium` (Debian) or set "
            "CROUPIER_TEST_CHROMIUM to a Chromium binary to run the browser tests"
        )
    return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served(built_site) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    binary = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(url: str, *extra: str, budget_ms: int = 3000) -> str:
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}"]
        proc = subprocess.run(
            [*cmd, *extra, url], capture_output=True, text=True, timeout=90, check=False
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    return run


def _text(dom: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", dom).split())


def test_home_renders_and_is_screenshotted(served, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-home.png"
    shot.unlink(missing_ok=True)
    browser(served + "/", f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.is_file() and shot.stat().st_size > 10_000
    dom = browser(served + "/", "--dump-dom")
    assert "Three ways to use it" in _text(dom)


def test_api_reference_shows_every_operation_in_the_browser(served, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-api-reference.png"
    shot.unlink(missing_ok=True)
    url = served + "/reference/api/"
    browser(url, f"--screenshot={shot}", "--window-size=1280,2400")
    assert shot.is_file() and shot.stat().st_size > 10_000
    text = _text(browser(url, "--dump-dom"))
    contract = load_contract(ROOT)
    missing = [
        op.operation_id
        for op in pages.operations(contract.bundled)
        if op.operation_id not in text or op.path not in text
    ]
    assert not missing, missing


def test_error_and_event_catalogs_in_the_browser(served, browser):
    contract = load_contract(ROOT)
    errors = _text(browser(served + "/reference/errors/", "--dump-dom"))
    assert [c for c in contract.error_catalog if c not in errors] == []
    events = _text(browser(served + "/reference/events/", "--dump-dom"))
    assert [e.event_type for e in contract.events if e.event_type not in events] == []


def _poll_in_page(binary: str, profile: Path, url: str, expression: str, seconds: float) -> object:
    """Open url and poll a JS expression until it is truthy, over the DevTools pipe.

    `--dump-dom` cannot wait for Material's search: the index is built in a web worker, which
    virtual time does not wait for. The DevTools protocol over `--remote-debugging-pipe`
    (file descriptors 3 and 4, NUL-separated JSON) needs no driver and no open port.
    """
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def wire_fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 writes answers
        read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)

    proc = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
        preexec_fn=wire_fds,
        close_fds=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    writer = os.fdopen(to_chrome_w, "wb", buffering=0)
    reader = os.fdopen(from_chrome_r, "rb", buffering=0)
    pending = b""
    counter = iter(range(1, 1_000_000))

    def call(method: str, params: dict | None = None, session: str | None = None) -> dict:
        nonlocal pending
        message_id = next(counter)
        message: dict = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        writer.write(json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" in pending:
                raw, pending = pending.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == message_id:
                    assert "error" not in answer, answer
                    return answer["result"]
            chunk = reader.read(1 << 16)
            assert chunk, "chromium closed the DevTools pipe"
            pending += chunk

    try:
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        call("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + seconds
        value: object = None
        while time.monotonic() < deadline:
            result = call(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
            )
            value = result.get("result", {}).get("value")
            if value:
                break
            time.sleep(0.1)
        return value
    finally:
        try:
            call("Browser.close")
        except (AssertionError, OSError):
            pass
        writer.close()
        reader.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_search_ui_finds_idempotency_mismatch(served, tmp_path):
    binary = _chromium()
    hrefs = _poll_in_page(
        binary,
        tmp_path / "profile",
        served + "/?q=IDEMPOTENCY_MISMATCH",
        "Array.from(document.querySelectorAll('a.md-search-result__link'))"
        ".map(a => a.getAttribute('href'))",
        seconds=30,
    )
    assert hrefs, "the search UI showed no result for IDEMPOTENCY_MISMATCH within 30 s"
    assert any("/reference/errors/" in h and "#IDEMPOTENCY_MISMATCH" in h for h in hrefs), hrefs


def test_certification_rules_page_shows_every_rule_in_the_browser(served, browser):
    from croupier.conformance.certify import RULES

    text = _text(browser(served + "/reference/certify-rules/", "--dump-dom"))
    assert [r for r in RULES if r not in text] == []
    assert "Checked by" in text and "sample report" in text


def test_report_guide_and_sample_report_sections_in_the_browser(served, browser):
    guide = _text(browser(served + "/guide/certify-report/", "--dump-dom"))
    for words in (
        "croupier report verify",
        "The coverage matrix",
        "The security summary",
        "What each scenario asserted",
        "--sign-report",
    ):
        assert words in guide, words
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-sample-report.png"
    shot.unlink(missing_ok=True)
    url = served + "/reference/sample-report/report/"
    browser(url, f"--screenshot={shot}", "--window-size=1280,2400")
    assert shot.is_file() and shot.stat().st_size > 10_000
    sample = _text(browser(url, "--dump-dom"))
    for words in (
        "Security summary",
        "Key rotation overlap",
        "Coverage of the contract",
        "never seen",
        "Assertions:",
        "expected",
    ):
        assert words in sample, words


@pytest.mark.parametrize(
    ("page", "needles"),
    [
        # the migration recipe: dual-write and deprecation at runtime
        (
            "/guide/migrations/",
            (
                "Migrations: dual-write and deprecation",
                "x-dual-write",
                "/sandbox/dual-write",
                "Deprecation: @1796083200",
                "api-removed-while-in-use",
                "/sandbox/usage",
            ),
        ),
        # the consumer check
        (
            "/guide/consumer-check/",
            ("croupier certify-consumer", "consumer-duplicates-and-late", "arrival-order"),
        ),
    ],
)
def test_guide_page_shows_what_it_documents_in_the_browser(served, browser, page, needles):
    text = _text(browser(served + page, "--dump-dom"))
    assert [n for n in needles if n not in text] == []


def test_api_explorer_renders_every_operation(served, built_site, tmp_path):
    (frame,) = (built_site.path / "reference" / "explorer").glob("swagger-*.html")
    contract = load_contract(ROOT)
    expected = {op.path for op in pages.operations(contract.bundled)}
    paths = _poll_in_page(
        _chromium(),
        tmp_path / "profile",
        f"{served}/reference/explorer/{frame.name}",
        # Swagger UI builds the page from reference/openapi.json after load
        "(() => { const p = Array.from(document.querySelectorAll('.opblock-summary-path'))"
        ".map(e => e.getAttribute('data-path')); return p.length >= "
        f"{len(expected)} ? p : null }})()",
        seconds=45,
    )
    assert paths, "Swagger UI showed no operations within 45 s"
    assert expected <= set(paths)


def test_diagrams_load_in_the_browser(served, tmp_path):
    loaded = {}
    for page, name in (
        ("/", "bet-lifecycle"),
        ("/guide/integration/", "integration-road"),
        ("/sandbox/", "event-flow"),
    ):
        loaded[name] = _poll_in_page(
            _chromium(),
            tmp_path / f"profile-{name}",
            served + page,
            f"(() => {{ const i = document.querySelector('img[src$=\"{name}.svg\"]');"
            " return i && i.complete && i.naturalWidth > 0 ? i.naturalWidth : null })()",
            seconds=30,
        )
    assert all(loaded.values()), loaded


# Wide identifiers and tables must scroll inside their own box, never widen the page.
OVERFLOW_PAGES = (
    "/reference/errors/",
    "/reference/compat-rules/",
    "/reference/lint-rules/",
    "/reference/certify-scenarios/",
    "/reference/sample-report/report/",
    "/guide/integration/",
)


@pytest.mark.parametrize("page", OVERFLOW_PAGES)
def test_reference_page_does_not_overflow_sideways(served, tmp_path, page):
    overflow = _poll_in_page(
        _chromium(),
        tmp_path / "profile",
        served + page,
        "document.readyState === 'complete' ? String(document.documentElement.scrollWidth"
        " - document.documentElement.clientWidth) + 'px' : null",
        seconds=30,
    )
    assert overflow == "0px", f"{page} is wider than the window by {overflow}"
