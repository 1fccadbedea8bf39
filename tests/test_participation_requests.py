"""A public event names another actor only with its consent (activities/participations.py).

The Weltladen's editor names the Förderkreis as a participant of the Weltladen's public event: the
participation is "angefragt" until the Förderkreis' editor or the coordination confirms it. Until then
visitors see it nowhere; the Weltladen's side sees it as "angefragt", the Förderkreis' editor as a
request to answer.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import participations, services
from knotenpunkt.activities.models import ParticipationStatus
from knotenpunkt.activities.recurrence import BERLIN
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.network.models import DerivedTie
from tests.factories import ActorFactory, UserFactory
from tests.matrix import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, coordinator, city_staff):
    weltladen = ActorFactory(name="Weltladen am Markt")
    foerderkreis = ActorFactory(name="Förderkreis Burkina Faso")
    editors = {}
    for key, actor in (("weltladen", weltladen), ("foerderkreis", foerderkreis)):
        editors[key] = UserFactory(username=f"redaktion-{key}", role=Role.ACTOR_EDITOR)
        editors[key].edited_actors.add(actor)
    return {"weltladen": weltladen, "foerderkreis": foerderkreis, "editors": editors}


def event(user, world, *, days=7, public=True, title="Faire Woche: Eröffnung"):
    start = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(18, 0), tzinfo=BERLIN)
    return services.activity_create(
        user=user,
        data={"title": title, "kind": "event", "start": start, "end": start + dt.timedelta(hours=2), "public": public},
        participants=[
            services.ParticipantSpec(role="organiser", actor_id=world["weltladen"].pk),
            services.ParticipantSpec(role="participant", actor_id=world["foerderkreis"].pk),
        ],
    )


def status_of(activity, actor):
    return activity.participations.get(actor=actor).status


def test_naming_another_actor_asks_for_its_consent_the_own_actor_and_the_office_need_none(world, coordinator):
    by_editor = event(world["editors"]["weltladen"], world)
    by_office = event(coordinator, world, title="Forum")

    assert status_of(by_editor, world["foerderkreis"]) == ParticipationStatus.REQUESTED
    assert status_of(by_editor, world["weltladen"]) == ParticipationStatus.CONFIRMED
    assert status_of(by_office, world["foerderkreis"]) == ParticipationStatus.CONFIRMED


def test_until_confirmed_visitors_see_the_participation_nowhere(client, world):
    activity = event(world["editors"]["weltladen"], world)
    foerderkreis = world["foerderkreis"]

    detail = body(client.get(activity.get_absolute_url()))
    profile = client.get(foerderkreis.get_absolute_url())
    calendar = body(client.get(reverse("activities:calendar"), {"view": "list", "actor": foerderkreis.slug}))
    feed = body(client.get(reverse("activities:feed"), {"actor": foerderkreis.slug}))
    unfiltered = body(client.get(reverse("activities:calendar"), {"view": "list"}))

    assert "Weltladen am Markt" in detail and foerderkreis.name not in detail
    assert activity.title not in body(profile)
    assert activity.title not in calendar
    assert activity.title not in feed
    assert activity.title in unfiltered  # the event itself is public


def test_once_confirmed_it_shows_publicly(client, world):
    activity = event(world["editors"]["weltladen"], world)
    request = activity.participations.get(actor=world["foerderkreis"])

    participations.participation_confirm(user=world["editors"]["foerderkreis"], participation=request)

    assert world["foerderkreis"].name in body(client.get(activity.get_absolute_url()))
    assert activity.title in body(client.get(world["foerderkreis"].get_absolute_url()))
    feed = body(client.get(reverse("activities:feed"), {"actor": world["foerderkreis"].slug}))
    assert activity.title in feed


def test_the_requesting_side_and_internal_readers_see_it_as_angefragt(client, world, coordinator, city_staff):
    activity = event(world["editors"]["weltladen"], world)

    for user in (world["editors"]["weltladen"], world["editors"]["foerderkreis"], coordinator, city_staff):
        client.force_login(user)
        detail = body(client.get(activity.get_absolute_url()))
        assert world["foerderkreis"].name in detail and "angefragt" in detail, user


def test_the_participants_editor_answers_on_its_profile_the_office_on_its_schreibtisch(
    client, world, coordinator, city_staff
):
    activity = event(world["editors"]["weltladen"], world)
    request = activity.participations.get(actor=world["foerderkreis"])
    confirm = reverse("activities:participation_confirm", args=[request.pk])

    client.force_login(world["editors"]["foerderkreis"])
    assert confirm in body(client.get(world["foerderkreis"].get_absolute_url()))
    client.force_login(world["editors"]["weltladen"])
    assert confirm not in body(client.get(world["foerderkreis"].get_absolute_url()))
    assert confirm not in body(client.get(world["weltladen"].get_absolute_url()))
    client.force_login(city_staff)
    assert confirm not in body(client.get(reverse("interactions:dashboard")))
    client.force_login(coordinator)
    assert confirm in body(client.get(reverse("interactions:dashboard")))


def test_confirming_by_post_records_the_change_and_returns_to_the_page(client, world):
    activity = event(world["editors"]["weltladen"], world)
    request = activity.participations.get(actor=world["foerderkreis"])
    client.force_login(world["editors"]["foerderkreis"])
    back = world["foerderkreis"].get_absolute_url()

    response = client.post(reverse("activities:participation_confirm", args=[request.pk]), {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    assert status_of(activity, world["foerderkreis"]) == ParticipationStatus.CONFIRMED
    change = Change.objects.get(kind=ChangeKind.ACTIVITY_PARTICIPATION_CONFIRMED)
    assert change.user == world["editors"]["foerderkreis"] and change.record_id == activity.pk
    # A second answer is refused in plain German, nothing changes.
    again = client.post(reverse("activities:participation_decline", args=[request.pk]), follow=True)
    assert "schon beantwortet" in body(again)
    assert status_of(activity, world["foerderkreis"]) == ParticipationStatus.CONFIRMED


def test_declining_removes_the_participation_and_records_it(world, coordinator):
    activity = event(world["editors"]["weltladen"], world)
    request = activity.participations.get(actor=world["foerderkreis"])

    participations.participation_decline(user=coordinator, participation=request)

    assert not activity.participations.filter(actor=world["foerderkreis"]).exists()
    assert Change.objects.filter(kind=ChangeKind.ACTIVITY_PARTICIPATION_DECLINED, record_id=activity.pk).exists()


def test_the_requesting_side_cannot_confirm_its_own_request(world):
    activity = event(world["editors"]["weltladen"], world)
    request = activity.participations.get(actor=world["foerderkreis"])

    with pytest.raises(PermissionDenied):
        participations.participation_confirm(user=world["editors"]["weltladen"], participation=request)
    assert status_of(activity, world["foerderkreis"]) == ParticipationStatus.REQUESTED


def test_saving_the_activity_again_keeps_each_participations_status(world, coordinator):
    activity = event(world["editors"]["weltladen"], world)
    other = ActorFactory(name="Eine-Welt-Schule")
    kept = [
        services.ParticipantSpec(role="organiser", actor_id=world["weltladen"].pk),
        services.ParticipantSpec(role="speaker", actor_id=world["foerderkreis"].pk),
    ]

    activity = services.activity_update(
        user=coordinator,
        activity=activity,
        data={"title": "Faire Woche"},
        expected_version=activity.version,
        participants=[*kept, services.ParticipantSpec(role="participant", actor_id=other.pk)],
    )

    assert status_of(activity, world["foerderkreis"]) == ParticipationStatus.REQUESTED
    assert status_of(activity, other) == ParticipationStatus.CONFIRMED  # named by the office


def test_a_past_public_event_makes_a_public_encounter_only_once_confirmed(client, world):
    activity = event(world["editors"]["weltladen"], world, days=-10)
    a, b = sorted([world["weltladen"].pk, world["foerderkreis"].pk])

    pair = DerivedTie.objects.get(actor_a_id=a, actor_b_id=b)
    assert (pair.count, pair.public_count) == (1, 0)
    assert "Förderkreis" not in body(client.get(world["weltladen"].get_absolute_url()))

    request = activity.participations.get(actor=world["foerderkreis"])
    participations.participation_confirm(user=world["editors"]["foerderkreis"], participation=request)

    assert DerivedTie.objects.get(actor_a_id=a, actor_b_id=b).public_count == 1


def test_a_long_list_of_requests_shows_the_first_ones_and_says_how_many_there_are(
    client, world, coordinator, monkeypatch
):
    monkeypatch.setattr(participations, "REQUESTS_SHOWN", 2)
    for n in range(3):
        event(world["editors"]["weltladen"], world, days=7 + n, title=f"Abend {n}")
    client.force_login(coordinator)
    for page in (reverse("interactions:dashboard"), world["foerderkreis"].get_absolute_url()):
        html = body(client.get(page))
        section = html[html.index("Angefragte Teilnahmen") :]
        section = section[: section.index("</section>")]
        assert "Abend 0" in section and "Abend 1" in section and "Abend 2" not in section  # the earliest first
        assert "Die ersten 2 von 3 Anfragen" in section
    # With no more than fit, no such line.
    monkeypatch.setattr(participations, "REQUESTS_SHOWN", 3)
    assert "Die ersten" not in body(client.get(reverse("interactions:dashboard")))
