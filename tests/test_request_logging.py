"""A refused (403) or missing (404) page is logged as one line — status, method, path, the user's id and
role — with no traceback and no name (core/logging.py, OneLineClientErrors)."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_403_is_one_line_with_the_users_id_and_role_and_no_traceback(client, editor_a, caplog):
    client.force_login(editor_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("history:feed"))

    assert response.status_code == 403
    [record] = _request_lines(caplog)
    assert record.getMessage() == f"403 GET /aenderungen/ user={editor_a.pk} role=actor_editor"
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and record.exc_text is None
    assert "Traceback" not in caplog.text
    assert "\n" not in caplog.text.strip()
    assert editor_a.username not in caplog.text


def test_a_404_is_one_line_for_a_visitor(client, actor_b, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(actor_b.get_absolute_url())  # unpublished: 404 for visitors

    assert response.status_code == 404
    [record] = _request_lines(caplog)
    assert record.getMessage() == f"404 GET {actor_b.get_absolute_url()} anonym"
    assert record.exc_info is None


def test_a_405_and_a_refused_post_are_one_line_too(client, city_staff, actor_a, caplog):
    client.force_login(city_staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("actors:publish", kwargs={"slug": actor_a.slug}))
        client.post(reverse("actors:publish", kwargs={"slug": actor_a.slug}))

    messages = [r.getMessage() for r in _request_lines(caplog)]
    path = reverse("actors:publish", kwargs={"slug": actor_a.slug})
    assert messages == [
        f"405 GET {path} user={city_staff.pk} role=city_staff",
        f"403 POST {path} user={city_staff.pk} role=city_staff",
    ]
    assert "Traceback" not in caplog.text


def test_control_characters_in_a_path_do_not_break_the_line(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/akteure/zeile%0Aumbruch/")
    [record] = _request_lines(caplog)
    assert "\n" not in record.getMessage()
    assert record.getMessage().startswith("404 GET /akteure/zeile\\numbruch/")


def test_a_personal_feed_token_stays_out_of_the_line(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/kalender/abo/" + "x" * 43 + ".ics")
    [record] = _request_lines(caplog)
    assert record.getMessage() == "404 GET /kalender/abo/….ics anonym"
    assert "x" * 43 not in caplog.text


def test_server_errors_keep_their_traceback():
    from knotenpunkt.core.logging import OneLineClientErrors

    try:
        raise RuntimeError("kaputt")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    record.status_code = 500
    assert OneLineClientErrors().filter(record)
    assert record.exc_info is not None and record.msg == "boom"
