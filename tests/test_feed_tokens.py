"""The personal feed: its token (created, shown once, renewed, revoked), its content, and the logs."""

import datetime as dt
import io
import logging
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.activities import feeds, services
from knotenpunkt.activities.models import FeedToken
from knotenpunkt.core.logging import RedactFeedTokens, redact
from tests.factories import ActorFactory, FollowUpFactory, InteractionFactory, UserFactory
from tests.ical_readers import ical_occurrences, icalendar_events, icalendar_occurrences

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def soon(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=BERLIN)


def make(title, *, public=False, organiser=None, days=5, **data):
    participants = [services.ParticipantSpec(role="organiser", actor_id=organiser.pk)] if organiser else []
    return services.activity_create(
        user=None,
        data={"title": title, "kind": "meeting", "public": public, "start": soon(days), "end": soon(days, 12), **data},
        participants=participants,
    )


def subscribe(client, user) -> str:
    """Create a feed token through the page, as a user would; returns the address shown once."""
    client.force_login(user)
    response = client.post(reverse("activities:feed_settings"), {"action": "renew"})
    assert response.status_code == 302
    html = client.get(reverse("activities:feed_settings")).content.decode()
    match = re.search(r'id="feed-url"[^>]*>(http[^<]+/kalender/abo/[^<]+\.ics)</textarea>', html)
    assert match, html
    client.logout()
    return match.group(1)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


# --- the token ------------------------------------------------------------------------------


def test_the_address_is_shown_once_and_only_its_hash_is_stored(client, coordinator):
    url = subscribe(client, coordinator)
    token = token_of(url)

    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # 32 random bytes, 256 bits
    stored = FeedToken.objects.get(user=coordinator)
    assert stored.token_hash == feeds.hash_token(token)
    assert token not in str(list(FeedToken.objects.values()))
    client.force_login(coordinator)
    again = client.get(reverse("activities:feed_settings")).content.decode()
    assert token not in again
    assert "eingerichtet seit" in again


def test_the_session_does_not_keep_the_token_after_showing_it(client, coordinator):
    url = subscribe(client, coordinator)
    from django.contrib.sessions.models import Session

    assert not any(token_of(url) in str(s.get_decoded()) for s in Session.objects.all())


def test_the_feed_answers_with_a_valid_token_without_a_session(client, coordinator):
    url = subscribe(client, coordinator)
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"  # internal data: no cache keeps it
    assert FeedToken.objects.get(user=coordinator).last_used_at is not None


def test_renewing_revokes_the_old_address_atomically(client, coordinator):
    old = subscribe(client, coordinator)
    new = subscribe(client, coordinator)
    assert old != new
    assert client.get(path_of(old)).status_code == 404
    assert client.get(path_of(new)).status_code == 200
    assert FeedToken.objects.filter(user=coordinator, revoked_at__isnull=True).count() == 1
    assert FeedToken.objects.filter(user=coordinator).count() == 2


