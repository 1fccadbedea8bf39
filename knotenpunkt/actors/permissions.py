"""Who may see and change actors and their people (roles: accounts/roles.py)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.actors.models import Actor

# Fields only a coordinator may change: publication, kind and ownership.
COORDINATOR_ONLY_FIELDS = frozenset({"published", "kind", "parent", "slug"})


def department_ids(user) -> set[int]:
    """The staff member's department and the units nested below it."""

    if not user.department_id:
        return set()
    cached = getattr(user, "_kp_department_ids", None)
    if cached is not None:
        return cached
    ids = {user.department_id}
    frontier = {user.department_id}
    while frontier:
        frontier = set(Actor.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    user._kp_department_ids = ids
    return ids


def visible_actors(user, queryset: QuerySet | None = None) -> QuerySet:
    """Actors this user may see at all (published ones for everybody)."""

    qs = Actor.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        return qs.filter(Q(published=True) | Q(pk__in=roles.edited_actor_ids(user)))
    return qs.filter(published=True)


def can_view_actor(user, actor) -> bool:
    if actor.published:
        return True
    return can_view_internal(user, actor)


def can_view_internal(user, actor) -> bool:
    """Internal notes, persons, memberships, all ties, history."""
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return actor.pk in roles.edited_actor_ids(user)
    return False


def can_edit_actor(user, actor) -> bool:
    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return True
    if role == Role.CITY_STAFF:
        return actor.pk in department_ids(user)
    if role == Role.ACTOR_EDITOR:
        return actor.pk in roles.edited_actor_ids(user)
    return False


def editable_actor_fields(user, actor, all_fields) -> list[str]:
    """The form fields this user may change on this actor."""
    if not can_edit_actor(user, actor):
        return []
    if roles.is_coordinator(user):
        return list(all_fields)
    return [f for f in all_fields if f not in COORDINATOR_ONLY_FIELDS]


def can_create_actor(user) -> bool:
    return roles.is_coordinator(user)


def can_publish_actor(user, actor=None) -> bool:
    return roles.is_coordinator(user)


def can_merge_actors(user) -> bool:
    return roles.is_coordinator(user)


def can_delete_actor(user, actor=None) -> bool:
    return roles.is_coordinator(user)


def can_see_history(user, actor) -> bool:
    return can_view_internal(user, actor)


def can_see_person_history(user, person) -> bool:
    """A person's own Verlauf (their data and memberships): the coordination, like their privacy page."""
    return roles.is_coordinator(user)
