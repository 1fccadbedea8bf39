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


class PasswordResetRequest(models.Model):
    """One "Passwort vergessen" request, kept a day: how many reset mails one address, or one sender,
    asked for in the last hour (accounts.services.password_reset_allowed). Both as keyed hashes."""

    address = models.CharField(max_length=64)
    sender = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["address", "created_at"], name="passwordreset_address"),
            models.Index(fields=["sender", "created_at"], name="passwordreset_sender"),
            models.Index(fields=["created_at"], name="passwordreset_created"),
        ]

    def __str__(self):
        return f"Passwort-Anfrage {self.created_at:%d.%m.%Y %H:%M}" if self.created_at else "Passwort-Anfrage"
