"""Reading the contact log: the list with its filters, the dashboard, the profile section."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knotenpunkt.activities import participations
from knotenpunkt.activities.selectors import next_occurrences
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.actors.models import Actor, Person
from knotenpunkt.interactions import permissions
from knotenpunkt.interactions.models import Channel, FollowUp, Interaction

DUE_SOON_DAYS = 7
UPCOMING_ACTIVITY_DAYS = 14
# Follow-ups per list on the Schreibtisch; "alle anzeigen" shows up to ALL_ROWS.
DASHBOARD_ROWS = 10
ALL_ROWS = 500


class InteractionFilterForm(forms.Form):
    """Filters of /kontakte/. Invalid values are dropped, never passed to the database."""

    q = forms.CharField(label=_("Suche im Inhalt"), required=False, max_length=200, widget=forms.SearchInput)
    actor = forms.CharField(label=_("Akteur"), required=False, max_length=220)
    channel = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle Arten")), *Channel.choices])
    date_from = forms.DateField(
        label=_("von"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("bis"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["q"].widget.attrs.update({"placeholder": _("Stichwort …")})

    def filters(self) -> dict:
        """The valid filters; `actor` (address or exact name) becomes an Actor, unknown ones are dropped."""
        self.is_valid()
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "q" in values:
            values["q"] = values["q"].replace("\x00", "").strip()
            if not values["q"]:
                del values["q"]
        if "actor" in values:
            value = values["actor"].replace("\x00", "").strip()
            visible = actor_permissions.visible_actors(self.user)
            actor = visible.filter(slug=value).first() or visible.filter(name__iexact=value).first()
            if actor is None:
                del values["actor"]
            else:
                values["actor"] = actor
        return values


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a list row shows, without a query per row."""
    return (
        qs.select_related("activity", "created_by")
        .prefetch_related(
            Prefetch("actors", queryset=Actor.objects.only("pk", "name", "slug", "published").order_by("name")),
            Prefetch("persons", queryset=Person.objects.only("pk", "first_name", "last_name")),
        )
        .annotate(open_followups=_open_followups())
    )


def _open_followups():
    """A contact's open follow-ups, counted for each row shown only: a join and a count would group
    every contact before the newest eight could be picked (0.6 s at 100,000 contacts)."""
    counted = (
        FollowUp.objects.filter(interaction=OuterRef("pk"), done_at__isnull=True)
        .order_by()
        .values("interaction")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def interaction_list(*, user, filters: dict) -> QuerySet:
    qs = permissions.visible_interactions(user)
    if "actor" in filters:
        qs = qs.filter(pk__in=Interaction.actors.through.objects.filter(actor=filters["actor"]).values("interaction"))
    if "channel" in filters:
        qs = qs.filter(channel=filters["channel"])
    if "date_from" in filters:
        qs = qs.filter(date__gte=filters["date_from"])
    if "date_to" in filters:
        qs = qs.filter(date__lte=filters["date_to"])
    if "q" in filters:
        qs = qs.filter(summary__icontains=filters["q"])
    return qs.order_by("-date", "-id")


def interaction_for_user(*, user, pk) -> Interaction | None:
    """The contact if this user may read it (else None: the caller answers 404)."""
    return (
        permissions.visible_interactions(user)
        .select_related("activity", "created_by")
        .prefetch_related("actors", "persons", "staff")
        .filter(pk=pk)
        .first()
    )


def interaction_followups(interaction: Interaction) -> list[FollowUp]:
    """Open ones first (by due date), then done ones (most recently done first)."""
    followups = list(interaction.followups.select_related("assignee", "done_by", "created_by"))
    open_ = sorted((f for f in followups if f.done_at is None), key=lambda f: (f.due_date, f.pk))
    done = sorted((f for f in followups if f.done_at is not None), key=lambda f: f.done_at, reverse=True)
    return open_ + done


def _followup_rows(qs: QuerySet) -> QuerySet:
    return qs.select_related("assignee", "created_by", "interaction", "activity").order_by("due_date", "id")


def _desk_lists(user, today: dt.date) -> dict[str, QuerySet]:
    """The Schreibtisch's lists of open follow-ups."""
    mine = permissions.visible_followups(user, FollowUp.objects.filter(assignee=user, done_at__isnull=True))
    others = FollowUp.objects.filter(created_by=user, done_at__isnull=True).exclude(assignee=user)
    return {
        "overdue": _followup_rows(mine.filter(due_date__lt=today)),
        "due": _followup_rows(mine.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS))),
        "later": mine.filter(due_date__gt=today + dt.timedelta(days=DUE_SOON_DAYS)),
        "for_others": _followup_rows(permissions.visible_followups(user, others)),
    }


