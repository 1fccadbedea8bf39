"""Initiatives (Vorhaben) of the Ludwigsburg demo (see ../shared/DOMAIN.md), written by `load_demo`.

Grounded in the public facts: the climate partnership with Kongoussi (Burkina Faso), the
Fairtrade-Town title, school partnerships and the Africa Day. The details (budgets, dates, who is
involved how far) are invented. Dates are relative to the day of loading, so the phases are current.
The stakeholders show every level of involvement; the Africa Day series has no city department yet
and the school programme no diaspora organisation ("Wer fehlt?" finds them).

Each entry: title, fields, stakeholders as (actor slug, influence, interest, planned, reached,
days since first involved or None, how).
"""

import datetime as dt

from django.utils import timezone

from knotenpunkt.activities.models import MET_ROLES, Activity
from knotenpunkt.initiatives.models import PHASE_STARTS, CoverageKind, CoverageRule, Initiative, Involvement
from knotenpunkt.initiatives.services import initiative_create, initiative_link, stakeholder_add
from knotenpunkt.interactions.models import Interaction

# The timeline of each demo initiative: this many past activities and contacts of its involved
# stakeholders are linked to it.
LINKED_ACTIVITIES = 2
LINKED_CONTACTS = 2

INITIATIVES = [
    (
        "Klimapartnerschaft Ludwigsburg–Kongoussi: dritte Phase",
        {
            "summary": "Die kommunale Klimapartnerschaft mit Kongoussi (Burkina Faso) geht in die dritte Phase: "
            "gemeinsames Handlungsprogramm fortschreiben, Solarpumpen für zwei Brunnen, Fachaustausch der "
            "Verwaltungen.",
            "goals": "Handlungsprogramm 2027–2030 beschließen; zwei solarbetriebene Brunnen; "
            "ein Fachaustausch je Jahr.",
            "lead": "referat-nachhaltige-stadtentwicklung",
            "themes": ["klimaschutz", "staedtepartnerschaft", "erneuerbare-energien", "wasser"],
            "sdgs": [6, 7, 13, 17],
            "countries": ["BF"],
            "budget": "180000.00",
            "funding": "SKEW-Programm Kommunale Klimapartnerschaften, Eigenmittel der Stadt",
            "phase": "planning",
            "idea_from": -240,
            "planning_from": -90,
            "decision_from": 60,
            "decision_date": 110,
            "council_paper": "VORL 2027/014",
            "public": True,
            "participation": "Zwei öffentliche Werkstätten im Kulturzentrum; Stellungnahmen der Vereine bis zum "
            "Beginn der Beschlussphase.",
        },
        [
            ("kongoussi", 5, 5, "codecide", "collaborate", 200, "Videokonferenz der Partnerschaftskomitees"),
            ("foerderkreis-burkina-faso", 4, 5, "collaborate", "consult", 120, "Treffen im Rathaus"),
            ("energiegenossenschaft-sonnenstrom", 3, 4, "consult", "inform", 40, "Rundmail"),
            ("skew", 5, 3, "consult", "consult", 150, "Beratungsgespräch zur Förderung"),
            ("wasser-fuer-den-sahel", 3, 4, "collaborate", "none", None, ""),
            ("afrikanischer-kulturverein-ludwigsburg", 4, 3, "consult", "none", None, ""),
        ],
    ),
    (
        "Fairtrade-Town: Titel erneuern",
        {
            "summary": "Alle zwei Jahre weist Ludwigsburg nach, dass es die fünf Kriterien der Fairtrade-Towns "
            "erfüllt. Die Steuerungsgruppe sammelt die Nachweise und plant die Faire Woche.",
            "lead": "koordinierungsstelle-kommunale-entwicklungspolitik",
            "themes": ["fairer-handel", "beschaffung"],
            "sdgs": [12],
            "funding": "Eigenmittel",
            "phase": "implementation",
            "idea_from": -400,
            "planning_from": -300,
            "decision_from": -200,
            "implementation_from": -150,
            "decision_date": -160,
            "public": True,
            "participation": "Offene Sitzungen der Steuerungsgruppe.",
        },
        [
            (
                "fairtrade-steuerungsgruppe-ludwigsburg",
                5,
                5,
                "codecide",
                "codecide",
                390,
                "Sitzung der Steuerungsgruppe",
            ),
            ("weltladen-kleeblatt", 4, 5, "collaborate", "collaborate", 380, "Sitzung der Steuerungsgruppe"),
            ("zentrale-beschaffungsstelle", 4, 2, "consult", "consult", 250, "Gespräch zur fairen Beschaffung"),
            ("kaffeeroesterei-bohnenglueck", 2, 4, "inform", "inform", 100, "Rundmail"),
        ],
    ),
    (
        "Schulpartnerschaften mit Kongoussi und Ambato",
        {
            "summary": "Drei Ludwigsburger Schulen bauen Partnerschaften mit Schulen in Kongoussi und Ambato auf: "
            "Briefwechsel, gemeinsame Projekttage, ein Besuch je Schuljahr.",
            "lead": "koordinierungsstelle-kommunale-entwicklungspolitik",
            "themes": ["bne", "globales-lernen", "staedtepartnerschaft"],
            "sdgs": [4, 17],
            "countries": ["BF", "EC"],
            "funding": "Engagement Global (ENSA), Förderverein der Schulen",
            "phase": "idea",
            "idea_from": -30,
            "decision_date": 200,
            "public": True,
            "participation": "Die Schulkonferenzen entscheiden über die Teilnahme.",
        },
        [
            ("lindenbluete-gymnasium", 4, 5, "codecide", "consult", 20, "Besuch in der Schulkonferenz"),
            ("realschule-am-kastanienhain", 3, 4, "collaborate", "none", None, ""),
            ("engagement-global", 4, 3, "consult", "inform", 10, "Anfrage zum ENSA-Programm"),
            ("freundeskreis-ambato", 3, 4, "collaborate", "none", None, ""),
        ],
    ),
    (
        "Veranstaltungsreihe zum Afrikatag",
        {
            "summary": "Rund um den Afrikatag eine Reihe mit Lesungen, Musik und einem Fachabend zu Migration "
            "und Entwicklung.",
            "themes": ["afrika", "migration-und-entwicklung"],
            "sdgs": [10, 17],
            "phase": "planning",
            "idea_from": -60,
            "planning_from": -20,
            "decision_date": 45,
            "public": False,
        },
        [
            ("afrikanischer-kulturverein-ludwigsburg", 4, 5, "codecide", "collaborate", 50, "Planungstreffen"),
            ("eine-welt-forum-ludwigsburg", 3, 4, "collaborate", "consult", 30, "Forumssitzung"),
            ("jugendnetz-eine-welt-ludwigsburg", 2, 4, "consult", "none", None, ""),
        ],
    ),
]

