"""The annual report for the council and funders: what the network, its activities, its cooperation
and its initiatives came to in one year, optionally for one theme.

Every figure is counted from the records, in a fixed number of grouped queries (the bench network
of 100,000 actors and a million ties takes seconds, not minutes). A section without records for the
year says so instead of showing zeros as if they were facts. Each table names the indicator it
serves (indicators.py); the figures Knotenpunkt cannot know are listed for the office to fill in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from knotenpunkt.activities.models import ActivityKind, ActivityOccurrence
from knotenpunkt.actors.models import SDG, Actor, ActorKind, Level, Theme
from knotenpunkt.initiatives import coverage, involvement
from knotenpunkt.initiatives.models import PHASE_STARTS, CoverageKind, Initiative, Involvement, Phase, Stakeholder
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.interactions.models import Channel, Interaction
from knotenpunkt.network.models import Tie
from knotenpunkt.reports import charts
from knotenpunkt.reports.indicators import BY_KEY, INDICATORS
from knotenpunkt.synergies.models import Introduction
from knotenpunkt.synergies.sectors import SECTOR_OF_KIND, SECTORS


@dataclass
class Table:
    key: str  # the file name of its CSV, the sheet of the workbook
    title: str
    columns: list[str]
    rows: list[list]
    indicators: list[str] = field(default_factory=list)
    note: str = ""
    chart: str = ""  # SVG

    @property
    def empty(self) -> bool:
        return not self.rows

    def indicator_names(self) -> list[str]:
        return [str(BY_KEY[key].name) for key in self.indicators]


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    summary: list[str] = field(default_factory=list)  # sentences with the key figures
    empty_note: str = ""

    @property
    def empty(self) -> bool:
        return all(table.empty for table in self.tables)


@dataclass
class AnnualReport:
    year: int
    theme: Theme | None
    sections: list[Section]
    indicators: list[tuple]  # (indicator, where it is answered or "")

    @property
    def has_data(self) -> bool:
        return any(not section.empty for section in self.sections)

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables() if t.key == key), None)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)


def annual_report(year: int, theme: Theme | None = None, user=None) -> AnnualReport:
    """`user`: the reader, whose view of the contact log the contact counts follow (city staff do not
    count the coordination's own contacts); None counts every contact (a task, the bench)."""
    start, end = year_bounds(year)
    sections = [
        _network(year, start, end, theme),
        _activity(year, start, end, theme, user),
        _cooperation(year, start, end, theme),
        _initiatives(year, start, end, theme),
        _sdgs(year, start, end, theme),
    ]
    answered = defaultdict(list)
    for section in sections:
        for table in section.tables:
            for key in table.indicators:
                if not table.empty:
                    answered[key].append(table.title)
    indicators = [(indicator, answered.get(indicator.key, [])) for indicator in INDICATORS]
    return AnnualReport(year=year, theme=theme, sections=sections, indicators=indicators)


# --- the sections ------------------------------------------------------------------------------


def _actors(end, theme):
    qs = Actor.objects.filter(created_at__lt=end)
    return qs.filter(themes=theme) if theme else qs


def _network(year, start, end, theme) -> Section:
    actors = _actors(end, theme)
    kinds = dict(ActorKind.choices)
    levels = dict(Level.choices)
    by_kind = Counter(dict(actors.order_by().values_list("kind").annotate(n=Count("pk"))))
    by_level = Counter(dict(actors.order_by().values_list("level").annotate(n=Count("pk"))))
    new = actors.filter(created_at__gte=start).count()
    before = actors.filter(created_at__lt=start).count()
    new_before = actors.filter(created_at__gte=start.replace(year=year - 1), created_at__lt=start).count()

    kind_rows = [[str(kinds.get(k, k)), n] for k, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))]
    level_rows = [[str(levels.get(k, k)), by_level[k]] for k in levels if by_level.get(k)]
    total = sum(by_kind.values())
    growth_rows = (
        [
            [_("Akteure am Jahresanfang"), before],
            [_("neu im Jahr"), new],
            [_("neu im Vorjahr"), new_before],
            [_("Akteure am Jahresende"), total],
        ]
        if total
        else []
    )

    # Relationships that existed in the year: recorded before its end, not ended before its start.
    ties = Tie.objects.filter(created_at__lt=end).exclude(end_date__lt=start.date())
    if theme:
        # By id, not by a join: an actor with several themes must not count a tie twice.
        themed = Tie.objects.filter(Q(source__themes=theme) | Q(target__themes=theme)).values("pk")
        ties = ties.filter(pk__in=themed)
    pairs = ties.order_by().values_list("source__kind", "target__kind").annotate(n=Count("pk"))
    across: Counter = Counter()
    within = 0
    for source_kind, target_kind, n in pairs:
        a, b = SECTOR_OF_KIND.get(source_kind), SECTOR_OF_KIND.get(target_kind)
        if a == b:
            within += n
        else:
            across[tuple(sorted((str(SECTORS[a]), str(SECTORS[b]))))] += n
    sector_rows = [[f"{a} – {b}", n] for (a, b), n in sorted(across.items(), key=lambda kv: (-kv[1], kv[0]))]
    all_ties = within + sum(across.values())

    abroad = actors.filter(kind=ActorKind.PARTNER_MUNICIPALITY)
    abroad_ties = dict(
        ties.filter(Q(source__kind=ActorKind.PARTNER_MUNICIPALITY) | Q(target__kind=ActorKind.PARTNER_MUNICIPALITY))
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    by_country = Counter(str(c.name) for c in (a.country for a in abroad.only("country")) if c)
    abroad_rows = [[country, n] for country, n in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))]

    summary = []
    if total:
        summary.append(
            _("%(total)s Akteure am Jahresende, davon %(new)s neu im Jahr %(year)s.")
            % {"total": _n(total), "new": _n(new), "year": year}
        )
    if all_ties:
        summary.append(
            _("%(across)s von %(all)s Beziehungen verbinden verschiedene Bereiche (%(share)s).")
            % {"across": _n(sum(across.values())), "all": _n(all_ties), "share": _pct(sum(across.values()), all_ties)}
        )
    if abroad_rows:
        summary.append(
            _("%(count)s Partnerkommunen im Ausland mit %(ties)s Beziehungen.")
            % {"count": _n(sum(by_country.values())), "ties": _n(sum(abroad_ties.values()))}
        )
    return Section(
        "network",
        _("Netzwerk"),
        [
            Table(
                "akteure_nach_art",
                _("Akteure nach Art"),
                [_("Art"), _("Anzahl")],
                kind_rows,
                ["global_responsibility", "schools", "diaspora"],
                chart=charts.bar_chart("kinds", _("Akteure nach Art"), [(r[0], r[1]) for r in kind_rows]),
            ),
            Table("akteure_nach_ebene", _("Akteure nach Ebene"), [_("Ebene"), _("Anzahl")], level_rows),
            Table("wachstum", _("Wachstum des Netzwerks"), [_("Kennzahl"), _("Anzahl")], growth_rows),
            Table(
                "bereichsuebergreifende_beziehungen",
                _("Beziehungen zwischen Bereichen"),
                [_("Bereiche"), _("Beziehungen")],
                sector_rows,
                ["cooperation"],
                note=_("Beziehungen innerhalb eines Bereichs: %(n)s.") % {"n": _n(within)} if all_ties else "",
            ),
            Table(
                "partnerschaften_ausland",
                _("Partnerkommunen im Ausland nach Land"),
                [_("Land"), _("Partnerkommunen")],
                abroad_rows,
                ["partnerships"],
            ),
        ],
        summary,
        _("Für dieses Jahr sind keine Akteure verzeichnet."),
    )


