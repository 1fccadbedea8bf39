"""Data protection as the coordination uses it: export a person, erase them, find them nowhere;
and every data-protection and history page passes axe-core (WCAG 2.1 AA) on desktop and phone."""

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knotenpunkt.actors import people
from knotenpunkt.interactions import services as interaction_services
from knotenpunkt.privacy import retention
from tests.browser.conftest import DESKTOP, axe_violations
from tests.factories import ActorFactory, PersonFactory
from tests.test_privacy_erasure import dump_database

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
NAME = "Zwetlana Quirinsky"
EMAIL = "z.quirinsky@example.org"


def _person(coordinator):
    actor = ActorFactory(name="Weltladen am Markt", published=True, contact_email="")
    person = people.person_create(
        user=coordinator,
        data={"first_name": "Zwetlana", "last_name": "Quirinsky", "email": EMAIL, "phone": "0171 2233"},
    )
    people.membership_create(user=coordinator, actor=actor, person=person, function="Vorstand")
    contact = interaction_services.interaction_create(
        user=coordinator,
        data={
            "date": timezone.localdate(),
            "channel": "phone",
            "summary": f"Telefonat mit {NAME} über das Fairtrade-Frühstück.",
            "visibility": "staff",
            "actors": [actor],
            "persons": [person],
        },
    )
    return actor, person, contact


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_coordinator_exports_a_person_erases_them_and_finds_them_nowhere(new_page, coordinator, screenshot, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    actor, _person_record, contact = _person(coordinator)
    page = new_page(user=coordinator, viewport=viewport)
    page.goto("/datenschutz/")
    page.get_by_label("Name oder E-Mail").fill("Quirinsky")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    screenshot(page, f"privacy-person-{size}")

    page.get_by_role("link", name="Auskunft (Druckansicht)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Auskunft nach Art. 15 DSGVO")
    expect(page.locator("main")).to_contain_text("Telefonat mit Zwetlana Quirinsky")
    screenshot(page, f"privacy-export-{size}")
    with page.expect_download() as download:
        page.get_by_role("link", name="als JSON").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["person"]["e_mail"] == EMAIL
    assert data["mitgliedschaften"] == [{"akteur": "Weltladen am Markt", "funktion": "Vorstand"}]
    page.get_by_role("link", name="Zurück").click()

    page.get_by_role("link", name="Löschen …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NAME} löschen")
    expect(page.locator("main")).to_contain_text("1 Kontakt bleibt")
    screenshot(page, f"privacy-erase-{size}")
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator(".error, .has-error")).not_to_have_count(0)  # the confirmation box is required
    page.get_by_label("Ja, diese Person endgültig löschen").check()
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator(".messages")).to_contain_text("Die Person ist gelöscht")
    expect(page.get_by_role("heading", level=1)).to_contain_text("gelöschte Person")
    screenshot(page, f"privacy-erased-{size}")

    # Nowhere: not in the list, the actor's profile, the contact, the change feed, the database.
    page.goto("/datenschutz/?q=Quirinsky")
    expect(page.locator("main")).to_contain_text("Keine Person gefunden")
    for url in (actor.get_absolute_url(), contact.get_absolute_url(), "/aenderungen/", "/kontakte/"):
        page.goto(url)
        expect(page.locator("main")).not_to_contain_text("Quirinsky")
        expect(page.locator("main")).not_to_contain_text(EMAIL)
    page.goto(contact.get_absolute_url())
    expect(page.locator("main")).to_contain_text("gelöschte Person")
    dump = dump_database()
    assert "quirinsky" not in dump and "zwetlana" not in dump and EMAIL not in dump


def test_restricting_a_person_hides_their_contact_data_on_the_profile(new_page, coordinator, city_staff):
    actor, person, _contact = _person(coordinator)
    page = new_page(user=coordinator)
    page.goto(f"/datenschutz/personen/{person.pk}/")
    page.get_by_label("Grund der Einschränkung").fill("Bestreitet die Richtigkeit der Daten")
    page.get_by_role("button", name="Verarbeitung einschränken").click()
    expect(page.locator(".messages")).to_contain_text("Die Verarbeitung ist eingeschränkt")
    staff = new_page(user=city_staff)
    staff.goto(actor.get_absolute_url())
    expect(staff.locator("main")).to_contain_text("Verarbeitung eingeschränkt")
    expect(staff.locator("main")).not_to_contain_text(EMAIL)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_data_protection_and_history_pages_pass_axe(new_page, coordinator, viewport):
    actor, person, contact = _person(coordinator)
    PersonFactory(last_name="Ohnegrund")
    retention.check()
    page = new_page(user=coordinator, viewport=viewport)
    urls = [
        "/datenschutz/",
        f"/datenschutz/personen/{person.pk}/",
        f"/datenschutz/personen/{person.pk}/auskunft/",
        f"/datenschutz/personen/{person.pk}/loeschen/",
        "/datenschutz/aufbewahrung/",
        "/datenschutz/verzeichnis/",
        "/datenschutz/zugriffe/",
        "/aenderungen/",
        f"/verlauf/akteur/{actor.pk}/",
        f"/verlauf/kontakt/{contact.pk}/",
    ]
    found = {}
    for url in urls:
        page.goto(url)
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert found == {}
