"""Two people editing the same actor at once: the second is warned, loses nothing, and can save."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors.models import Actor, ActorKind
from knotenpunkt.changes.models import Change
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_DESCRIPTION = "Koordiniert die lokale Agenda 21 und die Fairtrade-Town-Steuerungsgruppe."
NEW_PHONE = "07141 910-2345"


def field(scope, label):
    """The form field labelled `label`, with or without the required-field asterisk."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


@pytest.fixture
def agenda_office(department):
    return ActorFactory(
        name="Agenda-Büro",
        kind=ActorKind.CITY_DEPARTMENT,
        parent=department,
        description="Koordiniert die lokale Agenda 21.",
        contact_phone="",
    )


@pytest.fixture
def conflicting_edit(new_page, coordinator, city_staff, agenda_office):
    """The coordinator saves a new description while city staff, on the same old form, adds a phone number.

    Returns the city staff member's page, showing the answer to their save.
    """
    edit_url = f"/akteure/{agenda_office.slug}/bearbeiten/"
    first = new_page(user=coordinator)
    second = new_page(user=city_staff)
    first.goto(edit_url)
    second.goto(edit_url)

    field(first, "Beschreibung").fill(NEW_DESCRIPTION)
    first.get_by_role("button", name="Speichern").click()
    expect(first.locator(".messages")).to_contain_text("Änderungen gespeichert.")

    field(second, "Öffentliche Telefonnummer").fill(NEW_PHONE)
    second.get_by_role("button", name="Speichern").click()
    return second


def test_second_concurrent_edit_gets_a_conflict_message_and_keeps_what_was_typed(
    conflicting_edit, agenda_office, screenshot
):
    page = conflicting_edit
    conflict = page.get_by_role("alert").filter(has_text="Jemand anderes hat diesen Akteur inzwischen geändert")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Beschreibung")
    expect(conflict).to_contain_text(NEW_DESCRIPTION)
    expect(conflict).to_contain_text("koordination")
    expect(field(page, "Öffentliche Telefonnummer")).to_have_value(NEW_PHONE)
    screenshot(page, "edit-conflict")
    agenda_office.refresh_from_db()
    assert agenda_office.contact_phone == ""

    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".messages")).to_contain_text("Änderungen gespeichert.")
    expect(page).to_have_url(re.compile(rf"/akteure/{agenda_office.slug}/$"))

    agenda_office.refresh_from_db()
    assert agenda_office.contact_phone == NEW_PHONE
    changed = {name for change in Change.objects.for_record("actors.actor", agenda_office.pk) for name in change.fields}
    assert {"description", "contact_phone"} <= changed


def test_saving_after_a_conflict_keeps_the_other_persons_change(conflicting_edit, agenda_office):
    page = conflicting_edit
    expect(page.get_by_role("alert").filter(has_text="Jemand anderes")).to_be_visible()
    # Fields the second person did not touch show what is stored now.
    expect(field(page, "Beschreibung")).to_have_value(NEW_DESCRIPTION, timeout=1_000)

    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".messages")).to_contain_text("Änderungen gespeichert.")
    agenda_office = Actor.objects.get(pk=agenda_office.pk)
    assert (agenda_office.description, agenda_office.contact_phone) == (NEW_DESCRIPTION, NEW_PHONE)
