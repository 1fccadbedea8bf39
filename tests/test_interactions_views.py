"""Contact log pages: recording (with pre-filled actors or activity and a first follow-up), the list
and its filters, follow-ups via htmx, the edit conflict, the dashboard and the profile section."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import services as activity_services
from knotenpunkt.activities.models import ParticipantRole
from knotenpunkt.activities.services import ParticipantSpec
from knotenpunkt.interactions import services
from knotenpunkt.interactions.models import FollowUp, Interaction
from tests.factories import ActorFactory, FollowUpFactory, InteractionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _activity(*, title="Eine-Welt-Forum", public=False, start=None, actors=()):
    start = start or timezone.now() + dt.timedelta(days=2)
    return activity_services.activity_create(
        user=None,
        data={
            "title": title,
            "kind": "meeting",
            "start": start,
            "end": start + dt.timedelta(hours=2),
            "public": public,
        },
        participants=[ParticipantSpec(role=ParticipantRole.PARTICIPANT, actor_id=a.pk) for a in actors],
    )


def _post_data(**overrides):
    data = {
        "date": "2026-11-20",
        "channel": "meeting",
        "visibility": "coordination",
        "summary": "Vorbereitung Afrikatag mit den Vereinen.",
        "activity": "",
    }
    data.update(overrides)
    return data


# --- recording ---------------------------------------------------------------------------------


def test_record_from_a_profile_prefills_the_actor(client, coordinator, actor_a):
    client.force_login(coordinator)
    html = client.get(reverse("interactions:create"), {"actor": actor_a.slug}).content.decode()
    assert f'name="actors" value="{actor_a.pk}" checked' in html
    assert actor_a.name in html


def test_record_from_an_activity_prefills_activity_date_and_participants(client, coordinator, actor_a, actor_b):
    activity = _activity(actors=[actor_a, actor_b])
    client.force_login(coordinator)

    form = client.get(reverse("interactions:create"), {"activity": activity.pk}).context["form"]

    assert form.initial["activity"] == activity.pk
    assert set(form.initial["actors"]) == {actor_a.pk, actor_b.pk}
    assert form.initial["date"] == timezone.localtime(activity.start).date()
    assert form.initial["channel"] == "meeting"


def test_recording_with_a_first_follow_up(client, coordinator, city_staff, actor_a, actor_b):
    client.force_login(coordinator)
    person = PersonFactory()
    response = client.post(
        reverse("interactions:create"),
        _post_data(
            visibility="staff",
            actors=[actor_a.pk, actor_b.pk],
            persons=[person.pk],
            staff=[coordinator.pk],
            followup_title="Fördermittel klären",
            followup_due_date="2026-12-01",
            followup_assignee=city_staff.pk,
        ),
    )
    interaction = Interaction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == interaction.get_absolute_url()
    assert set(interaction.actors.all()) == {actor_a, actor_b}
    assert interaction.followups.get().assignee == city_staff


def test_a_follow_up_for_someone_without_access_is_explained_and_nothing_is_saved(client, coordinator, city_staff):
    client.force_login(coordinator)
    response = client.post(
        reverse("interactions:create"),
        _post_data(
            visibility="coordination",
            followup_title="Rückruf",
            followup_due_date="2026-12-01",
            followup_assignee=city_staff.pk,
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "darf diesen Kontakt nicht sehen" in html
    assert "Es wurde nichts gespeichert" in html
    assert not Interaction.objects.exists()
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"summary": ""},
        {"date": "2026-02-30"},
        {"channel": "brieftaube"},
        {"actors": ["99999999999999999999"]},
        {"actors": ["abc"]},
        {"activity": "99999999999999999999"},
        {"staff": ["123456"]},
        {"followup_title": "Ohne Datum"},
        {"followup_due_date": "2026-12-01"},
        {"visibility": "alle"},
    ],
)
def test_bad_input_gets_a_message_not_an_error_page(client, coordinator, overrides):
    client.force_login(coordinator)
    response = client.post(reverse("interactions:create"), _post_data(**overrides))
    assert response.status_code == 200
    assert "Bitte korrigieren Sie die markierten Felder" in response.content.decode()
    assert not Interaction.objects.exists()


def test_city_staff_are_offered_only_the_staff_visibility(client, city_staff):
    client.force_login(city_staff)
    form = client.get(reverse("interactions:create")).context["form"]
    assert [value for value, _ in form.fields["visibility"].choices] == ["staff"]


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def log(coordinator, actor_a, actor_b):
    """Four contacts: different actors, channels, dates and visibilities."""
    rows = [
        InteractionFactory(
            date=dt.date(2026, 3, 1), channel="phone", summary="Telefonat zur Solaranlage", visibility="staff"
        ),
        InteractionFactory(date=dt.date(2026, 5, 1), channel="meeting", summary="Treffen Schulpartnerschaft"),
        InteractionFactory(
            date=dt.date(2026, 7, 1), channel="email", summary="E-Mail zur Förderung", visibility="staff"
        ),
        InteractionFactory(date=dt.date(2026, 9, 1), channel="meeting", summary="Geheimes Vorgespräch"),
    ]
    rows[0].actors.set([actor_a])
    rows[1].actors.set([actor_a, actor_b])
    rows[3].actors.set([actor_b])
    return rows


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {0, 1, 2, 3}),
        ({"actor": "<actor_a>"}, {0, 1}),
        ({"actor": "förderkreis beispiel e.v."}, {0, 1}),
        ({"channel": "meeting"}, {1, 3}),
        ({"date_from": "2026-04-01", "date_to": "2026-07-31"}, {1, 2}),
        ({"q": "förderung"}, {2}),
        ({"actor": "gibt-es-nicht", "channel": "unbekannt", "date_from": "kein-datum"}, {0, 1, 2, 3}),
    ],
)
def test_the_list_filters(client, coordinator, log, actor_a, params, expected):
    params = {k: actor_a.slug if v == "<actor_a>" else v for k, v in params.items()}
    client.force_login(coordinator)
    page = client.get(reverse("interactions:list"), params).context["page"]
    assert {log.index(i) for i in page.object_list} == expected


def test_city_staff_see_only_contacts_shared_with_all_staff(client, city_staff, log):
    client.force_login(city_staff)
    html = client.get(reverse("interactions:list")).content.decode()
    assert "Telefonat zur Solaranlage" in html
    assert "E-Mail zur Förderung" in html
    assert "Geheimes Vorgespräch" not in html
    assert "Treffen Schulpartnerschaft" not in html


def test_the_list_pages_and_htmx_gets_only_the_results(client, coordinator):
    for n in range(30):
        InteractionFactory(summary=f"Kontakt {n}")
    client.force_login(coordinator)
    first = client.get(reverse("interactions:list"))
    second = client.get(reverse("interactions:list"), {"page": 2}, headers=HTMX)
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "<html" not in second.content.decode()


def test_the_list_runs_a_fixed_number_of_queries(client, coordinator, django_assert_max_num_queries, actor_a):
    for _ in range(20):
        InteractionFactory(actors=[actor_a, ActorFactory()])
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        client.get(reverse("interactions:list"))


# --- detail and follow-ups via htmx ----------------------------------------------------------


def test_adding_a_follow_up_rerenders_the_section(client, coordinator, city_staff):
    interaction = InteractionFactory(visibility="staff")
    client.force_login(coordinator)

    response = client.post(
        reverse("interactions:followup_add", args=[interaction.pk]),
        {"title": "Bericht anfordern", "due_date": "2026-12-01", "assignee": city_staff.pk},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Bericht anfordern" in html
    assert "Wiedervorlage „Bericht anfordern“ angelegt." in html
    assert interaction.followups.get().assignee == city_staff


def test_a_follow_up_for_someone_without_access_is_refused_in_the_section(client, coordinator, city_staff):
    interaction = InteractionFactory(visibility="coordination")
    client.force_login(coordinator)

    response = client.post(
        reverse("interactions:followup_add", args=[interaction.pk]),
        {"title": "Bericht anfordern", "due_date": "2026-12-01", "assignee": city_staff.pk},
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Die Wiedervorlage wurde nicht gespeichert" in html
    assert "darf diesen Kontakt nicht sehen" in html
    assert not FollowUp.objects.exists()


def test_completing_a_follow_up_via_htmx_returns_its_row(client, coordinator):
    followup = FollowUpFactory(interaction=InteractionFactory(), assignee=coordinator, created_by=coordinator)
    client.force_login(coordinator)

    response = client.post(reverse("interactions:followup_complete", args=[followup.pk]), headers=HTMX)

    html = response.content.decode()
    assert f'id="followup-{followup.pk}"' in html
    assert "ist erledigt" in html
    assert "wieder öffnen" in html
    followup.refresh_from_db()
    assert followup.done_at is not None


def test_completing_without_htmx_goes_back_to_a_local_page_only(client, coordinator):
    followup = FollowUpFactory(assignee=coordinator, created_by=coordinator)
    client.force_login(coordinator)
    url = reverse("interactions:followup_complete", args=[followup.pk])

    assert client.post(url, {"next": "https://evil.example/"})["Location"] == followup.get_absolute_url()
    assert client.post(url, {"next": "/schreibtisch/"})["Location"] == "/schreibtisch/"


def test_an_edit_on_a_stale_version_shows_the_conflict(client, coordinator):
    interaction = services.interaction_create(
        user=coordinator, data={"date": dt.date(2026, 11, 1), "channel": "phone", "summary": "Alt"}
    )
    colleague = UserFactory(username="kollegin", first_name="Greta", last_name="Gegenüber", role=Role.COORDINATOR)
    services.interaction_update(
        user=colleague, interaction=interaction, data={"summary": "Von jemand anderem"}, expected_version=1
    )
    client.force_login(coordinator)

    response = client.post(
        reverse("interactions:edit", args=[interaction.pk]), _post_data(summary="Meine Fassung", version=1)
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Jemand anderes hat diesen Kontakt inzwischen geändert" in html
    assert "Von jemand anderem" in html
    assert "Greta Gegenüber" in html  # who saved in between, from the history
    assert "Meine Fassung" in html
    assert Interaction.objects.get().summary == "Von jemand anderem"
    # Saving again after seeing the conflict goes through.
    response = client.post(
        reverse("interactions:edit", args=[interaction.pk]), _post_data(summary="Meine Fassung", version=2)
    )
    assert response.status_code == 302
    assert Interaction.objects.get().summary == "Meine Fassung"


def test_huge_ids_in_urls_are_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(f"/kontakte/{2**70}/").status_code == 404
    assert client.post(f"/wiedervorlagen/{2**70}/erledigt/").status_code == 404


# --- the picker --------------------------------------------------------------------------------


def test_the_picker_offers_matches_but_not_the_chosen_ones(client, coordinator):
    one = ActorFactory(name="Weltladen Ludwigsburg")
    two = ActorFactory(name="Weltladen Kornwestheim")
    client.force_login(coordinator)

    html = client.get(
        reverse("interactions:pick", args=["actors"]), {"q": "weltladen", "field": "actors", "actors": [one.pk]}
    ).content.decode()

    assert "Weltladen Kornwestheim" in html
    assert f'value="{two.pk}"' in html
    assert "Weltladen Ludwigsburg" not in html


@pytest.mark.parametrize("kind", ["persons", "staff", "activity"])
def test_every_picker_answers(client, coordinator, kind):
    PersonFactory(first_name="Erika", last_name="Mustermann")
    _activity(title="Mustermesse")
    client.force_login(coordinator)
    response = client.get(reverse("interactions:pick", args=[kind]), {"q": "mus", "actors": "x" * 50})
    assert response.status_code == 200


def test_the_picker_does_not_echo_script_into_its_attributes(client, coordinator):
    ActorFactory(name="Weltladen Ludwigsburg")
    client.force_login(coordinator)
    html = client.get(
        reverse("interactions:pick", args=["actors"]),
        {"q": "weltladen", "field": "actors');alert(1);//", "id": "x');alert(1);//"},
    ).content.decode()
    assert "alert" not in html
    assert "Weltladen Ludwigsburg" in html and "data-picker-choose" in html  # static/js/picker.js moves it


def test_an_unknown_picker_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("interactions:pick", args=["passwords"]), {"q": "ab"}).status_code == 404


# --- dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_lists_my_follow_ups_the_latest_contacts_and_internal_activities(client, coordinator, city_staff):
    today = timezone.localdate()
    overdue = FollowUpFactory(title="Längst fällig", due_date=today - dt.timedelta(days=3), assignee=coordinator)
    due = FollowUpFactory(title="Diese Woche", due_date=today + dt.timedelta(days=5), assignee=coordinator)
    FollowUpFactory(title="Nächsten Monat", due_date=today + dt.timedelta(days=30), assignee=coordinator)
    FollowUpFactory(title="Schon erledigt", due_date=today, assignee=coordinator, done_at=timezone.now())
    FollowUpFactory(title="Für die Kollegin", due_date=today, assignee=city_staff, created_by=coordinator)
    FollowUpFactory(title="Nicht meins", due_date=today, assignee=city_staff)
    InteractionFactory(summary="Neuester Kontakt im Protokoll")
    _activity(title="Interne Steuerungsrunde", public=False)
    _activity(title="Öffentlicher Aktionstag", public=True)
    client.force_login(coordinator)

    response = client.get(reverse("interactions:dashboard"))

    ctx = response.context
    assert [f.title for f in ctx["overdue"]] == [overdue.title]
    assert [f.title for f in ctx["due"]] == [due.title]
    assert ctx["later_count"] == 1
    assert [f.title for f in ctx["for_others"]] == ["Für die Kollegin"]
    html = response.content.decode()
    assert "Neuester Kontakt im Protokoll" in html
    assert "Interne Steuerungsrunde" in html
    assert "Öffentlicher Aktionstag" not in html
    assert "Schon erledigt" not in html
    assert "Nicht meins" not in html


def test_the_dashboard_shows_the_first_ten_of_each_list_with_their_counts_and_all_on_request(client, coordinator):
    today = timezone.localdate()
    for n in range(13):
        FollowUpFactory(title=f"Überfällig {n:02d}", due_date=today - dt.timedelta(days=20 - n), assignee=coordinator)
    client.force_login(coordinator)

    first = client.get(reverse("interactions:dashboard"))
    everything = client.get(reverse("interactions:dashboard"), {"alle": "1"})

    assert [f.title for f in first.context["overdue"]] == [f"Überfällig {n:02d}" for n in range(10)]
    assert first.context["overdue_count"] == 13
    assert 'Überfällig (<span data-count="overdue">13</span>)' in first.content.decode()
    assert 'Die ersten 10 von <span data-count="overdue">13</span> offenen.' in first.content.decode()
    assert 'href="?alle=1"' in first.content.decode()
    assert len(everything.context["overdue"]) == 13
    assert "Die ersten" not in everything.content.decode()


def test_ticking_off_on_the_dashboard_sends_the_lists_new_counts(client, coordinator):
    today = timezone.localdate()
    overdue = [FollowUpFactory(due_date=today - dt.timedelta(days=3), assignee=coordinator) for _ in range(3)]
    FollowUpFactory(due_date=today + dt.timedelta(days=1), assignee=coordinator)
    client.force_login(coordinator)
    desk = reverse("interactions:dashboard")

    done = client.post(
        reverse("interactions:followup_complete", args=[overdue[0].pk]), {"next": desk}, HTTP_HX_REQUEST="true"
    )
    assert json.loads(done["HX-Trigger"]) == {"followupCounts": {"overdue": 2, "due": 1, "later": 0, "for_others": 0}}
    reopened = client.post(
        reverse("interactions:followup_reopen", args=[overdue[0].pk]),
        {"next": desk + "?alle=1"},
        HTTP_HX_REQUEST="true",
    )
    assert json.loads(reopened["HX-Trigger"])["followupCounts"]["overdue"] == 3
    # Elsewhere (a contact's page) the row comes back alone.
    elsewhere = client.post(
        reverse("interactions:followup_complete", args=[overdue[1].pk]), {"next": "/kontakte/"}, HTTP_HX_REQUEST="true"
    )
    assert elsewhere.status_code == 200 and "HX-Trigger" not in elsewhere


def test_the_dashboard_lists_internal_dates_in_order_with_long_ones_still_running(client, coordinator):
    now = timezone.now()

    def internal(title, start, hours=2):
        return activity_services.activity_create(
            user=None,
            data={"title": title, "kind": "meeting", "start": start, "end": start + dt.timedelta(hours=hours)},
        )

    internal("Ausstellung seit drei Wochen", now - dt.timedelta(days=21), hours=24 * 30)  # long, still running
    internal("Ausstellung vorbei", now - dt.timedelta(days=40), hours=24 * 20)  # long, ended
    internal("Gestern", now - dt.timedelta(days=1))
    internal("Übermorgen", now + dt.timedelta(days=2))
    internal("Morgen", now + dt.timedelta(days=1))
    internal("In drei Wochen", now + dt.timedelta(days=21))
    client.force_login(coordinator)

    upcoming = client.get(reverse("interactions:dashboard")).context["upcoming"]

    assert [o.activity.title for o in upcoming] == ["Ausstellung seit drei Wochen", "Morgen", "Übermorgen"]


def test_a_contact_in_a_list_counts_its_open_follow_ups(client, coordinator):
    contact = InteractionFactory(summary="Gespräch mit dem Weltladen")
    FollowUpFactory(interaction=contact, assignee=coordinator)
    FollowUpFactory(interaction=contact, assignee=coordinator)
    FollowUpFactory(interaction=contact, assignee=coordinator, done_at=timezone.now())
    InteractionFactory(summary="Ohne Wiedervorlage")
    client.force_login(coordinator)

    latest = {c.summary: c.open_followups for c in client.get(reverse("interactions:dashboard")).context["latest"]}

    assert latest == {"Gespräch mit dem Weltladen": 2, "Ohne Wiedervorlage": 0}


# --- actor profiles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("coordinator", {"coord", "staff"}), ("city_staff", {"staff"}), ("editor_a", set()), ("anonymous", set())],
)
def test_profiles_show_contacts_to_internal_readers(client, request, actor_a, persona, sees):
    InteractionFactory(visibility="coordination", summary="Vertrauliches Vorgespräch", actors=[actor_a])
    InteractionFactory(visibility="staff", summary="Offenes Arbeitstreffen", actors=[actor_a])
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    html = client.get(actor_a.get_absolute_url()).content.decode()

    assert ("Vertrauliches Vorgespräch" in html) is ("coord" in sees)
    assert ("Offenes Arbeitstreffen" in html) is ("staff" in sees)
    assert ('id="contacts-heading"' in html) is bool(sees)
    assert (f"/kontakte/neu/?actor={actor_a.slug}" in html) is bool(sees)
