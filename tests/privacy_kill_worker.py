"""A process for tests/test_privacy_kill.py to kill: it fills a scratch database, then erases a person
or confirms retention findings, printing "started" just before. Run with DATABASE_URL set:

    python -m tests.privacy_kill_worker setup|erase|retention
"""

import datetime as dt
import os
import sys

import django

CONTACTS = 3000
LAST_NAME = "Quirinsky"


def setup() -> None:
    from django.utils import timezone

    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.actors.models import Actor, Person
    from knotenpunkt.changes.models import Change, ChangeSubject
    from knotenpunkt.interactions.models import Interaction
    from knotenpunkt.privacy import retention
    from knotenpunkt.privacy.models import RetentionRule

    User.objects.create(username="koordination", role=Role.COORDINATOR)
    actor = Actor.objects.create(name="Weltladen", slug="weltladen", kind="fair_trade_shop")
    person = Person.objects.create(first_name="Zwetlana", last_name=LAST_NAME, email="zq@example.org")
    old = timezone.localdate() - dt.timedelta(days=8 * 365)
    contacts = Interaction.objects.bulk_create(
        Interaction(date=old, summary=f"Gespräch {n} mit Zwetlana {LAST_NAME}.") for n in range(CONTACTS)
    )
    Interaction.persons.through.objects.bulk_create(
        Interaction.persons.through(interaction_id=c.pk, person_id=person.pk) for c in contacts
    )
    Interaction.actors.through.objects.bulk_create(
        Interaction.actors.through(interaction_id=c.pk, actor_id=actor.pk) for c in contacts
    )
    changes = Change.objects.bulk_create(
        Change(
            kind="interaction.created",
            record_type="interactions.interaction",
            record_id=c.pk,
            record_label=str(c.pk),
            data={"values": {"summary": c.summary}},
        )
        for c in contacts
    )
    ChangeSubject.objects.bulk_create(ChangeSubject(change=c, kind="person", subject_id=person.pk) for c in changes)
    RetentionRule.objects.filter(kind="interaction_old").update(months=72, active=True)
    retention.check()


def erase() -> None:
    from knotenpunkt.accounts.models import User
    from knotenpunkt.actors.models import Person
    from knotenpunkt.privacy import erasure

    user = User.objects.get(username="koordination")
    person = Person.objects.get(last_name=LAST_NAME)
    print("started", flush=True)
    erasure.person_erase(user=user, person=person)


def confirm_retention() -> None:
    from knotenpunkt.accounts.models import User
    from knotenpunkt.privacy import retention
    from knotenpunkt.privacy.models import RetentionCandidate

    user = User.objects.get(username="koordination")
    ids = list(RetentionCandidate.objects.filter(decision="").values_list("pk", flat=True))
    print("started", flush=True)
    retention.decide(user=user, candidate_ids=ids, decision="deleted")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    django.setup()
    {"setup": setup, "erase": erase, "retention": confirm_retention}[sys.argv[1]]()
    print("finished", flush=True)
