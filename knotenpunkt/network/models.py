import datetime

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
    # Lost-update protection: raised by every change (changes.locking).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("Beziehung")
        verbose_name_plural = _("Beziehungen")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="tie_no_self_loop",
                violation_error_code="target",
                violation_error_message=_("Ein Akteur kann keine Beziehung zu sich selbst haben."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="tie_end_after_start",
                violation_error_code="end_date",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                name="tie_unique_per_kind",
                violation_error_code="kind",
                violation_error_message=_("Eine Beziehung dieser Art zwischen den beiden Akteuren gibt es schon."),
            ),
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


class DerivedTie(models.Model):
    """Two actors who met: derived from shared activities and the contact log (network/derived.py).

    Kept apart from declared `Tie`s and rebuilt, never edited: `actor_a_id < actor_b_id`, one
    row per pair. `count` is the number of meetings (past, non-cancelled occurrences of shared
    activities, plus logged interactions); `weight` discounts each meeting by its age
    (0.5 ** (age in days / 365)). The `public_*` columns count only meetings at public
    activities: visitors see a pair only if `public_count > 0` and both actors are published.
    The `staff_*` columns count the meetings city staff may see (every meeting but contacts logged
    "nur Koordination"): city staff see a pair only if `staff_count > 0`, with these figures.

    The column is `weight_score`, the same sum measured from WEIGHT_EPOCH instead of today
    (2 ** (days since the epoch / 365) per meeting): it does not change while time passes, so
    the nightly rebuild rewrites only pairs that met again, and ordering by it is ordering by
    today's weight (the two differ by a factor common to all pairs).
    """

    # No single-column indexes: the pair's unique index and derivedtie_b_a serve both ends.
    actor_a = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+", db_index=False)
    actor_b = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+", db_index=False)
    count = models.PositiveIntegerField(_("Begegnungen"))
    first_met = models.DateField(_("erstmals"))
    last_met = models.DateField(_("zuletzt"))
    weight_score = models.FloatField(_("Gewicht (ab 2000)"))
    public_count = models.PositiveIntegerField(_("öffentliche Begegnungen"), default=0)
    public_first_met = models.DateField(null=True, blank=True)
    public_last_met = models.DateField(null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("für Mitarbeitende sichtbare Begegnungen"), default=0)
    staff_first_met = models.DateField(null=True, blank=True)
    staff_last_met = models.DateField(null=True, blank=True)
    staff_weight_score = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("abgeleitete Beziehung")
        verbose_name_plural = _("abgeleitete Beziehungen")
        constraints = [
            # Also the index for "pairs of actor X" where X is the smaller id.
            models.UniqueConstraint(
                fields=["actor_a", "actor_b"],
                name="derivedtie_pair_once",
                violation_error_message=_("Für diese beiden Akteure gibt es schon eine abgeleitete Beziehung."),
            ),
            models.CheckConstraint(
                condition=Q(actor_a__lt=F("actor_b")),
                name="derivedtie_ordered_pair",
                violation_error_message=_(
                    "Die beiden Akteure einer abgeleiteten Beziehung stehen in fester Reihenfolge."
                ),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="derivedtie_count_positive",
                violation_error_code="count",
                violation_error_message=_("Eine abgeleitete Beziehung zählt mindestens eine Begegnung."),
            ),
            models.CheckConstraint(
                condition=Q(public_count__lte=F("count")),
                name="derivedtie_public_within_count",
                violation_error_code="public_count",
                violation_error_message=_("Es gibt nicht mehr öffentliche als alle Begegnungen."),
            ),
            models.CheckConstraint(
                condition=Q(staff_count__lte=F("count")),
                name="derivedtie_staff_within_count",
                violation_error_code="staff_count",
                violation_error_message=_("Es gibt nicht mehr für Mitarbeitende sichtbare als alle Begegnungen."),
            ),
        ]
        # Pairs of actor X where X is the larger id (profile section, incremental refresh).
        indexes = [models.Index(fields=["actor_b", "actor_a"], name="derivedtie_b_a")]

    def __str__(self):
        return f"{self.actor_a_id} – {self.actor_b_id} ({self.count})"

    @property
    def weight(self) -> float:
        """Today's weight: every meeting counts 0.5 ** (its age in days / 365)."""
        from django.utils import timezone

        return self.weight_score * 0.5 ** ((timezone.localdate() - WEIGHT_EPOCH).days / WEIGHT_HALF_LIFE_DAYS)


