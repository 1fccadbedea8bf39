"""The network map in a real browser: exploring the public network, and a 2,000-node view (its speed: bench/)."""

import random

import pytest
from playwright.sync_api import expect

from knotenpunkt.actors.models import Actor, ActorKind
from knotenpunkt.network.models import Tie, TieKind
from tests.factories import ActorFactory, TieFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

READY = "body[data-network-ready=true]"


def wait_ready(page, timeout=10_000):
    page.wait_for_selector(READY, state="attached", timeout=timeout)


def click_node(page, name):
    """Click the node labelled `name` where it is drawn on the canvas (a real mouse click)."""
    page.wait_for_function("!window.networkMap.animated()")
    point = page.evaluate(
        """(name) => {
            const cy = window.networkMap;
            const node = cy.nodes().filter((n) => n.data('name') === name)[0];
            const box = cy.container().getBoundingClientRect();
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        name,
    )
    page.mouse.click(point["x"], point["y"])


def position(page, name):
    return page.evaluate(
        "(name) => window.networkMap.nodes().filter((n) => n.data('name') === name)[0].position()", name
    )


@pytest.fixture
def public_network(db):
    forum = ActorFactory(name="Eine-Welt-Forum Ludwigsburg", kind=ActorKind.NETWORK)
    shop = ActorFactory(name="Weltladen Ludwigsburg", kind=ActorKind.FAIR_TRADE_SHOP)
    school = ActorFactory(name="Goethe-Gymnasium", kind=ActorKind.SCHOOL)
    secret = ActorFactory(name="Geheimer Verein", published=False)
    TieFactory(source=shop, target=forum, kind=TieKind.MEMBERSHIP)
    TieFactory(source=school, target=forum, kind=TieKind.COOPERATION)
    TieFactory(source=secret, target=forum, kind=TieKind.MEMBERSHIP)
    TieFactory(source=school, target=shop, kind=TieKind.FUNDING, public=False)
    return {"forum": forum, "shop": shop, "school": school}


def test_a_visitor_explores_the_public_network_and_opens_a_profile_from_a_node(page, public_network, screenshot):
    page.goto("/netzwerk/")
    wait_ready(page)
    status = page.locator("#network-status")
    expect(status).to_have_text("3 Akteure und 2 Beziehungen angezeigt.")
    assert "Geheimer Verein" not in page.evaluate("window.networkMap.nodes().map((n) => n.data('name')).join()")
    screenshot(page, "network-map")

    # The accessible table shows the same data.
    page.get_by_role("button", name="Als Tabelle").click()
    table = page.locator("#network-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody[data-table=nodes] tr")).to_have_count(3)
    expect(table.locator("tbody[data-table=edges] tr")).to_have_count(2)

    # The current view exports as PNG and SVG.
    for button, filename, magic in (("Als PNG", "netzwerk.png", b"\x89PNG"), ("Als SVG", "netzwerk.svg", b"<svg")):
        with page.expect_download() as download:
            page.get_by_role("button", name=button).click()
        assert download.value.suggested_filename == filename
        with open(download.value.path(), "rb") as exported:
            assert magic in exported.read(400)

    # A filter redraws without a reload; the nodes that stay keep their place.
    page.evaluate("window.kpNoReload = 'still here'")
    before = position(page, "Eine-Welt-Forum Ludwigsburg")
    page.locator("summary", has_text="Art der Beziehung").click()
    page.get_by_label("Mitgliedschaft").check()
    expect(status).to_have_text("3 Akteure und 1 Beziehungen angezeigt.")
    assert position(page, "Eine-Welt-Forum Ludwigsburg") == before
    assert page.evaluate("window.kpNoReload") == "still here"
    assert "tie_kind=membership" in page.url

    # Search focuses an actor; a click on a node opens its card, and the card leads to the profile.
    page.get_by_placeholder("Akteur auf der Karte suchen …").fill("Weltladen Ludwigsburg")
    page.get_by_placeholder("Akteur auf der Karte suchen …").dispatch_event("change")
    card = page.locator("#network-card")
    expect(card).to_contain_text("Weltladen Ludwigsburg")
    page.get_by_role("button", name="Schließen").click()
    expect(card).to_be_hidden()
    page.get_by_role("button", name="Alles zeigen").click()
    click_node(page, "Goethe-Gymnasium")
    expect(card).to_contain_text("Goethe-Gymnasium")
    expect(card).to_contain_text("Schule")
    card.get_by_role("link", name="Zum Profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goethe-Gymnasium")

    # From the profile to its ego network.
    page.get_by_role("link", name="Im Netzwerk zeigen").click()
    wait_ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Netzwerkkarte")
    expect(status).to_have_text("2 Akteure und 1 Beziehungen angezeigt.")


@pytest.fixture
def two_thousand_actors(db):
    """2,100 published associations (more than the map shows), 200 schools, 4,000 ties among the first 2,000.

    The map shows at most 2,000 actors, the best-connected first, then by name: associations 0000–1999.
    """
    rng = random.Random(7)
    actors = Actor.objects.bulk_create(
        [Actor(name=f"Synthetischer Verein {i:04d}", slug=f"syn-verein-{i}", kind=ActorKind.ASSOCIATION,
               published=True) for i in range(2100)]
        + [Actor(name=f"Synthetische Schule {i}", slug=f"syn-schule-{i}", kind=ActorKind.SCHOOL, published=True)
           for i in range(200)]
    )  # fmt: skip
    pairs = set()
    while len(pairs) < 4000:
        a, b = rng.sample(range(2000), 2)
        pairs.add((min(a, b), max(a, b)))
    Tie.objects.bulk_create([Tie(source=actors[a], target=actors[b], public=True) for a, b in pairs])
    return actors


def test_a_filtered_view_capped_at_2000_nodes_is_drawn_whole_and_a_click_on_a_node_opens_its_card(
    page, two_thousand_actors, screenshot
):
    # Its speed (drawn and interactive within 2 s) is measured by bench/network_browser.py, not here.
    page.goto("/netzwerk/?kind=association")
    wait_ready(page, timeout=30_000)

    status = page.locator("#network-status")
    expect(status).to_contain_text("2000 Akteure und 4000 Beziehungen angezeigt.")
    expect(status).to_contain_text("Nur die am besten vernetzten 2000 von 2100 Akteuren werden gezeigt")
    assert page.evaluate("window.networkMap.nodes().length") == 2000
    assert page.evaluate("window.networkMap.edges().length") == 4000
    assert page.evaluate("window.networkMap.nodes().filter((n) => n.data('kind') !== 'association').length") == 0
    # Laid out: the nodes are spread over the plane, not piled up in one spot.
    spread = page.evaluate(
        "(() => { const b = window.networkMap.nodes().boundingBox({includeLabels: false}); return [b.w, b.h]; })()"
    )
    assert min(spread) > 200
    # The bench reads the page's mark for "laid out and first frame drawn".
    assert page.evaluate("performance.getEntriesByName('network-map:ready').length") == 1

    # Interactive: zoom in until a node no other node overlaps is drawn 24 px wide, as users meet it;
    # a click on it selects it and opens its card. (Before any screenshot: a full-page screenshot resizes
    # the window, and cytoscape re-reads where its canvas is, which a user's page does not do.)
    name = page.evaluate(
        """() => {
            const cy = window.networkMap;
            const all = cy.nodes().map((n) => ({ node: n, p: n.position(), r: n.data('size') / 2 }));
            const clear = (a) => all.every((b) => b === a || Math.hypot(a.p.x - b.p.x, a.p.y - b.p.y) > a.r + b.r + 2);
            const node = all.find(clear).node;
            cy.zoom({level: 24 / node.data('size'), position: node.position()}); cy.center(node);
            return node.data('name');
        }"""
    )
    click_node(page, name)
    selected = page.evaluate("window.networkMap.nodes(':selected').map((n) => n.data('name'))")
    assert selected == [name]
    expect(page.locator("#network-card")).to_be_visible()
    expect(page.locator("#network-card [data-field=name]")).to_have_text(name)
    screenshot(page, "network-map-2000")
    page.get_by_role("button", name="Alles zeigen").click()
    screenshot(page, "network-map-2000-overview")


def test_a_visitor_switches_to_the_view_by_group_and_drills_into_a_group(page, screenshot):
    from knotenpunkt.network import analytics
    from knotenpunkt.network.models import SnapshotScope

    vereine = [ActorFactory(name=f"Klimaverein {i}") for i in range(4)]
    schulen = [ActorFactory(name=f"Grundschule {i}", kind=ActorKind.SCHOOL) for i in range(3)]
    for group in (vereine, schulen):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                TieFactory(source=a, target=b)
    TieFactory(source=vereine[0], target=schulen[0])
    analytics.snapshot_compute(SnapshotScope.PUBLIC)

    page.goto("/netzwerk/")
    wait_ready(page)
    status = page.locator("#network-status")
    expect(status).to_have_text("7 Akteure und 10 Beziehungen angezeigt.")

    # The view switcher is a group of radio buttons: the arrow keys move through the views.
    page.get_by_label("Einzelne Akteure").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("nach Art")).to_be_checked()
    expect(status).to_contain_text("7 Akteure, nach Art zusammengefasst. Stand der Auswertung:")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("nach Gruppen")).to_be_checked()
    expect(status).to_contain_text("7 Akteure in 2 Gruppen")
    expect(page.get_by_label("Art", exact=True)).to_be_hidden()  # the filters do not apply to the groups
    assert "view=communities" in page.url
    wait_ready(page)
    assert page.evaluate("window.networkMap.nodes().map((n) => n.data('name'))") == [
        "Gruppe 1 · 4 Akteure · meist Vereine",
        "Gruppe 2 · 3 Akteure · meist Schulen",
    ]
    screenshot(page, "network-map-groups")

    # The table lists the groups, each linking to its members.
    page.get_by_role("button", name="Als Tabelle").click()
    rows = page.locator("#network-table tbody[data-table=nodes] tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("3")
    expect(rows.nth(1).get_by_role("link")).to_have_attribute("href", "/netzwerk/?community=1")
    expect(page.locator("#network-table tbody[data-table=edges] tr")).to_have_count(1)
    page.get_by_role("button", name="Als Tabelle").click()

    # A click on a group shows its members.
    page.wait_for_function("!window.networkMap.animated()")
    point = page.evaluate(
        """() => { const cy = window.networkMap, node = cy.getElementById('community-1');
                   const box = cy.container().getBoundingClientRect(), p = node.renderedPosition();
                   return {x: box.left + p.x, y: box.top + p.y}; }"""
    )
    page.mouse.click(point["x"], point["y"])
    expect(status).to_have_text("3 Akteure und 3 Beziehungen angezeigt.")
    expect(page.get_by_label("Einzelne Akteure")).to_be_checked()
    expect(page.locator("#network-group")).to_contain_text("Gruppe 2")
    assert "community=1" in page.url
    wait_ready(page)
    assert sorted(page.evaluate("window.networkMap.nodes().map((n) => n.data('name'))")) == [
        "Grundschule 0", "Grundschule 1", "Grundschule 2",
    ]  # fmt: skip

    page.get_by_role("button", name="Zurück zu allen Gruppen").click()
    expect(status).to_contain_text("7 Akteure in 2 Gruppen")
    expect(page.locator("#network-group")).to_be_hidden()