def dashboard_counts(*, user, today: dt.date | None = None) -> dict[str, int]:
    """How many open follow-ups each list of the Schreibtisch has (refreshed after one is ticked off)."""
    lists = _desk_lists(user, today or timezone.localdate())
    return {key: qs.order_by().count() for key, qs in lists.items()}


def dashboard(*, user, today: dt.date | None = None, show_all: bool = False) -> dict:
    """Everything on /schreibtisch/ for `user`: the first DASHBOARD_ROWS of each list of
    follow-ups with its count (all of them, up to ALL_ROWS, with `show_all`)."""
    today = today or timezone.localdate()
    lists = _desk_lists(user, today)
    overdue, due, for_others = lists["overdue"], lists["due"], lists["for_others"]
    later_count = lists["later"].count()
    latest = with_list_relations(permissions.visible_interactions(user).order_by("-date", "-id"))[:8]
    now = timezone.now()
    upcoming = next_occurrences(
        user=user, start=now, end=now + dt.timedelta(days=UPCOMING_ACTIVITY_DAYS), limit=20, public=False
    )
    rows = ALL_ROWS if show_all else DASHBOARD_ROWS
    requests, requests_count = participations.first_requests(participations.open_requests(user=user))
    return {
        "today": today,
        "overdue": list(overdue[:rows]),
        "overdue_count": overdue.count(),
        "due": list(due[:rows]),
        "due_count": due.count(),
        "later_count": later_count,
        "for_others": list(for_others[:rows]),
        "for_others_count": for_others.count(),
        "show_all": show_all,
        "latest": list(latest),
        "upcoming": list(upcoming),
        # Participations waiting for consent: the coordination may answer for any actor.
        "participation_requests": requests,
        "participation_requests_count": requests_count,
        "due_soon_days": DUE_SOON_DAYS,
        "upcoming_days": UPCOMING_ACTIVITY_DAYS,
    }


def actor_interactions(*, user, actor: Actor, limit: int = 5) -> dict:
    """The latest contacts with an actor this user may read, and how many there are."""
    qs = permissions.visible_interactions(user).filter(
        pk__in=Interaction.actors.through.objects.filter(actor=actor).values("interaction")
    )
    return {
        "items": list(with_list_relations(qs.order_by("-date", "-id"))[:limit]),
        "count": qs.count(),
    }


def activity_interactions(*, user, activity, limit: int = 10) -> list[Interaction]:
    """Contacts recorded for an activity that this user may read."""
    return list(with_list_relations(permissions.visible_interactions(user).filter(activity=activity))[:limit])


def due_reminders(today: dt.date) -> dict:
    """Open follow-ups due today or earlier, grouped by assignee: {user: [follow-ups]}.

    Only users who may still read each follow-up get it (someone whose role changed loses
    the coordination's contacts).
    """
    rows = (
        FollowUp.objects.filter(done_at__isnull=True, due_date__lte=today, assignee__is_active=True)
        .exclude(assignee__email="")
        .select_related("assignee", "interaction", "activity")
        .order_by("assignee_id", "due_date", "id")
    )
    grouped: dict = {}
    for followup in rows:
        if permissions.can_view_followup(followup.assignee, followup):
            grouped.setdefault(followup.assignee, []).append(followup)
    return grouped
