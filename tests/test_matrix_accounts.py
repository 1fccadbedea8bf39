"""Accounts: URLs × roles, in the format of tests/test_permission_matrix.py.

The record is the requesting user's own account. The two states: "off" is an account without
two-factor login, "on" one with a confirmed TOTP device (for any role: a former coordinator keeps
theirs until switched off). Everyone may change and reset their own password; two-factor login is
set up by coordinators only and switched off by its owner with a current code.
"""

from types import SimpleNamespace

import pytest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from knotenpunkt.accounts.models import Role, User
from knotenpunkt.changes.models import Change
from tests import matrix
from tests.factories import ActorFactory, DepartmentFactory, UserFactory
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-genug-123"  # tests.factories.UserFactory
NEW_PASSWORD = "Neues-Passwort-am-Neckar-7"

# fmt: off
MATRIX = {
    #                                          anonymous  coordinator city_staff staff_own editor_own editor_other
    "accounts:account":                {"GET":  ("login",  "200",     "200",     "200",     "200",     "200")},
    "accounts:login_code":             {"GET":  ("302",    "302",     "302",     "302",     "302",     "302"),
                                        "POST": ("302",    "302",     "302",     "302",     "302",     "302")},
    "accounts:password_change":        {"GET":  ("login",  "200",     "200",     "200",     "200",     "200"),
                                        "POST": ("login",  "done",    "done",    "done",    "done",    "done")},
    "accounts:password_reset":         {"GET":  ("200",    "200",     "200",     "200",     "200",     "200"),
                                        "POST": ("302",    "302",     "302",     "302",     "302",     "302")},
    "accounts:password_reset_done":    {"GET":  ("200",    "200",     "200",     "200",     "200",     "200")},
    "accounts:password_reset_confirm": {"GET":  ("200",    "200",     "200",     "200",     "200",     "200"),
                                        "POST": ("200",    "200",     "200",     "200",     "200",     "200")},
    "accounts:password_reset_complete": {"GET": ("200",    "200",     "200",     "200",     "200",     "200")},
    "accounts:two_factor_setup":       {"GET":  ("login",  "200/302", "403",     "403",     "403",     "403"),
                                        "POST": ("login",  "200/302", "403",     "403",     "403",     "403")},
    "accounts:two_factor_disable":     {"GET":  ("login",  "405",     "405",     "405",     "405",     "405"),
                                        "POST": ("login",  "302/done", "302/done", "302/done", "302/done", "302/done")},
}
# fmt: on

RECORD_NAME = "Benutzername"


def _current_code(w) -> str:
    device = TOTPDevice.objects.filter(user=w.user).first()
    return f"{totp(device.bin_key):06d}" if device else "123456"


SPECS = {
    "accounts:password_change": {
        "data": lambda w: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        "done": lambda w: User.objects.get(pk=w.user.pk).check_password(NEW_PASSWORD),
    },
    "accounts:password_reset": {"data": lambda w: {"email": "koordination@example.org"}},
    "accounts:password_reset_confirm": {
        # A link whose token does not fit: the page says so, nothing changes.
        "kwargs": lambda w: {"uidb64": urlsafe_base64_encode(force_bytes(w.victim.pk)), "token": "abc-123"},
        "data": lambda w: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    },
    "accounts:two_factor_setup": {"data": lambda w: {"code": "000000"}},
    "accounts:two_factor_disable": {
        "data": lambda w: {"code": _current_code(w)},
        "done": lambda w: not TOTPDevice.objects.filter(user=w.user).exists(),
    },
}


def _world(*, two_factor_on: bool, coordinator, city_staff):
    coordinator.email = "koordination@example.org"
    coordinator.save()
    own = DepartmentFactory(name="Referat Internationales", published=True)
    editor_own = UserFactory(username="redaktion-eigen", role=Role.ACTOR_EDITOR)
    editor_own.edited_actors.add(ActorFactory(name="Eigener Verein"))
    editor_other = UserFactory(username="redaktion-fremd", role=Role.ACTOR_EDITOR)
    editor_other.edited_actors.add(ActorFactory(name="Fremder Verein"))
    users = {
        "anonymous": None,
        "coordinator": coordinator,
        "city_staff": city_staff,
        "city_staff_own_department": UserFactory(username="referat", role=Role.CITY_STAFF, department=own),
        "editor_own": editor_own,
        "editor_other": editor_other,
    }
    if two_factor_on:
        for user in users.values():
            if user is not None:
                TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=True)
    return SimpleNamespace(users=users, user=None, victim=coordinator)


def db_state():
    return {
        "users": list(User.objects.order_by("pk").values("id", "password", "role", "is_active")),
        "devices": list(TOTPDevice.objects.order_by("pk").values("id", "user", "key", "confirmed")),
        "changes": Change.objects.count(),
    }


@pytest.mark.parametrize(matrix.PARAMETERS, list(matrix.cases(MATRIX, ROLES, ("off", "on"))))
def test_accounts_permission_matrix(client, coordinator, city_staff, url_name, method, role, published, outcome):
    w = _world(two_factor_on=not published, coordinator=coordinator, city_staff=city_staff)
    w.user = w.users[role]
    device = TOTPDevice.objects.filter(user=w.user).first() if w.user else None
    if device is not None:
        # With two-factor login on, one logs in with a code: the session names the device that verified it.
        client.force_login(w.user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    matrix.check(
        client,
        world=w,
        user=w.user,
        url_name=url_name,
        method=method,
        outcome=outcome,
        spec=SPECS.get(url_name, {}),
        record_text=RECORD_NAME,
        db_state=db_state,
    )


def test_every_done_cell_has_a_check_for_the_change():
    matrix.done_cells_have_checks(MATRIX, SPECS)
