from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from knotenpunkt.lib.colour import badge_colours


class ActorKind(models.TextChoices):
    ASSOCIATION = "association", _("Verein")
    INITIATIVE = "initiative", _("Initiative")
    FAIR_TRADE_SHOP = "fair_trade_shop", _("Weltladen")
    DIASPORA = "diaspora", _("Migranten-/Diasporaorganisation")
    SCHOOL = "school", _("Schule")
    UNIVERSITY = "university", _("Hochschule")
    RELIGIOUS = "religious", _("Religionsgemeinschaft")
    FOUNDATION = "foundation", _("Stiftung")
    COMPANY = "company", _("Unternehmen")
    NETWORK = "network", _("Netzwerk/Forum")
    CITY_DEPARTMENT = "city_department", _("Städtische Dienststelle")
    STATE_BODY = "state_body", _("Landesebene")
    FEDERAL_BODY = "federal_body", _("Bundesebene")
    PARTNER_MUNICIPALITY = "partner_municipality", _("Partnerkommune im Ausland")
    OTHER = "other", _("Sonstige")


def kind_count_label(kind: str, n: int) -> str:
    """The kind's name for `n` actors of it, in the number's grammatical form ("1 Verein", "3 Vereine")."""
    labels = {
        ActorKind.ASSOCIATION: lambda: ngettext("Verein", "Vereine", n),
        ActorKind.INITIATIVE: lambda: ngettext("Initiative", "Initiativen", n),
        ActorKind.FAIR_TRADE_SHOP: lambda: ngettext("Weltladen", "Weltläden", n),
        ActorKind.DIASPORA: lambda: ngettext("Migranten-/Diasporaorganisation", "Migranten-/Diasporaorganisationen", n),
        ActorKind.SCHOOL: lambda: ngettext("Schule", "Schulen", n),
        ActorKind.UNIVERSITY: lambda: ngettext("Hochschule", "Hochschulen", n),
        ActorKind.RELIGIOUS: lambda: ngettext("Religionsgemeinschaft", "Religionsgemeinschaften", n),
        ActorKind.FOUNDATION: lambda: ngettext("Stiftung", "Stiftungen", n),
        ActorKind.COMPANY: lambda: ngettext("Unternehmen", "Unternehmen", n),
        ActorKind.NETWORK: lambda: ngettext("Netzwerk/Forum", "Netzwerke/Foren", n),
        ActorKind.CITY_DEPARTMENT: lambda: ngettext("Städtische Dienststelle", "Städtische Dienststellen", n),
        ActorKind.STATE_BODY: lambda: ngettext("Stelle des Landes", "Stellen des Landes", n),
        ActorKind.FEDERAL_BODY: lambda: ngettext("Stelle des Bundes", "Stellen des Bundes", n),
        ActorKind.PARTNER_MUNICIPALITY: lambda: ngettext("Partnerkommune im Ausland", "Partnerkommunen im Ausland", n),
        ActorKind.OTHER: lambda: ngettext("sonstiger Akteur", "sonstige Akteure", n),
    }
    label = labels.get(kind)
    return label() if label else str(dict(ActorKind.choices).get(kind, kind))


class Level(models.TextChoices):
    LOCAL = "local", _("lokal")
    REGIONAL = "regional", _("regional")
    STATE = "state", pgettext_lazy("level", "Land")
    FEDERAL = "federal", _("Bund")
    INTERNATIONAL = "international", _("international")


class TranslatedNameMixin:
    """Content in two languages: `name` follows the active UI language."""

    @property
    def name(self):
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name_de


