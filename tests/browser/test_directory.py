"""The public directory in a real browser: htmx filtering, shareable URLs, mobile layout."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors import search
from knotenpunkt.actors.models import ActorKind, Level
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def directory_actors(db):
    actors = {
        "shop": ActorFactory(
            name="Weltladen Ludwigsburg", kind=ActorKind.FAIR_TRADE_SHOP, description="Fairer Handel seit 1982."
        ),
        "association": ActorFactory(
            name="Eine-Welt-Verein Ludwigsburg",
            kind=ActorKind.ASSOCIATION,
            description="Bildungsarbeit zu globaler Gerechtigkeit und Partnerschaften mit Burkina Faso.",
        ),
        "network": ActorFactory(
            name="Dachverband Entwicklungspolitik Baden-Württemberg (DEAB)",
            kind=ActorKind.NETWORK,
            level=Level.STATE,
            city="Stuttgart",
        ),
        "hidden": ActorFactory(name="Welthaus Geheimprojekt", kind=ActorKind.ASSOCIATION, published=False),
    }
    # Factories write rows directly; the services would have indexed them for search.
    search.index_actors(actor.pk for actor in actors.values())
    return actors


def test_visitor_filters_and_searches_without_ever_seeing_unpublished_actors(
    page, new_page, directory_actors, screenshot
):
    hidden = directory_actors["hidden"]
    results = page.locator("#results")
    count = page.locator("#result-count")

    page.goto("/akteure/")
    expect(count).to_have_text("3 Akteure gefunden")
    expect(results).to_contain_text("Weltladen Ludwigsburg")
    expect(results).not_to_contain_text(hidden.name)
    screenshot(page, "directory")

    # A full page load would wipe this marker; htmx swaps must keep it.
    page.evaluate("window.kpNoReload = 'still here'")

    page.get_by_label("Suche", exact=True).press_sequentially("Welt", delay=20)
    page.wait_for_url(re.compile(r"[?&]q=Welt(&|$)"))
    expect(count).to_have_text("2 Akteure gefunden")
    expect(results).to_contain_text("Weltladen Ludwigsburg")
    expect(results).to_contain_text("Eine-Welt-Verein Ludwigsburg")
    expect(results).not_to_contain_text(hidden.name)

    page.get_by_label("Art", exact=True).select_option(ActorKind.ASSOCIATION.value)
    page.wait_for_url(re.compile(r"[?&]kind=association(&|$)"))
    expect(count).to_have_text("1 Akteur gefunden")
    expect(results).to_contain_text("Eine-Welt-Verein Ludwigsburg")
    expect(results).not_to_contain_text("Weltladen Ludwigsburg")
    expect(results).not_to_contain_text(hidden.name)
    assert page.evaluate("window.kpNoReload") == "still here"

    # The filtered URL is shareable: a fresh visitor opening it sees the same results and filters.
    shared = new_page()
    shared.goto(page.url)
    expect(shared.locator("#result-count")).to_have_text("1 Akteur gefunden")
    expect(shared.locator("#results")).to_contain_text("Eine-Welt-Verein Ludwigsburg")
    expect(shared.get_by_label("Suche", exact=True)).to_have_value("Welt")
    expect(shared.get_by_label("Art", exact=True)).to_have_value(ActorKind.ASSOCIATION.value)

    # Searching for the unpublished actor by name finds nothing, in the list and in the suggestions.
    shared.goto("/akteure/?q=Geheimprojekt")
    expect(shared.locator("#result-count")).to_have_text("0 Akteure gefunden")
    expect(shared.locator("main")).not_to_contain_text(hidden.name)
    suggestions = shared.request.get("/akteure/vorschlaege/?q=Geheimprojekt")
    assert hidden.name not in suggestions.text()

    # Its profile address does not exist for the public.
    response = shared.goto(hidden.get_absolute_url())
    assert response.status == 404
    assert hidden.name not in shared.content()


def test_directory_is_usable_on_a_phone_without_horizontal_scrolling(new_page, directory_actors, screenshot):
    viewport = {"width": 390, "height": 844}
    page = new_page(viewport=viewport)

    page.goto("/akteure/")
    search = page.get_by_label("Suche", exact=True)
    expect(search).to_be_visible()
    # On a phone the other filters are folded away behind "Weitere Filter" so the results stay in view.
    kind = page.get_by_label("Art", exact=True)
    expect(kind).to_be_hidden()
    page.get_by_text("Weitere Filter").click()
    expect(kind).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("3 Akteure gefunden")
    expect(page.get_by_role("link", name="Dachverband Entwicklungspolitik Baden-Württemberg (DEAB)")).to_be_visible()
    screenshot(page, "directory-mobile")

    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= viewport["width"], f"Seite ist {scroll_width}px breit, Viewport {viewport['width']}px"

    search.fill("Weltladen")
    expect(page.locator("#result-count")).to_have_text("1 Akteur gefunden")
    page.get_by_role("link", name="Weltladen Ludwigsburg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weltladen Ludwigsburg")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= viewport["width"], f"Profil ist {scroll_width}px breit, Viewport {viewport['width']}px"


def test_directory_has_no_horizontal_scrolling_on_a_phone_for_a_logged_in_coordinator(
    new_page, coordinator, directory_actors
):
    viewport = {"width": 390, "height": 844}
    page = new_page(user=coordinator, viewport=viewport)

    page.goto("/akteure/")
    # The coordinator sees the unpublished actor too.
    expect(page.locator("#result-count")).to_have_text("4 Akteure gefunden")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= viewport["width"], f"Seite ist {scroll_width}px breit, Viewport {viewport['width']}px"
