"""The back office for actors and persons saves and deletes through the services: every change is
recorded, and the reactions (tie counts, search, page cache) follow as for the app's own pages."""

import pytest
from django.contrib import admin
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.test import Client

from knotenpunkt.actors import services
from knotenpunkt.actors.models import Actor, ActorCountry, Membership, Person
from knotenpunkt.actors.search import index_actors
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from tests.factories import ActorFactory, DepartmentFactory, MembershipFactory, PersonFactory, TieFactory

pytestmark = pytest.mark.django_db


def _change_data(actor, **extra):
    """The actor's change form as posted unchanged, with no inline rows unless `extra` adds them."""
    data = {
        "name": actor.name,
        "slug": actor.slug,
        "kind": actor.kind,
        "level": actor.level,
        "description": actor.description,
        "city": actor.city,
        "country": "DE",
        "internal_notes": actor.internal_notes,
        "expected_version": actor.version,
        "countries-TOTAL_FORMS": "0",
        "countries-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    if actor.published:
        data["published"] = "on"
    data.update(extra)
    return data


def test_countries_of_the_inline_are_saved_with_the_actor_in_one_change(client, coordinator, actor_a):
    kept = ActorCountry.objects.create(actor=actor_a, country="EC")
    gone = ActorCountry.objects.create(actor=actor_a, country="PE")
    client.force_login(coordinator)
    data = _change_data(
        actor_a,
        description="Neu",
        **{
            "countries-TOTAL_FORMS": "3",
            "countries-INITIAL_FORMS": "2",
            "countries-0-id": kept.pk,
            "countries-0-actor": actor_a.pk,
            "countries-0-country": "EC",
            "countries-1-id": gone.pk,
            "countries-1-actor": actor_a.pk,
            "countries-1-country": "PE",
            "countries-1-DELETE": "on",
            "countries-2-country": "BF",
        },
    )
    response = client.post(f"/admin/actors/actor/{actor_a.pk}/change/", data)
    assert response.status_code == 302
    assert sorted(actor_a.countries.values_list("country", flat=True)) == ["BF", "EC"]
    [change] = Change.objects.for_record("actors.actor", actor_a.pk)
    assert change.fields["countries"] == {"old": ["EC", "PE"], "new": ["BF", "EC"]}
    assert set(change.fields) == {"description", "countries"}


def test_an_actor_added_in_the_admin_is_created_by_the_service(client, coordinator):
    client.force_login(coordinator)
    data = _change_data(
        Actor(name="Neuer Verein", slug="neuer-verein", kind="association", level="local", published=False),
        **{"countries-TOTAL_FORMS": "1", "countries-0-country": "BF"},
    )
    data.pop("expected_version")
    response = client.post("/admin/actors/actor/add/", data)
    assert response.status_code == 302
    actor = Actor.objects.get(slug="neuer-verein")
    [change] = Change.objects.for_record("actors.actor", actor.pk)
    assert change.kind == ChangeKind.ACTOR_CREATED
    assert change.data["values"]["countries"] == ["BF"]


def test_memberships_of_the_inline_go_through_the_membership_services(client, coordinator, actor_a):
    changed = MembershipFactory(actor=actor_a, function="Kasse")
    removed = MembershipFactory(actor=actor_a, function="Beisitz")
    newcomer = PersonFactory()
    client.force_login(coordinator)
    data = _change_data(
        actor_a,
        **{
            "memberships-TOTAL_FORMS": "3",
            "memberships-INITIAL_FORMS": "2",
            "memberships-0-id": changed.pk,
            "memberships-0-actor": actor_a.pk,
            "memberships-0-person": changed.person_id,
            "memberships-0-function": "Vorsitz",
            "memberships-1-id": removed.pk,
            "memberships-1-actor": actor_a.pk,
            "memberships-1-person": removed.person_id,
            "memberships-1-function": "Beisitz",
            "memberships-1-DELETE": "on",
            "memberships-2-person": newcomer.pk,
            "memberships-2-function": "Kasse",
        },
    )
    response = client.post(f"/admin/actors/actor/{actor_a.pk}/change/", data)
    assert response.status_code == 302
    assert sorted(Membership.objects.filter(actor=actor_a).values_list("function", flat=True)) == ["Kasse", "Vorsitz"]
    kinds = sorted(Change.objects.values_list("kind", flat=True))
    assert kinds == sorted(
        [ChangeKind.MEMBERSHIP_UPDATED, ChangeKind.MEMBERSHIP_DELETED, ChangeKind.MEMBERSHIP_CREATED]
    )
    assert Change.objects.get(kind=ChangeKind.MEMBERSHIP_UPDATED).fields == {
        "function": {"old": "Kasse", "new": "Vorsitz"}
    }


def test_publish_actions_go_through_the_service(client, coordinator, actor_b):
    client.force_login(coordinator)
    response = client.post(
        "/admin/actors/actor/", {"action": "publish_selected", "_selected_action": [actor_b.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Actor.objects.get(pk=actor_b.pk).published
    assert Change.objects.get().kind == ChangeKind.ACTOR_PUBLISHED


# --- deleting an actor -----------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-admin-pages"},
    }
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def tied_pair():
    """Two published actors with one tie, both in the search index and on the public pages."""
    doomed, partner = ActorFactory(name="Verein zum Auflösen"), ActorFactory(name="Partnerverein")
    TieFactory(source=doomed, target=partner)
    Actor.objects.filter(pk__in=[doomed.pk, partner.pk]).update(tie_count=1)
    index_actors([doomed.pk, partner.pk])
    return doomed, partner


def test_deleting_an_actor_in_the_admin_recounts_the_partner_and_refreshes_the_public_pages(
    client, coordinator, tied_pair, page_cache
):
    doomed, partner = tied_pair
    visitor = Client()
    assert doomed.name in visitor.get("/akteure/").content.decode()
    assert visitor.get("/akteure/")["X-Page-Cache"] == "hit"
    client.force_login(coordinator)

    response = client.post(f"/admin/actors/actor/{doomed.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Actor.objects.filter(pk=doomed.pk).exists()
    assert Actor.objects.get(pk=partner.pk).tie_count == 0
    directory = visitor.get("/akteure/")
    assert directory["X-Page-Cache"] == "miss"
    assert doomed.name not in directory.content.decode()
    assert doomed.name not in visitor.get(partner.get_absolute_url()).content.decode()
    kinds = list(Change.objects.touching("actor", doomed.pk).order_by("id").values_list("kind", flat=True))
    assert kinds == [ChangeKind.TIE_DELETED, ChangeKind.ACTOR_DELETED]


def test_bulk_deleting_actors_goes_through_the_service(client, coordinator, tied_pair):
    doomed, partner = tied_pair
    client.force_login(coordinator)
    response = client.post(
        "/admin/actors/actor/",
        {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Actor.objects.filter(pk=doomed.pk).exists()
    assert Actor.objects.get(pk=partner.pk).tie_count == 0
    assert Change.objects.filter(kind=ChangeKind.ACTOR_DELETED, record_id=doomed.pk).exists()


def test_the_admin_refuses_to_delete_a_department_with_units_below(client, coordinator, department):
    DepartmentFactory(name="Fachbereich Tiefbau", parent=department)
    client.force_login(coordinator)
    response = client.post(f"/admin/actors/actor/{department.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # Django's page naming the protected units
    assert "Fachbereich Tiefbau" in response.content.decode()
    assert Actor.objects.filter(pk=department.pk).exists()
    assert not Change.objects.exists()


def test_a_refusal_of_the_service_reaches_the_admin_as_a_message(client, coordinator, actor_a, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("Dieser Akteur ist noch verknüpft.")

    monkeypatch.setattr(services, "actor_delete", refuse)
    client.force_login(coordinator)
    response = client.post(f"/admin/actors/actor/{actor_a.pk}/delete/", {"post": "yes"}, follow=True)
    assert "Dieser Akteur ist noch verknüpft." in response.content.decode()
    assert Actor.objects.filter(pk=actor_a.pk).exists()
    response = client.post(
        "/admin/actors/actor/",
        {"action": "delete_selected", "_selected_action": [actor_a.pk], "post": "yes"},
        follow=True,
    )
    assert "Dieser Akteur ist noch verknüpft." in response.content.decode()
    assert Actor.objects.filter(pk=actor_a.pk).exists()


# --- persons ---------------------------------------------------------------------------------


def test_persons_are_added_and_changed_through_their_services_and_never_deleted_in_the_admin(client, coordinator):
    client.force_login(coordinator)
    fields = {"first_name": "Erika", "last_name": "Beispiel", "email": "", "phone": "", "notes": ""}
    assert client.post("/admin/actors/person/add/", fields).status_code == 302
    person = Person.objects.get(last_name="Beispiel")
    response = client.post(
        f"/admin/actors/person/{person.pk}/change/", {**fields, "phone": "07141 1", "expected_version": 1}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).version == 2
    # A person leaves only by erasure (privacy page), which also clears the history.
    assert client.post(f"/admin/actors/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()
    page = client.get(f"/admin/actors/person/{person.pk}/change/").content.decode()
    assert f'href="/datenschutz/personen/{person.pk}/"' in page
    kinds = list(Change.objects.for_record("actors.person", person.pk).order_by("id").values_list("kind", flat=True))
    assert kinds == [ChangeKind.PERSON_CREATED, ChangeKind.PERSON_UPDATED]


def test_a_stale_person_form_is_refused(client, coordinator):
    person = PersonFactory(phone="1")
    Person.objects.filter(pk=person.pk).update(version=2)
    client.force_login(coordinator)
    response = client.post(
        f"/admin/actors/person/{person.pk}/change/",
        {"first_name": "X", "last_name": person.last_name, "phone": "2", "expected_version": 1},
    )
    assert response.status_code == 200
    assert "inzwischen geändert" in response.content.decode()
    assert Person.objects.get(pk=person.pk).phone == "1"


def test_history_rows_are_not_administered_here():
    assert not any(
        model._meta.app_label == "actors" and "event" in model._meta.model_name for model in admin.site._registry
    )
