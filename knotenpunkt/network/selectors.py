"""Reads of ties, derived relationships and last contacts (network/derived.py keeps the derived ones up to date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Window
from django.utils import timezone

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
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
    role = roles.role_of(user)
    if role != Role.ACTOR_EDITOR:
        # Internal readers see every tie (Actor.tie_count), visitors the public ties between published
        # actors (Actor.public_tie_count): both recounted after every change (reactions.recount_ties) and
        # read instead of counted (the cards of a page of hubs: 9–18 ms of counting). An editor also sees
        # their own actors' internal ties, so their count is counted.
        column = "tie_count" if role in (Role.COORDINATOR, Role.CITY_STAFF) else "public_tie_count"
        counts = dict.fromkeys(ids, 0)
        counts.update(Actor.objects.filter(pk__in=ids).values_list("pk", column))
        return counts
    return _counted_ties(user, ids)


def _counted_ties(user, ids) -> dict[int, int]:
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


# What a profile's list of ties shows: the narrow rows sort quicker than whole actors.
TIE_LIST_FIELDS = (
    *("id", "source_id", "target_id", "kind", "start_date", "end_date", "note", "public"),
    *("source__id", "source__name", "source__slug", "target__id", "target__name", "target__slug"),
)


def actor_ties_page(*, user, actor: Actor, page_number):
    """One page of an actor's visible ties: a hub with a thousand ties still renders quickly.

    The page's rows carry the number of all visible ties (a window count over the rows the page
    query sorts anyway), so no second query counts them again.
    """
    ties = actor_ties(user=user, actor=actor).only(*TIE_LIST_FIELDS)
    paginator = Paginator(ties, TIES_PER_PAGE)
    try:
        number = max(int(page_number), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * TIES_PER_PAGE
    rows = list(ties.annotate(total=Window(Count("id")))[start : start + TIES_PER_PAGE])
    if not rows:  # no ties, or a page past the end: the paginator counts and picks the last page
        return paginator.get_page(page_number)
    paginator.count = rows[0].total  # Paginator.count is a cached_property: this fills it
    return Page(rows, number, paginator)


@dataclass(frozen=True)
class Encounter:
    """One line of a profile's "Begegnungen": the other actor, how often, when last."""

    actor: Actor
    count: int
    last_met: dt.date


def derived_ties_for_profile(*, user, actor: Actor, limit: int = DERIVED_TIES_ON_PROFILE) -> dict:
    """The actors `actor` met, strongest first, as far as `user` may see them.

    Coordinators see every pair with all its meetings; city staff the pairs and figures of the
    meetings they may see (no coordination-only contacts). Everybody else sees pairs between
    published actors that met at public activities, counted over those public meetings only
    (so nothing about internal meetings shows through the figures).
    """
    internal = roles.is_internal_reader(user)
    if roles.is_coordinator(user):
        pairs = DerivedTie.objects.filter(Q(actor_a=actor) | Q(actor_b=actor))
        ordered = pairs.order_by("-weight_score", "-last_met", "pk")
        count, last_met = "count", "last_met"
    elif internal:
        pairs = DerivedTie.objects.filter(Q(actor_a=actor) | Q(actor_b=actor), staff_count__gt=0)
        ordered = pairs.order_by("-staff_weight_score", "-staff_last_met", "pk")
        count, last_met = "staff_count", "staff_last_met"
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
    "zuletzt": (F("last_seen").asc(nulls_first=True), "name", "pk"),
    "-zuletzt": (F("last_seen").desc(nulls_last=True), "name", "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "art": ("kind", F("last_seen").asc(nulls_first=True), "name", "pk"),
    "-art": ("-kind", F("last_seen").asc(nulls_first=True), "name", "pk"),
}


def contact_columns(user) -> tuple[str, str]:
    """ActorContact's (last contact, last logged contact) columns as `user` may see them: coordinators
    all contacts, everybody else none logged "nur Koordination"."""
    if roles.is_coordinator(user):
        return "last_contact", "last_interaction"
    return "staff_last_contact", "staff_last_interaction"


def cold_cutoff(today: dt.date | None = None) -> dt.date:
    """The same day a year ago: a last contact before it is more than 12 months ago."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def going_cold(
    *, user, cutoff: dt.date, include_never: bool = False, kind: str = "", order: str = "zuletzt"
) -> QuerySet:
    """Actors whose last contact `user` may know of lies before `cutoff` (and, if asked, those with
    none), in `order`; each with `last_seen` (that day) and `last_seen_logged` (the last logged contact
    among them, if it was the last contact of all).

    `kind` and `order` must come from an allow-list (the view's form); unknown orders fall back.
    """
    last, logged = contact_columns(user)
    cold = Q(**{f"contact__{last}__lt": cutoff})
    if include_never:
        cold |= Q(**{f"contact__{last}__isnull": True})
    qs = Actor.objects.filter(cold)
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.annotate(last_seen=F(f"contact__{last}"), last_seen_logged=F(f"contact__{logged}"))
        .only("pk", "name", "slug", "kind", "published", "city")
        .order_by(*COLD_ORDERINGS.get(order, COLD_ORDERINGS["zuletzt"]))
    )
