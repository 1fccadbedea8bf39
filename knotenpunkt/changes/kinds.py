"""Every kind of change Knotenpunkt records. One list for the whole project, so the change feed can
filter by kind and the reactions (knotenpunkt/reactions.py) can say which kinds they follow.

The value is `<record>.<verb>`; the label completes the sentence "Erika Beispiel hat …".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    ACTOR_CREATED = "actor.created", _("den Akteur angelegt")
    ACTOR_UPDATED = "actor.updated", _("den Akteur geändert")
    ACTOR_PUBLISHED = "actor.published", _("den Akteur veröffentlicht")
    ACTOR_UNPUBLISHED = "actor.unpublished", _("den Akteur zurückgezogen")
    ACTOR_MERGED = "actor.merged", _("eine Dublette übernommen")
    ACTOR_DELETED = "actor.deleted", _("den Akteur gelöscht")
    THEME_SAVED = "theme.saved", _("ein Thema gespeichert")
    PERSON_CREATED = "person.created", _("die Person angelegt")
    PERSON_UPDATED = "person.updated", _("die Person geändert")
    PERSON_DELETED = "person.deleted", _("die Person gelöscht")
    MEMBERSHIP_CREATED = "membership.created", _("eine Mitgliedschaft eingetragen")
    MEMBERSHIP_UPDATED = "membership.updated", _("eine Mitgliedschaft geändert")
    MEMBERSHIP_DELETED = "membership.deleted", _("eine Mitgliedschaft entfernt")
    TIE_CREATED = "tie.created", _("eine Beziehung angelegt")
    TIE_UPDATED = "tie.updated", _("eine Beziehung geändert")
    TIE_DELETED = "tie.deleted", _("eine Beziehung gelöscht")
    ACTIVITY_CREATED = "activity.created", _("den Termin angelegt")
    ACTIVITY_UPDATED = "activity.updated", _("den Termin geändert")
    ACTIVITY_DELETED = "activity.deleted", _("den Termin gelöscht")
    ACTIVITY_EXCEPTION_SAVED = "activity.exception_saved", _("einen Termin der Serie geändert")
    ACTIVITY_EXCEPTION_DELETED = "activity.exception_deleted", _("eine Ausnahme der Serie aufgehoben")
    INTERACTION_CREATED = "interaction.created", _("einen Kontakt eingetragen")
    INTERACTION_UPDATED = "interaction.updated", _("einen Kontakt geändert")
    INTERACTION_DELETED = "interaction.deleted", _("einen Kontakt gelöscht")
    FOLLOWUP_CREATED = "followup.created", _("eine Wiedervorlage angelegt")
    FOLLOWUP_COMPLETED = "followup.completed", _("eine Wiedervorlage erledigt")
    FOLLOWUP_REOPENED = "followup.reopened", _("eine Wiedervorlage wieder geöffnet")
    FOLLOWUP_DELETED = "followup.deleted", _("eine Wiedervorlage gelöscht")
    LISTING_CREATED = "listing.created", _("ein Angebot oder Gesuch eingetragen")
    LISTING_UPDATED = "listing.updated", _("ein Angebot oder Gesuch geändert")
    LISTING_ENDED = "listing.ended", _("ein Angebot oder Gesuch beendet")
    INTRODUCTION_PROPOSED = "introduction.proposed", _("eine Vermittlung vorgeschlagen")
    INTRODUCTION_REQUESTED = "introduction.requested", _("um eine Vermittlung gebeten")
    INTRODUCTION_SENT = "introduction.sent", _("eine Vermittlung verschickt")
    INTRODUCTION_MET = "introduction.met", _("ein Treffen aus einer Vermittlung eingetragen")
    INTRODUCTION_COOPERATING = "introduction.cooperating", _("eine Zusammenarbeit aus einer Vermittlung eingetragen")
    INTRODUCTION_DECLINED = "introduction.declined", _("eine Vermittlung abgelehnt")
    CALENDAR_SOURCE_CREATED = "calendar_source.created", _("einen Kalender abonniert")
    CALENDAR_SOURCE_UPDATED = "calendar_source.updated", _("ein Kalenderabo geändert")
    CALENDAR_SOURCE_DELETED = "calendar_source.deleted", _("ein Kalenderabo entfernt")
    USER_ROLE_CHANGED = "user.role_changed", _("Rolle und Rechte eines Kontos geändert")
    LISTING_DELETED = "listing.deleted", _("ein Angebot oder Gesuch gelöscht")
    INTRODUCTION_MAILS_RETRIED = "introduction.mails_retried", _("die E-Mails einer Vermittlung erneut angestoßen")
    SUGGESTIONS_OPTED_OUT = "suggestions.opted_out", _("Partnervorschläge für einen Akteur abgeschaltet")
    SUGGESTIONS_OPTED_IN = "suggestions.opted_in", _("Partnervorschläge für einen Akteur wieder eingeschaltet")
    USER_CREATED = "user.created", _("ein Konto angelegt")
    USER_UPDATED = "user.updated", _("ein Konto geändert")
    ACTIVITY_DATES_EXTENDED = "activity.dates_extended", _("die Termine einer Serie fortgeschrieben")
    PERSON_EXPORTED = "person.exported", _("eine Auskunft über die Person erstellt")
    PERSON_ERASED = "person.erased", _("eine Person gelöscht (Art. 17 DSGVO)")
    PERSON_RESTRICTED = "person.restricted", _("die Verarbeitung einer Person eingeschränkt")
    PERSON_UNRESTRICTED = "person.unrestricted", _("die Einschränkung einer Person aufgehoben")
    INTERACTION_ERASED = "interaction.erased", _("einen Kontakt nach Aufbewahrungsfrist gelöscht")
    RETENTION_KEPT = "retention.kept", _("einen Löschvorschlag abgelehnt (Daten bleiben)")
    INTRODUCTION_DELETED = "introduction.deleted", _("eine Vermittlung gelöscht (mit einem Akteur)")
    ACTIVITY_PARTICIPANT_DELETED = "activity.participant_deleted", _("einen Beteiligten entfernt (Akteur gelöscht)")
    RETENTION_RULE_SAVED = "retention.rule_saved", _("eine Aufbewahrungsregel gespeichert")
    CONSENT_TEXT_SAVED = "consent.text_saved", _("einen Einwilligungstext gespeichert")
    INITIATIVE_CREATED = "initiative.created", _("das Vorhaben angelegt")
    INITIATIVE_UPDATED = "initiative.updated", _("das Vorhaben geändert")
    INITIATIVE_DELETED = "initiative.deleted", _("das Vorhaben gelöscht")
    STAKEHOLDER_ADDED = "stakeholder.added", _("einen Beteiligten aufgenommen")
    STAKEHOLDER_UPDATED = "stakeholder.updated", _("einen Beteiligten geändert")
    STAKEHOLDER_REMOVED = "stakeholder.removed", _("einen Beteiligten entfernt")
    COVERAGE_RULE_SAVED = "coverage.rule_saved", _("eine Prüfregel „Wer fehlt?“ gespeichert")
    INITIATIVE_LINKED = "initiative.linked", _("etwas mit dem Vorhaben verknüpft")
    PARTICIPATION_REQUESTED = "participation.requested", _("angeboten, an einem Vorhaben mitzuwirken")
    PARTICIPATION_ANSWERED = "participation.answered", _("eine Anfrage zur Mitwirkung beantwortet")
    COUNCIL_PAPER_LINKED = "council_paper.linked", _("eine Drucksache aus dem Ratsinformationssystem verknüpft")
    COUNCIL_PAPER_UPDATED = (
        "council_paper.updated",
        _("den Stand einer Drucksache aus dem Ratsinformationssystem übernommen"),
    )
    COUNCIL_PAPER_UNLINKED = "council_paper.unlinked", _("die Verknüpfung mit einer Drucksache gelöst")
    ACTIVITY_PARTICIPATION_CONFIRMED = (
        "activity.participation_confirmed",
        _("die Teilnahme eines Akteurs an einem Termin bestätigt"),
    )
    ACTIVITY_PARTICIPATION_DECLINED = (
        "activity.participation_declined",
        _("die angefragte Teilnahme eines Akteurs an einem Termin abgelehnt"),
    )
    USER_TWO_FACTOR_ENABLED = "user.two_factor_enabled", _("die Zwei-Faktor-Anmeldung eines Kontos eingerichtet")
    USER_TWO_FACTOR_DISABLED = "user.two_factor_disabled", _("die Zwei-Faktor-Anmeldung eines Kontos abgeschaltet")
    ACCESSIBILITY_STATEMENT_SAVED = "accessibility_statement.saved", _("die Erklärung zur Barrierefreiheit geändert")
    BARRIER_REPORTED = "barrier.reported", _("eine Barriere gemeldet")


class Audience(models.TextChoices):
    """Who may read a change row (visitors read none).

    INTERNAL: everyone who may read the record's internal data (an actor's editors included);
    STAFF: the city's staff and the coordination (the contact log); COORDINATION: the coordination only.
    """

    INTERNAL = "internal", _("intern")
    STAFF = "staff", _("Stadtverwaltung")
    COORDINATION = "coordination", _("nur Koordination")
