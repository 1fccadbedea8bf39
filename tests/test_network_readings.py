"""Plain-language readings of network figures and of an actor's position (network/readings.py)."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from knotenpunkt.network import analytics, readings


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def snapshot(**overrides):
    kinds = analytics.KINDS
    without = [0] * len(kinds)
    without[kinds.index("association")] = 12
    without[kinds.index("school")] = 1
    matrix = [[0] * len(kinds) for _ in kinds]
    matrix[kinds.index("association")][kinds.index("school")] = 7
    matrix[kinds.index("school")][kinds.index("association")] = 7
    matrix[kinds.index("association")][kinds.index("city_department")] = 3
    matrix[kinds.index("city_department")][kinds.index("association")] = 3
    values = {
        "node_count": 1234,
        "edge_count": 5678,
        "density": 0.0075,
        "component_count": 3,
        "largest_component_size": 1172,
        "isolate_count": 20,
        "weakly_tied_count": 1,
        "articulation_point_count": 8,
        "community_count": 7,
        "without_administration_count": 13,
        "mean_reach": 340.4,
        "betweenness_sampled": True,
        "betweenness_samples": 256,
        "betweenness_error": 0.041,
        "aggregates": {"kinds": kinds, "without_administration_by_kind": without, "kind_matrix": matrix},
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def texts(snap):
    return {r.key: r.text for r in readings.snapshot_readings(snap)}


@pytest.mark.parametrize(
    "key, text",
    [
        ("size", "Das Netzwerk hat 1.234 Akteure und 5.678 Verbindungen."),
        ("density", "Von allen möglichen Verbindungen zwischen zwei Akteuren bestehen 0,75\xa0%."),
        (
            "component_count",
            "Das Netzwerk zerfällt in 3 getrennte Teile; der größte umfasst 95\xa0% der Akteure.",
        ),
        ("isolate_count", "20 Akteure haben noch keine einzige Verbindung."),
        ("weakly_tied_count", "1 Akteur hängt an nur einer Verbindung."),
        (
            "articulation_point_count",
            "8 Akteure halten Teile des Netzwerks zusammen: fiele einer weg, zerfiele es.",
        ),
        (
            "community_count",
            "Das Netzwerk bildet 7 Gruppen, die untereinander enger verbunden sind als mit dem Rest.",
        ),
        ("without_administration_count", "13 Akteure haben keinen Kontakt zur Verwaltung."),
        ("without_administration_by_kind.association", "12 Vereine haben keinen Kontakt zur Verwaltung."),
        ("without_administration_by_kind.school", "1 Schule hat keinen Kontakt zur Verwaltung."),
        (
            "kind_matrix",
            "Über Sektorgrenzen hinweg sind Verein und Schule am stärksten verbunden (7 Verbindungen).",
        ),
        ("mean_reach", "Im Mittel erreicht ein Akteur über höchstens einen Zwischenschritt 340 andere."),
        (
            "betweenness_error",
            "Die Vermittlerwerte sind aus 256 zufällig gewählten Ausgangspunkten geschätzt; bei den wichtigsten "
            "Vermittlern liegen sie etwa ±4,1\xa0% neben dem genauen Wert.",
        ),
    ],
)
def test_snapshot_reading(key, text):
    assert texts(snapshot())[key] == text


def test_readings_of_a_well_connected_network():
    t = texts(snapshot(component_count=1, isolate_count=0, without_administration_count=0, betweenness_sampled=False))
    assert t["component_count"] == "Alle Akteure sind über Umwege miteinander verbunden."
    assert t["isolate_count"] == "Kein Akteur ist ohne Verbindung."
    assert t["without_administration_count"] == "Jeder Akteur hat Kontakt zur Verwaltung."
    assert "betweenness_error" not in t


def test_readings_in_english():
    with translation.override("en"):
        assert readings.snapshot_readings(snapshot())  # no error; text comes from the catalogue once translated


def metrics(**overrides):
    values = {
        "degree": 5,
        "betweenness": 0.0,
        "betweenness_rank": 500,
        "degree_rank": 400,
        "groups_bridged": 1,
        "is_articulation_point": False,
        "is_isolate": False,
        "is_weakly_tied": False,
        "has_administration_tie": True,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "overrides, phrases",
    [
        ({"is_isolate": True, "degree": 0}, ["Noch ohne Verbindung im Netzwerk"]),
        (
            {"groups_bridged": 3, "is_articulation_point": True, "betweenness": 0.2, "betweenness_rank": 3},
            ["Brücke zwischen 3 Gruppen", "Einer der wichtigsten Vermittler (Platz 3 von 1.234)"],
        ),
        (
            {"groups_bridged": 2, "is_articulation_point": True, "betweenness": 0.001},
            ["Brücke zwischen 2 Gruppen", "Schlüsselstelle: verbindet Akteure, die sonst getrennt wären"],
        ),
        ({"degree": 80, "degree_rank": 2}, ["Knotenpunkt mit 80 Verbindungen"]),
        (
            {"degree": 1, "is_weakly_tied": True, "has_administration_tie": False},
            ["Nur über eine Verbindung angebunden", "ohne Kontakt zur Verwaltung"],
        ),
        ({}, ["Verbunden mit 5 Akteuren"]),
        ({"groups_bridged": 4}, ["Verbunden mit 5 Akteuren"]),  # many groups around, but no broker
    ],
)
def test_position_phrases(overrides, phrases):
    snap = snapshot()
    assert readings.position_phrases(metrics(**overrides), snap) == phrases
    assert readings.position_phrase(metrics(**overrides), snap) == phrases[0]


def test_kind_count_for_every_kind():
    for kind in analytics.KINDS:
        assert readings.kind_count(kind, 2).startswith("2 ")
        assert readings.kind_count(kind, 1).startswith("1 ")
