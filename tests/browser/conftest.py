"""Playwright driving the Debian Chromium against pytest-django's live server.

Each test gets fresh browser contexts (no shared cookies); the browser itself is
started once per module. Where no Chromium is installed the tests are skipped,
except under CI=true, where a missing browser fails them.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API keeps an event loop running in the test thread, and Django
# refuses database access from a thread with a running loop. Queries in the test
# thread (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "geheim-genug-123"  # tests.factories.UserFactory
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
FAILURES = Path(settings.BASE_DIR) / "var" / "test-results"

_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _require_chromium():
    if CHROMIUM.exists():
        return
    message = f"Chromium fehlt unter {CHROMIUM}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; unter CI=true müssen die Browser-Tests laufen.")
    pytest.skip(message)


def _no_static_handler(application):
    return application


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, but static files come from WhiteNoise as in production.

    pytest-django wraps the server in StaticFilesHandler, which looks files up under
    their source names and so answers 404 for the hashed names the manifest storage
    writes into the pages: the browser would see the pages without CSS and htmx.
    """
    from pytest_django.live_server_helper import LiveServer

    _require_chromium()
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        pytest.fail("Statische Dateien fehlen: erst `manage.py collectstatic --noinput` (oder `make install`).")
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _no_static_handler
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module.

    Module scope rather than session scope: while Playwright runs, the test
    thread has a running event loop, which later non-browser tests must not see.
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context (its own cookies) against the live server.

    `new_page()` is an anonymous visitor; `new_page(user=...)` logs in through the
    login form first. On failure every open page is saved to var/test-results/.
    """
    contexts = []

    def open_page(*, user=None, viewport=None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="de-DE",
            timezone_id="Europe/Berlin",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            log_in(page, user)
        return page

    yield open_page

    reports = request.node.stash.get(_reports, {})
    if any(report.failed for report in reports.values()):
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=FAILURES / f"{name}-{n}-{m}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """An anonymous visitor's page."""
    return new_page()


def log_in(page, user):
    """Log in through the real login form and wait until the header shows the logout button."""
    page.goto("/konto/anmelden/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden").click()
    # Attached, not visible: on a phone the logout button sits in the folded menu.
    page.get_by_role("button", name="Abmelden", include_hidden=True).wait_for(state="attached")


def log_out(page):
    """Click "Abmelden" in the header, opening the folded menu first on a phone."""
    toggle = page.get_by_role("button", name="Menü")
    if toggle.is_visible():
        toggle.click()
    page.get_by_role("button", name="Abmelden").click()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to var/screenshots/<name>.png for people to look at (not asserted)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """WCAG 2.1 AA violations axe-core finds on the page as it is now, one line each (empty: passes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag (add_script_tag) is inline script,
        # which the pages' Content-Security-Policy refuses.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]
