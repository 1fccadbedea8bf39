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
# introductions (internal reasons), accounts, the contact log, and the initiatives (internal ones are not
# theirs to see, and a stakeholder's place on the grid is the office's assessment; editors see their
# actor's involvement and their requests on the public initiative's page).
EDITOR_HIDDEN_HISTORY = (
    "synergies.introduction",
    "accounts.user",
    "interactions.interaction",
    "interactions.followup",
    "initiatives.initiative",
    "initiatives.stakeholder",
    "initiatives.participationrequest",
)


def can_restore_changes(user) -> bool:
    return roles.is_coordinator(user)


def can_read_change_feed(user) -> bool:
    return roles.is_coordinator(user)
