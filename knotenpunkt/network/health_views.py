"""The network-health page (/netzwerk/gesundheit/): the newest analytics snapshot, read aloud and charted.

Internal readers see the internal snapshot; everybody else the public one (published actors and
public ties only), so the page never shows more than the public directory does.
"""

from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from knotenpunkt.accounts import permissions
from knotenpunkt.actors.models import Actor, ActorKind
from knotenpunkt.network.models import ActorMetrics, NetworkSnapshot, SnapshotScope
from knotenpunkt.network.readings import snapshot_readings

ISOLATES_SHOWN = 50
TREND_POINTS = 24


def _degree_labels(histogram):
    labels = []
    for i, (lo, _count) in enumerate(histogram):
        hi = histogram[i + 1][0] - 1 if i + 1 < len(histogram) else None
        labels.append(str(lo) if hi == lo else f"{lo}–{hi}" if hi is not None else f"≥ {lo}")
    return labels


def _charts(snapshot, trend):
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
    if len(trend) > 1:
        charts.append(
            {
                "id": "trend",
                "title": _("Entwicklung (Monatsstände)"),
                "type": "line",
                "labels": [formats.date_format(s.computed_at, "YEAR_MONTH_FORMAT") for s in trend],
                "datasets": [
                    {"label": _("Verbindungen"), "data": [s.edge_count for s in trend]},
                    {"label": _("Akteure"), "data": [s.node_count for s in trend]},
                    {"label": _("ohne Verbindung"), "data": [s.isolate_count for s in trend]},
                ],
                "head": (_("Monat"), _("Verbindungen"), _("Akteure"), _("ohne Verbindung")),
            }
        )
    for chart in charts:
        chart["rows"] = [[label, *(d["data"][i] for d in chart["datasets"])] for i, label in enumerate(chart["labels"])]
    return charts


def _matrix(snapshot):
    agg = snapshot.aggregates or {}
    kinds, matrix = agg.get("kinds", []), agg.get("kind_matrix", [])
    used = [i for i, row in enumerate(matrix) if any(row)]
    labels = dict(ActorKind.choices)
    return {
        "head": [labels.get(kinds[i], kinds[i]) for i in used],
        "rows": [(labels.get(kinds[i], kinds[i]), [matrix[i][j] for j in used]) for i in used],
    }


@require_GET
def health(request):
    internal = permissions.is_internal_reader(request.user)
    scope = SnapshotScope.INTERNAL if internal else SnapshotScope.PUBLIC
    snapshot = NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id").first()
    context = {"snapshot": snapshot, "internal": internal}
    if snapshot is not None:
        monthly = list(
            NetworkSnapshot.objects.filter(scope=scope, monthly=True)
            .exclude(pk=snapshot.pk)
            .order_by("-computed_at")
            .defer("aggregates")[: TREND_POINTS - 1]
        )
        trend = [*reversed(monthly), snapshot]
        agg = snapshot.aggregates or {}
        top_ids = [pk for pk, _v in agg.get("top_brokers", [])] + [pk for pk, _v in agg.get("top_hubs", [])]
        names = Actor.objects.only("pk", "name", "slug").in_bulk(top_ids)
        isolates = (
            ActorMetrics.objects.filter(snapshot=snapshot, is_isolate=True)
            .select_related("actor")
            .only("actor__name", "actor__slug", "actor__kind")
            .order_by("actor__name", "actor_id")
        )
        context.update(
            readings=snapshot_readings(snapshot),
            charts=_charts(snapshot, trend),
            matrix=_matrix(snapshot),
            brokers=[(names[pk], value) for pk, value in agg.get("top_brokers", []) if pk in names],
            hubs=[(names[pk], value) for pk, value in agg.get("top_hubs", []) if pk in names],
            isolates=list(isolates[:ISOLATES_SHOWN]),
            isolates_more=max(snapshot.isolate_count - ISOLATES_SHOWN, 0),
        )
    return render(request, "network/health.html", context)
