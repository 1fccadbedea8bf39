"""Erasure (Art. 17 DSGVO): a person leaves every table; a tombstone stays where a count must.

Where a person's data can be, and what erasing does there:

* the person row: becomes a tombstone ("gelöschte Person, 6.12.2026") with nothing else, so
  contacts and activities that counted them still count one person (constraint
  `person_erased_is_empty`);
* memberships: deleted;
* contacts naming the person, and their follow-ups: the person's names, e-mail and phone are cut
  out of their texts (the link to the tombstone stays, so "3 Personen" stays true);
* other texts that name the person in full, or give their e-mail or phone (contacts, follow-ups,
  activities' internal results, actors' internal notes, ties' notes, introductions' occasions,
  introduction mails): those words are cut out;
* introduction mails sent to the person's address: the address and the texts are cut out;
* the history (knotenpunkt.changes): the person's own rows lose their data; rows touching them,
  and rows of every record scrubbed above, lose the person's words; the admin's log likewise;
* finished background-task results mentioning the e-mail address: deleted;
* retention findings about the person: decided;
* the search index, derived relationships and partner suggestions hold no person data (they are
  built from actors); the access log keeps only the person's id.

The erasure is one transaction (a kill -9 leaves all or nothing), recorded as one change without
the erased data, and logged (id and time only) in `ErasureLogEntry` and the erasure log file, so
that a restore of an older backup erases the person again (`replay`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts import roles
from knotenpunkt.activities.models import Activity
from knotenpunkt.actors.models import Actor, Membership, Person
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.changes.services import atomic, record, user_or_none
from knotenpunkt.initiatives.models import Initiative, Stakeholder
from knotenpunkt.interactions.models import FollowUp, Interaction
from knotenpunkt.network.models import Tie
from knotenpunkt.pages.models import BarrierReport
from knotenpunkt.privacy.models import Decision, ErasureLogEntry, RetentionCandidate
from knotenpunkt.synergies.introductions import mail_address
from knotenpunkt.synergies.models import Introduction, IntroductionMail

log = logging.getLogger(__name__)

ERASED_NAME = "[gelöschte Person]"
ERASED_EMAIL = "[gelöschte E-Mail-Adresse]"
ERASED_PHONE = "[gelöschte Telefonnummer]"
# IntroductionMail.recipient must stay an address; this one can never be delivered (RFC 2606).
ERASED_RECIPIENT = "geloescht@knotenpunkt.invalid"

# Free texts that may name anybody: scanned for the person's full name, e-mail and phone.
TEXT_FIELDS: list[tuple[type[models.Model], tuple[str, ...]]] = [
    (Interaction, ("summary",)),
    (FollowUp, ("title",)),
    (Activity, ("outcome_notes",)),
    (Actor, ("internal_notes",)),
    (Tie, ("note",)),
    (Introduction, ("note",)),
    (IntroductionMail, ("subject", "body", "error")),
    (Initiative, ("summary", "goals", "funding", "participation")),
    (Stakeholder, ("role", "first_involved_how")),
    (BarrierReport, ("message", "page")),
]


# --- the words to cut out --------------------------------------------------------------------


@dataclass
class Traces:
    """The words that identify one person: said in full anywhere, or in part where they are named."""

    strict: list[str]  # full name both ways round, e-mail, phone
    loose: list[str]  # first and last name alone, only in texts linked to the person

    @classmethod
    def of(cls, person: Person) -> Traces:
        first, last = person.first_name.strip(), person.last_name.strip()
        strict = []
        if first and last:
            strict += [f"{first} {last}", f"{last}, {first}"]
        elif last:
            strict.append(last)
        if person.email:
            strict.append(person.email)
        if len(person.phone.strip()) >= 5:
            strict.append(person.phone.strip())
        loose = [name for name in (first, last) if len(name) >= 3]
        return cls(strict=_longest_first(strict), loose=_longest_first(loose))

    def query(self, names: tuple[str, ...]) -> Q:
        """Rows whose fields contain a strict trace (the database narrows, `scrub` decides).

        Each field's test says `<> ''` too: on PostgreSQL that lets the partial trigram indexes
        (privacy migration 0003) answer instead of a scan of every row.
        """
        condition = Q(pk__in=[])
        for name in names:
            contains = Q(pk__in=[])
            for term in self.strict:
                contains |= Q(**{f"{name}__icontains": term})
            condition |= ~Q(**{name: ""}) & contains
        return condition

    def __post_init__(self):
        # One pattern each, longest alternative first (so "Erika Beispiel" wins over "Erika").
        self._strict = re.compile("|".join(map(re.escape, self.strict)), re.IGNORECASE) if self.strict else None
        self._loose = (
            re.compile("|".join(rf"\b{re.escape(t)}\b" for t in self.loose), re.IGNORECASE) if self.loose else None
        )
        self._replacements = {term.lower(): _replacement(term) for term in self.strict}

    def scrub(self, text: str, *, linked: bool) -> str:
        if not isinstance(text, str) or not text:
            return text
        if self._strict is not None:
            text = self._strict.sub(lambda m: self._replacements.get(m.group(0).lower(), ERASED_NAME), text)
        if linked and self._loose is not None:
            text = self._loose.sub(ERASED_NAME, text)
        return text

    def scrub_json(self, value, *, linked: bool):
        if isinstance(value, str):
            return self.scrub(value, linked=linked)
        if isinstance(value, list):
            return [self.scrub_json(v, linked=linked) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_json(v, linked=linked) for k, v in value.items()}
        return value


def _longest_first(terms: list[str]) -> list[str]:
    return sorted({t for t in terms if t}, key=len, reverse=True)


def _replacement(term: str) -> str:
    if "@" in term:
        return ERASED_EMAIL
    if re.fullmatch(r"[\d\s()+/.-]+", term):
        return ERASED_PHONE
    return ERASED_NAME


def tombstone_label(when) -> str:
    return _("gelöschte Person, %(date)s") % {"date": date_format(timezone.localtime(when).date(), "j.n.Y")}


# --- what will happen (shown before the office confirms) --------------------------------------


@dataclass
class ErasurePlan:
    person: Person
    memberships: int = 0
    interactions: int = 0
    participations: int = 0
    mails: int = 0
    history: int = 0
    warnings: list[str] = field(default_factory=list)


def plan(person: Person) -> ErasurePlan:
    """Counts of what the erasure touches, and warnings about open work that depends on the person."""
    result = ErasurePlan(
        person=person,
        memberships=person.memberships.count(),
        interactions=person.interactions.count(),
        participations=person.participations.count(),
        mails=IntroductionMail.objects.filter(recipient__iexact=person.email).count() if person.email else 0,
        history=Change.objects.touching("person", person.pk).count(),
    )
    result.warnings = _warnings(person)
    return result


def _warnings(person: Person) -> list[str]:
    warnings = []
    actor_ids = list(person.memberships.values_list("actor_id", flat=True))
    if person.email and actor_ids:
        open_intros = (
            Introduction.objects.filter(Q(actor_a_id__in=actor_ids) | Q(actor_b_id__in=actor_ids))
            .exclude(status__in=["cooperating", "declined"])
            .select_related("actor_a", "actor_b")
        )
        for intro in open_intros:
            for actor in (intro.actor_a, intro.actor_b):
                if actor.pk in actor_ids and mail_address(actor).lower() == person.email.lower():
                    warnings.append(
                        _(
                            "Die Vermittlung zwischen „%(a)s“ und „%(b)s“ ist noch offen, und diese Person ist die "
                            "einzige Kontaktperson von „%(actor)s“ mit E-Mail-Adresse. Nach der Löschung kann "
                            "Knotenpunkt „%(actor)s“ zu dieser Vermittlung nicht mehr schreiben; bitte vorher eine "
                            "andere Kontaktperson oder eine öffentliche Adresse eintragen."
                        )
                        % {"a": intro.actor_a.name, "b": intro.actor_b.name, "actor": actor.name}
                    )
    open_followups = FollowUp.objects.filter(interaction__persons=person, done_at__isnull=True).distinct().count()
    if open_followups:
        warnings.append(
            ngettext(
                "%(count)d offene Wiedervorlage gehört zu einem Kontakt mit dieser Person. Sie bleibt bestehen; "
                "der Name der Person wird aus ihrem Titel entfernt.",
                "%(count)d offene Wiedervorlagen gehören zu Kontakten mit dieser Person. Sie bleiben bestehen; "
                "der Name der Person wird aus ihren Titeln entfernt.",
                open_followups,
            )
            % {"count": open_followups}
        )
    return warnings


# --- the erasure itself ----------------------------------------------------------------------


@atomic
def person_erase(*, user, person: Person, reason: str = "request") -> Person:
    """Erase a person everywhere (see the module's docstring); returns the tombstone.

    `reason` is "request" (the person asked, Art. 17 (1)) or "retention" (a confirmed retention
    finding). Raises ValidationError if the person is already erased.
    """
    if user is not None and not roles.can_manage_personal_data(user):
        raise PermissionDenied(_("Nur die Koordination darf Personen löschen."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_erased:
        raise ValidationError(_("Diese Person wurde bereits gelöscht."))
    traces = Traces.of(person)
    now = timezone.now()
    counts = {"memberships": person.memberships.count()}
    scrubbed: dict[str, set[int]] = {}

    # Texts linked to the person: every part of their name goes.
    linked_interactions = set(person.interactions.values_list("pk", flat=True))
    counts["interactions"] = len(linked_interactions)
    counts["participations"] = person.participations.count()
    _scrub_rows(Interaction, ("summary",), Q(pk__in=linked_interactions), traces, linked=True, into=scrubbed)
    _scrub_rows(FollowUp, ("title",), Q(interaction_id__in=linked_interactions), traces, linked=True, into=scrubbed)
    # Mails to the person: the address and the texts.
    if person.email:
        mails = IntroductionMail.objects.filter(recipient__iexact=person.email)
        counts["mails"] = mails.count()
        _scrub_rows(
            IntroductionMail, ("subject", "body", "error"), Q(pk__in=mails.values("pk")), traces, True, scrubbed
        )
        mails.update(recipient=ERASED_RECIPIENT)
        IntroductionMail.objects.filter(reply_to__iexact=person.email).update(reply_to="")
        # Barriers the person reported ("Barriere melden"): the address and what they wrote about themselves.
        reports = BarrierReport.objects.filter(contact_email__iexact=person.email)
        _scrub_rows(BarrierReport, ("message", "page"), Q(pk__in=reports.values("pk")), traces, True, scrubbed)
        reports.update(contact_email="")
    # Every other text naming the person in full, or giving their e-mail or phone.
    if traces.strict:
        for model, names in TEXT_FIELDS:
            _scrub_rows(model, names, traces.query(names), traces, linked=False, into=scrubbed)

    Membership.objects.filter(person=person).delete()
    counts["history"] = _scrub_history(person, traces, scrubbed, now)
    _scrub_admin_log(person, traces)
    if person.email:
        finished = DBTaskResult.objects.exclude(finished_at=None)
        for column in ("args_kwargs", "return_value", "traceback"):
            finished.filter(**{f"{column}__icontains": person.email}).delete()
    RetentionCandidate.objects.filter(record_type="actors.person", record_id=person.pk, decision="").update(
        decision=Decision.DELETED, decided_at=now, decided_by=user_or_none(user)
    )

    label = tombstone_label(now)
    Person.objects.filter(pk=person.pk).update(
        first_name="",
        last_name=label,
        email="",
        phone="",
        notes="",
        purpose="",
        legal_basis="",
        consent_at=None,
        consent_method="",
        consent_recorded_by=None,
        consent_text_version="",
        review_date=None,
        restricted=False,
        restriction_reason="",
        erased_at=now,
        version=person.version + 1,
    )
    person.refresh_from_db()
    record(
        user=user,
        kind=ChangeKind.PERSON_ERASED,
        record=person,
        label=label,
        extra={"reason": reason, "counts": counts},
    )
    ErasureLogEntry.objects.create(at=now, person_id=person.pk)
    if reason != "replay":  # a replayed erasure is in the file already
        transaction.on_commit(lambda: append_to_log_file(person.pk, now))
    return person


BATCH = 500


def _scrub_rows(model, names, condition: Q, traces: Traces, linked: bool, into: dict[str, set[int]]) -> None:
    """Cut the traces out of these fields of the rows matching `condition` (one UPDATE per batch)."""
    changed = []
    for row in model.objects.filter(condition).only("pk", *names).iterator(chunk_size=BATCH):
        before = [getattr(row, name) for name in names]
        for name in names:
            setattr(row, name, traces.scrub(getattr(row, name), linked=linked))
        if [getattr(row, name) for name in names] != before:
            changed.append(row)
            into.setdefault(model._meta.label_lower, set()).add(row.pk)
    _save_fields(model, names, changed)


def _scrub_history(person: Person, traces: Traces, scrubbed: dict[str, set[int]], now) -> int:
    """The person's own change rows keep no data; rows about them or about scrubbed records lose the words."""
    own = Change.objects.for_record("actors.person", person.pk)
    own_count = own.update(data={"erased": True}, record_label=tombstone_label(now))
    about = Q(subjects__kind="person", subjects__subject_id=person.pk)
    for record_type, ids in scrubbed.items():
        about |= Q(record_type=record_type, record_id__in=ids)
    count, changed = own_count, []
    rows = Change.objects.filter(about).exclude(record_type="actors.person", record_id=person.pk).distinct()
    for change in rows.only("pk", "data", "record_label").iterator(chunk_size=BATCH):
        data = traces.scrub_json(change.data, linked=True)
        label = traces.scrub(change.record_label, linked=True)
        count += 1
        if data != change.data or label != change.record_label:
            change.data, change.record_label = data, label
            changed.append(change)
    _save_fields(Change, ("data", "record_label"), changed)
    return count


def _save_fields(model, names, rows) -> None:
    """UPDATE these fields of these rows by primary key, fast.

    Django's bulk_update builds one CASE per field over the whole batch, which costs seconds for a
    few thousand history rows. PostgreSQL gets one `UPDATE … FROM (VALUES …)` per BATCH rows;
    SQLite, in-process, an executemany of the plain UPDATE.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    values = [[row.pk, *(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 (names from model meta)
            cursor.executemany(sql, [[*v[1:], v[0]] for v in values])
            return
        casts = ["%s::bigint", *(f"%s::{f.db_type(connection)}" for f in fields)]
        columns = ", ".join(["pk", *(f"c{i}" for i in range(len(fields)))])
        assignments = ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(fields))
        for start in range(0, len(values), BATCH):
            batch = values[start : start + BATCH]
            tuples = ", ".join(["(" + ", ".join(casts) + ")"] * len(batch))
            sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {tuples}) AS v({columns}) WHERE t.{pk} = v.pk"  # noqa: S608
            cursor.execute(sql, [param for row in batch for param in row])


def _scrub_admin_log(person: Person, traces: Traces) -> None:
    person_type = ContentType.objects.get_for_model(Person)
    own = LogEntry.objects.filter(content_type=person_type, object_id=str(person.pk))
    own.update(object_repr=_("gelöschte Person"), change_message="")
    if traces.strict:
        for entry in LogEntry.objects.filter(traces.query(("object_repr", "change_message"))).iterator():
            LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=traces.scrub(entry.object_repr, linked=False)[:200],
                change_message=traces.scrub(entry.change_message, linked=False),
            )


# --- the erasure log outside the database, and replaying it after a restore -------------------


def log_file() -> Path:
    return Path(getattr(settings, "KNOTENPUNKT_ERASURE_LOG", settings.VAR_DIR / "erasure-log.jsonl"))


def append_to_log_file(person_id: int, at) -> None:
    """One line per erasure, fsynced: `{"person_id": 42, "at": "2026-12-06T10:00:00+00:00"}`."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"person_id": int(person_id), "at": at.astimezone(dt.UTC).isoformat()}) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read_log_file() -> list[dict]:
    path = log_file()
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            entries.append({"person_id": int(entry["person_id"]), "at": entry["at"]})
        except (ValueError, KeyError, TypeError):
            log.warning("Unreadable line in the erasure log skipped: %r", line[:80])
    return entries


def sync_log_file() -> int:
    """Append erasures the database knows but the file misses (a crash between commit and append)."""
    known = {entry["person_id"] for entry in read_log_file()}
    missing = ErasureLogEntry.objects.exclude(person_id__in=known).order_by("at")
    added = 0
    for entry in missing:
        append_to_log_file(entry.person_id, entry.at)
        added += 1
    return added


def replay(*, since=None) -> list[int]:
    """Erase again every person the erasure log names who is not erased in this database.

    Run after restoring a backup: erasures made after the backup was taken would otherwise be
    undone. `since` (an aware datetime) skips older entries. Returns the ids erased again.
    """
    erased = []
    for entry in read_log_file():
        if since is not None and entry["at"] < since.astimezone(dt.UTC).isoformat():
            continue
        person = Person.objects.filter(pk=entry["person_id"], erased_at__isnull=True).first()
        if person is None:
            continue
        person_erase(user=None, person=person, reason="replay")
        erased.append(person.pk)
    return erased
