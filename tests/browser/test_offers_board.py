"""The offers board in a real browser: a visitor filters by category and theme and opens a listing."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.actors.models import ActorKind
from tests.factories import ActorFactory, ListingFactory, ThemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def board_listings(db, seeded_sdgs):
    africa = ThemeFactory(slug="afrika", name_de="Afrika", name_en="Africa")
    fair = ThemeFactory(slug="fairer-handel", name_de="Fairer Handel", name_en="Fair trade")
    circle = ActorFactory(name="Förderkreis Burkina Faso e.V.", contact_email="kontakt@foerderkreis.example.org")
    shop = ActorFactory(name="Weltladen Kleeblatt", kind=ActorKind.FAIR_TRADE_SHOP)
    church = ActorFactory(name="Ev. Kirchengemeinde Lindenhöhe", kind=ActorKind.RELIGIOUS)
    hidden = ActorFactory(name="Verein im Aufbau", published=False)
    today = timezone.localdate()
    rows = {
        "speakers": ListingFactory(
            actor=circle,
            title="Vorträge über Burkina Faso und Kongoussi",
            category="speakers",
            description="Mitglieder berichten mit Bildern von ihren Reisen nach **Kongoussi**.",
            country="BF",
            themes=[africa],
        ),
        "shop_speaker": ListingFactory(
            actor=shop, title="Führung durch den Weltladen", category="speakers", themes=[fair]
        ),
        "hall": ListingFactory(actor=church, title="Gemeindesaal für 80 Personen", category="rooms", themes=[africa]),
        "need": ListingFactory(
            actor=circle, title="Helfende für den Eine-Welt-Tag", direction="need", category="volunteers"
        ),
        "internal": ListingFactory(actor=circle, title="Interner Vortrag", category="speakers", public=False,
                                   themes=[africa]),
        "unpublished": ListingFactory(actor=hidden, title="Vortrag eines unveröffentlichten Vereins",
                                      category="speakers", themes=[africa]),
        "expired": ListingFactory(actor=circle, title="Abgelaufener Vortrag", category="speakers", themes=[africa],
                                  valid_from=today - dt.timedelta(days=60), valid_until=today - dt.timedelta(days=1)),
    }  # fmt: skip
    rows["speakers"].sdgs.set([4, 13])
    return rows


def test_a_visitor_filters_the_offers_board_and_opens_a_listing(page, new_page, board_listings, screenshot):
    results = page.locator("#results")
    count = page.locator("#result-count")

    page.goto("/angebote/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Angebote und Gesuche")
    expect(count).to_have_text("4 Einträge gefunden")
    for hidden in ("Interner Vortrag", "Vortrag eines unveröffentlichten Vereins", "Abgelaufener Vortrag"):
        expect(results).not_to_contain_text(hidden)
    expect(results.locator(".badge-need")).to_have_text("sucht")
    screenshot(page, "offers-board")
    page.evaluate("window.kpNoReload = 'still here'")  # htmx swaps keep it; a full page load would not

    page.get_by_label("Kategorie", exact=True).select_option("speakers")
    page.wait_for_url(re.compile(r"[?&]category=speakers(&|$)"))
    expect(count).to_have_text("2 Einträge gefunden")
    expect(results).to_contain_text("Führung durch den Weltladen")

    page.get_by_label("Thema", exact=True).select_option("afrika")
    page.wait_for_url(re.compile(r"[?&]theme=afrika(&|$)"))
    expect(count).to_have_text("1 Eintrag gefunden")
    expect(results).to_contain_text("Vorträge über Burkina Faso und Kongoussi")
    expect(results).to_contain_text("Förderkreis Burkina Faso e.V.")
    expect(results).to_contain_text("bietet")
    expect(results).not_to_contain_text("Führung durch den Weltladen")
    expect(results).not_to_contain_text("Gemeindesaal")
    assert page.evaluate("window.kpNoReload") == "still here"
    screenshot(page, "offers-board-filtered")

    # The filtered URL is shareable: a fresh visitor sees the same results and filters.
    shared = new_page()
    shared.goto(page.url)
    expect(shared.locator("#result-count")).to_have_text("1 Eintrag gefunden")
    expect(shared.get_by_label("Kategorie", exact=True)).to_have_value("speakers")
    expect(shared.get_by_label("Thema", exact=True)).to_have_value("afrika")

    page.get_by_role("link", name="Vorträge über Burkina Faso und Kongoussi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorträge über Burkina Faso und Kongoussi")
    expect(page.locator("main")).to_contain_text("Kongoussi")
    expect(page.get_by_role("link", name="Förderkreis Burkina Faso e.V.")).to_be_visible()
    expect(page.get_by_role("link", name="E-Mail schreiben")).to_have_attribute("href", re.compile(r"^mailto:"))
    expect(page.get_by_role("button", name="Beenden")).to_have_count(0)
    screenshot(page, "offer-detail")


def test_the_board_works_on_a_phone_and_explains_an_empty_result(new_page, board_listings, screenshot):
    viewport = {"width": 390, "height": 844}
    page = new_page(viewport=viewport)

    page.goto("/angebote/")
    expect(page.get_by_label("Kategorie", exact=True)).to_be_visible()
    page.get_by_label("Suche", exact=True).fill("Elefantenpflege")
    expect(page.locator("#results")).to_contain_text("Keine passenden Einträge")
    screenshot(page, "offers-board-mobile")
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= viewport["width"], f"Seite ist {scroll_width}px breit, Viewport {viewport['width']}px"


def test_an_editor_posts_an_offer_from_the_profile_and_ends_it(new_page, editor_a, actor_a, screenshot):
    ThemeFactory(slug="afrika", name_de="Afrika", name_en="Africa")
    page = new_page(user=editor_a)

    page.goto(actor_a.get_absolute_url())
    page.get_by_role("button", name="Angebot oder Gesuch eintragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angebot oder Gesuch eintragen")
    page.get_by_label("Wir bieten etwas an").check()
    page.get_by_label("Kategorie").select_option("rooms")
    page.get_by_label("Titel").fill("Vereinsraum für Gruppentreffen")
    page.get_by_label("Afrika").check()
    page.get_by_label("öffentlich").check()
    page.get_by_label("gültig ab").fill("2026-12-10")
    page.get_by_label("gültig bis").fill("2026-12-01")
    page.get_by_role("button", name="Eintragen").click()

    expect(page.locator(".form-errors").first).to_contain_text("Bitte korrigieren Sie die markierten Felder")
    expect(page.locator("#id_valid_until_error")).to_have_text("Das Ende der Gültigkeit liegt vor ihrem Beginn.")
    expect(page.get_by_label("Titel")).to_have_value("Vereinsraum für Gruppentreffen")
    screenshot(page, "offer-form-error")
    page.get_by_label("gültig ab").fill(timezone.localdate().isoformat())
    page.get_by_label("gültig bis").fill("")
    page.get_by_role("button", name="Eintragen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vereinsraum für Gruppentreffen")
    expect(page.locator(".messages")).to_contain_text("wurde eingetragen")
    page.get_by_role("button", name="Beenden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(actor_a.name)
    section = page.locator("#angebote")
    expect(section).to_contain_text("Derzeit keine Angebote und Gesuche.")
    section.get_by_text("abgelaufen (1)").click()
    expect(section.get_by_role("link", name="Vereinsraum für Gruppentreffen")).to_be_visible()
    expect(section.get_by_role("link", name="erneuern")).to_be_visible()
    screenshot(page, "offer-profile-expired")

    # The board no longer shows it, for the editor either.
    page.goto("/angebote/")
    expect(page.locator("#results")).to_contain_text("Noch keine Angebote und Gesuche")
