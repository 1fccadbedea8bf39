"""Who may see and change activities, occurrences and calendar feeds (roles: accounts/roles.py)."""

from __future__ import annotations

from django.db.models import Q

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import Activity, ParticipantRole, Participation, ParticipationStatus
from knotenpunkt.actors import permissions as actor_permissions


def visible_activities(user, queryset=None):
    """Activities this user may see: all for internal readers; public ones for everybody;
    actor editors also the activities their actors take part in."""

    qs = Activity.objects.all() if queryset is None else queryset
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        return qs.filter(Q(public=True) | Q(participations__actor_id__in=roles.edited_actor_ids(user))).distinct()
    return qs.filter(public=True)


def visible_occurrences(user, queryset):
    """The same rule for ActivityOccurrence rows (which carry `public`)."""
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return queryset
    if role == Role.ACTOR_EDITOR:
        mine = Participation.objects.filter(actor_id__in=roles.edited_actor_ids(user)).values("activity_id")
        return queryset.filter(Q(public=True) | Q(activity_id__in=mine))
    return queryset.filter(public=True)


def _organiser_ids(activity) -> set[int]:

    cached = getattr(activity, "_kp_organiser_ids", None)
    if cached is None:
        cached = set(
            activity.participations.filter(role=ParticipantRole.ORGANISER, actor__isnull=False).values_list(
                "actor_id", flat=True
            )
        )
        activity._kp_organiser_ids = cached
    return cached


def can_view_activity(user, activity) -> bool:
    if activity.public:
        return True
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return activity.participations.filter(actor_id__in=roles.edited_actor_ids(user)).exists()
    return False


def can_view_activity_internal(user, activity) -> bool:
    """Outcome notes, persons taking part, unpublished participants."""
    role = roles.role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return bool(_organiser_ids(activity) & roles.edited_actor_ids(user))
    return False


def can_create_activity(user) -> bool:
    """Staff create any activity; actor editors create activities their actors organise."""
    return roles.role_of(user) in (Role.COORDINATOR, Role.CITY_STAFF, Role.ACTOR_EDITOR)


def activity_organiser_choices(user, queryset=None):
    """Actors this user may name as organiser of a new or edited activity (None = any)."""
    if roles.role_of(user) == Role.ACTOR_EDITOR:
        return actor_permissions.visible_actors(user, queryset).filter(pk__in=roles.edited_actor_ids(user))
    return None


def can_edit_activity(user, activity) -> bool:
    role = roles.role_of(user)
    if role == Role.COORDINATOR:
        return True
    if role == Role.CITY_STAFF:
        departments = actor_permissions.department_ids(user)
        return activity.created_by_id == user.pk or bool(_organiser_ids(activity) & departments)
    if role == Role.ACTOR_EDITOR:
        return bool(_organiser_ids(activity) & roles.edited_actor_ids(user))
    return False


def can_manage_calendar_sources(user, actor) -> bool:
    """Register or refresh an actor's own calendar feed: the office, or whoever edits the actor."""
    return actor_permissions.can_edit_actor(user, actor)


def can_have_personal_feed(user) -> bool:
    return roles.role_of(user) is not None


# --- participations that wait for the participant's consent (activities/participations.py) -------


def participation_needs_confirmation(user, actor) -> bool:
    """Whether naming `actor` as a participant waits for its consent: yes unless the coordination or
    someone who may edit the actor names it (imports and the system, user None, need none)."""
    if user is None or roles.is_coordinator(user):
        return False
    # actor None: whether anything this user names may need consent (all but the coordination).
    return actor is None or not actor_permissions.can_edit_actor(user, actor)


def can_answer_participation(user, participation) -> bool:
    """Confirm or decline a requested participation: the participant's editors and the coordination
    (whether it still waits for an answer is the service's question)."""
    if participation.actor_id is None:
        return False
    return actor_permissions.can_edit_actor(user, participation.actor)


def shown_participations(user, activity, queryset):
    """The participations of `activity` this user sees: internal readers all; everybody else the
    confirmed ones, and requested ones only on the requesting side (who may edit the activity) and to
    the participant's own editors."""
    if roles.is_internal_reader(user):
        return queryset
    shown = Q(status=ParticipationStatus.CONFIRMED)
    if roles.role_of(user) == Role.ACTOR_EDITOR:
        shown |= Q(actor_id__in=roles.edited_actor_ids(user))
        if can_edit_activity(user, activity):
            shown = Q()
    return queryset.filter(shown)
