"""The stakeholder section of an initiative: proposals, adding, the grid and the table, links, contacts.

Every change answers htmx with the re-rendered section (errors in place, status 200 so htmx swaps
it) and triggers `stakeholders-changed`, which reloads the proposals; without htmx it redirects back
to the initiative with a message.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.services import atomic
from knotenpunkt.initiatives import coverage, permissions, proposals, services
from knotenpunkt.initiatives.forms import AddStakeholdersForm, LinkForm, MoveForm, StakeholderForm
from knotenpunkt.initiatives.models import Initiative, Stakeholder
from knotenpunkt.initiatives.selectors import link_choices
from knotenpunkt.initiatives.views.pages import MAX_ID, get_initiative, require_manager, stakeholder_context
from knotenpunkt.interactions import services as interaction_services
from knotenpunkt.interactions.forms import InteractionForm
from knotenpunkt.lib.forms import add_errors

# A proposal's reason code as posted back: "theme", "gap:school" …
SOURCE = re.compile(r"^[a-z_:]{0,40}$")
SHOWN_PROPOSALS = 10


def _manager_initiative(request, pk) -> Initiative:
    require_manager(request)
    return get_initiative(request, pk)


def _manager_stakeholder(request, pk) -> Stakeholder:
    require_manager(request)
    stakeholder = (
        Stakeholder.objects.select_related("actor", "initiative").filter(pk=pk).first() if pk <= MAX_ID else None
    )
    if stakeholder is None:
        raise Http404(_("Diesen Beteiligten gibt es nicht (mehr)."))
    return stakeholder


def _answer(request, initiative, *, notice: str = "", error: str = "", **extra):
    """The re-rendered section for htmx; a redirect with the message otherwise."""
    if request.htmx:
        context = stakeholder_context(request, initiative, notice=notice, error=error, **extra)
        response = render(request, "initiatives/_stakeholders.html", context)
        response["HX-Trigger"] = "stakeholders-changed"
        return response
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(initiative.get_absolute_url() + "#beteiligte")


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def proposal_list(request, pk):
    """The proposals and, per „Wer fehlt?" gap, the actors that would close it (loaded after the page)."""
    initiative = get_initiative(request, pk)
    if not permissions.can_view_initiative_internal(request.user):
        raise Http404
    pool = proposals.proposals_for(initiative, limit=coverage.POOL)
    gaps = [(gap, coverage.closing_proposals(initiative, gap, pool=pool)) for gap in coverage.gaps_for(initiative)]
    return render(
        request,
        "initiatives/_proposals.html",
        {
            "initiative": initiative,
            "proposals": pool[:SHOWN_PROPOSALS],
            "gaps": gaps,
            "has_criteria": bool(
                initiative.lead_id
                or initiative.themes.exists()
                or initiative.sdgs.exists()
                or initiative.countries.exists()
            ),
            "can_manage": permissions.can_manage_initiatives(request.user),
        },
    )


@login_required
@require_POST
def stakeholder_add(request, pk):
    """One proposal accepted (actor + source), or actors chosen by name (the picker)."""
    initiative = _manager_initiative(request, pk)
    visible = actor_permissions.visible_actors(request.user)
    if "actor" in request.POST:
        actor_id = request.POST["actor"]
        actor = (
            visible.filter(pk=int(actor_id)).first()
            if actor_id.isascii() and actor_id.isdigit() and int(actor_id) <= MAX_ID
            else None
        )
        if actor is None:
            return _answer(request, initiative, error=_("Diesen Akteur gibt es nicht (mehr)."))
        source = request.POST.get("source", "")
        try:
            services.stakeholder_add(
                user=request.user, initiative=initiative, actor=actor, source=source if SOURCE.match(source) else ""
            )
        except ValidationError as exc:
            return _answer(request, initiative, error=_message(exc))
        return _answer(request, initiative, notice=_("%(actor)s ist jetzt beteiligt.") % {"actor": actor.name})
    form = AddStakeholdersForm(request.POST, user=request.user)
    if not form.is_valid():
        return _answer(request, initiative, error=" ".join(form.errors.get("actors", [])), add_form=form)
    taken = set(initiative.stakeholders.values_list("actor_id", flat=True))
    added = []
    try:
        with atomic():
            for actor in form.cleaned_data["actors"]:
                if actor.pk not in taken:  # already there: nothing to do, not an error
                    services.stakeholder_add(user=request.user, initiative=initiative, actor=actor)
                    added.append(actor.name)
    except ValidationError as exc:
        return _answer(request, initiative, error=_message(exc), add_form=form)
    if not added:
        return _answer(request, initiative, notice=_("Die gewählten Akteure sind schon beteiligt."))
    return _answer(request, initiative, notice=_("Aufgenommen: %(names)s.") % {"names": ", ".join(added)})


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_update(request, pk):
    """A stakeholder's row: GET the form (htmx: into the row; otherwise a page of its own), POST it."""
    stakeholder = _manager_stakeholder(request, pk)
    initiative = stakeholder.initiative
    if request.method == "GET":
        form = StakeholderForm(stakeholder=stakeholder)
        template = "initiatives/_stakeholder_form.html" if request.htmx else "initiatives/stakeholder_form.html"
        return render(request, template, {"form": form, "stakeholder": stakeholder, "initiative": initiative})
    form = StakeholderForm(request.POST, stakeholder=stakeholder)
    if form.is_valid():
        try:
            services.stakeholder_update(
                user=request.user,
                stakeholder=stakeholder,
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version"),
            )
        except EditConflict:
            return _answer(request, initiative, error=_conflict(stakeholder))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _answer(request, initiative, notice=_("%(actor)s gespeichert.") % {"actor": stakeholder.actor.name})
    error = _("Bitte die markierten Angaben zu %(actor)s korrigieren. Es wurde nichts gespeichert.") % {
        "actor": stakeholder.actor.name
    }
    if not request.htmx:
        context = {"form": form, "stakeholder": stakeholder, "initiative": initiative, "error": error}
        return render(request, "initiatives/stakeholder_form.html", context, status=422)
    return _answer(request, initiative, error=error, row_forms={stakeholder.pk: form})


