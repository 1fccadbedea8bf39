from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordination")
    CITY_STAFF = "city_staff", _("Stadtverwaltung")
    ACTOR_EDITOR = "actor_editor", _("Redaktion eines Akteurs")


class User(AbstractUser):
    """A person who logs in. What they may do follows from `role` (see permissions.py)."""

    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.ACTOR_EDITOR)
    department = models.ForeignKey(
        "actors.Actor",
        verbose_name=_("eigener Fachbereich"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_users",
        help_text=_("Für Mitarbeitende der Stadtverwaltung: der Fachbereich, den sie bearbeiten dürfen."),
    )
    edited_actors = models.ManyToManyField(
        "actors.Actor",
        verbose_name=_("betreute Akteure"),
        blank=True,
        related_name="editors",
        help_text=_("Akteure, die diese Person als Redaktion bearbeiten darf."),
    )

    class Meta:
        verbose_name = _("Benutzer*in")
        verbose_name_plural = _("Benutzer*innen")

    def __str__(self):
        return self.get_full_name() or self.username
