"""Plain-language readings of network figures and of an actor's position (network/readings.py)."""

import datetime as dt
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
        assert readings.trend_readings([month(2025, 10, **OCT), month(2026, 10, **OCT)])
        assert readings.trend_deltas([month(2025, 10, **OCT), month(2026, 10, **OCT)])


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
        ({"degree": 80, "degree_rank": 2}, ["Knotenpunkt: mit 80 Akteuren verbunden"]),
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


# --- change over time --------------------------------------------------------------------------


def month(year, month_, **figures):
    """A monthly snapshot of `year`-`month_` with a few figures (the rest as in snapshot())."""
    from django.utils import timezone

    values = {"computed_at": timezone.make_aware(dt.datetime(year, month_, 28, 23, 59))}
    values.update(figures)
    return snapshot(**values)


def without(**by_kind):
    kinds = analytics.KINDS
    counts = [by_kind.get(k, 0) for k in kinds]
    return {"kinds": kinds, "without_administration_by_kind": counts}


OCT = {"node_count": 40, "edge_count": 60, "density": 0.0769, "isolate_count": 5, "community_count": 4}
OCT_WITHOUT = {"without_administration_count": 9, "aggregates": without(association=6, school=3)}


@pytest.mark.parametrize(
    "later, sentence",
    [
        (
            {
                "edge_count": 74,
                "density": 0.0949,
                "without_administration_count": 6,
                "aggregates": without(association=3, school=3),
            },
            "Seit Oktober 2025 sind 14 Verbindungen dazugekommen; 3 Vereine weniger ohne Kontakt zur Verwaltung; "
            "das Netz ist dichter geworden.",
        ),
        (
            {"edge_count": 61, "node_count": 45, "density": 0.0616, "isolate_count": 7},
            "Seit Oktober 2025 ist 1 Verbindung dazugekommen; 5 Akteure mehr; 2 Akteure mehr ohne Verbindung; "
            "das Netz ist lockerer geworden.",
        ),
        (
            # two kinds changed: counted as actors
            {
                "edge_count": 58,
                "density": 0.0744,
                "without_administration_count": 11,
                "aggregates": without(association=7, school=4),
            },
            "Seit Oktober 2025 sind 2 Verbindungen weggefallen; 2 Akteure mehr ohne Kontakt zur Verwaltung; "
            "das Netz ist lockerer geworden.",
        ),
        ({}, "Seit Oktober 2025 ist die Zahl der Verbindungen gleich geblieben; die Dichte ist gleich geblieben."),
    ],
)
def test_trend_reading_says_what_changed_since_the_first_month(later, sentence):
    series = [month(2025, 10, **OCT, **OCT_WITHOUT), month(2026, 10, **{**OCT, **OCT_WITHOUT, **later})]
    assert {r.key: r.text for r in readings.trend_readings(series)}["trend"] == sentence


def test_trend_readings_of_groups_and_reach():
    series = [
        month(2025, 10, **OCT, mean_reach=8.4),
        month(2025, 11, **OCT, mean_reach=9.0),
        month(2026, 10, **{**OCT, "community_count": 6}, mean_reach=12.2),
    ]
    t = {r.key: r.text for r in readings.trend_readings(series)}
    assert t["trend.community_count"] == "Die Zahl der Gruppen ist seit Oktober 2025 von 4 auf 6 gestiegen."
    assert t["trend.mean_reach"] == (
        "Im Mittel erreicht ein Akteur über höchstens einen Zwischenschritt jetzt 12 andere, "
        "im Oktober 2025 waren es 8."
    )


def test_no_trend_reading_from_a_single_month():
    assert readings.trend_readings([month(2026, 10, **OCT)]) == []


@pytest.mark.parametrize(
    "key, value, previous_month, year_ago",
    [
        ("node_count", "52", "+2", "+12"),
        ("edge_count", "1.120", "+20", "+1.060"),
        ("density", "8,45\xa0%", "−0,50 Prozentpunkte", "+1,00 Prozentpunkte"),
        ("isolate_count", "5", "±0", "−3"),
        ("without_administration_count", "7", "−1", "±0"),
        ("community_count", "4", "±0", "±0"),
        ("mean_reach", "12,3", "+0,3", "+4,3"),
    ],
)
def test_trend_deltas_against_the_previous_month_and_a_year_before(key, value, previous_month, year_ago):
    common = {"community_count": 4}
    series = [
        month(2025, 10, **common, node_count=40, edge_count=60, density=0.0745, isolate_count=8,
              without_administration_count=7, mean_reach=8.0),
        month(2026, 9, **common, node_count=50, edge_count=1100, density=0.0895, isolate_count=5,
              without_administration_count=8, mean_reach=12.0),
        month(2026, 10, **common, node_count=52, edge_count=1120, density=0.0845, isolate_count=5,
              without_administration_count=7, mean_reach=12.3),
    ]  # fmt: skip
    row = {r["key"]: r for r in readings.trend_deltas(series)}[key]
    assert (row["value"], row["month"], row["year"]) == (value, previous_month, year_ago)


def test_trend_deltas_without_the_months_to_compare():
    series = [month(2026, 7, **OCT), month(2026, 10, **OCT)]  # a gap: no September, no last October
    rows = readings.trend_deltas(series)
    assert [(r["month"], r["year"]) for r in rows] == [(None, None)] * len(readings.TREND_FIGURES)
