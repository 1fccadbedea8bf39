"""Who may see and change initiatives and their stakeholders (roles: accounts/roles.py).

The office plans initiatives; city staff read them all; everybody else sees the public ones (the
Vorhabenliste), an actor's editors included.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

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


def check_can_manage(user) -> None:
    """For the services: None is the system (a task); anyone else must be the coordination."""
    if user is not None and not can_manage_initiatives(user):
        raise PermissionDenied(_("Nur die Koordination plant Vorhaben."))


def can_request_participation(user, initiative, actor=None) -> bool:
    """„Wir möchten mitwirken": an actor's editor, on a public initiative, for an actor they edit."""
    if not user.is_authenticated or not initiative.public:
        return False
    ids = roles.edited_actor_ids(user)
    return bool(ids) if actor is None else actor.pk in ids


def can_answer_requests(user) -> bool:
    return roles.is_coordinator(user)
