"""The back office saves through the same services as the app."""

import pytest

from knotenpunkt.actors.models import Actor
from knotenpunkt.network.models import Tie
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def test_a_tie_added_in_the_admin_counts_for_both_actors(client, coordinator):
    source, target = ActorFactory(), ActorFactory()
    client.force_login(coordinator)
    response = client.post(
        "/admin/network/tie/add/",
        {"source": source.pk, "target": target.pk, "kind": "cooperation", "note": "", "public": "on"},
    )
    assert response.status_code == 302
    assert Tie.objects.filter(source=source, target=target).exists()
    assert Actor.objects.get(pk=target.pk).tie_count == 1


def test_an_actor_edited_in_the_admin_gets_a_history_row(client, coordinator, actor_a):
    client.force_login(coordinator)
    page = client.get(f"/admin/actors/actor/{actor_a.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "name": actor_a.name,
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "description": "Im Back Office geändert.",
            "country": "DE",
            "expected_version": actor_a.version,
            "published": "on",
            "countries-TOTAL_FORMS": "0",
            "countries-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("parent", None)
    response = client.post(f"/admin/actors/actor/{actor_a.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    actor_a.refresh_from_db()
    assert actor_a.description == "Im Back Office geändert."
    assert actor_a.events.filter(kind="updated").exists()


def test_a_stale_admin_form_is_refused(client, coordinator, actor_a):
    client.force_login(coordinator)
    response = client.post(
        f"/admin/actors/actor/{actor_a.pk}/change/",
        {
            "name": "Überschrieben",
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "country": "DE",
            "expected_version": actor_a.version - 1,
            "countries-TOTAL_FORMS": "0",
            "countries-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "inzwischen geändert" in response.content.decode()
    actor_a.refresh_from_db()
    assert actor_a.name != "Überschrieben"


def test_a_country_added_in_the_admin_inline_is_searchable(client, coordinator, actor_a):
    from knotenpunkt.actors.search import search_actors

    client.force_login(coordinator)
    response = client.post(
        f"/admin/actors/actor/{actor_a.pk}/change/",
        {
            "name": actor_a.name,
            "slug": actor_a.slug,
            "kind": actor_a.kind,
            "level": actor_a.level,
            "description": actor_a.description,
            "country": "DE",
            "published": "on",
            "internal_notes": actor_a.internal_notes,
            "expected_version": actor_a.version,
            "countries-TOTAL_FORMS": "1",
            "countries-INITIAL_FORMS": "0",
            "countries-0-country": "BF",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert list(search_actors(Actor.objects.all(), "Burkina")) == [actor_a]
