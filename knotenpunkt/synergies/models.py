"""Synergies: what actors offer and need, whom they should meet, and the introductions the office makes.

- `Listing` is an offer or a need of one actor (Angebot / Gesuch), public or internal, valid
  for a period; an expired listing disappears from every list by itself (`Listing.objects.current()`).
- `Suggestion` is a stored partner suggestion for one actor: rank, score and the reasons as codes
  with parameters (rendered in the reader's language by `reasons.py`). The engine (`engine.py`)
  computes them in the background (`SuggestionRun` records when and how).
- `Introduction` (Vermittlung) tracks one pair through proposed → introduced → met → cooperating,
  or declined; a pair is introduced at most once, and a declined pair is never suggested again.
  Its steps (who, when, a decline's reason) are its change rows (knotenpunkt.changes).
- `SuggestionOptOut`: an actor that wants no suggestions is neither suggested nor given any.

Who may read and change what is decided in synergies/permissions.py;
changes go through listings.py, introductions.py and suggestions.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Direction(models.TextChoices):
    OFFER = "offer", _("Angebot")
    NEED = "need", _("Gesuch")


class Category(models.TextChoices):
    ROOMS = "rooms", _("Räume")
    EXPERTISE = "expertise", _("Fachwissen")
    SPEAKERS = "speakers", _("Referent:innen")
    VOLUNTEERS = "volunteers", _("Ehrenamtliche")
    EQUIPMENT = "equipment", _("Ausstattung und Material")
    FUNDING = "funding", _("Fördermittel-Know-how")
    PARTNER_CONTACTS = "partner_contacts", _("Kontakte ins Partnerland")
    PUBLICITY = "publicity", _("Öffentlichkeitsarbeit")
    OTHER = "other", _("Sonstiges")


class ListingQuerySet(models.QuerySet):
    def current(self, today=None):
        """Listings valid today: started, and not expired (an open end never expires)."""
        today = today or timezone.localdate()
        return self.filter(valid_from__lte=today).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


class Listing(models.Model):
    """One offer or need of an actor ("Wir bieten Räume für bis zu 80 Personen")."""

    actor = models.ForeignKey(
        "actors.Actor", verbose_name=_("Akteur"), on_delete=models.CASCADE, related_name="listings"
    )
    direction = models.CharField(_("Angebot oder Gesuch"), max_length=10, choices=Direction.choices)
    category = models.CharField(_("Kategorie"), max_length=30, choices=Category.choices)
    title = models.CharField(_("Titel"), max_length=160)
    description = models.TextField(_("Beschreibung"), blank=True, help_text=_("Markdown ist erlaubt."))
    themes = models.ManyToManyField("actors.Theme", verbose_name=_("Themen"), blank=True, related_name="listings")
    sdgs = models.ManyToManyField("actors.SDG", verbose_name=_("Nachhaltigkeitsziele"), blank=True, related_name="+")
    country = CountryField(_("Land"), blank=True, help_text=_("Wenn es um ein bestimmtes Partnerland geht."))
    valid_from = models.DateField(_("gültig ab"), default=timezone.localdate)
    valid_until = models.DateField(_("gültig bis"), null=True, blank=True, help_text=_("Leer: bis auf Weiteres."))
    public = models.BooleanField(
        _("öffentlich"),
        default=False,
        help_text=_("Auf der öffentlichen Börse zeigen (nur bei veröffentlichten Akteuren)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Lost-update protection: a form saves only onto the version it was loaded with.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("Angebot oder Gesuch")
        verbose_name_plural = _("Angebote und Gesuche")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="listing_valid_period",
                violation_error_code="valid_until",
                violation_error_message=_("„Gültig bis“ liegt vor „gültig ab“."),
            ),
        ]
        indexes = [
            # The board: current listings by direction and category, newest first.
            models.Index(fields=["direction", "category", "valid_until"], name="listing_board"),
            models.Index(fields=["actor", "direction"], name="listing_actor"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()}: {self.title}"

    def get_absolute_url(self):
        return reverse("synergies:listing_detail", args=[self.pk])


class SuggestionRunKind(models.TextChoices):
    FULL = "full", _("vollständig")
    INCREMENTAL = "incremental", _("für einzelne Akteure")


class SuggestionRun(models.Model):
    """One computation of suggestions: when, how long, for how many actors."""

    kind = models.CharField(_("Art"), max_length=20, choices=SuggestionRunKind.choices)
    started_at = models.DateTimeField(_("begonnen"))
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    actor_count = models.PositiveIntegerField(_("Akteure"), default=0)
    suggestion_count = models.PositiveIntegerField(_("Vorschläge"), default=0)
    duration_seconds = models.FloatField(_("Rechenzeit (s)"), default=0)
    details = models.JSONField(_("Einzelheiten"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("Berechnung der Vorschläge")
        verbose_name_plural = _("Berechnungen der Vorschläge")

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


def compact_reason(reason):
    """A reason dict as a short array (see ReasonsField); the dict itself where it has other keys."""
    if not isinstance(reason, dict):
        return reason  # already compact
    code, keys = reason.get("code"), set(reason)
    public = reason.get("public")
    if not isinstance(public, bool):
        return reason
    if code == "offer_need" and keys == {"code", "offer", "need", "partner_offers", "public"}:
        return ["o", reason["offer"], reason["need"], int(bool(reason["partner_offers"])), int(public)]
    if code == "shared" and keys == {"code", "themes", "sdgs", "countries", "public"}:
        return ["s", int(public), reason["themes"], reason["sdgs"], reason["countries"]]
    if (
        code == "common_partners"
        and keys == {"code", "count", "examples", "public_count", "public_examples", "public"}
        and public == bool(reason["public_count"])
    ):
        same = reason["public_examples"] == reason["examples"]
        return [
            "c",
            reason["count"],
            reason["examples"],
            reason["public_count"],
            None if same else reason["public_examples"],
        ]
    if code == "similar_text" and keys == {"code", "words", "public"}:
        return ["t", int(public), reason["words"]]
    if code == "bridge" and keys == {"code", "sectors", "public"} and public and len(reason["sectors"]) == 2:
        return ["b", *reason["sectors"]]
    return reason


def expand_reason(reason):
    """The dict of a stored reason (arrays as written by `compact_reason` or by the bulk writer)."""
    if not isinstance(reason, list) or not reason:
        return reason
    tag = reason[0]
    if tag == "o":
        return {"code": "offer_need", "offer": reason[1], "need": reason[2], "partner_offers": bool(reason[3]),
                "public": bool(reason[4])}  # fmt: skip
    if tag == "s":
        return {"code": "shared", "themes": reason[2], "sdgs": reason[3], "countries": reason[4],
                "public": bool(reason[1])}  # fmt: skip
    if tag == "c":
        examples = reason[2]
        public_examples = list(examples) if reason[4] is None else reason[4]
        return {"code": "common_partners", "count": reason[1], "examples": examples, "public_count": reason[3],
                "public_examples": public_examples, "public": bool(reason[3])}  # fmt: skip
    if tag == "t":
        return {"code": "similar_text", "words": reason[2], "public": bool(reason[1])}
    if tag == "b":
        return {"code": "bridge", "sectors": [reason[1], reason[2]], "public": True}
    return reason


class ReasonsField(models.JSONField):
    """A list of reasons, {"code": …, …} each, stored as short arrays.

    A million suggestions are rewritten every night: as arrays ("c" for common partners, "s" for
    shared themes …) they take about a third of the bytes of the dicts, which is what PostgreSQL
    has to parse. Code reads and writes the dicts; `suggestions.py` writes the arrays directly.

    On PostgreSQL the column is `json`, not `jsonb`: the reasons are only ever read whole, never
    searched, and `json` keeps the text as it came (checked, not decomposed). Writing a million
    rows took the server 5.6 s as jsonb and 2.0 s as json, and the table shrank from 346 to
    195 MB (docs/benchmarks.md). `json` has no equality operator: no DISTINCT or UNION over rows
    with this column.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        return Json(value)

    def get_prep_value(self, value):
        if isinstance(value, list):
            value = [compact_reason(r) for r in value]
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        # psycopg hands `json` over parsed already (Django reads only `jsonb` as text).
        if isinstance(value, str):
            value = super().from_db_value(value, expression, connection)
        if isinstance(value, list):
            value = [expand_reason(r) for r in value]
        return value


