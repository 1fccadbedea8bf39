"""Exchange with Gephi and Kumu: every export read back with networkx and igraph, Kumu import with preview."""

import csv
import datetime as dt
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import igraph
import networkx as nx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from knotenpunkt.actors.models import SDG, Actor, ActorCountry, ActorKind, Level
from knotenpunkt.network import exchange, kumu_import
from knotenpunkt.network.models import DerivedTie, PendingImport, Tie, TieKind
from tests.factories import ActorFactory, ThemeFactory, TieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    climate = ThemeFactory(name_de="Klimaschutz", slug="klimaschutz")
    fair = ThemeFactory(name_de="Fairer Handel", slug="fairer-handel")
    a = ActorFactory(name="Förderkreis Ouagadougou e.V.", slug="foerderkreis", kind=ActorKind.ASSOCIATION)
    b = ActorFactory(name="Weltladen <Ludwigsburg> & Co", slug="weltladen", kind=ActorKind.FAIR_TRADE_SHOP)
    c = ActorFactory(name='=HYPERLINK("http://x")', slug="formel", kind=ActorKind.INITIATIVE, level=Level.REGIONAL)
    hidden = ActorFactory(name="Geheime Initiative", slug="geheim", published=False)
    a.themes.add(climate, fair)
    b.themes.add(fair)
    a.sdgs.add(SDG.objects.get(number=13), SDG.objects.get(number=4))
    c.sdgs.add(SDG.objects.get(number=13))
    ActorCountry.objects.create(actor=a, country="BF")
    ties = {
        "ab": TieFactory(source=a, target=b, kind=TieKind.COOPERATION, start_date=dt.date(2020, 1, 1)),
        "ba": TieFactory(source=b, target=a, kind=TieKind.FUNDING, public=False),
        "ac": TieFactory(source=a, target=c, kind=TieKind.MEMBERSHIP),
        "a_hidden": TieFactory(source=a, target=hidden, kind=TieKind.COOPERATION),
    }
    pair = sorted([a.pk, c.pk])
    derived = DerivedTie.objects.create(
        actor_a_id=pair[0],
        actor_b_id=pair[1],
        count=5,
        first_met=dt.date(2023, 1, 1),
        last_met=dt.date(2025, 1, 1),
        weight_score=10.0,
        public_count=2,
        public_first_met=dt.date(2023, 6, 1),
        public_last_met=dt.date(2024, 6, 1),
    )
    return {"a": a, "b": b, "c": c, "hidden": hidden, "ties": ties, "derived": derived}


def download(client, fmt, **query) -> tuple[bytes, object]:
    response = client.get(reverse("network:export", args=[fmt]), query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body, response


def expected_nodes(user_sees_all: bool) -> dict:
    qs = Actor.objects.all() if user_sees_all else Actor.objects.filter(published=True)
    nodes = {}
    for actor in qs.prefetch_related("themes", "sdgs", "countries"):
        nodes[actor.slug] = {
            "label": actor.name,
            "kind": actor.kind,
            "level": actor.level,
            "themes": "|".join(sorted(t.slug for t in actor.themes.all())),
            "sdgs": "|".join(str(n) for n in sorted(s.number for s in actor.sdgs.all())),
            "countries": "|".join(sorted(c.country.code for c in actor.countries.all())),
            "published": actor.published,
        }
    return nodes


def expected_edges(*, internal: bool) -> dict:
    """(edge id) → (source slug, target slug, kind, origin, weight)."""
    edges = {}
    ties = Tie.objects.select_related("source", "target")
    if not internal:
        ties = ties.filter(public=True, source__published=True, target__published=True)
    for tie in ties:
        edges[f"t{tie.pk}"] = (tie.source.slug, tie.target.slug, tie.kind, "declared", 1.0)
    for pair in DerivedTie.objects.all():
        a, b = Actor.objects.get(pk=pair.actor_a_id), Actor.objects.get(pk=pair.actor_b_id)
        if internal:
            edges[f"d{pair.pk}"] = (a.slug, b.slug, "derived", "derived", float(pair.count))
        elif pair.public_count and a.published and b.published:
            edges[f"d{pair.pk}"] = (a.slug, b.slug, "derived", "derived", float(pair.public_count))
    return edges


def graphml_read(body: bytes) -> tuple[dict, dict, dict]:
    """Nodes {id: data}, edges {id: (source, target, kind, origin, weight)} and each edge's `directed`
    attribute, as the XML says (networkx refuses graphs with directed and undirected edges)."""
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(body)  # noqa: S314 (our own export)
    keys = {k.get("id"): (k.get("attr.name"), k.get("attr.type")) for k in root.findall("g:key", ns)}

    def data(element):
        out = {}
        for item in element.findall("g:data", ns):
            name, kind = keys[item.get("key")]
            text = item.text or ""
            out[name] = {"boolean": lambda t: t == "true", "double": float}.get(kind, str)(text)
        return out

    graph = root.find("g:graph", ns)
    assert graph.get("edgedefault") == "directed"
    nodes = {node.get("id"): data(node) for node in graph.findall("g:node", ns)}
    edges, directed = {}, {}
    for edge in graph.findall("g:edge", ns):
        values = data(edge)
        edges[edge.get("id")] = (
            edge.get("source"),
            edge.get("target"),
            values["kind"],
            values["origin"],
            values["weight"],
        )
        directed[edge.get("id")] = edge.get("directed", "true") == "true"
    return nodes, edges, directed


# --- export, read back ---------------------------------------------------------------------------------


def test_graphml_reads_back_as_xml_and_in_igraph_with_derived_ties_undirected(client, coordinator, world, tmp_path):
    client.force_login(coordinator)
    body, response = download(client, "graphml")
    assert response["Content-Disposition"].startswith('attachment; filename="knotenpunkt-netzwerk_')
    assert response["Content-Disposition"].endswith('.graphml"')

    graph_nodes, got, directed = graphml_read(body)
    nodes = expected_nodes(True)
    assert {n: {k: graph_nodes[n][k] for k in nodes[n]} for n in graph_nodes} == nodes
    edges = expected_edges(internal=True)
    assert got == edges
    # Issue 14: a derived relationship has no direction, and says so on its edge; declared ties are directed.
    assert directed == {e: e.startswith("t") for e in edges}
    tie = world["ties"]["ab"]
    assert graph_nodes["foerderkreis"]["label"] == Actor.objects.get(slug="foerderkreis").name
    assert f"t{tie.pk}" in got

    (tmp_path / "netz.graphml").write_bytes(body)
    ig = igraph.Graph.Read_GraphML(str(tmp_path / "netz.graphml"))
    assert sorted(ig.vs["id"]) == sorted(nodes)
    assert {v["id"]: v["label"] for v in ig.vs} == {slug: n["label"] for slug, n in nodes.items()}
    assert {v["id"]: bool(v["published"]) for v in ig.vs} == {slug: n["published"] for slug, n in nodes.items()}
    ig_edges = sorted(
        (ig.vs[e.source]["id"], ig.vs[e.target]["id"], e["kind"], e["origin"], e["weight"]) for e in ig.es
    )
    assert ig_edges == sorted(edges.values())
    assert ig.is_directed()
    derived = next(e for e in ig.es if e["kind"] == "derived")
    assert (derived["start"], derived["end"]) == ("2023-01-01", "2025-01-01")


SCHEMAS = Path(__file__).parent / "data" / "schemas"


@pytest.mark.parametrize("persona", ["coordinator", "visitor"])
def test_graphml_is_valid_against_the_official_schema(client, coordinator, world, persona):
    """GraphML 1.0's XSD (tests/data/schemas/graphml, read offline) allows `directed` on an edge."""
    from lxml import etree

    if persona == "coordinator":
        client.force_login(coordinator)
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "graphml" / "graphml.xsd"), parser))
    document = etree.fromstring(download(client, "graphml")[0], parser)
    assert schema.validate(document), schema.error_log
    assert document.xpath("//g:edge[@directed='false']", namespaces={"g": "http://graphml.graphdrawing.org/xmlns"})


