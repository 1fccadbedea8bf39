"""The Content-Security-Policy in a real browser: every main page type, as a visitor and as the
coordination, loads without a single CSP violation or script error — scripts only from our static
files, no inline handler, no eval (htmx's allowEval is off), the admin included."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import Actor
from knotenpunkt.initiatives.models import Initiative
from knotenpunkt.network import analytics
from knotenpunkt.network.models import SnapshotScope
from tests.factories import UserFactory

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PUBLIC_PAGES = [
    "/",
    "/akteure/",
    "/akteure/?q=Weltladen",
    "{profile}",
    "/netzwerk/",
    "/netzwerk/gesundheit/",
    "/termine/",
    "/termine/?view=week",
    "/termine/?view=list",
    "/angebote/",
    "/vorhabenliste/",
    "/konto/anmelden/",
]
INTERNAL_PAGES = [
    *PUBLIC_PAGES,
    "/schreibtisch/",
    "/kontakte/",
    "/kontakte/neu/",
    "/synergien/",
    "/vermittlungen/",
    "/vorhaben/",
    "{initiative}",
    "/berichte/jahresbericht/",
    "/netzwerk/austausch/",
    "/aenderungen/",
    "/datenschutz/",
    "/admin/",
    "/admin/actors/actor/",
    "{admin_actor}",
    "/admin/accounts/user/add/",
]


@pytest.fixture
def demo(db):
    # Transactional tests without serialized rollback (tests/test_scheduler.py) flush the seeded SDGs.
    importlib.import_module("knotenpunkt.actors.migrations.0002_seed_sdgs").seed(apps, None)
    call_command("load_demo", quiet=True)
    for scope in (SnapshotScope.INTERNAL, SnapshotScope.PUBLIC):
        analytics.snapshot_compute(scope)
    actor = Actor.objects.filter(published=True).order_by("-tie_count", "pk").first()
    return {
        "profile": actor.get_absolute_url(),
        "initiative": f"/vorhaben/{Initiative.objects.order_by('pk').first().pk}/",
        "admin_actor": f"/admin/actors/actor/{actor.pk}/change/",
    }


class Problems:
    """Every CSP violation, console error, uncaught script error and missing file of a page, with the
    address it was on (the admin has no favicon link, so the browser's guess at /favicon.ico is no problem)."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: script error: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.text.startswith("Failed to load resource"):
            return  # reported with its address by _response
        if message.type == "error" or "Content Security Policy" in message.text:
            self.found.append(f"{self.page.url}: {message.type}: {message.text}")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.found.append(f"{self.page.url}: {response.status} {response.url}")

    def visit(self, address: str):
        response = self.page.goto(address)
        assert response.status == 200, address
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("networkidle")


def _visit_all(page, pages, demo) -> list[str]:
    problems = Problems(page)
    for address in pages:
        problems.visit(address.format(**demo))
    return problems.found


def test_public_pages_break_no_rule_of_the_content_security_policy(new_page, demo):
    for viewport in (None, PHONE):
        assert _visit_all(new_page(viewport=viewport), PUBLIC_PAGES, demo) == []


def test_internal_pages_and_the_admin_break_no_rule_of_the_content_security_policy(new_page, demo):
    coordinator = UserFactory(username="koordination-csp", role=Role.COORDINATOR)
    assert _visit_all(new_page(user=coordinator), INTERNAL_PAGES, demo) == []


def test_the_picker_chooses_actors_without_inline_script(new_page, demo):
    """The picker's handlers live in static/js/picker.js: a match checked moves to the chosen ones,
    Enter in the search box does not send the form."""
    page = new_page(user=UserFactory(username="koordination-picker", role=Role.COORDINATOR))
    problems = Problems(page)
    problems.visit("/kontakte/neu/")
    search = page.get_by_role("searchbox").first
    search.fill("Weltladen")
    option = page.locator(".picker-options input").first
    option.wait_for()
    search.press("Enter")
    assert page.url.endswith("/kontakte/neu/")  # not sent
    option.check()
    expect(page.locator(".picker-selected input:checked").first).to_be_visible()
    assert page.locator(".picker-selected").first.locator("input[data-picker-choose]").count() == 1
    assert problems.found == []
