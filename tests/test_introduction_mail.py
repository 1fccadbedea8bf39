"""Introduction mails, sent through the real task queue to a real local SMTP server."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from knotenpunkt.accounts.models import Role
from knotenpunkt.synergies import introductions as services
from knotenpunkt.synergies.models import IntroductionMail
from knotenpunkt.synergies.tasks import send_introduction_mails
from tests import test_followup_reminders
from tests.factories import ActorFactory, MembershipFactory, PersonFactory, UserFactory
from tests.test_followup_reminders import SITE_URL, _free_port, run_queued_tasks

# The real local SMTP server (aiosmtpd) of the follow-up reminder tests.
smtp_server = test_followup_reminders.smtp

# The worker opens and closes its own transactions: no test-wide transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proposed(db):
    coordinator = UserFactory(
        username="koordination",
        role=Role.COORDINATOR,
        first_name="Erika",
        last_name="Beispiel",
        email="erika.beispiel@ludwigsburg.example",
    )
    weltladen = ActorFactory(
        name="Weltladen Ludwigsburg",
        contact_email="info@weltladen.example",
        published=True,
        website="https://weltladen.example",
    )
    foerderkreis = ActorFactory(name="Förderkreis Burkina Faso e.V.", contact_email="", published=False)
    MembershipFactory(
        actor=foerderkreis, person=PersonFactory(first_name="Max", last_name="Muster", email="max@example.org")
    )
    introduction = services.introduction_propose(
        user=coordinator,
        actor=weltladen,
        partner=foerderkreis,
        note="Der Förderkreis sucht einen Laden für Kaffee aus Kongoussi.",
        reasons=[
            {"code": "shared", "themes": [], "sdgs": [], "countries": ["BF"], "public": True},
            {
                "code": "common_partners",
                "count": 1,
                "examples": [],
                "public_count": 0,
                "public_examples": [],
                "public": False,
            },
        ],
    )
    return {"coordinator": coordinator, "introduction": introduction}


def _send_on_the_page(client, proposed):
    client.force_login(proposed["coordinator"])
    introduction = proposed["introduction"]
    response = client.post(
        reverse("synergies:introduction_advance", args=[introduction.pk]),
        {"step": "introduced", "version": introduction.version},
    )
    assert response.status_code == 302


def test_sending_mails_each_side_about_the_other_with_the_reason_and_the_offices_contact(client, smtp_server, proposed):
    _send_on_the_page(client, proposed)
    assert not smtp_server.envelopes  # nothing leaves before the worker runs
    run_queued_tasks()

    assert sorted(rcpt for e in smtp_server.envelopes for rcpt in e.rcpt_tos) == [
        "info@weltladen.example",
        "max@example.org",
    ]
    to_shop = smtp_server.for_("info@weltladen.example")
    to_association = smtp_server.for_("max@example.org")
    for mail in (to_shop, to_association):
        assert mail["Subject"].strip() == "Vorstellung: " + (
            "Weltladen Ludwigsburg und Förderkreis Burkina Faso e.V."
            if mail is to_shop
            else "Förderkreis Burkina Faso e.V. und Weltladen Ludwigsburg"
        )
        assert mail["Reply-To"] == "erika.beispiel@ludwigsburg.example"
        text = mail.get_body(("plain",)).get_content()
        assert "Der Förderkreis sucht einen Laden für Kaffee aus Kongoussi." in text
        assert "- beide arbeiten zu Burkina Faso" in text
        assert "interner gemeinsamer Partner" not in text
        assert "Erika Beispiel, erika.beispiel@ludwigsburg.example" in text
        assert "max@example.org" not in text  # a contact person's own address never goes to the other side
    shop_text = to_shop.get_body(("plain",)).get_content()
    association_text = to_association.get_body(("plain",)).get_content()
    assert "möchte Weltladen Ludwigsburg mit Förderkreis Burkina Faso e.V. bekannt machen" in shop_text
    assert "Das Profil ist noch nicht öffentlich" in shop_text  # the association is not published
    assert "E-Mail: info@weltladen.example" in association_text  # the shop's public address
    assert f"{SITE_URL}/akteure/weltladen-ludwigsburg/" in association_text
    assert set(IntroductionMail.objects.values_list("status", flat=True)) == {"sent"}
    assert not IntroductionMail.objects.filter(sent_at__isnull=True).exists()


def test_a_second_run_sends_nothing_again(client, smtp_server, proposed):
    _send_on_the_page(client, proposed)
    run_queued_tasks()
    send_introduction_mails.enqueue()
    run_queued_tasks()

    assert len(smtp_server.envelopes) == 2
    assert DBTaskResult.objects.filter(task_path="knotenpunkt.synergies.tasks.send_introduction_mails").count() == 2


def test_a_failed_mail_records_its_error_and_the_next_run_sends_it(client, smtp_server, proposed, settings):
    settings.EMAIL_PORT = _free_port()  # nobody listens there
    _send_on_the_page(client, proposed)
    run_queued_tasks()

    assert not smtp_server.envelopes
    failed = list(IntroductionMail.objects.all())
    assert {m.status for m in failed} == {"failed"}
    assert all("ConnectionRefusedError" in m.error and m.sent_at is None for m in failed)
    page = client.get(proposed["introduction"].get_absolute_url()).content.decode()
    assert "fehlgeschlagen" in page and "Fehlgeschlagene E-Mails erneut senden" in page

    settings.EMAIL_PORT = smtp_server.port
    response = client.post(
        reverse("synergies:introduction_advance", args=[proposed["introduction"].pk]), {"step": "retry", "version": 2}
    )
    assert response.status_code == 302
    run_queued_tasks()

    assert sorted(rcpt for e in smtp_server.envelopes for rcpt in e.rcpt_tos) == [
        "info@weltladen.example",
        "max@example.org",
    ]
    assert {(m.status, m.error) for m in IntroductionMail.objects.all()} == {("sent", "")}


def test_a_mail_the_server_refuses_for_good_is_marked_rejected_and_not_tried_again(client, smtp_server, proposed):
    """Issue 14: a permanent refusal (5xx) is not retried forever; a temporary one (4xx) is."""
    smtp_server.refuse = {
        "info@weltladen.example": "550 5.1.1 <info@weltladen.example>: Recipient address rejected: User unknown",
        "max@example.org": "451 4.7.1 Greylisted, please try again later",
    }
    _send_on_the_page(client, proposed)
    run_queued_tasks()

    status = {m.recipient: (m.status, m.error) for m in IntroductionMail.objects.all()}
    assert status["info@weltladen.example"][0] == "rejected" and "User unknown" in status["info@weltladen.example"][1]
    assert status["max@example.org"][0] == "failed" and "Greylisted" in status["max@example.org"][1]
    page = client.get(proposed["introduction"].get_absolute_url()).content.decode()
    assert "dauerhaft abgelehnt" in page

    smtp_server.refuse = {}
    send_introduction_mails.enqueue()
    run_queued_tasks()

    assert [rcpt for e in smtp_server.envelopes for rcpt in e.rcpt_tos] == ["max@example.org"]
    assert IntroductionMail.objects.get(recipient="info@weltladen.example").status == "rejected"


def test_only_the_receiving_sides_refusal_is_permanent():
    """Found by an audit: our own server refusing the login is not the mail's fault."""
    import smtplib

    from knotenpunkt.synergies.emails import is_permanent

    assert is_permanent(smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"User unknown")}))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a@b.example": (451, b"Greylisted")}))
    assert is_permanent(smtplib.SMTPDataError(554, b"Message refused"))
    assert not is_permanent(smtplib.SMTPAuthenticationError(535, b"Authentication failed"))
    assert not is_permanent(smtplib.SMTPSenderRefused(550, b"Sender refused", "office@example.org"))
    assert not is_permanent(ConnectionRefusedError())
