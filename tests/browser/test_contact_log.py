"""The contact log in a real browser: a coordinator records a meeting with three actors, adds a
follow-up, sees it on the dashboard, and the derived relationship appears on the profiles."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.interactions.models import FollowUp, Interaction
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def field(scope, label):
    """The form field labelled `label`, with or without the required-field asterisk."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def pick(page, label, name):
    """Type into a picker's search box and tick the match called `name`: it joins the chosen ones."""
    search = field(page, label)
    search.fill(name[:8])
    page.get_by_role("checkbox", name=name).check()
    chosen = page.locator(f"#{search.get_attribute('id')}-selected")
    expect(chosen.get_by_role("checkbox", name=name)).to_be_checked()


def test_a_coordinator_records_a_meeting_with_three_actors_and_follows_up(new_page, coordinator, screenshot):
    first = ActorFactory(name="Weltladen Ludwigsburg", published=True)
    second = ActorFactory(name="Afrika-Verein Ludwigsburg", published=True)
    third = ActorFactory(name="Klimabündnis Neckar", published=True)
    page = new_page(user=coordinator)

    # From the first actor's profile: the form comes with that actor already chosen.
    page.goto(first.get_absolute_url())
    page.locator("#contacts-heading").wait_for()
    page.locator(".actor-contacts").get_by_role("button", name="Kontakt erfassen").click()
    expect(page).to_have_url(re.compile(r"/kontakte/neu/\?actor="))
    expect(page.get_by_role("checkbox", name=first.name)).to_be_checked()

    field(page, "Art des Kontakts").select_option(label="Treffen")
    page.get_by_label("nur Koordination").check()
    field(page, "Inhalt").fill(
        "Gemeinsamer Stand beim **Afrikatag** vereinbart; Weltladen bringt fair gehandelten Kaffee."
    )
    pick(page, "Akteure", second.name)
    pick(page, "Akteure", third.name)
    screenshot(page, "contact-form")
    page.get_by_role("button", name="Speichern").click()

    interaction = Interaction.objects.get()
    expect(page).to_have_url(re.compile(rf"/kontakte/{interaction.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Kontakt gespeichert.")
    assert set(interaction.actors.values_list("name", flat=True)) == {first.name, second.name, third.name}

    # A follow-up, added on the contact's page: htmx re-renders only the follow-up section.
    page.evaluate("window.kpNoReload = 'still here'")
    section = page.locator("#followups-section")
    field(section, "Was ist zu tun?").fill("Standplan an die Vereine schicken")
    field(section, "Fällig am").fill(timezone.localdate().isoformat())
    section.get_by_role("button", name="Wiedervorlage speichern").click()
    expect(section.locator(".followup-list")).to_contain_text("Standplan an die Vereine schicken")
    assert page.evaluate("window.kpNoReload") == "still here"
    followup = FollowUp.objects.get()
    assert (followup.interaction, followup.assignee) == (interaction, coordinator)
    screenshot(page, "contact-detail")

    # The dashboard lists it as due; ticking it off updates the row in place.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Schreibtisch").click()
    due = page.locator("#due")
    expect(due).to_contain_text("Standplan an die Vereine schicken")
    expect(page.locator(".dashboard")).to_contain_text(first.name)
    screenshot(page, "dashboard")
    due.get_by_role("button", name="„Standplan an die Vereine schicken“ als erledigt markieren").click()
    expect(due).to_contain_text("ist erledigt")
    expect(due.get_by_role("button", name=re.compile("wieder öffnen"))).to_be_visible()
    followup.refresh_from_db()
    assert followup.done_at is not None

    # Meeting together is a derived relationship on the profiles (network.derived).
    page.goto(first.get_absolute_url())
    ties = page.locator("#derived-ties")
    expect(ties).to_contain_text(second.name)
    expect(ties).to_contain_text(third.name)


def test_the_contact_pages_work_on_a_phone(new_page, coordinator, screenshot):
    actor = ActorFactory(name="Eine-Welt-Forum Ludwigsburg", published=True)
    page = new_page(user=coordinator, viewport=PHONE)
    page.goto(f"/kontakte/neu/?actor={actor.slug}")
    field(page, "Inhalt").fill("Telefonat zur Jahresplanung.")
    field(page, "Art des Kontakts").select_option(label="Telefon")
    field(page, "Was ist zu tun?").fill("Termine für 2027 abstimmen")
    field(page, "Fällig am").fill(timezone.localdate().isoformat())
    screenshot(page, "contact-form-phone")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".messages")).to_contain_text("Kontakt und Wiedervorlage gespeichert.")
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "contact-detail-phone")
    page.goto("/schreibtisch/")
    expect(page.locator("#due")).to_contain_text("Termine für 2027 abstimmen")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "dashboard-phone")
    page.goto("/kontakte/")
    expect(page.locator("#results")).to_contain_text("Telefonat zur Jahresplanung.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "contact-list-phone")
