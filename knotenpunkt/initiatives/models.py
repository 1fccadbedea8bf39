"""Initiatives (Vorhaben): a plan of the city and its actors, with the stakeholders it involves.

An initiative runs through phases (idea, planning, decision, implementation, evaluation), each with
the day it starts; the council decides on it on `decision_date` (with its council paper,
`council_paper`). Its stakeholders are actors, each placed on an influence/interest grid, with the
involvement planned and reached, and the day they were first involved. Changes go through
services.py and are recorded like every other change.
"""

from __future__ import annotations

import itertools

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# The grid's scale: 1 (low) … GRID_MAX (high) for influence and interest.
GRID_MAX = 5


class Phase(models.TextChoices):
    IDEA = "idea", _("Idee")
    PLANNING = "planning", _("Planung")
    DECISION = "decision", _("Beschluss")
    IMPLEMENTATION = "implementation", _("Umsetzung")
    EVALUATION = "evaluation", _("Auswertung")


# The phases in their order, with the field holding the day each starts.
PHASE_STARTS = (
    (Phase.IDEA, "idea_from"),
    (Phase.PLANNING, "planning_from"),
    (Phase.DECISION, "decision_from"),
    (Phase.IMPLEMENTATION, "implementation_from"),
    (Phase.EVALUATION, "evaluation_from"),
)


class Involvement(models.TextChoices):
    """Levels of participation, from the least to the most."""

    NONE = "none", _("noch nicht einbezogen")
    INFORM = "inform", _("informieren")
    CONSULT = "consult", _("konsultieren")
    COLLABORATE = "collaborate", _("mitwirken")
    CODECIDE = "codecide", _("mitentscheiden")


