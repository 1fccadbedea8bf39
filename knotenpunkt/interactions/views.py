"""Contact log pages: list, record, detail with follow-ups, edit, delete; the personal dashboard."""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.activities import permissions as activity_permissions
from knotenpunkt.activities.models import ActivityKind
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.interactions import permissions, selectors, services
from knotenpunkt.interactions.forms import PICKERS, FollowUpForm, InteractionForm
from knotenpunkt.interactions.models import Channel, FollowUp, Interaction
from knotenpunkt.lib.forms import add_errors

PAGE_SIZE = 25
MAX_ID = 2**63 - 1
# Names and ids a picker sends back end up in attributes: letters, digits, _ and - only.
FIELD_NAME = re.compile(r"^[a-z_]{1,40}$")
WIDGET_ID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
# A contact recorded from an activity takes the matching channel.
CHANNEL_FOR_KIND = {ActivityKind.MEETING: Channel.MEETING, ActivityKind.TALK: Channel.MEETING}


def _require_contact_log(request) -> None:
    if not permissions.can_use_contact_log(request.user):
        raise PermissionDenied(_("Das Kontaktprotokoll ist nur für die Koordination und die Stadtverwaltung."))


def _get_interaction(request, pk) -> Interaction:
    """The contact if this user may read it; 404 for contacts hidden from them."""
    _require_contact_log(request)
    interaction = selectors.interaction_for_user(user=request.user, pk=pk) if pk <= MAX_ID else None
    if interaction is None:
        raise Http404(_("Diesen Kontakt gibt es nicht oder Sie dürfen ihn nicht sehen."))
    return interaction


def _get_editable_interaction(request, pk) -> Interaction:
    interaction = _get_interaction(request, pk)
    if not permissions.can_edit_interaction(request.user, interaction):
        raise PermissionDenied(_("Diesen Kontakt darf nur bearbeiten, wer ihn erfasst hat, oder die Koordination."))
    return interaction


def _get_followup(request, pk) -> FollowUp:
    _require_contact_log(request)
    followup = (
        FollowUp.objects.select_related("interaction", "activity", "assignee", "created_by", "done_by")
        .filter(pk=pk)
        .first()
        if pk <= MAX_ID
        else None
    )
    if followup is None or not permissions.can_view_followup(request.user, followup):
        raise Http404(_("Diese Wiedervorlage gibt es nicht oder Sie dürfen sie nicht sehen."))
    return followup


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _with_permissions(user, followups):
    for followup in followups:
        followup.user_can_change = permissions.can_change_followup(user, followup)
        followup.user_can_delete = permissions.can_delete_followup(user, followup)
        followup.user_can_see_interaction = followup.interaction_id is not None and permissions.can_view_interaction(
            user, followup.interaction
        )
    return followups


# --- dashboard ------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    _require_contact_log(request)
    context = selectors.dashboard(user=request.user, show_all=request.GET.get("alle") == "1")
    for key in ("overdue", "due", "for_others"):
        _with_permissions(request.user, context[key])
    return render(request, "interactions/dashboard.html", context)


# --- contacts ----------------------------------------------------------------------------------


@login_required
@require_GET
def interaction_list(request):
    _require_contact_log(request)
    form = selectors.InteractionFilterForm(request.GET, user=request.user)
    filters = form.filters()
    qs = selectors.with_list_relations(selectors.interaction_list(user=request.user, filters=filters))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "querystring": query.urlencode(),
        "can_create": permissions.can_create_interaction(request.user),
    }
    template = (
        "interactions/_list_results.html" if request.htmx and not request.htmx.boosted else "interactions/list.html"
    )
    return render(request, template, context)


