from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TieKind(models.TextChoices):
    COOPERATION = "cooperation", _("Kooperation")
    MEMBERSHIP = "membership", _("Mitgliedschaft")
    TWIN_TOWN = "twin_town", _("Städtepartnerschaft")
    CLIMATE_PARTNERSHIP = "climate_partnership", _("Klimapartnerschaft")
    FUNDING = "funding", _("Förderung")
    RESPONSIBILITY = "responsibility", _("Zuständigkeit der Verwaltung")
    OTHER = "other", _("Sonstige")


class Tie(models.Model):
    """A declared relationship between two actors.

    Direction matters for some kinds (`source` funds `target`, `source` is
    member of `target`, department `source` is responsible for `target`).
    A tie is shown publicly only if `public` is set and both actors are published.
    """

    source = models.ForeignKey(
        "actors.Actor", on_delete=models.CASCADE, related_name="ties_out", verbose_name=pgettext_lazy("tie", "von")
    )
    target = models.ForeignKey(
        "actors.Actor", on_delete=models.CASCADE, related_name="ties_in", verbose_name=pgettext_lazy("tie", "zu")
    )
    kind = models.CharField(_("Art"), max_length=30, choices=TieKind.choices, default=TieKind.COOPERATION)
    start_date = models.DateField(_("seit"), null=True, blank=True)
    end_date = models.DateField(_("bis"), null=True, blank=True)
    note = models.TextField(_("Notiz"), blank=True)
    public = models.BooleanField(_("öffentlich sichtbar"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("Beziehung")
        verbose_name_plural = _("Beziehungen")
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="tie_no_self_loop"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="tie_end_after_start",
            ),
            models.UniqueConstraint(fields=["source", "target", "kind"], name="tie_unique_per_kind"),
        ]
        # Profile: ties of one actor in either direction (source via the unique index).
        indexes = [models.Index(fields=["target", "source"], name="tie_target_source")]

    def __str__(self):
        return f"{self.source} → {self.target} ({self.get_kind_display()})"

    def other(self, actor):
        return self.target if self.source_id == actor.pk else self.source

    def phrase_for(self, actor) -> str:
        """How the tie reads from `actor`'s profile, before the other actor's name ("gefördert von")."""
        outgoing = self.source_id == actor.pk
        if self.kind in DIRECTED_PHRASES:
            return str(DIRECTED_PHRASES[self.kind][0 if outgoing else 1])
        return str(SYMMETRIC_PHRASES.get(self.kind, SYMMETRIC_PHRASES[TieKind.OTHER]))


# (as seen from the source, as seen from the target)
DIRECTED_PHRASES = {
    TieKind.MEMBERSHIP: (_("Mitglied in"), _("hat als Mitglied")),
    TieKind.FUNDING: (_("fördert"), _("gefördert von")),
    TieKind.RESPONSIBILITY: (_("zuständig für"), _("betreut von")),
}
SYMMETRIC_PHRASES = {
    TieKind.COOPERATION: _("Kooperation mit"),
    TieKind.TWIN_TOWN: _("Städtepartnerschaft mit"),
    TieKind.CLIMATE_PARTNERSHIP: _("Klimapartnerschaft mit"),
    TieKind.OTHER: _("Beziehung zu"),
}
