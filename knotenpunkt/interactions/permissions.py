"""Who may read and write the contact log (roles: accounts/roles.py).

The contact log is internal: coordinators read and edit everything; city staff read contacts
shared with all staff (visibility "staff"), record their own and edit those; actor editors and
the public see none of it.
"""

from __future__ import annotations

from django.db.models import Q

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.interactions.models import FollowUp, Interaction, Visibility


def can_use_contact_log(user) -> bool:
    return roles.is_internal_reader(user)


def visible_interactions(user, queryset=None):

    qs = Interaction.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return qs
    if role == Role.CITY_STAFF:
        return qs.filter(visibility=Visibility.STAFF)
    return qs.none()


def can_view_interaction(user, interaction) -> bool:

    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return True
    return role == Role.CITY_STAFF and interaction.visibility == Visibility.STAFF


def can_create_interaction(user) -> bool:
    return roles.is_internal_reader(user)


def interaction_visibility_choices(user) -> list[str]:
    """Visibilities this user may give a contact: city staff cannot hide one from themselves."""

    if roles.is_coordinator(user):
        return list(Visibility.values)
    if roles.is_city_staff(user):
        return [Visibility.STAFF]
    return []


def can_edit_interaction(user, interaction) -> bool:
    if not can_view_interaction(user, interaction):
        return False
    return roles.is_coordinator(user) or interaction.created_by_id == user.pk


def can_be_assigned_followup(user, interaction=None) -> bool:
    """Whether `user` may own a follow-up (on `interaction`, if given): they must be able to read it."""
    if not roles.is_internal_reader(user):
        return False
    return interaction is None or can_view_interaction(user, interaction)


def visible_followups(user, queryset=None):
    """Follow-ups on contacts the user may read, and standalone/activity ones they own or created."""

    qs = FollowUp.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return qs
    if role == Role.CITY_STAFF:
        return qs.filter(
            Q(interaction__visibility=Visibility.STAFF)
            | Q(interaction__isnull=True, assignee=user)
            | Q(interaction__isnull=True, created_by=user)
        )
    return qs.none()


def can_view_followup(user, followup) -> bool:
    if roles.is_coordinator(user):
        return True
    if not roles.is_city_staff(user):
        return False
    if followup.interaction_id is not None:
        return can_view_interaction(user, followup.interaction)
    return user.pk in (followup.assignee_id, followup.created_by_id)


def can_create_followup(user, interaction=None) -> bool:
    return roles.is_internal_reader(user) and (interaction is None or can_view_interaction(user, interaction))


def can_change_followup(user, followup) -> bool:
    """Mark done or open again: the assignee, whoever created it, and the coordination."""
    if not can_view_followup(user, followup):
        return False
    return roles.is_coordinator(user) or user.pk in (followup.assignee_id, followup.created_by_id)


def can_delete_followup(user, followup) -> bool:
    if not can_view_followup(user, followup):
        return False
    return roles.is_coordinator(user) or followup.created_by_id == user.pk