# DerivedTie.weight_score counts a meeting on day d as 2 ** ((d - WEIGHT_EPOCH).days / WEIGHT_HALF_LIFE_DAYS).
WEIGHT_EPOCH = datetime.date(2000, 1, 1)
WEIGHT_HALF_LIFE_DAYS = 365


class ContactVia(models.TextChoices):
    ACTIVITY = "activity", _("Termin")
    INTERACTION = "interaction", _("Kontaktprotokoll")


class ActorContact(models.Model):
    """When the office last had contact with an actor (derived with DerivedTie; the going-cold list).

    An actor without any past contact has no row. The `staff_*` columns leave out contacts logged
    "nur Koordination": what city staff may see (empty if they know of no contact).
    """

    actor = models.OneToOneField("actors.Actor", primary_key=True, on_delete=models.CASCADE, related_name="contact")
    last_contact = models.DateField(_("letzter Kontakt"))
    last_activity = models.DateField(_("letzter Termin"), null=True, blank=True)
    last_interaction = models.DateField(_("letzter protokollierter Kontakt"), null=True, blank=True)
    staff_last_contact = models.DateField(null=True, blank=True)
    staff_last_interaction = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("letzter Kontakt")
        verbose_name_plural = _("letzte Kontakte")
        # The going-cold list: actors whose last contact is before a cut-off, oldest first.
        indexes = [
            models.Index(fields=["last_contact"], name="actorcontact_last"),
            # The same list for city staff.
            models.Index(fields=["staff_last_contact"], name="actorcontact_staff_last"),
        ]

    def __str__(self):
        return f"{self.actor_id}: {self.last_contact}"

    @property
    def via(self) -> str:
        if self.last_interaction and (self.last_activity is None or self.last_interaction >= self.last_activity):
            return ContactVia.INTERACTION
        return ContactVia.ACTIVITY


class SnapshotScope(models.TextChoices):
    INTERNAL = "internal", _("intern")
    PUBLIC = "public", _("öffentlich")


class NetworkSnapshot(models.Model):
    """Network figures computed in the background (network/analytics.py), never while a page waits.

    `internal`: every actor, every current declared tie and every derived pair. `public`: published
    actors, public ties and derived pairs with a public basis (weighted by public meetings only).
    The last KEEP_SNAPSHOTS per scope are kept, and the first snapshot of every month for good
    (`monthly`: change over time); per-actor metrics only for the last KEEP_ACTOR_METRICS.
    """

    scope = models.CharField(_("Sicht"), max_length=10, choices=SnapshotScope.choices)
    computed_at = models.DateTimeField(_("berechnet am"))
    monthly = models.BooleanField(_("Monatsstand"), default=False)
    duration_seconds = models.FloatField(_("Rechenzeit (s)"), default=0)
    node_count = models.PositiveIntegerField(_("Akteure"))
    edge_count = models.PositiveIntegerField(_("Verbindungen"))
    declared_edge_count = models.PositiveIntegerField(_("erklärte Beziehungen"), default=0)
    derived_edge_count = models.PositiveIntegerField(_("abgeleitete Beziehungen"), default=0)
    density = models.FloatField(_("Dichte"))
    component_count = models.PositiveIntegerField(_("getrennte Teile"))
    largest_component_size = models.PositiveIntegerField(_("größter Teil"))
    isolate_count = models.PositiveIntegerField(_("ohne Verbindung"))
    weakly_tied_count = models.PositiveIntegerField(_("nur eine Verbindung"))
    articulation_point_count = models.PositiveIntegerField(_("Schlüsselstellen"))
    community_count = models.PositiveIntegerField(_("Gruppen"))
    modularity = models.FloatField(_("Modularität"), default=0)
    without_administration_count = models.PositiveIntegerField(_("ohne Kontakt zur Verwaltung"))
    mean_reach = models.FloatField(_("mittlere Reichweite (2 Schritte)"), default=0)
    betweenness_sampled = models.BooleanField(_("Vermittlerwerte geschätzt"), default=False)
    betweenness_samples = models.PositiveIntegerField(_("Stichprobe (Quellen)"), default=0)
    betweenness_error = models.FloatField(
        _("relativer Fehler der Vermittlerwerte"),
        default=0,
        help_text=_("Median des relativen Standardfehlers der 100 höchsten Werte; 0 bei exakter Berechnung."),
    )
    # Matrices (kind × kind, level × level), communities, without-administration by kind, top lists.
    aggregates = models.JSONField(_("weitere Kennzahlen"), default=dict)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("Netzwerk-Auswertung")
        verbose_name_plural = _("Netzwerk-Auswertungen")
        indexes = [models.Index(fields=["scope", "-computed_at"], name="netsnapshot_scope_time")]

    def __str__(self):
        return f"{self.get_scope_display()} {self.computed_at:%Y-%m-%d %H:%M}"