class Suggestion(models.Model):
    """A partner `partner` suggested for `actor`, with its rank, score and reasons.

    `reasons` is a list of {"code": …, …parameters}; `reasons.py` turns each into a sentence and
    knows which codes rest on internal data only (`public` in each reason).
    """

    # No index of its own: the unique (actor, rank) and (actor, partner) indexes begin with it.
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="suggestions", db_index=False)
    partner = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("Rang"))
    score = models.FloatField(_("Wert"))
    reasons = ReasonsField(_("Gründe"), default=list)
    computed_at = models.DateTimeField(_("berechnet am"))

    class Meta:
        ordering = ["actor", "rank"]
        verbose_name = _("Partnervorschlag")
        verbose_name_plural = _("Partnervorschläge")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "rank"],
                name="suggestion_rank_once",
                violation_error_code="rank",
                violation_error_message=_("Dieser Rang ist für den Akteur schon vergeben."),
            ),
            models.UniqueConstraint(
                fields=["actor", "partner"],
                name="suggestion_pair_once",
                violation_error_code="partner",
                violation_error_message=_("Dieser Partner ist dem Akteur schon vorgeschlagen."),
            ),
            models.CheckConstraint(
                condition=~Q(actor=F("partner")),
                name="suggestion_not_self",
                violation_error_code="partner",
                violation_error_message=_("Ein Akteur wird sich nicht selbst vorgeschlagen."),
            ),
        ]
        indexes = [
            # The office's overview: the strongest pairs of the whole network, read in this order.
            models.Index(fields=["-score", "actor", "partner"], name="suggestion_best_first"),
        ]

    def __str__(self):
        return f"{self.actor_id} → {self.partner_id} (#{self.rank})"


