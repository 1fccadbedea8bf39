"""Initiative pages: the internal list, the public Vorhabenliste, one initiative, create and edit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.initiatives import coverage, involvement, permissions, selectors, services
from knotenpunkt.initiatives.forms import (
    AddStakeholdersForm,
    CouncilPaperForm,
    InitiativeForm,
    ListFilterForm,
    ParticipationRequestForm,
)
from knotenpunkt.initiatives.models import CouncilPaper, Initiative
from knotenpunkt.lib.forms import add_errors

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 30
MAX_ID = 2**63 - 1


def get_initiative(request, pk) -> Initiative:
    """The initiative if this user may see it; 404 otherwise (an internal one does not leak)."""
    initiative = (
        permissions.visible_initiatives(request.user).select_related("lead").filter(pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if initiative is None:
        raise Http404(_("Dieses Vorhaben gibt es nicht oder es ist nicht öffentlich."))
    return initiative


def require_manager(request) -> None:
    if not permissions.can_manage_initiatives(request.user):
        raise PermissionDenied(_("Vorhaben plant die Koordinierungsstelle."))


@login_required
@require_GET
def initiative_list(request):
    if not permissions.can_view_initiative_internal(request.user):
        return redirect("initiatives:public_list")
    form = ListFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.initiative_list(
        request.user, q=filters.get("q", ""), phase=filters.get("phase", ""), public=filters.get("public", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_figures(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "initiatives/list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "can_manage": permissions.can_manage_initiatives(request.user),
            "filtered": any(filters.values()),
        },
    )


@require_GET
@cache_public_page
def public_list(request):
    page = Paginator(selectors.public_list(), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    return render(
        request,
        "initiatives/public_list.html",
        {
            "page": page,
            "ahead": [i for i in items if not i.decided],
            "decided": [i for i in items if i.decided],
            "lead_days": selectors.PUBLIC_LEAD_DAYS,
        },
    )


@require_GET
def initiative_detail(request, pk):
    initiative = get_initiative(request, pk)
    if permissions.can_view_initiative_internal(request.user):
        return render(request, "initiatives/detail.html", internal_context(request, initiative))
    return render(request, "initiatives/public_detail.html", public_context(request, initiative))


def stakeholder_context(request, initiative: Initiative, **extra) -> dict:
    """What the stakeholder section (grid, table, figures, „Wer fehlt?") needs; htmx re-renders it.
    `themes` and `countries` (the initiative's, if the caller has read them) spare two queries."""
    stakeholders = selectors.stakeholders_of(initiative)
    can_manage = permissions.can_manage_initiatives(request.user)
    themes = extra.pop("themes", None)
    countries = extra.pop("countries", None)
    theme_ids = [t.pk for t in themes] if themes is not None else initiative.themes.values_list("pk", flat=True)
    codes = (
        [c.code for c in countries] if countries is not None else initiative.countries.values_list("country", flat=True)
    )
    return {
        "initiative": initiative,
        "stakeholders": stakeholders,
        "grid": selectors.grid(stakeholders),
        "early": involvement.early_share(initiative, stakeholders),
        "high_influence": involvement.HIGH_INFLUENCE,
        "warnings": involvement.warnings(initiative, stakeholders),
        "gaps": coverage.gaps_of_loaded(initiative, stakeholders, theme_ids, codes),
        "can_manage": can_manage,
        "add_form": extra.pop("add_form", None) or (AddStakeholdersForm(user=request.user) if can_manage else None),
        **extra,
    }


def internal_context(request, initiative: Initiative, **extra) -> dict:
    themes = list(initiative.themes.all())
    countries = [c.country for c in initiative.countries.all()]
    return {
        **stakeholder_context(request, initiative, themes=themes, countries=countries),
        "themes": themes,
        "sdgs": list(initiative.sdgs.all()),
        "countries": countries,
        "timeline": selectors.timeline(initiative, request.user),
        "requests": selectors.open_requests(initiative),
        "public_hint": selectors.public_hint(initiative),
        "paper": CouncilPaper.objects.filter(initiative=initiative).first(),
        "paper_form": extra.pop("paper_form", None) or CouncilPaperForm(),
        "oparl_search": bool(settings.OPARL_SYSTEM_URL),
        **extra,
    }


def public_context(request, initiative: Initiative, **extra) -> dict:
    form = extra.pop("request_form", None)
    if form is None and permissions.can_request_participation(request.user, initiative):
        # Offered only for actors not yet on the list (those see their involvement instead).
        actors = selectors.editable_actors(request.user).exclude(stakeholdings__initiative=initiative)
        if actors.exists():
            form = ParticipationRequestForm(actors=actors)
    return {
        "initiative": initiative,
        "lead": initiative.lead if initiative.lead_id and initiative.lead.published else None,
        "themes": list(initiative.themes.all()),
        "countries": [c.country for c in initiative.countries.all()],
        "own": selectors.own_stakeholdings(initiative, request.user),
        "own_requests": selectors.requests_of_user(initiative, request.user),
        "request_form": form,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request):
    require_manager(request)
    if request.method == "POST":
        form = InitiativeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                initiative = services.initiative_create(user=request.user, data=form.data_for_service())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Vorhaben angelegt. Jetzt die Beteiligten aufnehmen."))
                return redirect(initiative)
    else:
        form = InitiativeForm(user=request.user)
    status = 422 if form.errors else 200
    return render(request, "initiatives/form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request, pk):
    require_manager(request)
    initiative = get_initiative(request, pk)
    conflict, conflict_changes = None, []
    if request.method == "POST":
        form = InitiativeForm(request.POST, user=request.user, instance=initiative)
        if form.is_valid():
            try:
                services.initiative_update(
                    user=request.user,
                    initiative=initiative,
                    data=form.data_for_service(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except EditConflict as exc:
                # The stored version is shown; what the user typed stays in the form, to save onto it.
                conflict, conflict_changes = exc.record, exc.changes
                data = request.POST.copy()
                data["version"] = conflict.version
                form = InitiativeForm(data, user=request.user, instance=conflict)
                form.is_valid()
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Vorhaben gespeichert."))
                return redirect(initiative)
    else:
        form = InitiativeForm(user=request.user, instance=initiative)
    status = 409 if conflict else 422 if form.errors else 200
    return render(
        request,
        "initiatives/form.html",
        {"form": form, "initiative": initiative, "conflict": conflict, "conflict_changes": conflict_changes},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_delete(request, pk):
    require_manager(request)
    if request.method == "POST" and not Initiative.objects.filter(pk=pk).exists() and pk <= MAX_ID:
        messages.info(request, _("Das Vorhaben war schon gelöscht."))  # a repeated submit
        return redirect("initiatives:list")
    initiative = get_initiative(request, pk)
    if request.method == "POST":
        services.initiative_delete(user=request.user, initiative=initiative)
        messages.success(request, _("Vorhaben „%(title)s“ gelöscht.") % {"title": initiative.title})
        return redirect("initiatives:list")
    counts = {
        "stakeholders": initiative.stakeholders.count(),
        "links": initiative.links.count(),
        "requests": initiative.requests.count(),
    }
    return render(request, "initiatives/confirm_delete.html", {"initiative": initiative, **counts})