# Given in days from the day of loading.
DATE_FIELDS = (*(field for _phase, field in PHASE_STARTS), "decision_date")


def create_initiatives(*, coordinator, actors, themes) -> int:
    """Create the demo initiatives that are missing (matched by title); returns how many."""
    education = CoverageRule.objects.filter(kind=CoverageKind.SCHOOL).first()
    if education is not None and not education.themes.exists():
        education.themes.add(themes["bne"], themes["globales-lernen"])
    today = timezone.localdate()
    existing = set(Initiative.objects.values_list("title", flat=True))
    created = 0
    for title, fields, stakeholders in INITIATIVES:
        if title in existing:
            continue
        data = {"title": title, **fields}
        for name in DATE_FIELDS:
            if name in data:
                data[name] = today + dt.timedelta(days=data[name])
        if "lead" in data:
            data["lead"] = actors[data["lead"]]
        data["themes"] = [themes[slug] for slug in data.get("themes", [])]
        # The demo's past decisions (Fairtrade-Town) were entered when they lay ahead.
        initiative = initiative_create(user=coordinator, data=data, today=today - dt.timedelta(days=500))
        for slug, influence, interest, planned, reached, days_ago, how in stakeholders:
            stakeholder_add(
                user=coordinator,
                initiative=initiative,
                actor=actors[slug],
                data={
                    "influence": influence,
                    "interest": interest,
                    "planned": planned,
                    "reached": reached,
                    "first_involved": None if days_ago is None else today - dt.timedelta(days=days_ago),
                    "first_involved_how": how,
                },
            )
        _link_timeline(coordinator, initiative, today)
        created += 1
    return created


def _link_timeline(coordinator, initiative: Initiative, today: dt.date) -> None:
    """Link the latest past activities and contacts of the stakeholders already involved, so the
    timeline has entries; those not yet involved stay so (the demo's warnings)."""
    involved = list(initiative.stakeholders.exclude(reached=Involvement.NONE).values_list("actor_id", flat=True))
    others = set(initiative.stakeholders.filter(reached=Involvement.NONE).values_list("actor_id", flat=True))
    activities = (
        Activity.objects.filter(
            start__date__lt=today,
            participations__actor_id__in=involved,
            participations__role__in=MET_ROLES,
        )
        .exclude(participations__actor_id__in=others)
        .distinct()
        .order_by("-start")[:LINKED_ACTIVITIES]
    )
    for activity in activities:
        initiative_link(user=coordinator, initiative=initiative, activity=activity, today=today)
    contacts = (
        Interaction.objects.filter(date__lt=today, actors__in=involved)
        .exclude(actors__in=others)
        .distinct()
        .order_by("-date")[:LINKED_CONTACTS]
    )
    for contact in contacts:
        initiative_link(user=coordinator, initiative=initiative, interaction=contact, today=today)
