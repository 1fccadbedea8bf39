"""Who a user is to Knotenpunkt: the role questions every domain's permission module asks.

Roles (see docs/architecture.md):
- coordinator: everything;
- city staff: read all internal records; edit their own department's actor
  (and the units below it);
- actor editor: read and edit the actors assigned to them, but not publish them
  or change their kind, parent or editors;
- anonymous visitor (and anyone else): published actors and public fields only.

Each domain answers "may this user …" for its own records in its `permissions.py`
(actors, network, activities, interactions, synergies, history), built on these helpers;
views, forms, services and the admin ask there.
"""

from __future__ import annotations

from knotenpunkt.accounts.models import Role


def role_of(user) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.COORDINATOR
    return user.role


def is_coordinator(user) -> bool:
    return role_of(user) == Role.COORDINATOR


def is_city_staff(user) -> bool:
    return role_of(user) == Role.CITY_STAFF


def is_internal_reader(user) -> bool:
    """Coordinators and city staff read every internal record."""
    return role_of(user) in (Role.COORDINATOR, Role.CITY_STAFF)


def edited_actor_ids(user) -> set[int]:
    cached = getattr(user, "_kp_edited_ids", None)
    if cached is None:
        cached = set(user.edited_actors.values_list("pk", flat=True))
        user._kp_edited_ids = cached
    return cached


def can_use_admin(user) -> bool:
    return is_coordinator(user)


def can_manage_personal_data(user) -> bool:
    """Persons' privacy page: legal basis, consent, restriction, access export, erasure, retention, Art. 30."""
    return is_coordinator(user)
