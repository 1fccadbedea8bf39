"""The header's language switch changes the whole interface and remembers the choice."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_language_switch_turns_the_interface_english_and_back_to_german(page, screenshot):
    page.goto("/akteure/")
    html = page.locator("html")
    header = page.locator("header")
    expect(html).to_have_attribute("lang", "de")
    expect(header.get_by_role("link", name="Akteure", exact=True)).to_be_visible()

    page.get_by_role("button", name="Switch to English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/akteure/$"))
    expect(page.get_by_role("button", name="Auf Deutsch umschalten")).to_contain_text("DE")
    # Needs the compiled English catalogue (locale/en/LC_MESSAGES/django.mo).
    expect(header.get_by_role("link", name="Actors", exact=True)).to_be_visible()
    screenshot(page, "directory-en")

    # The choice sticks across pages.
    page.goto("/")
    expect(html).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Auf Deutsch umschalten").click()
    expect(html).to_have_attribute("lang", "de")
    expect(header.get_by_role("link", name="Akteure", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Switch to English")).to_contain_text("EN")
