"""The one permission layer. Views, forms, the admin and any later API ask here.

Roles (see docs/architecture.md):
- coordinator: everything;
- city staff: read all internal records; edit their own department's actor
  (and the units below it);
- actor editor: read and edit the actors assigned to them, but not publish them
  or change their kind, parent or editors;
- anonymous visitor (and anyone else): published actors and public fields only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.models import Activity, ParticipantRole, Participation
from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.kinds import Audience
from knotenpunkt.interactions.models import FollowUp, Interaction, Visibility
from knotenpunkt.network.models import Tie
from knotenpunkt.synergies.models import Introduction, Listing

# Fields only a coordinator may change: publication, kind and ownership.
COORDINATOR_ONLY_FIELDS = frozenset({"published", "kind", "parent", "slug"})


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


def _department_ids(user) -> set[int]:
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


def _edited_ids(user) -> set[int]:
    cached = getattr(user, "_kp_edited_ids", None)
    if cached is None:
        cached = set(user.edited_actors.values_list("pk", flat=True))
        user._kp_edited_ids = cached
    return cached


# --- actors -----------------------------------------------------------------


def visible_actors(user, queryset: QuerySet | None = None) -> QuerySet:
    """Actors this user may see at all (published ones for everybody)."""

    qs = Actor.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        return qs.filter(Q(published=True) | Q(pk__in=_edited_ids(user)))
    return qs.filter(published=True)


def can_view_actor(user, actor) -> bool:
    if actor.published:
        return True
    return can_view_internal(user, actor)


def can_view_internal(user, actor) -> bool:
    """Internal notes, persons, memberships, all ties, history."""
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return actor.pk in _edited_ids(user)
    return False


def can_edit_actor(user, actor) -> bool:
    role = role_of(user)
    if role == Role.COORDINATOR:
        return True
    if role == Role.CITY_STAFF:
        return actor.pk in _department_ids(user)
    if role == Role.ACTOR_EDITOR:
        return actor.pk in _edited_ids(user)
    return False


def editable_actor_fields(user, actor, all_fields) -> list[str]:
    """The form fields this user may change on this actor."""
    if not can_edit_actor(user, actor):
        return []
    if is_coordinator(user):
        return list(all_fields)
    return [f for f in all_fields if f not in COORDINATOR_ONLY_FIELDS]


def can_create_actor(user) -> bool:
    return is_coordinator(user)


def can_publish_actor(user, actor=None) -> bool:
    return is_coordinator(user)


def can_merge_actors(user) -> bool:
    return is_coordinator(user)


def can_delete_actor(user, actor=None) -> bool:
    return is_coordinator(user)


def can_see_history(user, actor) -> bool:
    return can_view_internal(user, actor)


def can_see_tie_history(user, tie) -> bool:
    """A tie's Verlauf: internal readers of one of its ends who may see the tie."""
    if not (can_view_internal(user, tie.source) or can_view_internal(user, tie.target)):
        return False
    return visible_ties(user, Tie.objects.filter(pk=tie.pk)).exists()


def can_see_listing_history(user, listing) -> bool:
    return can_view_internal(user, listing.actor)


def can_see_introduction_history(user, introduction) -> bool:
    return visible_introductions(user, Introduction.objects.filter(pk=introduction.pk)).exists()


def can_see_person_history(user, person) -> bool:
    """A person's own Verlauf (their data and memberships): the coordination, like their privacy page."""
    return is_coordinator(user)


# --- ties -------------------------------------------------------------------


def visible_ties(user, queryset=None):
    """Ties this user may see: all for internal readers, else public ties between visible actors."""

    qs = Tie.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    public = Q(public=True, source__published=True, target__published=True)
    if role == Role.ACTOR_EDITOR:
        mine = _edited_ids(user)
        own = (
            Q(source_id__in=mine, target__published=True)
            | Q(target_id__in=mine, source__published=True)
            | Q(source_id__in=mine, target_id__in=mine)
        )
        return qs.filter(public | own)
    return qs.filter(public)


