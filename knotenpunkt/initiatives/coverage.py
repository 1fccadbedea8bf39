"""„Wer fehlt?" — which kinds of actors an initiative's stakeholder list lacks.

The lead counts like a stakeholder. The checks are fixed in code, the office switches each on or off
(CoverageRule, in the back office):
no diaspora organisation, no city department, no state or federal partner, no partner municipality
in a country the initiative is about, no school for an education initiative (one of the rule's
themes), every stakeholder from one sector (with two or more stakeholders).

`gaps_for` reads one initiative, `gaps_for_all` every initiative in a fixed number of queries (the
nightly overview); `closing_proposals` names the actors that would close one gap, from the
stakeholder proposals first, else the best-connected actors of the kind that is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from knotenpunkt.actors.models import Actor, ActorKind
from knotenpunkt.initiatives import proposals
from knotenpunkt.initiatives.models import CoverageKind, CoverageRule, Initiative, InitiativeCountry, Stakeholder
from knotenpunkt.synergies.sectors import SECTOR_OF_KIND, SECTORS

# The actor kinds that close each gap (ONE_SECTOR: any kind of another sector).
CLOSING_KINDS = {
    CoverageKind.DIASPORA: {ActorKind.DIASPORA},
    CoverageKind.CITY_DEPARTMENT: {ActorKind.CITY_DEPARTMENT},
    CoverageKind.STATE_FEDERAL: {ActorKind.STATE_BODY, ActorKind.FEDERAL_BODY},
    CoverageKind.PARTNER_MUNICIPALITY: {ActorKind.PARTNER_MUNICIPALITY},
    CoverageKind.SCHOOL: {ActorKind.SCHOOL},
}
CLOSING_LIMIT = 5


@dataclass(frozen=True)
class Gap:
    kind: str
    message: str


@dataclass
class _Facts:
    """What the checks need of one initiative."""

    themes: set[int]
    countries: set[str]
    kinds: list[str]
    # Where the stakeholders that are partner municipalities have their seat (Actor.country).
    municipality_countries: set[str]


def _rules() -> list[tuple[str, set[int]]]:
    """The active checks with their themes, in one query (the rule's themes joined in)."""
    rules: dict[str, set[int]] = {}
    for kind, theme_id in CoverageRule.objects.filter(active=True).order_by("kind").values_list("kind", "themes"):
        rules.setdefault(kind, set())
        if theme_id is not None:
            rules[kind].add(theme_id)
    return list(rules.items())


def _gaps(facts: _Facts, rules) -> list[Gap]:
    kinds = set(facts.kinds)
    gaps = []
    for kind, themes in rules:
        message = str(CoverageKind(kind).label)
        if kind == CoverageKind.PARTNER_MUNICIPALITY:
            missing = bool(facts.countries) and not facts.countries & facts.municipality_countries
        elif kind == CoverageKind.SCHOOL:
            missing = bool(themes & facts.themes) and ActorKind.SCHOOL not in kinds
        elif kind == CoverageKind.ONE_SECTOR:
            sectors = {SECTOR_OF_KIND.get(k) for k in facts.kinds}
            missing = len(facts.kinds) >= 2 and len(sectors) == 1
            if missing:
                (sector,) = sectors
                message = _("alle Beteiligten aus einem Bereich (%(sector)s)") % {"sector": SECTORS[sector]}
        else:
            missing = not kinds & CLOSING_KINDS[kind]
        if missing:
            gaps.append(Gap(kind, message))
    return gaps


def gaps_for(initiative: Initiative) -> list[Gap]:
    return gaps_for_all([initiative.pk])[initiative.pk]


def gaps_of_loaded(initiative: Initiative, stakeholders, theme_ids, country_codes) -> list[Gap]:
    """The gaps of an initiative whose stakeholders (with their actors), themes and countries a page
    has loaded already: only the rules are read (the same checks as gaps_for_all)."""
    rows = [(s.actor.kind, s.actor.country) for s in stakeholders]
    if initiative.lead_id:
        rows.append((initiative.lead.kind, initiative.lead.country))
    facts = _Facts(set(theme_ids), {str(code) for code in country_codes}, [], set())
    for kind, seat in rows:
        facts.kinds.append(kind)
        if kind == ActorKind.PARTNER_MUNICIPALITY and seat:
            facts.municipality_countries.add(str(seat))
    return _gaps(facts, _rules())


def gaps_for_all(initiative_ids: list[int] | None = None) -> dict[int, list[Gap]]:
    """{initiative id: its gaps} for the given initiatives (all without ids), in a fixed number of queries."""
    initiatives = (
        Initiative.objects.all() if initiative_ids is None else Initiative.objects.filter(pk__in=initiative_ids)
    )
    leads = list(initiatives.values_list("pk", "lead__kind", "lead__country"))
    ids = [pk for pk, _kind, _seat in leads]
    facts = {pk: _Facts(set(), set(), [], set()) for pk in ids}
    for initiative_id, theme_id in Initiative.themes.through.objects.filter(initiative_id__in=ids).values_list(
        "initiative_id", "theme_id"
    ):
        facts[initiative_id].themes.add(theme_id)
    for initiative_id, code in InitiativeCountry.objects.filter(initiative_id__in=ids).values_list(
        "initiative_id", "country"
    ):
        facts[initiative_id].countries.add(str(code))
    rows = Stakeholder.objects.filter(initiative_id__in=ids).values_list(
        "initiative_id", "actor__kind", "actor__country"
    )
    # The lead takes part by definition: it counts like a stakeholder.
    rows = [*(row for row in leads if row[1] is not None), *rows]
    for initiative_id, kind, seat in rows:
        facts[initiative_id].kinds.append(kind)
        if kind == ActorKind.PARTNER_MUNICIPALITY and seat:
            facts[initiative_id].municipality_countries.add(str(seat))
    rules = _rules()
    return {pk: _gaps(fact, rules) for pk, fact in facts.items()}


POOL = 200


def closing_proposals(
    initiative: Initiative, gap: Gap, limit: int = CLOSING_LIMIT, pool: list[proposals.Proposal] | None = None
) -> list[proposals.Proposal]:
    """Actors that would close `gap`: matching stakeholder proposals first, then the best-connected
    actors of a missing kind (in the initiative's countries, for a partner municipality).

    `pool`: the initiative's proposals (`proposals_for(initiative, limit=POOL)`), read once for all
    its gaps."""
    present = {SECTOR_OF_KIND.get(kind) for kind in initiative.stakeholders.values_list("actor__kind", flat=True)}

    def closes(actor: Actor) -> bool:
        if gap.kind == CoverageKind.ONE_SECTOR:
            return SECTOR_OF_KIND.get(actor.kind) not in present
        return actor.kind in CLOSING_KINDS.get(gap.kind, ())

    if pool is None:
        pool = proposals.proposals_for(initiative, limit=POOL)
    found = [p for p in pool if closes(p.actor)][:limit]
    if len(found) >= limit or gap.kind == CoverageKind.ONE_SECTOR:
        return found
    taken = {p.actor.pk for p in found} | set(initiative.stakeholders.values_list("actor_id", flat=True))
    if initiative.lead_id:
        taken.add(initiative.lead_id)
    more = Actor.objects.filter(kind__in=CLOSING_KINDS[gap.kind]).exclude(pk__in=taken)
    if gap.kind == CoverageKind.PARTNER_MUNICIPALITY:
        more = more.filter(country__in=initiative.countries.values("country"))
    reason = _("schließt die Lücke: %(gap)s") % {"gap": gap.message}
    for actor in more.order_by("-tie_count", "name")[: limit - len(found)]:
        found.append(proposals.Proposal(actor=actor, score=0.0, reasons=[reason], source=f"gap:{gap.kind}"))
    return found