class Theme(TranslatedNameMixin, models.Model):
    slug = models.SlugField(_("Kürzel"), max_length=60, unique=True)
    name_de = models.CharField(_("Name (deutsch)"), max_length=100, unique=True)
    name_en = models.CharField(_("Name (englisch)"), max_length=100, blank=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")

    def __str__(self):
        return self.name


class SDG(TranslatedNameMixin, models.Model):
    """One of the 17 UN Sustainable Development Goals (seeded by a migration)."""

    number = models.PositiveSmallIntegerField(_("Nummer"), primary_key=True)
    name_de = models.CharField(_("Titel (deutsch)"), max_length=120)
    name_en = models.CharField(_("Titel (englisch)"), max_length=120)
    colour = models.CharField(_("Farbe"), max_length=7)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Nachhaltigkeitsziel (SDG)")
        verbose_name_plural = _("Nachhaltigkeitsziele (SDGs)")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=17),
                name="sdg_number_1_to_17",
                violation_error_code="number",
                violation_error_message=_("Die Nummer eines SDG liegt zwischen 1 und 17."),
            ),
        ]

    def __str__(self):
        return f"SDG {self.number}: {self.name}"

    @property
    def badge_style(self) -> str:
        """CSS variables for a badge in this SDG's colour with text readable at 4.5:1 (WCAG 1.4.3)."""
        background, text = badge_colours(self.colour)
        return f"--sdg: {background}; --sdg-text: {text}"


class ActorQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Actor(models.Model):
    """Anyone the coordination office works with: an organisation, a department, a partner city.

    Public fields are shown in the public directory once `published` is set;
    `internal_notes`, persons and memberships never leave the internal views.
    """

    # Identity
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Adresse (Slug)"), max_length=220, unique=True)
    kind = models.CharField(_("Art"), max_length=30, choices=ActorKind.choices)
    level = models.CharField(_("Ebene"), max_length=20, choices=Level.choices, default=Level.LOCAL)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("übergeordnete Einheit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Zum Beispiel das Referat, zu dem ein Fachbereich gehört."),
    )
    # Public profile
    description = models.TextField(_("Beschreibung"), blank=True, help_text=_("Markdown ist erlaubt."))
    themes = models.ManyToManyField(Theme, verbose_name=_("Themen"), blank=True, related_name="actors")
    sdgs = models.ManyToManyField(SDG, verbose_name=_("Nachhaltigkeitsziele"), blank=True, related_name="actors")
    website = models.URLField(_("Website"), blank=True)
    contact_email = models.EmailField(_("öffentliche E-Mail"), blank=True)
    contact_phone = models.CharField(_("öffentliche Telefonnummer"), max_length=40, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=10, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    country = CountryField(_("Land (Sitz)"), default="DE", blank=True)
    latitude = models.DecimalField(_("Breitengrad"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("Längengrad"), max_digits=9, decimal_places=6, null=True, blank=True)
    published = models.BooleanField(_("veröffentlicht"), default=False)
    # Internal
    internal_notes = models.TextField(_("interne Notizen"), blank=True)
    # Number of declared ties in either direction, kept by network.services (search ranks hubs first).
    tie_count = models.PositiveIntegerField(_("Anzahl Beziehungen"), default=0, editable=False)
    # Of those, the public ties between two published actors: what a visitor's cards count (kept by the
    # same reaction, reactions.recount_ties, after ties and publication change).
    public_tie_count = models.PositiveIntegerField(_("Anzahl öffentlicher Beziehungen"), default=0, editable=False)
    # Bookkeeping
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Search document: folded, lower-case text kept by actors.search.index_actors().
    search_name = models.TextField(editable=False, blank=True, default="")
    search_body = models.TextField(editable=False, blank=True, default="")

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Akteur")
        verbose_name_plural = _("Akteure")
        indexes = [
            # Public directory: published actors filtered by kind/level, ordered by name.
            models.Index(fields=["published", "kind", "name"], name="actor_pub_kind_name"),
            models.Index(fields=["published", "level", "name"], name="actor_pub_level_name"),
            models.Index(fields=["published", "name"], name="actor_pub_name"),
            # The office's directory: every actor, published or not, ordered by name (logged-in users
            # get no page cache; without it the first page sorted all 100,000 actors, 85 ms).
            models.Index(fields=["name", "id"], name="actor_name_id"),
            # Search results in rank order: the best-connected matches first, read in index order.
            models.Index(models.F("tie_count").desc(), "name", "id", name="actor_tiecount_name"),
            # Search: actors whose whole (folded) name is the query rank first.
            models.Index(fields=["search_name"], name="actor_search_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="actor_not_own_parent",
                violation_error_code="parent",
                violation_error_message=_("Eine Einheit kann nicht unter sich selbst hängen."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="actor_latitude_range",
                violation_error_code="latitude",
                violation_error_message=_("Der Breitengrad liegt zwischen -90 und 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="actor_longitude_range",
                violation_error_code="longitude",
                violation_error_message=_("Der Längengrad liegt zwischen -180 und 180."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="actor_name_not_empty",
                violation_error_code="name",
                violation_error_message=_("Bitte einen Namen angeben."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pages:actor", args=[self.slug])

    @property
    def is_department(self):
        return self.kind == ActorKind.CITY_DEPARTMENT


class ActorCountry(models.Model):
    """A country (ISO 3166) an actor works in or with, e.g. Burkina Faso."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(_("Land"))

    class Meta:
        verbose_name = _("Land des Engagements")
        verbose_name_plural = _("Länder des Engagements")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "country"],
                name="actor_country_unique",
                violation_error_code="country",
                violation_error_message=_("Dieses Land ist bei dem Akteur schon eingetragen."),
            )
        ]
        # Directory filter "country": actors working in one country.
        indexes = [models.Index(fields=["country", "actor"], name="actorcountry_country")]

    def __str__(self):
        return str(self.country.name)


class LegalBasis(models.TextChoices):
    """Why Knotenpunkt may store a person's data (Art. 6 Abs. 1 DSGVO)."""

    CONSENT = "consent", _("Einwilligung (Art. 6 Abs. 1 lit. a)")
    CONTRACT = "contract", _("Vertrag (Art. 6 Abs. 1 lit. b)")
    PUBLIC_TASK = "public_task", _("öffentliche Aufgabe (Art. 6 Abs. 1 lit. e)")
    LEGITIMATE_INTEREST = "legitimate_interest", _("berechtigtes Interesse (Art. 6 Abs. 1 lit. f)")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("schriftlich (unterschrieben)")
    EMAIL = "email", _("per E-Mail")
    FORM = "form", _("Online-Formular")
    ORAL = "oral", _("mündlich (mit Vermerk)")


class PersonQuerySet(models.QuerySet):
    def active(self):
        """Persons who may be processed: neither restricted (Art. 18) nor erased (Art. 17).

        Pickers, mail recipients and lists use this; restricted persons are kept but not used.
        """
        return self.filter(restricted=False, erased_at__isnull=True)


class Person(models.Model):
    """A contact person. All of it is internal: the public sees actors' public contact only.

    Data protection: each person has a purpose and a legal basis (consent with its proof), a
    review date, and may be restricted (kept, not processed). An erased person stays as a
    tombstone ("gelöschte Person, 6.12.2026") where contacts and activities count them; every
    other trace is removed (knotenpunkt/privacy/erasure.py).
    """

    first_name = models.CharField(_("Vorname"), max_length=100, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=100)
    email = models.EmailField(_("E-Mail (privat)"), blank=True)
    phone = models.CharField(_("Telefon (privat)"), max_length=40, blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    purpose = models.CharField(
        _("Zweck"),
        max_length=300,
        blank=True,
        help_text=_("Wofür die Koordinierungsstelle die Daten nutzt, z. B. „Einladungen zum Netzwerktreffen“."),
    )
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=30, choices=LegalBasis.choices, blank=True)
    consent_at = models.DateField(_("Einwilligung am"), null=True, blank=True)
    consent_method = models.CharField(_("Einwilligung wie"), max_length=20, choices=ConsentMethod.choices, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Einwilligung erfasst von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_text_version = models.CharField(_("Fassung des Einwilligungstexts"), max_length=40, blank=True)
    review_date = models.DateField(
        _("Prüfen bis"),
        null=True,
        blank=True,
        help_text=_("Bis wann geprüft wird, ob die Daten noch gebraucht werden."),
    )
    restricted = models.BooleanField(
        _("Verarbeitung eingeschränkt"),
        default=False,
        help_text=_(
            "Art. 18 DSGVO: Daten bleiben gespeichert, werden aber nicht genutzt (keine E-Mails, keine Auswahl)."
        ),
    )
    restriction_reason = models.CharField(_("Grund der Einschränkung"), max_length=300, blank=True)
    erased_at = models.DateTimeField(_("gelöscht am"), null=True, blank=True, editable=False)
    # Raised on every save (optimistic locking, knotenpunkt.changes.locking).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_basis="") | Q(legal_basis__in=LegalBasis.values),
                name="person_legal_basis_valid",
                violation_error_code="legal_basis",
                violation_error_message=_("Bitte eine der angebotenen Rechtsgrundlagen wählen."),
            ),
            # Consent is only recorded with its proof: when and how.
            models.CheckConstraint(
                condition=~Q(legal_basis=LegalBasis.CONSENT) | (Q(consent_at__isnull=False) & ~Q(consent_method="")),
                name="person_consent_has_proof",
                violation_error_code="consent_at",
                violation_error_message=_("Eine Einwilligung braucht ihren Nachweis: wann und wie sie gegeben wurde."),
            ),
            # A tombstone keeps nothing that identifies the person.
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True)
                | (
                    Q(first_name="", email="", phone="", notes="", purpose="", restriction_reason="")
                    & Q(consent_recorded_by__isnull=True)
                ),
                name="person_erased_is_empty",
                violation_error_message=_("Eine gelöschte Person behält keine Angaben, die sie erkennbar machen."),
            ),
        ]
        indexes = [
            # Retention: persons whose review date has passed.
            models.Index(fields=["review_date"], condition=Q(erased_at__isnull=True), name="person_review_date"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        super().clean()
        if self.legal_basis == LegalBasis.CONSENT:
            errors = {}
            if self.consent_at is None:
                errors["consent_at"] = _("Bitte angeben, wann die Einwilligung erteilt wurde.")
            if not self.consent_method:
                errors["consent_method"] = _("Bitte angeben, wie die Einwilligung erteilt wurde.")
            if errors:
                raise ValidationError(errors)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Membership(models.Model):
    """A person's role in an actor, e.g. "Vorsitzende" of a Verein."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="memberships")
    function = models.CharField(_("Funktion"), max_length=120, blank=True)

    class Meta:
        ordering = ["actor", "person"]
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "actor", "function"],
                name="membership_unique",
                violation_error_code="function",
                violation_error_message=_("Diese Person hat diese Funktion bei dem Akteur schon."),
            ),
        ]

    def __str__(self):
        return f"{self.person} – {self.actor} ({self.function})"


class SearchWord(models.Model):
    """Vocabulary of the search index (folded words), used for typo tolerance."""

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        verbose_name = _("Suchwort")
        verbose_name_plural = _("Suchwörter")

    def __str__(self):
        return self.word


class SearchWordVariant(models.Model):
    """A word with one letter deleted, pointing to the word (symmetric-delete typo lookup)."""

    variant = models.CharField(max_length=100)
    word = models.ForeignKey(SearchWord, on_delete=models.CASCADE, related_name="variants")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "word"],
                name="searchwordvariant_unique",
                violation_error_code="variant",
                violation_error_message=_("Diese Schreibweise ist für das Wort schon erfasst."),
            )
        ]

    def __str__(self):
        return f"{self.variant} → {self.word_id}"
