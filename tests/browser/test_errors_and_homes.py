"""Errors in place and a home for every role, in Chromium at desktop and phone width: each role logs
in through the login form and lands on its home; the tie form's error appears at the partner field
with focus on it (htmx swaps the 422); the latitude error stands at its field; a failed request is
said in the live region."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import search
from knotenpunkt.network.models import Tie
from tests.browser.conftest import DESKTOP, axe_violations
from tests.factories import ActorFactory, ListingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


def field(scope, label):
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


@pytest.mark.parametrize("viewport", WIDTHS)
@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        (Role.COORDINATOR, "/schreibtisch/", "Mein Schreibtisch"),
        (Role.CITY_STAFF, "/schreibtisch/", "Mein Schreibtisch"),
        (Role.ACTOR_EDITOR, "/mein-akteur/", None),
    ],
)
def test_each_role_lands_on_its_home_after_login(new_page, actor_a, screenshot, role, home, heading, viewport):
    user = UserFactory(username=f"person-{role}", role=role)
    if role == Role.ACTOR_EDITOR:
        user.edited_actors.add(actor_a)
        heading = "Mein Akteur"

    page = new_page(user=user, viewport=viewport)

    expect(page).to_have_url(re.compile(rf"{re.escape(home)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    if role == Role.ACTOR_EDITOR:
        expect(page.get_by_role("heading", level=2, name=actor_a.name)).to_be_visible()
        expect(page.get_by_role("button", name="Profil bearbeiten")).to_have_attribute(
            "href", f"/akteure/{actor_a.slug}/bearbeiten/"
        )
    screenshot(page, f"home-{role}-{viewport['width']}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("viewport", WIDTHS)
@pytest.mark.parametrize(
    ("partner", "message"),
    [
        ("gibt-es-nicht", "Kein Akteur mit diesem Namen oder dieser Adresse gefunden."),
        ("self", "Ein Akteur kann keine Beziehung zu sich selbst haben."),
    ],
)
def test_the_tie_form_shows_its_error_at_the_partner_field_with_focus(
    new_page, coordinator, actor_a, screenshot, partner, message, viewport
):
    page = new_page(user=coordinator, viewport=viewport)
    page.goto(actor_a.get_absolute_url())
    page.evaluate("window.kpNoReload = 'still here'")
    ties = page.locator("#ties-section")
    ties.get_by_text("Beziehung hinzufügen").click()
    field(ties, "Partner").fill(actor_a.slug if partner == "self" else partner)
    ties.get_by_role("button", name="Beziehung speichern").click()

    target = field(ties, "Partner")
    expect(ties.locator("#id_target_error")).to_have_text(message)
    expect(target).to_be_focused()
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(target).to_have_attribute("aria-describedby", re.compile(r"\bid_target_error\b"))
    assert page.evaluate("window.kpNoReload") == "still here"
    assert not Tie.objects.exists()
    screenshot(page, f"tie-error-{partner}-{viewport['width']}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_latitude_out_of_range_is_said_at_its_field(new_page, coordinator, actor_a, screenshot, viewport):
    page = new_page(user=coordinator, viewport=viewport)
    page.goto(f"/akteure/{actor_a.slug}/bearbeiten/")
    field(page, "Breitengrad").fill("200")
    page.get_by_role("button", name="Speichern").click()

    latitude = field(page, "Breitengrad")
    expect(page.locator("#id_latitude_error")).to_have_text("Der Breitengrad liegt zwischen -90 und 90.")
    expect(latitude).to_be_focused()
    expect(latitude).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).not_to_contain_text("Bedingung")
    screenshot(page, f"latitude-error-{viewport['width']}")
    assert axe_violations(page) == []


def test_a_failed_request_is_said_in_the_live_region(new_page, coordinator, actor_a):
    page = new_page(user=coordinator)
    page.goto(actor_a.get_absolute_url())
    ties = page.locator("#ties-section")
    ties.get_by_text("Beziehung hinzufügen").click()
    field(ties, "Partner").fill("irgendwer")
    page.route("**/*", lambda route: route.fulfill(status=500, body="kaputt"))
    ties.get_by_role("button", name="Beziehung speichern").click()

    expect(page.locator("#request-status")).to_contain_text("Der Server konnte die Anfrage nicht bearbeiten.")

    page.unroute("**/*")
    page.route("**/*", lambda route: route.abort())
    ties.get_by_role("button", name="Beziehung speichern").click()
    expect(page.locator("#request-status")).to_contain_text("Keine Verbindung zum Server.")


@pytest.mark.parametrize("url", [pytest.param("/akteure/", id="directory"), pytest.param("/angebote/", id="offers")])
def test_back_restores_filters_and_results_alike(new_page, url):
    klima = ActorFactory(name="Klimabündnis Ludwigsburg", kind="network", published=True)
    schule = ActorFactory(name="Schule am Favoritepark", kind="school", published=True)
    search.index_actors([klima.pk, schule.pk])
    ListingFactory(actor=klima, title="Klima-Vortrag für Vereine", direction="offer")
    ListingFactory(actor=schule, title="Schulhof für Feste", direction="need")
    page = new_page()
    page.goto(url)
    results = page.locator("#results")
    query = page.locator("#id_q")
    expect(results).to_contain_text("Schul")

    query.fill("Klima")
    expect(page).to_have_url(re.compile(r"q=Klima"))
    expect(results).not_to_contain_text("Schul")
    query.fill("Schul")
    expect(page).to_have_url(re.compile(r"q=Schul"))
    expect(results).not_to_contain_text("Klima")

    page.go_back()
    expect(page).to_have_url(re.compile(r"q=Klima(&|$)"))
    expect(query).to_have_value("Klima")
    expect(results).to_contain_text("Klima")
    expect(results).not_to_contain_text("Schul")

    page.go_back()
    expect(query).to_have_value("")
    expect(results).to_contain_text("Klima")
    expect(results).to_contain_text("Schul")

    page.go_forward()
    expect(query).to_have_value("Klima")
    expect(results).not_to_contain_text("Schul")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_ticking_off_on_the_schreibtisch_updates_its_counts(new_page, coordinator, screenshot, viewport):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import FollowUpFactory

    today = timezone.localdate()
    for n in range(12):
        FollowUpFactory(title=f"Rückruf {n:02d}", due_date=today - dt.timedelta(days=20 - n), assignee=coordinator)
    page = new_page(user=coordinator, viewport=viewport)
    page.goto("/schreibtisch/")
    heading = page.locator("#overdue-heading")
    expect(heading).to_have_text("Überfällig (12)")
    expect(page.locator(".more-followups").first).to_contain_text("Die ersten 10 von 12 offenen.")

    page.get_by_role("button", name="„Rückruf 00“ als erledigt markieren").click()
    expect(page.locator("#overdue")).to_contain_text("„Rückruf 00“ ist erledigt.")
    expect(heading).to_have_text("Überfällig (11)")
    expect(page.locator(".more-followups").first).to_contain_text("Die ersten 10 von 11 offenen.")
    screenshot(page, f"desk-ticked-off-{viewport['width']}")

    page.get_by_role("button", name="„Rückruf 00“ wieder öffnen").click()
    expect(heading).to_have_text("Überfällig (12)")
    assert axe_violations(page) == []
