"""Two-factor login (TOTP) for coordinators, with real codes computed as an authenticator app does
(django_otp.oath.totp): setting it up with a QR code, the login's second step, the back office's
demand for a verified session, switching it off with a code, and IT's reset command."""

import base64
import datetime as dt
import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from knotenpunkt.accounts import two_factor
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.models import Change

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-genug-123"  # tests.factories.UserFactory


def code(key_hex: str, *, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` time steps later)."""
    return f"{totp(bytes.fromhex(key_hex), drift=steps):06d}"


def _secret_from_page(page: str) -> str:
    """The hex key behind the secret shown for typing, as an app would read it."""
    typed = re.search(r'<code class="totp-secret" lang="en">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    return base64.b32decode(typed + "=" * (-len(typed) % 8)).hex()


def _set_up(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    key = _secret_from_page(page)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": code(key)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    return key


def _login(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": password})


def test_a_coordinator_sets_up_totp_with_a_qr_code_and_a_typed_secret(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()

    assert '<svg viewBox="' in page and 'class="totp-qr"' in page  # inline SVG, made on the server
    assert "<title>QR-Code für die Authenticator-App</title>" in page
    key = _secret_from_page(page)
    assert len(key) == 40
    assert not TOTPDevice.objects.exists()  # nothing stored before a code confirms it
    assert (
        client.get(reverse("accounts:two_factor_setup")).content.decode().count(two_factor.secret_for_typing(key))
    )  # a reload shows the same secret

    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": "000000" if code(key) != "000000" else "1"})
    assert wrong.status_code == 200 and "Der Code stimmt nicht" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    response = client.post(reverse("accounts:two_factor_setup"), {"code": code(key)})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=coordinator, confirmed=True)
    assert device.key == key
    change = Change.objects.get(kind=ChangeKind.USER_TWO_FACTOR_ENABLED)
    assert change.user == coordinator and key not in str(change.data)
    assert "Eingeschaltet seit" in client.get(reverse("accounts:account")).content.decode()


def test_a_code_from_the_app_one_step_late_is_still_accepted(client, coordinator):
    client.force_login(coordinator)
    key = _secret_from_page(client.get(reverse("accounts:two_factor_setup")).content.decode())
    assert client.post(reverse("accounts:two_factor_setup"), {"code": code(key, steps=-1)}).status_code == 302


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567", "12 34 5x", "٣٣٣٣٣٣"])
def test_bad_codes_are_a_german_field_error_never_a_500(client, coordinator, bad):
    client.force_login(coordinator)
    client.get(reverse("accounts:two_factor_setup"))
    response = client.post(reverse("accounts:two_factor_setup"), {"code": bad})
    assert response.status_code == 200
    assert not TOTPDevice.objects.exists()


def test_city_staff_and_editors_are_not_offered_two_factor_login(client, city_staff, editor_a):
    for user in (city_staff, editor_a):
        client.force_login(user)
        assert client.get(reverse("accounts:two_factor_setup")).status_code == 403


def test_with_totp_on_the_login_asks_for_a_code_after_the_password(client, coordinator):
    key = _set_up(client, coordinator)
    client.logout()

    response = _login(client, coordinator)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_code")
    assert SESSION_KEY not in client.session  # not logged in by the password alone
    assert client.get(reverse("interactions:dashboard")).status_code == 302

    wrong = client.post(reverse("accounts:login_code"), {"code": "12345x"})
    assert wrong.status_code == 200 and SESSION_KEY not in client.session

    # The setup's code was used: the next time step's code logs in (as after waiting 30 s).
    response = client.post(reverse("accounts:login_code"), {"code": code(key, steps=1)})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == coordinator.pk
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_code_is_accepted_once(client, coordinator):
    key = _set_up(client, coordinator)
    client.logout()
    _login(client, coordinator)
    assert client.post(reverse("accounts:login_code"), {"code": code(key, steps=1)}).status_code == 302
    client.logout()
    _login(client, coordinator)
    again = client.post(reverse("accounts:login_code"), {"code": code(key, steps=1)})
    assert again.status_code == 200 and SESSION_KEY not in client.session


def test_the_code_step_without_a_password_first_goes_back_to_the_login(client, coordinator):
    _set_up(client, coordinator)
    client.logout()
    response = client.post(reverse("accounts:login_code"), {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_the_password_step_expires(client, coordinator):
    key = _set_up(client, coordinator)
    client.logout()
    _login(client, coordinator)
    session = client.session
    pending = session["kp_login_pending"]
    pending["at"] = time.time() - 600
    session["kp_login_pending"] = pending
    session.save()
    response = client.post(reverse("accounts:login_code"), {"code": code(key, steps=1)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session


def test_the_back_office_needs_a_verified_session_when_totp_is_on(client, coordinator):
    _set_up(client, coordinator)
    client.logout()
    client.force_login(coordinator)  # a session that never gave a code (e.g. from before the setup)
    response = client.get(reverse("admin:index"))
    # The session ends (accounts.middleware.TwoFactorSessionMiddleware): log in again, with the code.
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session


def test_switching_off_needs_a_current_code(client, coordinator):
    key = _set_up(client, coordinator)

    typo = client.post(reverse("accounts:two_factor_disable"), {"code": "00000x"})
    assert typo.status_code == 422 and "Bitte die sechs Ziffern" in typo.content.decode()
    refused = client.post(reverse("accounts:two_factor_disable"), {"code": code(key, steps=5)})
    assert refused.status_code == 422 and "Der Code stimmt nicht" in refused.content.decode()
    # Right after a wrong code even the right one waits (django-otp's throttle) ...
    throttled = client.post(reverse("accounts:two_factor_disable"), {"code": code(key, steps=1)})
    assert throttled.status_code == 422 and "Zu viele falsche Codes" in throttled.content.decode()
    assert TOTPDevice.objects.filter(user=coordinator).exists()
    # ... a few seconds.
    TOTPDevice.objects.update(throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=10))

    response = client.post(reverse("accounts:two_factor_disable"), {"code": code(key, steps=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert Change.objects.filter(kind=ChangeKind.USER_TWO_FACTOR_DISABLED, user=coordinator).count() == 1
    client.logout()
    assert _login(client, coordinator).status_code == 302
    assert int(client.session[SESSION_KEY]) == coordinator.pk  # the password alone again


def test_it_resets_a_lost_app_with_a_management_command(client, coordinator):
    _set_up(client, coordinator)
    call_command("two_factor_reset", coordinator.username)
    assert not TOTPDevice.objects.exists()
    change = Change.objects.get(kind=ChangeKind.USER_TWO_FACTOR_DISABLED)
    assert change.user is None and change.record_id == coordinator.pk
    with pytest.raises(CommandError):
        call_command("two_factor_reset", "gibt-es-nicht")


def test_totp_devices_are_not_in_the_back_office(client, coordinator):
    _set_up(client, coordinator)
    page = client.get(reverse("admin:index")).content.decode()
    assert "otp_totp" not in page


def test_switching_two_factor_on_ends_the_accounts_sessions_that_no_code_verified(coordinator):
    """A session logged in with the password alone before (or a stolen one) reaches nothing afterwards;
    the session that switched it on was verified by its code and stays."""
    from django.test import Client

    old = Client()
    assert (
        old.post(reverse("accounts:login"), {"username": coordinator.username, "password": PASSWORD}).status_code == 302
    )
    assert old.get("/aenderungen/").status_code == 200
    setup = Client()
    setup.force_login(coordinator)
    setup.get(reverse("accounts:two_factor_setup"))
    key = setup.session["kp_totp_setup"]  # accounts.views.SETUP_KEY: the secret shown as the QR code
    assert setup.post(reverse("accounts:two_factor_setup"), {"code": code(key)}).status_code == 302

    for url in ("/aenderungen/", "/datenschutz/", "/konto/", "/schreibtisch/"):
        response = old.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    assert old.get("/aenderungen/").status_code == 302  # logged out for good, not only refused once
    assert setup.get("/aenderungen/").status_code == 200
