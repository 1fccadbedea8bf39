"""Access (Art. 15 DSGVO): everything Knotenpunkt stores about one person, as data.

`collect()` gathers it once; the JSON download writes it as it is, the printable page renders it.
It covers the person record with its legal basis and consent, memberships, contacts naming the
person and their follow-ups, activities they take part in, introduction mails sent to their
address, barriers reported from it, every history row about them, and who read their contact data.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from knotenpunkt.activities.models import Participation
from knotenpunkt.actors.models import Person
from knotenpunkt.changes import display
from knotenpunkt.changes.access import log_access
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change, PersonalDataAccess
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.interactions.models import FollowUp, Interaction
from knotenpunkt.pages.models import BarrierReport
from knotenpunkt.synergies.models import IntroductionMail

FORMAT_VERSION = 1


def collect(person: Person) -> dict:
    """The whole record of one person as plain data (German keys: the person may read it)."""
    memberships = person.memberships.select_related("actor").order_by("actor__name")
    interactions = (
        person.interactions.order_by("-date", "-id")
        .prefetch_related("actors", Prefetch("followups", queryset=FollowUp.objects.order_by("due_date", "id")))
        .select_related("activity")
    )
    participations = (
        Participation.objects.filter(person=person).select_related("activity").order_by("-activity__start", "-id")
    )
    mails = (
        IntroductionMail.objects.filter(recipient__iexact=person.email).order_by("created_at", "id")
        if person.email
        else IntroductionMail.objects.none()
    )
    # Barriers reported from the person's address ("Barriere melden"): matched as erasure matches them.
    reports = (
        BarrierReport.objects.filter(contact_email__iexact=person.email).order_by("created_at", "id")
        if person.email
        else BarrierReport.objects.none()
    )
    changes = list(Change.objects.touching("person", person.pk).select_related("user").order_by("at", "id"))
    # Choice labels once (get_FOO_display per row translates every label again).
    channel, visibility = _labels(Interaction, "channel"), _labels(Interaction, "visibility")
    role, mail_status = _labels(Participation, "role"), _labels(IntroductionMail, "status")
    accesses = PersonalDataAccess.objects.filter(person_id=person.pk).select_related("user").order_by("at", "id")
    return {
        "format": "knotenpunkt-auskunft",
        "format_version": FORMAT_VERSION,
        "erstellt_am": timezone.now().isoformat(),
        "person": {
            "id": person.pk,
            "vorname": person.first_name,
            "nachname": person.last_name,
            "e_mail": person.email,
            "telefon": person.phone,
            "notizen": person.notes,
            "zweck": person.purpose,
            "rechtsgrundlage": person.get_legal_basis_display() if person.legal_basis else "",
            "einwilligung": {
                "am": person.consent_at,
                "wie": person.get_consent_method_display() if person.consent_method else "",
                "erfasst_von": _user_name(person.consent_recorded_by),
                "fassung_des_textes": person.consent_text_version,
            }
            if person.consent_at
            else None,
            "pruefen_bis": person.review_date,
            "verarbeitung_eingeschraenkt": person.restricted,
            "grund_der_einschraenkung": person.restriction_reason,
            "angelegt_am": person.created_at,
        },
        "mitgliedschaften": [{"akteur": m.actor.name, "funktion": m.function} for m in memberships],
        "kontakte": [
            {
                "id": i.pk,
                "datum": i.date,
                "art": channel.get(i.channel, i.channel),
                "inhalt": i.summary,
                "sichtbar_fuer": visibility.get(i.visibility, i.visibility),
                "akteure": [a.name for a in i.actors.all()],
                "termin": i.activity.title if i.activity else None,
                "wiedervorlagen": [
                    {"was": f.title, "faellig_am": f.due_date, "erledigt_am": f.done_at} for f in i.followups.all()
                ],
            }
            for i in interactions
        ],
        "termine": [
            {
                "titel": p.activity.title,
                "beginn": p.activity.start,
                "ort": p.activity.place_name,
                "rolle": role.get(p.role, p.role),
            }
            for p in participations
        ],
        "e_mails": [
            {
                "an": m.recipient,
                "betreff": m.subject,
                "text": m.body,
                "stand": mail_status.get(m.status, m.status),
                "angelegt_am": m.created_at,
                "gesendet_am": m.sent_at,
            }
            for m in mails
        ],
        "barrieremeldungen": [
            {"gemeldet_am": r.created_at, "seite": r.page, "text": r.message, "antwort_an": r.contact_email}
            for r in reports
        ],
        "verlauf": [
            {
                "zeitpunkt": change.at,
                "von": entry.who,
                "was": entry.sentence,
                "felder": [
                    {"feld": line.label, "vorher": line.old_full or line.old, "nachher": line.new_full or line.new}
                    for line in entry.lines
                ],
            }
            for change, entry in zip(changes, display.describe(changes), strict=True)
        ],
        "zugriffe_auf_kontaktdaten": [{"zeitpunkt": a.at, "von": _user_name(a.user), "wo": a.where} for a in accesses],
    }


def as_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@atomic
def person_export(*, user, person: Person, file_format: str) -> dict:
    """Collect a person's data for an access request, and record that (and by whom) it was made."""
    data = collect(person)
    record(user=user, kind=ChangeKind.PERSON_EXPORTED, record=person, extra={"format": file_format})
    log_access(user, [person.pk], "Auskunft (Art. 15)")
    return data


def _labels(model, name: str) -> dict[str, str]:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
