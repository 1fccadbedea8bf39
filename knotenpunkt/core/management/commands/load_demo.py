"""Load the Ludwigsburg demo data (knotenpunkt.core.demo_data).

Idempotent: rows that already exist – actors and themes by slug, users by username,
persons by name, ties by (source, target, kind) – are left as they are, so edits made
while trying out the demo survive `make run`. Only missing rows are created.
"""

import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from knotenpunkt.accounts import permissions
from knotenpunkt.accounts.models import User
from knotenpunkt.actors import search
from knotenpunkt.actors.models import Actor, Membership, Person, Theme
from knotenpunkt.actors.services import actor_create
from knotenpunkt.core import demo_data
from knotenpunkt.network.models import Tie
from knotenpunkt.network.services import tie_create

# Optional public fields of an actor in demo_data.ACTORS, copied as they are.
_TEXT_FIELDS = ("description", "website", "contact_email", "contact_phone", "street", "postcode", "city", "country")


class Command(BaseCommand):
    help = (
        "Ludwigsburger Demo-Daten laden (Akteure, Beziehungen, Personen, Demo-Logins). Mehrfaches Ausführen legt "
        "nichts doppelt an. Nur für Demo- und Testinstanzen: die Logins haben ein bekanntes Passwort."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Nur Fehler ausgeben.")

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = {"themes": 0, "actors": 0, "persons": 0, "memberships": 0, "ties": 0, "users": 0}
            themes = self._themes(counts)
            coordinator = self._coordinator(counts)
            actors = self._actors(coordinator, themes, counts)
            self._persons(actors, counts)
            self._ties(coordinator, actors, counts)
            users = [coordinator] + [
                self._user(spec, actors, counts) for spec in demo_data.USERS if spec[3] != "coordinator"
            ]
            search.index_actors([actor.pk for actor in actors.values()])

        if options["quiet"] or options["verbosity"] == 0:
            return
        self._report(counts, actors, users)

    # --- steps ---------------------------------------------------------------

    def _themes(self, counts) -> dict[str, Theme]:
        themes = {}
        for slug, name_de, name_en in demo_data.THEMES:
            # A theme someone already created by hand under the same German name is reused.
            theme = Theme.objects.filter(slug=slug).first() or Theme.objects.filter(name_de=name_de).first()
            if theme is None:
                theme = Theme.objects.create(slug=slug, name_de=name_de, name_en=name_en)
                counts["themes"] += 1
            themes[slug] = theme
        return themes

    def _coordinator(self, counts) -> User:
        """The demo coordinator; actors and ties are created in its name through the services."""
        spec = next(spec for spec in demo_data.USERS if spec[3] == "coordinator")
        user = self._user(spec, {}, counts)
        if not permissions.is_coordinator(user):
            raise CommandError(
                f"Der Benutzer „{user.username}“ existiert bereits, ist aber nicht aktiv in der Rolle Koordination."
            )
        return user

    def _actors(self, coordinator, themes, counts) -> dict[str, Actor]:
        slugs = [spec["slug"] for spec in demo_data.ACTORS]
        actors = {actor.slug: actor for actor in Actor.objects.filter(slug__in=slugs)}
        for spec in demo_data.ACTORS:
            if spec["slug"] in actors:
                continue
            data = {field: spec[field] for field in _TEXT_FIELDS if field in spec}
            data.update(
                name=spec["name"],
                slug=spec["slug"],
                kind=spec["kind"],
                level=spec["level"],
                parent=actors[spec["parent"]] if spec.get("parent") else None,
                latitude=Decimal(spec["lat"]) if "lat" in spec else None,
                longitude=Decimal(spec["lon"]) if "lon" in spec else None,
                published=spec["published"],
                internal_notes=spec.get("internal_notes", ""),
                themes=[themes[slug] for slug in spec.get("themes", [])],
                sdgs=spec.get("sdgs", []),
                countries=spec.get("countries", []),
            )
            actors[spec["slug"]] = actor_create(user=coordinator, data=data)
            counts["actors"] += 1
        return actors

    def _persons(self, actors, counts) -> None:
        for first_name, last_name, email, notes, functions in demo_data.PERSONS:
            person = Person.objects.filter(first_name=first_name, last_name=last_name).first()
            if person is None:
                person = Person.objects.create(first_name=first_name, last_name=last_name, email=email, notes=notes)
                counts["persons"] += 1
            for slug, function in functions:
                _, created = Membership.objects.get_or_create(person=person, actor=actors[slug], function=function)
                counts["memberships"] += created

    def _ties(self, coordinator, actors, counts) -> None:
        for source_slug, target_slug, kind, extra in demo_data.TIES:
            source, target = actors[source_slug], actors[target_slug]
            if Tie.objects.filter(source=source, target=target, kind=kind).exists():
                continue
            start_date = extra.get("start_date")
            tie_create(
                user=coordinator,
                source=source,
                target=target,
                kind=kind,
                start_date=dt.date.fromisoformat(start_date) if start_date else None,
                note=extra.get("note", ""),
                public=extra.get("public", True),
            )
            counts["ties"] += 1

    def _user(self, spec, actors, counts) -> User:
        username, first_name, last_name, role, is_staff, department, edited, _ = spec
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
        user = User.objects.create_user(
            username=username,
            password=demo_data.DEMO_PASSWORD,
            email=f"{username}@example.org",
            first_name=first_name,
            last_name=last_name,
            role=role,
            is_staff=is_staff,
            department=actors[department] if department else None,
        )
        user.edited_actors.set([actors[slug] for slug in edited])
        counts["users"] += 1
        return user

    # --- output --------------------------------------------------------------

    def _report(self, counts, actors, users) -> None:
        demo_ids = [actor.pk for actor in actors.values()]
        totals = {
            "Akteure": (Actor.objects.filter(pk__in=demo_ids).count(), counts["actors"]),
            "davon unveröffentlicht": (Actor.objects.filter(pk__in=demo_ids, published=False).count(), None),
            "Beziehungen": (Tie.objects.filter(source__in=demo_ids, target__in=demo_ids).count(), counts["ties"]),
            "Personen": (len(demo_data.PERSONS), counts["persons"]),
            "Mitgliedschaften": (Membership.objects.filter(actor__in=demo_ids).count(), counts["memberships"]),
            "Themen": (len(demo_data.THEMES), counts["themes"]),
            "Logins": (len(users), counts["users"]),
        }
        self.stdout.write(self.style.SUCCESS("Demo-Daten für Ludwigsburg geladen:"))
        for label, (total, new) in totals.items():
            suffix = "" if new is None else f" ({new} neu)"
            self.stdout.write(f"  {label}: {total}{suffix}")

        self.stdout.write("")
        self.stdout.write(f"Demo-Logins, Passwort jeweils „{demo_data.DEMO_PASSWORD}“:")
        descriptions = {spec[0]: spec[7] for spec in demo_data.USERS}
        for user in users:
            note = "" if user.check_password(demo_data.DEMO_PASSWORD) else " [Passwort wurde geändert]"
            self.stdout.write(f"  {user.username:<13} {user.get_role_display()} – {descriptions[user.username]}{note}")
