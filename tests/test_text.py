"""Text from outside as it may be stored (lib/text.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from knotenpunkt.activities.services import activity_create
from knotenpunkt.actors.services import actor_create
from knotenpunkt.lib.text import multi_line, one_line


@pytest.mark.parametrize(
    ("raw", "line", "lines"),
    [
        ("Weltladen\x00 Ludwigsburg", "Weltladen Ludwigsburg", "Weltladen Ludwigsburg"),
        ("Erste Zeile\r\nzweite\tZeile", "Erste Zeile zweite Zeile", "Erste Zeile\r\nzweite\tZeile"),
        ("Glocke\x07 und Escape\x1b[31m", "Glocke und Escape[31m", "Glocke und Escape[31m"),
        ("  Trenner\u2028neue Zeile  ", "Trenner neue Zeile", "  Trenner\u2028neue Zeile  "),
        ("Umlaute äöü ß und – Striche", "Umlaute äöü ß und – Striche", "Umlaute äöü ß und – Striche"),
        ("DEL\x7f", "DEL", "DEL"),
    ],
)
def test_control_characters_go_and_line_breaks_only_where_lines_belong(raw, line, lines):
    assert one_line(raw) == line
    assert multi_line(raw) == lines


@pytest.mark.django_db
def test_names_titles_and_places_are_stored_on_one_line_everywhere(coordinator):
    actor = actor_create(
        user=coordinator,
        data={"name": "Verein\x00 Neu\r\nLudwigsburg", "kind": "association", "description": "Zeile 1\nZeile 2\x07"},
    )
    assert (actor.name, actor.description) == ("Verein Neu Ludwigsburg", "Zeile 1\nZeile 2")
    start = timezone.now() + dt.timedelta(days=3)
    activity = activity_create(
        user=coordinator,
        data={"title": "Treffen\nder\x1b Vereine", "place_name": "Rathaus\r\n", "start": start,
              "end": start + dt.timedelta(hours=1)},
    )  # fmt: skip
    assert (activity.title, activity.place_name) == ("Treffen der Vereine", "Rathaus")


@pytest.mark.django_db
def test_persons_memberships_and_contacts_lose_control_characters_too(coordinator):
    """Issue 14, "Text everywhere": a person's name ends up in mail headers and exports."""
    from knotenpunkt.actors import people
    from knotenpunkt.interactions.services import interaction_create

    person = people.person_create(
        user=coordinator,
        data={"first_name": "Erika\r\n", "last_name": "Muster\x00frau", "phone": "07141\t910", "notes": "a\nb\x07"},
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.phone, person.notes) == (
        "Erika",
        "Musterfrau",
        "07141 910",
        "a\nb",
    )
    actor = actor_create(user=coordinator, data={"name": "Weltladen", "kind": "association"})
    membership = people.membership_create(user=coordinator, actor=actor, person=person, function="Vorstand\nKasse")
    assert membership.function == "Vorstand Kasse"
    contact = interaction_create(
        user=coordinator,
        data={"date": dt.date(2026, 12, 1), "channel": "phone", "summary": "Anruf\x00 wegen\nFairer Woche",
              "visibility": "coordination"},
    )  # fmt: skip
    contact.refresh_from_db()
    assert contact.summary == "Anruf wegen\nFairer Woche"
