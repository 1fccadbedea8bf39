"""A record's Verlauf, restoring a field, and the coordination's change feed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.actors.models import Actor
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.changes.services import atomic, record
from tests.factories import ActorFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(user, actor, kind=ChangeKind.ACTOR_UPDATED, **kwargs):
    with atomic():
        return record(user=user, kind=kind, record=actor, **kwargs)


def _history(client, actor, **query):
    return client.get(reverse("history:record", args=["akteur", actor.pk]), query)


@pytest.fixture
def erika(db):
    from knotenpunkt.accounts.models import Role

    return UserFactory(username="erika", first_name="Erika", last_name="Beispiel", role=Role.COORDINATOR)


def test_it_says_in_plain_german_who_changed_what(client, erika, actor_a):
    _record(erika, actor_a, fields={"description": {"old": "Alt", "new": "Neu"}})
    client.force_login(erika)
    page = _history(client, actor_a).content.decode()
    assert "Erika Beispiel hat die Beschreibung geändert." in page
    assert "Alt" in page and "Neu" in page


def test_it_names_labels_not_codes_for_choices_and_relations(client, erika, actor_a):
    theme = ThemeFactory(name_de="Fairer Handel")
    _record(
        erika,
        actor_a,
        fields={"kind": {"old": "association", "new": "initiative"}, "themes": {"old": [], "new": [theme.pk]}},
    )
    client.force_login(erika)
    page = _history(client, actor_a).content.decode()
    assert "Verein" in page and "Initiative" in page and "Fairer Handel" in page
    assert "hat die Art und die Themen geändert." in page


def test_changes_touching_the_actor_appear_with_their_label(client, erika, actor_a, actor_b):
    _record(erika, actor_b, kind=ChangeKind.TIE_CREATED, actors=[actor_a.pk], label="Kooperation: A – B")
    client.force_login(erika)
    assert "hat eine Beziehung angelegt: Kooperation: A – B." in _history(client, actor_a).content.decode()


def test_city_staff_see_no_coordination_only_rows(client, coordinator, city_staff, actor_a, actor_b):
    touching = {"actors": [actor_a.pk], "audience": Audience.COORDINATION}
    _record(coordinator, actor_b, kind=ChangeKind.INTERACTION_CREATED, label="Geheim", **touching)
    touching["audience"] = Audience.STAFF
    _record(coordinator, actor_b, kind=ChangeKind.INTERACTION_UPDATED, label="Für alle", **touching)
    client.force_login(city_staff)
    page = _history(client, actor_a).content.decode()
    assert "Für alle" in page and "Geheim" not in page
    client.force_login(coordinator)
    assert "Geheim" in _history(client, actor_a).content.decode()


def test_editors_see_their_actors_history_but_not_the_contact_log(client, coordinator, editor_a, actor_a, actor_b):
    _record(coordinator, actor_a, fields={"city": {"old": "", "new": "Ludwigsburg"}})
    contact = {"kind": ChangeKind.INTERACTION_CREATED, "audience": Audience.STAFF, "actors": [actor_a.pk]}
    _record(coordinator, actor_b, label="Telefonat", **contact)
    client.force_login(editor_a)
    page = _history(client, actor_a).content.decode()
    assert "Ludwigsburg" in page and "Telefonat" not in page
    assert "wiederherstellen" not in page


def test_others_and_visitors_get_no_history(client, editor_b, actor_a, actor_b):
    client.force_login(editor_b)
    assert _history(client, actor_a).status_code == 404
    client.logout()
    assert _history(client, actor_b).status_code == 302


def test_an_empty_history_says_what_will_appear(client, coordinator, actor_a):
    client.force_login(coordinator)
    assert "Noch kein Verlauf" in _history(client, actor_a).content.decode()


def test_a_coordinator_restores_a_field_and_the_restore_is_recorded(client, coordinator):
    from knotenpunkt.actors.services import actor_update

    actor = ActorFactory(description="Erste Fassung")
    actor = actor_update(user=coordinator, actor=actor, data={"description": "Verunglückt"}, expected_version=1)
    change = Change.objects.get(record_id=actor.pk, kind=ChangeKind.ACTOR_UPDATED)
    client.force_login(coordinator)
    url = reverse("history:restore", args=[change.pk])
    response = client.post(url, {"field": "description"}, follow=True)
    assert "hat wieder den Wert" in response.content.decode()
    actor.refresh_from_db()
    assert actor.description == "Erste Fassung"
    restore = Change.objects.filter(record_id=actor.pk).order_by("-id").first()
    assert restore.data["restored_from"] == change.pk
    assert restore.fields["description"] == {"old": "Verunglückt", "new": "Erste Fassung"}
    assert "hat die Beschreibung wiederhergestellt" in response.content.decode()
    # The same submit again changes nothing and records nothing.
    client.post(url, {"field": "description"})
    assert Change.objects.filter(record_id=actor.pk).count() == 2


def test_restoring_a_field_the_change_did_not_touch_is_refused(client, coordinator):
    actor = ActorFactory(description="Bleibt")
    change = _record(coordinator, actor, fields={"city": {"old": "Stuttgart", "new": ""}})
    client.force_login(coordinator)
    response = client.post(reverse("history:restore", args=[change.pk]), {"field": "description"}, follow=True)
    assert "lässt sich hier nicht wiederherstellen" in response.content.decode()
    assert Actor.objects.get(pk=actor.pk).description == "Bleibt"


def test_a_restore_the_service_refuses_shows_why(client, coordinator):
    taken = ActorFactory(name="Weltladen Ludwigsburg")
    actor = ActorFactory(name="Anderer Name")
    change = _record(coordinator, actor, fields={"slug": {"old": taken.slug, "new": actor.slug}})
    client.force_login(coordinator)
    response = client.post(reverse("history:restore", args=[change.pk]), {"field": "slug"}, follow=True)
    assert response.status_code == 200
    assert "nicht wiederherstellen" in response.content.decode()


def test_the_feed_filters_by_kind_person_record_type_and_date(client, erika, coordinator, actor_a):
    _record(erika, actor_a, label="Von Erika")
    _record(coordinator, actor_a, kind=ChangeKind.TIE_DELETED, label="Alte Beziehung")
    old = _record(coordinator, actor_a, kind=ChangeKind.ACTOR_CREATED, label="Ganz alt")
    Change.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=30))
    client.force_login(coordinator)
    feed = reverse("history:feed")

    def shown(**query):
        page = client.get(feed, query).content.decode()
        return {label for label in ("Von Erika", "Alte Beziehung", "Ganz alt") if label in page}

    assert shown() == {"Von Erika", "Alte Beziehung", "Ganz alt"}
    assert shown(kind=ChangeKind.TIE_DELETED) == {"Alte Beziehung"}
    assert shown(user=erika.pk) == {"Von Erika"}
    assert shown(record_type="actors.actor") == {"Von Erika", "Alte Beziehung", "Ganz alt"}
    assert shown(record_type="network.tie") == set()
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert shown(date_from=week_ago) == {"Von Erika", "Alte Beziehung"}


def test_a_bad_filter_is_reported_not_a_500(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("history:feed"), {"date_from": "2026-12-06", "date_to": "2026-01-01", "kind": "x"})
    assert response.status_code == 200
    assert "Bitte prüfen Sie die Filter." in response.content.decode()


def test_the_feed_answers_htmx_with_its_results_only(client, coordinator, actor_a):
    _record(coordinator, actor_a, label="Im Feed")
    client.force_login(coordinator)
    response = client.get(reverse("history:feed"), HTTP_HX_REQUEST="true")
    assert "Im Feed" in response.content.decode() and "<html" not in response.content.decode()


# --- ties, listings, introductions and persons have a Verlauf too --------------------------------


def _tie(coordinator, actor_a, actor_b):
    from knotenpunkt.network.services import tie_create, tie_update

    tie = tie_create(user=coordinator, source=actor_a, target=actor_b, kind="cooperation", note="Erste Notiz")
    return tie_update(user=coordinator, tie=tie, data={"note": "Zweite Notiz"}, expected_version=tie.version)


def _listing(coordinator, actor_a, actor_b):
    from knotenpunkt.synergies import listings

    listing = listings.listing_create(
        user=coordinator,
        actor=actor_a,
        data={"direction": "offer", "category": "rooms", "title": "Saal für 80 Personen"},
    )
    return listings.listing_update(
        user=coordinator, listing=listing, data={"title": "Saal für 100 Personen"}, expected_version=listing.version
    )


def _person(coordinator, actor_a, actor_b):
    from knotenpunkt.actors import people

    person = people.person_create(user=coordinator, data={"first_name": "Erika", "last_name": "Beispiel"})
    return people.person_update(user=coordinator, person=person, data={"phone": "07141 1"}, expected_version=1)


@pytest.mark.parametrize(
    ("slug", "make", "sentence", "restorable_field"),
    [
        ("beziehung", _tie, "hat die Notiz geändert", "note"),
        ("angebot", _listing, "hat den Titel geändert", "title"),
        ("person", _person, "hat das Telefon (privat) geändert", "phone"),
    ],
)
def test_ties_listings_and_persons_have_a_verlauf_with_restore(
    client, coordinator, actor_a, actor_b, slug, make, sentence, restorable_field
):
    record_ = make(coordinator, actor_a, actor_b)
    client.force_login(coordinator)
    page = client.get(reverse("history:record", args=[slug, record_.pk])).content.decode()
    assert sentence in page
    assert f'name="field" value="{restorable_field}"' in page


def test_an_introductions_verlauf_is_titled_by_its_two_actors(client, coordinator, actor_a, actor_b):
    from knotenpunkt.synergies import introductions

    intro = introductions.introduction_propose(user=coordinator, actor=actor_a, partner=actor_b, note="Passt")
    client.force_login(coordinator)
    page = client.get(reverse("history:record", args=["vermittlung", intro.pk])).content.decode()
    assert f"Verlauf: {actor_a.name} ↔ {actor_b.name}" in page or f"Verlauf: {actor_b.name} ↔ {actor_a.name}" in page


@pytest.mark.parametrize("persona", ["city_staff", "editor_b"])
def test_a_persons_verlauf_is_for_the_coordination_only(client, request, coordinator, actor_a, actor_b, persona):
    person = _person(coordinator, actor_a, actor_b)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("history:record", args=["person", person.pk])).status_code == 404


def test_a_ties_verlauf_is_hidden_from_outsiders(client, coordinator, editor_b, actor_a, actor_b):
    tie = _tie(coordinator, actor_a, ActorFactory(name="Dritter Verein"))
    client.force_login(editor_b)
    assert client.get(reverse("history:record", args=["beziehung", tie.pk])).status_code == 404


def test_a_contacts_verlauf_shows_its_follow_ups_even_deleted_ones(client, coordinator, actor_a):
    from knotenpunkt.interactions import services as interaction_services

    contact = interaction_services.interaction_create(
        user=coordinator,
        data={"date": timezone.localdate(), "channel": "phone", "summary": "Anruf", "actors": [actor_a]},
        followup={"title": "Angebot schicken", "due_date": timezone.localdate(), "assignee": coordinator},
    )
    followup = contact.followups.get()
    interaction_services.followup_complete(user=coordinator, followup=followup)
    other = interaction_services.interaction_create(
        user=coordinator,
        data={"date": timezone.localdate(), "channel": "phone", "summary": "Anderes", "actors": [actor_a]},
        followup={"title": "Fremde Aufgabe", "due_date": timezone.localdate(), "assignee": coordinator},
    )
    interaction_services.followup_delete(user=coordinator, followup=followup)
    client.force_login(coordinator)
    page = client.get(reverse("history:record", args=["kontakt", contact.pk])).content.decode()
    assert "hat eine Wiedervorlage angelegt" in page
    assert "hat eine Wiedervorlage erledigt" in page
    assert "hat eine Wiedervorlage gelöscht" in page
    assert "Fremde Aufgabe" not in page and other.pk
