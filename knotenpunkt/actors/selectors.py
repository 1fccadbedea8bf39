"""Reads of actors that are more than a one-liner."""

from django.conf import settings
from django.db.models import QuerySet

from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import permissions, search
from knotenpunkt.actors.models import Actor, ActorCountry, Membership
from knotenpunkt.changes.models import Change
from knotenpunkt.lib.pagination import OrderedIds

# A search within at most this many actors of one country, theme or SDG is ordered in one query
# over those actors (see actor_directory).
FEW_CANDIDATES = 3000


def filter_actors(qs: QuerySet, filters: dict) -> QuerySet:
    """The actor filters shared by the directory, the network map and the exports (validated values)."""
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if "level" in filters:
        qs = qs.filter(level=filters["level"])
    if "theme" in filters:
        qs = qs.filter(themes=filters["theme"])
    if "sdg" in filters:
        qs = qs.filter(sdgs=filters["sdg"])
    if "country" in filters:
        qs = qs.filter(countries__country=filters["country"])
    return qs


def actor_directory(*, user, filters: dict) -> QuerySet | OrderedIds:
    """Actors visible to `user`, filtered through an explicit allow-list of filters, with what a
    directory card shows.

    `filters` comes from DirectoryFilterForm.filters(): already validated objects.

    A search reads each rank's matches in order of connectedness until a page is full. Within a
    rare country (theme, SDG) that means reading thousands of the network's matches to find twenty
    there, so a search among few candidates orders all of their matches in one query instead, and
    the page loads only its own rows (docs/benchmarks.md).
    """
    qs = filter_actors(permissions.visible_actors(user), filters)
    if not filters.get("q"):
        return with_list_relations(qs.order_by("name", "pk"))
    if _candidates(filters) <= FEW_CANDIDATES:
        ids = search.search_ids(qs, filters["q"], limit=settings.DIRECTORY_SEARCH_COUNT_CAP + 1)
        return OrderedIds(ids, with_list_relations(Actor.objects.all()))
    return with_list_relations(search.search_actors(qs, filters["q"]))


def _candidates(filters: dict) -> int | float:
    """At most how many actors the country, theme and SDG filters leave (infinite without them)."""
    counts = []
    if "country" in filters:
        counts.append(ActorCountry.objects.filter(country=filters["country"]).count())
    if "theme" in filters:
        counts.append(Actor.themes.through.objects.filter(theme=filters["theme"]).count())
    if "sdg" in filters:
        counts.append(Actor.sdgs.through.objects.filter(sdg=filters["sdg"]).count())
    return min(counts, default=float("inf"))


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a directory card shows, in a fixed number of queries."""
    return qs.prefetch_related("themes", "sdgs").only(
        "pk", "name", "slug", "kind", "level", "description", "city", "published"
    )


def actor_for_profile(*, user, slug: str) -> Actor | None:
    actor = (
        permissions.visible_actors(user)
        .select_related("parent")
        .prefetch_related("themes", "sdgs", "countries")
        .filter(slug=slug)
        .first()
    )
    return actor


def actor_editors(actor: Actor) -> list:
    """The people who edit the actor as its own editors (they read its internal record too)."""
    return list(actor.editors.filter(is_active=True, role=Role.ACTOR_EDITOR).order_by("last_name", "username"))


def actor_memberships(actor: Actor):
    """The actor's contact persons (erased persons have no memberships left)."""
    return list(
        Membership.objects.filter(actor=actor, person__erased_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name")
    )


def actor_history(actor: Actor, limit: int = 20):
    """The actor's own latest changes, newest first (its ties', contacts' … are on its "Verlauf" page)."""
    return Change.objects.for_record("actors.actor", actor.pk).select_related("user").order_by("-id")[:limit]


def visible_children(*, user, actor: Actor):
    return permissions.visible_actors(user, actor.children.all()).order_by("name")


def merge_preview(duplicate: Actor) -> dict:
    """What an actor_merge would move, for the confirmation page."""
    return {
        # A tie never joins an actor to itself, so the two directions do not overlap.
        "ties": duplicate.ties_out.count() + duplicate.ties_in.count(),
        "memberships": duplicate.memberships.count(),
        "themes": duplicate.themes.count(),
        "editors": duplicate.editors.count(),
    }


MAX_HIERARCHY_DEPTH = 50  # bounds the walk up `parent` (a faulty cycle ends it too)


def hierarchy_top(actor: Actor) -> Actor:
    """The actor at the top of `actor`'s hierarchy (the city above its departments), or `actor` itself."""
    top, seen = actor, {actor.pk}
    for _ in range(MAX_HIERARCHY_DEPTH):
        if top.parent_id is None or top.parent_id in seen:
            break
        seen.add(top.parent_id)
        top = Actor.objects.only("pk", "name", "parent_id").get(pk=top.parent_id)
    return top


def same_organisation(first: Actor, second: Actor) -> Actor | None:
    """The top of the hierarchy `first` and `second` both belong to (a unit and its parent, two
    departments of one city …), or None if they belong to different ones."""
    top = hierarchy_top(first)
    return top if top.pk == hierarchy_top(second).pk else None
