"""Derived relationships: who met whom, how often, how recently (network/derived.py)."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.activities import services
from knotenpunkt.activities.models import ParticipantRole
from knotenpunkt.activities.services import ParticipantSpec
from knotenpunkt.network import derived
from knotenpunkt.network.models import ActorContact, DerivedTie
from tests.factories import ActorFactory, PersonFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def meet(*actors, days_ago=30, public=False, role=ParticipantRole.PARTICIPANT, rrule="", cancelled=False, start=None):
    start = start or timezone.now() - dt.timedelta(days=days_ago)
    return services.activity_create(
        user=None,
        data={
            "title": "Treffen",
            "start": start,
            "end": start + dt.timedelta(hours=2),
            "rrule": rrule,
            "public": public,
            "cancelled": cancelled,
        },
        participants=[ParticipantSpec(role=role, actor_id=a.pk) for a in actors],
    )


def pair(x, y) -> DerivedTie | None:
    a, b = sorted([x.pk, y.pk])
    return DerivedTie.objects.filter(actor_a_id=a, actor_b_id=b).first()


def snapshot():
    ties = {
        (t.actor_a_id, t.actor_b_id): (
            t.count,
            t.first_met,
            t.last_met,
            float(f"{t.weight_score:.9g}"),
            t.public_count,
            t.public_first_met,
            t.public_last_met,
            t.staff_count,
            t.staff_first_met,
            t.staff_last_met,
            float(f"{t.staff_weight_score:.9g}"),
        )
        for t in DerivedTie.objects.all()
    }
    fields = ("last_contact", "last_activity", "last_interaction", "staff_last_contact", "staff_last_interaction")
    contacts = {c.actor_id: tuple(getattr(c, f) for f in fields) for c in ActorContact.objects.all()}
    return ties, contacts


@pytest.fixture
def trio(db):
    return ActorFactory(name="Weltladen"), ActorFactory(name="Eine-Welt-Verein"), ActorFactory(name="Gymnasium")


# --- what counts as a meeting ---------------------------------------------------------


def test_two_actors_at_a_past_activity_make_one_pair_stored_in_id_order(trio):
    x, y, _ = trio
    activity = meet(y, x, days_ago=10)
    tie = DerivedTie.objects.get()
    assert (tie.actor_a_id, tie.actor_b_id) == tuple(sorted([x.pk, y.pk]))
    day = activity.start.astimezone(BERLIN).date()
    assert (tie.count, tie.first_met, tie.last_met) == (1, day, day)


def test_three_actors_make_three_pairs(trio):
    meet(*trio)
    assert DerivedTie.objects.count() == 3


def test_a_committee_with_ten_past_sessions_counts_ten_meetings(trio):
    x, y, _ = trio
    start = timezone.now() - dt.timedelta(days=7 * 12)
    meet(x, y, start=start, rrule="FREQ=WEEKLY;COUNT=10")
    tie = pair(x, y)
    assert tie.count == 10
    assert tie.first_met == start.astimezone(BERLIN).date()
    # Series repeat in Berlin wall-clock time: nine weeks on the local calendar, whatever DST does.
    assert tie.last_met == (start.astimezone(BERLIN) + dt.timedelta(weeks=9)).date()


def test_only_the_past_sessions_of_a_series_count(trio):
    x, y, _ = trio
    meet(x, y, start=timezone.now() - dt.timedelta(days=15), rrule="FREQ=WEEKLY;COUNT=6")
    assert pair(x, y).count == 3


def test_a_future_activity_makes_no_pair_yet(trio):
    x, y, _ = trio
    meet(x, y, days_ago=-3)
    assert pair(x, y) is None


def test_a_cancelled_activity_makes_no_pair(trio):
    x, y, _ = trio
    meet(x, y, cancelled=True)
    assert pair(x, y) is None


def test_a_cancelled_session_does_not_count(trio):
    x, y, _ = trio
    activity = meet(x, y, start=timezone.now() - dt.timedelta(days=30), rrule="FREQ=WEEKLY;COUNT=3")
    first = activity.occurrences.order_by("start").first()
    services.exception_save(user=None, activity=activity, recurrence_id=first.recurrence_id, cancelled=True)
    assert pair(x, y).count == 2


def test_restoring_a_cancelled_session_counts_it_again(trio):
    x, y, _ = trio
    activity = meet(x, y, start=timezone.now() - dt.timedelta(days=30), rrule="FREQ=WEEKLY;COUNT=3")
    first = activity.occurrences.order_by("start").first()
    exception = services.exception_save(user=None, activity=activity, recurrence_id=first.recurrence_id, cancelled=True)
    services.exception_delete(user=None, exception=exception)
    assert pair(x, y).count == 3


@pytest.mark.parametrize("role", [ParticipantRole.INVITED])
def test_invited_actors_did_not_meet(trio, role):
    x, y, _ = trio
    activity = meet(x, days_ago=5)
    services.activity_update(
        user=None,
        activity=activity,
        data={},
        expected_version=activity.version,
        participants=[ParticipantSpec(role="participant", actor_id=x.pk), ParticipantSpec(role=role, actor_id=y.pk)],
    )
    assert pair(x, y) is None


@pytest.mark.parametrize(
    "role", [ParticipantRole.ORGANISER, ParticipantRole.SPEAKER, ParticipantRole.PARTICIPANT, ParticipantRole.ATTENDED]
)
def test_every_role_of_someone_who_was_there_counts(trio, role):
    x, y, _ = trio
    meet(x, y, role=role)
    assert pair(x, y).count == 1


def test_persons_taking_part_make_no_pairs(trio):
    x, _, _ = trio
    services.activity_create(
        user=None,
        data={"title": "Gespräch", "start": timezone.now() - dt.timedelta(days=3), "end": timezone.now()},
        participants=[
            ParticipantSpec(role="participant", actor_id=x.pk),
            ParticipantSpec(role="participant", person_id=PersonFactory().pk),
        ],
    )
    assert not DerivedTie.objects.exists()
    assert ActorContact.objects.filter(actor=x).exists()


def test_an_activity_with_more_actors_than_the_limit_makes_no_pairs_but_counts_as_contact(settings, db):
    settings.DERIVED_TIES_MAX_PARTICIPANTS = 3
    actors = [ActorFactory() for _ in range(4)]
    meet(*actors)
    assert not DerivedTie.objects.exists()
    assert ActorContact.objects.count() == 4
    meet(*actors[:3])
    assert DerivedTie.objects.count() == 3


def test_invited_actors_do_not_count_towards_the_limit(settings, db):
    settings.DERIVED_TIES_MAX_PARTICIPANTS = 2
    x, y, z = (ActorFactory() for _ in range(3))
    start = timezone.now() - dt.timedelta(days=2)
    services.activity_create(
        user=None,
        data={"title": "Runde", "start": start, "end": start},
        participants=[
            ParticipantSpec(role="participant", actor_id=x.pk),
            ParticipantSpec(role="speaker", actor_id=y.pk),
            ParticipantSpec(role="invited", actor_id=z.pk),
        ],
    )
    assert pair(x, y).count == 1


def test_the_meeting_day_is_the_day_in_berlin(trio):
    x, y, _ = trio
    # 00:30 in Berlin is still the previous day in UTC.
    local = (timezone.now() - dt.timedelta(days=20)).astimezone(BERLIN).replace(hour=0, minute=30)
    meet(x, y, start=local.astimezone(dt.UTC))
    assert pair(x, y).last_met == local.date()


# --- weight and public basis -----------------------------------------------------------


def test_the_weight_halves_every_year(trio):
    x, y, z = trio
    meet(x, y, days_ago=0.01)
    meet(x, z, days_ago=365)
    meet(x, z, days_ago=730)
    assert pair(x, y).weight == pytest.approx(1.0, abs=0.01)
    assert pair(x, z).weight == pytest.approx(0.5 + 0.25, abs=0.01)


def test_only_public_activities_give_a_public_basis(trio):
    x, y, z = trio
    meet(x, y, public=True, days_ago=100)
    meet(x, y, public=False, days_ago=10)
    meet(x, z, public=False, days_ago=10)
    public = pair(x, y)
    assert (public.count, public.public_count) == (2, 1)
    assert public.public_last_met == (timezone.now() - dt.timedelta(days=100)).astimezone(BERLIN).date()
    assert public.last_met > public.public_last_met
    internal = pair(x, z)
    assert (internal.public_count, internal.public_last_met) == (0, None)


# --- keeping up with changes -----------------------------------------------------------


def test_removing_a_participant_removes_the_pair(trio):
    x, y, z = trio
    activity = meet(x, y, z)
    services.activity_update(
        user=None,
        activity=activity,
        data={},
        expected_version=activity.version,
        participants=[
            ParticipantSpec(role="participant", actor_id=x.pk),
            ParticipantSpec(role="participant", actor_id=y.pk),
        ],
    )
    assert pair(x, y) is not None
    assert pair(x, z) is None and pair(y, z) is None
    assert not ActorContact.objects.filter(actor=z).exists()


def test_cancelling_and_deleting_update_the_pairs(trio):
    x, y, _ = trio
    meet(x, y, days_ago=50)
    activity = meet(x, y, days_ago=5)
    assert pair(x, y).count == 2
    activity = services.activity_set_cancelled(
        user=None, activity=activity, cancelled=True, expected_version=activity.version
    )
    assert pair(x, y).count == 1
    services.activity_delete(user=None, activity=activity)
    assert pair(x, y).count == 1


def test_city_staff_figures_leave_out_contacts_logged_for_the_coordination_only(trio):
    x, y, z = trio
    today = timezone.localdate()
    meet(x, y, days_ago=400)
    log(x, y, days_ago=100, visibility="staff")
    log(x, y, days_ago=10, visibility="coordination")
    log(x, z, days_ago=20, visibility="coordination")

    xy, xz = pair(x, y), pair(x, z)
    contact = ActorContact.objects.get(actor=z)

    assert (xy.count, xy.last_met) == (3, today - dt.timedelta(days=10))
    assert (xy.staff_count, xy.staff_last_met) == (2, today - dt.timedelta(days=100))
    assert xy.staff_first_met == xy.first_met
    assert 0 < xy.staff_weight_score < xy.weight_score
    assert (xz.count, xz.staff_count, xz.staff_last_met, xz.staff_weight_score) == (1, 0, None, 0)
    assert (contact.last_contact, contact.staff_last_contact, contact.staff_last_interaction) == (
        today - dt.timedelta(days=20), None, None
    )  # fmt: skip
    assert ActorContact.objects.get(actor=x).staff_last_contact == today - dt.timedelta(days=100)


def test_a_refresh_touches_only_pairs_within_the_set(trio):
    x, y, z = trio
    meet(x, y, z)
    DerivedTie.objects.update(count=99)
    derived.refresh_pairs({x.pk, y.pk})
    assert pair(x, y).count == 1
    assert pair(x, z).count == 99


def test_incremental_refreshes_give_the_same_result_as_a_full_rebuild(settings, db):
    settings.DERIVED_TIES_MAX_PARTICIPANTS = 5
    rng = random.Random(3)
    actors = [ActorFactory() for _ in range(12)]
    activities = []
    for _ in range(25):
        chosen = rng.sample(actors, rng.randint(1, 7))
        activities.append(
            meet(
                *chosen,
                days_ago=rng.uniform(-30, 800),
                public=rng.random() < 0.5,
                rrule=rng.choice(["", "", "FREQ=MONTHLY;COUNT=4"]),
                cancelled=rng.random() < 0.1,
            )
        )
    for activity in rng.sample(activities, 8):
        services.activity_update(
            user=None,
            activity=activity,
            data={"public": not activity.public},
            expected_version=activity.version,
            participants=[ParticipantSpec(role="attended", actor_id=a.pk) for a in rng.sample(actors, 3)],
        )
    for activity in rng.sample(activities, 3):
        activity.refresh_from_db()
        services.activity_delete(user=None, activity=activity)
    for _ in range(10):
        log(*rng.sample(actors, rng.randint(1, 3)), days_ago=rng.randint(-5, 800),
            visibility=rng.choice(["staff", "coordination"]))  # fmt: skip
    incremental = snapshot()
    assert incremental[0], "the random activities made no pairs"

    counts = derived.rebuild_all()

    assert snapshot() == incremental
    assert counts == {"pairs": len(incremental[0]), "contacts": len(incremental[1])}
    # And from empty tables (the bulk load path).
    DerivedTie.objects.all().delete()
    ActorContact.objects.all().delete()
    derived.rebuild_all()
    assert snapshot() == incremental


def test_a_full_rebuild_rewrites_only_what_changed(trio):
    x, y, z = trio
    meet(x, y, days_ago=40)
    meet(x, z, days_ago=40)
    DerivedTie.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    stale = pair(x, z)
    DerivedTie.objects.filter(pk=stale.pk).update(count=7)
    DerivedTie.objects.create(
        actor_a_id=min(y.pk, z.pk), actor_b_id=max(y.pk, z.pk), count=1, first_met="2020-01-01",
        last_met="2020-01-01", weight_score=1.0,
    )  # fmt: skip

    derived.rebuild_all()

    assert pair(x, y).updated_at < timezone.now() - dt.timedelta(days=2)
    assert pair(x, z).count == 1
    assert pair(x, z).updated_at > timezone.now() - dt.timedelta(minutes=1)
    assert pair(y, z) is None


def test_the_nightly_task_counts_meetings_that_have_passed_since(trio, monkeypatch):
    x, y, _ = trio
    meet(x, y, days_ago=-1)
    assert pair(x, y) is None
    later = timezone.now() + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    from knotenpunkt.network.tasks import rebuild_derived_ties

    result = rebuild_derived_ties.call()
    assert result == {"pairs": 1, "contacts": 2}
    assert pair(x, y).count == 1


# --- last contact ---------------------------------------------------------------------------


def test_the_last_contact_is_the_last_past_activity_even_alone(trio):
    x, y, _ = trio
    meet(x, days_ago=400)
    meet(x, y, days_ago=40)
    meet(x, days_ago=-10)  # future: not yet a contact
    contact = ActorContact.objects.get(actor=x)
    assert contact.last_contact == (timezone.now() - dt.timedelta(days=40)).astimezone(BERLIN).date()
    assert contact.last_activity == contact.last_contact
    assert contact.last_interaction is None
    assert ActorContact.objects.get(actor=y).last_contact == contact.last_contact


# --- the contact log ---------------------------------------------------------------------------


def log(*actors, days_ago=3, activity=None, visibility="coordination"):
    from knotenpunkt.interactions import services as interaction_services

    return interaction_services.interaction_create(
        user=None,
        data={
            "date": timezone.localdate() - dt.timedelta(days=days_ago),
            "channel": "meeting",
            "summary": "Abstimmung",
            "activity": activity,
            "actors": list(actors),
            "visibility": visibility,
        },
    )


def test_an_interaction_with_two_actors_is_one_meeting_on_its_date(trio):
    x, y, _ = trio
    log(x, y, days_ago=3)
    log(x, days_ago=1)
    tie = pair(x, y)
    assert (tie.count, tie.last_met, tie.public_count) == (1, timezone.localdate() - dt.timedelta(days=3), 0)
    contact = ActorContact.objects.get(actor=x)
    assert contact.last_interaction == contact.last_contact == timezone.localdate() - dt.timedelta(days=1)


def test_an_interaction_about_an_activity_that_already_pairs_them_is_not_counted_twice(trio):
    x, y, z = trio
    activity = meet(x, y, days_ago=3)
    log(x, y, days_ago=3, activity=activity)
    log(x, z, days_ago=3, activity=activity)  # z was not at the activity: a meeting of its own
    assert pair(x, y).count == 1
    assert pair(x, z).count == 1
    assert derived.rebuild_all()["pairs"] == 2
    assert pair(x, y).count == 1


def test_an_interaction_dated_in_the_future_does_not_count(trio):
    x, y, _ = trio
    log(x, y, days_ago=-5)
    assert pair(x, y) is None
    assert not ActorContact.objects.exists()


# --- profile section --------------------------------------------------------------------------------


@pytest.fixture
def met(actor_a, actor_b):
    """actor_a met a published partner 4 times (3 public), an internal partner once, actor_b (unpublished) once."""
    partner = ActorFactory(name="Partnerverein Öffentlich")
    internal = ActorFactory(name="Partner Nur Intern")
    march = timezone.make_aware(dt.datetime(2026, 3, 12, 18, 0))
    for weeks in range(3):
        meet(actor_a, partner, public=True, start=march - dt.timedelta(weeks=weeks))
    meet(actor_a, partner, public=False, start=march + dt.timedelta(days=30))
    meet(actor_a, internal, public=False, start=march)
    meet(actor_a, actor_b, public=True, start=march)
    return partner


def test_visitors_see_public_meetings_between_published_actors_only(client, actor_a, met):
    html = client.get(actor_a.get_absolute_url()).content.decode()
    section = html[html.index('id="derived-ties"') :]
    assert "Partnerverein Öffentlich" in section
    assert "3 gemeinsame Termine, zuletzt März 2026" in section
    assert "Partner Nur Intern" not in section
    assert "Initiative Unveröffentlicht" not in section


def test_internal_readers_see_every_meeting(client, coordinator, actor_a, met):
    client.force_login(coordinator)
    html = client.get(actor_a.get_absolute_url()).content.decode()
    section = html[html.index('id="derived-ties"') :]
    assert "4 gemeinsame Termine, zuletzt April 2026" in section
    assert "Partner Nur Intern" in section
    assert "1 gemeinsamer Termin, zuletzt März 2026" in section
    assert "Initiative Unveröffentlicht" in section


def test_a_profile_without_meetings_says_so(client, actor_a):
    html = client.get(actor_a.get_absolute_url()).content.decode()
    assert 'id="derived-ties"' in html
    assert "Noch keine gemeinsamen Termine" in html


def test_the_profile_lists_the_strongest_pairs_first_and_counts_the_rest(client, coordinator, actor_a):
    others = [ActorFactory(name=f"Partner {n:02d}") for n in range(14)]
    for n, other in enumerate(others):
        for _ in range(n + 1):
            meet(actor_a, other, days_ago=20)
    client.force_login(coordinator)
    response = client.get(reverse("pages:actor", args=[actor_a.slug]))
    html = response.content.decode()
    section = html[html.index('id="derived-ties"') :]
    assert section.index("Partner 13") < section.index("Partner 12")
    assert "Partner 00" not in section
    assert "14" in section
