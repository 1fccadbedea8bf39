"""Two-factor login (TOTP, django-otp) for coordinators: setting it up, switching it off, IT's reset.

A coordinator scans a QR code (or types the secret) into an authenticator app and confirms with a
code; from then on the login asks for a code after the password, and the back office needs a session
verified by one. The secret being set up lives in the session until it is confirmed, so nothing is
stored before a code proved the app has it. Enabling and disabling are recorded (never the secret).
"""

from __future__ import annotations

import base64
import re
import secrets

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from knotenpunkt.accounts import roles
from knotenpunkt.accounts.models import User
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record

DEVICE_NAME = "Authenticator-App"
# A code from the step before or after the current one is accepted (clocks of phones drift).
TOLERANCE = 1
CODE = re.compile(r"[0-9]{6}")


def may_set_up(user) -> bool:
    """Two-factor login is offered to coordinators (they reach the back office and everything in it)."""
    return roles.is_coordinator(user)


def device_of(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if two-factor login is on."""
    if user is None or not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def new_secret() -> str:
    """A new TOTP secret: 20 random bytes as hex (django-otp's format)."""
    return secrets.token_hex(20)


def secret_for_typing(key: str) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    text = base64.b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user: User, key: str) -> str:
    """The otpauth:// address the QR code holds (django-otp writes it for a device)."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key).config_url


def qr_svg(url: str, title: str) -> str:
    """The QR code as an inline SVG (no image file, no Pillow), with a title for screen readers."""
    return segno.make(url, error="m").svg_inline(scale=5, border=2, title=title, svgclass="totp-qr", omitsize=True)


def matched_step(key: str, code: str) -> int | None:
    """The time step whose TOTP code of `key` is `code` (six digits; the current step or the one
    before or after), or None."""
    if not CODE.fullmatch(code or ""):
        return None
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    return totp.t() if totp.verify(int(code), tolerance=TOLERANCE) else None


@atomic
def two_factor_enable(*, user, key: str, step: int) -> TOTPDevice:
    """Switch two-factor login on for `user` with `key`, confirmed by the code of time `step` (see
    matched_step), which cannot log in again. Records USER_TWO_FACTOR_ENABLED (without the secret)."""
    if not may_set_up(user):
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    # django-otp accepts each time step once, after the last one used.
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step)
    record(
        user=user,
        kind=ChangeKind.USER_TWO_FACTOR_ENABLED,
        record=user,
        values={"two_factor": True},
        audience=Audience.COORDINATION,
    )
    return device


@atomic
def two_factor_disable(*, user, target: User) -> bool:
    """Switch two-factor login off for `target`: by the account's owner (the caller checked a current
    code), or by IT (`user=None`, `manage.py two_factor_reset`). Records USER_TWO_FACTOR_DISABLED;
    False (and nothing recorded) when it was off."""
    if user is not None and user.pk != target.pk:
        raise PermissionDenied
    deleted, _ = TOTPDevice.objects.filter(user=target).delete()
    if not deleted:
        return False
    record(
        user=user,
        kind=ChangeKind.USER_TWO_FACTOR_DISABLED,
        record=target,
        values={"two_factor": False},
        audience=Audience.COORDINATION,
    )
    return True


def verified_if_required(request) -> bool:
    """False for a session of a user with two-factor login that was not verified by a code (a session
    from before it was switched on): the back office asks for one."""
    user = request.user
    if device_of(user) is None:
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
