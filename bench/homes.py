"""Each role's home on the bench network: the Schreibtisch of the office and of city staff, and
"Mein Akteur" of an actor's editor (target p95 ≤ 50 ms each, issue 15).

Logged-in users never get the page cache, so every request renders and queries. Measured
in-process with the test client (as bench/initiatives.py measures the initiative page), after
adding what a busy office has on its desk: contacts over two years, open follow-ups, offers and
needs of the actors the editor looks after. The bench network has none of these of its own.

    .venv/bin/python -m bench.run --only homes
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

TARGET_P95_MS = 50
REPS = 200
CONTACTS = 100_000
OPEN_FOLLOWUPS = 400  # on the coordinator's desk: overdue, due soon and later
FOLLOWUPS_FOR_OTHERS = 150
LISTINGS_PER_ACTOR = 6
SUMMARY_PREFIX = "Bench-Kontakt"


def _users():
    from knotenpunkt.accounts.models import Role, User
    from knotenpunkt.actors.models import Actor

    coordinator, _ = User.objects.get_or_create(username="bench-koordination", defaults={"role": Role.COORDINATOR})
    colleague, _ = User.objects.get_or_create(username="bench-koordination-2", defaults={"role": Role.COORDINATOR})
    department = Actor.objects.filter(kind="city_department").order_by("-tie_count", "pk").first()
    staff, _ = User.objects.get_or_create(
        username="bench-fachbereich", defaults={"role": Role.CITY_STAFF, "department": department}
    )
    editor, _ = User.objects.get_or_create(username="bench-redaktion", defaults={"role": Role.ACTOR_EDITOR})
    # The worst case: the editor of the three best-connected actors (1,000 activities each) has three
    # sections on one page. The usual case: the editor of one actor of middling degree.
    edited = list(Actor.objects.filter(published=True).order_by("-tie_count", "pk")[:3])
    editor.edited_actors.set(edited)
    usual, _ = User.objects.get_or_create(username="bench-redaktion-1", defaults={"role": Role.ACTOR_EDITOR})
    usual.edited_actors.set(Actor.objects.filter(published=True, tie_count__gte=10).order_by("pk")[:1])
    return {
        "coordinator": coordinator,
        "colleague": colleague,
        "staff": staff,
        "editor": editor,
        "usual_editor": usual,
        "edited": edited,
    }


def ensure_data(seed: int = 1) -> dict:
    """Contacts, follow-ups and listings, written in bulk once (around the services: speed only)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from knotenpunkt.actors.models import Actor
    from knotenpunkt.interactions.models import FollowUp, Interaction, Visibility
    from knotenpunkt.synergies.models import Listing

    users = _users()
    existing = Interaction.objects.filter(summary__startswith=SUMMARY_PREFIX).count()
    if existing >= CONTACTS:
        return {"contacts": existing, "generated": False}
    rng = random.Random(seed)
    today = timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        Interaction.objects.filter(summary__startswith=SUMMARY_PREFIX).delete()
        actor_ids = list(Actor.objects.values_list("pk", flat=True))
        authors = [users["coordinator"], users["colleague"]]
        contacts = Interaction.objects.bulk_create(
            (
                Interaction(
                    date=today - dt.timedelta(days=rng.randrange(730)),
                    summary=f"{SUMMARY_PREFIX} {n}: Gespräch über gemeinsame Veranstaltungen und Fördermittel.",
                    visibility=Visibility.COORDINATION if rng.random() < 0.3 else Visibility.STAFF,
                    created_by=rng.choice(authors),
                )
                for n in range(CONTACTS)
            ),
            batch_size=5000,
        )
        hubs = [a.pk for a in users["edited"]]
        links = set()
        for contact in contacts:
            for actor_id in rng.sample(actor_ids, rng.choice((1, 1, 2, 3))):
                links.add((contact.pk, actor_id))
            if rng.random() < 0.01:  # the best-connected actors are met more often
                links.add((contact.pk, rng.choice(hubs)))
        Interaction.actors.through.objects.bulk_create(
            (Interaction.actors.through(interaction_id=i, actor_id=a) for i, a in links), batch_size=10000
        )
        recent = list(contacts[-5000:])
        FollowUp.objects.bulk_create(
            FollowUp(
                interaction=rng.choice(recent),
                title=f"Rückmeldung {n} einholen",
                due_date=today + dt.timedelta(days=rng.randrange(-60, 90)),
                assignee=users["coordinator"],
                created_by=users["colleague"],
            )
            for n in range(OPEN_FOLLOWUPS)
        )
        FollowUp.objects.bulk_create(
            FollowUp(
                interaction=rng.choice(recent),
                title=f"Unterlagen {n} schicken",
                due_date=today + dt.timedelta(days=rng.randrange(-10, 30)),
                assignee=users["colleague"],
                created_by=users["coordinator"],
            )
            for n in range(FOLLOWUPS_FOR_OTHERS)
        )
        Listing.objects.filter(actor__in=users["edited"]).delete()
        Listing.objects.bulk_create(
            Listing(
                actor=actor,
                direction="offer" if n % 2 else "need",
                category="other",
                title=f"Bench-Angebot {n}",
                description="Räume, Material oder Mitarbeit",
                public=True,
                created_by=users["coordinator"],
            )
            for actor in users["edited"]
            for n in range(LISTINGS_PER_ACTOR)
        )
    with connection.cursor() as cursor:
        for table in ("interactions_interaction", "interactions_interaction_actors", "interactions_followup"):
            cursor.execute(f"ANALYZE {table}")
    return {"contacts": CONTACTS, "generated": True, "seconds": round(time.perf_counter() - started, 1)}


