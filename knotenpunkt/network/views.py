from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.accounts import permissions
from knotenpunkt.actors import selectors as actor_selectors
from knotenpunkt.actors.views import _get_actor_for_user
from knotenpunkt.network import selectors, services
from knotenpunkt.network.forms import ColdFilterForm, TieForm


def _render_ties(request, actor, form, status=200):
    context = {
        "actor": actor,
        "ties": actor_selectors.actor_ties_page(user=request.user, actor=actor, page_number=1),
        "internal": permissions.can_view_internal(request.user, actor),
        "can_manage_ties": True,
        "tie_form": form,
    }
    return render(request, "network/_ties.html", context, status=status)


@login_required
@require_POST
def tie_create(request, slug):
    actor = _get_actor_for_user(request, slug)
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
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
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
    if not permissions.is_internal_reader(request.user):
        raise PermissionDenied(_("Diese Liste sehen nur die Koordination und die Mitarbeitenden der Stadt."))
    form = ColdFilterForm(request.GET)
    filters = form.filters()
    cutoff = selectors.cold_cutoff()
    actors = selectors.going_cold(
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
    if request.htmx and not request.htmx.boosted:
        return render(request, "network/_cold_results.html", context)
    return render(request, "network/cold.html", context)
