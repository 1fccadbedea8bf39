""" "Mein Akteur": the home of an actor's editor, one section for each actor they edit.

It reads what the domains already show on other pages (activities, calendar import, offers and
needs, partner suggestions, introductions, the internal record the editor may read) and links to the
pages where each is changed. Coordinators and city staff have their Schreibtisch as home and are sent
there.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from knotenpunkt.accounts import roles
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.activities import selectors as activity_selectors
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import selectors as actor_selectors
from knotenpunkt.synergies import listings
from knotenpunkt.synergies import permissions as synergy_permissions
from knotenpunkt.synergies.models import Suggestion

SUGGESTIONS_SHOWN = 3
ACTIVITIES_SHOWN = 5
INTRODUCTIONS_SHOWN = 5


@login_required
@require_GET
def my_actor(request):
    """The editor's actors; the office's and the city's staff are sent to their Schreibtisch (this is
    also where everyone lands after logging in without a ?next=: settings.LOGIN_REDIRECT_URL)."""
    user = request.user
    if roles.is_internal_reader(user):
        return redirect("interactions:dashboard")
    actors = list(
        actor_permissions.visible_actors(user)
        .filter(pk__in=roles.edited_actor_ids(user))
        .annotate(source_count=Count("calendar_sources", distinct=True))
        .order_by("name")
    )
    return render(request, "pages/my_actor.html", {"sections": [_section(user, actor) for actor in actors]})


def _section(user, actor) -> dict:
    """What one actor's section shows, each part only as far as the user may see it."""
    internal = actor_permissions.can_view_internal(user, actor)
    section = {
        "actor": actor,
        "internal": internal,
        "can_edit": actor_permissions.can_edit_actor(user, actor),
        "can_create_activity": activity_permissions.can_create_activity(user),
        "can_manage_calendar": activity_permissions.can_manage_calendar_sources(user, actor),
        "upcoming": activity_selectors.actor_activities(user=user, actor=actor, upcoming=True, limit=ACTIVITIES_SHOWN),
        "listings": listings.profile_listings(user=user, actor=actor),
        "can_view_suggestions": synergy_permissions.can_view_suggestions(user, actor),
        "introductions": list(
            synergy_permissions.visible_introductions(user)
            .filter(Q(actor_a=actor) | Q(actor_b=actor))
            .select_related("actor_a", "actor_b")
            .order_by("-created_at")[:INTRODUCTIONS_SHOWN]
        ),
    }
    if section["can_view_suggestions"]:
        partners = actor_permissions.visible_actors(user)
        if not synergy_permissions.sees_internal_reasons(user):
            partners = partners.filter(published=True)
        section["suggestions"] = list(
            Suggestion.objects.filter(actor=actor, partner__in=partners)
            .select_related("partner")
            .order_by("rank")[:SUGGESTIONS_SHOWN]
        )
    if internal:
        section["memberships"] = actor_selectors.actor_memberships(actor)
    for introduction in section["introductions"]:
        introduction.other = introduction.actor_b if introduction.actor_a_id == actor.pk else introduction.actor_a
    return section
