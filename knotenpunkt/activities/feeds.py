"""iCal out: the public feed, one activity as .ics, and each user's personal feed.

/termine.ics lists public activities with a date from a year ago on, filtered like the
calendar. A personal feed (/kalender/abo/<token>.ics) lists the internal activities the
user may see from 90 days ago on, and their open follow-ups (served by pages/feeds.py, as it
joins the contact log). Its token is the only
credential a calendar program sends: 256 random bits, stored as SHA-256 only, shown
once, revocable; it never reaches a log (core/logging.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knotenpunkt.activities import ical, permissions
from knotenpunkt.activities.models import (
    LONG_OCCURRENCE_DAYS,
    Activity,
    ActivityException,
    ActivityKind,
    ActivityOccurrence,
    FeedToken,
)
from knotenpunkt.activities.selectors import CalendarFilterForm, filter_occurrences
from knotenpunkt.actors.models import Theme
from knotenpunkt.core.models import ContentGeneration

PUBLIC_DAYS_BACK = 365
PERSONAL_DAYS_BACK = 90
CHUNK_SIZE = 500
# What a VEVENT shows (not the internal outcome notes); read as plain rows, not model instances.
FEED_FIELDS = (
    "pk",
    "uid",
    "kind",
    "title",
    "description",
    "start",
    "end",
    "all_day",
    "dates",
    "rrule",
    "place_name",
    "street",
    "postcode",
    "city",
    "latitude",
    "longitude",
    "online_url",
    "public",
    "cancelled",
    "version",
    "updated_at",
)
SESSION_NEW_TOKEN = "kp_new_feed_token"  # noqa: S105 (a session key, not a secret)
# last_used_at is written at most this often (calendar programs poll every few minutes).
TOKEN_TOUCH_INTERVAL = dt.timedelta(hours=1)


# --- reading --------------------------------------------------------------------------------


def window_start(days_back: int) -> dt.datetime:
    """Local midnight `days_back` days ago (a stable window for a whole day, good for ETags)."""
    day = timezone.localdate() - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ical.BERLIN)


def occurrences_since(since: dt.datetime) -> QuerySet:
    """Occurrences ending at or after `since`: short ones by the start index, long ones on their own."""
    reach_back = since - dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    return ActivityOccurrence.objects.filter(Q(is_long=False, start__gte=reach_back) | Q(is_long=True), end__gte=since)


def feed_activities(occurrences: QuerySet) -> QuerySet:
    """The activities behind `occurrences`, in start order."""
    return Activity.objects.filter(pk__in=occurrences.values("activity_id")).order_by("start", "pk")


def _batches(iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def vevents(activities: QuerySet, followups=()):
    """VEVENTs one by one; themes and exceptions are loaded per batch of CHUNK_SIZE activities.

    (prefetch_related would do the same in two queries per batch, but spends ~0.3 ms per
    activity building related managers; a feed of 10,000 events has to stream in a second.)
    """
    site_url = settings.SITE_URL
    # The detail address of activity 987654321, to fill in other numbers without reverse() per event.
    detail = site_url + reverse("activities:detail", args=[987654321])
    kind_labels = {value: str(label) for value, label in ActivityKind.choices}
    theme_names = {theme.pk: str(theme) for theme in Theme.objects.all()}  # a few dozen, in name order
    theme_order = {pk: n for n, pk in enumerate(theme_names)}
    rows = activities.values(*FEED_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    for batch in _batches((SimpleNamespace(**row) for row in rows), CHUNK_SIZE):
        themes = defaultdict(list)
        links = Activity.themes.through.objects.filter(activity_id__in=[a.pk for a in batch])
        for activity_id, theme_id in sorted(
            links.values_list("activity_id", "theme_id"), key=lambda link: theme_order.get(link[1], 0)
        ):
            themes[activity_id].append(theme_names.get(theme_id, ""))
        exceptions = defaultdict(list)
        recurring = [a.pk for a in batch if a.rrule]
        if recurring:
            for exception in ActivityException.objects.filter(activity_id__in=recurring).order_by("recurrence_id"):
                exceptions[exception.activity_id].append(exception)
        for activity in batch:
            yield ical.activity_vevents(
                activity,
                site_url=site_url,
                url=detail.replace("987654321", str(activity.pk)),
                kind_label=kind_labels.get(activity.kind, activity.kind),
                themes=themes[activity.pk],
                exceptions=exceptions[activity.pk],
            )
    for followup in followups:
        yield ical.followup_vevent(followup, site_url=site_url)


def calendar_response(name: str, chunks, *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(ical.stream_calendar(name, chunks), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _public_calendar_name(filters: dict) -> str:
    name = _("Knotenpunkt Ludwigsburg – Termine")
    labels = []
    form = CalendarFilterForm()
    for key in ("kind", "level"):
        if key in filters:
            labels.append(str(dict(form.fields[key].choices).get(filters[key], filters[key])))
    labels += [str(filters[key]) for key in ("theme", "sdg", "actor") if key in filters]
    return f"{name}: {', '.join(labels)}" if labels else name


def _public_etag(request, since: dt.datetime) -> str:
    generation = ContentGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    raw = f"{generation}|{get_language()}|{since.date()}|{settings.SITE_URL}|{query}"
    return quote_etag(hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32])


@require_safe
def public_feed(request):
    """All public activities from a year ago on, filtered like /termine/ (kind, level, theme, sdg, actor)."""
    since = window_start(PUBLIC_DAYS_BACK)
    etag = _public_etag(request, since)
    match = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in match or "*" in match:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    # The feed is public: the actor filter accepts published actors only, whoever asks.
    filters = CalendarFilterForm(request.GET, user=AnonymousUser()).filters()
    occurrences = filter_occurrences(occurrences_since(since).filter(public=True), filters)
    activities = feed_activities(occurrences).filter(public=True)
    response = calendar_response(_public_calendar_name(filters), vevents(activities), filename="termine.ics")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_safe
def activity_ics(request, pk):
    """One activity as an .ics file ("in meinen Kalender")."""
    activity = get_object_or_404(Activity.objects.prefetch_related("themes", "exceptions"), pk=pk)
    if not permissions.can_view_activity(request.user, activity):
        raise Http404(_("Diesen Termin gibt es nicht oder er ist nicht öffentlich."))
    body = (
        ical.calendar_begin(activity.title)
        + ical.activity_vevents(activity, site_url=settings.SITE_URL)
        + ical.CALENDAR_END
    )
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(activity.title)[:60] or "termin"}.ics"'
    response["Cache-Control"] = "public, max-age=300" if activity.public else "private, no-cache"
    return response


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- tokens (state changes) --------------------------------------------------------------------


@transaction.atomic
def feed_token_renew(*, user) -> str:
    """Revoke the user's live token (if any) and create a new one. Returns the new secret."""
    if not permissions.can_have_personal_feed(user):
        raise PermissionDenied
    FeedToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)  # 256 bits
    FeedToken.objects.create(user=user, token_hash=hash_token(token))
    return token


