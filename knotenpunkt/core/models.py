from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentGeneration(models.Model):
    """A counter raised in the same transaction as every change to public content.

    Cached public pages carry the generation in their cache key, so a change
    (an actor unpublished, a tie removed) is visible to the next visitor on every
    worker at once: the counter lives in the database, not in one process.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="contentgeneration_single_row",
                violation_error_message=_("Es gibt nur einen Zähler der Seitenfassung."),
            )
        ]

    def __str__(self):
        return f"generation {self.value}"


class ScheduledRun(models.Model):
    """One enqueued run of a periodic task (core.scheduler). The unique slot makes sure a
    run is enqueued once per period, however many workers are running."""

    task = models.CharField(_("Aufgabe"), max_length=200)
    slot = models.CharField(_("Zeitfenster"), max_length=40)
    enqueued_at = models.DateTimeField(_("eingereiht am"), auto_now_add=True)
    task_result_id = models.CharField(_("Ergebnis-ID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("geplanter Lauf")
        verbose_name_plural = _("geplante Läufe")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "slot"],
                name="scheduledrun_once_per_slot",
                violation_error_message=_("Diese Aufgabe ist für diesen Zeitpunkt schon eingeplant."),
            )
        ]
        indexes = [models.Index(fields=["task", "-enqueued_at"], name="scheduledrun_latest")]

    def __str__(self):
        return f"{self.task} @ {self.slot}"
