"""The anonymous page cache never serves what a change has made stale or private."""

import pytest
from django.core.cache import caches

from knotenpunkt.actors import services
from knotenpunkt.network import services as tie_services
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-pages"},
    }
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def test_second_anonymous_request_is_served_from_the_cache(client, actor_a):
    assert client.get("/akteure/")["X-Page-Cache"] == "miss"
    second = client.get("/akteure/")
    assert second["X-Page-Cache"] == "hit"
    assert actor_a.name in second.content.decode()
    assert "Cookie" in second["Vary"]


def test_unpublishing_removes_the_actor_for_the_next_visitor(client, coordinator, actor_a):
    client.get("/akteure/")
    client.get(actor_a.get_absolute_url())
    services.actor_set_published(user=coordinator, actor=actor_a, published=False)
    assert actor_a.name not in client.get("/akteure/").content.decode()
    assert client.get(actor_a.get_absolute_url()).status_code == 404


def test_a_new_tie_shows_on_the_cached_profile(client, coordinator, actor_a):
    partner = ActorFactory(name="Kongoussi")
    assert "Kongoussi" not in client.get(actor_a.get_absolute_url()).content.decode()
    tie_services.tie_create(user=coordinator, source=actor_a, target=partner, kind="climate_partnership")
    assert "Kongoussi" in client.get(actor_a.get_absolute_url()).content.decode()


def test_logged_in_users_are_never_served_cached_pages(client, coordinator, actor_b):
    client.get("/akteure/")
    client.force_login(coordinator)
    response = client.get("/akteure/")
    assert "X-Page-Cache" not in response
    assert actor_b.name in response.content.decode()


def test_htmx_partials_and_full_pages_are_cached_apart(client, actor_a):
    client.get("/akteure/")
    partial = client.get("/akteure/", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content


def test_languages_are_cached_apart(client, actor_a):
    client.get("/akteure/")
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get("/akteure/").content.decode()


def test_anonymous_pages_carry_no_csrf_token_to_share(client, actor_a):
    response = client.get("/akteure/")
    assert "csrftoken" not in response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
