"""Load the Ludwigsburg demo data (knotenpunkt.demo.data, .activities, .synergies).

Idempotent: rows that already exist – actors and themes by slug, users by username,
persons by name, ties by (source, target, kind) – are left as they are, so edits made
while trying out the demo survive `make run`. Only missing rows are created.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import User
from knotenpunkt.accounts.services import user_create
from knotenpunkt.activities import recurrence
from knotenpunkt.activities.models import Activity
from knotenpunkt.activities.services import ParticipantSpec, activity_create, exception_save
from knotenpunkt.actors import search
from knotenpunkt.actors.models import Actor, Membership, Person, Theme
from knotenpunkt.actors.people import membership_create, person_create
from knotenpunkt.actors.services import actor_create
from knotenpunkt.changes.services import atomic
from knotenpunkt.demo import accessibility as demo_accessibility
from knotenpunkt.demo import activities as demo_activities
from knotenpunkt.demo import data as demo_data
from knotenpunkt.demo import initiatives as demo_initiatives
from knotenpunkt.demo import synergies as demo_synergies
from knotenpunkt.interactions.models import Interaction
from knotenpunkt.interactions.services import interaction_create
from knotenpunkt.network.models import Tie
from knotenpunkt.network.services import tie_create
from knotenpunkt.privacy.models import ConsentText
from knotenpunkt.synergies.models import Listing

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
        # One transaction and one batch of reactions (search index, tie counts, derived relationships …).
        with atomic():
            counts = {
                "themes": 0,
                "actors": 0,
                "persons": 0,
                "memberships": 0,
                "ties": 0,
                "users": 0,
                "activities": 0,
                "interactions": 0,
                "listings": 0,
                "introductions": 0,
                "initiatives": 0,
            }
            themes = self._themes(counts)
            coordinator = self._coordinator(counts)
            actors = self._actors(coordinator, themes, counts)
            self._persons(coordinator, actors, counts)
            self._ties(coordinator, actors, counts)
            users = [coordinator] + [
                self._user(spec, actors, counts) for spec in demo_data.USERS if spec[3] != "coordinator"
            ]
            search.index_actors([actor.pk for actor in actors.values()])
            self._activities(coordinator, actors, themes, counts)
            self._interactions(coordinator, actors, {user.username: user for user in users}, counts)
            self._listings(coordinator, actors, themes, counts)
            counts["introductions"] += demo_synergies.create_introductions(
                coordinator=coordinator, actors=actors, users={user.username: user for user in users}
            )
            counts["initiatives"] += demo_initiatives.create_initiatives(
                coordinator=coordinator, actors=actors, themes=themes
            )
            demo_accessibility.create_statement(coordinator=coordinator)

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
        if not roles.is_coordinator(user):
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

    def _persons(self, coordinator, actors, counts) -> None:
        ConsentText.objects.get_or_create(version=demo_data.CONSENT_TEXT[0], defaults=demo_data.CONSENT_TEXT[1])
        today = timezone.localdate()
        for number, (first_name, last_name, email, notes, functions) in enumerate(demo_data.PERSONS):
            person = Person.objects.filter(first_name=first_name, last_name=last_name).first()
            if person is None:
                data = {"first_name": first_name, "last_name": last_name, "email": email, "notes": notes}
                data.update(demo_data.person_privacy(number, today))
                person = person_create(user=coordinator, data=data)
                counts["persons"] += 1
            for slug, function in functions:
                if not Membership.objects.filter(person=person, actor=actors[slug], function=function).exists():
                    membership_create(user=coordinator, actor=actors[slug], person=person, function=function)
                    counts["memberships"] += 1

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

    def _activities(self, coordinator, actors, themes, counts) -> None:
        """The historic activities, and a year of local ones around the month of the first load."""
        existing = set(Activity.objects.filter(uid__startswith="demo-").values_list("uid", flat=True))
        for key, kind, title, start, end, fields, participants in demo_activities.HISTORIC:
            start_at, end_at, all_day = _historic_times(start, end)
            self._activity(
                coordinator,
                actors,
                themes,
                existing,
                key,
                kind,
                title,
                start_at,
                end_at,
                all_day,
                fields,
                participants,
                counts,
            )
        local_uids = {f"demo-{spec[0]}@knotenpunkt" for spec in demo_activities.LOCAL}
        if existing & local_uids:
            return  # laid out at the first load; a later month must not add a shifted copy
        anchor = timezone.localdate().replace(day=1)
        for key, kind, title, when, duration, fields, participants in demo_activities.LOCAL:
            start_at, end_at, all_day = _local_times(anchor, when, duration)
            self._activity(
                coordinator,
                actors,
                themes,
                existing,
                key,
                kind,
                title,
                start_at,
                end_at,
                all_day,
                fields,
                participants,
                counts,
            )

    def _activity(
        self, coordinator, actors, themes, existing, key, kind, title, start, end, all_day, fields, participants, counts
    ) -> None:
        uid = f"demo-{key}@knotenpunkt"
        if uid in existing:
            return
        fields = dict(fields)
        cancel_occurrence = fields.pop("cancel_occurrence", None)
        if fields.get("rrule"):
            # A series starts on its own first date ("2nd Wednesday"), not on the day it was laid out from.
            first = _aware(next(iter(recurrence.parse_rrule(fields["rrule"], start))))
            start, end = first, first + (end - start)
        data = {
            **{k: v for k, v in fields.items() if k not in ("themes", "sdgs")},
            "kind": kind,
            "title": title,
            "start": start,
            "end": end,
            "all_day": all_day,
            "themes": [themes[slug] for slug in fields.get("themes", [])],
            "sdgs": fields.get("sdgs", []),
        }
        specs = [ParticipantSpec(role=role, actor_id=actors[slug].pk) for slug, role in participants]
        activity = activity_create(user=coordinator, data=data, participants=specs, uid=uid)
        if cancel_occurrence is not None:
            occurrence = activity.occurrences.order_by("start")[cancel_occurrence]
            exception_save(
                user=coordinator,
                activity=activity,
                recurrence_id=occurrence.recurrence_id,
                cancelled=True,
                note="Sommerpause",
            )
        counts["activities"] += 1

    def _interactions(self, coordinator, actors, users, counts) -> None:
        """A few contacts with follow-ups (one overdue), dated back from the first load."""
        summaries = {spec[3] for spec in demo_activities.INTERACTIONS}
        if Interaction.objects.filter(summary__in=summaries).exists():
            return
        today = timezone.localdate()
        for days_ago, channel, visibility, summary, slugs, followup in demo_activities.INTERACTIONS:
            data = {
                "date": today - dt.timedelta(days=days_ago),
                "channel": channel,
                "visibility": visibility,
                "summary": summary,
                "actors": [actors[slug] for slug in slugs],
                "staff": [coordinator],
            }
            first = None
            if followup:
                title, due_in, assignee = followup
                first = {"title": title, "due_date": today + dt.timedelta(days=due_in), "assignee": users[assignee]}
            interaction_create(user=coordinator, data=data, followup=first)
            counts["interactions"] += 1

    def _listings(self, coordinator, actors, themes, counts) -> None:
        """Offers and needs (one already expired), dated from the day of loading."""
        counts["listings"] += demo_synergies.create_listings(coordinator=coordinator, actors=actors, themes=themes)

    def _user(self, spec, actors, counts) -> User:
        username, first_name, last_name, role, is_staff, department, edited, _ = spec
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
        user = User(username=username)
        user.set_password(demo_data.DEMO_PASSWORD)
        data = {
            "email": f"{username}@example.org",
            "first_name": first_name,
            "last_name": last_name,
            "role": role,
            "is_staff": is_staff,
            "department": actors[department] if department else None,
            "edited_actors": [actors[slug] for slug in edited],
        }
        user = user_create(user=None, target=user, data=data)
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
            "Termine": (Activity.objects.filter(uid__startswith="demo-").count(), counts["activities"]),
            "Kontakte": (Interaction.objects.count(), counts["interactions"]),
            "Angebote und Gesuche": (Listing.objects.filter(actor__in=demo_ids).count(), counts["listings"]),
            "Vorhaben": (len(demo_initiatives.INITIATIVES), counts["initiatives"]),
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


BERLIN = ZoneInfo("Europe/Berlin")


def _historic_times(start: str, end: str) -> tuple[dt.datetime, dt.datetime, bool]:
    """ "YYYY-MM-DD" (all day, end inclusive) or "YYYY-MM-DD HH:MM" in Berlin time."""
    if len(start) == 10:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        return _midnight(first), _midnight(last + dt.timedelta(days=1)), True
    return (
        dt.datetime.fromisoformat(start).replace(tzinfo=BERLIN),
        dt.datetime.fromisoformat(end).replace(tzinfo=BERLIN),
        False,
    )


def _local_times(anchor: dt.date, when, duration) -> tuple[dt.datetime, dt.datetime, bool]:
    """(month offset, day, "HH:MM" or None) from the anchor month; a negative day counts from the month's end."""
    offset, day, clock = when
    month_index = anchor.year * 12 + anchor.month - 1 + offset
    first = dt.date(month_index // 12, month_index % 12 + 1, 1)
    if day < 0:
        next_month = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        date = next_month + dt.timedelta(days=day)
    else:
        date = first.replace(day=day)
    if clock is None:
        return _midnight(date), _midnight(date + dt.timedelta(days=int(duration))), True
    start = dt.datetime.combine(date, dt.time.fromisoformat(clock), tzinfo=BERLIN)
    return start, start + dt.timedelta(hours=duration), False


def _aware(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=BERLIN)


def _midnight(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(0, 0), tzinfo=BERLIN)
