from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import ActorKind
from knotenpunkt.actors.views import get_actor_for_user
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.lib.forms import add_errors
from knotenpunkt.network import map as graph_map
from knotenpunkt.network import permissions, selectors, services
from knotenpunkt.network.forms import ColdFilterForm, TieForm
from knotenpunkt.network.map_forms import TIE_KIND_CHOICES, MapFilterForm


def _render_ties(request, actor, form, status=200):
    context = {
        "actor": actor,
        "ties": selectors.actor_ties_page(user=request.user, actor=actor, page_number=1),
        "direct_ties": selectors.direct_tie_count(user=request.user, actor=actor),
        "internal": actor_permissions.can_view_internal(request.user, actor),
        "can_manage_ties": True,
        "tie_form": form,
    }
    return render(request, "network/_ties.html", context, status=status)


@login_required
@require_POST
def tie_create(request, slug):
    actor = get_actor_for_user(request, slug)
    if not permissions.can_manage_ties(request.user, actor):
        raise PermissionDenied(_("Sie dürfen keine Beziehungen anlegen."))
    form = TieForm(request.POST, source=actor)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tie_create(
                user=request.user,
                source=actor,
                target=data["target"],
                kind=data["kind"],
                start_date=data.get("start_date"),
                end_date=data.get("end_date"),
                note=data.get("note", ""),
                public=data.get("public", False),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if request.htmx:
                return _render_ties(request, actor, TieForm(source=actor))
            messages.success(request, _("Beziehung angelegt."))
            return redirect(actor)
    if request.htmx:
        return _render_ties(request, actor, form, status=422)
    messages.error(
        request,
        _("Die Beziehung konnte nicht angelegt werden: %s")
        % "; ".join(str(e) for errors in form.errors.values() for e in errors),
    )
    return redirect(actor)


@login_required
@require_POST
def tie_delete(request, pk):
    tie = get_object_or_404(permissions.visible_ties(request.user).select_related("source", "target"), pk=pk)
    if not permissions.can_manage_ties(request.user, tie.source):
        raise PermissionDenied(_("Sie dürfen diese Beziehung nicht löschen."))
    back = request.POST.get("actor")
    actor = tie.target if back == tie.target.slug else tie.source
    services.tie_delete(user=request.user, tie=tie)
    if request.htmx:
        return _render_ties(request, actor, TieForm(source=actor))
    messages.success(request, _("Beziehung entfernt."))
    return redirect(actor)


COLD_PAGE_SIZE = 50


@login_required
@require_GET
def going_cold(request):
    """Actors without contact for more than 12 months (staff only): where the network is going cold."""
    if not roles.is_internal_reader(request.user):
        raise PermissionDenied(_("Diese Liste sehen nur die Koordination und die Mitarbeitenden der Stadt."))
    form = ColdFilterForm(request.GET)
    filters = form.filters()
    cutoff = selectors.cold_cutoff()
    actors = selectors.going_cold(
        user=request.user,
        cutoff=cutoff,
        include_never=filters.get("never", False),
        kind=filters.get("kind", ""),
        order=filters.get("sort", "zuletzt"),
    )
    page = Paginator(actors, COLD_PAGE_SIZE).get_page(request.GET.get("page"))
    sort = filters.get("sort", "zuletzt")
    columns = []  # in table order; the date comes early so it stays in view on a phone
    for key, label in (("name", _("Akteur")), ("zuletzt", _("Letzter Kontakt")), ("", _("über")), ("art", _("Art"))):
        aria = "ascending" if key and sort == key else "descending" if key and sort == f"-{key}" else ""
        next_sort = (f"-{key}" if sort == key else key) if key else ""
        columns.append({"label": label, "next_sort": next_sort, "aria_sort": aria})
    context = {"form": form, "filters": filters, "page": page, "cutoff": cutoff, "columns": columns}
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "network/_cold_results.html", context)
    return render(request, "network/cold.html", context)


# --- network map ----------------------------------------------------------------------


