"""Pages composed from several domains: the start page and an actor's profile.

A domain's own pages live in its app; a page that shows what several domains know about one thing
(the profile: the actor, its ties and encounters, activities, contacts, suggestions) is put
together here, above them all, so no domain imports a higher one to fill its page.
"""

from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from knotenpunkt.accounts import roles
from knotenpunkt.activities import participations
from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.activities import selectors as activity_selectors
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import selectors as actor_selectors
from knotenpunkt.actors.forms import DirectoryFilterForm
from knotenpunkt.actors.models import SDG, ActorKind, kind_count_label
from knotenpunkt.actors.views import get_actor_for_user
from knotenpunkt.changes import display
from knotenpunkt.changes.access import log_access
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.initiatives import selectors as initiative_selectors
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.interactions import selectors as interaction_selectors
from knotenpunkt.network import permissions as network_permissions
from knotenpunkt.network import selectors as network_selectors
from knotenpunkt.network.forms import TieForm
from knotenpunkt.network.readings import actor_position
from knotenpunkt.synergies import permissions as synergy_permissions


@require_GET
@cache_public_page
def home(request):
    visible = actor_permissions.visible_actors(request.user)
    counts = {row["kind"]: row["n"] for row in visible.order_by().values("kind").annotate(n=Count("pk"))}
    order = list(ActorKind.values)
    # Every kind with an actor gets a tile: the most frequent first, ties in the kinds' own order.
    present = sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else 99))
    context = {
        "form": DirectoryFilterForm(),
        "actor_count": sum(counts.values()),
        "kind_counts": [(kind_count_label(kind, n), kind, n) for kind, n in present],
        "sdgs": SDG.objects.all(),
    }
    return render(request, "pages/home.html", context)


@require_GET
@cache_public_page
def actor_profile(request, slug):
    user = request.user
    actor = get_actor_for_user(request, slug)
    internal = actor_permissions.can_view_internal(user, actor)
    context = {
        "actor": actor,
        "internal": internal,
        "ties": network_selectors.actor_ties_page(user=user, actor=actor, page_number=request.GET.get("beziehungen")),
        "direct_ties": network_selectors.direct_tie_count(user=user, actor=actor),
        "children": actor_selectors.visible_children(user=user, actor=actor),
        "parent": actor.parent if actor.parent and actor_permissions.can_view_actor(user, actor.parent) else None,
        "can_edit": actor_permissions.can_edit_actor(user, actor),
        "can_publish": actor_permissions.can_publish_actor(user, actor),
        "can_manage_calendar": activity_permissions.can_manage_calendar_sources(user, actor),
        "can_merge": actor_permissions.can_merge_actors(user),
        "can_manage_ties": network_permissions.can_manage_ties(user, actor),
        "derived_ties": network_selectors.derived_ties_for_profile(user=user, actor=actor),
        "network_position": actor_position(actor, internal=roles.is_internal_reader(user)),
        "actor_upcoming": activity_selectors.actor_activities(user=user, actor=actor, upcoming=True, limit=5),
        "actor_past": activity_selectors.actor_activities(user=user, actor=actor, upcoming=False, limit=5),
        "can_view_suggestions": synergy_permissions.can_view_suggestions(user, actor),
    }
    context["participation_requests"], context["participation_requests_count"] = participations.first_requests(
        participations.requests_for_actor(user=user, actor=actor)
    )
    if internal:
        context["memberships"] = actor_selectors.actor_memberships(actor)
        context["actor_editors"] = actor_selectors.actor_editors(actor)
        context["can_manage_persons"] = roles.can_manage_personal_data(user)
        # Restricted persons' contact data is not shown (Art. 18), so reading it is not logged either.
        shown = [m.person_id for m in context["memberships"] if not m.person.restricted]
        log_access(user, shown, _("Akteursprofil: %(name)s") % {"name": actor.name})
        context["history"] = display.describe(actor_selectors.actor_history(actor), subject=actor)
        # The initiatives it is a stakeholder in (an actor's editor: the public ones).
        context["stakeholdings"] = initiative_selectors.stakeholder_initiatives(actor, user)
    if interaction_permissions.can_use_contact_log(user):
        context["actor_interactions"] = interaction_selectors.actor_interactions(user=user, actor=actor)
    if context["can_manage_ties"]:
        context["tie_form"] = TieForm(source=actor)
    if request.htmx and "beziehungen" in request.GET:
        return render(request, "network/_ties.html", context)
    return render(request, "actors/detail.html", context)
