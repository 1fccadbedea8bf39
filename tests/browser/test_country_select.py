"""The searchable country select (Tom Select) in the actor form and the directory filter, by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors.models import ActorCountry
from tests.browser.conftest import PASSWORD, axe_violations
from tests.factories import ActorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_coordinator_picks_countries_by_typing_with_the_keyboard(new_page, coordinator, screenshot, viewport):
    actor = ActorFactory(name="Weltladen Ludwigsburg")
    ActorCountry.objects.create(actor=ActorFactory(name="Förderkreis"), country="BF")
    page = new_page(user=coordinator, viewport=viewport)
    page.goto(f"/akteure/{actor.slug}/bearbeiten/")

    combobox = page.get_by_role("combobox", name="Länder des Engagements")
    combobox.focus()
    combobox.press_sequentially("Mosam")
    listbox = page.get_by_role("listbox", name="Länder des Engagements")
    expect(listbox.get_by_role("option")).to_have_text(["Mosambik"])  # filtered while typing
    combobox.press("Enter")
    combobox.press_sequentially("Burk")
    expect(listbox.get_by_role("option")).to_have_text(["Burkina Faso"])
    combobox.press("Enter")
    combobox.press_sequentially("Xyzland")
    expect(page.get_by_text("Kein Land gefunden")).to_be_visible()
    combobox.fill("")
    screenshot(page, f"country-select-{'phone' if viewport else 'desktop'}")
    assert axe_violations(page) == []
    combobox.press("Escape")
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(re.compile(rf"/akteure/{actor.slug}/$"))
    assert sorted(ActorCountry.objects.filter(actor=actor).values_list("country", flat=True)) == ["BF", "MZ"]


def test_the_countries_in_use_are_offered_first(new_page, coordinator):
    ActorCountry.objects.create(actor=ActorFactory(name="Förderkreis"), country="BF")
    page = new_page(user=coordinator)
    page.goto("/akteure/neu/")
    combobox = page.get_by_role("combobox", name="Länder des Engagements")
    combobox.focus()
    combobox.press("ArrowDown")
    groups = page.locator(".ts-dropdown .optgroup-header")
    expect(groups.first).to_have_text("In Knotenpunkt verwendet")
    expect(page.locator(".ts-dropdown [role=option]").first).to_have_text("Burkina Faso")


def test_the_directory_country_filter_searches_and_filters_in_place(page):
    ActorCountry.objects.create(actor=ActorFactory(name="Förderkreis Burkina Faso"), country="BF")
    ActorCountry.objects.create(actor=ActorFactory(name="Mosambik-Initiative"), country="MZ")
    page.goto("/akteure/")
    combobox = page.get_by_role("combobox", name="Land")
    combobox.focus()
    combobox.press_sequentially("Mosam")
    expect(page.get_by_role("listbox", name="Land").get_by_role("option")).to_have_text(["Mosambik"])
    combobox.press("Enter")

    expect(page).to_have_url(re.compile(r"country=MZ"))
    results = page.locator("#results")
    expect(results.get_by_text("Mosambik-Initiative")).to_be_visible()
    expect(results.get_by_text("Förderkreis Burkina Faso")).to_have_count(0)
    assert axe_violations(page) == []


def test_without_javascript_the_plain_select_still_works(browser, live_server, coordinator):
    actor = ActorFactory(name="Weltladen Ludwigsburg")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="de-DE")
    try:
        page = context.new_page()
        page.goto("/konto/anmelden/")
        page.get_by_label("Benutzername").fill(coordinator.username)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.locator("main").get_by_role("button", name="Anmelden").click()
        page.goto(f"/akteure/{actor.slug}/bearbeiten/")
        page.get_by_label("Länder des Engagements").select_option(["MZ", "GD"])
        page.get_by_role("button", name="Speichern").click()
        expect(page).to_have_url(re.compile(rf"/akteure/{actor.slug}/$"))
    finally:
        context.close()
    assert sorted(ActorCountry.objects.filter(actor=actor).values_list("country", flat=True)) == ["GD", "MZ"]