@require_GET
def network_map(request):
    """The interactive map: the page only; the graph arrives as JSON (graph_json, ego_json)."""
    form = MapFilterForm(request.GET, user=request.user)
    ego = None
    if request.GET.get("ego"):
        ego = (
            actor_permissions.visible_actors(request.user)
            .filter(slug=request.GET["ego"])
            .only("pk", "name", "slug")
            .first()
        )
    filters = form.filters()
    context = {
        "form": form,
        "view": filters.get("view") or "graph",
        "community": filters.get("community"),
        "active_filters": form.active_filter_count(),
        "ego": ego,
        "steps": 2 if request.GET.get("steps") == "2" else 1,
        "ego_limit": graph_map.EGO_MAX_NODES,
        "graph_limit": graph_map.GRAPH_MAX_NODES,
        "kinds": ActorKind.choices,
        "labels": {
            "kinds": {k: str(v) for k, v in ActorKind.choices},
            "tie_kinds": {k: str(v) for k, v in TIE_KIND_CHOICES} | {graph_map.COMBINED: _("Verbindungen")},
            "column_actors": _("Akteure"),
            "column_ties": _("Verbindungen in dieser Ansicht"),
            "caption_actors": _("Akteure"),
            "caption_kinds": _("Arten von Akteuren"),
            "caption_groups": _("Gruppen"),
            "loading": _("Die Karte wird geladen …"),
            "shown": _("%(nodes)s Akteure und %(edges)s Beziehungen angezeigt."),
            "truncated": _(
                "Nur die am besten vernetzten %(limit)s von %(total)s Akteuren werden gezeigt – "
                "enger filtern oder die Ansicht „nach Art“ oder „nach Gruppen“ wählen."
            ),
            "ego_truncated": _("Ein Ausschnitt: die stärksten Beziehungen, höchstens %(limit)s Akteure."),
            "edges_truncated": _("Nur die stärksten %(n)s Beziehungen werden gezeigt."),
            "aggregated": _("%(total)s Akteure, nach Art zusammengefasst."),
            "communities": _("%(total)s Akteure in %(groups)s Gruppen (Akteure ohne Verbindung gehören zu keiner)."),
            "snapshot": _("Stand der Auswertung: %(time)s."),
            "community_filter": _("Gruppe %(n)s"),
            "community_back": _("Zurück zu allen Gruppen"),
            "empty": _("Keine Akteure für diese Filter."),
            "error": _("Die Karte konnte nicht geladen werden. Bitte später erneut versuchen."),
            "not_found": _("Kein Akteur dieses Namens auf der Karte."),
            "ties": _("%(n)s Verbindungen in dieser Ansicht"),
            "direct_tie": _("%(n)s direkte Beziehung"),
            "direct_ties": _("%(n)s direkte Beziehungen"),
            "actors": _("%(n)s Akteure"),
            "filters_none": _("Filter"),
            "filters_active": _("Filter (%(n)s aktiv)"),
        },
    }
    return render(request, "network/map.html", context)


@require_GET
@cache_public_page
def ego_json(request, slug):
    """The ego network of one actor (?steps=1|2, ?layer=declared|derived) as graph JSON."""
    actor = actor_permissions.visible_actors(request.user).filter(slug=slug).only("pk", "slug").first()
    if actor is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder er ist nicht öffentlich."))
    layer = request.GET.get("layer", "")
    layers = (layer,) if layer in ("declared", "derived") else ("declared", "derived")
    steps = 2 if request.GET.get("steps") == "2" else 1
    data = graph_map.ego_graph(user=request.user, actor=actor, steps=steps, layers=layers)
    return JsonResponse(data)


@require_GET
@cache_public_page
def graph_json(request):
    """The filtered subgraph (the best-connected actors first, capped), or an aggregated view:
    ?view=kinds by actor kind, ?view=communities by group of the latest network snapshot.
    ?community=N (a group of that snapshot) narrows the subgraph to the group's members."""
    filters = MapFilterForm(request.GET, user=request.user).filters()
    if filters.get("view") == "kinds":
        data = graph_map.kind_graph(user=request.user, filters=filters)
    elif filters.get("view") == "communities":
        data = graph_map.community_graph(user=request.user)
    else:
        data = graph_map.subgraph(user=request.user, filters=filters)
    return JsonResponse(data)
