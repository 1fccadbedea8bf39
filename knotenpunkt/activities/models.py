"""Activities: events, meetings, talks, committee work, ... and where they come from.

An `Activity` is the record people edit. Recurring activities carry an RRULE;
`ActivityException` changes or cancels single occurrences. `ActivityOccurrence`
is derived (services.occurrences_rebuild): one row per concrete date, which is
what calendars, feeds and the network read.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knotenpunkt.actors.models import Level


class ActivityKind(models.TextChoices):
    EVENT = "event", _("Veranstaltung")
    MEETING = "meeting", _("Treffen")
    TALK = "talk", _("Gespräch")
    COMMITTEE = "committee", _("Gremium")
    CONFERENCE = "conference", _("Konferenz")
    WORKSHOP = "workshop", _("Workshop")
    CAMPAIGN = "campaign", _("Kampagne")
    MILESTONE = "milestone", _("Projektmeilenstein")


class ParticipantRole(models.TextChoices):
    ORGANISER = "organiser", _("Veranstalter")
    SPEAKER = "speaker", _("Referent*in")
    PARTICIPANT = "participant", _("Teilnahme")
    INVITED = "invited", _("eingeladen")
    ATTENDED = "attended", _("war dabei")


# Roles that mean the actor was actually there (derived relationships count these).
MET_ROLES = (ParticipantRole.ORGANISER, ParticipantRole.SPEAKER, ParticipantRole.PARTICIPANT, ParticipantRole.ATTENDED)


def new_uid() -> str:
    return f"{uuid.uuid4()}@knotenpunkt"


class Activity(models.Model):
    """Something that happens: one date, several days, or a recurring series (RRULE).

    Times are stored aware (UTC in the database) and shown in Europe/Berlin. An all-day
    activity starts at local midnight of its first day and ends at local midnight after
    its last day (like iCalendar's exclusive DTEND).
    """

    uid = models.CharField(_("UID"), max_length=255, unique=True, default=new_uid, editable=False)
    kind = models.CharField(_("Art"), max_length=20, choices=ActivityKind.choices, default=ActivityKind.EVENT)
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True, help_text=_("Markdown ist erlaubt."))
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"))
    all_day = models.BooleanField(_("ganztägig"), default=False)
    rrule = models.CharField(
        _("Wiederholung (RRULE)"),
        max_length=500,
        blank=True,
        help_text=_("z. B. FREQ=MONTHLY;BYDAY=2WE;UNTIL=20271231T000000Z — braucht ein Ende (UNTIL oder COUNT)."),
    )
    # An imported series' dates as its calendar gives them (recurrence.dates_to_json), in place of
    # expanding `rrule` (which then only names the rule in words): the feed's own time zone, RDATE,
    # several rules and changed dates are all in this list. None for everything else.
    dates = models.JSONField(_("Termine laut Kalenderquelle"), null=True, blank=True, editable=False)
    place_name = models.CharField(_("Ort"), max_length=200, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=10, blank=True)
    city = models.CharField(_("Stadt"), max_length=100, blank=True)
    latitude = models.DecimalField(_("Breitengrad"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("Längengrad"), max_digits=9, decimal_places=6, null=True, blank=True)
    online_url = models.URLField(_("Online-Link"), blank=True, max_length=500)
    level = models.CharField(_("Ebene"), max_length=20, choices=Level.choices, default=Level.LOCAL)
    themes = models.ManyToManyField("actors.Theme", verbose_name=_("Themen"), blank=True, related_name="activities")
    sdgs = models.ManyToManyField(
        "actors.SDG", verbose_name=_("Nachhaltigkeitsziele"), blank=True, related_name="activities"
    )
    public = models.BooleanField(
        _("öffentlich"), default=False, help_text=_("Öffentliche Termine stehen im Kalender und im iCal-Feed für alle.")
    )
    cancelled = models.BooleanField(_("abgesagt"), default=False)
    outcome_notes = models.TextField(_("Ergebnisse (intern)"), blank=True)
    # Imported from an actor's calendar: owned by that source, matched by the upstream UID.
    source = models.ForeignKey(
        "activities.CalendarSource",
        verbose_name=_("Kalenderquelle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    source_uid = models.CharField(max_length=500, blank=True, editable=False)
    # Lost-update protection, and iCalendar's SEQUENCE (= version - 1).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="activity_end_after_start",
                violation_error_code="end",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="activity_title_not_empty",
                violation_error_code="title",
                violation_error_message=_("Bitte einen Titel angeben."),
            ),
            models.UniqueConstraint(
                fields=["source", "source_uid"],
                condition=Q(source__isnull=False),
                name="activity_source_uid_unique",
                violation_error_message=_("Dieser Termin ist aus diesem Kalender schon übernommen."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="activity_latitude_range",
                violation_error_code="latitude",
                violation_error_message=_("Der Breitengrad liegt zwischen -90 und 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="activity_longitude_range",
                violation_error_code="longitude",
                violation_error_message=_("Der Längengrad liegt zwischen -180 und 180."),
            ),
        ]
        indexes = [models.Index(fields=["updated_at"], name="activity_updated")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("activities:detail", args=[self.pk])

    @property
    def sequence(self) -> int:
        return self.version - 1

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule) or self.dates is not None

    @property
    def is_imported(self) -> bool:
        return self.source_id is not None


class ParticipationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("bestätigt")
    REQUESTED = "requested", _("angefragt")


class Participation(models.Model):
    """An actor or a person taking part in an activity, in one role. Counted once per activity.

    An actor named by someone who may not edit it (nor is the coordination) is `requested` until that
    actor's editor or the coordination confirms it (activities/participations.py); a declined request
    is removed. Only confirmed participations show publicly (activities/permissions.py).
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    actor = models.ForeignKey(
        "actors.Actor", null=True, blank=True, on_delete=models.CASCADE, related_name="participations"
    )
    person = models.ForeignKey(
        "actors.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(
        _("Rolle"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT
    )
    status = models.CharField(
        _("Stand"), max_length=20, choices=ParticipationStatus.choices, default=ParticipationStatus.CONFIRMED
    )

    class Meta:
        ordering = ["role", "id"]
        verbose_name = _("Beteiligung")
        verbose_name_plural = _("Beteiligungen")
        constraints = [
            models.CheckConstraint(
                condition=(Q(actor__isnull=False) & Q(person__isnull=True))
                | (Q(actor__isnull=True) & Q(person__isnull=False)),
                name="participation_actor_xor_person",
                violation_error_message=_("Beteiligt ist entweder ein Akteur oder eine Person."),
            ),
            models.UniqueConstraint(
                fields=["activity", "actor"],
                condition=Q(actor__isnull=False),
                name="participation_actor_once",
                violation_error_code="actor",
                violation_error_message=_("Dieser Akteur ist schon beteiligt."),
            ),
            models.UniqueConstraint(
                fields=["activity", "person"],
                condition=Q(person__isnull=False),
                name="participation_person_once",
                violation_error_code="person",
                violation_error_message=_("Diese Person ist schon beteiligt."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ParticipationStatus.values),
                name="participation_status_valid",
                violation_error_code="status",
                violation_error_message=_("Eine Teilnahme ist bestätigt oder angefragt."),
            ),
            # Persons are never shown publicly: nothing to confirm.
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(status=ParticipationStatus.CONFIRMED),
                name="participation_person_confirmed",
                violation_error_code="status",
                violation_error_message=_("Die Teilnahme einer Person braucht keine Bestätigung."),
            ),
        ]
        indexes = [
            # An actor's activities (profile, derived relationships).
            models.Index(fields=["actor", "activity"], name="participation_actor"),
            models.Index(fields=["person", "activity"], name="participation_person"),
            # Open requests of an actor (its profile) and of everybody (the coordination's Schreibtisch).
            models.Index(
                fields=["actor", "activity"],
                condition=Q(status=ParticipationStatus.REQUESTED),
                name="participation_requested",
            ),
        ]

    def __str__(self):
        return f"{self.actor or self.person} – {self.get_role_display()}"


class ActivityException(models.Model):
    """One occurrence of a recurring activity moved, changed or cancelled."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="exceptions")
    # The start the occurrence would have had (iCalendar's RECURRENCE-ID).
    recurrence_id = models.DateTimeField(_("ursprünglicher Beginn"))
    cancelled = models.BooleanField(_("fällt aus"), default=False)
    start = models.DateTimeField(_("neuer Beginn"), null=True, blank=True)
    end = models.DateTimeField(_("neues Ende"), null=True, blank=True)
    title = models.CharField(_("abweichender Titel"), max_length=200, blank=True)
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        ordering = ["recurrence_id"]
        verbose_name = _("Ausnahme")
        verbose_name_plural = _("Ausnahmen")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "recurrence_id"],
                name="exception_once_per_occurrence",
                violation_error_code="recurrence_id",
                violation_error_message=_("Für diesen Termin der Reihe gibt es schon eine Ausnahme."),
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=F("start")),
                name="exception_end_after_start",
                violation_error_code="end",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
        ]

    def __str__(self):
        return f"{self.activity} @ {self.recurrence_id:%Y-%m-%d}"


class ActivityOccurrence(models.Model):
    """A concrete date of an activity (derived; rebuilt whenever the activity changes).

    Calendar queries read this table. Occurrences longer than LONG_OCCURRENCE_DAYS are
    flagged `is_long`, so a month view looks them up separately from the short ones,
    which it finds by a start-range scan.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="occurrences")
    start = models.DateTimeField()
    end = models.DateTimeField()
    recurrence_id = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    is_long = models.BooleanField(default=False)
    # Copied from the activity so calendar filters need no join for the common cases.
    public = models.BooleanField(default=False)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    title = models.CharField(max_length=200, blank=True)
    # Reaches past the local day it starts on (the month view lists it on the following days too).
    multi_day = models.BooleanField(default=False)
    # The activity's themes and SDGs as ",3,9," — a theme filter is then a check on the rows a
    # month's range scan reads anyway, instead of a join the planner may start from the wrong side.
    theme_ids = models.CharField(max_length=500, blank=True, default="")
    sdg_ids = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="occurrence_end_after_start",
                violation_error_code="end",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            )
        ]
        indexes = [
            models.Index(fields=["start"], name="occurrence_start"),
            models.Index(
                fields=["start"], condition=Q(multi_day=True, is_long=False), name="occurrence_multi_day_short"
            ),
            models.Index(fields=["public", "start"], name="occurrence_public_start"),
            models.Index(fields=["is_long", "start"], condition=Q(is_long=True), name="occurrence_long"),
            # The long ones still running at a moment: few, however many ended before it.
            models.Index(fields=["end"], condition=Q(is_long=True), name="occurrence_long_end"),
            models.Index(fields=["activity", "start"], name="occurrence_activity"),
        ]

    def __str__(self):
        return f"{self.activity} @ {self.start:%Y-%m-%d %H:%M}"


