"""Early involvement: linking a past activity or contact involves the stakeholders among its actors;
lead times, the early share and the warnings read from that."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities.services import ParticipantSpec, activity_create
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import involvement, services
from knotenpunkt.initiatives.models import Involvement, Phase
from knotenpunkt.interactions import services as interaction_services
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def planned(coordinator):
    initiative = services.initiative_create(
        user=coordinator,
        data={"title": "Fairtrade-Town erneuern", "decision_date": dt.date(2027, 3, 1)},
        today=TODAY,
    )
    weltladen, verein, amt = (ActorFactory(name=n) for n in ("Weltladen", "Eine-Welt-Verein", "Amt"))
    stakeholders = {
        actor.name: services.stakeholder_add(
            user=coordinator, initiative=initiative, actor=actor, data={"influence": influence}
        )
        for actor, influence in ((weltladen, 5), (verein, 4), (amt, 2))
    }
    return initiative, stakeholders


def test_linking_a_past_contact_sets_the_day_first_involved(coordinator, planned):
    initiative, stakeholders = planned
    contact = interaction_services.interaction_create(
        user=coordinator,
        data={
            "date": dt.date(2026, 11, 20),
            "channel": "meeting",
            "summary": "Erstes Treffen zur Erneuerung",
            "visibility": "staff",
            "actors": [stakeholders["Weltladen"].actor],
        },
    )

    services.initiative_link(user=coordinator, initiative=initiative, interaction=contact, today=TODAY)

    weltladen = stakeholders["Weltladen"]
    weltladen.refresh_from_db()
    assert (weltladen.first_involved, weltladen.reached) == (dt.date(2026, 11, 20), Involvement.INFORM)
    assert weltladen.first_involved_how == "Kontakt (Treffen)"
    assert involvement.lead_time_days(weltladen, initiative) == 101
    linked = Change.objects.get(kind=ChangeKind.INITIATIVE_LINKED)
    assert linked.data["linked"] == "Kontakt vom 20.11.2026"
    assert "Erstes Treffen" not in str(linked.data)
    assert Change.objects.filter(kind=ChangeKind.STAKEHOLDER_UPDATED, record_id=weltladen.pk).count() == 1


def test_a_contact_only_the_office_sees_involves_by_its_day_and_says_nothing_of_it(client, coordinator, planned):
    """The stakeholder table is read by city staff too: they see the day of the involvement, not the contact's
    channel, content or existence in the timeline (the contact log keeps it for the office)."""
    initiative, stakeholders = planned
    contact = interaction_services.interaction_create(
        user=coordinator,
        data={
            "date": dt.date(2026, 11, 20),
            "channel": "phone",
            "summary": "Vertrauliches Telefonat über die Finanzierung",
            "visibility": "coordination",
            "actors": [stakeholders["Weltladen"].actor],
        },
    )
    services.initiative_link(user=coordinator, initiative=initiative, interaction=contact, today=TODAY)
    weltladen = stakeholders["Weltladen"]
    weltladen.refresh_from_db()
    assert (weltladen.first_involved, weltladen.first_involved_how) == (
        dt.date(2026, 11, 20),
        "Kontakt der Koordination",
    )

    client.force_login(UserFactory(role=Role.CITY_STAFF))
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "20.11.2026" in html and "Kontakt der Koordination" in html
    assert "Telefon" not in html and "Vertrauliches" not in html and contact.get_absolute_url() not in html


def test_an_activity_involves_its_participants_and_an_earlier_day_wins(coordinator, planned):
    initiative, stakeholders = planned
    verein = stakeholders["Eine-Welt-Verein"]
    services.stakeholder_update(
        user=coordinator,
        stakeholder=verein,
        data={"reached": Involvement.CONSULT, "first_involved": dt.date(2026, 12, 1), "first_involved_how": "Mail"},
    )
    start = timezone.make_aware(dt.datetime(2026, 10, 5, 18, 0))
    activity = activity_create(
        user=coordinator,
        data={"title": "Steuerungsgruppe", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="participant", actor_id=verein.actor_id)],
    )

    services.initiative_link(user=coordinator, initiative=initiative, activity=activity, today=TODAY)

    verein.refresh_from_db()
    assert (verein.first_involved, verein.reached) == (dt.date(2026, 10, 5), Involvement.CONSULT)
    assert verein.first_involved_how == "Termin „Steuerungsgruppe“"


def test_a_future_activity_involves_nobody_yet_and_a_second_link_is_refused(coordinator, planned):
    initiative, stakeholders = planned
    start = timezone.make_aware(dt.datetime(2027, 1, 15, 18, 0))
    activity = activity_create(
        user=coordinator,
        data={"title": "Auftakt", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="participant", actor_id=stakeholders["Weltladen"].actor_id)],
    )
    services.initiative_link(user=coordinator, initiative=initiative, activity=activity, today=TODAY)
    stakeholders["Weltladen"].refresh_from_db()
    assert stakeholders["Weltladen"].first_involved is None

    with pytest.raises(ValidationError, match="schon mit dem Vorhaben verknüpft"):
        services.initiative_link(user=coordinator, initiative=initiative, activity=activity, today=TODAY)
    assert initiative.links.count() == 1


def test_the_early_share_counts_high_influence_stakeholders_involved_before_planning_ended(coordinator, planned):
    initiative, stakeholders = planned
    assert involvement.early_share(initiative, today=TODAY).share == 0.0
    services.stakeholder_update(
        user=coordinator,
        stakeholder=stakeholders["Weltladen"],
        data={"reached": Involvement.INFORM, "first_involved": dt.date(2026, 12, 1)},
    )
    initiative = services.initiative_update(
        user=coordinator,
        initiative=initiative,
        data={"phase": Phase.DECISION, "planning_from": dt.date(2026, 9, 1), "decision_from": dt.date(2027, 1, 10)},
        today=TODAY,
    )
    share = involvement.early_share(initiative, today=TODAY)
    assert (share.involved_early, share.high_influence, share.share) == (1, 2, 0.5)
    assert involvement.warnings(initiative) == [
        "Eine-Welt-Verein hat großen Einfluss und ist noch nicht einbezogen, obwohl die Planung abgeschlossen ist."
    ]


def test_without_high_influence_stakeholders_there_is_nothing_to_measure(coordinator):
    initiative = services.initiative_create(user=coordinator, data={"title": "Leer"}, today=TODAY)
    assert involvement.early_share(initiative, today=TODAY).share is None
    assert involvement.warnings(initiative) == []


def test_a_participation_the_actor_has_not_confirmed_involves_nobody(coordinator, planned):
    from knotenpunkt.activities.models import Participation, ParticipationStatus

    initiative, stakeholders = planned
    weltladen = stakeholders["Weltladen"]
    start = timezone.make_aware(dt.datetime(2026, 10, 5, 18, 0))
    activity = activity_create(
        user=coordinator,
        data={"title": "Aktionstag", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="participant", actor_id=weltladen.actor_id)],
    )
    # Named by someone else: waiting for the Weltladen's consent (activities/participations.py).
    Participation.objects.filter(activity=activity).update(status=ParticipationStatus.REQUESTED)

    services.initiative_link(user=coordinator, initiative=initiative, activity=activity, today=TODAY)

    weltladen.refresh_from_db()
    assert weltladen.first_involved is None
