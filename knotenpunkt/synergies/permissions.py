"""Who may see offers and needs, partner suggestions and introductions (roles: accounts/roles.py)."""

from __future__ import annotations

from django.db.models import Q

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.synergies.models import Introduction, Listing


def visible_listings(user, queryset=None):
    """Offers and needs this user may see (expiry is the caller's filter: `.current()`).

    Internal readers: all. Everybody else: public listings of published actors; actor editors
    also every listing of their own actors.
    """

    qs = Listing.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    public = Q(public=True, actor__published=True)
    if role == Role.ACTOR_EDITOR:
        return qs.filter(public | Q(actor_id__in=roles.edited_actor_ids(user)))
    return qs.filter(public)


def can_manage_listings(user, actor) -> bool:
    """Post, change and withdraw an actor's offers and needs: whoever may edit the actor."""
    return actor_permissions.can_edit_actor(user, actor)


def can_view_suggestions(user, actor) -> bool:
    """Partner suggestions for `actor`: whoever reads its internal record (internal readers, its editors)."""
    return actor_permissions.can_view_internal(user, actor)


def sees_internal_reasons(user) -> bool:
    """Reasons resting on internal data (non-public ties, internal listings) only reach internal readers.

    Actor editors see suggestions of published partners with the reasons that rest on public data.
    """
    return roles.is_internal_reader(user)


def can_ask_synergy_question(user) -> bool:
    """The free-text question ("Wer arbeitet zu Klimaschutz in Burkina Faso?")."""
    return roles.role_of(user) is not None


def can_manage_opt_out(user, actor) -> bool:
    return actor_permissions.can_edit_actor(user, actor)


def visible_introductions(user, queryset=None):
    """Introductions: all for internal readers, those of their own actors for actor editors."""

    qs = Introduction.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        mine = roles.edited_actor_ids(user)
        return qs.filter(Q(actor_a_id__in=mine) | Q(actor_b_id__in=mine))
    return qs.none()


def can_manage_introductions(user) -> bool:
    """Propose, send and advance introductions: the coordination."""
    return roles.is_coordinator(user)


def can_request_introduction(user, actor) -> bool:
    """Ask the office to introduce `actor` (one's own) to a suggested partner."""
    if roles.is_coordinator(user):
        return True
    return roles.role_of(user) == Role.ACTOR_EDITOR and actor.pk in roles.edited_actor_ids(user)


def can_see_listing_history(user, listing) -> bool:
    return actor_permissions.can_view_internal(user, listing.actor)


def can_see_introduction_history(user, introduction) -> bool:
    return visible_introductions(user, Introduction.objects.filter(pk=introduction.pk)).exists()
