"""The contact log: who the office met or spoke with, when, about what; and what follows from it.

An `Interaction` is one contact (a meeting, a call, a letter …) with actors, persons and
staff. A `FollowUp` (Wiedervorlage) is a task with a due date and an assignee; it hangs on
an interaction, on an activity, or stands alone. Who may read what is decided in
interactions/permissions.py; changes go through services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    MEETING = "meeting", _("Treffen")
    PHONE = "phone", _("Telefon")
    EMAIL = "email", _("E-Mail")
    VIDEO = "video", _("Video")
    EVENT = "event", _("Veranstaltung")
    LETTER = "letter", _("Brief")


class Visibility(models.TextChoices):
    COORDINATION = "coordination", _("nur Koordination")
    STAFF = "staff", _("alle Mitarbeitenden der Stadt")


class Interaction(models.Model):
    """One contact with actors and persons. Several actors at once feed derived relationships."""

    date = models.DateField(_("Datum"), default=timezone.localdate)
    channel = models.CharField(_("Art des Kontakts"), max_length=20, choices=Channel.choices, default=Channel.MEETING)
    summary = models.TextField(_("Inhalt"), help_text=_("Worum ging es, was wurde vereinbart? Markdown ist erlaubt."))
    visibility = models.CharField(
        _("sichtbar für"), max_length=20, choices=Visibility.choices, default=Visibility.COORDINATION
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("zugehöriger Termin"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    actors = models.ManyToManyField("actors.Actor", verbose_name=_("Akteure"), blank=True, related_name="interactions")
    persons = models.ManyToManyField(
        "actors.Person", verbose_name=_("Personen"), blank=True, related_name="interactions"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("Mitarbeitende"), blank=True, related_name="interactions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Lost-update protection: a form saves only onto the version it was loaded with.
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("Kontakt")
        verbose_name_plural = _("Kontakte")
        constraints = [
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="interaction_summary_not_empty",
                violation_error_code="summary",
                violation_error_message=_("Bitte kurz festhalten, worum es ging."),
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values),
                name="interaction_channel_valid",
                violation_error_code="channel",
                violation_error_message=_("Bitte einen der angebotenen Wege wählen."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values),
                name="interaction_visibility_valid",
                violation_error_code="visibility",
                violation_error_message=_("Bitte eine der angebotenen Sichtbarkeiten wählen."),
            ),
        ]
        indexes = [
            # The contact list and the dashboard: newest first.
            models.Index(fields=["-date", "-id"], name="interaction_date"),
            # City staff's list: only visibility=staff, newest first.
            models.Index(fields=["visibility", "-date", "-id"], name="interaction_visibility_date"),
        ]

    def __str__(self):
        return f"{self.date:%d.%m.%Y} – {self.get_channel_display()}"

    def get_absolute_url(self):
        return reverse("interactions:detail", args=[self.pk])


class FollowUp(models.Model):
    """A Wiedervorlage: something someone has to do by a date. Open while `done_at` is empty."""

    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("Kontakt"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("Termin"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    title = models.CharField(_("Was ist zu tun?"), max_length=200)
    due_date = models.DateField(_("fällig am"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("zuständig"),
        on_delete=models.CASCADE,
        related_name="followups",
    )
    done_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups_created",
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("Wiedervorlage")
        verbose_name_plural = _("Wiedervorlagen")
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""),
                name="followup_title_not_empty",
                violation_error_code="title",
                violation_error_message=_("Bitte einen Titel angeben."),
            ),
            # A follow-up belongs to a contact or to an activity (or to nothing), never to both.
            models.CheckConstraint(
                condition=Q(interaction__isnull=True) | Q(activity__isnull=True),
                name="followup_one_parent",
                violation_error_message=_(
                    "Eine Wiedervorlage gehört zu einem Kontakt oder zu einem Termin, nicht zu beiden."
                ),
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=False) | Q(done_by__isnull=True),
                name="followup_done_by_only_when_done",
                violation_error_message=_(
                    "Wer eine Wiedervorlage erledigt hat, steht erst fest, wenn sie erledigt ist."
                ),
            ),
        ]
        indexes = [
            # Dashboard and daily reminder: a user's open follow-ups by due date.
            models.Index(
                fields=["assignee", "due_date"], condition=Q(done_at__isnull=True), name="followup_open_assignee"
            ),
            # Dashboard: open follow-ups a user created for others.
            models.Index(
                fields=["created_by", "due_date"], condition=Q(done_at__isnull=True), name="followup_open_creator"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.interaction_id:
            return reverse("interactions:detail", args=[self.interaction_id]) + f"#followup-{self.pk}"
        return reverse("interactions:dashboard") + f"#followup-{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_date < timezone.localdate()


class FollowUpReminder(models.Model):
    """The daily reminder mail sent to one user on one day (so a second run sends nothing twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("Tag"))
    sent_at = models.DateTimeField(_("verschickt"), null=True, blank=True)
    followup_count = models.PositiveIntegerField(_("Anzahl Wiedervorlagen"), default=0)

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"],
                name="followupreminder_once_per_day",
                violation_error_message=_("Die Erinnerung für diesen Tag ist schon verschickt."),
            )
        ]

    def __str__(self):
        return f"{self.user} {self.date}"
