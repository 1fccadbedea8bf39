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


PLAIN_HTMX = {"HTTP_HX_REQUEST": "true"}
BOOSTED = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}
HISTORY_RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
# Cached pages whose views answer a plain htmx request with a partial.
PARTIAL_PAGES = ["/akteure/", "/termine/?ansicht=liste", "/angebote/"]


def is_full_page(response) -> bool:
    return b"<html" in response.content


@pytest.mark.parametrize("url", PARTIAL_PAGES)
@pytest.mark.parametrize(("name", "headers"), [("boosted", BOOSTED), ("history restore", HISTORY_RESTORE)])
def test_boosted_and_history_restore_requests_get_the_full_page_after_a_plain_htmx_one(
    client, actor_a, url, name, headers
):
    partial = client.get(url, **PLAIN_HTMX)
    assert not is_full_page(partial)

    response = client.get(url, **headers)

    assert is_full_page(response), name


@pytest.mark.parametrize("url", PARTIAL_PAGES)
@pytest.mark.parametrize(("name", "headers"), [("boosted", BOOSTED), ("history restore", HISTORY_RESTORE)])
def test_a_plain_htmx_request_gets_the_partial_after_a_boosted_or_history_restore_one(
    client, actor_a, url, name, headers
):
    assert is_full_page(client.get(url, **headers))

    response = client.get(url, **PLAIN_HTMX)

    assert not is_full_page(response), name


def test_every_htmx_header_a_cached_page_depends_on_is_in_vary(client, actor_a):
    from knotenpunkt.core.page_cache import VARIANT_HEADERS

    vary = {h.strip() for h in client.get("/akteure/")["Vary"].split(",")}

    assert {"Cookie", *VARIANT_HEADERS} <= vary
    assert {"HX-Request", "HX-Boosted", "HX-History-Restore-Request"} <= set(VARIANT_HEADERS)


def test_views_branch_only_on_htmx_headers_the_page_cache_keys_on():
    """A view that starts to branch on another htmx header (request.htmx.target …) must add it to
    VARIANT_HEADERS, or a visitor could be served another request's variant."""
    import re
    from pathlib import Path

    import knotenpunkt
    from knotenpunkt.core.page_cache import VARIANT_HEADERS

    header_of = {"boosted": "HX-Boosted", "history_restore_request": "HX-History-Restore-Request"}
    used = set()
    for path in Path(knotenpunkt.__file__).parent.rglob("*.py"):
        used |= set(re.findall(r"request\.htmx\.(\w+)", path.read_text()))
    assert used <= set(header_of), f"branches on {used - set(header_of)}: add its header to VARIANT_HEADERS"
    assert {header_of[attr] for attr in used} <= set(VARIANT_HEADERS)
