"""Reads of ties, derived relationships and last contacts (network/derived.py keeps the derived ones up to date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Window
from django.utils import timezone

from knotenpunkt.accounts import roles
from knotenpunkt.actors.models import Actor
from knotenpunkt.network import permissions
from knotenpunkt.network.models import DerivedTie

DERIVED_TIES_ON_PROFILE = 10
TIES_PER_PAGE = 40


# How many ids a grouped count filters by; above it, one pass over all visible ties is cheaper (SQLite plans
# long IN lists badly, see map.subgraph).
_COUNT_BY_ID_LIMIT = 500


def direct_tie_counts(*, user, actor_ids) -> dict[int, int]:
    """An actor's connections, the one definition every page shows ("7 direkte Beziehungen"): its declared
    ties in either direction that `user` may see (permissions.visible_ties: a visitor counts the public ties
    between published actors; internal readers every tie). Relationships derived from shared activities and
    contacts are counted apart (derived_ties_for_profile's total, "Begegnungen"), and the network figures'
    degree (distinct partners, declared or derived) is a third, differently labelled number.
    """
    ids = list(actor_ids)
    if not ids:
        return {}
    ties = permissions.visible_ties(user).order_by()
    by_end = []
    for column in ("source_id", "target_id"):
        rows = ties.filter(**{f"{column}__in": ids}) if len(ids) <= _COUNT_BY_ID_LIMIT else ties
        by_end.append(rows.values_list(column).annotate(n=Count("pk")).values_list(column, "n"))
    counts = dict.fromkeys(ids, 0)
    for pk, n in by_end[0].union(by_end[1], all=True):  # one statement for both directions
        if pk in counts:
            counts[pk] += n
    return counts


def direct_tie_count(*, user, actor: Actor) -> int:
    return direct_tie_counts(user=user, actor_ids=[actor.pk]).get(actor.pk, 0)


def actor_ties(*, user, actor: Actor):
    """Ties of an actor the user may see, with both ends loaded (no N+1)."""
    ties = permissions.visible_ties(user).filter(Q(source=actor) | Q(target=actor))
    return ties.select_related("source", "target").order_by("kind", "source__name", "target__name")


def actor_ties_page(*, user, actor: Actor, page_number):
    """One page of an actor's visible ties: a hub with a thousand ties still renders quickly."""
    return Paginator(actor_ties(user=user, actor=actor), TIES_PER_PAGE).get_page(page_number)


@dataclass(frozen=True)
class Encounter:
    """One line of a profile's "Begegnungen": the other actor, how often, when last."""

    actor: Actor
    count: int
    last_met: dt.date


def derived_ties_for_profile(*, user, actor: Actor, limit: int = DERIVED_TIES_ON_PROFILE) -> dict:
    """The actors `actor` met, strongest first, as far as `user` may see them.

    Internal readers see every pair with all its meetings. Everybody else sees pairs between
    published actors that met at public activities, counted over those public meetings only
    (so nothing about internal meetings shows through the figures).
    """
    internal = roles.is_internal_reader(user)
    if internal:
        pairs = DerivedTie.objects.filter(Q(actor_a=actor) | Q(actor_b=actor))
        ordered = pairs.order_by("-weight_score", "-last_met", "pk")
        count, last_met = "count", "last_met"
    else:
        if not actor.published:
            return {"encounters": [], "total": 0, "internal": False}
        pairs = DerivedTie.objects.filter(
            Q(actor_a=actor, actor_b__published=True) | Q(actor_b=actor, actor_a__published=True), public_count__gt=0
        )
        ordered = pairs.order_by("-public_count", "-public_last_met", "pk")
        count, last_met = "public_count", "public_last_met"
    # One pass over a hub's thousands of pairs: the first rows and, alongside, how many there are.
    rows = list(
        ordered.annotate(total=Window(Count("pk"))).values("actor_a_id", "actor_b_id", count, last_met, "total")[:limit]
    )
    others = [row["actor_b_id"] if row["actor_a_id"] == actor.pk else row["actor_a_id"] for row in rows]
    actors = Actor.objects.only("pk", "name", "slug", "published").in_bulk(others) if others else {}
    encounters = [
        Encounter(actor=actors[other], count=row[count], last_met=row[last_met])
        for other, row in zip(others, rows, strict=True)
        if other in actors
    ]
    return {"encounters": encounters, "total": rows[0]["total"] if rows else 0, "internal": internal}


COLD_ORDERINGS = {
    "zuletzt": (F("contact__last_contact").asc(nulls_first=True), "name", "pk"),
    "-zuletzt": (F("contact__last_contact").desc(nulls_last=True), "name", "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "art": ("kind", F("contact__last_contact").asc(nulls_first=True), "name", "pk"),
    "-art": ("-kind", F("contact__last_contact").asc(nulls_first=True), "name", "pk"),
}


def cold_cutoff(today: dt.date | None = None) -> dt.date:
    """The same day a year ago: a last contact before it is more than 12 months ago."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def going_cold(*, cutoff: dt.date, include_never: bool = False, kind: str = "", order: str = "zuletzt") -> QuerySet:
    """Actors whose last contact lies before `cutoff` (and, if asked, those never met), in `order`.

    `kind` and `order` must come from an allow-list (the view's form); unknown orders fall back.
    """
    cold = Q(contact__last_contact__lt=cutoff)
    if include_never:
        cold |= Q(contact__isnull=True)
    qs = Actor.objects.filter(cold)
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("contact")
        .only("pk", "name", "slug", "kind", "published", "city", "contact__last_contact", "contact__last_activity",
              "contact__last_interaction")
        .order_by(*COLD_ORDERINGS.get(order, COLD_ORDERINGS["zuletzt"]))
    )  # fmt: skip
