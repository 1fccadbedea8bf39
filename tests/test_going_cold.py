"""The going-cold list: actors without contact for more than 12 months (/netzwerk/kalt/)."""

import datetime as dt

import pytest
from django.utils import timezone

from knotenpunkt.actors.models import ActorKind
from knotenpunkt.network import selectors
from knotenpunkt.network.models import ActorContact
from tests.factories import ActorFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

URL = "/netzwerk/kalt/"


def contact(actor, days_ago, **dates):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ActorContact.objects.create(actor=actor, last_contact=day, last_activity=dates.get("activity", day),
                                       last_interaction=dates.get("interaction"), staff_last_contact=day,
                                       staff_last_interaction=dates.get("interaction"))  # fmt: skip


@pytest.fixture
def actors(db):
    cold = ActorFactory(name="Lange nicht gesehen e.V.")
    contact(cold, 500)
    colder = DepartmentFactory(name="Amt ohne Kontakt seit Jahren")
    contact(colder, 1500)
    warm = ActorFactory(name="Aktiver Verein")
    contact(warm, 30)
    never = ActorFactory(name="Nie getroffen")
    return {"cold": cold, "colder": colder, "warm": warm, "never": never}


def names(response):
    return [actor.name for actor in response.context["page"].object_list]


def test_it_lists_actors_whose_last_contact_is_more_than_a_year_ago_longest_gap_first(client, coordinator, actors):
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["Amt ohne Kontakt seit Jahren", "Lange nicht gesehen e.V."]
    html = response.content.decode()
    assert actors["cold"].get_absolute_url() in html
    assert "Aktiver Verein" not in html


def test_actors_never_met_are_listed_only_on_request(client, coordinator, actors):
    client.force_login(coordinator)
    assert "Nie getroffen" not in names(client.get(URL))
    listed = names(client.get(URL, {"never": "on"}))
    assert listed[0] == "Nie getroffen"
    assert "Aktiver Verein" not in listed


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("zuletzt", ["Amt ohne Kontakt seit Jahren", "Lange nicht gesehen e.V."]),
        ("-zuletzt", ["Lange nicht gesehen e.V.", "Amt ohne Kontakt seit Jahren"]),
        ("name", ["Amt ohne Kontakt seit Jahren", "Lange nicht gesehen e.V."]),
        ("-name", ["Lange nicht gesehen e.V.", "Amt ohne Kontakt seit Jahren"]),
        ("art", ["Lange nicht gesehen e.V.", "Amt ohne Kontakt seit Jahren"]),  # association < city_department
        ("unbekannt", ["Amt ohne Kontakt seit Jahren", "Lange nicht gesehen e.V."]),
    ],
)
def test_it_sorts_by_an_allow_listed_column(client, city_staff, actors, sort, expected):
    client.force_login(city_staff)
    assert names(client.get(URL, {"sort": sort})) == expected


def test_it_filters_by_kind_and_ignores_bad_values(client, coordinator, actors):
    client.force_login(coordinator)
    assert names(client.get(URL, {"kind": ActorKind.CITY_DEPARTMENT})) == ["Amt ohne Kontakt seit Jahren"]
    response = client.get(URL, {"kind": "'; DROP TABLE", "page": "x", "sort": "id; --"})
    assert response.status_code == 200
    assert len(names(response)) == 2


def test_it_pages_long_lists(client, coordinator, db):
    for n in range(55):
        contact(ActorFactory(name=f"Verein {n:02d}"), 400 + n)
    client.force_login(coordinator)
    first = client.get(URL)
    assert len(names(first)) == 50
    assert 'rel="next"' in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert len(names(second)) == 5


def test_an_htmx_request_gets_only_the_results(client, coordinator, actors):
    client.force_login(coordinator)
    response = client.get(URL, {"sort": "name"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Lange nicht gesehen e.V." in html


def test_it_says_when_the_last_contact_was_and_through_what(client, coordinator, actors):
    client.force_login(coordinator)
    ActorContact.objects.filter(actor=actors["cold"]).update(
        last_interaction=timezone.localdate() - dt.timedelta(days=500)
    )
    html = client.get(URL).content.decode()
    day = timezone.localdate() - dt.timedelta(days=500)
    assert f'datetime="{day:%Y-%m-%d}"' in html
    assert "Kontaktprotokoll" in html


def test_an_empty_list_says_that_nothing_went_cold(client, coordinator, db):
    client.force_login(coordinator)
    assert "Kein Kontakt eingeschlafen" in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [(dt.date(2026, 11, 25), dt.date(2025, 11, 25)), (dt.date(2028, 2, 29), dt.date(2027, 2, 28))],
)
def test_the_cutoff_is_the_same_day_a_year_ago(today, cutoff):
    assert selectors.cold_cutoff(today) == cutoff