@transaction.atomic
def feed_token_revoke(*, user) -> bool:
    """End the user's personal feed. Returns whether there was one."""
    return bool(FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def personal_feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("pages:personal_feed", kwargs={"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request):
    """Set up, renew or end one's personal calendar feed; a new address is shown once."""
    if not permissions.can_have_personal_feed(request.user):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            request.session[SESSION_NEW_TOKEN] = feed_token_renew(user=request.user)
            messages.success(request, _("Die neue Abo-Adresse ist eingerichtet. Eine frühere gilt nicht mehr."))
        elif action == "revoke":
            if feed_token_revoke(user=request.user):
                messages.success(request, _("Das Kalender-Abo ist beendet; die Adresse gilt nicht mehr."))
            else:
                messages.info(request, _("Es gab kein aktives Kalender-Abo."))
        else:
            messages.error(request, _("Unbekannte Aktion."))
        return redirect("activities:feed_settings")
    new_token = request.session.pop(SESSION_NEW_TOKEN, None)
    live = FeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    context = {
        "live": live,
        "new_url": personal_feed_url(new_token) if new_token and live else None,
        "public_url": settings.SITE_URL + reverse("activities:feed"),
        "days_back": PERSONAL_DAYS_BACK,
    }
    if context["new_url"]:
        context["new_webcal_url"] = "webcal://" + context["new_url"].split("://", 1)[1]
    response = render(request, "activities/feed_settings.html", context)
    response["Cache-Control"] = "no-store"
    return response
