"""Partner suggestions: one actor's suggestions, the office's overview with the free-text question, opting out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.views import get_actor_for_user
from knotenpunkt.synergies import introductions, permissions, reasons, suggestions
from knotenpunkt.synergies import question as questions
from knotenpunkt.synergies.models import Suggestion, SuggestionOptOut

OVERVIEW_PAGE_SIZE = 20
OVERVIEW_MAX_PAIRS = 200  # the overview lists this many of the strongest pairs (10 pages)


def _rendered(user, rows):
    """(suggestion, reasons as sentences) for rows the reader may see; rows left with no reason are dropped."""
    internal = permissions.sees_internal_reasons(user)
    rows = list(rows)
    names = reasons.Names(user, [row.reasons for row in rows])
    out = []
    for row in rows:
        sentences = reasons.render(row.reasons, names=names, internal=internal)
        if sentences:
            out.append({"suggestion": row, "partner": row.partner, "actor": row.actor, "reasons": sentences})
    return out


@login_required
@require_GET
def actor_suggestions(request, slug):
    """The partners suggested for one actor, with their reasons and the introduction buttons."""
    actor = get_actor_for_user(request, slug)
    if not permissions.can_view_suggestions(request.user, actor):
        raise PermissionDenied(_("Vorschläge sehen die Koordination, die Stadt und die Bearbeitenden des Akteurs."))
    visible_partners = actor_permissions.visible_actors(request.user)
    if not permissions.sees_internal_reasons(request.user):
        visible_partners = visible_partners.filter(published=True)
    rows = (
        Suggestion.objects.filter(actor=actor, partner__in=visible_partners)
        .select_related("actor", "partner")
        .order_by("rank")
    )
    items = _rendered(request.user, rows)
    context = {
        "actor": actor,
        "items": items,
        "run": suggestions.latest_run(),
        "opted_out": SuggestionOptOut.objects.filter(actor=actor).exists(),
        "can_manage_opt_out": permissions.can_manage_opt_out(request.user, actor),
        "missing": suggestions.missing_information(actor),
        "introductions_by_pair": introductions.introductions_by_pair(actor, [i["partner"] for i in items]),
    }
    return render(request, "synergies/actor_suggestions.html", context)


@login_required
@require_POST
def opt_out(request, slug):
    """Switch an actor's suggestions off (`opt_out=1`) or on again."""
    actor = get_actor_for_user(request, slug)
    if not permissions.can_manage_opt_out(request.user, actor):
        raise PermissionDenied(_("Sie dürfen das für diesen Akteur nicht ändern."))
    if request.POST.get("opt_out") == "1":
        suggestions.opt_out(user=request.user, actor=actor)
        messages.success(
            request,
            _("%(name)s bekommt keine Vorschläge mehr und wird niemandem vorgeschlagen.") % {"name": actor.name},
        )
    else:
        suggestions.opt_in(user=request.user, actor=actor)
        messages.success(request, _("Vorschläge für %(name)s werden jetzt berechnet.") % {"name": actor.name})
    return redirect("synergies:actor_suggestions", slug=actor.slug)


@login_required
@require_GET
def overview(request):
    """The introductions worth making this week (the strongest pairs of the whole network) and the question."""
    if not roles.is_internal_reader(request.user):
        mine = actor_permissions.visible_actors(request.user).filter(pk__in=request.user.edited_actors.values("pk"))
        return render(request, "synergies/overview_editor.html", {"actors": mine.order_by("name")})
    # Each pair once, strongest first: the direction with the smaller id, or the only one stored
    # (a pair may be in one actor's top partners but not in the other's).
    reverse = Suggestion.objects.filter(actor_id=OuterRef("partner_id"), partner_id=OuterRef("actor_id"))
    rows = (
        Suggestion.objects.filter(Q(actor_id__lt=F("partner_id")) | ~Exists(reverse))
        .select_related("actor", "partner")
        .order_by("-score", "actor_id", "partner_id")
    )
    # The strongest pairs only: read from the index in score order, never a count over the million.
    page = Paginator(rows[:OVERVIEW_MAX_PAIRS], OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    items = _rendered(request.user, page.object_list)
    pairs = {}
    for item in items:
        pairs.update(introductions.introductions_by_pair(item["actor"], [item["partner"]]))
    context = {
        "page": page,
        "items": items,
        "run": suggestions.latest_run(),
        "introductions_by_pair": pairs,
        "q": request.GET.get("q", ""),
    }
    return render(request, "synergies/overview.html", context)


@login_required
@require_GET
def question(request):
    """Answers to the free-text question (a fragment for htmx, else the whole page)."""
    if not permissions.can_ask_synergy_question(request.user):
        raise PermissionDenied
    text = request.GET.get("q", "")[:300]
    parsed, answers = questions.ask(user=request.user, question=text)
    context = {"q": text, "parsed": parsed, "answers": answers}
    if request.htmx and not request.htmx.boosted:
        return render(request, "synergies/_question_results.html", context)
    return render(request, "synergies/question.html", context)