class SuggestionOptOut(models.Model):
    """The actor wants no partner suggestions: it is neither suggested to others nor given any."""

    actor = models.OneToOneField("actors.Actor", primary_key=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Verzicht auf Vorschläge")
        verbose_name_plural = _("Verzichte auf Vorschläge")

    def __str__(self):
        return str(self.actor_id)


class IntroductionStatus(models.TextChoices):
    PROPOSED = "proposed", _("vorgeschlagen")
    INTRODUCED = "introduced", _("bekannt gemacht")
    MET = "met", _("getroffen")
    COOPERATING = "cooperating", _("kooperieren")
    DECLINED = "declined", _("abgelehnt")


# The path an introduction takes; declining is possible from every open step.
INTRODUCTION_STEPS = [
    IntroductionStatus.PROPOSED,
    IntroductionStatus.INTRODUCED,
    IntroductionStatus.MET,
    IntroductionStatus.COOPERATING,
]


class Introduction(models.Model):
    """The office introduces two actors to each other (Vermittlung). One row per pair, ever.

    The pair is stored in a fixed order (`actor_a_id < actor_b_id`) so "A with B" and "B with A"
    are the same row; the database refuses a second one.
    """

    actor_a = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    actor_b = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("Stand"), max_length=20, choices=IntroductionStatus.choices, default=IntroductionStatus.PROPOSED
    )
    note = models.TextField(_("Anlass"), blank=True, help_text=_("Warum die beiden sich kennenlernen sollten."))
    reasons = models.JSONField(_("Gründe des Vorschlags"), default=list, blank=True)
    requested_by = models.ForeignKey(
        "actors.Actor",
        verbose_name=_("angefragt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Der Akteur, der die Koordinierungsstelle um die Vermittlung gebeten hat."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    introduced_at = models.DateTimeField(_("bekannt gemacht am"), null=True, blank=True)
    met_at = models.DateTimeField(_("getroffen am"), null=True, blank=True)
    cooperating_at = models.DateTimeField(_("Kooperation seit"), null=True, blank=True)
    declined_at = models.DateTimeField(_("abgelehnt am"), null=True, blank=True)
    interaction = models.ForeignKey(
        "interactions.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tie = models.ForeignKey("network.Tie", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Vermittlung")
        verbose_name_plural = _("Vermittlungen")
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_a__lt=F("actor_b")),
                name="introduction_pair_ordered",
                violation_error_message=_("Die beiden Akteure einer Vermittlung stehen in fester Reihenfolge."),
            ),
            models.UniqueConstraint(
                fields=["actor_a", "actor_b"],
                name="introduction_pair_once",
                violation_error_message=_("Für diese beiden Akteure gibt es schon eine Vermittlung."),
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="introduction_status")]

    def __str__(self):
        return f"{self.actor_a_id} ↔ {self.actor_b_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("synergies:introduction_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (IntroductionStatus.COOPERATING, IntroductionStatus.DECLINED)


class IntroductionMailStatus(models.TextChoices):
    QUEUED = "queued", _("wartet")
    SENT = "sent", _("gesendet")
    FAILED = "failed", _("fehlgeschlagen")
    # The receiving server refused it for good (unknown address, 5xx): not tried again by itself.
    REJECTED = "rejected", _("dauerhaft abgelehnt")


class IntroductionMail(models.Model):
    """One e-mail of an introduction to one side: queued in the same transaction, sent by a task."""

    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="mails")
    actor = models.ForeignKey("actors.Actor", on_delete=models.CASCADE, related_name="+")
    recipient = models.EmailField(_("an"))
    subject = models.CharField(_("Betreff"), max_length=200)
    body = models.TextField(_("Text"))
    status = models.CharField(
        _("Stand"), max_length=10, choices=IntroductionMailStatus.choices, default=IntroductionMailStatus.QUEUED
    )
    error = models.TextField(_("Fehler"), blank=True)
    # Answers go to the coordinator who sent the introduction, not to the no-reply sender.
    reply_to = models.EmailField(_("Antwort an"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("E-Mail einer Vermittlung")
        verbose_name_plural = _("E-Mails der Vermittlungen")
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "actor"],
                name="introductionmail_once",
                violation_error_message=_("Diese Mail der Vermittlung ist schon verschickt."),
            )
        ]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"
