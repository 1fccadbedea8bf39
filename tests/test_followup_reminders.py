"""The daily follow-up reminder, sent through the real task queue to a real local SMTP server."""

import datetime as dt
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from knotenpunkt.interactions import emails
from knotenpunkt.interactions.models import FollowUpReminder
from knotenpunkt.interactions.tasks import send_followup_reminders
from tests.factories import FollowUpFactory, InteractionFactory, UserFactory

# The worker opens and closes its own transactions: no test-wide transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)

SITE_URL = "https://knotenpunkt.example.org"


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.envelopes = []
        self.port = None
        self.refuse = {}  # address -> SMTP answer to its RCPT TO, e.g. "550 5.1.1 User unknown"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def for_(self, address):
        found = [m for m in self.messages if m["To"] == address]
        assert len(found) == 1, f"{len(found)} Mails an {address}"
        return found[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.SITE_URL = SITE_URL
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    yield inbox
    controller.stop()


def run_queued_tasks():
    call_command("db_worker", "--batch", "--no-startup-delay")


@pytest.fixture
def office(db):
    """Follow-ups for two staff members and for people who must not get a mail today."""
    today = timezone.localdate()
    coordinator = UserFactory(username="koordination", role=Role.COORDINATOR, email="koordination@example.org",
                              first_name="Kora")  # fmt: skip
    staff = UserFactory(username="fachbereich", role=Role.CITY_STAFF, email="fachbereich@example.org")
    later = UserFactory(username="spaeter", role=Role.CITY_STAFF, email="spaeter@example.org")
    no_mail = UserFactory(username="ohne-mail", role=Role.CITY_STAFF, email="")
    gone = UserFactory(username="ausgeschieden", role=Role.CITY_STAFF, email="weg@example.org", is_active=False)
    shared = InteractionFactory(visibility="staff", date=dt.date(2026, 11, 2))
    secret = InteractionFactory(visibility="coordination")
    FollowUpFactory(title="Förderantrag nachreichen", due_date=today - dt.timedelta(days=3), assignee=coordinator,
                    interaction=shared)  # fmt: skip
    FollowUpFactory(title="Afrikatag: Raum buchen", due_date=today, assignee=coordinator)
    FollowUpFactory(title="Schon erledigt", due_date=today, assignee=coordinator, done_at=timezone.now())
    FollowUpFactory(title="Nächste Woche", due_date=today + dt.timedelta(days=7), assignee=coordinator)
    FollowUpFactory(title="Protokoll verschicken", due_date=today, assignee=staff, interaction=shared)
    # Written around the services: the contact was restricted after the follow-up was assigned.
    FollowUpFactory(title="Vertrauliche Rückfrage", due_date=today, assignee=staff, interaction=secret)
    FollowUpFactory(title="Erst morgen", due_date=today + dt.timedelta(days=1), assignee=later)
    FollowUpFactory(title="Ohne Adresse", due_date=today, assignee=no_mail)
    FollowUpFactory(title="Ausgeschieden", due_date=today, assignee=gone)
    return {"coordinator": coordinator, "staff": staff}


def test_each_user_gets_one_mail_listing_their_due_and_overdue_follow_ups(smtp, office):
    send_followup_reminders.enqueue()
    run_queued_tasks()

    assert sorted(rcpt for e in smtp.envelopes for rcpt in e.rcpt_tos) == [
        "fachbereich@example.org",
        "koordination@example.org",
    ]
    mail = smtp.for_("koordination@example.org")
    assert mail["Subject"].strip() == "Knotenpunkt: 2 Wiedervorlagen sind fällig (1 überfällig)"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Guten Tag Kora," in text
    for body in (text, html):
        assert "Förderantrag nachreichen" in body
        assert "Afrikatag: Raum buchen" in body
        assert f"{SITE_URL}/schreibtisch/" in body
        for other in ("Schon erledigt", "Nächste Woche", "Protokoll verschicken", "Erst morgen", "Vertrauliche"):
            assert other not in body
    overdue_since = (timezone.localdate() - dt.timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"überfällig seit {overdue_since}" in text
    assert "02.11.2026 – Treffen" in text  # what the overdue follow-up is about

    staff_mail = smtp.for_("fachbereich@example.org")
    assert staff_mail["Subject"].strip() == "Knotenpunkt: 1 Wiedervorlage ist fällig"
    staff_text = staff_mail.get_body(("plain",)).get_content()
    assert "Protokoll verschicken" in staff_text
    assert "Vertrauliche Rückfrage" not in staff_text  # the contact is no longer visible to them
    assert "Förderantrag" not in staff_text


def test_a_second_run_on_the_same_day_sends_nothing(smtp, office):
    send_followup_reminders.enqueue()
    run_queued_tasks()
    send_followup_reminders.enqueue()
    run_queued_tasks()

    assert len(smtp.envelopes) == 2
    today = timezone.localdate()
    assert set(FollowUpReminder.objects.filter(date=today).values_list("user__username", flat=True)) == {
        "koordination",
        "fachbereich",
    }
    assert not FollowUpReminder.objects.filter(sent_at__isnull=True).exists()


def test_the_next_day_reminds_again(smtp, office):
    today = timezone.localdate()
    assert emails.send_followup_reminders(today=today)["sent"] == 2
    assert emails.send_followup_reminders(today=today) == {"sent": 0, "already_sent": 2, "failed": 0}

    counts = emails.send_followup_reminders(today=today + dt.timedelta(days=1))

    # Tomorrow the user with tomorrow's follow-up is reminded too.
    assert counts == {"sent": 3, "already_sent": 0, "failed": 0}
    assert len(smtp.envelopes) == 5


def test_a_mail_that_cannot_be_sent_is_tried_again_on_the_next_run(smtp, office, settings):
    settings.EMAIL_PORT = _free_port()  # nobody listens there

    assert emails.send_followup_reminders() == {"sent": 0, "already_sent": 0, "failed": 2}
    assert not FollowUpReminder.objects.exists()

    settings.EMAIL_PORT = smtp.port
    assert emails.send_followup_reminders()["sent"] == 2
    assert len(smtp.envelopes) == 2
