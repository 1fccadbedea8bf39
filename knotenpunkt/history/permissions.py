"""Who may read the change record, restore from it and read the office's change feed."""

from __future__ import annotations

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import Audience


def readable_changes(user, queryset):
    """The change rows this user may read (visitors none): coordination-only rows for the coordination,
    the contact log's rows for city staff too, the rest for every internal reader of the record."""
    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return queryset
    if role == Role.CITY_STAFF:
        return queryset.exclude(audience=Audience.COORDINATION)
    if role == Role.ACTOR_EDITOR:
        return queryset.filter(audience=Audience.INTERNAL).exclude(record_type__in=EDITOR_HIDDEN_HISTORY)
    return queryset.none()


# Records whose history actor editors do not read even where it touches their actor: the office's
# introductions (internal reasons) and accounts.
EDITOR_HIDDEN_HISTORY = ("synergies.introduction", "accounts.user", "interactions.interaction", "interactions.followup")


def can_restore_changes(user) -> bool:
    return roles.is_coordinator(user)


def can_read_change_feed(user) -> bool:
    return roles.is_coordinator(user)