class Initiative(models.Model):
    """One Vorhaben: "Klimapartnerschaft mit Kongoussi, Phase 3"."""

    title = models.CharField(_("Titel"), max_length=200)
    summary = models.TextField(_("Kurzbeschreibung"), blank=True)
    goals = models.TextField(_("Ziele"), blank=True)
    lead = models.ForeignKey(
        "actors.Actor",
        verbose_name=_("Federführung"),
        null=True,
        blank=True,
        # An actor leading an initiative is not deleted: the office names another lead first.
        on_delete=models.PROTECT,
        related_name="led_initiatives",
        help_text=_("Eine städtische Dienststelle oder ein Akteur."),
    )
    themes = models.ManyToManyField("actors.Theme", verbose_name=_("Themen"), blank=True, related_name="initiatives")
    sdgs = models.ManyToManyField("actors.SDG", verbose_name=_("Nachhaltigkeitsziele"), blank=True, related_name="+")
    budget = models.DecimalField(_("Budget in Euro"), max_digits=12, decimal_places=2, null=True, blank=True)
    funding = models.TextField(
        _("Finanzierung"), blank=True, help_text=_("z. B. „SKEW-Programm Kommunale Klimapartnerschaften, Eigenmittel“")
    )
    phase = models.CharField(_("Phase"), max_length=20, choices=Phase.choices, default=Phase.IDEA)
    idea_from = models.DateField(_("Idee ab"), null=True, blank=True)
    planning_from = models.DateField(_("Planung ab"), null=True, blank=True)
    decision_from = models.DateField(_("Beschlussphase ab"), null=True, blank=True)
    implementation_from = models.DateField(_("Umsetzung ab"), null=True, blank=True)
    evaluation_from = models.DateField(_("Auswertung ab"), null=True, blank=True)
    decision_date = models.DateField(_("Beschluss im Gemeinderat am"), null=True, blank=True)
    council_paper = models.CharField(_("Drucksache"), max_length=100, blank=True)
    public = models.BooleanField(
        _("öffentlich"), default=False, help_text=_("In der öffentlichen Vorhabenliste zeigen.")
    )
    participation = models.TextField(
        _("geplante Beteiligung"),
        blank=True,
        help_text=_("Wie sich Bürgerinnen, Bürger und Akteure einbringen können."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Lost-update protection: a form saves only onto the version it was loaded with (changes.locking).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("Vorhaben")
        verbose_name_plural = _("Vorhaben")
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values),
                name="initiative_phase_valid",
                violation_error_code="phase",
                violation_error_message=_("Bitte eine der angebotenen Phasen wählen."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="initiative_budget",
                violation_error_code="budget",
                violation_error_message=_("Das Budget kann nicht negativ sein."),
            ),
            # Each phase starts no earlier than the one before it (where both are set).
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{earlier}__isnull": True})
                    | Q(**{f"{later}__isnull": True})
                    | Q(**{f"{later}__gte": F(earlier)}),
                    name=f"initiative_{later}_order",
                    violation_error_code=later,
                    violation_error_message=_("Die Phasen müssen in ihrer Reihenfolge beginnen."),
                )
                for (_p1, earlier), (_p2, later) in itertools.pairwise(PHASE_STARTS)
            ),
        ]
        indexes = [
            # The public Vorhabenliste: public initiatives by decision date.
            models.Index(fields=["public", "decision_date"], name="initiative_public_list"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:detail", args=[self.pk])

    def phase_index(self) -> int:
        return [phase for phase, _f in PHASE_STARTS].index(self.phase)

    def phase_steps(self) -> list[dict]:
        """The phases in order, each with its start day and whether it is done or current."""
        current = self.phase_index()
        return [
            {"label": phase.label, "day": getattr(self, name), "current": i == current, "done": i < current}
            for i, (phase, name) in enumerate(PHASE_STARTS)
        ]


class InitiativeCountry(models.Model):
    """A country the initiative is about (its partner municipalities are stakeholders)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(_("Land"))

    class Meta:
        verbose_name = _("Land des Vorhabens")
        verbose_name_plural = _("Länder des Vorhabens")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "country"],
                name="initiativecountry_unique",
                violation_error_code="country",
                violation_error_message=_("Dieses Land ist bei dem Vorhaben schon eingetragen."),
            ),
        ]

    def __str__(self):
        return str(self.country.name)


class Stakeholder(models.Model):
    """An actor involved in (or to be involved in) an initiative."""

    # No index of its own: the unique (initiative, actor) index begins with it. The actor's own index
    # serves a profile's "initiatives it is a stakeholder in".
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="stakeholders", db_index=False)
    actor = models.ForeignKey(
        "actors.Actor", verbose_name=_("Akteur"), on_delete=models.CASCADE, related_name="stakeholdings"
    )
    role = models.CharField(_("Rolle"), max_length=200, blank=True)
    influence = models.PositiveSmallIntegerField(_("Einfluss"), default=3)
    interest = models.PositiveSmallIntegerField(_("Interesse"), default=3)
    planned = models.CharField(
        _("geplante Beteiligung"), max_length=20, choices=Involvement.choices, default=Involvement.CONSULT
    )
    reached = models.CharField(
        _("erreichte Beteiligung"), max_length=20, choices=Involvement.choices, default=Involvement.NONE
    )
    first_involved = models.DateField(_("erstmals einbezogen am"), null=True, blank=True)
    first_involved_how = models.CharField(_("wie"), max_length=300, blank=True)
    # Why the stakeholder is on the list: a proposal's reason code, or "" when added by hand.
    source = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-influence", "-interest", "id"]
        verbose_name = _("Beteiligte*r")
        verbose_name_plural = _("Beteiligte")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "actor"],
                name="stakeholder_once",
                violation_error_code="actor",
                violation_error_message=_("Dieser Akteur ist schon an dem Vorhaben beteiligt."),
            ),
            models.CheckConstraint(
                condition=Q(influence__gte=1, influence__lte=GRID_MAX),
                name="stakeholder_influence",
                violation_error_code="influence",
                violation_error_message=_("Der Einfluss liegt zwischen 1 (gering) und 5 (hoch)."),
            ),
            models.CheckConstraint(
                condition=Q(interest__gte=1, interest__lte=GRID_MAX),
                name="stakeholder_interest",
                violation_error_code="interest",
                violation_error_message=_("Das Interesse liegt zwischen 1 (gering) und 5 (hoch)."),
            ),
            models.CheckConstraint(
                condition=Q(planned__in=Involvement.values),
                name="stakeholder_planned_valid",
                violation_error_code="planned",
                violation_error_message=_("Bitte eine der angebotenen Stufen der Beteiligung wählen."),
            ),
            models.CheckConstraint(
                condition=Q(reached__in=Involvement.values),
                name="stakeholder_reached_valid",
                violation_error_code="reached",
                violation_error_message=_("Bitte eine der angebotenen Stufen der Beteiligung wählen."),
            ),
            # Involved means a day: "reached" above "none" comes with the day it began.
            models.CheckConstraint(
                condition=Q(reached=Involvement.NONE) | Q(first_involved__isnull=False),
                name="stakeholder_involved_has_day",
                violation_error_code="first_involved",
                violation_error_message=_("Bitte angeben, seit wann der Akteur einbezogen ist."),
            ),
        ]

    def __str__(self):
        return f"{self.actor} – {self.initiative}"


class CoverageKind(models.TextChoices):
    """The "Wer fehlt?" checks; the office switches each on or off (CoverageRule)."""

    DIASPORA = "diaspora", _("keine Migranten- oder Diasporaorganisation")
    CITY_DEPARTMENT = "city_department", _("keine städtische Dienststelle")
    STATE_FEDERAL = "state_federal", _("kein Partner auf Landes- oder Bundesebene")
    PARTNER_MUNICIPALITY = "partner_municipality", _("keine Partnerkommune im Land des Vorhabens")
    SCHOOL = "school", _("keine Schule bei einem Bildungsvorhaben")
    ONE_SECTOR = "one_sector", _("alle Beteiligten aus einem Bereich")


class CoverageRule(models.Model):
    """One "Wer fehlt?" check and whether it is on. The school check applies to initiatives with one
    of its themes (education themes); without themes it applies to none."""

    kind = models.CharField(_("Prüfung"), max_length=30, choices=CoverageKind.choices, unique=True)
    active = models.BooleanField(_("aktiv"), default=True)
    themes = models.ManyToManyField(
        "actors.Theme",
        verbose_name=_("nur bei diesen Themen"),
        blank=True,
        related_name="+",
        help_text=_("Für die Schul-Prüfung: die Themen, die ein Bildungsvorhaben ausmachen."),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("Prüfregel „Wer fehlt?“")
        verbose_name_plural = _("Prüfregeln „Wer fehlt?“")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CoverageKind.values),
                name="coveragerule_kind_valid",
                violation_error_code="kind",
                violation_error_message=_("Bitte eine der angebotenen Prüfungen wählen."),
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


class InitiativeLink(models.Model):
    """An activity, a contact or an introduction that belongs to an initiative (its timeline).

    Kept here rather than on those records: the initiatives app sits above them in the layers."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="links", db_index=False)
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="initiative_links"
    )
    interaction = models.ForeignKey(
        "interactions.Interaction", null=True, blank=True, on_delete=models.CASCADE, related_name="initiative_links"
    )
    introduction = models.ForeignKey(
        "synergies.Introduction", null=True, blank=True, on_delete=models.CASCADE, related_name="initiative_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("Verknüpfung mit einem Vorhaben")
        verbose_name_plural = _("Verknüpfungen mit Vorhaben")
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, interaction__isnull=True, introduction__isnull=True)
                | Q(activity__isnull=True, interaction__isnull=False, introduction__isnull=True)
                | Q(activity__isnull=True, interaction__isnull=True, introduction__isnull=False),
                name="initiativelink_one_target",
                violation_error_message=_(
                    "Eine Verknüpfung gilt genau einem Termin, einem Kontakt oder einer Vermittlung."
                ),
            ),
            *(
                models.UniqueConstraint(
                    fields=["initiative", target],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"initiativelink_{target}_once",
                    violation_error_code=target,
                    violation_error_message=_("Das ist schon mit dem Vorhaben verknüpft."),
                )
                for target in ("activity", "interaction", "introduction")
            ),
        ]

    def __str__(self):
        return str(self.activity or self.interaction or self.introduction)


