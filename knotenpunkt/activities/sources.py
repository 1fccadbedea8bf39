"""iCal in: an actor's calendar sources (register a feed address or upload a file, refresh, remove)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from knotenpunkt.activities import calendars, permissions, tasks
from knotenpunkt.activities.feed_reading import FeedError
from knotenpunkt.activities.models import ActivityOccurrence, CalendarSource, SourceKind
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors import selectors as actor_selectors
from knotenpunkt.actors.models import Actor


class FeedURLForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Adresse des Kalenders"),
        max_length=1000,
        help_text=gettext_lazy(
            "Die Abo-Adresse (iCal/ICS) aus dem eigenen Kalenderprogramm, z. B. "
            "https://example.org/kalender.ics oder webcal://…"
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://…/kalender.ics", "autocomplete": "url"}),
    )
    name = forms.CharField(label=gettext_lazy("Bezeichnung (optional)"), max_length=200, required=False)
    public = forms.BooleanField(
        label=gettext_lazy("Termine im öffentlichen Kalender zeigen"), required=False, initial=True
    )

    def clean_url(self):
        url = calendars.normalise_url(self.cleaned_data["url"])
        try:
            forms.URLField(assume_scheme="https").clean(url)
        except ValidationError as exc:
            raise ValidationError(_("Bitte eine vollständige Adresse angeben, die mit https:// beginnt.")) from exc
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Die Adresse muss mit http://, https:// oder webcal:// beginnen."))
        return url


class FeedUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Kalenderdatei (.ics)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )
    name = forms.CharField(label=gettext_lazy("Bezeichnung (optional)"), max_length=200, required=False)
    public = forms.BooleanField(
        label=gettext_lazy("Termine im öffentlichen Kalender zeigen"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ICAL_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("Die Datei ist größer als %(size)d MB.") % {"size": settings.ICAL_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ReplaceUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Neue Fassung der Datei (.ics)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )
    clean_file = FeedUploadForm.clean_file


def _manageable_actor(request, slug) -> Actor:
    actor = actor_selectors.actor_for_profile(user=request.user, slug=slug)
    if actor is None:
        raise Http404(_("Diesen Akteur gibt es nicht oder er ist nicht öffentlich."))
    if not permissions.can_manage_calendar_sources(request.user, actor):
        raise PermissionDenied(_("Sie dürfen die Kalender dieses Akteurs nicht verwalten."))
    return actor


def _manageable_source(request, pk) -> CalendarSource:
    source = get_object_or_404(CalendarSource.objects.select_related("actor"), pk=pk)
    if not actor_permissions.can_view_actor(request.user, source.actor):
        raise Http404(_("Diese Kalenderquelle gibt es nicht."))
    if not permissions.can_manage_calendar_sources(request.user, source.actor):
        raise PermissionDenied(_("Sie dürfen die Kalender dieses Akteurs nicht verwalten."))
    return source


def _sources(actor) -> list[CalendarSource]:
    sources = list(actor.calendar_sources.annotate(activity_count=Count("activities")).order_by("created_at", "pk"))
    for source in sources:
        source.label = source.name or urlsplit(source.url).netloc or _("Hochgeladene Datei")
    return sources


def _context(request, actor, **extra):
    sources = _sources(actor)
    return {
        "actor": actor,
        "sources": sources,
        "pending": any(s.refresh_pending for s in sources),
        "url_form": FeedURLForm(),
        "upload_form": FeedUploadForm(),
        "max_mb": settings.ICAL_IMPORT_MAX_BYTES // (1024 * 1024),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def source_list(request, slug):
    """An actor's calendar sources; POST registers a feed address (`kind=url`) or a file (`kind=upload`)."""
    actor = _manageable_actor(request, slug)
    if request.method == "POST":
        if request.POST.get("kind") == SourceKind.UPLOAD:
            form = FeedUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    calendars.calendar_source_upload(
                        user=request.user,
                        actor=actor,
                        content=form.cleaned_data["file"].read(),
                        name=form.cleaned_data["name"],
                        public=form.cleaned_data["public"],
                    )
                except FeedError as exc:
                    form.add_error("file", str(exc))
                else:
                    messages.success(
                        request, _("Die Datei ist angekommen. Ihre Termine werden jetzt im Hintergrund übernommen.")
                    )
                    return redirect("activities:sources", slug=actor.slug)
            return render(request, "activities/sources.html", _context(request, actor, upload_form=form), status=400)
        form = FeedURLForm(request.POST)
        if form.is_valid():
            try:
                calendars.calendar_source_create(
                    user=request.user,
                    actor=actor,
                    url=form.cleaned_data["url"],
                    name=form.cleaned_data["name"],
                    public=form.cleaned_data["public"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("url", message)
            else:
                messages.success(
                    request, _("Der Kalender ist eingetragen. Er wird gleich im Hintergrund zum ersten Mal abgerufen.")
                )
                return redirect("activities:sources", slug=actor.slug)
        return render(request, "activities/sources.html", _context(request, actor, url_form=form), status=400)
    context = _context(request, actor)
    if request.htmx and not request.htmx.boosted:
        return render(request, "activities/sources_table.html", context)
    return render(request, "activities/sources.html", context)


@login_required
@require_POST
def source_refresh(request, pk):
    """Queue a refresh of a feed address; for an uploaded file, import its new version now."""
    source = _manageable_source(request, pk)
    if source.kind == SourceKind.UPLOAD:
        form = ReplaceUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = form.errors.get("file") or []
            messages.error(
                request,
                " ".join(errors) if "file" in request.FILES else _("Bitte die neue Fassung der Datei auswählen."),
            )
        else:
            try:
                calendars.calendar_source_replace_file(
                    user=request.user, source=source, content=form.cleaned_data["file"].read()
                )
            except FeedError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Die neue Fassung ist angekommen und wird im Hintergrund übernommen."))
    else:
        tasks.request_refresh(source)
        if not request.htmx:
            messages.success(request, _("Der Kalender wird im Hintergrund aktualisiert."))
    if request.htmx:
        return render(request, "activities/sources_table.html", _context(request, source.actor))
    return redirect("activities:sources", slug=source.actor.slug)


@login_required
@require_http_methods(["GET", "POST"])
def source_delete(request, pk):
    """Confirm, then remove a source (upcoming imported activities go, past ones stay)."""
    source = _manageable_source(request, pk)
    actor = source.actor
    if request.method == "POST":
        deleted, kept = calendars.calendar_source_delete(user=request.user, source=source)
        messages.success(
            request,
            _("Die Kalenderquelle ist entfernt: %(deleted)d kommende Termine gelöscht, %(kept)d vergangene behalten.")
            % {"deleted": deleted, "kept": kept},
        )
        return redirect("activities:sources", slug=actor.slug)
    now = timezone.now()
    upcoming = ActivityOccurrence.objects.filter(activity__source=source, end__gte=now).values("activity").distinct()
    total = source.activities.count()
    upcoming_count = upcoming.count()
    return render(
        request,
        "activities/sources_delete.html",
        {"actor": actor, "source": source, "upcoming": upcoming_count, "past": total - upcoming_count},
    )
