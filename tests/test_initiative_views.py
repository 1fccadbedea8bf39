"""Initiative pages: create and edit, the internal and the public page, the stakeholder section via
htmx (add, move, edit a row, remove), proposals and „Wer fehlt?", links and contacts, the lists.

„Wir möchten mitwirken" is in test_initiative_requests_views.py.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.activities.services import ParticipantSpec, activity_create
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.initiatives import services
from knotenpunkt.initiatives.models import Initiative, InitiativeLink, Involvement, Stakeholder
from knotenpunkt.interactions.models import Interaction
from tests.factories import ActorFactory, InteractionFactory, ThemeFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TITLE = "Klimapartnerschaft Kongoussi, dritte Phase"
PARTNER = "Burkina-Verein Ludwigsburg"


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def _initiative(coordinator, **data) -> Initiative:
    return services.initiative_create(user=coordinator, data={"title": TITLE, **data})


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def planned(coordinator, department):
    """A public initiative led by the department, with one stakeholder of high influence."""
    initiative = _initiative(coordinator, public=True, lead=department, decision_date=_days(120))
    stakeholder = services.stakeholder_add(
        user=coordinator,
        initiative=initiative,
        actor=ActorFactory(name=PARTNER),
        data={"influence": 5, "interest": 4},
    )
    return initiative, stakeholder


def _unchanged(stakeholder) -> bool:
    """The row as the fixture left it: nothing a refused request could have changed."""
    stored = Stakeholder.objects.get(pk=stakeholder.pk)
    return (stored.influence, stored.interest, stored.reached, stored.version) == (5, 4, Involvement.NONE, 1)


# --- create and edit -------------------------------------------------------------------------------


def test_a_coordinator_creates_an_initiative_and_lands_on_its_page(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:create"),
        {"title": "Fairtrade-Town erneuern", "phase": "idea", "decision_date": str(_days(200))},
    )

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    assert Change.objects.filter(kind=ChangeKind.INITIATIVE_CREATED, record_id=initiative.pk).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"planning_from": str(_days(60)), "decision_from": str(_days(30))},
            "Die Phasen müssen in ihrer Reihenfolge beginnen.",
        ),
        ({"decision_date": str(_days(-1))}, "Der Beschlusstermin liegt in der Vergangenheit."),
        ({"budget": "-5"}, "Das Budget kann nicht negativ sein."),
        ({"countries": ["XX"]}, "XX ist keine gültige Auswahl"),
    ],
    ids=["phases_out_of_order", "decision_in_the_past", "negative_budget", "unknown_country"],
)
def test_bad_input_answers_422_in_german_and_saves_nothing(client, coordinator, data, message):
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:create"), {"title": "Fairtrade-Town erneuern", "phase": "idea", **data})

    assert response.status_code == 422
    assert message in _html(response)
    assert not Initiative.objects.exists()
    assert not Change.objects.filter(kind=ChangeKind.INITIATIVE_CREATED).exists()


def _edit_data(initiative, **overrides) -> dict:
    return {
        "title": initiative.title,
        "phase": initiative.phase,
        "decision_date": str(initiative.decision_date),
        "version": initiative.version,
        **overrides,
    }


def test_editing_a_stale_version_answers_409_with_the_conflict_and_changes_nothing(client, coordinator):
    initiative = _initiative(coordinator, decision_date=_days(200))
    loaded = _edit_data(initiative)  # the form as it was loaded, at version 1
    services.initiative_update(user=coordinator, initiative=initiative, data={"council_paper": "DS 2026/17"})
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:edit", args=[initiative.pk]), {**loaded, "title": "Klimapartnerschaft, neu"}
    )

    assert response.status_code == 409
    assert "Jemand anderes hat dieses Vorhaben inzwischen geändert" in _html(response)
    stored = Initiative.objects.get()
    assert (stored.title, stored.council_paper, stored.version) == (TITLE, "DS 2026/17", 2)


def test_an_edit_that_changes_nothing_keeps_the_version(client, coordinator):
    initiative = _initiative(coordinator, decision_date=_days(200))
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:edit", args=[initiative.pk]), _edit_data(initiative))

    assert response.status_code == 302
    assert Initiative.objects.get().version == 1
    assert not Change.objects.filter(kind=ChangeKind.INITIATIVE_UPDATED).exists()


# --- the internal and the public page ----------------------------------------------------------------


@pytest.mark.parametrize("reader", ["coordinator", "city_staff"])
def test_internal_readers_see_the_grid_chips_and_the_table(client, request, planned, reader):
    initiative, stakeholder = planned
    client.force_login(request.getfixturevalue(reader))

    html = _html(client.get(initiative.get_absolute_url()))

    assert re.search(rf'class="grid-chip reached-none"[^>]*>{PARTNER}<', html)
    assert f'id="beteiligt-{stakeholder.pk}"' in html
    assert "Beteiligte als Tabelle" in html


def test_a_visitor_sees_the_public_page_without_stakeholders_or_their_influence(client, planned):
    initiative, _stakeholder = planned

    response = client.get(initiative.get_absolute_url())

    html = _html(response)
    assert response.status_code == 200
    assert TITLE in html
    assert PARTNER not in html
    assert "grid-chip" not in html
    assert "Einfluss" not in html


@pytest.mark.parametrize("visitor", ["anonymous", "editor_a"])
def test_an_internal_initiative_is_a_404_for_visitors_and_actor_editors(client, request, coordinator, visitor):
    initiative = _initiative(coordinator)
    if visitor != "anonymous":
        client.force_login(request.getfixturevalue(visitor))

    assert client.get(initiative.get_absolute_url()).status_code == 404


# --- adding a stakeholder ----------------------------------------------------------------------------


def test_accepting_a_proposal_via_htmx_answers_the_section_and_asks_for_new_proposals(
    client, coordinator, planned, actor_a
):
    initiative, _stakeholder = planned
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:stakeholder_add", args=[initiative.pk]), {"actor": actor_a.pk, "source": "theme"}, **HTMX
    )

    html = _html(response)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "stakeholders-changed"
    assert 'id="stakeholders"' in html
    assert "<body" not in html
    assert Stakeholder.objects.get(initiative=initiative, actor=actor_a).source == "theme"


def test_accepting_the_same_actor_twice_answers_the_german_error_and_keeps_one_row(
    client, coordinator, planned, actor_a
):
    initiative, _stakeholder = planned
    client.force_login(coordinator)
    url = reverse("initiatives:stakeholder_add", args=[initiative.pk])
    client.post(url, {"actor": actor_a.pk, "source": "theme"}, **HTMX)

    again = client.post(url, {"actor": actor_a.pk, "source": "theme"}, **HTMX)

    assert again.status_code == 200
    assert "schon an dem Vorhaben beteiligt" in _html(again)
    assert Stakeholder.objects.filter(initiative=initiative, actor=actor_a).count() == 1


def test_without_htmx_adding_redirects_to_the_stakeholder_section(client, coordinator, planned, actor_a):
    initiative, _stakeholder = planned
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:stakeholder_add", args=[initiative.pk]), {"actor": actor_a.pk, "source": "theme"}
    )

    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url() + "#beteiligte"
    assert Stakeholder.objects.filter(initiative=initiative, actor=actor_a).exists()


# --- the grid and the row ----------------------------------------------------------------------------


def test_moving_on_the_grid_saves_the_place_and_keeps_the_focus_on_the_chip(client, coordinator, planned):
    stakeholder = planned[1]
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:stakeholder_move", args=[stakeholder.pk]),
        {"influence": 1, "interest": 5, "version": stakeholder.version},
        **HTMX,
    )

    assert response.status_code == 200
    assert f'data-focus="{stakeholder.pk}"' in _html(response)
    stored = Stakeholder.objects.get(pk=stakeholder.pk)
    assert (stored.influence, stored.interest, stored.version) == (1, 5, 2)


def test_moving_a_stale_chip_answers_the_conflict_and_changes_nothing(client, coordinator, planned):
    stakeholder = planned[1]
    services.stakeholder_update(user=coordinator, stakeholder=stakeholder, data={"role": "Mitträger"})
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:stakeholder_move", args=[stakeholder.pk]),
        {"influence": 1, "interest": 1, "version": 1},
        **HTMX,
    )

    assert "wurde inzwischen von jemand anderem geändert" in _html(response)
    stored = Stakeholder.objects.get(pk=stakeholder.pk)
    assert (stored.influence, stored.interest, stored.version) == (5, 4, 2)


@pytest.mark.parametrize("influence", [0, 6, "x"])
def test_a_place_off_the_grid_is_refused_in_german(client, coordinator, planned, influence):
    stakeholder = planned[1]
    client.force_login(coordinator)

    response = client.post(
        reverse("initiatives:stakeholder_move", args=[stakeholder.pk]),
        {"influence": influence, "interest": 3, "version": stakeholder.version},
        **HTMX,
    )

    assert "Einfluss und Interesse liegen zwischen 1 und 5." in _html(response)
    assert _unchanged(stakeholder)


def test_a_row_that_reached_inform_without_a_day_is_refused_in_german(client, coordinator, planned):
    stakeholder = planned[1]
    client.force_login(coordinator)
    row = {
        "role": "",
        "influence": 5,
        "interest": 4,
        "planned": "consult",
        "reached": "inform",
        "first_involved": "",
        "first_involved_how": "",
        "version": stakeholder.version,
    }

    response = client.post(
        reverse("initiatives:stakeholder_update", args=[stakeholder.pk]),
        {f"s{stakeholder.pk}-{name}": value for name, value in row.items()},
        **HTMX,
    )

    assert "Bitte angeben, seit wann der Akteur einbezogen ist." in _html(response)
    assert _unchanged(stakeholder)


@pytest.mark.parametrize(("headers", "follow"), [(HTMX, False), ({}, True)], ids=["htmx", "plain"])
def test_removing_twice_answers_a_notice_not_an_error_page(client, coordinator, planned, headers, follow):
    initiative, stakeholder = planned
    client.force_login(coordinator)
    url = reverse("initiatives:stakeholder_remove", args=[stakeholder.pk])
    client.post(url, {"initiative": initiative.pk}, **headers)

    again = client.post(url, {"initiative": initiative.pk}, follow=follow, **headers)

    assert again.status_code == 200
    assert "schon entfernt" in _html(again)
    assert not Stakeholder.objects.filter(initiative=initiative).exists()


# --- proposals and „Wer fehlt?" ------------------------------------------------------------------


def test_the_proposals_name_their_reasons_and_what_is_missing(client, coordinator):
    climate = ThemeFactory(name_de="Klimaschutz")
    initiative = _initiative(coordinator, themes=[climate])
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=ActorFactory(name="Weltladen"))
    proposed = ActorFactory(name=PARTNER)
    proposed.themes.add(climate)
    client.force_login(coordinator)

    response = client.get(reverse("initiatives:proposals", args=[initiative.pk]))

    html = _html(response)
    assert response.status_code == 200
    assert PARTNER in html
    assert "arbeitet zu Klimaschutz" in html
    assert f'name="actor" value="{proposed.pk}"' in html
    assert "keine städtische Dienststelle" in html


# --- links and contacts --------------------------------------------------------------------------


@pytest.fixture
def past_meeting(coordinator, planned):
    stakeholder = planned[1]
    start = timezone.now() - dt.timedelta(days=10)
    return activity_create(
        user=coordinator,
        data={"title": "Steuerungsgruppe", "start": start, "end": start + dt.timedelta(hours=2)},
        participants=[ParticipantSpec(role="participant", actor_id=stakeholder.actor_id)],
    )


def test_linking_a_past_activity_involves_its_stakeholders_from_that_day(client, coordinator, planned, past_meeting):
    initiative, stakeholder = planned
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:link", args=[initiative.pk]), {"activity": past_meeting.pk})

    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.first_involved == timezone.localdate(past_meeting.start)
    assert stakeholder.reached == Involvement.INFORM


def test_linking_an_earlier_contact_involves_its_stakeholders_from_that_day(client, coordinator, planned):
    initiative, stakeholder = planned
    contact = InteractionFactory(date=_days(-5), actors=[stakeholder.actor])
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:link", args=[initiative.pk]), {"interaction": contact.pk})

    assert response.status_code == 302
    assert InitiativeLink.objects.filter(initiative=initiative, interaction=contact).exists()
    stakeholder.refresh_from_db()
    assert stakeholder.first_involved == _days(-5)


def test_linking_an_activity_twice_is_refused_in_german_and_keeps_one_link(client, coordinator, planned, past_meeting):
    initiative, _stakeholder = planned
    client.force_login(coordinator)
    url = reverse("initiatives:link", args=[initiative.pk])
    client.post(url, {"activity": past_meeting.pk})

    again = client.post(url, {"activity": past_meeting.pk})

    assert again.status_code == 422
    assert "schon mit dem Vorhaben verknüpft" in _html(again)
    assert InitiativeLink.objects.filter(initiative=initiative).count() == 1


@pytest.mark.parametrize("chosen", [(), ("activity", "interaction")], ids=["neither", "two"])
def test_a_link_needs_exactly_one_target(client, coordinator, planned, past_meeting, chosen):
    initiative, stakeholder = planned
    contact = InteractionFactory(date=_days(-5), actors=[stakeholder.actor])
    targets = {"activity": past_meeting.pk, "interaction": contact.pk}
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:link", args=[initiative.pk]), {name: targets[name] for name in chosen})

    assert response.status_code == 422
    assert "Bitte genau einen" in _html(response)
    assert not InitiativeLink.objects.exists()


def _contact(stakeholder, **overrides) -> dict:
    return {
        "date": str(_days(-4)),
        "channel": "meeting",
        "summary": "Abstimmung zur dritten Phase",
        "visibility": "staff",
        "actors": [stakeholder.actor_id],
        **overrides,
    }


def test_a_contact_recorded_from_the_initiative_is_linked_and_involves_the_stakeholder(client, coordinator, planned):
    initiative, stakeholder = planned
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:contact", args=[initiative.pk]), _contact(stakeholder))

    assert response.status_code == 302
    contact = Interaction.objects.get()
    assert (contact.summary, contact.date) == ("Abstimmung zur dritten Phase", _days(-4))
    assert InitiativeLink.objects.filter(initiative=initiative, interaction=contact).exists()
    stakeholder.refresh_from_db()
    assert stakeholder.first_involved == _days(-4)


def test_an_invalid_contact_answers_422_and_records_and_links_nothing(client, coordinator, planned):
    initiative, stakeholder = planned
    client.force_login(coordinator)

    response = client.post(reverse("initiatives:contact", args=[initiative.pk]), _contact(stakeholder, summary=""))

    assert response.status_code == 422
    assert not Interaction.objects.exists()
    assert not InitiativeLink.objects.exists()


# --- the lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("public", "days", "reminded"),
    [(False, 30, True), (False, 200, False), (True, 30, False)],
    ids=["internal_decided_soon", "internal_decided_later", "public"],
)
def test_the_internal_list_reminds_of_the_vorhabenliste_before_a_near_decision(
    client, coordinator, public, days, reminded
):
    _initiative(coordinator, public=public, decision_date=_days(days))
    client.force_login(coordinator)

    html = _html(client.get(reverse("initiatives:list")))

    assert TITLE in html
    assert ("Noch nicht in der Vorhabenliste" in html) is reminded


def test_the_vorhabenliste_shows_public_initiatives_ahead_of_their_decision_first(client, coordinator):
    _initiative(coordinator, title="Intern: Haushaltsplanung", decision_date=_days(30))
    _initiative(coordinator, title="Fairtrade-Town erneuern", public=True, phase="planning", decision_date=_days(150))
    _initiative(coordinator, title="Solarschule Kongoussi", public=True, phase="implementation")
    _initiative(coordinator, title="Afrikatag auswerten", public=True, phase="evaluation")

    html = _html(client.get(reverse("initiatives:public_list")))

    assert "Intern: Haushaltsplanung" not in html
    ahead, decided = html.split("Beschlossen und in Umsetzung")
    assert "In Planung" in ahead
    assert "Fairtrade-Town erneuern" in ahead
    assert "Solarschule Kongoussi" in decided
    assert "Afrikatag auswerten" in decided


def test_the_history_of_an_initiative_shows_its_stakeholders_changes_even_after_removal(client, coordinator, planned):
    initiative, stakeholder = planned
    services.stakeholder_update(user=coordinator, stakeholder=stakeholder, data={"role": "Mitträger"})
    services.stakeholder_remove(user=coordinator, stakeholder=stakeholder)
    client.force_login(coordinator)

    page = client.get(reverse("history:record", args=["vorhaben", initiative.pk])).content.decode()

    assert "das Vorhaben angelegt" in page
    assert page.count(stakeholder.actor.name) >= 3  # added, changed, removed
    assert "einen Beteiligten entfernt" in page


def test_deleting_an_initiative_removes_its_list_and_is_recorded_in_its_actors_histories(client, coordinator, planned):
    initiative, stakeholder = planned
    client.force_login(coordinator)
    url = reverse("initiatives:delete", args=[initiative.pk])
    assert "1 Beteiligter" in client.get(url).content.decode()

    first = client.post(url)
    again = client.post(url, follow=True)

    assert first.status_code == 302
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    assert not Stakeholder.objects.filter(pk=stakeholder.pk).exists()
    change = Change.objects.get(kind=ChangeKind.INITIATIVE_DELETED)
    assert change.data["values"]["stakeholders"] == [stakeholder.actor_id]
    assert set(change.subjects.values_list("subject_id", flat=True)) >= {stakeholder.actor_id}
    assert "Das Vorhaben war schon gelöscht." in again.content.decode()
    assert Change.objects.filter(kind=ChangeKind.INITIATIVE_DELETED).count() == 1


def test_an_actors_editor_does_not_read_initiatives_in_the_actors_history(client, coordinator, editor_a, actor_a):
    initiative = _initiative(coordinator, title="Geheimes Vorhaben Z")
    services.stakeholder_add(user=coordinator, initiative=initiative, actor=actor_a, data={"role": "Störenfried"})
    client.force_login(editor_a)

    page = client.get(reverse("history:record", args=["akteur", actor_a.pk])).content.decode()

    assert "Geheimes Vorhaben Z" not in page and "Störenfried" not in page


@pytest.mark.parametrize(
    ("name", "data"),
    [("stakeholder_add", {"actor": "²"}), ("stakeholder_remove", {"initiative": "²"})],
)
def test_digits_that_are_not_ascii_are_not_ids(client, coordinator, planned, name, data):
    initiative, stakeholder = planned
    client.force_login(coordinator)
    pk = initiative.pk if name == "stakeholder_add" else stakeholder.pk + 1000
    response = client.post(reverse(f"initiatives:{name}", args=[pk]), data, headers={"HX-Request": "true"})
    assert response.status_code in (200, 404)
    assert client.get(reverse("initiatives:contact", args=[initiative.pk]), {"actor": "²"}).status_code == 200