def _prefill(request) -> dict:
    """Initial values from ?actor=<slug>&activity=<pk> (links on profiles and activities)."""
    initial = {}
    slugs = [s for s in request.GET.getlist("actor")[:20] if s and len(s) <= 220]
    if slugs:
        initial["actors"] = list(
            actor_permissions.visible_actors(request.user).filter(slug__in=slugs).values_list("pk", flat=True)
        )
    activity_id = request.GET.get("activity", "")
    if activity_id.isdigit() and int(activity_id) <= MAX_ID:
        activity = activity_permissions.visible_activities(request.user).filter(pk=int(activity_id)).first()
        if activity is not None:
            initial["activity"] = activity.pk
            initial["date"] = timezone.localtime(activity.start).date()
            initial["channel"] = CHANNEL_FOR_KIND.get(activity.kind, Channel.EVENT)
            participants = list(
                activity.participations.filter(actor__isnull=False).values_list("actor_id", flat=True)[:50]
            )
            initial["actors"] = list(dict.fromkeys([*initial.get("actors", []), *participants]))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def interaction_create(request):
    _require_contact_log(request)
    if not permissions.can_create_interaction(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = InteractionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                interaction = services.interaction_create(
                    user=request.user, data=form.data_for_service(), followup=form.followup_for_service()
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if form.followup_for_service():
                    messages.success(request, _("Kontakt und Wiedervorlage gespeichert."))
                else:
                    messages.success(request, _("Kontakt gespeichert."))
                return redirect(interaction)
    else:
        form = InteractionForm(user=request.user, initial=_prefill(request))
    return render(request, "interactions/form.html", {"form": form, "creating": True})


@login_required
@require_GET
def interaction_detail(request, pk):
    interaction = _get_interaction(request, pk)
    return render(request, "interactions/detail.html", _detail_context(request, interaction))


def _detail_context(request, interaction, followup_form=None) -> dict:
    user = request.user
    can_add = permissions.can_create_followup(user, interaction)
    return {
        "interaction": interaction,
        "followups": _with_permissions(user, selectors.interaction_followups(interaction)),
        "can_edit": permissions.can_edit_interaction(user, interaction),
        "can_add_followup": can_add,
        "followup_form": followup_form or (FollowUpForm(user=user) if can_add else None),
        "activity_visible": interaction.activity is not None
        and activity_permissions.can_view_activity(user, interaction.activity),
    }


@login_required
@require_http_methods(["GET", "POST"])
def interaction_edit(request, pk):
    interaction = _get_editable_interaction(request, pk)
    conflict, conflict_changes = None, []
    if request.method == "POST":
        form = InteractionForm(request.POST, user=request.user, instance=interaction, with_followup=False)
        if form.is_valid():
            expected = form.cleaned_data.get("version") or interaction.version
            try:
                interaction = services.interaction_update(
                    user=request.user, interaction=interaction, data=form.data_for_service(), expected_version=expected
                )
            except EditConflict as exc:
                conflict, conflict_changes = exc.record, exc.changes
                data = request.POST.copy()
                data["version"] = conflict.version
                form = InteractionForm(data, user=request.user, instance=conflict, with_followup=False)
                form.is_valid()
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Änderungen gespeichert."))
                return redirect(interaction)
    else:
        form = InteractionForm(user=request.user, instance=interaction, with_followup=False)
    if conflict is not None:
        conflict = selectors.interaction_for_user(user=request.user, pk=conflict.pk)
    return render(
        request,
        "interactions/form.html",
        {
            "form": form,
            "interaction": interaction,
            "conflict": conflict,
            # Who saved in between, and when (the change rows since the version the form was loaded with).
            "conflict_changes": conflict_changes,
            "creating": False,
        },
        status=409 if conflict else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def interaction_delete(request, pk):
    interaction = _get_editable_interaction(request, pk)
    if request.method == "POST":
        services.interaction_delete(user=request.user, interaction=interaction)
        messages.success(request, _("Der Kontakt vom %s wurde gelöscht.") % interaction.date.strftime("%d.%m.%Y"))
        return redirect("interactions:list")
    return render(
        request,
        "interactions/confirm_delete.html",
        {"interaction": interaction, "open_followups": interaction.followups.filter(done_at__isnull=True).count()},
    )


@login_required
@require_GET
def pick(request, kind):
    """Matching entries for a picker field (htmx): checkboxes, or radios for a single choice."""
    _require_contact_log(request)
    picker = PICKERS.get(kind)
    if picker is None:
        raise Http404
    field = request.GET.get("field", kind)
    if not FIELD_NAME.fullmatch(field):
        field = kind
    widget_id = request.GET.get("id", "")
    if not WIDGET_ID.fullmatch(widget_id):
        widget_id = f"id_{field}"
    # The picker's search box is named "<field>_suche" (one per picker in a form).
    q = (request.GET.get(f"{field}_suche") or request.GET.get("q") or "").replace("\x00", "").strip()[:100]
    items = []
    if len(q) >= 2:
        chosen = [v for v in request.GET.getlist(field) if v][:200]
        items = [(obj.pk, picker.label(obj)) for obj in picker.search(request.user, q, exclude=chosen)]
    return render(
        request,
        "interactions/_picker_options.html",
        {"items": items, "name": field, "id": widget_id, "kind": kind,
         "multiple": picker.multiple, "q": q},
    )  # fmt: skip


# --- follow-ups --------------------------------------------------------------------------------


@login_required
@require_POST
def followup_add(request, pk):
    """Add a follow-up on the contact's page (htmx re-renders the follow-up section)."""
    interaction = _get_interaction(request, pk)
    if not permissions.can_create_followup(request.user, interaction):
        raise PermissionDenied
    form = FollowUpForm(request.POST, user=request.user)
    created = None
    if form.is_valid():
        try:
            created = services.followup_create(user=request.user, interaction=interaction, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
    if created is not None and not request.htmx:
        messages.success(request, _("Wiedervorlage „%s“ angelegt.") % created.title)
        return redirect(interaction)
    context = _detail_context(request, interaction, followup_form=None if created else form)
    context["created"] = created
    template = "interactions/_followups.html" if request.htmx else "interactions/detail.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def followup_new(request):
    """A follow-up on its own, or on an activity (?activity=<pk>)."""
    _require_contact_log(request)
    activity = None
    activity_id = request.POST.get("activity") or request.GET.get("activity") or ""
    if activity_id.isdigit() and int(activity_id) <= MAX_ID:
        activity = activity_permissions.visible_activities(request.user).filter(pk=int(activity_id)).first()
    form = FollowUpForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            followup = services.followup_create(user=request.user, activity=activity, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Wiedervorlage „%s“ angelegt.") % followup.title)
            return redirect(_next_url(request, reverse("interactions:dashboard")))
    return render(request, "interactions/followup_form.html", {"form": form, "activity": activity})


def _render_row(request, followup, **extra):
    """One follow-up row again, for htmx to swap in place."""
    followup = _with_permissions(request.user, [followup])[0]
    context = {
        "followup": followup,
        "show_context": request.POST.get("show_context") == "1",
        "next_url": _next_url(request, ""),
        **extra,
    }
    return render(request, "interactions/_followup_row.html", context)


def _followup_changed(request, followup, message):
    """After complete/reopen: htmx gets the row again (on the Schreibtisch with the lists' new counts, for
    static/js/knotenpunkt.js to show), a plain form post goes back where it came from."""
    if request.htmx:
        response = _render_row(request, followup, status=message)
        # The row's form names the page it sits on (`next`): on the Schreibtisch, its counts follow.
        if _next_url(request, "").split("?")[0] == reverse("interactions:dashboard"):
            response["HX-Trigger"] = json.dumps({"followupCounts": selectors.dashboard_counts(user=request.user)})
        return response
    messages.success(request, message)
    return redirect(_next_url(request, followup.get_absolute_url()))


@login_required
@require_POST
def followup_complete(request, pk):
    followup = _get_followup(request, pk)
    if not permissions.can_change_followup(request.user, followup):
        raise PermissionDenied(
            _("Diese Wiedervorlage dürfen nur die zuständige Person und wer sie angelegt hat abhaken.")
        )
    services.followup_complete(user=request.user, followup=followup)
    followup = _get_followup(request, pk)
    return _followup_changed(request, followup, _("„%s“ ist erledigt.") % followup.title)


@login_required
@require_POST
def followup_reopen(request, pk):
    followup = _get_followup(request, pk)
    if not permissions.can_change_followup(request.user, followup):
        raise PermissionDenied
    try:
        services.followup_reopen(user=request.user, followup=followup)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if request.htmx:
            return _render_row(request, followup, error=message)
        messages.error(request, message)
        return redirect(_next_url(request, followup.get_absolute_url()))
    followup = _get_followup(request, pk)
    return _followup_changed(request, followup, _("„%s“ ist wieder offen.") % followup.title)


@login_required
@require_POST
def followup_delete(request, pk):
    followup = _get_followup(request, pk)
    if not permissions.can_delete_followup(request.user, followup):
        raise PermissionDenied
    interaction = followup.interaction
    services.followup_delete(user=request.user, followup=followup)
    if request.htmx and interaction is not None and request.POST.get("section") == "1":
        context = _detail_context(request, interaction)
        context["status"] = _("Wiedervorlage gelöscht.")
        return render(request, "interactions/_followups.html", context)
    messages.success(request, _("Wiedervorlage „%s“ gelöscht.") % followup.title)
    default = interaction.get_absolute_url() if interaction else reverse("interactions:dashboard")
    return redirect(_next_url(request, default))
