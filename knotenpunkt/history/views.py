"""A record's "Verlauf" (who changed what, when), restoring a field, and the office's change feed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knotenpunkt.changes import display
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.changes.services import restoring
from knotenpunkt.history import permissions
from knotenpunkt.history.forms import FeedFilterForm, RestoreForm
from knotenpunkt.history.registry import BY_RECORD_TYPE, BY_SLUG, restore_data

PAGE_SIZE = 30
MAX_ID = 2**63 - 1


def _get_record(request, type_slug: str, pk: int):
    record_type = BY_SLUG.get(type_slug)
    if record_type is None or pk > MAX_ID:
        raise Http404
    record = record_type.model._default_manager.filter(pk=pk).first()
    if record is None or not record_type.may_read(request.user, record):
        raise Http404(_("Diesen Datensatz gibt es nicht oder Sie dürfen seinen Verlauf nicht sehen."))
    return record_type, record


def _page(request, queryset):
    return Paginator(queryset.select_related("user"), PAGE_SIZE).get_page(request.GET.get("page"))


def history_url(change: Change) -> str | None:
    record_type = BY_RECORD_TYPE.get(change.record_type)
    if record_type is None:
        return None
    return reverse("history:record", args=[record_type.slug, change.record_id])


@login_required
@require_GET
def record_history(request, type_slug: str, pk: int):
    record_type, record = _get_record(request, type_slug, pk)
    changes = permissions.readable_changes(request.user, record_type.changes(record)).order_by("-at", "-id")
    page = _page(request, changes)
    can_restore = permissions.can_restore_changes(request.user) and record_type.restore is not None
    context = {
        "record": record,
        "record_title": record_type.title(record),
        "record_type": record_type,
        "page": page,
        "entries": display.describe(page.object_list, subject=record),
        "can_restore": can_restore,
        "restorable": record_type.restorable if can_restore else frozenset(),
    }
    template = "history/_entries.html" if request.htmx else "history/record.html"
    return render(request, template, context)


@login_required
@require_POST
def restore(request, change_id: int):
    """Set one field back to the value it had before change `change_id` (recorded as a change itself)."""
    if not permissions.can_restore_changes(request.user):
        raise PermissionDenied(_("Frühere Werte stellt nur die Koordination wieder her."))
    change = get_object_or_404(Change, pk=change_id) if change_id <= MAX_ID else None
    if change is None:
        raise Http404
    record_type = BY_RECORD_TYPE.get(change.record_type)
    form = RestoreForm(request.POST)
    if record_type is None or record_type.restore is None:
        raise Http404
    record = record_type.model._default_manager.filter(pk=change.record_id).first()
    if record is None:
        messages.error(request, _("Der Datensatz ist inzwischen gelöscht; sein Verlauf bleibt erhalten."))
        return redirect("history:feed")
    back = reverse("history:record", args=[record_type.slug, record.pk])
    name = form.cleaned_data["field"] if form.is_valid() else ""
    if name not in change.fields or name not in record_type.restorable:
        messages.error(request, _("Dieses Feld lässt sich hier nicht wiederherstellen."))
        return redirect(back)
    label = display.field_label(record_type.model, name)
    try:
        with restoring(change.pk):
            record_type.restore(request.user, record, restore_data(record_type, name, change.fields[name].get("old")))
    except EditConflict:
        messages.error(
            request, _("Der Datensatz wurde gerade geändert. Bitte prüfen Sie den Verlauf und versuchen Sie es erneut.")
        )
    except ValidationError as error:
        messages.error(
            request,
            _("„%(field)s“ ließ sich nicht wiederherstellen: %(reason)s")
            % {"field": label, "reason": " ".join(error.messages)},
        )
    except PermissionDenied as error:
        messages.error(request, str(error) or _("Sie dürfen dieses Feld nicht ändern."))
    else:
        messages.success(
            request,
            _("„%(field)s“ hat wieder den Wert von vor der Änderung am %(date)s.")
            % {"field": label, "date": timezone.localtime(change.at).strftime("%d.%m.%Y %H:%M")},
        )
    return redirect(back)


def _feed_queryset(cleaned: dict):
    changes = Change.objects.all()
    if cleaned.get("kind"):
        changes = changes.filter(kind=cleaned["kind"])
    if cleaned.get("user"):
        changes = changes.filter(user=cleaned["user"])
    if cleaned.get("record_type"):
        changes = changes.filter(record_type=cleaned["record_type"])
    zone = timezone.get_current_timezone()
    if cleaned.get("date_from"):
        changes = changes.filter(at__gte=dt.datetime.combine(cleaned["date_from"], dt.time.min, tzinfo=zone))
    if cleaned.get("date_to"):
        end = dt.datetime.combine(cleaned["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        changes = changes.filter(at__lt=end)
    return changes.order_by("-at", "-id")


@login_required
@require_GET
def feed(request):
    """Everything that happened recently, for the coordination: "what happened this week"."""
    if not permissions.can_read_change_feed(request.user):
        raise PermissionDenied(_("Die Liste aller Änderungen ist für die Koordination."))
    form = FeedFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    changes = permissions.readable_changes(request.user, _feed_queryset(cleaned))
    page = _page(request, changes)
    entries = display.describe(page.object_list)
    for entry in entries:
        entry.url = history_url(entry.change)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "entries": entries,
        "filtered": bool(cleaned and any(cleaned.values())),
        "querystring": query.urlencode(),
    }
    template = "history/_feed_results.html" if request.htmx else "history/feed.html"
    return render(request, template, context)
