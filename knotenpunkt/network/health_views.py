"""The network-health page (/netzwerk/gesundheit/): the newest analytics snapshot, read aloud and charted,
and its change over the monthly snapshots ("Entwicklung": one point per month, the newest last).

Internal readers see the internal snapshot; everybody else the public one (published actors and
public ties only), so the page never shows more than the public directory does. Actors are named
only if the reader may see them now: an actor unpublished since the nightly run is left out at once.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.network.models import ActorMetrics, NetworkSnapshot, SnapshotScope
from knotenpunkt.network.readings import (
    TREND_FIGURES,
    figure_value,
    format_figure,
    month_label,
    month_of,
    snapshot_readings,
    trend_deltas,
    trend_readings,
)

ISOLATES_SHOWN = 50
TREND_POINTS = 24


def _degree_labels(histogram):
    labels = []
    for i, (lo, _count) in enumerate(histogram):
        hi = histogram[i + 1][0] - 1 if i + 1 < len(histogram) else None
        labels.append(str(lo) if hi == lo else f"{lo}–{hi}" if hi is not None else f"≥ {lo}")
    return labels


def _charts(snapshot):
    agg = snapshot.aggregates or {}
    kind_labels = dict(ActorKind.choices)
    histogram = agg.get("degree_histogram", [])
    without = [
        (str(kind_labels.get(kind, kind)), count)
        for kind, count in zip(agg.get("kinds", []), agg.get("without_administration_by_kind", []), strict=False)
        if count
    ]
    charts = [
        {
            "id": "degree",
            "title": _("Wie viele Verbindungen haben die Akteure?"),
            "type": "bar",
            "labels": _degree_labels(histogram),
            "datasets": [{"label": _("Akteure"), "data": [c for _lo, c in histogram]}],
            "head": (_("Verbindungen"), _("Akteure")),
        },
        {
            "id": "administration",
            "title": _("Akteure ohne Kontakt zur Verwaltung, nach Art"),
            "type": "bar",
            "horizontal": True,
            "labels": [label for label, _c in without],
            "datasets": [{"label": _("ohne Kontakt zur Verwaltung"), "data": [c for _label, c in without]}],
            "head": (_("Art"), _("Akteure")),
        },
    ]
    for chart in charts:
        chart["rows"] = [[label, *(d["data"][i] for d in chart["datasets"])] for i, label in enumerate(chart["labels"])]
    return charts


def _monthly_series(scope, latest):
    """One snapshot per month, oldest first: the monthly ones, and for the newest month the newest."""
    newest_month = month_of(latest)
    monthly = [
        s
        for s in NetworkSnapshot.objects.filter(scope=scope, monthly=True)
        .exclude(pk=latest.pk)
        .order_by("-computed_at", "-id")[: TREND_POINTS + 1]
        if month_of(s) != newest_month
    ]
    by_month = {}
    for s in reversed(monthly):  # oldest first; the first of a month wins
        by_month.setdefault(month_of(s), s)
    return [*sorted(by_month.values(), key=lambda s: s.computed_at)[-(TREND_POINTS - 1) :], latest]


def _trend_charts():
    """(id, title, figures): the Entwicklung charts; figures on a like scale share one."""
    return [
        ("size", _("Akteure und Verbindungen"), ["node_count", "edge_count"]),
        ("apart", _("Ohne Verbindung, ohne Kontakt zur Verwaltung"), ["isolate_count", "without_administration_count"]),
        ("density", _("Dichte (Anteil der möglichen Verbindungen, %)"), ["density"]),
        ("community_count", _("Gruppen"), ["community_count"]),
        ("mean_reach", _("Mittlere Reichweite (Akteure in zwei Schritten)"), ["mean_reach"]),
    ]


def _trend(series):
    """Line charts per figure over the months, and one table with all of them (for screen readers)."""
    labels = [month_label(s) for s in series]
    titles = {key: str(label) for key, label, _kind in TREND_FIGURES}
    charts = [
        {
            "id": f"trend-{chart_id}",
            "title": title,
            "type": "line",
            "labels": labels,
            "datasets": [{"label": titles[key], "data": [figure_value(s, key) for s in series]} for key in keys],
        }
        for chart_id, title, keys in _trend_charts()
    ]
    table = {
        "head": [_("Monat"), *(str(label) for _key, label, _kind in TREND_FIGURES)],
        "rows": [
            [month_label(s), *(format_figure(key, figure_value(s, key)) for key, _label, _kind in TREND_FIGURES)]
            for s in series
        ],
    }
    return {
        "charts": charts,
        "table": table,
        "readings": trend_readings(series),
        "deltas": trend_deltas(series),
        "since": month_label(series[0]),
    }


def _kind_abbreviations():
    """Short column heads of the cross-sector matrix (the full name is in the <abbr> title)."""
    return {
        ActorKind.ASSOCIATION: pgettext("kind abbreviation", "Ver."),
        ActorKind.INITIATIVE: pgettext("kind abbreviation", "Ini."),
        ActorKind.FAIR_TRADE_SHOP: pgettext("kind abbreviation", "WL"),
        ActorKind.DIASPORA: pgettext("kind abbreviation", "Dia."),
        ActorKind.SCHOOL: pgettext("kind abbreviation", "Sch."),
        ActorKind.UNIVERSITY: pgettext("kind abbreviation", "HS"),
        ActorKind.RELIGIOUS: pgettext("kind abbreviation", "Rel."),
        ActorKind.FOUNDATION: pgettext("kind abbreviation", "Stif."),
        ActorKind.COMPANY: pgettext("kind abbreviation", "Unt."),
        ActorKind.NETWORK: pgettext("kind abbreviation", "Netz."),
        ActorKind.CITY_DEPARTMENT: pgettext("kind abbreviation", "Stadt"),
        ActorKind.STATE_BODY: pgettext("kind abbreviation", "Land"),
        ActorKind.FEDERAL_BODY: pgettext("kind abbreviation", "Bund"),
        ActorKind.PARTNER_MUNICIPALITY: pgettext("kind abbreviation", "Partn."),
        ActorKind.OTHER: pgettext("kind abbreviation", "Sonst."),
    }


MATRIX_LEVELS = 5  # shades of the heatmap besides white for 0 (knotenpunkt.css .heat-1 … .heat-5)


def _heat_level(value: int, top: int) -> int:
    """0 for none, else 1 (few) … MATRIX_LEVELS (the most) relative to the matrix's largest value."""
    if value <= 0 or top <= 0:
        return 0
    return max(1, -(-value * MATRIX_LEVELS // top))  # ceiling: any tie shows at least the lightest shade


def _matrix(snapshot):
    """The cross-sector matrix as a heatmap: full and short names per kind, each cell with its shade."""
    agg = snapshot.aggregates or {}
    kinds, matrix = agg.get("kinds", []), agg.get("kind_matrix", [])
    used = [i for i, row in enumerate(matrix) if any(row)]
    labels, short = dict(ActorKind.choices), _kind_abbreviations()
    top = max((matrix[i][j] for i in used for j in used), default=0)
    head = [(labels.get(kinds[i], kinds[i]), short.get(kinds[i], kinds[i])) for i in used]
    return {
        "head": head,
        "rows": [(head[n], [(matrix[i][j], _heat_level(matrix[i][j], top)) for j in used]) for n, i in enumerate(used)],
        # The values of each shade: level L holds the v with ceil(5·v/top) = L, from (L-1)·top/5 (exclusive) to L·top/5.
        "legend": [
            (level, (level - 1) * top // MATRIX_LEVELS + 1, level * top // MATRIX_LEVELS)
            for level in range(1, MATRIX_LEVELS + 1)
        ]
        if top
        else [],
    }


@require_GET
def health(request):
    internal = roles.is_internal_reader(request.user)
    scope = SnapshotScope.INTERNAL if internal else SnapshotScope.PUBLIC
    snapshot = NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id").first()
    context = {"snapshot": snapshot, "internal": internal}
    if snapshot is not None:
        series = _monthly_series(scope, snapshot)
        charts = _charts(snapshot)
        trend = _trend(series) if len(series) > 1 else None
        agg = snapshot.aggregates or {}
        top_ids = [pk for pk, _v in agg.get("top_brokers", [])] + [pk for pk, _v in agg.get("top_hubs", [])]
        # The snapshot's lists as of its run; the names as of now (publication is read per request).
        visible = actor_permissions.visible_actors(request.user)
        names = visible.only("pk", "name", "slug").in_bulk(top_ids)
        isolates = (
            ActorMetrics.objects.filter(snapshot=snapshot, is_isolate=True, actor__in=visible)
            .select_related("actor")
            .only("actor__name", "actor__slug", "actor__kind")
            .order_by("actor__name", "actor_id")
        )
        context.update(
            readings=snapshot_readings(snapshot),
            charts=charts,
            trend=trend,
            chart_data=charts + (trend["charts"] if trend else []),
            matrix=_matrix(snapshot),
            brokers=[(names[pk], value) for pk, value in agg.get("top_brokers", []) if pk in names],
            hubs=[(names[pk], value) for pk, value in agg.get("top_hubs", []) if pk in names],
            isolates=list(isolates[:ISOLATES_SHOWN]),
            isolates_more=max(snapshot.isolate_count - ISOLATES_SHOWN, 0),
        )
    return render(request, "network/health.html", context)
