"""The network map's actors reached by keyboard alone: Tab to the map, Enter, Tab to an actor, Enter."""

import re

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors.models import ActorKind
from knotenpunkt.network.models import TieKind
from tests.browser.conftest import axe_violations
from tests.factories import ActorFactory, TieFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def _tab_to(page, predicate: str, limit: int = 40) -> None:
    """Press Tab until the focused element satisfies the JS `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element with {predicate}")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_keyboard_user_tabs_to_the_map_and_opens_an_actors_profile_from_its_table(new_page, viewport, screenshot):
    forum = ActorFactory(name="Eine-Welt-Forum Ludwigsburg", kind=ActorKind.NETWORK)
    shop = ActorFactory(name="Weltladen Ludwigsburg", kind=ActorKind.FAIR_TRADE_SHOP)
    TieFactory(source=shop, target=forum, kind=TieKind.MEMBERSHIP)
    page = new_page(viewport=viewport)
    page.goto("/netzwerk/")
    page.wait_for_selector("body[data-network-ready=true]", state="attached")

    _tab_to(page, "el.id === 'network-graph'")
    graph = page.locator("#network-graph")
    expect(graph).to_be_focused()
    expect(graph).to_have_accessible_description(re.compile("Eingabetaste auf der Karte"))
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", name="Die Karte als Tabelle")
    expect(heading).to_be_focused()
    expect(page.get_by_role("button", name="Als Tabelle")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused in ("Eine-Welt-Forum Ludwigsburg", "Weltladen Ludwigsburg")
    screenshot(page, f"network-map-keyboard-{'phone' if viewport else 'desktop'}")
    assert axe_violations(page) == []
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(focused)
