"""The record of processing activities (Art. 30 DSGVO), generated from the configuration.

What Knotenpunkt processes is known from its models and roles; who the controller is, who the
data-protection officer is and where mail goes come from settings; retention periods come from
the retention rules the office configured. The page renders `build()`; nothing here is typed
twice, so the record stays true when the configuration changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.activities.models import Activity, Participation
from knotenpunkt.actors.models import LegalBasis, Person
from knotenpunkt.interactions.models import FollowUp, Interaction
from knotenpunkt.pages.models import BarrierReport
from knotenpunkt.privacy.models import RetentionRule
from knotenpunkt.synergies.models import IntroductionMail


@dataclass
class Processing:
    name: str
    purposes: list[str]
    legal_bases: list[str]
    data_subjects: list[str]
    categories: list[str]  # categories of personal data (the fields, by their labels)
    recipients: list[str]
    retention: list[str]
    third_countries: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _labels(model, names) -> list[str]:
    return [str(model._meta.get_field(name).verbose_name) for name in names]


def _retention_lines(kinds) -> list[str]:
    rules = RetentionRule.objects.filter(kind__in=kinds)
    lines = [
        _("%(rule)s: Löschvorschlag, Löschung nach Bestätigung durch die Koordination") % {"rule": rule.describe()}
        + ("" if rule.active else _(" (Regel derzeit nicht aktiv)"))
        for rule in rules
    ]
    return lines or [_("Keine Aufbewahrungsregel eingerichtet: Löschung nur auf Antrag oder von Hand.")]


def controller() -> dict[str, str]:
    config = getattr(settings, "KNOTENPUNKT_PRIVACY", {})
    return {
        "controller": config.get(
            "controller", _("Stadt Ludwigsburg, Koordinierungsstelle kommunale Entwicklungspolitik")
        ),
        "address": config.get("address", "Wilhelmstraße 11, 71638 Ludwigsburg"),
        "dpo": config.get("dpo", _("Datenschutzbeauftragte*r der Stadt (Kontakt im Impressum der Stadt)")),
        "hosting": config.get("hosting", _("Rechenzentrum der Stadt (Betrieb durch die städtische IT)")),
    }


def build() -> dict:
    """The whole record as data for the printable page."""
    persons = Person.objects.filter(erased_at__isnull=True)
    by_basis = dict(persons.values_list("legal_basis").annotate(n=Count("id")).values_list("legal_basis", "n"))
    basis_lines = [
        _("%(basis)s: %(count)d Personen") % {"basis": label, "count": by_basis.get(value, 0)}
        for value, label in LegalBasis.choices
    ]
    if by_basis.get(""):
        basis_lines.append(_("noch ohne Angabe: %(count)d Personen") % {"count": by_basis[""]})
    mail_relay = getattr(settings, "EMAIL_HOST", "") or _("nicht eingerichtet")
    staff = _("Mitarbeitende der Koordinierungsstelle (Rolle Koordination)")
    city = _(
        "Mitarbeitende der Stadtverwaltung (Rolle Stadtverwaltung), nur Kontakte mit Sichtbarkeit „Stadtverwaltung“"
    )
    editors = _("Redaktionen eines Akteurs: nur die Kontaktpersonen des eigenen Akteurs")
    activities = [
        Processing(
            name=_("Kontaktpersonen der Akteure"),
            purposes=[
                _("Vernetzung der Akteure der kommunalen Entwicklungspolitik"),
                _("Einladungen, Vermittlungen zwischen Akteuren, Rückfragen"),
            ],
            legal_bases=basis_lines,
            data_subjects=[_("Ansprechpersonen von Vereinen, Initiativen, Schulen, Kirchen, Verwaltung und Partnern")],
            categories=[
                *_labels(Person, ("first_name", "last_name", "email", "phone", "notes", "purpose")),
                _("Funktion im Akteur"),
                _("Einwilligung mit Nachweis (wann, wie, von wem erfasst, Fassung des Textes)"),
            ],
            recipients=[staff, city, editors],
            retention=_retention_lines(["person_without_basis", "person_review_due"]),
            counts={_("Personen"): persons.count(), _("davon eingeschränkt"): persons.filter(restricted=True).count()},
        ),
        Processing(
            name=_("Kontaktprotokoll und Wiedervorlagen"),
            purposes=[_("Nachvollziehen, mit wem die Koordinierungsstelle wann worüber gesprochen hat")],
            legal_bases=[str(LegalBasis.PUBLIC_TASK.label), str(LegalBasis.LEGITIMATE_INTEREST.label)],
            data_subjects=[_("genannte Kontaktpersonen"), _("Mitarbeitende der Stadt")],
            categories=_labels(Interaction, ("date", "channel", "summary")) + _labels(FollowUp, ("title", "due_date")),
            recipients=[staff, city],
            retention=_retention_lines(["interaction_old"]),
            counts={_("Kontakte"): Interaction.objects.count()},
        ),
        Processing(
            name=_("Termine und Teilnahmen"),
            purposes=[_("Gemeinsamer Veranstaltungskalender, Auswertung, wer sich getroffen hat")],
            legal_bases=[str(LegalBasis.PUBLIC_TASK.label)],
            data_subjects=[_("als Teilnehmende eingetragene Kontaktpersonen")],
            categories=[*_labels(Activity, ("title", "start", "outcome_notes")), _("Rolle der Teilnahme")],
            recipients=[staff, city, _("Öffentlichkeit: nur öffentliche Termine, nie Personen")],
            retention=[_("Mit dem Termin; Personen werden bei ihrer Löschung zu „gelöschte Person“.")],
            counts={_("Teilnahmen von Personen"): Participation.objects.filter(person__isnull=False).count()},
        ),
        Processing(
            name=_("E-Mails der Vermittlungen"),
            purposes=[_("Zwei Akteure miteinander bekannt machen")],
            legal_bases=[str(LegalBasis.PUBLIC_TASK.label)],
            data_subjects=[_("Kontaktpersonen, an die eine Vermittlung geht")],
            categories=_labels(IntroductionMail, ("recipient", "subject", "body")),
            recipients=[staff, _("Mailserver: %(relay)s") % {"relay": mail_relay}],
            retention=[_("Mit der Vermittlung; bei Löschung der Person werden Adresse und Name entfernt.")],
            counts={_("E-Mails"): IntroductionMail.objects.count()},
        ),
        Processing(
            name=_("Meldungen von Barrieren"),
            purposes=[_("Barrieren in Knotenpunkt beheben und der meldenden Person antworten (BITV 2.0)")],
            legal_bases=[
                _(
                    "rechtliche Verpflichtung (Art. 6 Abs. 1 lit. c DSGVO): Feedback-Mechanismus nach Art. 7 der "
                    "Richtlinie (EU) 2016/2102"
                )
            ],
            data_subjects=[_("Personen, die eine Barriere melden")],
            categories=_labels(BarrierReport, ("message", "page", "contact_email")),
            recipients=[staff, _("Mailserver: %(relay)s") % {"relay": mail_relay}],
            retention=[
                _(
                    "Noch keine Löschfrist: die Meldungen bleiben. Bei Löschung einer Person werden Adresse und "
                    "Text ihrer Meldungen entfernt."
                )
            ],
            counts={_("Meldungen"): BarrierReport.objects.count()},
        ),
        Processing(
            name=_("Schutz der Anmeldung"),
            purposes=[
                _("Erraten von Passwörtern und massenhafte Mails „Passwort vergessen“ verhindern (Art. 32 DSGVO)")
            ],
            legal_bases=[
                _("öffentliche Aufgabe und Sicherheit der Verarbeitung (Art. 6 Abs. 1 lit. e, Art. 32 DSGVO)")
            ],
            data_subjects=[_("Personen, die sich anmelden oder ein neues Passwort anfordern")],
            categories=[
                _("fehlgeschlagene Anmeldungen: Benutzername, Netzwerkadresse, Browserkennung, Zeitpunkt"),
                _(
                    "„Passwort vergessen“: nicht umkehrbare Prüfsummen (mit geheimem Schlüssel) von E-Mail- und "
                    "Netzwerkadresse, Zeitpunkt"
                ),
            ],
            recipients=[staff],
            retention=[
                _("Fehlversuche bis zum Ablauf der Sperre (%(minutes)d Minuten) oder bis zur erfolgreichen Anmeldung")
                % {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
                _("Anfragen „Passwort vergessen“: ein Tag"),
            ],
        ),
        Processing(
            name=_("Änderungsverlauf und Zugriffsprotokoll"),
            purposes=[
                _("Nachvollziehbarkeit jeder Änderung, Wiederherstellen früherer Werte"),
                _("Protokoll, wer private Kontaktdaten gelesen hat (Art. 5 Abs. 2, Art. 32 DSGVO)"),
            ],
            legal_bases=[_("rechtliche Verpflichtung und öffentliche Aufgabe (Art. 6 Abs. 1 lit. c, e)")],
            data_subjects=[_("Nutzende von Knotenpunkt"), _("Kontaktpersonen (nur über ihre Nummer)")],
            categories=[_("wer, wann, welcher Datensatz, alter und neuer Wert"), _("wer wann welche Kontaktdaten las")],
            recipients=[staff, _("Stadtverwaltung und Redaktionen: nur den Verlauf, den sie lesen dürfen")],
            retention=[_("Solange der Datensatz besteht; bei Löschung einer Person werden ihre Daten entfernt.")],
        ),
    ]
    return {
        "generated_at": timezone.now(),
        "controller": controller(),
        "activities": activities,
        "measures": [
            _("Rechte nach Rollen, auf dem Server bei jedem Aufruf geprüft"),
            _("Verschlüsselte Übertragung (HTTPS), sichere Sitzungs-Cookies"),
            _("Vollständiger Änderungsverlauf, Zugriffsprotokoll für private Kontaktdaten"),
            _("Tägliche geprüfte Sicherung; Löschungen werden nach einer Wiederherstellung erneut ausgeführt"),
            _("Keine Einbindung fremder Server zur Laufzeit (keine CDN, keine Tracker)"),
        ],
    }
