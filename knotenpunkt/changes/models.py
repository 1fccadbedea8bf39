"""One table of changes for the whole project (see services.record), and the subjects each touches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knotenpunkt.changes.kinds import Audience, ChangeKind


class SubjectKind(models.TextChoices):
    ACTOR = "actor", _("Akteur")
    PERSON = "person", _("Person")


class ChangeQuerySet(models.QuerySet):
    def for_record(self, record_type: str, record_id: int):
        return self.filter(record_type=record_type, record_id=record_id)

    def touching(self, kind: str, subject_id: int):
        """Changes whose subjects include this actor or person (its own and those of its ties, contacts, …)."""
        return self.filter(subjects__kind=kind, subjects__subject_id=subject_id)


class Change(models.Model):
    """Who changed which record how, and when. Written by every service inside its transaction.

    `data` holds `fields` ({name: {"old": …, "new": …}} in stored form, so a value can be restored)
    and, for creations and deletions, `values` (the record as it was). History rows are never
    edited, except by an erasure (Art. 17 DSGVO), which removes a person's data from them.
    """

    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("Art"), max_length=40, choices=ChangeKind.choices)
    # The record changed, as "app_label.model" and primary key; the record may be gone since.
    record_type = models.CharField(_("Datensatztyp"), max_length=60)
    record_id = models.BigIntegerField(_("Datensatz"))
    # What the record was called when it changed, for the feed after the record is gone.
    record_label = models.CharField(_("Bezeichnung"), max_length=300, blank=True)
    # The record's version after this change (records with optimistic locking).
    version = models.PositiveIntegerField(null=True, blank=True)
    audience = models.CharField(_("lesbar für"), max_length=20, choices=Audience.choices, default=Audience.INTERNAL)
    # The change alters what the public sees (a published actor's description, a public tie, …).
    public = models.BooleanField(_("öffentlich sichtbar"), default=False)
    data = models.JSONField(default=dict, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values),
                name="change_audience_valid",
                violation_error_code="audience",
                violation_error_message=_("Unbekannter Leserkreis einer Änderung."),
            ),
        ]
        verbose_name = _("Änderung")
        verbose_name_plural = _("Änderungen")
        indexes = [
            # A record's "Verlauf", newest first; conflict messages (changes after a version).
            models.Index(fields=["record_type", "record_id", "-id"], name="change_record"),
            # The change feed, newest first, filtered by kind or by person.
            models.Index(fields=["-at", "-id"], name="change_at"),
            models.Index(fields=["kind", "-at"], name="change_kind_at"),
            models.Index(fields=["user", "-at"], name="change_user_at"),
        ]

    def __str__(self):
        return f"{self.kind} {self.record_type}#{self.record_id}"

    @property
    def fields(self) -> dict:
        return (self.data or {}).get("fields") or {}


class ChangeSubject(models.Model):
    """An actor or person a change touches: the record itself, the two ends of a tie, a contact's actors …

    Plain ids, no foreign keys: the history outlives the records it is about.
    """

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("betroffener Datensatz")
        verbose_name_plural = _("betroffene Datensätze")
        constraints = [
            models.UniqueConstraint(
                fields=["change", "kind", "subject_id"],
                name="changesubject_unique",
                violation_error_message=_("Dieser Bezug der Änderung ist schon erfasst."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SubjectKind.values),
                name="changesubject_kind_valid",
                violation_error_code="kind",
                violation_error_message=_("Unbekannte Art des Bezugs einer Änderung."),
            ),
        ]
        # An actor's or a person's whole history: every change touching it, newest first.
        indexes = [models.Index(fields=["kind", "subject_id", "-change"], name="changesubject_subject")]

    def __str__(self):
        return f"{self.kind}#{self.subject_id}"


class PersonalDataAccess(models.Model):
    """Someone read a person's private contact data (e-mail, phone) on a page or in an export.

    Coordinators see these rows on the person's privacy page. Only the person's id is kept, so
    the log says nothing about an erased person but still tells who looked before.
    """

    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("von"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_id = models.BigIntegerField(_("Person"))
    where = models.CharField(_("wo"), max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Zugriff auf Kontaktdaten")
        verbose_name_plural = _("Zugriffe auf Kontaktdaten")
        indexes = [
            models.Index(fields=["person_id", "-at"], name="access_person_at"),
            models.Index(fields=["-at", "-id"], name="access_at"),
        ]

    def __str__(self):
        return f"{self.user_id} → person#{self.person_id}"
