"""Accounts in a real browser: a forgotten password reset through the link in a real mail (aiosmtpd),
a coordinator switching on two-factor login and logging in with a code, the lockout after too many
wrong passwords — at desktop and phone width, with axe-core on every page."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from knotenpunkt.accounts.models import Role
from tests import test_followup_reminders
from tests.browser.conftest import PASSWORD, axe_violations, log_out
from tests.factories import UserFactory

# The real local SMTP server (aiosmtpd) of the follow-up reminder tests.
smtp_server = test_followup_reminders.smtp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_forgotten_password_is_reset_from_the_mail_and_logs_in(
    new_page,
    smtp_server,
    settings,
    live_server,
    screenshot,
    viewport,
):
    settings.SITE_URL = live_server.url
    UserFactory(username="erika", email="erika@example.org", role=Role.CITY_STAFF)
    page = new_page(viewport=viewport)
    page.goto("/konto/anmelden/")
    page.get_by_role("link", name="Passwort vergessen?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort vergessen")
    assert axe_violations(page) == []
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Link zusenden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail unterwegs")

    body = smtp_server.for_("erika@example.org").get_body(("plain",)).get_content()
    [link] = re.findall(rf"{re.escape(live_server.url)}/konto/passwort-neu/\S+/", body)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Neues Passwort festlegen")
    assert axe_violations(page) == []
    page.get_by_label(re.compile(r"^Neues Passwort( \*)?$")).fill("kurz")
    page.get_by_label(re.compile(r"^Neues Passwort bestätigen( \*)?$")).fill("kurz")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.locator("small.error").first).to_be_visible()  # too short: a German field error
    screenshot(page, f"password-reset-error-{'phone' if viewport else 'desktop'}")
    page.get_by_label(re.compile(r"^Neues Passwort( \*)?$")).fill("Fernweh-am-Neckar-7")
    page.get_by_label(re.compile(r"^Neues Passwort bestätigen( \*)?$")).fill("Fernweh-am-Neckar-7")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort gespeichert")

    page.locator("main").get_by_role("button", name="Anmelden").click()  # a link styled as a button
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_label("Passwort").fill("Fernweh-am-Neckar-7")
    page.locator("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden", include_hidden=True)).to_be_attached()


def _secret(page) -> str:
    typed = page.locator("code.totp-secret").inner_text().replace(" ", "")
    return base64.b32decode(typed + "=" * (-len(typed) % 8)).hex()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_coordinator_switches_on_two_factor_login_and_logs_in_with_a_code(new_page, screenshot, viewport):
    size = "phone" if viewport else "desktop"
    coordinator = UserFactory(username="koordination-2fa", role=Role.COORDINATOR, email="k@example.org")
    page = new_page(user=coordinator, viewport=viewport)
    page.goto("/konto/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    assert axe_violations(page) == []
    screenshot(page, f"account-{size}")
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einrichten").click()
    expect(page.locator("svg.totp-qr")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, f"two-factor-setup-{size}")
    key = _secret(page)
    page.get_by_label(re.compile(r"^Code aus der Authenticator-App( \*)?$")).fill(f"{totp(bytes.fromhex(key)):06d}")
    page.get_by_role("button", name="Bestätigen und einschalten").click()
    expect(page.get_by_text("Die Zwei-Faktor-Anmeldung ist eingerichtet.")).to_be_visible()

    log_out(page)
    page.goto("/konto/anmelden/?next=/admin/")
    page.get_by_label("Benutzername").fill(coordinator.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code eingeben")
    assert axe_violations(page) == []
    screenshot(page, f"two-factor-login-{size}")
    next_code = f"{totp(bytes.fromhex(key), drift=1):06d}"  # the setup used the current one
    page.get_by_label(re.compile(r"^Code aus der Authenticator-App( \*)?$")).fill(next_code)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))  # the back office, verified by the code


def test_too_many_wrong_passwords_show_the_lockout_on_the_login_page(new_page, settings, screenshot):
    UserFactory(username="erika", role=Role.CITY_STAFF)
    page = new_page()
    page.goto("/konto/anmelden/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Benutzername").fill("erika")
        page.get_by_label("Passwort").fill("falsch")
        page.locator("main").get_by_role("button", name="Anmelden").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Zu viele fehlgeschlagene Anmeldungen")
    expect(page.get_by_label("Benutzername")).to_be_visible()  # the form, in the app's layout
    assert axe_violations(page) == []
    screenshot(page, "login-locked-out")