LONG_OCCURRENCE_DAYS = 7


def id_list(ids) -> str:
    """ ",3,9," for ActivityOccurrence.theme_ids / sdg_ids (empty for none)."""
    ids = sorted(ids)
    return f",{','.join(str(i) for i in ids)}," if ids else ""


# An imported series without an end (no UNTIL or COUNT) gets dates this far ahead; every
# refresh of its calendar moves the horizon along (activities.importer).
IMPORT_HORIZON_DAYS = 730


class SourceKind(models.TextChoices):
    URL = "url", _("Feed-Adresse")
    UPLOAD = "upload", _("hochgeladene Datei")


class CalendarSource(models.Model):
    """An actor's own calendar, imported as that actor's activities (iCal in)."""

    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="calendar_sources")
    kind = models.CharField(_("Art"), max_length=10, choices=SourceKind.choices, default=SourceKind.URL)
    url = models.URLField(_("Adresse des Kalenders (.ics)"), max_length=1000, blank=True)
    name = models.CharField(_("Bezeichnung"), max_length=200, blank=True)
    public = models.BooleanField(
        _("importierte Termine öffentlich"),
        default=True,
        help_text=_("Termine aus diesem Kalender im öffentlichen Kalender zeigen."),
    )
    active = models.BooleanField(_("regelmäßig abrufen"), default=True)
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(_("zuletzt abgerufen"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("zuletzt erfolgreich"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("letzter Fehler"), blank=True, editable=False)
    last_summary = models.JSONField(_("letztes Ergebnis"), default=dict, blank=True, editable=False)
    # Set when a refresh is queued; "wird aktualisiert" while it is later than last_fetched_at.
    refresh_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # An uploaded file, kept so the background import (and, as the window moves, later ones) can read it.
    content = models.BinaryField(_("Datei"), null=True, blank=True, editable=False)
    # While an import runs: {"stage": "fetch" | "read" | "save", "done": n, "total": m}; {} otherwise.
    progress = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["actor__name", "id"]
        verbose_name = _("Kalenderquelle")
        verbose_name_plural = _("Kalenderquellen")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="url") | ~Q(url=""),
                name="calendarsource_url_needs_address",
                violation_error_code="url",
                violation_error_message=_("Bitte die Adresse des Kalenders angeben."),
            ),
        ]

    def __str__(self):
        return self.name or self.url or str(self.actor)

    @property
    def refresh_pending(self) -> bool:
        """A refresh is queued and has not run yet."""
        return self.refresh_requested_at is not None and (
            self.last_fetched_at is None or self.last_fetched_at < self.refresh_requested_at
        )


class FeedToken(models.Model):
    """The secret behind a user's personal iCal feed. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Kalender-Abo-Schlüssel")
        verbose_name_plural = _("Kalender-Abo-Schlüssel")
        constraints = [
            # At most one live token per user: renewing revokes the old one first.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="feedtoken_one_live",
                violation_error_message=_("Es gibt schon eine gültige Abo-Adresse."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