def _occurrences(start, end, theme):
    qs = ActivityOccurrence.objects.filter(start__gte=start, start__lt=end, cancelled=False)
    return qs.filter(theme_ids__contains=f",{theme.pk},") if theme else qs


def _activity(year, start, end, theme, user) -> Section:
    occurrences = _occurrences(start, end, theme)
    kinds = dict(ActivityKind.choices)
    levels = dict(Level.choices)
    by_kind = dict(occurrences.order_by().values_list("kind").annotate(n=Count("pk")))
    by_level = dict(occurrences.order_by().values_list("level").annotate(n=Count("pk")))
    kind_rows = [[str(kinds[k]), by_kind[k]] for k in kinds if by_kind.get(k)]
    level_rows = [[str(levels[k]), by_level[k]] for k in levels if by_level.get(k)]
    month_counts = Counter(
        dict(
            occurrences.annotate(month=ExtractMonth("start", tzinfo=start.tzinfo))
            .order_by()
            .values_list("month")
            .annotate(n=Count("pk"))
        )
    )
    month_names = [
        _("Januar"),
        _("Februar"),
        _("März"),
        _("April"),
        _("Mai"),
        _("Juni"),
        _("Juli"),
        _("August"),
        _("September"),
        _("Oktober"),
        _("November"),
        _("Dezember"),
    ]
    month_rows = [[month_names[m - 1], month_counts[m]] for m in range(1, 13)] if month_counts else []

    contacts = Interaction.objects.all() if user is None else interaction_permissions.visible_interactions(user)
    contacts = contacts.filter(date__gte=start.date(), date__lt=end.date())
    if theme:
        contacts = contacts.filter(actors__themes=theme).distinct()
    channels = dict(Channel.choices)
    by_channel = dict(contacts.order_by().values_list("channel").annotate(n=Count("pk", distinct=True)))
    contact_rows = [[str(channels[c]), by_channel[c]] for c in channels if by_channel.get(c)]

    total = sum(by_kind.values())
    summary = []
    if total:
        summary.append(_("%(n)s Termine im Jahr %(year)s.") % {"n": _n(total), "year": year})
    if contact_rows:
        summary.append(
            _("%(n)s Kontakte der Koordinierungsstelle und der Verwaltung mit Akteuren.")
            % {"n": _n(sum(by_channel.values()))}
        )
    return Section(
        "activity",
        _("Aktivität"),
        [
            Table(
                "termine_nach_art",
                _("Termine nach Art"),
                [_("Art"), _("Termine")],
                kind_rows,
                ["education_events", "global_responsibility"],
                chart=charts.bar_chart("activity-kinds", _("Termine nach Art"), [(r[0], r[1]) for r in kind_rows]),
            ),
            Table("termine_nach_ebene", _("Erreichte Ebenen"), [_("Ebene"), _("Termine")], level_rows),
            Table(
                "termine_nach_monat",
                _("Termine nach Monat"),
                [_("Monat"), _("Termine")],
                month_rows,
                chart=charts.bar_chart("months", _("Termine nach Monat"), [(r[0], r[1]) for r in month_rows]),
            ),
            Table("kontakte", _("Kontakte nach Art"), [_("Art"), _("Kontakte")], contact_rows, ["cooperation"]),
        ],
        summary,
        _("Für dieses Jahr sind keine Termine und keine Kontakte verzeichnet."),
    )


