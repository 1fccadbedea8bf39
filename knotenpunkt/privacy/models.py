"""Data protection (DSGVO): consent texts, retention rules and their findings, the erasure log.

A person's own data-protection facts (purpose, legal basis, consent proof, review date,
restriction, tombstone) live on `actors.Person`; this app holds what the office configures and
what the tools find. See erasure.py (Art. 17), export.py (Art. 15), retention.py and register.py
(Art. 30).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class ConsentText(models.Model):
    """One version of the consent text persons agree to; a person's consent names its version."""

    version = models.CharField(_("Fassung"), max_length=40, unique=True, help_text=_("z. B. „2026-01“"))
    valid_from = models.DateField(_("gültig ab"))
    text = models.TextField(_("Text"))

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("Einwilligungstext")
        verbose_name_plural = _("Einwilligungstexte")

    def __str__(self):
        return f"{self.version} ({self.valid_from:%d.%m.%Y})"


class RetentionKind(models.TextChoices):
    PERSON_WITHOUT_BASIS = "person_without_basis", _("Personen ohne Rechtsgrundlage und ohne Kontakt")
    PERSON_REVIEW_DUE = "person_review_due", _("Personen mit überschrittenem Prüfdatum")
    INTERACTION_OLD = "interaction_old", _("alte Kontakte")


class RetentionRule(models.Model):
    """A rule the office sets: what is proposed for deletion, after how many months.

    The nightly check lists what a rule finds; nothing is deleted before the office confirms it.
    """

    kind = models.CharField(_("Regel"), max_length=30, choices=RetentionKind.choices)
    months = models.PositiveIntegerField(_("Frist in Monaten"))
    active = models.BooleanField(_("aktiv"), default=True)
    note = models.CharField(_("Begründung"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "months"]
        verbose_name = _("Aufbewahrungsregel")
        verbose_name_plural = _("Aufbewahrungsregeln")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                name="retentionrule_one_per_kind",
                violation_error_code="kind",
                violation_error_message=_("Für diese Art gibt es schon eine Regel."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RetentionKind.values),
                name="retentionrule_kind_valid",
                violation_error_code="kind",
                violation_error_message=_("Bitte eine der angebotenen Arten wählen."),
            ),
        ]

    def __str__(self):
        return self.describe()

    def describe(self) -> str:
        """The rule as a sentence: "Personen ohne Rechtsgrundlage, seit 24 Monaten ohne Kontakt"."""
        if self.kind == RetentionKind.PERSON_WITHOUT_BASIS:
            return ngettext(
                "Personen ohne Rechtsgrundlage, seit %(n)d Monat ohne Kontakt",
                "Personen ohne Rechtsgrundlage, seit %(n)d Monaten ohne Kontakt",
                self.months,
            ) % {"n": self.months}
        if self.kind == RetentionKind.PERSON_REVIEW_DUE:
            if not self.months:
                return gettext("Personen, deren Prüfdatum erreicht ist")
            return ngettext(
                "Personen, deren Prüfdatum seit %(n)d Monat überschritten ist",
                "Personen, deren Prüfdatum seit %(n)d Monaten überschritten ist",
                self.months,
            ) % {"n": self.months}
        return ngettext(
            "Kontakte, die älter als %(n)d Monat sind", "Kontakte, die älter als %(n)d Monate sind", self.months
        ) % {"n": self.months}


class Decision(models.TextChoices):
    OPEN = "", _("offen")
    DELETED = "deleted", _("gelöscht")
    KEPT = "kept", _("behalten")


class RetentionCandidate(models.Model):
    """A record a retention rule found. Only ids: the list shows the record as it is now."""

    rule = models.ForeignKey(RetentionRule, on_delete=models.CASCADE, related_name="candidates")
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    found_at = models.DateTimeField(_("gefunden am"), default=timezone.now)
    decision = models.CharField(_("Entscheidung"), max_length=10, choices=Decision.choices, blank=True, default="")
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["found_at", "id"]
        verbose_name = _("Löschvorschlag")
        verbose_name_plural = _("Löschvorschläge")
        constraints = [
            # A record is proposed once per rule while the proposal is open.
            models.UniqueConstraint(
                fields=["rule", "record_type", "record_id"],
                condition=Q(decision=""),
                name="retentioncandidate_once",
                violation_error_message=_("Dieser Datensatz ist für diese Regel schon vorgemerkt."),
            ),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values),
                name="retentioncandidate_decision_valid",
                violation_error_code="decision",
                violation_error_message=_("Bitte eine der angebotenen Entscheidungen wählen."),
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True) | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="retentioncandidate_decided_at_with_decision",
                violation_error_message=_("Eine Entscheidung hat ihren Zeitpunkt, und nur sie."),
            ),
        ]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="retentioncandidate_record"),
            models.Index(fields=["decision", "found_at"], name="retentioncandidate_open"),
        ]

    def __str__(self):
        return f"{self.record_type}#{self.record_id}"


class RetentionRun(models.Model):
    """One check of the retention rules (nightly, or started by hand)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("Prüflauf Aufbewahrung")
        verbose_name_plural = _("Prüfläufe Aufbewahrung")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}: {self.found}"


class ErasureLogEntry(models.Model):
    """That person #id was erased, and when: all a restore needs to erase them again (no data).

    Also appended to the erasure log file (settings.KNOTENPUNKT_ERASURE_LOG), which lives outside
    the database, so that restoring an older backup can replay erasures made since.
    """

    at = models.DateTimeField(default=timezone.now)
    person_id = models.BigIntegerField(unique=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("Löschprotokoll")
        verbose_name_plural = _("Löschprotokoll")

    def __str__(self):
        return f"person#{self.person_id} {self.at:%Y-%m-%d}"
