"""Erasure and access export (issue 12): a person in 1,000 contacts and 5,000 history rows, ≤ 2 s each.

    .venv/bin/python -m bench.privacy [--persons 5]     # DATABASE_URL defaults to knotenpunkt_bench

Works on a copy of the bench database (`CREATE DATABASE … TEMPLATE`, so the shared one is never
written), migrated to this code. In the copy, each of `--persons` persons gets a membership, 1,000
contacts naming them (their full name, e-mail and phone in the text, two actors each, one follow-up
each), 5,000 change rows touching them (one per contact with its text, four updates each), and an
introduction mail to their address — next to the bench's 100,000 actors, 1,000,000 ties and
500,000 activities, whose free texts the erasure scans for the person's name too.

Per person, in this order: the baseline (reading the same contacts and history rows, unprocessed),
the access export (`export.collect` + JSON), the erasure (`erasure.person_erase`, one transaction,
committed). Medians and maxima over the persons; ratios against the baseline of the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/knotenpunkt_bench"
TARGET_S = 2.0
CONTACTS, HISTORY = 1_000, 5_000


def _admin_connection(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def copy_database(database_url: str) -> str:
    source = urlsplit(database_url).path.lstrip("/")
    target = f"{source}_privacy"
    with _admin_connection(database_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{target}"))


def drop_database(database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    with _admin_connection(database_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(persons: int, seed: int = 1) -> list[int]:
    """The persons and everything naming them, written in bulk (around the services: speed only)."""
    import random

    from django.db import connection
    from django.utils import timezone

    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.actors.models import Actor, Membership, Person
    from knotenpunkt.changes.models import Change, ChangeSubject
    from knotenpunkt.interactions.models import FollowUp, Interaction
    from knotenpunkt.synergies.models import Introduction, IntroductionMail

    rng = random.Random(seed)
    user, _ = User.objects.get_or_create(username="bench-privacy", defaults={"role": Role.COORDINATOR})
    actor_ids = list(Actor.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    ids = []
    for n in range(persons):
        first, last = f"Benchperson{n}", f"Zwiebelmeier{n}"
        email, phone = f"{last.lower()}@example.org", f"0171 99{n:05d}"
        person = Person.objects.create(first_name=first, last_name=last, email=email, phone=phone, notes="Bench")
        Membership.objects.create(person=person, actor_id=rng.choice(actor_ids), function="Vorstand")
        today = timezone.localdate()
        contacts = Interaction.objects.bulk_create(
            Interaction(
                date=today - dt.timedelta(days=k % 900),
                summary=f"Gespräch {k} mit {first} {last} ({email}, {phone}). {first} bringt Flyer mit.",
                created_by=user,
            )
            for k in range(CONTACTS)
        )
        Interaction.persons.through.objects.bulk_create(
            Interaction.persons.through(interaction_id=c.pk, person_id=person.pk) for c in contacts
        )
        Interaction.actors.through.objects.bulk_create(
            Interaction.actors.through(interaction_id=c.pk, actor_id=a)
            for c in contacts
            for a in rng.sample(actor_ids, 2)
        )
        FollowUp.objects.bulk_create(
            FollowUp(interaction=c, title=f"{last} zurückrufen", due_date=today, assignee=user) for c in contacts
        )
        rows = []
        for c in contacts:
            rows.append(
                Change(
                    user=user,
                    kind="interaction.created",
                    record_type="interactions.interaction",
                    record_id=c.pk,
                    record_label=str(c.pk),
                    data={"values": {"summary": c.summary, "persons": [person.pk]}},
                )
            )
            for m in range(HISTORY // CONTACTS - 1):
                rows.append(
                    Change(
                        user=user,
                        kind="interaction.updated",
                        record_type="interactions.interaction",
                        record_id=c.pk,
                        record_label=str(c.pk),
                        data={"fields": {"summary": {"old": c.summary, "new": f"{c.summary} Nachtrag {m}."}}},
                    )
                )
        rows = Change.objects.bulk_create(rows, batch_size=2000)
        ChangeSubject.objects.bulk_create(
            (ChangeSubject(change=c, kind="person", subject_id=person.pk) for c in rows), batch_size=5000
        )
        a, b = sorted(rng.sample(actor_ids, 2))
        intro, _ = Introduction.objects.get_or_create(actor_a_id=a, actor_b_id=b)
        IntroductionMail.objects.get_or_create(
            introduction=intro,
            actor_id=a,
            defaults={"recipient": email, "subject": "Vorstellung", "body": f"Guten Tag {first} {last},"},
        )
        ids.append(person.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ids


def measure(person_ids: list[int]) -> dict:
    from knotenpunkt.accounts.models import User
    from knotenpunkt.actors.models import Person
    from knotenpunkt.changes.models import Change
    from knotenpunkt.privacy import erasure, export

    user = User.objects.get(username="bench-privacy")
    samples = {"baseline": [], "export": [], "erase": []}
    for pk in person_ids:
        person = Person.objects.get(pk=pk)
        started = time.perf_counter()
        summaries = list(person.interactions.values_list("summary", flat=True))
        history = list(Change.objects.touching("person", pk).values_list("data", flat=True))
        samples["baseline"].append(time.perf_counter() - started)
        assert len(summaries) == CONTACTS and len(history) == HISTORY, (len(summaries), len(history))

        started = time.perf_counter()
        text = export.as_json(export.collect(person))
        samples["export"].append(time.perf_counter() - started)
        assert len(json.loads(text)["kontakte"]) == CONTACTS

        started = time.perf_counter()
        erasure.person_erase(user=user, person=person)
        samples["erase"].append(time.perf_counter() - started)
        assert Person.objects.get(pk=pk).is_erased
    result = {}
    for name, values in samples.items():
        result[name] = {
            "median_s": round(statistics.median(values), 3),
            "max_s": round(max(values), 3),
            "all_s": [round(v, 3) for v in values],
        }
    for name in ("export", "erase"):
        result[name]["target_s"] = TARGET_S
        result[name]["ok"] = result[name]["max_s"] <= TARGET_S
        result[name]["ratio_to_baseline"] = round(result[name]["median_s"] / result["baseline"]["median_s"], 1)
    return result


def run(persons: int, database_url: str) -> dict:
    copy_url = copy_database(database_url)
    os.environ["DATABASE_URL"] = copy_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    os.environ["KNOTENPUNKT_ERASURE_LOG"] = str(ROOT / "var" / "bench-erasure-log.jsonl")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        ids = fill(persons)
        fill_s = round(time.perf_counter() - started, 1)
        from django.db import connection

        with connection.cursor() as cursor:
            counts = {}
            for table in ("actors_actor", "network_tie", "activities_activity", "interactions_interaction"):
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM changes_change")
            counts["changes_change"] = cursor.fetchone()[0]
        result = {"persons": persons, "fill_s": fill_s, "rows": counts, **measure(ids)}
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(copy_url)
    return result


def run_in_subprocess(database_url: str, persons: int) -> dict:
    """For bench.run: this module in a fresh process (its own Django settings and database copy)."""
    import subprocess

    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.privacy", "--persons", str(persons)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        return {"error": proc.stderr[-3000:]}
    out = proc.stdout
    return json.loads(out[out.index("{") : out.rindex("}") + 1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    result = run(args.persons, database_url)
    result["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result["command"] = "python -m bench.privacy " + " ".join(argv if argv is not None else sys.argv[1:])
    out = ROOT / "bench" / "results" / f"privacy-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
