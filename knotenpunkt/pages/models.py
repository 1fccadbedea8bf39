"""The accessibility statement (BITV 2.0 / L-BGG Baden-Württemberg) and the barriers people report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccessibilityStatement(models.Model):
    """The "Erklärung zur Barrierefreiheit": one row, written by the coordination office.

    The text (Markdown) says how far Knotenpunkt conforms, what is not yet accessible and why; the
    page adds the feedback form and the enforcement procedure around it.
    """

    text = models.TextField(_("Text der Erklärung (Markdown)"))
    reviewed_on = models.DateField(_("zuletzt geprüft am"))
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Erklärung zur Barrierefreiheit")
        verbose_name_plural = _("Erklärungen zur Barrierefreiheit")
        constraints = [
            models.CheckConstraint(
                condition=Q(pk=1),
                name="accessibility_statement_one_row",
                violation_error_message=_("Es gibt nur eine Erklärung zur Barrierefreiheit."),
            )
        ]

    def __str__(self):
        return str(_("Erklärung zur Barrierefreiheit"))


class BarrierReport(models.Model):
    """A barrier someone met in Knotenpunkt ("Barriere melden"), for the coordination office."""

    message = models.TextField(_("Beschreibung der Barriere"))
    page = models.CharField(_("Seite"), max_length=500, blank=True)
    contact_email = models.EmailField(_("E-Mail-Adresse für die Antwort"), blank=True)
    created_at = models.DateTimeField(_("gemeldet am"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("angemeldet als"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # A keyed hash of the sender's address, only to limit how many reports one sender sends in an hour.
    sender = models.CharField(max_length=64, blank=True, editable=False)
    mailed_at = models.DateTimeField(_("an die Koordinierungsstelle geschickt am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Barrieremeldung")
        verbose_name_plural = _("Barrieremeldungen")
        # The rate limit: reports of one sender in the last hour.
        indexes = [models.Index(fields=["sender", "created_at"], name="barrierreport_sender")]

    def __str__(self):
        return _("Barrieremeldung vom %(date)s") % {
            "date": self.created_at.strftime("%d.%m.%Y") if self.created_at else ""
        }
