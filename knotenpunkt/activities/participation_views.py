"""Answering a requested participation (activities/participations.py): confirm or decline, by POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knotenpunkt.activities import participations, permissions
from knotenpunkt.activities.models import Participation


def _get_answerable(request, pk) -> Participation:
    participation = get_object_or_404(
        Participation.objects.select_related("activity", "actor"), pk=pk, actor__isnull=False
    )
    if not permissions.can_answer_participation(request.user, participation):
        raise PermissionDenied(_("Diese Anfrage beantworten nur die Koordination und wer den Akteur bearbeitet."))
    return participation


def _back(request, participation):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(participation.actor)


@login_required
@require_POST
def participation_confirm(request, pk):
    participation = _get_answerable(request, pk)
    try:
        participations.participation_confirm(user=request.user, participation=participation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Die Teilnahme von „%(actor)s“ an „%(activity)s“ ist bestätigt.")
            % {"actor": participation.actor.name, "activity": participation.activity.title},
        )
    return _back(request, participation)


@login_required
@require_POST
def participation_decline(request, pk):
    participation = _get_answerable(request, pk)
    try:
        participations.participation_decline(user=request.user, participation=participation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Die Teilnahme von „%(actor)s“ an „%(activity)s“ ist abgelehnt.")
            % {"actor": participation.actor.name, "activity": participation.activity.title},
        )
    return _back(request, participation)
