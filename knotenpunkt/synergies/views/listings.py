"""Offers and needs: the public board /angebote/, one listing, and the forms that change listings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries.fields import Country

from knotenpunkt.accounts import roles
from knotenpunkt.actors import selectors as actor_selectors
from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.core.page_cache import cache_public_page
from knotenpunkt.lib.forms import add_errors
from knotenpunkt.synergies import listings, permissions
from knotenpunkt.synergies.forms import BoardFilterForm, ListingForm
from knotenpunkt.synergies.models import Listing

PAGE_SIZE = 20
MAX_ID = 2**63 - 1


def _get_listing(request, pk) -> Listing:
    """The listing if this user may see it; expired or not yet valid ones only for those who manage
    them and internal readers. 404 otherwise (hidden listings do not exist for the public)."""
    listing = listings.listing_for_user(user=request.user, pk=pk) if pk <= MAX_ID else None
    if (
        listing is not None
        and not listings.is_current(listing)
        and not permissions.can_manage_listings(request.user, listing.actor)
        and not roles.is_internal_reader(request.user)
    ):
        listing = None
    if listing is None:
        raise Http404(_("Diesen Eintrag gibt es nicht, er ist abgelaufen oder nicht öffentlich."))
    return listing


def _get_manageable_listing(request, pk) -> Listing:
    listing = _get_listing(request, pk)
    if not permissions.can_manage_listings(request.user, listing.actor):
        raise PermissionDenied(_("Diesen Eintrag dürfen nur die Redaktion des Akteurs und die Koordination ändern."))
    return listing


def _get_manageable_actor(request, slug) -> Actor:
    actor = actor_selectors.actor_for_profile(user=request.user, slug=slug)
    if actor is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder er ist nicht öffentlich."))
    if not permissions.can_manage_listings(request.user, actor):
        raise PermissionDenied(
            _("Angebote und Gesuche dieses Akteurs dürfen nur seine Redaktion und die Koordination eintragen.")
        )
    return actor


# --- the board ----------------------------------------------------------------------------------


@require_GET
@cache_public_page
def board(request):
    form = BoardFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(listings.board(user=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "querystring": query.urlencode(),
    }
    htmx = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    return render(request, "synergies/_board_results.html" if htmx else "synergies/board.html", context)


# --- one listing --------------------------------------------------------------------------------


@require_GET
@cache_public_page
def listing_detail(request, pk):
    listing = _get_listing(request, pk)
    state = listings.listing_state(listing)
    context = {
        "listing": listing,
        "state": state,
        "is_current": state == "current",
        "can_manage": permissions.can_manage_listings(request.user, listing.actor),
        "can_see_history": permissions.can_see_listing_history(request.user, listing),
    }
    return render(request, "synergies/listing_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def listing_create(request, slug):
    actor = _get_manageable_actor(request, slug)
    form = ListingForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            listing = listings.listing_create(user=request.user, actor=actor, data=form.data_for_service())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("„%s“ wurde eingetragen.") % listing.title)
            return redirect(listing)
    return render(request, "synergies/listing_form.html", {"form": form, "actor": actor, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request, pk):
    listing = _get_manageable_listing(request, pk)
    conflict = None
    form = ListingForm(request.POST or None, instance=listing, actor=listing.actor)
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or listing.version
        try:
            listing = listings.listing_update(
                user=request.user, listing=listing, data=form.data_for_service(), expected_version=expected
            )
        except EditConflict as exc:
            conflict = _conflict(form, exc.record, exc.changes)
            data = request.POST.copy()
            data["version"] = exc.record.version
            form = ListingForm(data, instance=exc.record, actor=exc.record.actor)
            form.is_valid()
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Änderungen gespeichert."))
            return redirect(listing)
    listing = Listing.objects.select_related("actor").get(pk=listing.pk)
    context = {"form": form, "actor": listing.actor, "listing": listing, "creating": False, "conflict": conflict}
    return render(request, "synergies/listing_form.html", context, status=409 if conflict else 200)


def _conflict(form, stored: Listing, saved_since) -> dict:
    """What someone else saved (who, when), next to what this user entered, for the fields that differ."""
    changes = []
    for name, yours in form.data_for_service().items():
        theirs = getattr(stored, name)
        if name in listings.M2M_FIELDS:
            theirs, yours = sorted(map(str, theirs.all())), sorted(map(str, yours))
            if theirs != yours:
                changes.append((name, ", ".join(theirs), ", ".join(yours)))
        elif (theirs or "") != (yours or ""):
            changes.append((name, _display(stored, name, theirs), _display(stored, name, yours)))
    labels = {f.name: f.verbose_name for f in Listing._meta.get_fields() if hasattr(f, "verbose_name")}
    return {
        "listing": stored,
        "changes": [(labels.get(name, name), theirs, yours) for name, theirs, yours in changes],
        "saved_since": saved_since,
    }


def _display(listing, name, value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return date_format(value, "j. F Y")
    if name == "country":
        return str(Country(str(value)).name)
    field = Listing._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    return str(value)


@login_required
@require_POST
def listing_end(request, pk):
    listing = _get_manageable_listing(request, pk)
    try:
        version = int(request.POST.get("version", listing.version))
    except (TypeError, ValueError):
        version = listing.version
    try:
        listings.listing_end(user=request.user, listing=listing, expected_version=version)
    except EditConflict:
        messages.error(request, _("Der Eintrag wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand."))
        return redirect(listing)
    messages.success(
        request,
        _("„%s“ ist beendet und erscheint nicht mehr auf der Börse. Über „Bearbeiten“ lässt er sich erneuern.")
        % listing.title,
    )
    return redirect(listing.actor.get_absolute_url() + "#angebote")