def _conflict(stakeholder) -> str:
    return _(
        "%(actor)s wurde inzwischen von jemand anderem geändert. Die gespeicherte Fassung wird jetzt angezeigt; "
        "bitte die Änderung noch einmal vornehmen."
    ) % {"actor": stakeholder.actor.name}


@login_required
@require_POST
def stakeholder_move(request, pk):
    """A new place on the grid (drag and drop, or the arrow keys)."""
    stakeholder = _manager_stakeholder(request, pk)
    initiative = stakeholder.initiative
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _answer(request, initiative, error=_("Einfluss und Interesse liegen zwischen 1 und 5."))
    try:
        moved = services.stakeholder_update(
            user=request.user,
            stakeholder=stakeholder,
            data={"influence": form.cleaned_data["influence"], "interest": form.cleaned_data["interest"]},
            expected_version=form.cleaned_data.get("version"),
        )
    except EditConflict:
        return _answer(request, initiative, error=_conflict(stakeholder))
    notice = _("%(actor)s: Einfluss %(influence)s, Interesse %(interest)s.") % {
        "actor": moved.actor.name,
        "influence": moved.influence,
        "interest": moved.interest,
    }
    return _answer(request, initiative, notice=notice, focus=moved.pk)


@login_required
@require_POST
def stakeholder_remove(request, pk):
    require_manager(request)
    stakeholder = (
        Stakeholder.objects.select_related("actor", "initiative").filter(pk=pk).first() if pk <= MAX_ID else None
    )
    if stakeholder is None:
        # Removed already (a repeated click): show the current list.
        initiative_id = request.POST.get("initiative", "")
        if initiative_id.isascii() and initiative_id.isdigit() and int(initiative_id) <= MAX_ID:
            initiative = get_initiative(request, int(initiative_id))
            return _answer(request, initiative, notice=_("Der Beteiligte war schon entfernt."))
        raise Http404(_("Diesen Beteiligten gibt es nicht (mehr)."))
    services.stakeholder_remove(user=request.user, stakeholder=stakeholder)
    return _answer(request, stakeholder.initiative, notice=_("%(actor)s entfernt.") % {"actor": stakeholder.actor.name})


@login_required
@require_http_methods(["GET", "POST"])
def link_create(request, pk):
    """Link an activity, a contact or an introduction; past ones involve the stakeholders among their
    actors. GET: the form (htmx: into the page's timeline section; otherwise a page of its own)."""
    initiative = _manager_initiative(request, pk)
    choices = link_choices(initiative, request.user)
    if request.method == "GET":
        template = "initiatives/_link_form.html" if request.htmx else "initiatives/link_form.html"
        return render(request, template, {"initiative": initiative, "link_form": LinkForm(**choices)})
    form = LinkForm(request.POST, **choices)
    if form.is_valid():
        try:
            services.initiative_link(user=request.user, initiative=initiative, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Verknüpft. Die Zeitleiste und die Beteiligung sind aktualisiert."))
            return redirect(initiative.get_absolute_url() + "#zeitleiste")
    return render(request, "initiatives/link_form.html", {"initiative": initiative, "link_form": form}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, pk):
    """Record a contact (the contact log's form) and link it to the initiative, in one step."""
    initiative = _manager_initiative(request, pk)
    if request.method == "POST":
        form = InteractionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                with atomic():
                    interaction = interaction_services.interaction_create(
                        user=request.user, data=form.data_for_service(), followup=form.followup_for_service()
                    )
                    services.initiative_link(user=request.user, initiative=initiative, interaction=interaction)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Kontakt gespeichert und mit dem Vorhaben verknüpft."))
                return redirect(initiative.get_absolute_url() + "#zeitleiste")
    else:
        initial = {}
        actor_id = request.GET.get("actor", "")
        if actor_id.isascii() and actor_id.isdigit() and int(actor_id) <= MAX_ID:
            initial["actors"] = list(
                actor_permissions.visible_actors(request.user).filter(pk=int(actor_id)).values_list("pk", flat=True)
            )
        form = InteractionForm(user=request.user, initial=initial)
    status = 422 if form.errors else 200
    return render(request, "initiatives/contact_form.html", {"form": form, "initiative": initiative}, status=status)