def test_gexf_reads_back_as_gexf_13_xml_with_derived_ties_undirected(client, coordinator, world):
    """Read as XML in the GEXF 1.3 namespace. The official 1.3 XSD does not compile (gephi/gexf#19: its
    content groups are used as types; tests/data/schemas/gexf-1.3/README.md), so it cannot check the file;
    the 1.3 grammar allows `type` on an edge independent of the graph's `defaultedgetype`."""
    client.force_login(coordinator)
    body, response = download(client, "gexf")
    assert response["Content-Disposition"].endswith('.gexf"')
    nodes = expected_nodes(True)
    edges = expected_edges(internal=True)

    # A second reader: the XML itself, against the GEXF 1.3 namespace.
    ns = {"g": "http://gexf.net/1.3"}
    root = ET.fromstring(body)  # noqa: S314 (our own export)
    assert root.get("version") == "1.3"
    titles = {a.get("id"): a.get("title") for a in root.findall("g:graph/g:attributes[@class='node']/g:attribute", ns)}
    xml_nodes = {}
    for node in root.findall("g:graph/g:nodes/g:node", ns):
        values = {titles[v.get("for")]: v.get("value") for v in node.findall("g:attvalues/g:attvalue", ns)}
        xml_nodes[node.get("id")] = (node.get("label"), values["kind"], values["published"] == "true")
    assert xml_nodes == {s: (n["label"], n["kind"], n["published"]) for s, n in nodes.items()}
    xml_edges = {
        e.get("id"): (e.get("source"), e.get("target"), float(e.get("weight")))
        for e in root.findall("g:graph/g:edges/g:edge", ns)
    }
    assert xml_edges == {k: (v[0], v[1], v[4]) for k, v in edges.items()}
    # Issue 14: derived relationships are undirected edges in a graph whose default is directed.
    kinds = {e.get("id"): e.get("type", "directed") for e in root.findall("g:graph/g:edges/g:edge", ns)}
    assert kinds == {e: "directed" if e.startswith("t") else "undirected" for e in edges}


def test_csv_node_and_edge_lists_read_back(client, coordinator, world):
    client.force_login(coordinator)
    body, response = download(client, "csv-nodes")
    assert response["Content-Disposition"].endswith('-akteure.csv"')
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    nodes = expected_nodes(True)
    got = {r["id"]: r for r in rows}
    assert set(got) == set(nodes)
    for slug, node in nodes.items():
        assert got[slug]["label"] == exchange.neutralise(node["label"])
        assert (got[slug]["kind"], got[slug]["themes"], got[slug]["sdgs"]) == (
            node["kind"],
            node["themes"],
            node["sdgs"],
        )
        assert got[slug]["published"] == ("true" if node["published"] else "false")
    # A name that starts like a formula is written as text.
    assert got["formel"]["label"].startswith("'=")

    body, _response = download(client, "csv-edges")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    got = {r["id"]: (r["source"], r["target"], r["kind"], r["origin"], float(r["weight"])) for r in rows}
    assert got == expected_edges(internal=True)
    # networkx reads the same list as a multigraph.
    graph = nx.MultiDiGraph()
    graph.add_edges_from((r["source"], r["target"], r["id"]) for r in rows)
    assert graph.number_of_edges() == len(expected_edges(internal=True))


