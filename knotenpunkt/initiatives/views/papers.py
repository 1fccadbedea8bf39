"""The council paper of an initiative (OParl): link by address or by search, unlink."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.initiatives import council_papers, oparl
from knotenpunkt.initiatives.forms import CouncilPaperForm
from knotenpunkt.initiatives.views.pages import get_initiative, internal_context, require_manager


@login_required
@require_POST
def paper_link(request, pk):
    require_manager(request)
    initiative = get_initiative(request, pk)
    form = CouncilPaperForm(request.POST)
    if form.is_valid():
        try:
            paper = council_papers.link(user=request.user, initiative=initiative, url=form.cleaned_data["url"])
        except ValidationError as exc:
            form.add_error("url", exc.message_dict.get("url", exc.messages))
        else:
            messages.success(
                request, _("Drucksache verknüpft: %(paper)s.") % {"paper": paper.reference or paper.name or paper.url}
            )
            return redirect(initiative.get_absolute_url() + "#drucksache")
    context = internal_context(request, initiative, paper_form=form)
    return render(request, "initiatives/detail.html", context, status=422)


@login_required
@require_POST
def paper_unlink(request, pk):
    require_manager(request)
    initiative = get_initiative(request, pk)
    council_papers.unlink(user=request.user, initiative=initiative)
    messages.success(request, _("Die Verknüpfung mit der Drucksache ist gelöst."))
    return redirect(initiative.get_absolute_url() + "#drucksache")


@login_required
@require_GET
def paper_search(request, pk):
    """Papers of the city's council system matching ?q= (htmx into the page, or a page of its own)."""
    require_manager(request)
    initiative = get_initiative(request, pk)
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:100]
    results, error = [], ""
    if not settings.OPARL_SYSTEM_URL:
        error = _(
            "Für die Suche ist kein Ratsinformationssystem eingerichtet (OPARL_SYSTEM_URL). Die OParl-Adresse "
            "einer Drucksache lässt sich trotzdem einfügen."
        )
    elif len(q) < 3:
        error = _("Bitte mindestens drei Zeichen eingeben.")
    else:
        try:
            results = oparl.search(q, settings.OPARL_SYSTEM_URL)
        except oparl.OParlError as exc:
            error = str(exc)
    context = {"initiative": initiative, "results": results, "error": error, "q": q}
    template = "initiatives/_paper_results.html" if request.htmx else "initiatives/paper_search.html"
    return render(request, template, context)
