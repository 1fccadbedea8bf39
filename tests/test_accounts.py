"""Accounts: login throttling (django-axes), Mein Konto, changing one's password, and resetting a
forgotten one by mail through a real SMTP server (aiosmtpd), following the link in the mail."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from knotenpunkt.accounts.models import Role
from tests import test_followup_reminders
from tests.factories import UserFactory

# The real local SMTP server (aiosmtpd) of the follow-up reminder tests.
smtp_server = test_followup_reminders.smtp

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-genug-123"  # tests.factories.UserFactory
LOGIN = "/konto/anmelden/"


def _login(client, username, password, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- throttling ------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_that_address_with_a_german_message(client, settings):
    UserFactory(username="erika", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "erika", "falsch")
        assert response.status_code == 200
        assert "Benutzername oder Passwort stimmen nicht" in response.content.decode()

    locked = _login(client, "erika", "falsch")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldungen" in page
    assert "15 Minuten gesperrt" in page
    assert '<form method="post" action="/konto/anmelden/">' in page  # the login page, in the app's layout
    assert "Passwort vergessen?" in page

    # Now even the right password is refused, for the cool-off time.
    assert _login(client, "erika", PASSWORD).status_code == 429
    assert not _logged_in(client)


def test_a_user_name_longer_than_any_account_is_refused_before_it_is_checked(client):
    """django-axes stores the attempted name in 255 characters: PostgreSQL refused a longer one with a 500."""
    response = client.post(reverse("accounts:login"), {"username": "x" * 300, "password": PASSWORD})

    assert response.status_code == 200
    assert "Benutzername oder Passwort stimmen nicht" in response.content.decode()
    assert not AccessAttempt.objects.exists() and SESSION_KEY not in client.session


def test_the_lock_is_per_username_and_address(client, settings):
    UserFactory(username="erika", role=Role.CITY_STAFF)
    UserFactory(username="max", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "erika", "falsch")

    assert _login(client, "max", PASSWORD).status_code == 302  # another user from the same address
    client.logout()
    elsewhere = _login(client, "erika", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 302  # the same user from another address


def test_the_lock_ends_after_the_cool_off_time(client, settings):
    UserFactory(username="erika", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "erika", "falsch")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))

    assert _login(client, "erika", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, settings):
    UserFactory(username="erika", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "erika", "falsch")
    assert _login(client, "erika", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "erika", "falsch").status_code == 200  # counting from zero again
    assert not AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).exists()


def test_the_admin_login_is_the_throttled_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="erika", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "erika", "falsch", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert _login(client, "erika", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _login(client, "erika", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302


# --- Mein Konto and changing the password ------------------------------------------------------


def test_mein_konto_shows_the_role_and_the_way_to_change_the_password(client, city_staff):
    client.force_login(city_staff)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Stadtverwaltung" in page
    assert reverse("accounts:password_change") in page
    assert "Zwei-Faktor" not in page  # offered to coordinators only
    header = client.get(reverse("pages:home")).content.decode()
    assert f'href="{reverse("accounts:account")}"' in header


def test_every_user_changes_their_own_password(client, editor_a):
    client.force_login(editor_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert _logged_in(client)  # the session stays valid
    editor_a.refresh_from_db()
    assert editor_a.check_password("Neues-Passwort-2026")


def test_a_wrong_old_password_changes_nothing_and_says_so(client, editor_a):
    client.force_login(editor_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "falsch", "new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"},
    )
    assert response.status_code == 200
    assert "Das Passwort wurde nicht geändert" in response.content.decode()
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)


# --- resetting a forgotten password ----------------------------------------------------------


def _reset_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/konto/passwort-neu/\S+/", body)
    return link


def test_a_forgotten_password_is_reset_through_the_link_in_a_real_mail(client, smtp_server, settings):
    settings.SITE_URL = "https://knotenpunkt.example.org"
    user = UserFactory(username="erika", email="erika@example.org", role=Role.CITY_STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "erika", "falsch")  # locked out first: the reset lifts the lock too

    response = client.post(reverse("accounts:password_reset"), {"email": "Erika@Example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    mail = smtp_server.for_("erika@example.org")
    assert mail["Subject"] == "Knotenpunkt: Passwort zurücksetzen"
    link = _reset_link(mail)
    assert link.startswith("https://knotenpunkt.example.org/konto/passwort-neu/")  # SITE_URL, not the Host header
    assert "Ihr Benutzername: erika" in mail.get_body(("plain",)).get_content()

    # Following the link: Django swaps the token for a session key and shows the form.
    path = link.removeprefix(settings.SITE_URL)
    form_page = client.get(path, follow=True)
    assert "Neues Passwort festlegen" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Fernweh-am-Neckar-7", "new_password2": "Fernweh-am-Neckar-7"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Fernweh-am-Neckar-7")

    # The new password logs in (the lockout was lifted), and the link is spent.
    assert _login(client, "erika", "Fernweh-am-Neckar-7").status_code == 302
    client.logout()
    assert "ungültig oder abgelaufen" in client.get(path, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server):
    UserFactory(username="erika", email="erika@example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "niemand@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert smtp_server.messages == []


def test_one_address_gets_a_few_reset_mails_an_hour_and_then_the_same_answer_without_mail(client, smtp_server):
    from knotenpunkt.accounts.services import RESETS_PER_ADDRESS

    UserFactory(username="erika", email="erika@example.org")
    for attempt in range(RESETS_PER_ADDRESS + 2):
        response = client.post(
            reverse("accounts:password_reset"), {"email": "ERIKA@example.org" if attempt else "erika@example.org"}
        )
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len([m for m in smtp_server.messages if m["To"] == "erika@example.org"]) == RESETS_PER_ADDRESS


def test_one_sender_asking_for_many_addresses_is_told_to_wait(client, smtp_server):
    from knotenpunkt.accounts.models import PasswordResetRequest
    from knotenpunkt.accounts.services import RESETS_PER_SENDER

    for n in range(RESETS_PER_SENDER):
        client.post(reverse("accounts:password_reset"), {"email": f"person{n}@example.org"})
    response = client.post(reverse("accounts:password_reset"), {"email": "noch-eine@example.org"})
    assert response.status_code == 429
    assert "in einer Stunde noch einmal" in response.content.decode()
    # Another sender is not affected; requests older than a day are forgotten.
    other = client.post(reverse("accounts:password_reset"), {"email": "x@example.org"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302
    PasswordResetRequest.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    assert client.post(reverse("accounts:password_reset"), {"email": "noch-eine@example.org"}).status_code == 302
    assert PasswordResetRequest.objects.count() == 1
    # Nothing readable is kept: neither the address nor the network address.
    stored = PasswordResetRequest.objects.values_list("address", "sender").get()
    assert "example.org" not in "".join(stored) and "127.0.0.1" not in "".join(stored)


def test_an_invalid_address_is_a_german_field_error(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "kein-at-zeichen"})
    assert response.status_code == 200
    assert "gültige E-Mail-Adresse" in response.content.decode()
