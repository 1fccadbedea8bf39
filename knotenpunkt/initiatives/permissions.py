"""Who may see and change initiatives and their stakeholders (roles: accounts/roles.py).

The office plans initiatives; city staff read them all; everybody else sees the public ones (the
Vorhabenliste), an actor's editors included.
"""

from __future__ import annotations

from knotenpunkt.accounts import roles
from knotenpunkt.initiatives.models import Initiative


def visible_initiatives(user, queryset=None):
    qs = Initiative.objects.all() if queryset is None else queryset
    if roles.is_internal_reader(user):
        return qs
    return qs.filter(public=True)


def can_view_initiative_internal(user, initiative=None) -> bool:
    """Stakeholder grid, internal notes, coverage gaps: the coordination and city staff."""
    return roles.is_internal_reader(user)


def can_manage_initiatives(user) -> bool:
    return roles.is_coordinator(user)
