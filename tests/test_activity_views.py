"""The calendar pages, activity pages and forms, the profile section and the admin."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import services
from knotenpunkt.activities.models import Activity, ActivityException, ActivityOccurrence, CalendarSource, Participation
from knotenpunkt.activities.recurrence import BERLIN
from tests.factories import ActorFactory, PersonFactory, ThemeFactory, UserFactory
from tests.test_activity_services import ORGANISER, PARTICIPANT, berlin, make_activity
from tests.test_fuzz_forms import FUZZ, JUNK, UNKNOWN_PARAMS, _client, rolled_back

pytestmark = pytest.mark.django_db

CALENDAR = "/termine/"


def html(response):
    return response.content.decode()


def spec(actor, role=ORGANISER):
    return services.ParticipantSpec(role=role, actor_id=actor.pk)


@pytest.fixture
def march():
    """March 2025: public and internal activities, a cancelled one, a series and a multi-day one."""
    organiser = ActorFactory(name="Eine-Welt-Forum Ludwigsburg", published=True)
    hidden = ActorFactory(name="Geheimer Arbeitskreis", published=False)
    theme = ThemeFactory(slug="fairer-handel", name_de="Fairer Handel")
    return {
        "forum": make_activity(title="Eine-Welt-Forum", rrule="FREQ=MONTHLY;BYDAY=2WE;COUNT=12",
                               participants=[spec(organiser)], themes=[theme], sdgs=[12]),
        "internal": make_activity(title="Vertrauliche Abstimmung", public=False, start=berlin(2025, 3, 5, 10, 0),
                                  participants=[spec(hidden)]),
        "cancelled": make_activity(title="Lesung im Weltladen", start=berlin(2025, 3, 20, 19, 0), cancelled=True,
                                   kind="event"),
        "week": make_activity(title="Faire Woche", start=berlin(2025, 3, 24), end=berlin(2025, 3, 29), all_day=True,
                              kind="campaign", level="regional"),
        "organiser": organiser,
        "hidden_actor": hidden,
        "theme": theme,
    }  # fmt: skip


# --- month, week, list ---------------------------------------------------------------------


def test_visitors_see_public_activities_only(client, march):
    page = html(client.get(CALENDAR, {"date": "2025-03-01"}))
    assert "Eine-Welt-Forum" in page and "Faire Woche" in page
    assert "Vertrauliche Abstimmung" not in page


@pytest.mark.parametrize("persona", ["coordinator", "city_staff"])
def test_staff_also_see_internal_activities_marked_as_internal(client, request, march, persona):
    client.force_login(request.getfixturevalue(persona))
    page = html(client.get(CALENDAR, {"date": "2025-03-01"}))
    assert re.search(r"Vertrauliche Abstimmung\s*</a>|Vertrauliche Abstimmung.*?intern", page, re.S)


def test_editors_see_internal_activities_of_their_own_actor_only(client, march):
    editor = UserFactory(role=Role.ACTOR_EDITOR)
    editor.edited_actors.add(march["hidden_actor"])
    other = UserFactory(role=Role.ACTOR_EDITOR)
    other.edited_actors.add(ActorFactory())
    client.force_login(editor)
    assert "Vertrauliche Abstimmung" in html(client.get(CALENDAR, {"date": "2025-03-01"}))
    client.force_login(other)
    assert "Vertrauliche Abstimmung" not in html(client.get(CALENDAR, {"date": "2025-03-01"}))


def test_the_month_shows_every_day_of_a_multi_day_activity_and_cancelled_ones_struck_through(client, march):
    response = client.get(CALENDAR, {"date": "2025-03-15"})
    weeks = response.context["weeks"]
    days = {day.date: day for week in weeks for day in week}
    assert weeks[0][0].date == dt.date(2025, 2, 24) and weeks[-1][-1].date == dt.date(2025, 4, 6)
    for d in range(24, 29):
        assert [o.title for o in days[dt.date(2025, 3, d)].items] == ["Faire Woche"]
    assert not days[dt.date(2025, 3, 29)].items  # all-day until the 28th inclusive
    page = html(response)
    assert re.search(r"<s>Lesung im Weltladen</s>\s*<span class=\"cal-flag\">abgesagt</span>", page)
    assert response.context["heading"] == "März 2025"


def test_a_busy_day_shows_four_activities_and_links_to_the_rest(client):
    for hour in range(8, 18):
        make_activity(title=f"Termin um {hour} Uhr", start=berlin(2025, 6, 4, hour, 0))
    response = client.get(CALENDAR, {"date": "2025-06-01", "kind": "meeting"})
    day = next(d for week in response.context["weeks"] for d in week if d.date == dt.date(2025, 6, 4))
    assert [o.title for o in day.items] == [f"Termin um {h} Uhr" for h in (8, 9, 10, 11)]
    assert (day.total, day.more) == (10, 6)
    assert "+6 weitere" in html(response)
    assert "view=list&amp;date=2025-06-04" in html(response).replace("kind=meeting&amp;", "")


def test_the_month_query_count_does_not_grow_with_the_activities(client, coordinator):
    client.force_login(coordinator)
    tags = {"themes": [ThemeFactory(slug="klima")], "sdgs": [13]}
    make_activity(start=berlin(2025, 6, 2, 10, 0), **tags)
    make_activity(start=berlin(2025, 6, 3), end=berlin(2025, 6, 5), all_day=True, **tags)
    params = {"date": "2025-06-01", "theme": "klima", "sdg": "13", "kind": "meeting"}
    client.get(CALENDAR, params)
    with CaptureQueriesContext(connection) as few:
        client.get(CALENDAR, params)
    for day in range(1, 29):
        for hour in (9, 12, 15, 18, 20):
            make_activity(start=berlin(2025, 6, day, hour, 0), **tags)
        make_activity(start=berlin(2025, 6, day), end=berlin(2025, 6, day + 2), all_day=True, **tags)
    make_activity(start=berlin(2025, 5, 1), end=berlin(2025, 8, 1), all_day=True, **tags)
    with CaptureQueriesContext(connection) as many:
        response = client.get(CALENDAR, params)
    assert response.context["month_total"] > 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_week_shows_times_in_berlin(client, march):
    response = client.get(CALENDAR, {"view": "week", "date": "2025-03-12"})
    days = response.context["days"]
    assert days[0].date == dt.date(2025, 3, 10)
    assert "19:00–21:00" in html(response)
    assert "KW 11" in response.context["heading"]


def test_the_list_pages_through_activities_from_the_chosen_day(client, settings):
    for day in range(1, 31):
        make_activity(title=f"Tag {day}", start=berlin(2025, 4, day, 10, 0))
    response = client.get(CALENDAR, {"view": "list", "date": "2025-04-03"})
    page = response.context["page"]
    assert page.object_list[0].title == "Tag 3" and page.paginator.count == 28
    second = client.get(CALENDAR, {"view": "list", "date": "2025-04-03", "page": "2"})
    assert [o.title for o in second.context["page"].object_list] == ["Tag 28", "Tag 29", "Tag 30"]
    assert "Donnerstag, 3. April 2025" in html(response)


def test_the_list_shows_what_is_still_running_first(client, march):
    response = client.get(CALENDAR, {"view": "list", "date": "2025-03-26"})
    assert [o.title for o in response.context["running"]] == ["Faire Woche"]
    assert "Bereits begonnen" in html(response)


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"kind": "campaign"}, "Faire Woche", "Eine-Welt-Forum"),
        ({"level": "regional"}, "Faire Woche", "Eine-Welt-Forum"),
        ({"theme": "fairer-handel"}, "Eine-Welt-Forum", "Faire Woche"),
        ({"sdg": "12"}, "Eine-Welt-Forum", "Faire Woche"),
        ({"actor": "eine-welt-forum-ludwigsburg"}, "Eine-Welt-Forum", "Faire Woche"),
    ],
)
def test_filters_use_the_directorys_parameter_names(client, march, params, shown, hidden):
    response = client.get(CALENDAR, {"date": "2025-03-01", **params})
    page = html(response)
    assert shown in page and hidden not in page
    assert response.context["feed_url"].startswith("/termine.ics?")


def test_a_hidden_actor_as_filter_is_ignored_rather_than_revealed(client, march):
    response = client.get(CALENDAR, {"date": "2025-03-01", "actor": "geheimer-arbeitskreis"})
    assert response.context["filters"] == {}
    assert "Geheimer Arbeitskreis" not in html(response)


def test_htmx_requests_get_the_calendar_only(client, march):
    response = client.get(CALENDAR, {"date": "2025-03-01", "view": "week"}, headers={"HX-Request": "true"})
    page = html(response)
    assert "<html" not in page and 'id="calendar-heading"' in page
    assert 'hx-swap-oob="true"' in page


def test_navigation_links_keep_the_filters(client, march):
    response = client.get(CALENDAR, {"date": "2025-03-10", "kind": "meeting"})
    assert response.context["prev_url"] == "?kind=meeting&view=month&date=2025-02-01"
    assert response.context["next_url"] == "?kind=meeting&view=month&date=2025-04-01"
    assert 'href="/termine.ics?kind=meeting"' in html(response)


def test_empty_months_say_so(client):
    page = html(client.get(CALENDAR, {"date": "1999-01-01"}))
    assert "Keine Termine in diesem Monat" in page


def test_all_times_are_berlin_times_in_summer_and_winter(client):
    make_activity(title="Sommer", start=dt.datetime(2025, 7, 1, 17, 0, tzinfo=dt.UTC))
    make_activity(title="Winter", start=dt.datetime(2025, 1, 7, 18, 0, tzinfo=dt.UTC))
    assert "19:00–21:00" in html(client.get(CALENDAR, {"view": "week", "date": "2025-07-01"}))
    assert "19:00–21:00" in html(client.get(CALENDAR, {"view": "week", "date": "2025-01-07"}))


# --- fuzzing the calendar's query string ------------------------------------------------------

CALENDAR_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "view": st.one_of(st.sampled_from(["month", "week", "list"]), JUNK),
        "date": st.one_of(st.dates().map(dt.date.isoformat), JUNK, st.sampled_from(["0001-01-01", "9999-12-31"])),
        "kind": st.one_of(st.sampled_from(["event", "meeting", "campaign"]), JUNK),
        "level": st.one_of(st.sampled_from(["local", "federal"]), JUNK),
        "theme": st.one_of(st.just("fairer-handel"), JUNK),
        "sdg": st.one_of(st.integers(0, 18).map(str), JUNK),
        "actor": st.one_of(st.sampled_from(["eine-welt-forum-ludwigsburg", "geheimer-arbeitskreis"]), JUNK),
        "page": st.one_of(st.integers(-5, 10**30).map(str), JUNK),
    },
)


@FUZZ
@given(params=CALENDAR_PARAMS, unknown=UNKNOWN_PARAMS, htmx=st.booleans(),
       as_coordinator=st.booleans())  # fmt: skip
@example(params=dict.fromkeys(("view", "date", "kind", "level", "theme", "sdg", "actor", "page"), "ab\x00cd"),
         unknown={"\x00": "\x00"}, htmx=False, as_coordinator=False)  # fmt: skip
@example(params={"view": "list", "date": "9999-12-31", "page": "x" * 1000}, unknown={}, htmx=True, as_coordinator=True)
@example(params={"view": "week", "date": "0001-01-01"}, unknown={}, htmx=False, as_coordinator=False)
def test_the_calendar_survives_any_query_string(shared_handler, coordinator, march, params, unknown, htmx,
                                                as_coordinator):  # fmt: skip
    client = _client(shared_handler, coordinator if as_coordinator else None)
    with rolled_back():
        before = Activity.objects.count(), ActivityOccurrence.objects.count()
        response = client.get(CALENDAR, {**unknown, **params}, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 200
        assert as_coordinator or "Vertrauliche Abstimmung" not in html(response)
        assert (Activity.objects.count(), ActivityOccurrence.objects.count()) == before


# --- detail -------------------------------------------------------------------------------


def test_the_detail_page_describes_a_series_in_words(client, march):
    page = html(client.get(march["forum"].get_absolute_url()))
    assert "monatlich am zweiten Mittwoch, 12 Termine" in page
    assert "vom 12. März 2025 bis 11. Februar 2026" in page
    assert "jeweils 19:00–21:00 Uhr" in page
    assert f'href="/termine/{march["forum"].pk}.ics"' in page
    assert "Eine-Welt-Forum Ludwigsburg" in page


def test_visitors_get_404_for_internal_activities(client, march):
    assert client.get(march["internal"].get_absolute_url()).status_code == 404
    assert client.get("/termine/999999/").status_code == 404


def test_visitors_see_published_actors_but_no_persons_roles_or_notes(client, coordinator):
    public_actor = ActorFactory(name="Weltladen Kleeblatt", published=True)
    hidden_actor = ActorFactory(name="Stiller Förderer", published=False)
    person = PersonFactory(first_name="Hildegard", last_name="Geheimnisvoll")
    activity = make_activity(
        outcome_notes="Vertrauliches Ergebnis",
        participants=[spec(public_actor), spec(hidden_actor, PARTICIPANT),
                      services.ParticipantSpec(role=PARTICIPANT, person_id=person.pk)],
    )  # fmt: skip
    page = html(client.get(activity.get_absolute_url()))
    assert "Weltladen Kleeblatt" in page
    for secret in ("Stiller Förderer", "Geheimnisvoll", "Vertrauliches Ergebnis"):
        assert secret not in page
    client.force_login(coordinator)
    page = html(client.get(activity.get_absolute_url()))
    for secret in ("Stiller Förderer", "Geheimnisvoll", "Vertrauliches Ergebnis"):
        assert secret in page


def test_all_day_and_multi_day_dates_read_naturally(client, march):
    page = html(client.get(march["week"].get_absolute_url()))
    assert "24. – 28. März 2025 (ganztägig)" in page
    single = make_activity(start=berlin(2025, 5, 1), end=berlin(2025, 5, 2), all_day=True)
    assert "Donnerstag, 1. Mai 2025 (ganztägig)" in html(client.get(single.get_absolute_url()))


def test_imported_activities_name_their_calendar(client, actor_a):
    source = CalendarSource.objects.create(actor=actor_a, url="https://example.org/k.ics")
    activity = services.activity_create(
        user=None, data={"title": "Importiert", "start": berlin(2025, 5, 1, 18), "end": berlin(2025, 5, 1, 20),
                         "public": True}, source=source, source_uid="x@example.org",
    )  # fmt: skip
    assert f'Aus dem Kalender von <a href="{actor_a.get_absolute_url()}">' in html(
        client.get(activity.get_absolute_url())
    )


# --- create and edit ---------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "title": "Workshop Globales Lernen",
        "kind": "workshop",
        "level": "local",
        "start_date": "2025-05-14",
        "start_time": "18:00",
        "end_date": "",
        "end_time": "20:30",
        "repeat": "",
        "repeat_interval": "1",
        "repeat_end": "count",
        "public": "on",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def with_participants(data, *rows):
    data = dict(data)
    data["participants-TOTAL_FORMS"] = str(len(rows))
    data.setdefault("participants-INITIAL_FORMS", "0")
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"participants-{i}-{key}"] = value
    return data


def test_a_coordinator_creates_a_monthly_series(client, coordinator, actor_a):
    client.force_login(coordinator)
    data = with_participants(
        form_data(repeat="monthly_weekday", repeat_count="6"),
        {"actor": actor_a.slug, "role": ORGANISER},
        {"actor": "Initiative Unveröffentlicht", "role": PARTICIPANT},
    )
    ActorFactory(name="Initiative Unveröffentlicht", published=False)
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 302, html(response)
    activity = Activity.objects.get()
    assert activity.rrule == "FREQ=MONTHLY;BYDAY=2WE;COUNT=6"
    assert activity.start == berlin(2025, 5, 14, 18, 0) and activity.end == berlin(2025, 5, 14, 20, 30)
    assert activity.occurrences.count() == 6
    assert activity.participations.count() == 2
    assert response["Location"] == activity.get_absolute_url()


@pytest.mark.parametrize(
    ("repeat", "extra", "rrule"),
    [
        ("weekly", {"repeat_interval": "2", "repeat_end": "until", "repeat_until": "2025-06-30"},
         "FREQ=WEEKLY;INTERVAL=2;UNTIL=20250630T215959Z"),
        ("monthly_day", {"repeat_count": "3"}, "FREQ=MONTHLY;BYMONTHDAY=14;COUNT=3"),
        ("yearly", {"repeat_count": "2"}, "FREQ=YEARLY;COUNT=2"),
        ("custom", {"rrule": " rrule:freq=monthly;byday=-1fr;count=4 "}, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4"),
    ],
)  # fmt: skip
def test_simple_recurrence_controls_become_an_rrule(client, coordinator, repeat, extra, rrule):
    client.force_login(coordinator)
    response = client.post(reverse("activities:create"), form_data(repeat=repeat, **extra))
    assert response.status_code == 302, response.context["form"].errors
    assert Activity.objects.get().rrule == rrule


def test_an_all_day_activity_runs_from_midnight_to_midnight(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("activities:create"), form_data(all_day="on", start_time="", end_time="",
                                                        end_date="2025-05-16"))  # fmt: skip
    activity = Activity.objects.get()
    assert (activity.start, activity.end, activity.all_day) == (berlin(2025, 5, 14), berlin(2025, 5, 17), True)


BAD_FORMS = [
    ("end before start", {"end_time": "17:00"}, "end_time", "Das Ende liegt vor dem Beginn."),
    ("end day before start", {"end_date": "2025-05-13"}, "end_date", "Das Ende liegt vor dem Beginn."),
    ("no time", {"start_time": ""}, "start_time", "Uhrzeit"),
    ("too many", {"repeat": "weekly", "repeat_count": "5000"}, "repeat_count", "Höchstens 1000"),
    ("no end of series", {"repeat": "weekly", "repeat_count": ""}, "repeat_count", "wie oft"),
    ("unbounded rule", {"repeat": "custom", "rrule": "FREQ=WEEKLY"}, "rrule", "braucht ein Ende"),
    ("exploding rule", {"repeat": "custom", "rrule": "FREQ=HOURLY;COUNT=5000"}, "rrule", "mehr als 1000"),
    ("bad rule", {"repeat": "custom", "rrule": "FREQ=WEEKLY;COUNT=3\nRDATE:20250101"}, "rrule", "Teilen"),
    ("unknown part", {"repeat": "custom", "rrule": "FREQ=WEEKLY;COUNT=3;DTSTART=X"}, "rrule", "Unbekannte"),
    ("until before start", {"repeat": "weekly", "repeat_end": "until", "repeat_until": "2025-01-01"},
     "repeat_until", "vor dem ersten"),
    ("no title", {"title": ""}, "title", "erforderlich"),
    ("end of time", {"all_day": "on", "end_date": "9999-12-31"}, "end_date", "zwischen 1900 und 2199"),
    ("series past 2200", {"repeat": "yearly", "repeat_interval": "68", "repeat_count": "200", "all_day": "on",
                          "end_date": "2088-01-01"}, "repeat",
     "über das Jahr 2200"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "overrides", "field", "message"), BAD_FORMS, ids=[b[0] for b in BAD_FORMS])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(client, coordinator, what, overrides, field,
                                                                   message):  # fmt: skip
    client.force_login(coordinator)
    response = client.post(reverse("activities:create"), form_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "Es wurde noch nichts gespeichert" in html(response)
    assert not Activity.objects.exists()


def test_a_participant_twice_is_shown_at_the_row(client, coordinator, actor_a):
    client.force_login(coordinator)
    data = with_participants(form_data(), {"actor": actor_a.slug, "role": ORGANISER},
                             {"actor": actor_a.name, "role": PARTICIPANT})  # fmt: skip
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 200
    assert "doppelt eingetragen" in " ".join(response.context["formset"].forms[1].errors["actor"])
    assert not Activity.objects.exists()


def test_an_unknown_actor_is_shown_at_the_row(client, coordinator):
    client.force_login(coordinator)
    data = with_participants(form_data(), {"actor": "gibt-es-nicht", "role": ORGANISER})
    response = client.post(reverse("activities:create"), data)
    assert "Kein Akteur" in " ".join(response.context["formset"].forms[0].errors["actor"])
    assert not Activity.objects.exists()


def test_editors_must_name_their_own_actor_as_organiser(client, editor_a, actor_a):
    client.force_login(editor_a)
    response = client.get(reverse("activities:create"))
    assert response.context["formset"].initial == [{"actor": actor_a.slug, "role": ORGANISER}]
    assert "person" not in response.context["formset"].forms[0].fields
    other = ActorFactory(name="Anderer Verein")
    response = client.post(
        reverse("activities:create"), with_participants(form_data(), {"actor": other.slug, "role": ORGANISER})
    )
    assert response.status_code == 200
    assert "eigenen Akteure als Veranstalter" in " ".join(response.context["participant_errors"])
    assert not Activity.objects.exists()
    response = client.post(
        reverse("activities:create"), with_participants(form_data(), {"actor": actor_a.slug, "role": ORGANISER})
    )
    assert response.status_code == 302


def test_adding_a_participant_row_keeps_the_input_and_saves_nothing(client, coordinator, actor_a):
    client.force_login(coordinator)
    data = with_participants(form_data(title="Noch nicht fertig"), {"actor": actor_a.slug, "role": ORGANISER})
    data["add_participant"] = "1"
    response = client.post(reverse("activities:create"), data, headers={"HX-Request": "true"})
    page = html(response)
    assert 'id="participants"' in page and "<html" not in page
    assert 'name="participants-TOTAL_FORMS" value="2"' in page
    assert f'value="{actor_a.slug}"' in page
    assert not Activity.objects.exists()
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 200 and len(response.context["formset"].forms) == 2
    assert 'value="Noch nicht fertig"' in html(response)


def test_editing_keeps_participants_the_editor_cannot_see(client, editor_a, actor_a):
    hidden, person = ActorFactory(name="Stiller Partner", published=False), PersonFactory()
    person_spec = services.ParticipantSpec(role=PARTICIPANT, person_id=person.pk)
    activity = make_activity(participants=[spec(actor_a), spec(hidden, PARTICIPANT), person_spec])
    client.force_login(editor_a)
    response = client.get(reverse("activities:edit", args=[activity.pk]))
    assert response.context["formset"].initial == [{"actor": actor_a.slug, "role": ORGANISER}]
    assert "Stiller Partner" not in html(response)
    data = with_participants(form_data(title="Neuer Titel", version="1"), {"actor": actor_a.slug, "role": ORGANISER})
    assert client.post(reverse("activities:edit", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Neuer Titel"
    assert set(activity.participations.values_list("actor_id", "person_id")) == {
        (actor_a.pk, None), (hidden.pk, None), (None, person.pk),
    }  # fmt: skip


def test_the_edit_form_shows_a_series_in_the_simple_controls(client, coordinator):
    activity = make_activity(rrule="FREQ=MONTHLY;BYDAY=2WE;COUNT=12")
    client.force_login(coordinator)
    form = client.get(reverse("activities:edit", args=[activity.pk])).context["form"]
    assert (form["repeat"].value(), form["repeat_count"].value(), form["start_time"].value()) == (
        "monthly_weekday", 12, dt.time(19, 0),
    )  # fmt: skip
    odd = make_activity(rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6")
    form = client.get(reverse("activities:edit", args=[odd.pk])).context["form"]
    assert (form["repeat"].value(), form["rrule"].value()) == ("custom", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6")


def test_an_unchanged_series_saves_unchanged(client, coordinator):
    activity = make_activity(rrule="FREQ=MONTHLY;BYDAY=2WE;COUNT=12", participants=[spec(ActorFactory())])
    client.force_login(coordinator)
    response = client.get(reverse("activities:edit", args=[activity.pk]))
    form, formset = response.context["form"], response.context["formset"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["themes"], data["sdgs"] = [], []
    data = with_participants(data, *[{"actor": f["actor"].value(), "role": f["role"].value()} for f in formset])
    data.update({k: str(v) for k, v in data.items() if not isinstance(v, list)})
    assert client.post(reverse("activities:edit", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert activity.rrule == "FREQ=MONTHLY;BYDAY=2WE;COUNT=12" and activity.start == berlin(2025, 3, 12, 19, 0)


def test_a_conflict_keeps_the_input_and_says_what_changed(client, coordinator):
    activity = make_activity()
    services.activity_update(user=None, activity=activity, data={"title": "Von jemand anderem"}, expected_version=1)
    client.force_login(coordinator)
    response = client.post(reverse("activities:edit", args=[activity.pk]),
                           form_data(title="Meine Fassung", version="1"))  # fmt: skip
    assert response.status_code == 409
    page = html(response)
    assert "Jemand anderes hat diesen Termin inzwischen geändert" in page
    assert 'value="Meine Fassung"' in page and "Von jemand anderem" in page
    assert response.context["form"]["version"].value() == 2
    activity.refresh_from_db()
    assert activity.title == "Von jemand anderem"
    # Saving again is an informed decision and wins.
    response = client.post(reverse("activities:edit", args=[activity.pk]),
                           form_data(title="Meine Fassung", version="2"))  # fmt: skip
    assert response.status_code == 302
    assert Activity.objects.get(pk=activity.pk).title == "Meine Fassung"


def test_a_conflict_names_who_saved_meanwhile(client, coordinator):
    other = UserFactory(username="erika", first_name="Erika", last_name="Beispiel", role=Role.COORDINATOR)
    activity = make_activity()
    services.activity_update(user=other, activity=activity, data={"title": "Von Erika"}, expected_version=1)
    client.force_login(coordinator)
    response = client.post(reverse("activities:edit", args=[activity.pk]),
                           form_data(title="Meine Fassung", version="1"))  # fmt: skip
    assert response.status_code == 409
    assert "Inzwischen gespeichert von:" in html(response)
    assert "Erika Beispiel" in html(response)


def test_imported_activities_show_feed_fields_read_only_and_keep_them(client, coordinator, actor_a):
    source = CalendarSource.objects.create(actor=actor_a, url="https://example.org/k.ics", name="Vereinskalender")
    activity = services.activity_create(
        user=None, data={"title": "Aus dem Feed", "start": berlin(2025, 5, 1, 18), "end": berlin(2025, 5, 1, 20)},
        source=source, source_uid="abc@example.org",
    )  # fmt: skip
    client.force_login(coordinator)
    response = client.get(reverse("activities:edit", args=[activity.pk]))
    form = response.context["form"]
    assert form.fields["title"].disabled and form.fields["start_date"].disabled
    assert not form.fields["kind"].disabled
    assert "Vereinskalender" in html(response)
    data = form_data(title="Überschrieben", start_date="2030-01-01", kind="talk", version="1")
    assert client.post(reverse("activities:edit", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.start, activity.kind) == ("Aus dem Feed", berlin(2025, 5, 1, 18), "talk")


# --- cancel and single dates ------------------------------------------------------------------


def test_cancel_and_uncancel(client, coordinator):
    activity = make_activity()
    client.force_login(coordinator)
    url = reverse("activities:cancel", args=[activity.pk])
    assert client.post(url, {"cancelled": "1", "version": "1"}).status_code == 302
    assert Activity.objects.get(pk=activity.pk).cancelled
    response = client.post(url, {"cancelled": "1", "version": "1"}, follow=True)
    assert "inzwischen geändert" in html(response)
    client.post(url, {"cancelled": "0", "version": "2"})
    assert not Activity.objects.get(pk=activity.pk).cancelled


def test_cancelling_one_date_and_moving_another(client, coordinator):
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    client.force_login(coordinator)
    url = reverse("activities:exception", args=[activity.pk])
    client.post(url, {"recurrence_id": "2025-03-19T19:00:00+01:00", "cancelled": "1"})
    response = client.post(url, {"recurrence_id": "2025-03-26T18:00:00Z", "start_date": "2025-03-27",
                                 "start_time": "18:30", "end_time": "20:00"}, follow=True)  # fmt: skip
    assert "wurde geändert" in html(response)
    dates = [(o.start.astimezone(BERLIN).strftime("%d %H:%M"), o.cancelled) for o in activity.occurrences.all()]
    assert dates == [("12 19:00", False), ("19 19:00", True), ("27 18:30", False)]
    client.post(url, {"recurrence_id": "2025-03-19T18:00:00Z", "reset": "1"})
    assert not activity.occurrences.filter(cancelled=True).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"recurrence_id": "2025-03-20T19:00:00+01:00", "cancelled": "1"},
        {"recurrence_id": "gestern", "cancelled": "1"},
        {"recurrence_id": "2025-03-19T19:00:00+01:00"},
        {"recurrence_id": "2025-03-19T19:00:00+01:00", "start_time": "19:00", "end_time": "18:00"},
        {},
    ],
)
def test_bad_single_date_changes_are_refused_with_a_message(client, coordinator, data):
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    client.force_login(coordinator)
    response = client.post(reverse("activities:exception", args=[activity.pk]), data, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in html(response)
    assert not ActivityException.objects.exists()


# --- actor profiles ---------------------------------------------------------------------------


def test_profiles_list_upcoming_and_past_activities(client, actor_a, coordinator):
    make_activity(title="Längst vorbei", start=berlin(2020, 5, 1, 10), participants=[spec(actor_a)])
    make_activity(title="Kommt noch", start=berlin(2099, 5, 1, 10), participants=[spec(actor_a, PARTICIPANT)])
    make_activity(title="Intern geplant", start=berlin(2099, 6, 1, 10), public=False, participants=[spec(actor_a)])
    page = html(client.get(actor_a.get_absolute_url()))
    assert "Kommt noch" in page and "Längst vorbei" in page and "Intern geplant" not in page
    assert page.index("Kommt noch") < page.index("Längst vorbei")
    assert f"/termine/?actor={actor_a.slug}&amp;view=list" in page
    client.force_login(coordinator)
    assert "Intern geplant" in html(client.get(actor_a.get_absolute_url()))


def test_profiles_without_activities_say_so(client, actor_a):
    assert "Noch keine Termine eingetragen." in html(client.get(actor_a.get_absolute_url()))


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_saves_through_the_services(client, coordinator, actor_a):
    client.force_login(coordinator)
    data = {
        "title": "Im Back Office angelegt", "kind": "meeting", "level": "local",
        "start_0": "2025-05-14", "start_1": "19:00:00", "end_0": "2025-05-14", "end_1": "21:00:00",
        "rrule": "FREQ=WEEKLY;COUNT=3", "public": "on",
        "participations-TOTAL_FORMS": "1", "participations-INITIAL_FORMS": "0",
        "participations-0-actor": str(actor_a.pk), "participations-0-role": ORGANISER,
        "exceptions-TOTAL_FORMS": "0", "exceptions-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:activities_activity_add"), data)
    assert response.status_code == 302, html(response)[:3000]
    activity = Activity.objects.get()
    assert activity.occurrences.count() == 3 and activity.created_by == coordinator
    assert list(activity.participations.values_list("actor_id", flat=True)) == [actor_a.pk]


def test_the_admin_refuses_duplicates_and_unbounded_rules_next_to_the_fields(client, coordinator, actor_a):
    client.force_login(coordinator)
    data = {
        "title": "Fehlerhaft", "kind": "meeting", "level": "local",
        "start_0": "2025-05-14", "start_1": "19:00:00", "end_0": "2025-05-14", "end_1": "18:00:00",
        "participations-TOTAL_FORMS": "2", "participations-INITIAL_FORMS": "0",
        "participations-0-actor": str(actor_a.pk), "participations-0-role": ORGANISER,
        "participations-1-actor": str(actor_a.pk), "participations-1-role": PARTICIPANT,
        "exceptions-TOTAL_FORMS": "0", "exceptions-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(reverse("admin:activities_activity_add"), data)
    assert response.status_code == 200
    page = html(response)
    assert "Das Ende liegt vor dem Beginn." in page and "doppelt eingetragen" in page
    assert not Activity.objects.exists() and not Participation.objects.exists()


def test_the_admin_changes_single_dates_through_the_services(client, coordinator):
    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    client.force_login(coordinator)
    data = {
        "title": activity.title, "kind": activity.kind, "level": activity.level,
        "start_0": "2025-03-12", "start_1": "19:00:00", "end_0": "2025-03-12", "end_1": "21:00:00",
        "rrule": activity.rrule, "public": "on", "expected_version": "1",
        "participations-TOTAL_FORMS": "0", "participations-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": "1", "exceptions-INITIAL_FORMS": "0",
        "exceptions-0-recurrence_id_0": "2025-03-19", "exceptions-0-recurrence_id_1": "19:00:00",
        "exceptions-0-cancelled": "on",
    }  # fmt: skip
    response = client.post(reverse("admin:activities_activity_change", args=[activity.pk]), data)
    assert response.status_code == 302, html(response)[:3000]
    assert [o.cancelled for o in activity.occurrences.all()] == [False, True, False]


def test_the_admin_saves_participants_and_dates_as_changes_of_the_activity_in_one_batch(
    client, coordinator, actor_a, monkeypatch
):
    from knotenpunkt.changes.kinds import ChangeKind
    from knotenpunkt.changes.models import Change
    from knotenpunkt.network import derived

    activity = make_activity(rrule="FREQ=WEEKLY;COUNT=3")
    refreshed = []
    monkeypatch.setattr(derived, "refresh_pairs", lambda ids: refreshed.append(set(ids)))
    client.force_login(coordinator)
    data = {
        "title": activity.title, "kind": activity.kind, "level": activity.level,
        "start_0": "2025-03-12", "start_1": "19:00:00", "end_0": "2025-03-12", "end_1": "21:00:00",
        "rrule": activity.rrule, "public": "on", "expected_version": "1",
        "participations-TOTAL_FORMS": "1", "participations-INITIAL_FORMS": "0",
        "participations-0-actor": str(actor_a.pk), "participations-0-role": ORGANISER,
        "exceptions-TOTAL_FORMS": "1", "exceptions-INITIAL_FORMS": "0",
        "exceptions-0-recurrence_id_0": "2025-03-19", "exceptions-0-recurrence_id_1": "19:00:00",
        "exceptions-0-cancelled": "on",
    }  # fmt: skip
    response = client.post(reverse("admin:activities_activity_change", args=[activity.pk]), data)
    assert response.status_code == 302, html(response)[:3000]
    update, exception = Change.objects.filter(record_id=activity.pk, user=coordinator).order_by("id")
    assert (update.kind, list(update.fields)) == (ChangeKind.ACTIVITY_UPDATED, ["participants"])
    assert exception.kind == ChangeKind.ACTIVITY_EXCEPTION_SAVED
    assert refreshed == [{actor_a.pk}]  # one transaction, one refresh of the derived relationships


# --- fuzzing the activity form -----------------------------------------------------------------


RRULES = ["", "FREQ=WEEKLY;COUNT=3", "FREQ=WEEKLY", "FREQ=MINUTELY;COUNT=999",
          "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2", "RRULE:FREQ=DAILY;UNTIL=20991231"]  # fmt: skip


@st.composite
def activity_form_data(draw, actor_slugs):
    plausible_only = draw(st.booleans())

    def field(strategy):
        return draw(strategy if plausible_only else st.one_of(strategy, JUNK, st.none()))

    dates = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
    times = st.times().map(lambda t: t.strftime("%H:%M"))
    rows = draw(st.lists(st.tuples(st.sampled_from([*actor_slugs, ""]), st.sampled_from([ORGANISER, PARTICIPANT])),
                         max_size=3))  # fmt: skip
    data = {
        "title": field(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                               max_size=60).filter(str.strip)),
        "kind": field(st.sampled_from(["event", "meeting", "campaign"])),
        "level": field(st.sampled_from(["local", "federal"])),
        "start_date": field(dates),
        "start_time": field(times),
        "end_date": field(st.one_of(st.just(""), dates)),
        "end_time": field(st.one_of(st.just(""), times)),
        "all_day": field(st.sampled_from(["on", ""])),
        "repeat": field(st.sampled_from(["", "daily", "weekly", "monthly_weekday", "monthly_day", "yearly", "custom"])),
        "repeat_interval": field(st.integers(-1, 120).map(str)),
        "repeat_end": field(st.sampled_from(["count", "until"])),
        "repeat_until": field(dates),
        "repeat_count": field(st.integers(-1, 2000).map(str)),
        "rrule": field(st.sampled_from(RRULES)),
        "latitude": field(st.decimals(-90, 90, places=6).map(str)),
        "online_url": field(st.sampled_from(["", "https://example.org/raum", "example.org"])),
        "sdgs": field(st.lists(st.integers(0, 18).map(str), max_size=3)),
        "public": field(st.sampled_from(["on", ""])),
        "participants-TOTAL_FORMS": field(st.sampled_from([str(len(rows)), "1000", "-1"])),
        "participants-INITIAL_FORMS": "0",
    }  # fmt: skip
    for i, (slug, role) in enumerate(rows):
        data[f"participants-{i}-actor"] = slug
        data[f"participants-{i}-role"] = field(st.just(role))
    return {k: v for k, v in data.items() if v is not None}


@FUZZ
@given(data=st.data())
@example(data=None)
def test_the_activity_form_writes_one_activity_or_nothing(shared_handler, coordinator, actor_a, actor_b, data):
    client = _client(shared_handler, coordinator)
    post = data.draw(activity_form_data([actor_a.slug, actor_b.slug])) if data else form_data(rrule="\x00")
    with rolled_back():
        before = Activity.objects.count(), ActivityOccurrence.objects.count()
        response = client.post(reverse("activities:create"), post)
        assert response.status_code in (200, 302), response.content[:2000]
        if response.status_code == 302:
            activity = Activity.objects.get()
            activity.full_clean(exclude=["themes", "sdgs", "source", "uid"])
            assert activity.end >= activity.start
            assert activity.occurrences.exists()
        else:
            assert (Activity.objects.count(), ActivityOccurrence.objects.count()) == before


def test_a_profile_lists_the_actors_next_and_latest_dates_in_order(client):
    """Five next dates soonest first, five past ones newest first; only the actor's, only public ones."""
    from knotenpunkt.activities import selectors

    actor, other = ActorFactory(name="Weltladen"), ActorFactory(name="Anderer Verein")
    today = dt.datetime.now(BERLIN).replace(hour=18, minute=0, second=0, microsecond=0)
    days = [-40, -3, -20, -1, -9, -30, -2, 2, 30, 5, 1, 9, 20, 3]
    for day in days:
        make_activity(title=f"Tag {day:+d}", start=today + dt.timedelta(days=day), participants=[spec(actor)])
    make_activity(title="Intern", start=today + dt.timedelta(days=1, hours=1), public=False, participants=[spec(actor)])
    make_activity(title="Fremd", start=today + dt.timedelta(days=1, hours=2), participants=[spec(other)])

    def titles(upcoming):
        found = selectors.actor_activities(user=None, actor=actor, upcoming=upcoming, limit=5)
        return [occurrence.activity.title for occurrence in found]

    assert titles(upcoming=True) == ["Tag +1", "Tag +2", "Tag +3", "Tag +5", "Tag +9"]
    assert titles(upcoming=False) == ["Tag -1", "Tag -2", "Tag -3", "Tag -9", "Tag -20"]