def test_kumu_workbook_reads_back_with_openpyxl(client, coordinator, world):
    client.force_login(coordinator)
    body, response = download(client, "kumu-xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    assert workbook.sheetnames == ["Elements", "Connections"]
    elements = list(workbook["Elements"].iter_rows(values_only=True))
    assert elements[0][:5] == ("ID", "Label", "Type", "Description", "Tags")
    by_id = {row[0]: dict(zip(elements[0], row, strict=True)) for row in elements[1:]}
    nodes = expected_nodes(True)
    assert set(by_id) == set(nodes)
    assert by_id["foerderkreis"]["Label"] == "Förderkreis Ouagadougou e.V."
    assert by_id["foerderkreis"]["Tags"] == "fairer-handel|klimaschutz|SDG 4|SDG 13"
    assert by_id["formel"]["Label"] == '=HYPERLINK("http://x")'  # as written: a text cell, no apostrophe
    connections = list(workbook["Connections"].iter_rows(values_only=True))
    assert connections[0][:3] == ("From", "To", "Type")
    got = sorted((r[0], r[1], r[2], r[4], float(r[5])) for r in connections[1:])
    assert got == sorted(expected_edges(internal=True).values())


def test_kumu_workbook_cells_are_text_or_numbers_never_formulas(client, coordinator, world):
    """openpyxl, loaded without data_only, reads formulas as data_type "f": there must be none."""
    ActorFactory(name="Lange Beschreibung", slug="lang", description="\x01" + "x" * 40_000)
    client.force_login(coordinator)
    workbook = load_workbook(io.BytesIO(download(client, "kumu-xlsx")[0]), read_only=True)
    types = {}
    for sheet in ("Elements", "Connections"):
        rows = list(workbook[sheet].iter_rows())
        header = [cell.value for cell in rows[0]]
        for row in rows[1:]:
            for column, cell in zip(header, row, strict=False):
                if cell.value is not None:
                    types.setdefault((sheet, column), set()).add(cell.data_type)
    assert types.pop(("Connections", "Weight")) == {"n"}
    assert {frozenset(t) for t in types.values()} == {frozenset("s")}
    elements = {row[0]: row for row in workbook["Elements"].iter_rows(min_row=2, values_only=True)}
    assert elements["formel"][1] == '=HYPERLINK("http://x")'
    assert elements["lang"][3] == "x" * 32_767  # Excel's limit per cell; the control character is dropped


def test_kumu_workbook_continues_a_sheet_beyond_excels_row_limit(client, coordinator, world, monkeypatch):
    monkeypatch.setattr(exchange, "XLSX_ROWS", 5)  # header + 4 rows per sheet, instead of 1,048,576
    client.force_login(coordinator)
    workbook = load_workbook(io.BytesIO(download(client, "kumu-xlsx")[0]), read_only=True)
    assert workbook.sheetnames == ["Elements", "Connections", "Connections 2"]  # 4 actors fill one sheet exactly
    rows = [list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames[1:]]
    assert [len(r) for r in rows] == [5, 2]
    assert rows[1][0] == rows[0][0]  # every part has the header
    got = sorted((r[0], r[1], r[2], r[4], float(r[5])) for part in rows for r in part[1:])
    assert got == sorted(expected_edges(internal=True).values())


def test_kumu_json_reads_back(client, coordinator, world):
    client.force_login(coordinator)
    body, _response = download(client, "kumu-json")
    document = json.loads(body)
    labels = {slug: node["label"] for slug, node in expected_nodes(True).items()}
    labels["formel"] = '\'=HYPERLINK("http://x")'  # the JSON import refuses a leading "=": escaped
    assert {e["id"]: e["label"] for e in document["elements"]} == labels
    got = sorted((c["from"], c["to"], c["type"], c["origin"], c["weight"]) for c in document["connections"])
    assert got == sorted(expected_edges(internal=True).values())


# name → as the CSV writes it: what a spreadsheet would run gets an apostrophe, the rest stays.
CSV_TEXTS = {
    "=1+1": "'=1+1",
    "@SUMME(A1)": "'@SUMME(A1)",
    "\tTabulator": "'\tTabulator",
    "\rWagenrücklauf": "'\rWagenrücklauf",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "+49 7141 910-0": "'+49 7141 910-0",
    "-Minus": "'-Minus",
    "- cmd|' /C calc'!A0": "'- cmd|' /C calc'!A0",  # DDE after "- ": Excel would still run it
    "- Punkt": "- Punkt",
    "+ Plus": "+ Plus",
    "-5": "-5",
    "+3.2": "+3.2",
    "-1,5": "-1,5",
    "-": "-",
    "Verein = Gemeinschaft": "Verein = Gemeinschaft",
}


def test_csv_neutralises_what_a_spreadsheet_would_run_and_nothing_else(client, coordinator, db):
    for i, name in enumerate(CSV_TEXTS):
        ActorFactory(name=name, slug=f"text-{i}", description=name)
    client.force_login(coordinator)
    rows = list(csv.DictReader(io.StringIO(download(client, "csv-nodes")[0].decode("utf-8-sig"), newline="")))
    got = {r["id"]: (r["label"], r["description"]) for r in rows}
    assert got == {f"text-{i}": (written, written) for i, written in enumerate(CSV_TEXTS.values())}


@pytest.mark.parametrize("fmt", list(exchange.FORMATS))
def test_visitor_export_has_no_unpublished_actor_or_private_tie(client, world, fmt):
    body, _response = download(client, fmt)
    if fmt == "kumu-xlsx":
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        text = " ".join(str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row)
    else:
        text = body.decode("utf-8")
    assert "geheim" not in text and "Geheime Initiative" not in text
    assert "funding" not in text  # the private tie
    assert "2025-01-01" not in text  # the derived pair's internal last meeting


def test_visitor_graphml_matches_what_visitors_may_see(client, world):
    nodes, got, _directed = graphml_read(download(client, "graphml")[0])
    assert set(nodes) == set(expected_nodes(False))
    assert got == expected_edges(internal=False)
    assert got[f"d{world['derived'].pk}"][4] == 2.0  # public meetings only


def test_filters_limit_nodes_and_edges(client, coordinator, world):
    client.force_login(coordinator)
    nodes, edges, _directed = graphml_read(download(client, "graphml", sdg=13)[0])
    assert set(nodes) == {"foerderkreis", "formel"}
    assert {e[2] for e in edges.values()} == {"membership", "derived"}
    _nodes, edges, _directed = graphml_read(download(client, "graphml", tie_kind="funding")[0])
    assert [e[2] for e in edges.values()] == ["funding"]
    nodes, edges, _directed = graphml_read(download(client, "graphml", tie_kind="derived", sdg="nonsense")[0])
    assert len(nodes) == 4 and [e[2] for e in edges.values()] == ["derived"]


def test_exchange_page_lists_formats_with_current_filters(client, world):
    response = client.get(reverse("network:exchange"), {"sdg": 13, "kind": "association"})
    html = response.content.decode()
    assert response.status_code == 200
    for fmt in exchange.FORMATS:
        assert reverse("network:export", args=[fmt]) + "?kind=association&amp;sdg=13" in html
    assert "Aus Kumu importieren" not in html


def test_unknown_format_is_404(client):
    assert client.get(reverse("network:export", args=["pdf"])).status_code == 404


# --- import ----------------------------------------------------------------------------------------------


def xlsx(elements, connections=None, *, element_header=None, connection_header=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Elements"
    sheet.append(element_header or ["Label", "Type", "Description", "Tags", "SDGs"])
    for row in elements:
        sheet.append(row)
    sheet = workbook.create_sheet("Connections")
    sheet.append(connection_header or ["From", "To", "Type"])
    for row in connections or []:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def db_state():
    return (
        sorted(Actor.objects.values_list("pk", "name", "kind", "version")),
        sorted(Tie.objects.values_list("source_id", "target_id", "kind")),
        sorted(Actor.sdgs.through.objects.values_list("actor_id", "sdg_id")),
        sorted(Actor.themes.through.objects.values_list("actor_id", "theme_id")),
    )


def upload(client, name, data):
    return client.post(reverse("network:import"), {"file": SimpleUploadedFile(name, data)})


def preview(client, name, data):
    response = upload(client, name, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.get(reverse("network:import_preview"))
    assert response.status_code == 200
    return response


def confirm(client):
    token = client.session[kumu_import.SESSION_KEY]["token"]
    return client.post(reverse("network:import_confirm"), {"token": token, "action": "confirm"})


def test_import_preview_writes_nothing_and_confirm_writes_everything(client, coordinator, world):
    client.force_login(coordinator)
    data = xlsx(
        [
            ["foerderkreis ouagadougou e.v.", "association", "", "", "13|SDG 5"],  # matched, gains SDG 5
            ["Weltladen <Ludwigsburg> & Co", "Weltladen", "", "", ""],  # matched as it is
            ["Neue Klimainitiative", "Initiative", "Wir pflanzen Bäume.", "", "13"],  # created
        ],
        [
            ["Neue Klimainitiative", "Foerderkreis Ouagadougou e.V.", "Kooperation"],
            ["Weltladen <Ludwigsburg> & Co", "Förderkreis Ouagadougou e.V.", "funding"],  # exists
        ],
    )
    before = db_state()
    html = preview(client, "netz.xlsx", data).content.decode()
    assert db_state() == before
    assert "wird mit „Förderkreis Ouagadougou e.V.“ zusammengeführt" in html
    assert "ist schon vorhanden" in html and "wird neu angelegt" in html and "gibt es schon" in html

    response = confirm(client)
    assert response.status_code == 302 and response["Location"] == reverse("network:exchange")
    new = Actor.objects.get(name="Neue Klimainitiative")
    assert (new.kind, new.published, new.description) == (ActorKind.INITIATIVE, False, "Wir pflanzen Bäume.")
    assert list(new.sdgs.values_list("number", flat=True)) == [13]
    assert Tie.objects.filter(source=new, target=world["a"], kind=TieKind.COOPERATION).exists()
    assert set(world["a"].sdgs.values_list("number", flat=True)) == {4, 5, 13}
    assert Actor.objects.count() == 5
    assert kumu_import.SESSION_KEY not in client.session
    assert not PendingImport.objects.exists()


@pytest.mark.parametrize("fmt", ["kumu-xlsx", "kumu-json"])
def test_import_export_import_round_trip_changes_nothing(client, coordinator, world, fmt):
    client.force_login(coordinator)
    preview(
        client,
        "start.xlsx",
        xlsx(
            [["Runder Tisch Eine Welt", "network", "", "", "17"], ["Schule am See", "Schule", "", "", ""]],
            [["Schule am See", "Runder Tisch Eine Welt", "membership"]],
        ),
    )
    assert confirm(client).status_code == 302
    after_first = db_state()
    body, _response = download(client, fmt)
    name = "export.xlsx" if fmt == "kumu-xlsx" else "export.json"
    html = preview(client, name, body).content.decode()
    assert "wird neu angelegt" not in html and "zusammengeführt" not in html
    assert "Der Import würde nichts ändern." in html
    assert confirm(client).status_code == 302
    assert db_state() == after_first


# Descriptions that start like a formula but are text; each must come back exactly.
ROUND_TRIP_TEXTS = {
    "markdown": "- Punkt eins\n- Punkt zwei\n\n**Kontakt:** +49 7141 910-0",
    "phone": "+49 7141 910-0 (Büro)",
    "minus": "-5 Grad im Januar",
    "at": "@weltladen auf Mastodon",
    "equals": "= ist hier Text",
    "apostrophe": "'=schon mit Apostroph",
}


@pytest.mark.parametrize("fmt", ["kumu-xlsx", "kumu-json"])
def test_texts_that_start_like_formulas_survive_export_and_import(client, coordinator, world, fmt):
    for key, text in ROUND_TRIP_TEXTS.items():
        ActorFactory(name=f"{text.splitlines()[0]} ({key})", slug=key, description=text)
    client.force_login(coordinator)
    body, _response = download(client, fmt)
    names = dict(Actor.objects.filter(slug__in=ROUND_TRIP_TEXTS).values_list("slug", "name"))
    Actor.objects.filter(slug__in=ROUND_TRIP_TEXTS).delete()
    html = preview(client, "export.xlsx" if fmt == "kumu-xlsx" else "export.json", body).content.decode()
    assert "Formel" not in html
    assert confirm(client).status_code == 302
    again = {actor.name: actor.description for actor in Actor.objects.filter(name__in=names.values())}
    assert again == {names[key]: text for key, text in ROUND_TRIP_TEXTS.items()}


def test_json_import_creates_actors_and_ties(client, coordinator, db):
    client.force_login(coordinator)
    document = {
        "elements": [{"label": "Alpha", "type": "Verein", "tags": ["x"]}, {"label": "Beta"}],
        "connections": [{"from": "Alpha", "to": "Beta", "type": "Kooperation"}],
    }
    preview(client, "kumu.json", json.dumps(document).encode())
    assert confirm(client).status_code == 302
    assert Tie.objects.filter(source__name="Alpha", target__name="Beta").count() == 1


BAD_INPUTS = {
    "unknown columns": (
        xlsx(
            [["Alpha", "Verein", "", "", "", "x"]],
            element_header=["Label", "Type", "Description", "Tags", "SDGs", "Farbe"],
        ),
        "unbekannte Spalte „Farbe“",
    ),
    "empty names": (xlsx([["", "Verein", "", "", ""]]), "Der Name (Label) ist leer"),
    "self-loops": (
        xlsx([["Alpha", "Verein", "", "", ""]], [["Alpha", "alpha", "Kooperation"]]),
        "Beziehung eines Akteurs zu sich selbst",
    ),
    "duplicate connections": (
        xlsx(
            [["Alpha", "", "", "", ""], ["Beta", "", "", "", ""]],
            [["Alpha", "Beta", "Kooperation"], ["alpha", "BETA", "cooperation"]],
        ),
        "Diese Beziehung steht schon in Zeile 2",
    ),
    "formulas in cells": (  # openpyxl writes a text starting with "=" as a formula cell
        xlsx([['=HYPERLINK("http://böse.example","klick")', "Verein", "", "", ""], ["Beta", "=1+1", "", "", ""]]),
        "enthält eine Formel",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_rows_are_listed_in_the_preview_and_nothing_is_written(client, coordinator, db, case):
    client.force_login(coordinator)
    data, problem = BAD_INPUTS[case]
    before = db_state()
    html = preview(client, "netz.xlsx", data).content.decode()
    assert problem in html
    assert db_state() == before


def test_formula_cells_are_never_imported(client, coordinator, db):
    client.force_login(coordinator)
    preview(client, "netz.xlsx", BAD_INPUTS["formulas in cells"][0])
    confirm(client)
    assert not Actor.objects.filter(name__startswith="=").exists()
    assert Actor.objects.get(name="Beta").kind == ActorKind.OTHER  # the formula in "Type" was dropped


def test_formulas_are_refused_per_row_and_text_that_starts_like_one_is_kept(db):
    data = xlsx(
        [
            ["Alpha", "=1+1", "- Punkt eins\n- Punkt zwei", "", ""],
            ["Beta", "Verein", "+49 7141 910-0", "", ""],
            ["@verein", "", "-5 Grad", "", ""],
            ["'=Apostroph", "", "", "", ""],
        ]
    )
    plan = kumu_import.plan_import(*kumu_import.parse_upload("netz.xlsx", data))
    rows = {row.number: row for row in plan.elements}
    assert rows[2].problems == ["Spalte „Type“ enthält eine Formel (=1+1); der Wert wird nicht übernommen."]
    assert rows[2].data["description"] == "- Punkt eins\n- Punkt zwei"
    assert (rows[3].problems, rows[3].data["description"]) == ([], "+49 7141 910-0")
    assert (rows[4].label, rows[4].data["description"]) == ("@verein", "-5 Grad")
    assert rows[5].label == "=Apostroph"  # an escaped text, as exports before 2026-11 wrote it


def test_json_refuses_a_leading_equals_sign_and_keeps_other_texts(db):
    document = {
        "elements": [
            {"label": "Alpha", "description": '=HYPERLINK("http://x")'},
            {"label": "Beta", "description": "- Punkt", "type": "+49 7141 910-0"},
        ]
    }
    plan = kumu_import.plan_import(*kumu_import.parse_upload("kumu.json", json.dumps(document).encode()))
    alpha, beta = plan.elements
    assert alpha.problems == [
        'Spalte „Description“ enthält eine Formel (=HYPERLINK("http://x")); der Wert wird nicht übernommen.'
    ]
    assert alpha.data["description"] == ""
    assert beta.data["description"] == "- Punkt"
    assert beta.problems == ["Unbekannter Typ „+49 7141 910-0“: wird als „Sonstige“ angelegt."]


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def _many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(kumu_import.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"x/{i}.xml", "")
    return out.getvalue()


FILE_ERRORS = {
    "json named xlsx": ("netz.xlsx", b'{"elements": []}', "heißt .xlsx, ist aber keine Excel-Datei"),
    "xlsx named json": ("netz.json", xlsx([["Alpha", "", "", "", ""]]), "heißt .json, ist aber keine JSON-Datei"),
    "broken zip": ("netz.xlsx", b"PK\x03\x04kaputt", "keine gültige Excel-Datei"),
    "broken json": ("netz.json", b'{"elements": [', "keine gültige JSON-Datei"),
    "wrong shape json": ("netz.json", b'{"elements": {}}', "nicht Kumus Aufbau"),
    "other extension": ("netz.csv", b"a,b", "im Format .xlsx oder .json"),
    "zip bomb": ("netz.xlsx", _zip_bomb(), "entpackt größer als 50 MB"),
    "too many members": ("netz.xlsx", _many_members(), "zu viele Teile"),
    "oversized": ("netz.json", b" " * (kumu_import.MAX_UPLOAD_BYTES + 1), "größer als 5 MB"),
}


@pytest.mark.parametrize("case", list(FILE_ERRORS))
def test_unreadable_files_are_refused_before_unpacking(client, coordinator, db, case, monkeypatch):
    client.force_login(coordinator)
    name, data, message = FILE_ERRORS[case]
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    before = db_state()
    response = upload(client, name, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert kumu_import.SESSION_KEY not in client.session
    assert db_state() == before
    assert opened == []


def test_a_failed_import_leaves_no_trace(client, coordinator, db, monkeypatch):
    client.force_login(coordinator)
    preview(
        client,
        "netz.xlsx",
        xlsx([["Alpha", "", "", "", ""], ["Beta", "", "", "", ""]], [["Alpha", "Beta", "Kooperation"]]),
    )
    from django.core.exceptions import ValidationError

    def fail(**kwargs):
        raise ValidationError("Datenbank sagt nein")

    monkeypatch.setattr("knotenpunkt.network.services.ties_create", fail)
    before = db_state()
    response = confirm(client)
    assert response.status_code == 302 and response["Location"] == reverse("network:import_preview")
    assert db_state() == before
    assert kumu_import.SESSION_KEY in client.session  # the upload stays for another try


def test_confirm_needs_the_sessions_token_and_cancel_discards(client, coordinator, db):
    client.force_login(coordinator)
    preview(client, "netz.xlsx", xlsx([["Alpha", "", "", "", ""]]))
    response = client.post(reverse("network:import_confirm"), {"token": "fremd", "action": "confirm"})
    assert response.status_code == 302 and not Actor.objects.filter(name="Alpha").exists()
    client.post(reverse("network:import_confirm"), {"action": "cancel"})
    assert kumu_import.SESSION_KEY not in client.session
    assert not PendingImport.objects.exists()
    assert client.get(reverse("network:import_preview")).status_code == 302


def test_only_coordinators_import(client, city_staff, editor_a):
    for user in (city_staff, editor_a):
        client.force_login(user)
        assert upload(client, "netz.json", b'{"elements": [{"label": "X"}]}').status_code == 403
        assert not Actor.objects.filter(name="X").exists()


def test_neutralised_text_matches_by_name_and_kumu_tags_become_themes_and_sdgs(client, coordinator, world):
    client.force_login(coordinator)
    document = {
        "elements": [
            {"label": '\'=HYPERLINK("http://x")'},  # as a spreadsheet export wrote it: text, not a formula
            {
                "_id": "k1",
                "attributes": {"label": "Gamma", "element type": "Schule"},
                "tags": ["klimaschutz", "SDG 13", "Unsinn"],
            },
        ],
        "connections": [{"from": "k1", "to": '\'=HYPERLINK("http://x")', "connection type": "Mitgliedschaft"}],
    }
    html = preview(client, "kumu.json", json.dumps(document).encode()).content.decode()
    assert "ist schon vorhanden: „=HYPERLINK" in html
    assert "Schlagwort „Unsinn“ ist weder Thema noch SDG" in html
    confirm(client)
    gamma = Actor.objects.get(name="Gamma")
    assert gamma.kind == ActorKind.SCHOOL
    assert list(gamma.themes.values_list("slug", flat=True)) == ["klimaschutz"]
    assert list(gamma.sdgs.values_list("number", flat=True)) == [13]
    assert gamma.ties_out.get().target == world["c"]


def test_preview_reads_the_database_a_fixed_number_of_times(coordinator, world, django_assert_max_num_queries):
    existing = [ActorFactory(name=f"Verein {i}") for i in range(60)]
    elements = [(n, {"Label": a.name, "SDGs": "13"}) for n, a in enumerate(existing, start=2)]
    connections = [(n, {"From": a.name, "To": "Weltladen <Ludwigsburg> & Co"}) for n, a in enumerate(existing, start=2)]
    with django_assert_max_num_queries(12):
        plan = kumu_import.plan_import(elements, connections)
    assert {row.action for row in plan.elements} == {"merge"}
    assert {row.action for row in plan.connections} == {"create"}


def test_control_characters_never_reach_the_database(client, coordinator, db):
    """Issue 14: a label with U+0000 answered 500 on PostgreSQL at the confirm step."""
    client.force_login(coordinator)
    document = {
        "elements": [
            {"label": "Verein\x00 Eins\r\nzwei", "description": "Erste Zeile\nzweite\x07 Zeile"},
            {"label": "Beta\x1b"},
        ],
        "connections": [{"from": "Verein Eins zwei", "to": "Beta", "type": "Kooperation"}],
    }
    preview(client, "kumu.json", json.dumps(document).encode())
    assert confirm(client).status_code == 302
    verein = Actor.objects.get(name="Verein Eins zwei")
    assert verein.description == "Erste Zeile\nzweite Zeile"
    assert Actor.objects.filter(name="Beta").exists()
    assert Tie.objects.filter(source=verein, target__name="Beta").count() == 1


def test_a_second_confirm_of_the_same_upload_imports_nothing(client, coordinator, db):
    client.force_login(coordinator)
    preview(client, "kumu.json", json.dumps({"elements": [{"label": "Nur einmal"}]}).encode())
    pending = dict(client.session[kumu_import.SESSION_KEY])  # what a second tab of the same browser still has
    assert confirm(client).status_code == 302
    store = client.session
    store[kumu_import.SESSION_KEY] = pending
    store.save()

    again = client.post(
        reverse("network:import_confirm"), {"token": pending["token"], "action": "confirm"}, follow=True
    )

    assert "schon erledigt" in again.content.decode()
    assert Actor.objects.filter(name="Nur einmal").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL's row lock")
def test_two_simultaneous_confirms_import_once(coordinator):
    """Issue 14: two confirms of the same upload on two workers at once run the import exactly once."""
    session = {}
    token = kumu_import.pending_save(session, coordinator, "kumu.json", b"{}")
    ran, barrier = [], threading.Barrier(2)

    def run(name, data):
        ran.append(name)
        time.sleep(0.5)  # the other confirm arrives while this one holds the upload
        return {"created": 0, "merged": 0, "ties": 0}

    def confirm_in_thread(results):
        try:
            barrier.wait()
            results.append(kumu_import.pending_run(dict(session), token, run))
        finally:
            connection.close()

    results = []
    threads = [threading.Thread(target=confirm_in_thread, args=(results,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert ran == ["kumu.json"]
    assert sorted(results, key=lambda r: r is None) == [{"created": 0, "merged": 0, "ties": 0}, None]


# --- Kumu as people's files are (issue 14) ------------------------------------------------------------------


def _plan_json(document: dict):
    return kumu_import.plan_import(*kumu_import.parse_upload("kumu.json", json.dumps(document).encode()))


def _import_json(client, coordinator, document: dict):
    client.force_login(coordinator)
    preview(client, "kumu.json", json.dumps(document).encode())
    assert confirm(client).status_code == 302


def test_elements_are_matched_by_id_first_and_label_second(client, coordinator, db):
    """A real Kumu backup had elements with one label and two IDs: both are elements, with their connections."""
    document = {
        "elements": [
            {"_id": "e1", "attributes": {"label": "Weltladen", "element type": "Weltladen"}},
            {"_id": "e2", "attributes": {"label": "Weltladen", "element type": "Verein"}},
            {"_id": "e3", "attributes": {"label": "Schule am See"}},
        ],
        "connections": [
            {"from": "e1", "to": "e3", "connection type": "Kooperation"},
            {"from": "e2", "to": "e3", "connection type": "Kooperation"},
        ],
    }
    _import_json(client, coordinator, document)
    weltlaeden = Actor.objects.filter(name="Weltladen")
    assert weltlaeden.count() == 2
    assert Tie.objects.filter(target__name="Schule am See").count() == 2
    assert {t.source_id for t in Tie.objects.all()} == set(weltlaeden.values_list("pk", flat=True))


def test_a_connection_may_name_several_targets_and_elements_only_the_connections_know(client, coordinator, db):
    document = {
        "elements": [{"label": "Runder Tisch"}],
        "connections": [
            {"from": "Runder Tisch", "to": "Weltladen|Schule am See | Kirchengemeinde", "type": "Kooperation"}
        ],
    }
    plan = _plan_json(document)
    assert [r.action for r in plan.connections] == ["create"] * 3
    created = [r for r in plan.elements if r.detail.startswith("wird neu angelegt (nur bei den Verbindungen")]
    assert sorted(r.label for r in created) == ["Kirchengemeinde", "Schule am See", "Weltladen"]
    _import_json(client, coordinator, document)
    assert sorted(Tie.objects.values_list("target__name", flat=True)) == [
        "Kirchengemeinde",
        "Schule am See",
        "Weltladen",
    ]


def test_mutual_and_undirected_connections(client, coordinator, db):
    """An undirected cooperation is one tie (it goes both ways); a mutual membership is one each way."""
    document = {
        "elements": [{"label": "Alpha"}, {"label": "Beta"}, {"label": "Gamma"}],
        "connections": [
            {"from": "Alpha", "to": "Beta", "type": "Kooperation", "direction": "undirected"},
            {"from": "Beta", "to": "Gamma", "type": "Mitgliedschaft", "direction": "mutual"},
            {"from": "Alpha", "to": "Gamma", "type": "Förderung", "direction": "seitwärts"},
        ],
    }
    plan = _plan_json(document)
    assert any("Unbekannte Richtung „seitwärts“" in p for r in plan.connections for p in r.problems)
    _import_json(client, coordinator, document)
    ties = sorted(Tie.objects.values_list("source__name", "target__name", "kind"))
    assert ties == [
        ("Alpha", "Beta", "cooperation"),
        ("Alpha", "Gamma", "funding"),
        ("Beta", "Gamma", "membership"),
        ("Gamma", "Beta", "membership"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-31", dt.date(2024, 3, 31)),
        ("2024-03-31T10:00:00Z", dt.date(2024, 3, 31)),
        ("31.03.2024", dt.date(2024, 3, 31)),
        ("1.4.24", dt.date(2024, 4, 1)),
        ("2024-05", dt.date(2024, 5, 1)),
        ("2019", dt.date(2019, 1, 1)),
    ],
)
def test_connection_dates_are_read_in_iso_and_german_forms(db, text, expected):
    plan = _plan_json(
        {"elements": [{"label": "A"}, {"label": "B"}], "connections": [{"from": "A", "to": "B", "start": text}]}
    )
    (row,) = plan.connections
    assert (row.data["start_date"], row.problems) == (expected, [])


def test_a_nonsense_date_is_a_problem_of_the_row(db):
    plan = _plan_json(
        {"elements": [{"label": "A"}, {"label": "B"}], "connections": [{"from": "A", "to": "B", "start": "31.02.2024"}]}
    )
    assert plan.connections[0].problems == [
        "„31.02.2024“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ) und wird ignoriert."
    ]


def test_sheets_are_recognised_by_their_headers(client, coordinator, db):
    workbook = Workbook()
    first = workbook.active
    first.title = "Tabelle1"
    first.append(["Label", "Type"])
    first.append(["Alpha", "Verein"])
    first.append(["Beta", "Schule"])
    second = workbook.create_sheet("Tabelle2")
    second.append(["From", "To", "Type"])
    second.append(["Alpha", "Beta", "Kooperation"])
    out = io.BytesIO()
    workbook.save(out)
    client.force_login(coordinator)
    preview(client, "netz.xlsx", out.getvalue())
    assert confirm(client).status_code == 302
    assert Tie.objects.filter(source__name="Alpha", target__name="Beta").exists()


def _xlsx_with_sheet_xml(transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx([["Alpha", "", "", "", ""]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = transform(data)
            target.writestr(item, data)
    return out.getvalue()


MALFORMED = {
    "external entity": (
        "netz.xlsx",
        _xlsx_with_sheet_xml(
            lambda xml: xml.replace(
                b"<worksheet", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet', 1
            ).replace(b"Alpha", b"&e;")
        ),
        "Dokumenttyp-Definition",
    ),
    "truncated sheet": ("netz.xlsx", _xlsx_with_sheet_xml(lambda xml: xml[: len(xml) // 2]), "beschädigt"),
    "deeply nested json": ("netz.json", b'{"elements": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "verschachtelt"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_refused_with_a_clear_message(client, coordinator, db, case):
    client.force_login(coordinator)
    name, data, message = MALFORMED[case]
    before = db_state()
    response = upload(client, name, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert db_state() == before


# --- real Kumu files (tests/data/kumu, sources and licences in SOURCES.md) -------------------------------------

KUMU_FILES = sorted((Path(__file__).parent / "data" / "kumu").glob("*.json"))


@pytest.mark.parametrize("path", KUMU_FILES, ids=lambda p: p.name)
def test_real_kumu_files_preview_without_errors(client, coordinator, db, path):
    client.force_login(coordinator)
    html = preview(client, path.name, path.read_bytes()).content.decode()
    assert "Der Import würde" in html or "wird neu angelegt" in html


def test_a_real_kumu_backup_keeps_every_labelled_element_and_its_connections(db):
    """A Kumu project export with twelve labels used by more than one element (by ID): none is lost."""
    path = Path(__file__).parent / "data" / "kumu" / "jouyoku-tfrd-gta-kumu-export.json"
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    labelled = {e["_id"] for e in document["elements"] if (e.get("attributes") or {}).get("label", "").strip()}
    plan = kumu_import.plan_import(*kumu_import.parse_upload(path.name, path.read_bytes()))
    assert sum(1 for row in plan.elements if row.action == "create") == len(labelled)
    # Every connection between two labelled elements is planned: created once, or skipped as a repetition.
    between = [c for c in document["connections"] if c["from"] in labelled and c["to"] in labelled]
    planned = [row for row in plan.connections if row.action == "create"]
    repeated = [row for row in plan.connections if any("steht schon in Zeile" in p for p in row.problems)]
    # (Its undirected connections are of types "+" and "-", kinds without a direction: one tie each.
    # "+" and "-" between one pair are both read as "Sonstige" and so repeat each other.)
    assert len(planned) + len(repeated) == len(between)


def test_ids_and_labels_never_meet(db):
    """Found by an audit: an element whose ID looks like another element's label was matched by it."""
    plan = _plan_json(
        {
            "elements": [
                {"_id": "weltladen", "label": "Weltladen Nord"},
                {"_id": "weltladen-2", "label": "Weltladen"},
                {"label": "Verein"},
            ],
            "connections": [{"from": "Weltladen", "to": "Verein"}, {"from": "Weltladen", "to": "Weltladen Nord"}],
        }
    )
    assert [r.action for r in plan.connections] == ["create", "create"]
    assert [r.data["ends"][0].label for r in plan.connections] == ["Weltladen", "Weltladen"]


def test_a_damaged_workbook_is_refused_not_a_500(client, coordinator, db):
    data = bytearray(xlsx([["Alpha", "", "", "", ""]]))
    position = data.find(b"xl/workbook.xml")
    data[position + len(b"xl/workbook.xml") + 8] ^= 0xFF  # inside the member's compressed data: it no longer unpacks
    client.force_login(coordinator)
    response = upload(client, "netz.xlsx", bytes(data))
    assert response.status_code == 422


def test_a_label_longer_than_a_name_matches_its_stored_name_on_the_next_import(client, coordinator, db):
    """Found by an audit: the stored name is cut to 200 characters, the match must use the cut too."""
    label = "Förderkreis " + "sehr " * 60
    document = {"elements": [{"label": label}]}
    _import_json(client, coordinator, document)
    _import_json(client, coordinator, document)
    assert Actor.objects.filter(name__startswith="Förderkreis").count() == 1
