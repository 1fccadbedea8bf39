"""Who may see and change declared ties (roles: accounts/roles.py)."""

from __future__ import annotations

from django.db.models import Q

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.network.models import Tie


def visible_ties(user, queryset=None):
    """Ties this user may see: all for internal readers, else public ties between visible actors."""

    qs = Tie.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    public = Q(public=True, source__published=True, target__published=True)
    if role == Role.ACTOR_EDITOR:
        mine = roles.edited_actor_ids(user)
        own = (
            Q(source_id__in=mine, target__published=True)
            | Q(target_id__in=mine, source__published=True)
            | Q(source_id__in=mine, target_id__in=mine)
        )
        return qs.filter(public | own)
    return qs.filter(public)


def can_manage_ties(user, actor) -> bool:
    return roles.is_coordinator(user)


def can_see_tie_history(user, tie) -> bool:
    """A tie's Verlauf: internal readers of one of its ends who may see the tie."""
    ends = (tie.source, tie.target)
    if not any(actor_permissions.can_view_internal(user, end) for end in ends):
        return False
    return visible_ties(user, Tie.objects.filter(pk=tie.pk)).exists()
