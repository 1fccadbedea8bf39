"""Where issue 15's features met (found by an audit of the merged change): countries in use and hidden
records, the Content-Security-Policy on pages other branches added, barrier reports behind a proxy."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from knotenpunkt.actors.models import ActorCountry
from knotenpunkt.pages import emails
from knotenpunkt.pages.models import BarrierReport
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


def test_the_public_country_filter_leaves_out_a_country_only_an_unpublished_actor_works_in(client):
    hidden = ActorFactory(name="Geheim", published=False)
    ActorCountry.objects.create(actor=hidden, country="KP")
    page = client.get("/akteure/").content.decode()
    # An anonymous visitor learns that some (invisible) actor works with North Korea.
    assert 'value="KP"' not in page, "country of an unpublished actor offered in the public filter"
    ActorCountry.objects.create(actor=ActorFactory(name="Sichtbar"), country="KP")
    assert 'value="KP"' in client.get("/akteure/").content.decode()


def test_the_initiative_one_pager_on_screen_may_use_its_own_style_block(client, coordinator):
    from knotenpunkt.initiatives.models import Initiative

    init = Initiative.objects.create(title="Klimapartnerschaft")
    client.force_login(coordinator)
    response = client.get(reverse("reports:initiative", args=[init.pk]))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    body = response.content.decode()
    style_elem = re.search(r"style-src-elem ([^;]+)", csp).group(1)
    has_inline_style = "<style>" in body
    blocked = has_inline_style and "'unsafe-inline'" not in style_elem and "nonce-" not in style_elem
    assert not blocked, f"page has <style> but CSP style-src-elem is {style_elem!r}"


def test_the_feed_settings_page_has_no_inline_handler(client, coordinator):
    client.force_login(coordinator)
    client.post(reverse("activities:feed_settings"), {"action": "renew"})
    response = client.get(reverse("activities:feed_settings"))
    assert "feed-url" in response.content.decode()
    body = response.content.decode()
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert not (re.search(r"\sonfocus=", body) and "'unsafe-inline'" not in script_src), "inline onfocus blocked by CSP"


def test_a_barrier_report_with_a_line_break_in_the_page_is_mailed(client, settings):
    settings.KNOTENPUNKT_OFFICE_EMAIL = "office@example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(
        reverse("pages:barrier_report"),
        {
            "message": "Der Kalender ist mit dem Screenreader nicht bedienbar.",
            "page": "/termine/\nBcc: x@example.org",
            "contact_email": "",
        },
    )
    assert response.status_code == 302
    report = BarrierReport.objects.get()
    try:
        sent = emails.send_barrier_report(report.pk)
    except Exception as exc:
        pytest.fail(f"mailing the stored report raises {type(exc).__name__}: {exc}")
    assert sent and len(mail.outbox) == 1


def test_behind_a_proxy_one_sender_does_not_block_barrier_reports_for_everybody(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    data = {"message": "Kontrast zu gering.", "page": "", "contact_email": ""}
    for n in range(5):
        r = client.post(
            reverse("pages:barrier_report"), data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
        assert r.status_code == 302
    # Five reports from five different spammy clients... now a sixth, unrelated visitor:
    r = client.post(reverse("pages:barrier_report"), data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert r.status_code == 302, "a different client behind the proxy is refused (rate limit keyed on REMOTE_ADDR)"


def test_the_public_offers_board_leaves_out_the_country_of_an_internal_listing(client):
    from tests.factories import ListingFactory

    ListingFactory(public=False, country="KP", title="Intern: Kontakt nach Pjöngjang")
    page = client.get("/angebote/").content.decode()
    assert 'value="KP"' not in page, "country of an internal listing offered in the public board filter"
