"""Reading activities: the calendar filters, shared by the calendar pages and the iCal feeds."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts import permissions
from knotenpunkt.activities.models import LONG_OCCURRENCE_DAYS, ActivityKind, ActivityOccurrence, Participation
from knotenpunkt.actors.models import SDG, Actor, Level, Theme


class CalendarFilterForm(forms.Form):
    """Filters of /termine/ and /termine.ics (same query parameters as the actor directory).

    Invalid values are dropped, never passed to the database.
    """

    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle Arten")), *ActivityKind.choices])
    level = forms.ChoiceField(label=_("Ebene"), required=False, choices=[("", _("alle Ebenen")), *Level.choices])
    theme = forms.ModelChoiceField(
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("alle Themen"),
    )
    sdg = forms.ModelChoiceField(label=_("SDG"), required=False, queryset=SDG.objects.all(), empty_label=_("alle SDGs"))
    actor = forms.SlugField(label=_("Akteur"), required=False, max_length=220)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filters(self) -> dict:
        """The valid filters only; a bad value in one field does not discard the others.

        `actor` becomes an Actor the user may see (an unknown or hidden slug is dropped).
        """
        self.is_valid()
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "actor" in values:
            actor = permissions.visible_actors(self.user).filter(slug=values["actor"]).first()
            if actor is None:
                del values["actor"]
            else:
                values["actor"] = actor
        return values


def filter_occurrences(qs: QuerySet, filters: dict) -> QuerySet:
    """Apply CalendarFilterForm.filters() to an ActivityOccurrence queryset."""
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if "level" in filters:
        qs = qs.filter(level=filters["level"])
    if "theme" in filters:
        qs = qs.filter(activity__themes=filters["theme"])
    if "sdg" in filters:
        qs = qs.filter(activity__sdgs=filters["sdg"])
    if "actor" in filters:
        qs = qs.filter(activity_id__in=Participation.objects.filter(actor=filters["actor"]).values("activity_id"))
    return qs


def occurrences_between(*, user, start: dt.datetime, end: dt.datetime, filters: dict | None = None) -> QuerySet:
    """Occurrences the user may see that overlap [start, end), in start order.

    Short occurrences are found by a range scan on `start` (an overlapping one began at most
    LONG_OCCURRENCE_DAYS before `start`); long ones through their own small partial index.
    """
    reach_back = start - dt.timedelta(days=LONG_OCCURRENCE_DAYS)
    overlap = Q(start__lt=end, end__gt=start) | Q(start__gte=start, start__lt=end)
    short = Q(is_long=False, start__gte=reach_back, start__lt=end)
    long = Q(is_long=True, start__lt=end)
    qs = ActivityOccurrence.objects.filter((short | long) & overlap)
    qs = permissions.visible_occurrences(user, qs)
    return filter_occurrences(qs, filters or {}).order_by("start", "id")


def actor_activities(*, user, actor: Actor, upcoming: bool = True, limit: int = 10) -> QuerySet:
    """An actor's activities for its profile: next ones (or past ones, newest first)."""
    from django.utils import timezone

    now = timezone.now()
    qs = permissions.visible_occurrences(
        user,
        ActivityOccurrence.objects.filter(
            activity_id__in=Participation.objects.filter(actor=actor).values("activity_id")
        ),
    )
    qs = qs.filter(end__gte=now).order_by("start", "id") if upcoming else qs.filter(end__lt=now).order_by("-start")
    return qs.select_related("activity")[:limit]
