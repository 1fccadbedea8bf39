"""Network exchange in a real browser: a coordinator filters to SDG 13, downloads GEXF and Kumu, imports."""

import io
import json

import networkx as nx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from knotenpunkt.actors.models import SDG, Actor
from tests.factories import ActorFactory, TieFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def network(db, seeded_sdgs, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    climate = SDG.objects.get(number=13)
    a = ActorFactory(name="Klimabündnis Ludwigsburg", slug="klimabuendnis")
    b = ActorFactory(name="Solarinitiative Oststadt", slug="solarinitiative", published=False)
    c = ActorFactory(name="Weltladen Ludwigsburg", slug="weltladen")
    a.sdgs.add(climate)
    b.sdgs.add(climate)
    TieFactory(source=a, target=b, kind="cooperation", public=False)
    TieFactory(source=a, target=c, kind="cooperation")
    return {"a": a, "b": b, "c": c}


def _download(page, name):
    with page.expect_download() as info:
        page.locator(f"a[data-format='{name}']").click()
    download = info.value
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def test_coordinator_filters_to_sdg_13_and_downloads_gexf_and_kumu(new_page, coordinator, network, screenshot):
    page = new_page(user=coordinator)
    page.goto("/netzwerk/austausch/")
    page.get_by_label("SDG", exact=True).select_option("13")
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url("**/netzwerk/austausch/?*sdg=13*")
    expect(page.locator("a[data-format='gexf']")).to_have_attribute("href", "/netzwerk/austausch/export/gexf/?sdg=13")
    screenshot(page, "network-exchange")

    filename, body = _download(page, "gexf")
    assert filename.endswith(".gexf") and "sdg-13" in filename
    graph = nx.read_gexf(io.BytesIO(body), version="1.3")
    assert set(graph.nodes) == {"klimabuendnis", "solarinitiative"}  # the coordinator sees the unpublished one
    assert [(s, t) for s, t in graph.edges()] == [("klimabuendnis", "solarinitiative")]

    filename, body = _download(page, "kumu-xlsx")
    assert filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    labels = {row[1] for row in workbook["Elements"].iter_rows(min_row=2, values_only=True)}
    assert labels == {"Klimabündnis Ludwigsburg", "Solarinitiative Oststadt"}

    filename, body = _download(page, "kumu-json")
    document = json.loads(body)
    assert [(c["from"], c["to"]) for c in document["connections"]] == [("klimabuendnis", "solarinitiative")]

    # The workbook goes back in: a preview that changes nothing, then a new file that creates an actor.
    page.get_by_role("button", name="Aus Kumu importieren").click()
    page.get_by_label("Kumu-Datei").set_input_files(
        files=[
            {
                "name": "neu.json",
                "mimeType": "application/json",
                "buffer": json.dumps(
                    {
                        "elements": [
                            {"label": "Klimabündnis Ludwigsburg"},
                            {"label": "Repair-Café Eglosheim", "type": "Initiative"},
                        ],
                        "connections": [
                            {"from": "Repair-Café Eglosheim", "to": "klimabuendnis", "type": "Kooperation"}
                        ],
                    }
                ).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Vorschau anzeigen").click()
    expect(page.get_by_role("heading", name="Import prüfen")).to_be_visible()
    expect(page.locator("main")).to_contain_text("wird neu angelegt")
    expect(page.locator("main")).to_contain_text("ist schon vorhanden")
    screenshot(page, "network-import-preview")
    assert not Actor.objects.filter(name="Repair-Café Eglosheim").exists()
    page.get_by_role("button", name="Import bestätigen").click()
    expect(page.locator("main")).to_contain_text("Import abgeschlossen: 1 Akteure angelegt")
    assert Actor.objects.get(name="Repair-Café Eglosheim").ties_out.get().target == network["a"]
