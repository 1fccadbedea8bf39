"""Reasons in plain language: a stored reason (code + parameters) becomes a sentence for this reader.

Readers who may not see internal data (permissions.sees_internal_reasons) get only reasons marked
`public`, and for common partners only the count and names over public ties. Names are looked up
in batches for a whole page of suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries as country_names

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import SDG, Actor, Theme
from knotenpunkt.synergies import permissions
from knotenpunkt.synergies.models import Listing
from knotenpunkt.synergies.sectors import SECTOR_ORDER, SECTORS

ICONS = {
    "offer_need": "⇄",
    "shared": "◎",
    "common_partners": "⋈",
    "similar_text": "≈",
    "bridge": "↔",
}


@dataclass
class Reason:
    code: str
    text: str
    icon: str


def visible(reasons: list[dict], *, internal: bool) -> list[dict]:
    return [r for r in reasons if internal or r.get("public")]


class Names:
    """Batch lookups of everything reasons name, for one reader."""

    def __init__(self, user, reason_lists: list[list[dict]]):
        theme_ids, sdgs, listing_ids, actor_ids = set(), set(), set(), set()
        for reasons in reason_lists:
            for r in reasons:
                theme_ids.update(r.get("themes", []))
                sdgs.update(r.get("sdgs", []))
                listing_ids.update(v for k in ("offer", "need") if (v := r.get(k)))
                actor_ids.update(r.get("examples", []))
                actor_ids.update(r.get("public_examples", []))
        self.themes = {t.pk: t.name for t in Theme.objects.filter(pk__in=theme_ids)}
        self.sdgs = {s.number: s.name for s in SDG.objects.filter(number__in=sdgs)}
        self.listings = {
            row.pk: row
            for row in permissions.visible_listings(user, Listing.objects.filter(pk__in=listing_ids)).select_related(
                "actor"
            )
        }
        self.actors = dict(
            actor_permissions.visible_actors(user, Actor.objects.filter(pk__in=actor_ids)).values_list("pk", "name")
        )


def render(reasons: list[dict], *, names: Names, internal: bool) -> list[Reason]:
    """Sentences for one suggestion's reasons, strongest first."""
    out = []
    for r in visible(reasons, internal=internal):
        text = _sentence(r, names=names, internal=internal)
        if text:
            out.append(Reason(r["code"], text, ICONS.get(r["code"], "•")))
    return out


def sentences(user, reasons: list[dict]) -> list[str]:
    """The reasons `user` may read as plain sentences (for one pair; pages with many use Names once)."""
    internal = permissions.sees_internal_reasons(user)
    return [r.text for r in render(reasons, names=Names(user, [reasons]), internal=internal)]


def _sentence(r: dict, *, names: Names, internal: bool) -> str:
    code = r["code"]
    if code == "shared":
        items = [names.themes[t] for t in r.get("themes", []) if t in names.themes]
        items += [_("SDG %(n)s") % {"n": n} for n in r.get("sdgs", [])]
        items += [str(country_names.name(c)) for c in r.get("countries", []) if country_names.name(c)]
        if not items:
            return ""
        return _("beide arbeiten zu %(items)s") % {"items": get_text_list(items, _("und"))}
    if code == "offer_need":
        offer, need = names.listings.get(r["offer"]), names.listings.get(r["need"])
        if offer is None or need is None:
            return ""
        return _("%(giver)s bietet „%(offer)s“, %(taker)s sucht „%(need)s“") % {
            "giver": offer.actor.name,
            "offer": offer.title,
            "taker": need.actor.name,
            "need": need.title,
        }
    if code == "common_partners":
        count = r["count"] if internal else r.get("public_count", 0)
        examples = r["examples"] if internal else r.get("public_examples", [])
        if not count:
            return ""
        text = ngettext("%(n)s gemeinsamer Partner", "%(n)s gemeinsame Partner", count) % {"n": count}
        shown = [names.actors[a] for a in examples if a in names.actors]
        if shown:
            text += " " + _("(z. B. %(names)s)") % {"names": ", ".join(shown)}
        return text
    if code == "similar_text":
        # The words as the descriptions write them (nouns capitalised, verbs not).
        return _("ähnliche Arbeitsbeschreibung (%(words)s)") % {"words": ", ".join(r["words"])}
    if code == "bridge":
        a, b = (str(SECTORS[SECTOR_ORDER[i]]) for i in r["sectors"])
        return _("verbindet %(a)s und %(b)s") % {"a": a, "b": b}
    return ""
