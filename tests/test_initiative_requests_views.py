"""„Wir möchten mitwirken": an actor's editor offers their actor on a public initiative, the
coordination accepts or declines, and the editor sees the answer on the public page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import Involvement, ParticipationRequest, RequestStatus, Stakeholder
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Wir bringen unsere Schulpartnerschaft mit Kongoussi ein."


@pytest.fixture
def initiative(coordinator):
    return services.initiative_create(
        user=coordinator,
        data={
            "title": "Klimapartnerschaft Kongoussi, dritte Phase",
            "public": True,
            "decision_date": timezone.localdate() + dt.timedelta(days=120),
        },
    )


@pytest.fixture
def verein(db):
    return ActorFactory(name="Burkina-Verein Ludwigsburg")


@pytest.fixture
def editor(verein):
    user = UserFactory(username="burkina-verein", role=Role.ACTOR_EDITOR)
    user.edited_actors.add(verein)
    return user


@pytest.fixture
def offer(initiative, verein, editor):
    return services.participation_request(user=editor, initiative=initiative, actor=verein, message=MESSAGE)


def _request(client, initiative, message=MESSAGE):
    return client.post(reverse("initiatives:request", args=[initiative.pk]), {"message": message})


def _answer(client, offer, **data):
    return client.post(reverse("initiatives:request_answer", args=[offer.pk]), data, follow=True)


# --- the editor offers ---------------------------------------------------------------------------


def test_an_editor_offers_their_actor_and_the_offer_is_recorded(client, initiative, verein, editor):
    client.force_login(editor)

    response = _request(client, initiative)

    assert response.status_code == 302
    offer = ParticipationRequest.objects.get()
    assert (offer.actor, offer.status, offer.message, offer.requested_by) == (
        verein,
        RequestStatus.OPEN,
        MESSAGE,
        editor,
    )
    assert Change.objects.filter(kind=ChangeKind.PARTICIPATION_REQUESTED, record_id=offer.pk).count() == 1


def test_a_second_offer_while_one_is_open_is_refused_in_german(client, initiative, editor):
    client.force_login(editor)
    _request(client, initiative)

    again = _request(client, initiative)

    assert again.status_code == 422
    assert "schon eine offene Anfrage" in again.content.decode()
    assert ParticipationRequest.objects.count() == 1


@pytest.mark.parametrize("message", ["", "   "], ids=["empty", "blank"])
def test_an_offer_without_a_message_is_refused(client, initiative, editor, message):
    client.force_login(editor)

    response = _request(client, initiative, message)

    assert response.status_code == 422
    assert not ParticipationRequest.objects.exists()


# --- the coordination answers --------------------------------------------------------------------


def test_accepting_an_offer_makes_the_actor_a_stakeholder_who_collaborates(
    client, coordinator, initiative, verein, offer
):
    client.force_login(coordinator)

    response = _answer(client, offer, decision="accept")

    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.status == RequestStatus.ACCEPTED
    stakeholder = Stakeholder.objects.get(initiative=initiative, actor=verein)
    assert stakeholder.planned == Involvement.COLLABORATE


def test_answering_an_offer_twice_adds_no_second_stakeholder_and_says_so(client, coordinator, initiative, offer):
    client.force_login(coordinator)
    _answer(client, offer, decision="accept")

    again = _answer(client, offer, decision="accept")

    assert again.status_code == 200
    assert "schon beantwortet" in again.content.decode()
    assert Stakeholder.objects.filter(initiative=initiative).count() == 1


def test_declining_an_offer_adds_no_stakeholder(client, coordinator, initiative, offer):
    client.force_login(coordinator)

    _answer(client, offer, decision="decline")

    offer.refresh_from_db()
    assert offer.status == RequestStatus.DECLINED
    assert not Stakeholder.objects.filter(initiative=initiative).exists()


@pytest.mark.parametrize("data", [{}, {"decision": "vielleicht"}], ids=["missing", "unknown"])
def test_an_answer_without_a_decision_changes_nothing(client, coordinator, initiative, offer, data):
    client.force_login(coordinator)

    response = _answer(client, offer, **data)

    assert "Bitte „Aufnehmen“ oder „Ablehnen“ wählen." in response.content.decode()
    offer.refresh_from_db()
    assert (offer.status, offer.answered_at) == (RequestStatus.OPEN, None)
    assert not Stakeholder.objects.filter(initiative=initiative).exists()
    assert not Change.objects.filter(kind=ChangeKind.PARTICIPATION_ANSWERED).exists()


@pytest.mark.parametrize(("decision", "status"), [("accept", "angenommen"), ("decline", "abgelehnt")])
def test_the_editor_sees_the_answer_on_the_public_page(
    client, coordinator, initiative, offer, editor, decision, status
):
    client.force_login(coordinator)
    _answer(client, offer, decision=decision, answer="Wir melden uns zur Steuerungsgruppe.")
    client.force_login(editor)

    html = client.get(initiative.get_absolute_url()).content.decode()

    assert f"Burkina-Verein Ludwigsburg: <strong>{status}</strong>" in html
    assert "Wir melden uns zur Steuerungsgruppe." in html


def test_an_actor_already_on_the_list_is_not_offered_again(client, coordinator, initiative, verein, editor):
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=verein)
    client.force_login(editor)

    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Anfrage senden" not in page
    assert "ist beteiligt" in page

    response = client.post(reverse("initiatives:request", args=[initiative.pk]), {"message": "Wir wollen mehr tun."})
    assert response.status_code == 422
    assert not ParticipationRequest.objects.exists()
