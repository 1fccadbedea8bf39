import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knotenpunkt.actors import permissions, selectors, services
from knotenpunkt.actors.forms import ActorForm, DirectoryFilterForm, MergeForm
from knotenpunkt.actors.models import Actor
from knotenpunkt.changes import display
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.lib.forms import add_errors
from knotenpunkt.lib.pagination import CappedPaginator


def get_actor_for_user(request, slug) -> Actor:
    """The actor if this user may see it, else 404 (unpublished actors do not exist for the public)."""
    actor = selectors.actor_for_profile(user=request.user, slug=slug)
    if actor is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder er ist nicht öffentlich."))
    return actor


def _get_editable_actor(request, slug) -> Actor:
    actor = get_actor_for_user(request, slug)
    if not permissions.can_edit_actor(request.user, actor):
        raise PermissionDenied(_("Sie dürfen diesen Akteur nicht bearbeiten."))
    return actor


@require_GET
@cache_public_page
def directory(request):
    form = DirectoryFilterForm(request.GET)
    filters = form.filters()
    actors = selectors.actor_directory(user=request.user, filters=filters)
    if filters:
        # Filtered and searched lists count at most DIRECTORY_SEARCH_COUNT_CAP; the full list's count is cheap.
        paginator = CappedPaginator(actors, settings.DIRECTORY_PAGE_SIZE, cap=settings.DIRECTORY_SEARCH_COUNT_CAP)
    else:
        paginator = Paginator(actors, settings.DIRECTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "querystring": query.urlencode(),
        "can_create": permissions.can_create_actor(request.user),
    }
    # A history restore (htmx found no snapshot) needs the whole page, like a boosted link.
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = "actors/_results.html" if partial else "actors/directory.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if not permissions.can_create_actor(request.user):
        raise PermissionDenied(_("Nur die Koordination darf Akteure anlegen."))
    form = ActorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actor = services.actor_create(user=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("„%s“ wurde angelegt.") % actor.name)
            return redirect(actor)
    return render(request, "actors/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    actor = _get_editable_actor(request, slug)
    form = ActorForm(request.POST or None, instance=actor, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or actor.version
        try:
            # The form mutated `actor` in memory; the service reloads the row itself.
            actor = services.actor_update(
                user=request.user, actor=actor, data=form.data_for_service(), expected_version=expected
            )
        except EditConflict as exc:
            conflict = exc
            data = _rebase_on_conflict(request, form, exc)
            form = ActorForm(data, instance=Actor.objects.get(pk=actor.pk), user=request.user)
            form.is_valid()
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Änderungen gespeichert."))
            return redirect(actor)
    context = {"form": form, "actor": Actor.objects.get(pk=actor.pk), "conflict": conflict, "creating": False}
    context["actor_editors"] = selectors.actor_editors(actor)
    if conflict:
        # Who changed which field meanwhile, with labels rather than stored keys.
        context["conflict_entries"] = display.describe(conflict.changes, subject=conflict.record)
    return render(request, "actors/form.html", context, status=409 if conflict else 200)


def _rebase_on_conflict(request, form, conflict):
    """The user's input placed on top of the version now stored.

    Fields the user left as loaded but someone else changed take the stored
    value (so saving again does not undo the other change); fields the user
    changed keep the user's input. The version is the stored one, so the next
    save is an informed decision.
    """
    loaded = {}
    for change in conflict.changes:
        for name, pair in change.fields.items():
            loaded.setdefault(name, pair.get("old"))
    mine = services.stored_values(form.data_for_service())
    stored = ActorForm(instance=conflict.record, user=request.user)
    data = request.POST.copy()
    for name, old in loaded.items():
        if name not in stored.fields or mine.get(name) != old:
            continue
        value = stored[name].value()
        if isinstance(stored.fields[name], forms.BooleanField):
            if value:
                data[name] = "on"
            else:
                data.pop(name, None)
        elif isinstance(value, (list, tuple)):
            data.setlist(name, [str(getattr(v, "pk", v)) for v in value])
        else:
            data[name] = "" if value is None else str(getattr(value, "pk", value))
    data["version"] = conflict.record.version
    return data


@login_required
@require_POST
def publish(request, slug):
    actor = get_actor_for_user(request, slug)
    if not permissions.can_publish_actor(request.user, actor):
        raise PermissionDenied(_("Nur die Koordination darf Akteure veröffentlichen."))
    wanted = request.POST.get("published") == "1"
    try:
        version = int(request.POST.get("version", actor.version))
    except ValueError:
        version = actor.version
    try:
        services.actor_set_published(user=request.user, actor=actor, published=wanted, expected_version=version)
    except EditConflict:
        messages.error(request, _("Der Akteur wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand."))
    else:
        if wanted:
            messages.success(request, _("„%s“ ist jetzt öffentlich sichtbar.") % actor.name)
        else:
            messages.success(request, _("„%s“ ist jetzt nur noch intern sichtbar.") % actor.name)
    return redirect(actor)


@login_required
@require_http_methods(["GET", "POST"])
def merge(request, slug):
    survivor = get_actor_for_user(request, slug)
    if not permissions.can_merge_actors(request.user):
        raise PermissionDenied(_("Nur die Koordination darf Dubletten zusammenführen."))
    form = MergeForm(request.POST or None, survivor=survivor)
    if request.method == "POST" and form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        if request.POST.get("confirm") == "1":
            try:
                services.actor_merge(user=request.user, survivor=survivor, duplicate=duplicate)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("„%(dup)s“ wurde in „%(actor)s“ übernommen.") % {"dup": duplicate.name, "actor": survivor.name},
                )
                return redirect(survivor)
        return render(
            request,
            "actors/merge.html",
            {"form": form, "actor": survivor, "duplicate": duplicate, "preview": selectors.merge_preview(duplicate)},
        )
    return render(request, "actors/merge.html", {"form": form, "actor": survivor})


PARTICIPANT_FIELD = re.compile(r"[a-z_]{1,30}-\d{1,4}-actor")


@require_GET
def autocomplete(request):
    """<option> elements for a datalist: visible actors whose name matches."""
    # A participant row's input sends its text under its own name, which "field" names.
    field = request.GET.get("field", "")
    typed = request.GET.get(field, "") if PARTICIPANT_FIELD.fullmatch(field) else ""
    q = request.GET.get("q") or request.GET.get("target") or request.GET.get("duplicate") or typed
    q = q.strip()[:100]
    # PostgreSQL rejects NUL in text parameters; no actor name contains one.
    q = q.replace("\x00", "")
    actors = []
    if len(q) >= 2:
        actors = permissions.visible_actors(request.user).filter(name__icontains=q).order_by("name")[:15]
    return render(request, "actors/_autocomplete.html", {"actors": actors})