class ActorMetrics(models.Model):
    """One actor's position in one snapshot (only actors of the snapshot's scope have a row)."""

    snapshot = models.ForeignKey(NetworkSnapshot, on_delete=models.CASCADE, related_name="actor_metrics")
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    degree = models.PositiveIntegerField(_("Verbindungen"))
    weighted_degree = models.FloatField(_("gewichtete Verbindungen"))
    betweenness = models.FloatField(_("Vermittlerwert"), help_text=_("Normiert auf 0 bis 1 (wie networkx)."))
    betweenness_rank = models.PositiveIntegerField(_("Rang als Vermittler"))
    degree_rank = models.PositiveIntegerField(_("Rang nach Verbindungen"))
    community = models.IntegerField(_("Gruppe"), null=True, blank=True, help_text=_("0 ist die größte Gruppe."))
    groups_bridged = models.PositiveSmallIntegerField(_("verbundene Gruppen"), default=0)
    reach = models.PositiveIntegerField(_("Reichweite (2 Schritte)"), default=0)
    is_articulation_point = models.BooleanField(_("Schlüsselstelle"), default=False)
    is_isolate = models.BooleanField(_("ohne Verbindung"), default=False)
    is_weakly_tied = models.BooleanField(_("nur eine Verbindung"), default=False)
    has_administration_tie = models.BooleanField(_("Kontakt zur Verwaltung"), default=False)

    class Meta:
        verbose_name = _("Position im Netzwerk")
        verbose_name_plural = _("Positionen im Netzwerk")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "actor"],
                name="actormetrics_once",
                violation_error_message=_("Für diesen Akteur gibt es in dieser Auswertung schon Kennzahlen."),
            )
        ]
        indexes = [
            # Ranked lists of one snapshot (brokers, hubs).
            models.Index(fields=["snapshot", "betweenness_rank"], name="actormetrics_snap_btw"),
            models.Index(fields=["snapshot", "degree_rank"], name="actormetrics_snap_deg"),
            # A profile's position over the kept snapshots.
            models.Index(fields=["actor", "snapshot"], name="actormetrics_actor_snap"),
        ]

    def __str__(self):
        return f"{self.actor_id} @ {self.snapshot_id}"


class PendingImport(models.Model):
    """An uploaded Kumu file between its preview and its confirmation (network/kumu_import.py).

    Kept in the database, not on one app server's disk, so any server can finish it; `done_at` is set
    in the transaction that imports it, so two simultaneous confirms import it once."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="pendingimport_created")]

    def __str__(self):
        return self.name