def _cooperation(year, start, end, theme) -> Section:
    introductions = Introduction.objects.filter(created_at__gte=start, created_at__lt=end)
    if theme:
        introductions = introductions.filter(Q(actor_a__themes=theme) | Q(actor_b__themes=theme)).distinct()
    counts = introductions.aggregate(
        all=Count("pk"),
        introduced=Count("pk", filter=Q(introduced_at__isnull=False)),
        met=Count("pk", filter=Q(met_at__isnull=False)),
        cooperating=Count("pk", filter=Q(cooperating_at__isnull=False)),
        declined=Count("pk", filter=Q(declined_at__isnull=False)),
    )
    rows = []
    if counts["all"]:
        rows = [
            [_("vorgeschlagen"), counts["all"], "100 %"],
            [_("bekannt gemacht"), counts["introduced"], _pct(counts["introduced"], counts["all"])],
            [_("getroffen"), counts["met"], _pct(counts["met"], counts["all"])],
            [_("kooperieren"), counts["cooperating"], _pct(counts["cooperating"], counts["all"])],
            [_("abgelehnt"), counts["declined"], _pct(counts["declined"], counts["all"])],
        ]
    summary = []
    if counts["all"]:
        summary.append(
            _(
                "Von %(all)s Vermittlungen des Jahres führten %(met)s zu einem Treffen "
                "und %(coop)s zu einer Kooperation."
            )
            % {"all": _n(counts["all"]), "met": _n(counts["met"]), "coop": _n(counts["cooperating"])}
        )
    return Section(
        "cooperation",
        _("Zusammenarbeit"),
        [
            Table(
                "vermittlungen",
                _("Vermittlungen: vorgeschlagen → getroffen → kooperieren"),
                [_("Schritt"), _("Vermittlungen"), _("Anteil")],
                rows,
                ["cooperation"],
                chart=charts.bar_chart("introductions", _("Vermittlungen"), [(r[0], r[1]) for r in rows]),
            )
        ],
        summary,
        _("In diesem Jahr wurden keine Vermittlungen begonnen."),
    )


