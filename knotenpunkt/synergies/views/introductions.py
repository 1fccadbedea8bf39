"""Introduction pages: the dashboard /vermittlungen/, one introduction with its steps, proposing from a
suggestion, and an actor's request to the office. Changes go through synergies/introductions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.changes import display
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.changes.services import record_type_of
from knotenpunkt.interactions import permissions as interaction_permissions
from knotenpunkt.synergies import introductions as services
from knotenpunkt.synergies import permissions
from knotenpunkt.synergies import reasons as reason_texts
from knotenpunkt.synergies.forms import IntroductionProposeForm, IntroductionRequestForm, IntroductionStepForm
from knotenpunkt.synergies.models import INTRODUCTION_STEPS, IntroductionMailStatus, IntroductionStatus

MAX_ID = 2**63 - 1
# The dashboard lists open introductions in full; an office makes dozens, not thousands.
OPEN_LIMIT = 300
RECENT_CLOSED = 15
RELATIONS = ("actor_a", "actor_b", "requested_by", "created_by", "interaction", "tie")


def _require_reader(request) -> None:
    if roles.role_of(request.user) is None:
        raise PermissionDenied


def _get_introduction(request, pk) -> services.Introduction:
    """The introduction if this user may read it; 404 for others."""
    _require_reader(request)
    introduction = (
        permissions.visible_introductions(request.user).select_related(*RELATIONS).filter(pk=pk).first()
        if pk <= MAX_ID
        else None
    )
    if introduction is None:
        raise Http404(_("Diese Vermittlung gibt es nicht oder Sie dürfen sie nicht sehen."))
    return introduction


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- dashboard ------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    _require_reader(request)
    user = request.user
    visible = permissions.visible_introductions(user)
    open_rows = list(
        visible.filter(status__in=services.OPEN_STATES)
        .select_related(*RELATIONS)
        .order_by("created_at", "id")[:OPEN_LIMIT]
    )
    requests = [i for i in open_rows if i.status == IntroductionStatus.PROPOSED and i.requested_by_id]
    by_state = [
        {
            "status": status,
            "label": IntroductionStatus(status).label,
            "rows": [
                i
                for i in open_rows
                if i.status == status and not (status == IntroductionStatus.PROPOSED and i.requested_by_id)
            ],
        }
        for status in services.OPEN_STATES
    ]
    closed = list(
        visible.exclude(status__in=services.OPEN_STATES).select_related(*RELATIONS).order_by("-id")[:RECENT_CLOSED]
    )
    funnel = services.conversion(visible)
    chart = {
        "labels": [capfirst(row["label"]) for row in funnel],
        "data": [row["count"] for row in funnel],
        "title": _("Vermittlungen je Schritt"),
    }
    context = {
        "requests": requests,
        "by_state": by_state,
        "open_count": len(open_rows),
        "open_truncated": len(open_rows) >= OPEN_LIMIT,
        "closed": closed,
        "funnel": funnel,
        "chart": chart,
        "can_manage": permissions.can_manage_introductions(user),
    }
    return render(request, "synergies/introductions/dashboard.html", context)


# --- one introduction -------------------------------------------------------------------------


def _detail_context(request, introduction, *, form=None, error="", conflict=False) -> dict:
    user = request.user
    internal = roles.is_internal_reader(user)
    mails = list(introduction.mails.select_related("actor"))
    if not internal:
        # An actor's editor sees the mail their own actor got, not where the other side's went.
        mails = [m for m in mails if actor_permissions.can_view_internal(user, m.actor)]
    # The steps are the introduction's change rows; a decline's reason is for internal readers only.
    events = display.describe(
        Change.objects.for_record(record_type_of(introduction), introduction.pk)
        .select_related("user")
        .order_by("at", "id"),
        subject=introduction,
    )
    for event in events:
        event.reason = (event.change.data or {}).get("reason", "") if internal else ""
    can_manage = permissions.can_manage_introductions(user)
    steps = services.next_steps(introduction) if can_manage else []
    reached = {
        IntroductionStatus.PROPOSED: True,
        IntroductionStatus.INTRODUCED: introduction.introduced_at is not None,
        IntroductionStatus.MET: introduction.met_at is not None,
        IntroductionStatus.COOPERATING: introduction.cooperating_at is not None,
    }
    path = [
        {"status": str(step), "label": step.label, "reached": reached[step], "current": introduction.status == step}
        for step in INTRODUCTION_STEPS
    ]
    return {
        "introduction": introduction,
        "path": path,
        "mails": mails,
        "events": events,
        "reasons": _reasons_for(user, introduction.reasons),
        "can_manage": can_manage,
        "steps": steps,
        "form": form or IntroductionStepForm(initial={"version": introduction.version}),
        "error": error,
        "conflict": conflict,
        "failed_mails": can_manage and any(m.status == IntroductionMailStatus.FAILED for m in mails),
        "interaction_visible": introduction.interaction is not None
        and interaction_permissions.can_view_interaction(user, introduction.interaction),
    }


def _reasons_for(user, reasons) -> list[str]:
    """The stored reasons this user may read, as sentences (internal ones for internal readers only)."""
    return reason_texts.sentences(user, reasons or [])


@login_required
@require_GET
def introduction_detail(request, pk):
    introduction = _get_introduction(request, pk)
    return render(request, "synergies/introductions/detail.html", _detail_context(request, introduction))


def _run_step(request, introduction, form) -> tuple[str, str]:
    """Carry out the posted step; returns (success message, error message)."""
    data = form.cleaned_data
    step, version = data["step"], data["version"]
    user = request.user
    try:
        if step == "introduced":
            services.introduction_send(user=user, introduction=introduction, expected_version=version)
            return _("Die E-Mails an beide Seiten sind unterwegs."), ""
        if step == "met":
            services.introduction_mark_met(
                user=user,
                introduction=introduction,
                expected_version=version,
                date=data["date"],
                summary=data["summary"],
            )
            return _("Treffen eingetragen; der Kontakt steht im Kontaktprotokoll."), ""
        if step == "cooperating":
            services.introduction_mark_cooperating(user=user, introduction=introduction, expected_version=version)
            return _("Kooperation eingetragen; die Beziehung steht im Netzwerk."), ""
        if step == "declined":
            services.introduction_decline(
                user=user, introduction=introduction, expected_version=version, reason=data["reason"]
            )
            return _("Die Vermittlung ist abgeschlossen; das Paar wird nicht mehr vorgeschlagen."), ""
        count = services.introduction_retry_mails(user=user, introduction=introduction)
        if not count:
            return "", _("Es gibt keine fehlgeschlagenen E-Mails zu dieser Vermittlung.")
        return _("Die fehlgeschlagenen E-Mails werden erneut versucht."), ""
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        return "", _message(exc)


@login_required
@require_POST
def introduction_advance(request, pk):
    """The next step of an introduction (htmx swaps the status section, a plain post redirects)."""
    introduction = _get_introduction(request, pk)
    if not permissions.can_manage_introductions(request.user):
        raise PermissionDenied(_("Vermittlungen betreut die Koordinierungsstelle."))
    form = IntroductionStepForm(request.POST)
    done, error, conflict = "", "", False
    if form.is_valid():
        try:
            done, error = _run_step(request, introduction, form)
        except EditConflict as exc:
            error = _("Die Vermittlung wurde inzwischen von jemand anderem geändert (jetzt: %(status)s).") % {
                "status": exc.record.get_status_display()
            }
            conflict = True
    else:
        error = _("Der Schritt wurde nicht gespeichert. Bitte die markierten Angaben prüfen.")
    introduction = _get_introduction(request, pk)
    if done and not request.htmx:
        messages.success(request, done)
        return redirect(introduction)
    if done:
        context = _detail_context(request, introduction)
        context["status_message"] = done
    else:
        # The form keeps what was posted; the page shows the current state (and version) to retry on.
        context = _detail_context(request, introduction, form=form, error=error, conflict=conflict)
    if request.htmx:
        return render(request, "synergies/introductions/_status.html", context)
    return render(request, "synergies/introductions/detail.html", context, status=409 if conflict else 200)


# --- proposing and requesting -----------------------------------------------------------------


def _button(request, actor, partner, *, introduction=None, error="", status=200):
    """The introduction button of one suggestion again, for htmx to swap in place."""
    context = {"actor": actor, "partner": partner, "introduction_error": error}
    if introduction is not None:
        context["introductions_by_pair"] = {services.ordered_pair(actor, partner): introduction}
    return render(request, "synergies/_introduction_button.html", context, status=status)


@login_required
@require_POST
def introduction_create(request):
    """The coordinator proposes an introduction from a suggestion (actor, partner, note)."""
    _require_reader(request)
    if not permissions.can_manage_introductions(request.user):
        raise PermissionDenied(_("Vermittlungen schlägt die Koordinierungsstelle vor."))
    form = IntroductionProposeForm(request.POST)
    if not form.is_valid() and ("actor" in form.errors or "partner" in form.errors):
        raise Http404(_("Diese Akteure gibt es nicht."))
    actors = {a.pk: a for a in actor_permissions.visible_actors(request.user).filter(
        pk__in=[form.cleaned_data["actor"], form.cleaned_data["partner"]])}  # fmt: skip
    actor, partner = actors.get(form.cleaned_data["actor"]), actors.get(form.cleaned_data["partner"])
    if actor is None or partner is None:
        raise Http404(_("Diese Akteure gibt es nicht."))
    default = reverse("synergies:actor_suggestions", args=[actor.slug])
    try:
        if form.errors:
            raise ValidationError(form.errors["note"])
        introduction = services.introduction_propose(
            user=request.user, actor=actor, partner=partner, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        if request.htmx:
            return _button(request, actor, partner, error=_message(exc))
        messages.error(request, _message(exc))
        return redirect(_next_url(request, default))
    if request.htmx:
        return _button(request, actor, partner, introduction=introduction)
    messages.success(
        request,
        _("Vermittlung zwischen „%(a)s“ und „%(b)s“ vorgeschlagen.") % {"a": actor.name, "b": partner.name},
    )
    return redirect(introduction)


@login_required
@require_POST
def introduction_request(request, slug, partner):
    """An actor's editor asks the office to introduce their actor to a suggested partner."""
    _require_reader(request)
    visible = actor_permissions.visible_actors(request.user)
    actor = visible.filter(slug=slug).first()
    if actor is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder Sie dürfen ihn nicht sehen."))
    if not permissions.can_request_introduction(request.user, actor):
        raise PermissionDenied(
            _("Eine Vermittlung können nur die Redaktion des Akteurs und die Koordination anfragen.")
        )
    other = visible.filter(slug=partner).first()
    if other is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder Sie dürfen ihn nicht sehen."))
    form = IntroductionRequestForm(request.POST)
    default = reverse("synergies:actor_suggestions", args=[actor.slug])
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["note"])
        introduction = services.introduction_request(
            user=request.user, actor=actor, partner=other, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        if request.htmx:
            return _button(request, actor, other, error=_message(exc))
        messages.error(request, _message(exc))
        return redirect(_next_url(request, default))
    if request.htmx:
        return _button(request, actor, other, introduction=introduction)
    messages.success(
        request,
        _("Ihre Bitte um eine Vermittlung mit „%(name)s“ ist bei der Koordinierungsstelle angekommen.")
        % {"name": other.name},
    )
    return redirect(introduction)
