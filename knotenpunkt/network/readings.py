"""Plain-language readings of a network snapshot ("12 Vereine haben keinen Kontakt zur Verwaltung").

`snapshot_readings(snapshot)` gives one sentence per figure; `trend_readings(series)` says what
changed over the monthly snapshots, `trend_deltas(series)` gives month-over-month and year-over-year
changes; `position_phrases(metrics, snapshot)`
describes one actor's place in the network, most telling first ("Brücke zwischen 3 Gruppen").
All German, marked for translation; numbers formatted for the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from knotenpunkt.actors.models import ActorKind
from knotenpunkt.network.models import ActorMetrics, NetworkSnapshot, SnapshotScope

# Actor kinds as counted nouns: "1 Verein" / "12 Vereine".
KIND_NOUNS = {
    ActorKind.ASSOCIATION: lambda n: ngettext("%(count)s Verein", "%(count)s Vereine", n),
    ActorKind.INITIATIVE: lambda n: ngettext("%(count)s Initiative", "%(count)s Initiativen", n),
    ActorKind.FAIR_TRADE_SHOP: lambda n: ngettext("%(count)s Weltladen", "%(count)s Weltläden", n),
    ActorKind.DIASPORA: lambda n: ngettext(
        "%(count)s Migranten-/Diasporaorganisation", "%(count)s Migranten-/Diasporaorganisationen", n
    ),
    ActorKind.SCHOOL: lambda n: ngettext("%(count)s Schule", "%(count)s Schulen", n),
    ActorKind.UNIVERSITY: lambda n: ngettext("%(count)s Hochschule", "%(count)s Hochschulen", n),
    ActorKind.RELIGIOUS: lambda n: ngettext("%(count)s Religionsgemeinschaft", "%(count)s Religionsgemeinschaften", n),
    ActorKind.FOUNDATION: lambda n: ngettext("%(count)s Stiftung", "%(count)s Stiftungen", n),
    ActorKind.COMPANY: lambda n: ngettext("%(count)s Unternehmen", "%(count)s Unternehmen", n),
    ActorKind.NETWORK: lambda n: ngettext("%(count)s Netzwerk", "%(count)s Netzwerke", n),
    ActorKind.CITY_DEPARTMENT: lambda n: ngettext(
        "%(count)s städtische Dienststelle", "%(count)s städtische Dienststellen", n
    ),
    ActorKind.STATE_BODY: lambda n: ngettext("%(count)s Landesstelle", "%(count)s Landesstellen", n),
    ActorKind.FEDERAL_BODY: lambda n: ngettext("%(count)s Bundesstelle", "%(count)s Bundesstellen", n),
    ActorKind.PARTNER_MUNICIPALITY: lambda n: ngettext("%(count)s Partnerkommune", "%(count)s Partnerkommunen", n),
    ActorKind.OTHER: lambda n: ngettext("%(count)s sonstiger Akteur", "%(count)s sonstige Akteure", n),
}


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _percent(share: float, digits: int = 0) -> str:
    return number_format(round(share * 100, digits), decimal_pos=digits)


def kind_count(kind: str, count: int) -> str:
    """ "12 Vereine", "1 Schule"."""
    noun = KIND_NOUNS.get(kind, KIND_NOUNS[ActorKind.OTHER])
    return noun(count) % {"count": _n(count)}


@dataclass(frozen=True)
class Reading:
    key: str  # the figure it explains (a NetworkSnapshot field or an aggregates key)
    text: str


def snapshot_readings(snapshot) -> list[Reading]:
    """One plain sentence per figure of `snapshot` (a NetworkSnapshot or anything with its fields)."""
    s = snapshot
    agg = s.aggregates or {}
    out: list[Reading] = []
    n, m = s.node_count, s.edge_count
    out.append(
        Reading(
            "size",
            ngettext("Das Netzwerk hat %(actors)s Akteur", "Das Netzwerk hat %(actors)s Akteure", n) % {"actors": _n(n)}
            + " "
            + ngettext("und %(edges)s Verbindung.", "und %(edges)s Verbindungen.", m) % {"edges": _n(m)},
        )
    )
    if n > 1:
        out.append(
            Reading(
                "density",
                _("Von allen möglichen Verbindungen zwischen zwei Akteuren bestehen %(share)s %%.")
                % {"share": _percent(s.density, 2 if s.density < 0.1 else 0)},
            )
        )
    if s.component_count <= 1:
        out.append(Reading("component_count", _("Alle Akteure sind über Umwege miteinander verbunden.")))
    else:
        out.append(
            Reading(
                "component_count",
                ngettext(
                    "Das Netzwerk zerfällt in %(parts)s getrennten Teil; der größte umfasst %(share)s %% der Akteure.",
                    "Das Netzwerk zerfällt in %(parts)s getrennte Teile; der größte umfasst %(share)s %% der Akteure.",
                    s.component_count,
                )
                % {"parts": _n(s.component_count), "share": _percent(s.largest_component_size / n if n else 0)},
            )
        )
    if s.isolate_count:
        out.append(
            Reading(
                "isolate_count",
                ngettext(
                    "%(count)s Akteur hat noch keine einzige Verbindung.",
                    "%(count)s Akteure haben noch keine einzige Verbindung.",
                    s.isolate_count,
                )
                % {"count": _n(s.isolate_count)},
            )
        )
    else:
        out.append(Reading("isolate_count", _("Kein Akteur ist ohne Verbindung.")))
    if s.weakly_tied_count:
        out.append(
            Reading(
                "weakly_tied_count",
                ngettext(
                    "%(count)s Akteur hängt an nur einer Verbindung.",
                    "%(count)s Akteure hängen an nur einer Verbindung.",
                    s.weakly_tied_count,
                )
                % {"count": _n(s.weakly_tied_count)},
            )
        )
    if s.articulation_point_count:
        out.append(
            Reading(
                "articulation_point_count",
                ngettext(
                    "%(count)s Akteur hält Teile des Netzwerks zusammen: fiele er weg, zerfiele es.",
                    "%(count)s Akteure halten Teile des Netzwerks zusammen: fiele einer weg, zerfiele es.",
                    s.articulation_point_count,
                )
                % {"count": _n(s.articulation_point_count)},
            )
        )
    if s.community_count:
        out.append(
            Reading(
                "community_count",
                ngettext(
                    "Das Netzwerk bildet %(count)s Gruppe.",
                    "Das Netzwerk bildet %(count)s Gruppen, die untereinander enger verbunden sind als mit dem Rest.",
                    s.community_count,
                )
                % {"count": _n(s.community_count)},
            )
        )
    out.extend(_without_administration(s, agg))
    cross = _strongest_cross_sector(agg)
    if cross:
        out.append(cross)
    if n:
        out.append(
            Reading(
                "mean_reach",
                _("Im Mittel erreicht ein Akteur über höchstens einen Zwischenschritt %(count)s andere.")
                % {"count": _n(round(s.mean_reach))},
            )
        )
    if s.betweenness_sampled:
        out.append(
            Reading(
                "betweenness_error",
                _(
                    "Die Vermittlerwerte sind aus %(samples)s zufällig gewählten Ausgangspunkten geschätzt; "
                    "bei den wichtigsten Vermittlern liegen sie etwa ±%(error)s %% neben dem genauen Wert."
                )
                % {"samples": _n(s.betweenness_samples), "error": _percent(s.betweenness_error, 1)},
            )
        )
    return out


def _without_administration(s, agg: dict) -> list[Reading]:
    if not s.without_administration_count:
        return [Reading("without_administration_count", _("Jeder Akteur hat Kontakt zur Verwaltung."))]
    readings = [
        Reading(
            "without_administration_count",
            ngettext(
                "%(count)s Akteur hat keinen Kontakt zur Verwaltung.",
                "%(count)s Akteure haben keinen Kontakt zur Verwaltung.",
                s.without_administration_count,
            )
            % {"count": _n(s.without_administration_count)},
        )
    ]
    kinds, counts = agg.get("kinds", []), agg.get("without_administration_by_kind", [])
    for kind, count in sorted(zip(kinds, counts, strict=False), key=lambda kc: -kc[1])[:3]:
        if count:
            readings.append(
                Reading(
                    f"without_administration_by_kind.{kind}",
                    ngettext(
                        "%(actors)s hat keinen Kontakt zur Verwaltung.",
                        "%(actors)s haben keinen Kontakt zur Verwaltung.",
                        count,
                    )
                    % {"actors": kind_count(kind, count)},
                )
            )
    return readings


def _strongest_cross_sector(agg: dict) -> Reading | None:
    kinds, matrix = agg.get("kinds", []), agg.get("kind_matrix", [])
    best = None
    for i, row in enumerate(matrix):
        for j in range(i + 1, len(row)):
            if row[j] and (best is None or row[j] > best[0]):
                best = (row[j], i, j)
    if best is None:
        return None
    count, i, j = best
    labels = dict(ActorKind.choices)
    return Reading(
        "kind_matrix",
        ngettext(
            "Über Sektorgrenzen hinweg sind %(a)s und %(b)s am stärksten verbunden (%(count)s Verbindung).",
            "Über Sektorgrenzen hinweg sind %(a)s und %(b)s am stärksten verbunden (%(count)s Verbindungen).",
            count,
        )
        % {"a": labels.get(kinds[i], kinds[i]), "b": labels.get(kinds[j], kinds[j]), "count": _n(count)},
    )


# --- change over time (monthly snapshots) ----------------------------------------------------------

# (snapshot field, column/chart title, "count" | "share" | "mean"), in the order the page shows them.
TREND_FIGURES = (
    ("node_count", gettext_lazy("Akteure"), "count"),
    ("edge_count", gettext_lazy("Verbindungen"), "count"),
    ("density", gettext_lazy("Dichte"), "share"),
    ("isolate_count", gettext_lazy("ohne Verbindung"), "count"),
    ("without_administration_count", gettext_lazy("ohne Kontakt zur Verwaltung"), "count"),
    ("community_count", gettext_lazy("Gruppen"), "count"),
    ("mean_reach", gettext_lazy("mittlere Reichweite"), "mean"),
)
MINUS = "\u2212"


def month_of(snapshot) -> tuple[int, int]:
    local = timezone.localtime(snapshot.computed_at)
    return local.year, local.month


def month_label(snapshot) -> str:
    """ "Oktober 2025" (the month a monthly snapshot stands for)."""
    return date_format(timezone.localtime(snapshot.computed_at), "YEAR_MONTH_FORMAT")


def figure_value(snapshot, key: str):
    """The figure as the page shows it: counts as they are, density in per cent, reach to one decimal."""
    value = getattr(snapshot, key)
    kind = next(k for f, _label, k in TREND_FIGURES if f == key)
    if kind == "share":
        return round(value * 100, 3)
    if kind == "mean":
        return round(value, 1)
    return value


def format_figure(key: str, value) -> str:
    kind = next(k for f, _label, k in TREND_FIGURES if f == key)
    if kind == "share":
        return number_format(value, decimal_pos=2) + "\xa0%"
    if kind == "mean":
        return number_format(value, decimal_pos=1)
    return _n(value)


def format_delta(key: str, delta) -> str:
    """ "+14", "−3", "±0"; density in percentage points ("+0,12 Prozentpunkte")."""
    kind = next(k for f, _label, k in TREND_FIGURES if f == key)
    digits = {"share": 2, "mean": 1}.get(kind, 0)
    delta = round(delta, digits)
    if not delta:
        text = "±" + number_format(0, decimal_pos=digits or None)
    else:
        sign = "+" if delta > 0 else MINUS
        text = sign + (number_format(abs(delta), decimal_pos=digits) if digits else _n(abs(delta)))
    return text + " " + _("Prozentpunkte") if kind == "share" else text


def _shift(month: tuple[int, int], months: int) -> tuple[int, int]:
    index = month[0] * 12 + month[1] - 1 - months
    return index // 12, index % 12 + 1


def trend_deltas(series) -> list[dict]:
    """Per figure: the newest value, and the change against the month before and a year before.

    `series` are snapshots oldest first, one per month, the newest last. A comparison is None when
    the series has no snapshot for that month.
    """
    if not series:
        return []
    latest = series[-1]
    by_month = {month_of(s): s for s in series[:-1]}
    previous = by_month.get(_shift(month_of(latest), 1))
    year_ago = by_month.get(_shift(month_of(latest), 12))
    rows = []
    for key, label, _kind in TREND_FIGURES:
        now = figure_value(latest, key)
        rows.append(
            {
                "key": key,
                "label": str(label),
                "value": format_figure(key, now),
                "month": format_delta(key, now - figure_value(previous, key)) if previous else None,
                "year": format_delta(key, now - figure_value(year_ago, key)) if year_ago else None,
            }
        )
    return rows


def trend_readings(series) -> list[Reading]:
    """What changed between the first and the newest snapshot of `series` (oldest first), in words.

    "Seit Oktober 2025 sind 14 Verbindungen dazugekommen; 3 Vereine weniger ohne Kontakt zur
    Verwaltung; das Netz ist dichter geworden." Empty for fewer than two snapshots.
    """
    if len(series) < 2:
        return []
    old, new = series[0], series[-1]
    month = month_label(old)
    clauses = [_edge_change(new.edge_count - old.edge_count)]
    actors = new.node_count - old.node_count
    if actors:
        clauses.append(
            (
                ngettext("%(count)s Akteur mehr", "%(count)s Akteure mehr", actors)
                if actors > 0
                else ngettext("%(count)s Akteur weniger", "%(count)s Akteure weniger", -actors)
            )
            % {"count": _n(abs(actors))}
        )
    without = _without_administration_change(old, new)
    if without:
        clauses.append(without)
    isolates = new.isolate_count - old.isolate_count
    if isolates:
        clauses.append(
            (
                ngettext("%(count)s Akteur mehr ohne Verbindung", "%(count)s Akteure mehr ohne Verbindung", isolates)
                if isolates > 0
                else ngettext(
                    "%(count)s Akteur weniger ohne Verbindung", "%(count)s Akteure weniger ohne Verbindung", -isolates
                )
            )
            % {"count": _n(abs(isolates))}
        )
    if round(new.density, 6) > round(old.density, 6):
        clauses.append(_("das Netz ist dichter geworden"))
    elif round(new.density, 6) < round(old.density, 6):
        clauses.append(_("das Netz ist lockerer geworden"))
    else:
        clauses.append(_("die Dichte ist gleich geblieben"))
    out = [Reading("trend", _("Seit %(month)s %(changes)s.") % {"month": month, "changes": "; ".join(clauses)})]
    if new.community_count != old.community_count:
        out.append(
            Reading(
                "trend.community_count",
                (
                    _("Die Zahl der Gruppen ist seit %(month)s von %(old)s auf %(new)s gestiegen.")
                    if new.community_count > old.community_count
                    else _("Die Zahl der Gruppen ist seit %(month)s von %(old)s auf %(new)s gesunken.")
                )
                % {"month": month, "old": _n(old.community_count), "new": _n(new.community_count)},
            )
        )
    old_reach, new_reach = round(old.mean_reach), round(new.mean_reach)
    if old_reach != new_reach:
        out.append(
            Reading(
                "trend.mean_reach",
                _(
                    "Im Mittel erreicht ein Akteur über höchstens einen Zwischenschritt jetzt %(new)s andere, "
                    "im %(month)s waren es %(old)s."
                )
                % {"month": month, "old": _n(old_reach), "new": _n(new_reach)},
            )
        )
    return out


def _edge_change(delta: int) -> str:
    if delta > 0:
        text = ngettext("ist %(count)s Verbindung dazugekommen", "sind %(count)s Verbindungen dazugekommen", delta)
    elif delta < 0:
        text = ngettext("ist %(count)s Verbindung weggefallen", "sind %(count)s Verbindungen weggefallen", -delta)
    else:
        return _("ist die Zahl der Verbindungen gleich geblieben")
    return text % {"count": _n(abs(delta))}


def _without_administration_change(old, new) -> str | None:
    """ "3 Vereine weniger ohne Kontakt zur Verwaltung" when one kind made the change, else all actors."""
    total = new.without_administration_count - old.without_administration_count
    if not total:
        return None
    old_agg, new_agg = old.aggregates or {}, new.aggregates or {}
    old_by = dict(zip(old_agg.get("kinds", []), old_agg.get("without_administration_by_kind", []), strict=False))
    new_by = dict(zip(new_agg.get("kinds", []), new_agg.get("without_administration_by_kind", []), strict=False))
    changed = {k: new_by.get(k, 0) - old_by.get(k, 0) for k in {*old_by, *new_by}}
    changed = {k: d for k, d in changed.items() if d}
    if len(changed) == 1 and next(iter(changed.values())) == total:
        actors = kind_count(next(iter(changed)), abs(total))
    else:
        actors = ngettext("%(count)s Akteur", "%(count)s Akteure", abs(total)) % {"count": _n(abs(total))}
    if total > 0:
        return _("%(actors)s mehr ohne Kontakt zur Verwaltung") % {"actors": actors}
    return _("%(actors)s weniger ohne Kontakt zur Verwaltung") % {"actors": actors}


def position_phrases(metrics, snapshot) -> list[str]:
    """What an actor's ActorMetrics row says about its place in the network, most telling first."""
    m = metrics
    if m.is_isolate:
        return [_("Noch ohne Verbindung im Netzwerk")]
    phrases = []
    top = max(10, snapshot.node_count // 100)  # the first 10, or the top per cent
    if m.groups_bridged >= 2 and (m.is_articulation_point or m.betweenness_rank <= top):
        phrases.append(
            ngettext("Brücke zwischen %(count)s Gruppe", "Brücke zwischen %(count)s Gruppen", m.groups_bridged)
            % {"count": _n(m.groups_bridged)}
        )
    if m.betweenness > 0 and m.betweenness_rank <= top:
        phrases.append(
            _("Einer der wichtigsten Vermittler (Platz %(rank)s von %(total)s)")
            % {"rank": _n(m.betweenness_rank), "total": _n(snapshot.node_count)}
        )
    elif m.is_articulation_point:
        phrases.append(_("Schlüsselstelle: verbindet Akteure, die sonst getrennt wären"))
    if m.degree_rank <= top:
        phrases.append(
            ngettext(
                "Knotenpunkt: mit %(count)s Akteur verbunden", "Knotenpunkt: mit %(count)s Akteuren verbunden", m.degree
            )
            % {"count": _n(m.degree)}
        )
    if m.is_weakly_tied:
        phrases.append(_("Nur über eine Verbindung angebunden"))
    if not phrases:
        phrases.append(
            ngettext("Verbunden mit %(count)s Akteur", "Verbunden mit %(count)s Akteuren", m.degree)
            % {"count": _n(m.degree)}
        )
    if not m.has_administration_tie:
        phrases.append(_("ohne Kontakt zur Verwaltung"))
    return phrases


def position_phrase(metrics, snapshot) -> str:
    return position_phrases(metrics, snapshot)[0]


def actor_position(actor, *, internal: bool) -> list[str]:
    """Position phrases for a profile from the newest snapshot the reader may see (empty if none).

    Visitors (internal=False) read the public snapshot, which has rows for published actors only.
    """
    scope = SnapshotScope.INTERNAL if internal else SnapshotScope.PUBLIC
    row = (
        ActorMetrics.objects.filter(actor=actor, snapshot__scope=scope)
        .select_related("snapshot")
        .order_by("-snapshot__computed_at", "-snapshot_id")
        .first()
    )
    if row is None:
        return []
    latest = NetworkSnapshot.objects.filter(scope=scope).order_by("-computed_at", "-id").values_list("pk", flat=True)
    if row.snapshot_id != latest.first():
        return []  # the actor is not in the newest snapshot (e.g. unpublished since)
    return position_phrases(row, row.snapshot)