def _phase_at(initiative: Initiative, day: dt.date) -> str:
    """The phase the initiative was in on `day`, from its phase dates (else its phase now)."""
    reached = [phase for phase, name in PHASE_STARTS if getattr(initiative, name) and getattr(initiative, name) <= day]
    if reached:
        return reached[-1]
    return initiative.phase if not any(getattr(initiative, name) for _p, name in PHASE_STARTS) else Phase.IDEA


def _initiatives(year, start, end, theme) -> Section:
    last_day = end.date() - dt.timedelta(days=1)
    initiatives = Initiative.objects.filter(created_at__lt=end)
    if theme:
        initiatives = initiatives.filter(themes=theme)
    initiatives = list(initiatives)
    # Active in the year: not yet evaluated before it began.
    active = [i for i in initiatives if not (i.evaluation_from and i.evaluation_from < start.date())]
    ids = [i.pk for i in active]
    phases = Counter(_phase_at(i, last_day) for i in active)
    phase_rows = [[str(label), phases[value]] for value, label in Phase.choices if phases.get(value)]

    stakeholders: dict[int, list[Stakeholder]] = defaultdict(list)
    # Stakeholders on the list by the end of the year ("reached" is their involvement today).
    for stakeholder in Stakeholder.objects.filter(initiative_id__in=ids, created_at__lt=end).only(
        "initiative_id", "influence", "reached", "first_involved", "source", "created_at", "actor_id"
    ):
        stakeholders[stakeholder.initiative_id].append(stakeholder)
    reached = Counter(s.reached for rows in stakeholders.values() for s in rows)
    reached_rows = [[str(label), reached[value]] for value, label in Involvement.choices if reached.get(value)]

    decided = sorted(
        (i for i in active if i.decision_date and start.date() <= i.decision_date <= last_day),
        key=lambda i: (i.decision_date, i.title),
    )
    early_rows = []
    early_total = [0, 0]
    for initiative in decided:
        share = involvement.early_share(initiative, stakeholders[initiative.pk], today=last_day)
        leads = sorted(
            t for t in (involvement.lead_time_days(s, initiative) for s in stakeholders[initiative.pk]) if t is not None
        )
        early_total[0] += share.involved_early
        early_total[1] += share.high_influence
        early_rows.append(
            [
                initiative.title,
                initiative.decision_date.strftime("%d.%m.%Y"),
                f"{share.involved_early} / {share.high_influence}" if share.high_influence else "–",
                leads[len(leads) // 2] if leads else "–",
            ]
        )

    closed = Counter(
        s.source.removeprefix("gap:")
        for rows in stakeholders.values()
        for s in rows
        if s.source.startswith("gap:") and start <= s.created_at < end
    )
    open_now = Counter(gap.kind for gaps in coverage.gaps_for_all(ids).values() for gap in gaps) if ids else Counter()
    gap_labels = dict(CoverageKind.choices)
    gap_rows = [
        [str(gap_labels[kind]), closed.get(kind, 0), open_now.get(kind, 0)]
        for kind in gap_labels
        if closed.get(kind) or open_now.get(kind)
    ]

    summary = []
    if active:
        summary.append(
            _("%(n)s Vorhaben mit %(s)s Beteiligten.")
            % {"n": _n(len(active)), "s": _n(sum(len(rows) for rows in stakeholders.values()))}
        )
    if early_total[1]:
        summary.append(
            _(
                "Bei den %(n)s Vorhaben mit Beschluss im Jahr waren %(early)s von %(high)s Beteiligten mit großem "
                "Einfluss schon vor dem Ende der Planung einbezogen (%(share)s)."
            )
            % {
                "n": len(decided),
                "early": early_total[0],
                "high": early_total[1],
                "share": _pct(early_total[0], early_total[1]),
            }
        )
    if closed:
        summary.append(_("%(n)s Lücken aus „Wer fehlt?“ wurden im Jahr geschlossen.") % {"n": sum(closed.values())})
    return Section(
        "initiatives",
        _("Vorhaben"),
        [
            Table(
                "vorhaben_nach_phase",
                _("Vorhaben nach Phase am Jahresende"),
                [_("Phase"), _("Vorhaben")],
                phase_rows,
                ["participation"],
            ),
            Table(
                "beteiligte_nach_stand",
                _("Beteiligte nach erreichter Beteiligung"),
                [_("Beteiligung"), _("Beteiligte")],
                reached_rows,
                ["participation"],
                chart=charts.bar_chart(
                    "reached", _("Beteiligte nach Beteiligung"), [(r[0], r[1]) for r in reached_rows]
                ),
            ),
            Table(
                "fruehe_beteiligung",
                _("Frühe Beteiligung bei den Beschlüssen des Jahres"),
                [
                    _("Vorhaben"),
                    _("Beschluss"),
                    _("großer Einfluss: vor Ende der Planung einbezogen"),
                    _("Vorlauf (Median, Tage)"),
                ],
                early_rows,
                ["participation"],
            ),
            Table(
                "wer_fehlt",
                _("„Wer fehlt?“: Lücken geschlossen im Jahr und heute offen"),
                [_("Lücke"), _("geschlossen"), _("offen")],
                gap_rows,
                ["diaspora", "schools", "partnerships"],
                note=_("„Geschlossen“ zählt Beteiligte, die über einen Vorschlag zu dieser Lücke aufgenommen wurden."),
            ),
        ],
        summary,
        _("Für dieses Jahr sind keine Vorhaben verzeichnet."),
    )


def _sdgs(year, start, end, theme) -> Section:
    actor_counts = Counter(
        dict(
            Actor.sdgs.through.objects.filter(actor__in=_actors(end, theme))
            .order_by()
            .values_list("sdg_id")
            .annotate(n=Count("actor_id"))
        )
    )
    activity_counts = Counter(
        dict(
            _occurrences(start, end, theme)
            .filter(activity__sdgs__isnull=False)
            .order_by()
            .values_list("activity__sdgs")
            .annotate(n=Count("pk"))
        )
    )
    initiatives = Initiative.objects.filter(created_at__lt=end)
    if theme:
        initiatives = initiatives.filter(themes=theme)
    initiative_counts = Counter(
        dict(
            Initiative.sdgs.through.objects.filter(initiative__in=initiatives)
            .order_by()
            .values_list("sdg_id")
            .annotate(n=Count("initiative_id"))
        )
    )
    rows = [
        [
            f"{sdg.number} – {sdg.name}",
            actor_counts[sdg.number],
            activity_counts[sdg.number],
            initiative_counts[sdg.number],
        ]
        for sdg in SDG.objects.order_by("number")
        if actor_counts[sdg.number] or activity_counts[sdg.number] or initiative_counts[sdg.number]
    ]
    return Section(
        "sdgs",
        _("Nachhaltigkeitsziele"),
        [
            Table(
                "nachhaltigkeitsziele",
                _("Nachhaltigkeitsziele: Akteure, Termine und Vorhaben"),
                [_("Ziel"), _("Akteure"), _("Termine"), _("Vorhaben")],
                rows,
                ["global_responsibility"],
                chart=charts.bar_chart("sdgs", _("Termine je Nachhaltigkeitsziel"), [(r[0], r[2]) for r in rows]),
            )
        ],
        [_("%(n)s der 17 Ziele kommen vor.") % {"n": len(rows)}] if rows else [],
        _("Für dieses Jahr ist keinem Akteur, Termin oder Vorhaben ein Nachhaltigkeitsziel zugeordnet."),
    )


# --- formatting --------------------------------------------------------------------------------


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "–"
    return f"{100 * part / whole:.1f} %".replace(".", ",")
