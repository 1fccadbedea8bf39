"""The accessibility statement, the "Barriere melden" form and the page in Leichte Sprache."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from knotenpunkt.accounts.models import Role
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change
from knotenpunkt.pages import services
from knotenpunkt.pages.models import AccessibilityStatement, BarrierReport
from tests import test_followup_reminders
from tests.factories import UserFactory
from tests.test_followup_reminders import run_queued_tasks

# The real local SMTP server (aiosmtpd) of the follow-up reminder tests.
smtp = test_followup_reminders.smtp

REPORT = {
    "message": "Der Kalender lässt sich nicht mit der Tastatur bedienen.",
    "page": "/termine/",
    "contact_email": "",
}


def _page(client, url_name) -> str:
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    return response.content.decode()


# --- the statement ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_statement_names_the_feedback_form_and_the_state_procedure_even_before_the_office_wrote_it(client):
    page = _page(client, "pages:accessibility")
    assert "schreibt diese Erklärung gerade" in page
    assert reverse("pages:barrier_report") in page
    assert "Schlichtungsstelle" in page and "Landeszentrum Barrierefreiheit" in page and "§ 10b L-BGG" in page


@pytest.mark.django_db
def test_the_statement_shows_the_offices_markdown_sanitised_and_the_date_of_review(client):
    services.accessibility_statement_save(
        user=None,
        text="## Stand\n\nKnotenpunkt ist **teilweise** barrierefrei.<script>alert(1)</script>",
        reviewed_on=dt.date(2026, 11, 3),
    )
    page = _page(client, "pages:accessibility")
    assert "<strong>teilweise</strong>" in page
    assert "<script>alert" not in page
    assert "3. November 2026" in page


@pytest.mark.django_db
def test_saving_the_statement_is_recorded_with_what_changed(coordinator):
    services.accessibility_statement_save(user=coordinator, text="Erste Fassung", reviewed_on=dt.date(2026, 1, 5))
    services.accessibility_statement_save(user=coordinator, text="Zweite Fassung", reviewed_on=dt.date(2026, 1, 5))
    services.accessibility_statement_save(user=coordinator, text="Zweite Fassung", reviewed_on=dt.date(2026, 1, 5))

    changes = Change.objects.filter(kind=ChangeKind.ACCESSIBILITY_STATEMENT_SAVED).order_by("pk")
    assert changes.count() == 2  # saving the same text again changes nothing
    assert changes.last().data["fields"] == {"text": {"old": "Erste Fassung", "new": "Zweite Fassung"}}
    assert AccessibilityStatement.objects.get().text == "Zweite Fassung"


@pytest.mark.django_db
def test_a_bad_date_is_a_german_error_and_nothing_is_saved(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("pages:accessibility_edit"), {"text": "Neu", "reviewed_on": "31.02.2026"})
    assert response.status_code == 422
    assert "Bitte korrigieren Sie die markierten Felder" in response.content.decode()
    assert not AccessibilityStatement.objects.exists()


# --- reporting a barrier ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_reports_a_barrier_without_an_account_and_gets_a_german_confirmation(client):
    response = client.post(reverse("pages:barrier_report"), REPORT, follow=True)

    assert "Vielen Dank! Ihre Meldung ist bei der Koordinierungsstelle angekommen." in response.content.decode()
    report = BarrierReport.objects.get()
    assert (report.message, report.page, report.contact_email, report.created_by) == (
        REPORT["message"],
        "/termine/",
        "",
        None,
    )
    change = Change.objects.get(kind=ChangeKind.BARRIER_REPORTED)
    assert change.audience == "coordination" and REPORT["message"] not in str(change.data)


@pytest.mark.django_db
def test_the_footer_link_fills_in_the_page_the_visitor_came_from(client):
    assert 'href="/barrierefreiheit/melden/?seite=/netzwerk/"' in _page(client, "network:map")
    response = client.get(reverse("pages:barrier_report"), {"seite": "/netzwerk/"})
    assert 'value="/netzwerk/"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": "", "page": "", "contact_email": ""}, "Bitte beschreiben Sie die Barriere."),
        ({**REPORT, "contact_email": "keine-adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
        ({**REPORT, "message": "x" * 5001}, "höchstens 5000 Zeichen"),
    ],
)
@pytest.mark.django_db
def test_a_report_with_bad_input_is_refused_in_german_and_nothing_is_stored(client, data, error):
    response = client.post(reverse("pages:barrier_report"), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not BarrierReport.objects.exists()


@pytest.mark.django_db
def test_a_program_filling_the_hidden_field_is_thanked_but_nothing_is_stored(client):
    response = client.post(reverse("pages:barrier_report"), {**REPORT, "website": "https://spam.example"}, follow=True)
    assert "Vielen Dank!" in response.content.decode()
    assert not BarrierReport.objects.exists()


@pytest.mark.django_db
def test_one_sender_sends_at_most_five_reports_an_hour(client):
    for _ in range(services.REPORTS_PER_HOUR):
        assert client.post(reverse("pages:barrier_report"), REPORT).status_code == 302

    response = client.post(reverse("pages:barrier_report"), REPORT)

    assert response.status_code == 429
    assert "in der letzten Stunde schon mehrere Meldungen" in response.content.decode()
    assert BarrierReport.objects.count() == services.REPORTS_PER_HOUR
    # Another sender is not affected.
    assert client.post(reverse("pages:barrier_report"), REPORT, REMOTE_ADDR="192.0.2.7").status_code == 302


@pytest.mark.django_db
def test_the_coordination_reads_the_reports_newest_first(client, coordinator):
    services.barrier_report_create(user=None, message="Erste Meldung", contact_email="erika@example.org")
    services.barrier_report_create(user=None, message="Zweite Meldung")
    client.force_login(coordinator)
    page = _page(client, "pages:barrier_reports")
    assert page.index("Zweite Meldung") < page.index("Erste Meldung")
    assert 'href="mailto:erika@example.org"' in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("office_address", ["", "koordinierung@ludwigsburg.example"])
def test_a_report_reaches_the_office_by_mail_with_the_reporter_as_reply_to(client, smtp, settings, office_address):
    settings.KNOTENPUNKT_OFFICE_EMAIL = office_address
    UserFactory(username="koordination", role=Role.COORDINATOR, email="kora@example.org")
    UserFactory(username="ohne-adresse", role=Role.COORDINATOR, email="")
    UserFactory(username="fachbereich", role=Role.CITY_STAFF, email="fachbereich@example.org")

    client.post(reverse("pages:barrier_report"), {**REPORT, "contact_email": "erika@example.org"})
    run_queued_tasks()
    run_queued_tasks()  # a second run sends nothing again

    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert envelope.rcpt_tos == [office_address or "kora@example.org"]
    mail = smtp.messages[0]
    assert mail["Subject"] == "Barriere gemeldet: /termine/"
    assert mail["Reply-To"] == "erika@example.org"
    assert REPORT["message"] in mail.get_content()
    assert BarrierReport.objects.get().mailed_at is not None


# --- footer and Leichte Sprache -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["pages:home", "actors:directory", "pages:accessibility", "accounts:login"])
def test_every_page_links_the_statement_the_form_and_leichte_sprache_in_its_footer(client, url_name):
    footer = _page(client, url_name).split('<footer class="container site-footer">')[1]
    for target in ("pages:accessibility", "pages:barrier_report", "pages:easy_language"):
        assert f'href="{reverse(target)}' in footer


@pytest.mark.django_db
def test_leichte_sprache_says_one_short_thing_per_sentence(client):
    article = _page(client, "pages:easy_language").split('<article class="easy-language" lang="de">')[1]
    sentences = [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p>(.*?)</p>", article, flags=re.S)]
    assert len(sentences) >= 20
    for sentence in sentences:
        assert len(re.findall(r"[.?!:]", sentence)) <= 2, sentence  # "Zum Beispiel: …" is one statement
        assert len(sentence.split()) <= 12, sentence
    for topic in ("Was ist Knotenpunkt?", "Wer macht Knotenpunkt?", "Wie erreichen Sie uns?"):
        assert topic in article
