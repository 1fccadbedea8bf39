"""Phone first (issue 15) in a real browser at 390 px and 1280 px: the header's "Menü" button by mouse and
keyboard, the map's folded filters with the map in the first screen, the health matrix by keyboard, and
axe-core on each of these pages at both widths."""

import pytest
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.network.models import TieKind
from tests.browser.conftest import DESKTOP, axe_violations
from tests.factories import ActorFactory, TieFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def coordinator(db):
    return UserFactory(username="koordination-test", role=Role.COORDINATOR)


@pytest.fixture
def small_network(db):
    forum = ActorFactory(name="Eine-Welt-Forum Ludwigsburg", kind=ActorKind.NETWORK)
    shop = ActorFactory(name="Weltladen Ludwigsburg", kind=ActorKind.FAIR_TRADE_SHOP)
    school = ActorFactory(name="Goethe-Gymnasium", kind=ActorKind.SCHOOL)
    TieFactory(source=shop, target=forum, kind=TieKind.MEMBERSHIP)
    TieFactory(source=school, target=forum, kind=TieKind.COOPERATION)
    return forum


def test_the_phone_menu_opens_and_closes_by_mouse_and_keyboard(new_page, coordinator, screenshot):
    page = new_page(user=coordinator, viewport=PHONE)
    page.goto("/akteure/")
    header = page.locator(".site-header")
    menu_button = header.get_by_role("button", name="Menü")
    directory_link = header.get_by_role("link", name="Akteure", exact=True)
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(directory_link).to_be_hidden()
    assert header.bounding_box()["height"] < 100, "the folded header is one row"
    assert axe_violations(page) == []

    menu_button.click()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(directory_link).to_be_visible()
    expect(header.get_by_role("button", name="Abmelden")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "phone-menu-open")
    menu_button.click()
    expect(directory_link).to_be_hidden()

    # By keyboard: Enter opens, Tab walks into the links, Escape closes and returns focus to the button.
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(directory_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_be_focused()
    expect(directory_link).to_be_hidden()
    page.keyboard.press("Space")
    expect(directory_link).to_be_visible()

    # A tap outside closes it.
    page.locator("main h1").click()
    expect(directory_link).to_be_hidden()


def test_on_a_desktop_the_links_are_shown_and_there_is_no_menu_button(new_page, coordinator):
    page = new_page(user=coordinator, viewport=DESKTOP)
    page.goto("/akteure/")
    header = page.locator(".site-header")
    expect(header.get_by_role("button", name="Menü")).to_be_hidden()
    expect(header.get_by_role("link", name="Akteure", exact=True)).to_be_visible()
    assert axe_violations(page) == []


def test_without_javascript_the_phone_shows_every_link(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    header = page.locator(".site-header")
    expect(header.get_by_role("button", name="Menü")).to_be_hidden()
    expect(header.get_by_role("link", name="Akteure", exact=True)).to_be_visible()
    context.close()


def test_on_a_phone_the_map_filters_are_folded_and_the_map_is_in_the_first_screen(
    new_page, coordinator, small_network, screenshot
):
    page = new_page(user=coordinator, viewport=PHONE)
    page.goto("/netzwerk/?kind=school&level=local")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")
    disclosure = page.locator("details.filter-disclosure")
    summary = disclosure.locator("> summary")
    expect(summary).to_have_text("Filter (2 aktiv)")
    expect(page.get_by_label("Ebene")).to_be_hidden()
    graph_top = page.locator("#network-graph").bounding_box()["y"]
    assert graph_top < PHONE["height"] - 300, f"the map starts at {graph_top}px: less than 300px of it in view"
    assert axe_violations(page) == []
    screenshot(page, "phone-map")

    summary.click()
    expect(page.get_by_label("Ebene")).to_be_visible()
    page.get_by_label("Ebene").select_option("")
    expect(summary).to_have_text("Filter (1 aktiv)")
    assert axe_violations(page) == []


def test_on_a_desktop_the_map_filters_are_open_beside_the_map(new_page, coordinator, small_network):
    page = new_page(user=coordinator, viewport=DESKTOP)
    page.goto("/netzwerk/")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")
    expect(page.get_by_label("Ebene")).to_be_visible()
    expect(page.locator("details.filter-disclosure > summary")).to_be_hidden()
    assert axe_violations(page) == []


@pytest.fixture
def sector_network(db):
    """Actors of many kinds tied to each other: a cross-sector matrix wider than a phone."""
    from knotenpunkt.network import analytics
    from knotenpunkt.network.models import SnapshotScope

    kinds = [k for k in ActorKind.values if k != ActorKind.OTHER]
    actors = [ActorFactory(kind=kind, name=f"Akteur {n}") for n, kind in enumerate(kinds)]
    for n, actor in enumerate(actors):
        TieFactory(source=actor, target=actors[(n + 1) % len(actors)], kind=TieKind.COOPERATION)
        TieFactory(source=actor, target=actors[(n + 3) % len(actors)], kind=TieKind.MEMBERSHIP)
    analytics.snapshot_compute(SnapshotScope.INTERNAL)
    analytics.snapshot_compute(SnapshotScope.PUBLIC)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_health_matrix_is_a_heatmap_the_keyboard_can_scroll(new_page, coordinator, sector_network, viewport):
    page = new_page(user=coordinator, viewport=viewport)
    page.goto("/netzwerk/gesundheit/")
    region = page.get_by_role("region", name="Verbindungen zwischen Akteursarten")
    expect(region).to_have_attribute("tabindex", "0")
    matrix = region.locator("table")
    expect(matrix.locator("thead abbr[title=Weltladen]")).to_have_text("WL")
    assert matrix.locator("td.heat-5").count() >= 1 and matrix.locator("td.heat-0").count() >= 1
    expect(page.locator("#health-matrix-legend")).to_contain_text("Farbe nach Anzahl")
    overflow = region.evaluate("el => el.scrollWidth - el.clientWidth")
    if viewport is PHONE:
        assert overflow > 0, "on a phone the matrix is wider than the screen"
        region.focus()
        page.keyboard.press("End")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
        # The row heads stay in view while the numbers scroll.
        first_head = matrix.locator("tbody th").first
        assert first_head.bounding_box()["x"] >= 0
    else:
        assert overflow <= 0, "on a desktop the whole matrix fits"
    assert axe_violations(page) == []


LONG = "Entwicklungszusammenarbeitsprojekte"


@pytest.mark.parametrize("path", ["/akteure/", "profile"])
def test_long_german_words_stay_inside_a_phone_screen(new_page, path):
    actor = ActorFactory(
        name=f"Arbeitsgemeinschaft {LONG}verwaltungsgesellschaft",
        description=f"**{LONG}** und Nachhaltigkeitsberichterstattungsverpflichtungen in Ludwigsburg.",
    )
    page = new_page(viewport=PHONE)
    page.goto(actor.get_absolute_url() if path == "profile" else path)
    expect(page.get_by_text(LONG, exact=False).first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide"
    assert axe_violations(page) == []