def can_manage_ties(user, actor) -> bool:
    return is_coordinator(user)


# --- back office --------------------------------------------------------------


def can_use_admin(user) -> bool:
    return is_coordinator(user)


# --- activities -------------------------------------------------------------------


def visible_activities(user, queryset=None):
    """Activities this user may see: all for internal readers; public ones for everybody;
    actor editors also the activities their actors take part in."""

    qs = Activity.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        return qs.filter(Q(public=True) | Q(participations__actor_id__in=_edited_ids(user))).distinct()
    return qs.filter(public=True)


def visible_occurrences(user, queryset):
    """The same rule for ActivityOccurrence rows (which carry `public`)."""
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return queryset
    if role == Role.ACTOR_EDITOR:
        mine = Participation.objects.filter(actor_id__in=_edited_ids(user)).values("activity_id")
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
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return activity.participations.filter(actor_id__in=_edited_ids(user)).exists()
    return False


def can_view_activity_internal(user, activity) -> bool:
    """Outcome notes, persons taking part, unpublished participants."""
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return True
    if role == Role.ACTOR_EDITOR:
        return bool(_organiser_ids(activity) & _edited_ids(user))
    return False


def can_create_activity(user) -> bool:
    """Staff create any activity; actor editors create activities their actors organise."""
    return role_of(user) in (Role.COORDINATOR, Role.CITY_STAFF, Role.ACTOR_EDITOR)


def activity_organiser_choices(user, queryset=None):
    """Actors this user may name as organiser of a new or edited activity (None = any)."""
    if role_of(user) == Role.ACTOR_EDITOR:
        return visible_actors(user, queryset).filter(pk__in=_edited_ids(user))
    return None


def can_edit_activity(user, activity) -> bool:
    role = role_of(user)
    if role == Role.COORDINATOR:
        return True
    if role == Role.CITY_STAFF:
        return activity.created_by_id == user.pk or bool(_organiser_ids(activity) & _department_ids(user))
    if role == Role.ACTOR_EDITOR:
        return bool(_organiser_ids(activity) & _edited_ids(user))
    return False


def can_manage_calendar_sources(user, actor) -> bool:
    """Register or refresh an actor's own calendar feed: the office, or whoever edits the actor."""
    return can_edit_actor(user, actor)


def can_have_personal_feed(user) -> bool:
    return role_of(user) is not None


# --- interactions -------------------------------------------------------------------
# The contact log is internal: coordinators read and edit everything; city staff read
# contacts shared with all staff (visibility "staff"), record their own and edit those;
# actor editors and the public see none of it.


def can_use_contact_log(user) -> bool:
    return is_internal_reader(user)


def visible_interactions(user, queryset=None):

    qs = Interaction.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role == Role.COORDINATOR:
        return qs
    if role == Role.CITY_STAFF:
        return qs.filter(visibility=Visibility.STAFF)
    return qs.none()


def can_view_interaction(user, interaction) -> bool:

    role = role_of(user)
    if role == Role.COORDINATOR:
        return True
    return role == Role.CITY_STAFF and interaction.visibility == Visibility.STAFF


def can_create_interaction(user) -> bool:
    return is_internal_reader(user)


def interaction_visibility_choices(user) -> list[str]:
    """Visibilities this user may give a contact: city staff cannot hide one from themselves."""

    if is_coordinator(user):
        return list(Visibility.values)
    if is_city_staff(user):
        return [Visibility.STAFF]
    return []


def can_edit_interaction(user, interaction) -> bool:
    if not can_view_interaction(user, interaction):
        return False
    return is_coordinator(user) or interaction.created_by_id == user.pk


def can_be_assigned_followup(user, interaction=None) -> bool:
    """Whether `user` may own a follow-up (on `interaction`, if given): they must be able to read it."""
    if not is_internal_reader(user):
        return False
    return interaction is None or can_view_interaction(user, interaction)