class RequestStatus(models.TextChoices):
    OPEN = "open", _("offen")
    ACCEPTED = "accepted", _("angenommen")
    DECLINED = "declined", _("abgelehnt")


class ParticipationRequest(models.Model):
    """„Wir möchten mitwirken": an actor's editor offers their actor for a public initiative; the
    office answers (accepting puts the actor on the stakeholder list)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="requests", db_index=False)
    actor = models.ForeignKey(
        "actors.Actor", verbose_name=_("Akteur"), on_delete=models.CASCADE, related_name="participation_requests"
    )
    message = models.TextField(_("Nachricht"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("gestellt am"), auto_now_add=True)
    status = models.CharField(_("Stand"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    answer = models.TextField(_("Antwort"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Anfrage „Wir möchten mitwirken“")
        verbose_name_plural = _("Anfragen „Wir möchten mitwirken“")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="participationrequest_status",
                violation_error_code="status",
                violation_error_message=_("Bitte einen der angebotenen Stände wählen."),
            ),
            models.UniqueConstraint(
                fields=["initiative", "actor"],
                condition=Q(status="open"),
                name="participationrequest_one_open",
                violation_error_code="actor",
                violation_error_message=_("Für diesen Akteur liegt schon eine offene Anfrage vor."),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(answered_at__isnull=False),
                name="participationrequest_answered_has_time",
                violation_error_message=_("Eine beantwortete Anfrage hat den Zeitpunkt ihrer Antwort."),
            ),
        ]

    def __str__(self):
        return f"{self.actor} – {self.initiative}"


class CouncilPaper(models.Model):
    """The initiative's council paper in the council information system, read through OParl
    (initiatives/oparl.py): what the council system says, refreshed nightly."""

    initiative = models.OneToOneField(Initiative, on_delete=models.CASCADE, related_name="oparl_paper")
    url = models.URLField(_("OParl-Adresse"), max_length=500)
    name = models.CharField(_("Titel"), max_length=300, blank=True)
    reference = models.CharField(_("Drucksache"), max_length=100, blank=True)
    date = models.DateField(_("Datum"), null=True, blank=True)
    status = models.CharField(_("Stand"), max_length=200, blank=True)
    web = models.URLField(_("Ansicht im Ratsinformationssystem"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("zuletzt abgerufen"), null=True, blank=True)
    # The last refresh's failure (German); the values above stay those of the last good read.
    error = models.CharField(_("Fehler beim letzten Abruf"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("Drucksache (OParl)")
        verbose_name_plural = _("Drucksachen (OParl)")

    def __str__(self):
        return self.reference or self.name or self.url
