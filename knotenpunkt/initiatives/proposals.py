"""Stakeholder proposals: which actors an initiative should involve, each with its reasons.

Read from the network, not typed in: actors working on the initiative's themes, SDGs and countries;
the city departments working on its themes; the partner municipalities in its countries; and the
partners the suggestion engine proposes for its lead. Actors already on the list, and the lead, are
left out. Every reason is a plain German sentence, like the partner suggestions'.

Weights (a proposal's score is their sum): a partner municipality in one of the countries counts
most, then a shared theme, a country, a suggested partner of the lead, and a shared SDG.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from knotenpunkt.actors.models import Actor, ActorCountry, ActorKind
from knotenpunkt.initiatives.models import Initiative
from knotenpunkt.synergies.models import Suggestion

LIMIT = 20
# Themes, SDGs and countries each name at most this many matching actors before scoring: an
# initiative on "Fairer Handel" should not read every Weltladen of a 100,000-actor network.
PER_SOURCE = 400
WEIGHTS = {"municipality": 10, "theme": 3, "country": 2, "lead": 2, "department": 1, "sdg": 1}
LEAD_PARTNERS = 10


@dataclass
class Proposal:
    actor: Actor
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    # The strongest reason's code, stored as the stakeholder's `source` when the proposal is accepted.
    source: str = ""


def proposals_for(initiative: Initiative, limit: int = LIMIT) -> list[Proposal]:
    themes = {t.pk: str(t) for t in initiative.themes.all()}
    sdgs = sorted(initiative.sdgs.values_list("number", flat=True))
    countries = {c.country.code: str(c.country.name) for c in initiative.countries.all()}
    taken = set(initiative.stakeholders.values_list("actor_id", flat=True))
    if initiative.lead_id:
        taken.add(initiative.lead_id)

    found: dict[int, dict] = defaultdict(lambda: {"score": 0.0, "why": defaultdict(list)})

    def note(actor_id: int, code: str, weight: float, item: str = "") -> None:
        if actor_id in taken:
            return
        entry = found[actor_id]
        entry["score"] += weight
        entry["why"][code].append(item)

    if themes:
        rows = (
            Actor.themes.through.objects.filter(theme_id__in=themes)
            .values("actor_id")
            .annotate(n=Count("theme_id"))
            .order_by("-n", "actor_id")[:PER_SOURCE]
        )
        matched = [row["actor_id"] for row in rows]
        for actor_id, theme_id in Actor.themes.through.objects.filter(
            actor_id__in=matched, theme_id__in=themes
        ).values_list("actor_id", "theme_id"):
            note(actor_id, "theme", WEIGHTS["theme"], themes[theme_id])
    if sdgs:
        rows = (
            Actor.sdgs.through.objects.filter(sdg_id__in=sdgs)
            .values("actor_id")
            .annotate(n=Count("sdg_id"))
            .order_by("-n", "actor_id")[:PER_SOURCE]
        )
        for row in rows:
            for _n in range(row["n"]):
                note(row["actor_id"], "sdg", WEIGHTS["sdg"])
    if countries:
        engaged = ActorCountry.objects.filter(country__in=countries).order_by("actor_id")
        for actor_id, code in engaged.values_list("actor_id", "country")[:PER_SOURCE]:
            note(actor_id, "country", WEIGHTS["country"], countries[str(code)])
        # Partner municipalities located (Actor.country, the seat) in one of the countries.
        for actor_id, code in Actor.objects.filter(
            kind=ActorKind.PARTNER_MUNICIPALITY, country__in=countries
        ).values_list("pk", "country")[:PER_SOURCE]:
            note(actor_id, "municipality", WEIGHTS["municipality"], countries[str(code)])
    if initiative.lead_id:
        for actor_id, score in (
            Suggestion.objects.filter(actor_id=initiative.lead_id)
            .order_by("rank")
            .values_list("partner_id", "score")[:LEAD_PARTNERS]
        ):
            note(actor_id, "lead", WEIGHTS["lead"] * (0.5 + float(score) / 2))

    actors = Actor.objects.in_bulk(list(found)) if found else {}
    for actor in actors.values():
        if actor.kind == ActorKind.CITY_DEPARTMENT and "theme" in found[actor.pk]["why"]:
            note(actor.pk, "department", WEIGHTS["department"])

    ranked = sorted(found.items(), key=lambda item: (-item[1]["score"], actors[item[0]].name, item[0]))[:limit]
    lead = initiative.lead
    return [
        Proposal(
            actor=actors[actor_id],
            score=round(entry["score"], 2),
            reasons=_sentences(entry["why"], lead),
            source=max(entry["why"], key=lambda code: WEIGHTS[code] * len(entry["why"][code])),
        )
        for actor_id, entry in ranked
    ]


def _sentences(why: dict[str, list[str]], lead: Actor | None) -> list[str]:
    named = {code: sorted(set(items)) for code, items in why.items() if code in ("theme", "country", "municipality")}
    out = []
    if "municipality" in why:
        out.append(_("Partnerkommune in %(countries)s") % {"countries": get_text_list(named["municipality"], _("und"))})
    if "department" in why:
        out.append(_("Städtische Dienststelle für %(themes)s") % {"themes": get_text_list(named["theme"], _("und"))})
    elif "theme" in why:
        out.append(_("arbeitet zu %(themes)s") % {"themes": get_text_list(named["theme"], _("und"))})
    if "country" in why and not set(named["country"]) <= set(named.get("municipality", ())):
        out.append(_("engagiert sich in %(countries)s") % {"countries": get_text_list(named["country"], _("und"))})
    if "sdg" in why:
        count = len(why["sdg"])
        out.append(
            _("teilt ein Nachhaltigkeitsziel des Vorhabens")
            if count == 1
            else _("teilt %(count)s Nachhaltigkeitsziele des Vorhabens") % {"count": count}
        )
    if "lead" in why and lead is not None:
        out.append(_("vorgeschlagener Partner der Federführung (%(lead)s)") % {"lead": lead.name})
    return out
