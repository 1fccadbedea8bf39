"""Contact log services: who may record what, follow-ups only for people who can read them,
nothing half-saved, lost updates refused, derived relationships refreshed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import services as activity_services
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.locking import EditConflict
from knotenpunkt.changes.models import Change
from knotenpunkt.interactions import services
from knotenpunkt.interactions.models import FollowUp, Interaction, Visibility
from tests.factories import ActorFactory, FollowUpFactory, InteractionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def refreshed(monkeypatch):
    """Every call to network.derived.refresh_pairs, as a list of actor-id sets."""
    calls = []
    monkeypatch.setattr("knotenpunkt.network.derived.refresh_pairs", lambda ids: calls.append(set(ids)))
    return calls


@pytest.fixture
def three_actors(db):
    return [ActorFactory(name=f"Verein {n}") for n in ("Eins", "Zwei", "Drei")]


def _data(**overrides):
    data = {"date": TODAY, "channel": "meeting", "summary": "Abstimmung zum Afrikatag.", "visibility": "coordination"}
    data.update(overrides)
    return data


def _activity(**overrides):
    start = timezone.make_aware(dt.datetime(2026, 11, 20, 10))
    data = {"title": "Eine-Welt-Forum", "kind": "meeting", "start": start, "end": start + dt.timedelta(hours=2)}
    data.update(overrides)
    return activity_services.activity_create(user=None, data=data)


# --- recording ---------------------------------------------------------------------------------


def test_a_coordinator_records_a_meeting_with_actors_persons_and_staff(coordinator, three_actors, refreshed):
    person = PersonFactory()

    interaction = services.interaction_create(
        user=coordinator,
        data=_data(actors=three_actors, persons=[person], staff=[coordinator]),
    )

    assert interaction.created_by == coordinator
    assert set(interaction.actors.all()) == set(three_actors)
    assert list(interaction.persons.all()) == [person]
    assert list(interaction.staff.all()) == [coordinator]
    assert interaction.version == 1
    assert refreshed == [{a.pk for a in three_actors}]
    assert set(three_actors[0].interactions.all()) == {interaction}


def test_the_first_follow_up_is_saved_with_the_contact(coordinator, city_staff, three_actors):
    interaction = services.interaction_create(
        user=coordinator,
        data=_data(visibility="staff", actors=three_actors),
        followup={"title": "Protokoll verschicken", "due_date": TODAY, "assignee": city_staff},
    )

    followup = interaction.followups.get()
    assert (followup.title, followup.assignee, followup.created_by) == (
        "Protokoll verschicken",
        city_staff,
        coordinator,
    )


@pytest.mark.parametrize("assignee_role", ["city_staff", "editor"])
def test_a_follow_up_for_someone_who_cannot_read_the_contact_saves_nothing(
    coordinator, city_staff, editor_a, three_actors, refreshed, assignee_role
):
    assignee = {"city_staff": city_staff, "editor": editor_a}[assignee_role]

    with pytest.raises(ValidationError) as exc:
        services.interaction_create(
            user=coordinator,
            data=_data(visibility="coordination", actors=three_actors),
            followup={"title": "Rückruf", "due_date": TODAY, "assignee": assignee},
        )

    message = " ".join(exc.value.message_dict["followup_assignee"])
    assert str(assignee) in message
    assert "nicht sehen" in message or "keinen Zugang" in message
    assert not Interaction.objects.exists()
    assert not FollowUp.objects.exists()
    assert refreshed == []


def test_city_staff_record_contacts_for_all_staff_only(city_staff):
    with pytest.raises(ValidationError) as exc:
        services.interaction_create(user=city_staff, data=_data(visibility="coordination"))
    assert "Nur die Koordination" in " ".join(exc.value.message_dict["visibility"])

    interaction = services.interaction_create(user=city_staff, data=_data(visibility="staff"))
    assert interaction.visibility == Visibility.STAFF


@pytest.mark.parametrize("persona", ["editor_a", "anonymous"])
def test_actor_editors_and_visitors_cannot_record_contacts(request, persona):
    with pytest.raises(PermissionDenied):
        services.interaction_create(user=request.getfixturevalue(persona), data=_data(visibility="staff"))
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"channel": "fax"}, "channel"),
        ({"visibility": "everyone"}, "visibility"),
    ],
)
def test_bad_input_gets_a_message_per_field(coordinator, overrides, field):
    with pytest.raises(ValidationError) as exc:
        services.interaction_create(user=coordinator, data=_data(**overrides))
    assert field in exc.value.message_dict
    assert not Interaction.objects.exists()


def test_an_actor_named_twice_is_refused(coordinator, three_actors):
    with pytest.raises(ValidationError) as exc:
        services.interaction_create(user=coordinator, data=_data(actors=[three_actors[0], three_actors[0]]))
    assert "actors" in exc.value.message_dict


def test_only_coordination_and_city_staff_count_as_staff(coordinator, editor_a):
    with pytest.raises(ValidationError) as exc:
        services.interaction_create(user=coordinator, data=_data(staff=[coordinator, editor_a]))
    assert "staff" in exc.value.message_dict
    assert not Interaction.objects.exists()


# --- changing -----------------------------------------------------------------------------------


def test_an_update_refreshes_the_pairs_of_old_and_new_actors(coordinator, three_actors, refreshed):
    one, two, three = three_actors
    interaction = services.interaction_create(user=coordinator, data=_data(actors=[one, two]))
    refreshed.clear()

    updated = services.interaction_update(
        user=coordinator, interaction=interaction, data={"actors": [two, three]}, expected_version=1
    )

    assert updated.version == 2
    assert set(updated.actors.all()) == {two, three}
    assert refreshed == [{one.pk, two.pk, three.pk}]


def test_a_delete_refreshes_the_pairs_and_removes_the_follow_ups(coordinator, three_actors, refreshed):
    interaction = services.interaction_create(
        user=coordinator,
        data=_data(actors=three_actors),
        followup={"title": "Fotos anfragen", "due_date": TODAY, "assignee": coordinator},
    )
    refreshed.clear()

    services.interaction_delete(user=coordinator, interaction=interaction)

    assert not Interaction.objects.exists()
    assert not FollowUp.objects.exists()
    assert refreshed == [{a.pk for a in three_actors}]


def test_a_stale_version_is_refused_and_nothing_changes(coordinator):
    interaction = services.interaction_create(user=coordinator, data=_data())
    services.interaction_update(
        user=coordinator, interaction=interaction, data={"summary": "Erste"}, expected_version=1
    )

    with pytest.raises(EditConflict) as exc:
        services.interaction_update(
            user=coordinator, interaction=interaction, data={"summary": "Zweite"}, expected_version=1
        )

    assert exc.value.record.summary == "Erste"
    assert [(c.kind, c.user, c.fields["summary"]["new"]) for c in exc.value.changes] == [
        (ChangeKind.INTERACTION_UPDATED, coordinator, "Erste")
    ]
    interaction.refresh_from_db()
    assert (interaction.summary, interaction.version) == ("Erste", 2)


def test_city_staff_edit_the_contacts_they_recorded_only(city_staff, coordinator):
    own = services.interaction_create(user=city_staff, data=_data(visibility="staff"))
    others = services.interaction_create(user=coordinator, data=_data(visibility="staff"))

    services.interaction_update(user=city_staff, interaction=own, data={"summary": "Ergänzt"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.interaction_update(user=city_staff, interaction=others, data={"summary": "X"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.interaction_delete(user=city_staff, interaction=others)
    assert Interaction.objects.get(pk=others.pk).summary == "Abstimmung zum Afrikatag."


def test_restricting_a_contact_fails_while_someone_would_lose_their_follow_up(coordinator, city_staff):
    interaction = services.interaction_create(
        user=coordinator,
        data=_data(visibility="staff"),
        followup={"title": "Antrag prüfen", "due_date": TODAY, "assignee": city_staff},
    )

    with pytest.raises(ValidationError) as exc:
        services.interaction_update(
            user=coordinator,
            interaction=interaction,
            data={"visibility": "coordination", "summary": "Geändert"},
            expected_version=1,
        )

    assert "Antrag prüfen" in " ".join(exc.value.message_dict["visibility"])
    interaction.refresh_from_db()
    assert (interaction.visibility, interaction.summary, interaction.version) == ("staff", _data()["summary"], 1)


# --- follow-ups ----------------------------------------------------------------------------------


def test_a_follow_up_can_stand_alone_or_hang_on_an_activity(coordinator, city_staff):
    activity = _activity()

    alone = services.followup_create(user=coordinator, title="Jahresbericht", due_date=TODAY, assignee=city_staff)
    on_activity = services.followup_create(
        user=coordinator, title="Einladung", due_date=TODAY, assignee=coordinator, activity=activity
    )

    assert (alone.interaction, alone.activity) == (None, None)
    assert on_activity.activity == activity
    assert list(activity.followups.all()) == [on_activity]


def test_a_follow_up_belongs_to_a_contact_or_an_activity_not_both(coordinator):
    interaction = InteractionFactory()
    with pytest.raises(ValidationError):
        services.followup_create(
            user=coordinator,
            title="Doppelt",
            due_date=TODAY,
            assignee=coordinator,
            interaction=interaction,
            activity=_activity(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(
            title="Doppelt", due_date=TODAY, assignee=coordinator, interaction=interaction, activity=_activity()
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("due_date", None)],
)
def test_a_follow_up_needs_a_title_and_a_due_date(coordinator, field, value):
    kwargs = {"title": "Anrufen", "due_date": TODAY, "assignee": coordinator, field: value}
    with pytest.raises(ValidationError) as exc:
        services.followup_create(user=coordinator, **kwargs)
    assert field in exc.value.message_dict
    assert not FollowUp.objects.exists()


def test_completing_and_reopening(coordinator, city_staff):
    followup = services.followup_create(user=coordinator, title="Anrufen", due_date=TODAY, assignee=city_staff)

    done = services.followup_complete(user=city_staff, followup=followup)
    first_done_at = done.done_at
    again = services.followup_complete(user=city_staff, followup=followup)
    assert (done.done_by, again.done_at) == (city_staff, first_done_at)

    reopened = services.followup_reopen(user=coordinator, followup=followup)
    assert (reopened.done_at, reopened.done_by) == (None, None)


def test_only_the_assignee_the_creator_and_the_coordination_tick_a_follow_up_off(coordinator, city_staff):
    bystander = UserFactory(role=Role.CITY_STAFF)
    interaction = services.interaction_create(user=coordinator, data=_data(visibility="staff"))
    followup = services.followup_create(
        user=coordinator, title="Anrufen", due_date=TODAY, assignee=city_staff, interaction=interaction
    )

    with pytest.raises(PermissionDenied):
        services.followup_complete(user=bystander, followup=followup)
    with pytest.raises(PermissionDenied):
        services.followup_delete(user=city_staff, followup=followup)  # assignee, but not the creator
    assert FollowUp.objects.get(pk=followup.pk).done_at is None


def test_reopening_fails_when_the_assignee_lost_access(coordinator, city_staff):
    interaction = InteractionFactory(visibility="coordination")
    # Written around the services: a role change after the follow-up was done.
    followup = FollowUpFactory(
        interaction=interaction, assignee=city_staff, created_by=coordinator, done_at=timezone.now()
    )

    with pytest.raises(ValidationError) as exc:
        services.followup_reopen(user=coordinator, followup=followup)

    assert str(city_staff) in " ".join(exc.value.messages)
    assert FollowUp.objects.get(pk=followup.pk).done_at is not None


def test_the_database_refuses_an_empty_summary_and_an_unknown_channel():
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(summary="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(summary="x", channel="fax")


# --- history: one change per contact or follow-up changed ---------------------------------------------


def _subjects(change) -> tuple[set[int], set[int]]:
    rows = list(change.subjects.values_list("kind", "subject_id"))
    return {pk for kind, pk in rows if kind == "actor"}, {pk for kind, pk in rows if kind == "person"}


def _only(kind) -> Change:
    return Change.objects.get(kind=kind)


@pytest.mark.parametrize(("visibility", "audience"), [("coordination", "coordination"), ("staff", "staff")])
def test_recording_a_contact_writes_one_change_readable_like_the_contact(coordinator, visibility, audience):
    actors, persons = [ActorFactory(), ActorFactory()], [PersonFactory()]
    interaction = services.interaction_create(
        user=coordinator, data=_data(visibility=visibility, actors=actors, persons=persons, staff=[coordinator])
    )

    change = _only(ChangeKind.INTERACTION_CREATED)
    assert (change.record_type, change.record_id, change.user) == (
        "interactions.interaction",
        interaction.pk,
        coordinator,
    )
    assert (change.audience, change.public, change.version) == (audience, False, 1)
    assert _subjects(change) == ({a.pk for a in actors}, {persons[0].pk})
    assert change.data["values"]["summary"] == "Abstimmung zum Afrikatag."
    assert change.data["values"]["staff"] == [coordinator.pk]
    # Persons are referenced by id, never copied into the history row.
    assert persons[0].last_name not in str(change.data)


def test_an_update_records_the_changed_fields_and_everyone_before_and_after(coordinator, three_actors):
    one, two, three = three_actors
    before_person, after_person = PersonFactory(), PersonFactory()
    interaction = services.interaction_create(
        user=coordinator, data=_data(visibility="staff", actors=[one, two], persons=[before_person])
    )

    services.interaction_update(
        user=coordinator,
        interaction=interaction,
        data={"actors": [two, three], "persons": [after_person], "summary": "Nachgetragen.", "channel": "meeting"},
        expected_version=1,
    )

    change = _only(ChangeKind.INTERACTION_UPDATED)
    assert change.fields == {
        "summary": {"old": "Abstimmung zum Afrikatag.", "new": "Nachgetragen."},
        "actors": {"old": sorted([one.pk, two.pk]), "new": sorted([two.pk, three.pk])},
        "persons": {"old": [before_person.pk], "new": [after_person.pk]},
    }
    assert (change.audience, change.version) == (Audience.STAFF, 2)
    assert _subjects(change) == ({one.pk, two.pk, three.pk}, {before_person.pk, after_person.pk})


def test_opening_a_contact_to_staff_keeps_its_earlier_history_row_for_the_coordination(coordinator):
    interaction = services.interaction_create(user=coordinator, data=_data(visibility="coordination"))
    services.interaction_update(
        user=coordinator, interaction=interaction, data={"visibility": "staff"}, expected_version=1
    )
    # The row holds what was coordination-only before: city staff do not read it.
    assert _only(ChangeKind.INTERACTION_UPDATED).audience == Audience.COORDINATION


def test_deleting_a_contact_records_it_and_each_of_its_follow_ups(coordinator, three_actors):
    person = PersonFactory()
    interaction = services.interaction_create(
        user=coordinator,
        data=_data(actors=three_actors, persons=[person]),
        followup={"title": "Fotos anfragen", "due_date": TODAY, "assignee": coordinator},
    )
    followup = interaction.followups.get()
    pk = interaction.pk

    services.interaction_delete(user=coordinator, interaction=interaction)

    deleted = _only(ChangeKind.INTERACTION_DELETED)
    assert (deleted.record_id, deleted.audience) == (pk, Audience.COORDINATION)
    assert deleted.data["values"]["actors"] == sorted(a.pk for a in three_actors)
    assert _subjects(deleted) == ({a.pk for a in three_actors}, {person.pk})
    gone = _only(ChangeKind.FOLLOWUP_DELETED)
    assert (gone.record_id, gone.audience, gone.data["values"]["title"]) == (
        followup.pk,
        Audience.COORDINATION,
        "Fotos anfragen",
    )
    assert _subjects(gone) == ({a.pk for a in three_actors}, {person.pk})


def test_a_refused_change_records_nothing(coordinator):
    interaction = services.interaction_create(user=coordinator, data=_data())
    with pytest.raises(EditConflict):
        services.interaction_update(
            user=coordinator, interaction=interaction, data={"summary": "X"}, expected_version=7
        )
    with pytest.raises(ValidationError):
        services.interaction_update(
            user=coordinator, interaction=interaction, data={"summary": " "}, expected_version=1
        )
    assert list(Change.objects.values_list("kind", flat=True)) == [ChangeKind.INTERACTION_CREATED]


def test_follow_ups_record_each_step_readable_like_their_contact(coordinator, city_staff):
    actor, person = ActorFactory(), PersonFactory()
    interaction = services.interaction_create(
        user=coordinator, data=_data(visibility="staff", actors=[actor], persons=[person])
    )
    followup = services.followup_create(
        user=coordinator, title="Anrufen", due_date=TODAY, assignee=city_staff, interaction=interaction
    )
    services.followup_complete(user=city_staff, followup=followup)
    services.followup_complete(user=city_staff, followup=followup)  # already done: nothing to record
    services.followup_reopen(user=coordinator, followup=followup)
    services.followup_delete(user=coordinator, followup=followup)

    history = list(Change.objects.filter(record_type="interactions.followup").order_by("id"))
    assert [(c.kind, c.user) for c in history] == [
        (ChangeKind.FOLLOWUP_CREATED, coordinator),
        (ChangeKind.FOLLOWUP_COMPLETED, city_staff),
        (ChangeKind.FOLLOWUP_REOPENED, coordinator),
        (ChangeKind.FOLLOWUP_DELETED, coordinator),
    ]
    for change in history:
        assert (change.record_id, change.audience, change.public) == (followup.pk, Audience.STAFF, False)
        assert _subjects(change) == ({actor.pk}, {person.pk})
    assert history[0].data["values"]["assignee"] == city_staff.pk
    assert history[1].fields["done_by"] == {"old": None, "new": city_staff.pk}
    assert history[2].fields["done_at"]["new"] is None


def test_a_follow_up_on_an_activity_touches_its_participants(coordinator):
    actor, person = ActorFactory(), PersonFactory()
    start = timezone.make_aware(dt.datetime(2026, 11, 20, 10))
    activity = activity_services.activity_create(
        user=None,
        data={"title": "Eine-Welt-Forum", "kind": "meeting", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[
            activity_services.ParticipantSpec(role="participant", actor_id=actor.pk),
            activity_services.ParticipantSpec(role="participant", person_id=person.pk),
        ],
    )

    services.followup_create(
        user=coordinator, title="Einladung", due_date=TODAY, assignee=coordinator, activity=activity
    )

    change = _only(ChangeKind.FOLLOWUP_CREATED)
    assert change.audience == Audience.STAFF
    assert _subjects(change) == ({actor.pk}, {person.pk})


def test_a_follow_up_on_a_coordination_only_contact_is_for_the_coordination(coordinator):
    interaction = services.interaction_create(user=coordinator, data=_data(visibility="coordination"))
    services.followup_create(
        user=coordinator, title="Rückruf", due_date=TODAY, assignee=coordinator, interaction=interaction
    )
    assert _only(ChangeKind.FOLLOWUP_CREATED).audience == Audience.COORDINATION