def visible_followups(user, queryset=None):
    """Follow-ups on contacts the user may read, and standalone/activity ones they own or created."""

    qs = FollowUp.objects.all() if queryset is None else queryset
    role = role_of(user)
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
    if is_coordinator(user):
        return True
    if not is_city_staff(user):
        return False
    if followup.interaction_id is not None:
        return can_view_interaction(user, followup.interaction)
    return user.pk in (followup.assignee_id, followup.created_by_id)


def can_create_followup(user, interaction=None) -> bool:
    return is_internal_reader(user) and (interaction is None or can_view_interaction(user, interaction))


def can_change_followup(user, followup) -> bool:
    """Mark done or open again: the assignee, whoever created it, and the coordination."""
    if not can_view_followup(user, followup):
        return False
    return is_coordinator(user) or user.pk in (followup.assignee_id, followup.created_by_id)


def can_delete_followup(user, followup) -> bool:
    if not can_view_followup(user, followup):
        return False
    return is_coordinator(user) or followup.created_by_id == user.pk


# --- synergies: offers and needs ---------------------------------------------------------


def visible_listings(user, queryset=None):
    """Offers and needs this user may see (expiry is the caller's filter: `.current()`).

    Internal readers: all. Everybody else: public listings of published actors; actor editors
    also every listing of their own actors.
    """

    qs = Listing.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    public = Q(public=True, actor__published=True)
    if role == Role.ACTOR_EDITOR:
        return qs.filter(public | Q(actor_id__in=_edited_ids(user)))
    return qs.filter(public)


def can_manage_listings(user, actor) -> bool:
    """Post, change and withdraw an actor's offers and needs: whoever may edit the actor."""
    return can_edit_actor(user, actor)


# --- synergies: suggestions and introductions ---------------------------------------------


def can_view_suggestions(user, actor) -> bool:
    """Partner suggestions for `actor`: whoever reads its internal record (internal readers, its editors)."""
    return can_view_internal(user, actor)


def sees_internal_reasons(user) -> bool:
    """Reasons resting on internal data (non-public ties, internal listings) only reach internal readers.

    Actor editors see suggestions of published partners with the reasons that rest on public data.
    """
    return is_internal_reader(user)


def can_ask_synergy_question(user) -> bool:
    """The free-text question ("Wer arbeitet zu Klimaschutz in Burkina Faso?")."""
    return role_of(user) is not None


def can_manage_opt_out(user, actor) -> bool:
    return can_edit_actor(user, actor)


def visible_introductions(user, queryset=None):
    """Introductions: all for internal readers, those of their own actors for actor editors."""

    qs = Introduction.objects.all() if queryset is None else queryset
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.CITY_STAFF):
        return qs
    if role == Role.ACTOR_EDITOR:
        mine = _edited_ids(user)
        return qs.filter(Q(actor_a_id__in=mine) | Q(actor_b_id__in=mine))
    return qs.none()


def can_manage_introductions(user) -> bool:
    """Propose, send and advance introductions: the coordination."""
    return is_coordinator(user)


def can_request_introduction(user, actor) -> bool:
    """Ask the office to introduce `actor` (one's own) to a suggested partner."""
    return is_coordinator(user) or (role_of(user) == Role.ACTOR_EDITOR and actor.pk in _edited_ids(user))


# --- history ----------------------------------------------------------------


def readable_changes(user, queryset):
    """The change rows this user may read (visitors none): coordination-only rows for the coordination,
    the contact log's rows for city staff too, the rest for every internal reader of the record."""
    role = role_of(user)
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


def can_manage_personal_data(user) -> bool:
    """Persons' privacy page: legal basis, consent, restriction, access export, erasure, retention, Art. 30."""
    return is_coordinator(user)


def can_restore_changes(user) -> bool:
    return is_coordinator(user)


def can_read_change_feed(user) -> bool:
    return is_coordinator(user)