def test_revoking_ends_the_feed(client, coordinator):
    url = subscribe(client, coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("activities:feed_settings"), {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(path_of(url)).status_code == 404
    assert "noch kein Kalender-Abo" in client.get(reverse("activities:feed_settings")).content.decode()


@pytest.mark.parametrize("token", ["unbekannt", "x" * 43, "a.b", "%00", "ä"])
def test_an_unknown_token_is_404(client, token):
    assert client.get(f"/kalender/abo/{token}.ics").status_code == 404


def test_a_deactivated_user_has_no_feed(client, coordinator):
    url = subscribe(client, coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert client.get(path_of(url)).status_code == 404


def test_an_unknown_action_changes_nothing(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("activities:feed_settings"), {"action": "drop table"})
    assert response.status_code == 302
    assert not FeedToken.objects.exists()


def test_the_settings_page_needs_a_login(client):
    response = client.get(reverse("activities:feed_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_at_most_one_live_token_per_user_in_the_database(coordinator):
    from django.db import IntegrityError, transaction

    FeedToken.objects.create(user=coordinator, token_hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedToken.objects.create(user=coordinator, token_hash="b" * 64)


# --- what the personal feed contains ------------------------------------------------------------


@pytest.fixture
def internal_world(actor_a, actor_b):
    own = make("Vorstandssitzung Förderkreis", organiser=actor_a)
    other = make("Interne Runde anderer Verein", organiser=actor_b)
    office = make("Jour fixe Koordination")
    public = make("Öffentlicher Vortrag", public=True, organiser=actor_a)
    old = make("Längst vergangene Sitzung", days=-200)
    series = make("Wöchentliche Teamrunde", rrule="FREQ=WEEKLY;COUNT=4")
    return SimpleNamespace(own=own, other=other, office=office, public=public, old=old, series=series)


def personal(client, user) -> bytes:
    url = subscribe(client, user)
    response = client.get(path_of(url))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_staff_get_all_internal_activities_from_90_days_ago(client, city_staff, internal_world):
    summaries = {e["summary"] for e in icalendar_events(personal(client, city_staff))}
    assert summaries == {
        "Vorstandssitzung Förderkreis",
        "Interne Runde anderer Verein",
        "Jour fixe Koordination",
        "Wöchentliche Teamrunde",
    }


def test_an_actor_editor_gets_the_internal_activities_of_their_actors_only(client, editor_a, internal_world):
    summaries = {e["summary"] for e in icalendar_events(personal(client, editor_a))}
    assert summaries == {"Vorstandssitzung Förderkreis"}


def test_both_parsers_read_the_personal_feed_alike(client, coordinator, internal_world):
    body = personal(client, coordinator)
    window = (timezone.now() - dt.timedelta(days=100), timezone.now() + dt.timedelta(days=100))
    via_icalendar = icalendar_occurrences(body, *window)
    assert via_icalendar == ical_occurrences(body, *window)
    assert sum(1 for row in via_icalendar if row[1] == "Wöchentliche Teamrunde") == 4
    assert b"CLASS:PRIVATE" in body


def test_open_follow_ups_of_the_user_are_all_day_events_on_their_due_date(client, coordinator):
    contact = InteractionFactory(actors=[ActorFactory(name="Partnerverein")])
    due = timezone.localdate() + dt.timedelta(days=3)
    FollowUpFactory(title="Protokoll verschicken", due_date=due, assignee=coordinator, interaction=contact)
    FollowUpFactory(title="Schon erledigt", assignee=coordinator, done_at=timezone.now())
    FollowUpFactory(title="Aufgabe von jemand anderem", assignee=UserFactory(role=Role.COORDINATOR))

    events = icalendar_events(personal(client, coordinator))

    assert [e["summary"] for e in events] == ["Wiedervorlage: Protokoll verschicken"]
    event = events[0]
    assert event["all_day"] and event["dtstart"] == due
    assert event["url"].endswith(contact.get_absolute_url())


# --- tokens never reach a log -------------------------------------------------------------------


@pytest.fixture
def captured():
    """A handler with Django's server format on the loggers that see request paths."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("django.server", "django.request", "gunicorn.access")]
    for logger in loggers:
        logger.addHandler(handler)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)


def test_runservers_request_line_does_not_log_the_token(captured):
    from django.core.servers.basehttp import WSGIRequestHandler

    token = "GeheimesToken_0123456789abcdefghijklmnopqrstuvwxyz"
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.log_date_time_string = lambda: "25/Nov/2026 10:00:00"
    handler.log_message('"%s" %s %s', f"GET /kalender/abo/{token}.ics HTTP/1.1", "200", "1234")
    handler.log_message('"%s" %s %s', f"GET /kalender/abo/{token}.ics HTTP/1.1", "404", "179")

    output = captured.getvalue()
    assert token not in output
    assert output.count("GET /kalender/abo/….ics HTTP/1.1") == 2


def test_a_404_for_a_revoked_token_is_logged_without_it(client, coordinator, captured):
    url = subscribe(client, coordinator)
    token = token_of(url)
    client.force_login(coordinator)
    client.post(reverse("activities:feed_settings"), {"action": "revoke"})

    assert client.get(path_of(url)).status_code == 404

    output = captured.getvalue()
    assert f"404 GET /kalender/abo/….ics user={coordinator.pk} role=coordinator" in output  # one line
    assert token not in output


def test_gunicorns_access_log_does_not_show_the_token(captured):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from knotenpunkt.core.logging import install_gunicorn_filter

    token = "AnderesGeheimnis_0123456789abcdefghijklmnopqrstu"
    config = Config()
    config.set("accesslog", "-")
    gunicorn_logger = Logger(config)
    gunicorn_logger.access_log.addHandler(logging.getLogger("gunicorn.access").handlers[-1])
    install_gunicorn_filter()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/kalender/abo/{token}.ics?x=1",
        "PATH_INFO": f"/kalender/abo/{token}.ics",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://knotenpunkt.example/kalender/abo/{token}.ics",
    }
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/calendar")], sent=100)
    request = SimpleNamespace(headers=[("USER-AGENT", "Thunderbird")])
    gunicorn_logger.access(response, request, environ, dt.timedelta(milliseconds=12))

    output = captured.getvalue()
    assert "GET /kalender/abo/….ics?x=1 HTTP/1.1" in output
    assert token not in output


def test_the_gunicorn_config_installs_the_filter():
    import importlib.util
    from pathlib import Path

    from django.conf import settings

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(settings.BASE_DIR) / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.on_starting(None)
    assert any(isinstance(f, RedactFeedTokens) for f in logging.getLogger("gunicorn.access").filters)


def test_the_filter_takes_the_request_off_records_about_a_feed_address():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x",), None)
    record.request = SimpleNamespace(path="/kalender/abo/geheim.ics")
    RedactFeedTokens().filter(record)
    assert record.request is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/kalender/abo/abc_DEF-123.ics", "/kalender/abo/….ics"),
        ('"GET /kalender/abo/abc.ics?x=1 HTTP/1.1"', '"GET /kalender/abo/….ics?x=1 HTTP/1.1"'),
        ("/kalender/abo/", "/kalender/abo/"),
        ("/kalender/abo/abc", "/kalender/abo/…"),
        ("/termine.ics", "/termine.ics"),
        ("a /kalender/abo/one.ics b /kalender/abo/two.ics", "a /kalender/abo/….ics b /kalender/abo/….ics"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_the_redaction_matches_the_real_address():
    assert redact(reverse("pages:personal_feed", kwargs={"token": "Zz9_-x"})) == "/kalender/abo/….ics"