def time_page(user, path: str, reps: int = REPS) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    statuses = {client.get(path).status_code}  # warm: imports, templates, connection
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        statuses.add(client.get(path).status_code)
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    p95 = runs[max(0, round(0.95 * len(runs)) - 1)]
    return {
        "path": path,
        "requests": len(runs),
        "statuses": sorted(statuses),
        "median_ms": round(statistics.median(runs), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(runs[-1], 1),
        "target_ms": TARGET_P95_MS,
        "ok": p95 <= TARGET_P95_MS and statuses == {200},
    }


def run(args, env: dict) -> dict:
    print("== Startseiten: Kontakte, Wiedervorlagen und Angebote vorhanden? ==", flush=True)
    data = ensure_data(seed=args.seed)
    print(f"  {data}", flush=True)
    users = _users()
    from django.db import connection

    with connection.cursor() as cursor:  # statistics of columns added by migrations since the last load
        for table in ("activities_participation", "network_derivedtie", "network_actorcontact"):
            cursor.execute(f"ANALYZE {table}")
    result = {"data": data, "pages": {}}
    for label, user, path in (
        ("Schreibtisch (Koordination)", users["coordinator"], "/schreibtisch/"),
        ("Schreibtisch (Stadtverwaltung)", users["staff"], "/schreibtisch/"),
        ("Mein Akteur (Redaktion der 3 größten Knoten)", users["editor"], "/mein-akteur/"),
        ("Mein Akteur (Redaktion eines Akteurs)", users["usual_editor"], "/mein-akteur/"),
    ):
        print(f"== {label} ==", flush=True)
        row = time_page(user, path)
        result["pages"][label] = row
        print(f"  median {row['median_ms']} ms, p95 {row['p95_ms']} ms, Status {row['statuses']}", flush=True)
    return result


def print_table(result: dict) -> None:
    print("\n== Ergebnisse Startseiten ==")
    print(f"Daten: {result['data']}")
    for label, row in result["pages"].items():
        verdict = "OK" if row["ok"] else "VERFEHLT"
        print(
            f"{label:<42} median {row['median_ms']:>6.1f} ms  p95 {row['p95_ms']:>6.1f} ms  "
            f"(Ziel ≤ {row['target_ms']} ms)  {verdict}"
        )
