import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_state(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"]["state"] == "ok"


def test_home_counts_only_published_actors(client, actor_a, actor_b):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["actor_count"] == 1


def test_ui_is_german_by_default_even_for_english_browsers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "de"
    assert b'<html lang="de"' in response.content


def test_language_switch_stores_the_choice(client):
    response = client.post("/sprache/", {"language": "en", "next": "/akteure/"})
    assert response.status_code == 302
    response = client.get("/akteure/")
    assert response["Content-Language"] == "en"
    assert b'<html lang="en"' in response.content


def test_unknown_language_falls_back_to_german(client):
    client.cookies["django_language"] = "xx"
    assert client.get("/")["Content-Language"] == "de"


def test_language_switch_works_without_a_form_token(client):
    response = client.get("/sprache/", {"language": "en", "next": "/akteure/"})
    assert response.status_code == 302
    assert response["Location"] == "/akteure/"
    assert response.cookies["django_language"].value == "en"


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/sprache/", {"language": "en", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"
