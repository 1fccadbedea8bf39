"""„Wir möchten mitwirken": an actor's editor offers their actor, the office answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knotenpunkt.initiatives import permissions, selectors, services
from knotenpunkt.initiatives.forms import ParticipationRequestForm
from knotenpunkt.initiatives.models import ParticipationRequest
from knotenpunkt.initiatives.views.pages import MAX_ID, get_initiative, public_context
from knotenpunkt.lib.forms import add_errors


@login_required
@require_POST
def request_create(request, pk):
    initiative = get_initiative(request, pk)
    if not permissions.can_request_participation(request.user, initiative):
        raise PermissionDenied(_("Mitwirken anbieten können die Redaktionen der Akteure, bei öffentlichen Vorhaben."))
    actors = selectors.editable_actors(request.user).exclude(stakeholdings__initiative=initiative)
    data = request.POST.copy()
    only = list(actors[:2])
    if not data.get("actor") and len(only) == 1:
        data["actor"] = only[0].pk  # the one actor this editor edits
    form = ParticipationRequestForm(data, actors=actors)
    if form.is_valid():
        try:
            services.participation_request(
                user=request.user,
                initiative=initiative,
                actor=form.cleaned_data["actor"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Danke! Die Koordinierungsstelle hat Ihre Anfrage erhalten und meldet sich bei Ihnen.")
            )
            return redirect(initiative)
    return render(
        request, "initiatives/public_detail.html", public_context(request, initiative, request_form=form), status=422
    )


@login_required
@require_POST
def request_answer(request, pk):
    if not permissions.can_answer_requests(request.user):
        raise PermissionDenied(_("Anfragen beantwortet die Koordinierungsstelle."))
    participation = (
        ParticipationRequest.objects.select_related("initiative", "actor").filter(pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if participation is None:
        raise Http404(_("Diese Anfrage gibt es nicht (mehr)."))
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Bitte „Aufnehmen“ oder „Ablehnen“ wählen."))
        return redirect(participation.initiative.get_absolute_url() + "#anfragen")
    try:
        services.participation_answer(
            user=request.user,
            request=participation,
            accept=decision == "accept",
            answer=request.POST.get("answer", "").replace("\x00", "")[:2000],
        )
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        if decision == "accept":
            messages.success(
                request, _("%(actor)s ist jetzt beteiligt (geplant: mitwirken).") % {"actor": participation.actor}
            )
        else:
            messages.success(request, _("Anfrage von %(actor)s abgelehnt.") % {"actor": participation.actor})
    return redirect(participation.initiative.get_absolute_url() + "#anfragen")
